"""Evaluate personality cases read as JSON lines from stdin; print each result as a JSON line.

Runs unchanged on CPython and on the MicroPython unix port, so the two can be compared.
Each case is [function, kind, params, state, market, forecast, *extra].
"""

import json
import sys

import personalities as P


def run(case):
    fn, kind, params, state, market, forecast = case[:6]
    extra = case[6:]
    if fn == "tender":
        out = P.tender(kind, params, state, market, forecast)
        return None if out is None else [out[0], out[1]]
    if fn == "dispatch":
        return P.dispatch(kind, params, state, market, forecast, extra[0], extra[1])
    if fn == "island":
        return P.island(kind, params, state, market, forecast)
    if fn == "advance":
        return P.advance(kind, params, state, market, forecast, extra[0])
    if fn == "init":
        return P.initial_state(kind, params, extra[0])
    raise ValueError(fn)


def main():
    # one case a line in, one result a line out: bounded memory on a 110 KB heap
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        print(json.dumps(run(json.loads(line))))


if __name__ == "__main__":
    main()
