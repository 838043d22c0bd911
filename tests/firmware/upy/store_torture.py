# Boots a Store, checks what the previous (killed) run left, then writes state as fast as it
# can until it is killed. With the argument "check" it only boots and checks.
# Output lines: "BOOT ok queue recovered cfg_k", then "S seq" per sequence number handed out
# and "C k" per config record whose put() returned.
import sys

import store


def blob(k):
    body = b"%d|" % k + b"x" * (k % 300)
    return body + b"|%d" % len(body)


def valid(data):
    head, _, tail = data.rpartition(b"|")
    return int(tail) == len(head) and head.startswith(b"%d|" % int(head.split(b"|")[0]))


st = store.Store("state", seq_block=8, max_queue=100000)
cfg = st.get("cfg")  # raises StoreError if damaged
ok = cfg is None or valid(cfg)
queue = st.queued()
for qid in queue:
    ok = ok and valid(st.read(qid))
k = int(cfg.split(b"|")[0]) if cfg else 0
print("BOOT", int(ok), len(queue), st.recovered, k)
if len(sys.argv) > 1 and sys.argv[1] == "check":
    sys.exit(0)
while True:
    k += 1
    print("S", st.next_seq())
    st.put("cfg", blob(k))
    print("C", k)
    if k % 2:
        st.push(blob(k))
    queue = st.queued()
    if len(queue) > 12:
        st.remove(queue[0])
