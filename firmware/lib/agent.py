# The bidding agent: one loop per delivery interval, physics and price policy from
# personalities.py, messages from wire.py, the link (mqtt.py or seriallink.py) and the clock
# injected.
#
# Per interval s (length L, gate closure G before it, both from the market's signed context):
#   - halfway through the interval before it, the tender for s: the personality's curve for the
#     state it expects at s (personalities.ahead: the interval under way and the awards up to s,
#     waiting up to a quarter interval past a gate for an award still due), signed with a fresh
#     sequence number, sent once the queue of unsent deliveries is empty (sequence numbers reach
#     the market in order). Until the market answers it, the same bytes go again
#     after a reconnection and every quarter of an interval: a broker or a market may die with
#     the first copy, and the market takes a copy of a tender it holds as such. The answer before
#     the gate is an error naming it (the award and the clearing come at the gate, where the
#     copies stop; so they do when the tender for the next interval is made). An error `replay`
#     says a later message of ours overtook a copy the market never had: the tender is made
#     anew, with a new number;
#   - the award for s is acted on only if the market key verifies it and it names the hash of our
#     own tender for s;
#   - at s: the relay (or a battery's setpoint) follows the award, or the personality's island
#     policy when there is none (no broker, no context, no award in time), and switches off once
#     the planned energy is through;
#   - at s + L: the meter's energy in the interval becomes a signed delivery (on a heap with no
#     room to sign it then, at the loop's next pass: the measurement waits), queued in the store
#     first and sent (QoS 1) whenever the link is up. It stays in the store until the market's
#     signed receipt names it: a broker's PUBACK only says the broker had it, and a broker or a
#     market that dies a moment later takes it along. Up to _WINDOW deliveries wait for their
#     receipts at once; they are sent again after a reconnect, or when no receipt came within
#     two intervals (the market answers a copy with the receipt it gave). A delivery the market
#     refuses for good is set aside in the store, never sent again. Nothing is lost offline;
#   - the personality state and the meter counters are saved once per interval; the interval's
#     length whenever a context changes it (a board reset while refused by the broker meters the
#     market's intervals, not the config's).
#
# Witness: every context names the market's newest ledger tree head [size, root] (signed with
# the context). The agent keeps the newest one, refuses one of a smaller size or another root
# for the same size, and names its head in every delivery it signs, so a ledger the market cut
# or rewrote behind it contradicts the device's signature. The head is kept in RAM only: saving
# it cost the heap a 110 KB board trading a day could not spare (a reboot starts again from the
# next context).
#
# Time: a board with no clock of its own (an ESP32 starts at 2000-01-01) waits for the market's
# signed context before its first interval, and takes the time from it. A retained context may
# be up to an interval old, so the clock only moves forward, to the newest `issued` seen: the
# next live context, published at a gate closure, makes up what the retained one left behind.
# When the clock jumps past an interval, the loop goes on from the current one.
import gc

import personalities as P
import wire
from store import StoreError

_WINDOW = 8  # deliveries sent and waiting for their receipts, at most
_KEEP = (3, 12, 15, 16)  # refusals that may pass later (unknown-party, expired, busy, internal)
_SKEW = 2  # seconds a clock may lag the market's `issued` before it is set forward
_SLICE_MS = 100  # the longest wall-clock nap: the loop notices contexts, awards and the link
_GC_EVERY = 4096  # collect after this many bytes allocated: garbage never spreads over the heap,
# so what lives stays low and the free space above it stays in one piece


class Agent:
    def __init__(self, board, link, store, key, party, cfg, clock=None, log=None):
        self.board, self.link, self.store = board, link, store
        self.key, self.party = key, party
        self.market = cfg["market"]
        self.market_key = cfg["market_key"]
        self.kind = cfg["personality"]
        self.params = cfg["params"]
        self.clock = clock or board.clock
        self.log = log or (lambda *a: None)
        self.length = cfg["interval"]  # until a context says otherwise (see appcfg)
        self.ctx = None
        self.tenders = {}  # interval -> (tender hash, side), or None for "no tender"
        self._ask = None  # the tender not answered yet: [interval, hash, due, connects]; its
        # bytes wait in the store (record "tender"), not on the heap
        self.awards = {}  # interval -> (award payload, award hash)
        self.stats = {"tenders": 0, "awards": 0, "acted": 0, "island": 0, "refused": 0,
                      "deliveries": 0, "uploaded": 0, "resent": 0, "receipts": 0,
                      "errors": 0, "set_aside": 0, "retendered": 0}
        # deliveries sent and waiting for their receipt: [message hash, queue id, tick sent]
        self.sent = []
        self._tick = 0  # interval boundaries passed
        self._top = 0  # the highest queue id sent so far: a lower one again is a resend
        self.heap_peak = 0  # the most heap in use (garbage included) seen by the loop
        saved = store.get_json("agent") or {}
        self.balance = saved.get("bal")  # the last receipt's, until the next one comes
        now = self.clock.unix()
        gc.collect()  # the boot's garbage goes before the personality and this object grow
        self.state = saved.get("state") or P.initial_state(self.kind, self.params, now)
        self.forecast = saved.get("fc") or {}
        if "imp" in saved:
            board.meter.restore(saved["imp"], saved["exp"])
        self._off_at = None
        # a battery's virtual meter follows the power the agent plans (other kinds switch a relay)
        self._set_power = getattr(board.meter, "set_power", None) if self.kind == "battery" else None
        self._applied = False
        self._measured = []  # deliveries measured, not signed yet: (interval, side, Wh, ...)
        self._planned = 0  # net Wh the interval under way is to draw
        self._connects = -1
        self._topics = {"context": self._on_context, "award": self._on_award,
                        "receipt": self._on_receipt,
                        "error": self._on_error, "offer": self._on_offer}
        # updates over the air (see _take_offer) and the status message: over MQTT only
        rk = cfg.get("release_key")
        self.release_key = bytes.fromhex(rk) if rk and hasattr(link, "unsubscribe") else None
        # [an offer's bytes for _take_offer() in the loop, a status is due, an offer was taken:
        # the loop ends and mmboot resets the board] (one list: every attribute costs heap)
        self.ota = [None, False, False]
        # the installed app (update.STATE): "version" (none: the firmware's own, fwinfo's),
        # "last" update's outcome, "pending" its confirmation, "rejected", "tries"
        self.app = cfg.get("app") or {}

    # --- messages from the market -------------------------------------------------------------

    def _handle(self, topic, data):
        """One message from the market (``data`` may be a view into the link's buffer: nothing
        of it is kept)."""
        parts = topic.split("/")
        handler = self._topics.get(parts[2]) if len(parts) > 2 else None
        try:
            if handler is not None:
                handler(data)
        except Exception as exc:  # noqa: BLE001 - nothing on the broker may stop the link's
            # reader (a MemoryError or any fault under a message): refused, and the next one
            self.stats["refused"] += 1
            self.log("refused:", exc)

    async def _receive(self):
        while True:
            topic, data = await self.link.recv()
            self._handle(topic, data)
            # nothing of this message stays referenced while the next one is awaited
            topic = data = None

    def _on_context(self, data):
        ctx = wire.check_context(self.market_key, self.market, data)
        if self.ctx is None or ctx["issued"] >= self.ctx["issued"]:
            if ctx["issued"] > self.clock.unix() + _SKEW:
                self.clock.set(ctx["issued"])  # forward only: see "Time" above
            old = self.ctx and self.ctx["head"]
            if old and (not ctx["head"] or ctx["head"][0] <= old[0]):
                ctx["head"] = old  # the ledger's head never goes back, nor changes at a size
            self.ctx = ctx
            if ctx["interval"] != self.length:  # kept for a boot with no context (appcfg)
                self.length = ctx["interval"]
                self.store.put("len", b"%d" % self.length)

    def _on_award(self, data):
        award = wire.check_award(self.market_key, self.market, data, self.party)
        mine = self.tenders.get(award["interval"])
        if mine is None or mine[0] != award["tender"] or mine[1] != award["side"]:
            raise wire.WireError("award: does not answer our tender for %d" % award["interval"])
        self.awards[award["interval"]] = (award, wire.message_hash(data))
        self.stats["awards"] += 1

    def _on_receipt(self, data):
        r = wire.check(self.market_key, self.market, data, "receipt")
        if r.get("party") == self.party:
            self.balance = r.get("balance")
            self.stats["receipts"] += 1
            e = self._waiting(r.get("delivery"))
            if e is not None:
                self.store.remove(e[1])  # settled: the market has it for good

    def _on_error(self, data):
        e = wire.check(self.market_key, self.market, data, "error")
        self.stats["errors"] += 1
        self.log("market error", e.get("code"), e.get("reason"))
        a = self._ask
        if a is not None and e.get("ref") == a[1]:
            self._ask = None
            if e.get("code") == 4:  # replay: see "tender" above
                self.tenders.pop(a[0], None)
            return
        if e.get("code") not in _KEEP:
            w = self._waiting(e.get("ref"))
            if w is not None:  # one of our deliveries, refused for good: keep it, never resend
                self.store.set_aside(w[1])
                self.stats["set_aside"] += 1

    def _on_offer(self, data):
        if self.release_key is not None:
            self.ota[0] = bytes(data)  # verified by _take_offer(), from the loop

    def _take_offer(self):
        """Keep a new release-signed offer in update.offer and stop: the board resets, and
        update.boot() checks the offer in full, fetches and installs its bundle with the heap
        whole (a fetch beside a trading agent does not fit 110 KB). The offer is retained, so
        it comes again at every connection: the running version, one refused for good and
        one whose fetch failed three times are let be."""
        import fwinfo

        ota = self.ota
        data, ota[0] = ota[0], None
        try:
            v = wire.loads(wire.verify1(self.release_key, data))["version"]
        except Exception as exc:  # noqa: BLE001 - bad, or a MemoryError: trading goes on
            self.log("offer refused:", exc)
            return
        st = self.app
        tries = st.get("tries") or ("", 0)
        if v == (st.get("version") or fwinfo.VERSION) or v == st.get("rejected") or \
                (v == tries[0] and tries[1] >= 3):
            return
        import store

        store.write_atomic("update.offer", data)  # update.OFFER
        self.log("update %s offered: restarting to fetch it" % v)
        ota[2] = True

    async def _status(self):
        """The signed status: the app's version and the latest update's outcome."""
        import fwinfo

        gc.collect()
        try:
            msg = wire.status(self.key, self.market, self.party, self.board.name,
                              self.app.get("version") or fwinfo.VERSION, self.app.get("last"))
            await self.link.publish(wire.topic(self.market, "status", self.party), msg, qos=1)
            self.ota[1] = False
        except OSError:
            pass  # the link dropped: again at the next pass
        except MemoryError:  # never at the cost of trading: again at the next connection
            self.ota[1] = False

    def _waiting(self, h):
        """The entry of ``sent`` whose delivery has hash ``h``, taken off the list; or None."""
        for i, e in enumerate(self.sent):
            if e[0] == h:
                del self.sent[i]
                return e
        return None

    # --- the interval's steps -----------------------------------------------------------------

    def _view(self, s):
        """The context as the personalities read it, for interval ``s``."""
        if self.ctx is None:
            return {"start": s, "interval": self.length, "floor": 0, "cap": 0}
        return P.view(self.ctx, s)

    def _begin(self, s):
        """Interval ``s`` starts: count from here, and act on its award or the island policy."""
        self.board.meter.poll()
        self._imp0, self._exp0 = self.board.meter.counters()
        self._applied = False
        self._dispatch(s, s)

    def _dispatch(self, s, now):
        got = self.awards.get(s)
        view = self._view(s)
        if got is not None:
            a = got[0]
            wh = P.dispatch(self.kind, self.params, self.state, view, self.forecast, a["wh"],
                            a["side"])
            self._applied = True
            self.stats["acted"] += 1
        else:
            wh = P.island(self.kind, self.params, self.state, view, self.forecast)
        self._planned = wh
        power = self.params.get("power_w")
        left = s + self.length - now
        run = abs(wh) * 3600 // power if power else left
        self._off_at = now + run if run < left else None
        if self._set_power is not None:
            self._set_power((power if wh > 0 else -power) if wh and power else 0)
        self.board.set_relay(wh != 0)

    def _finish(self, s):
        """Interval ``s`` has ended: sign its delivery, queue it, move the personality on."""
        meter = self.board.meter
        meter.poll()
        imp, exp = meter.counters()
        d_imp, d_exp = imp - self._imp0, exp - self._exp0
        got = self.awards.pop(s, None)
        if got is not None:
            side, award_hash = got[0]["side"], got[1]
        else:
            side, award_hash = ("sell" if d_exp > d_imp else "buy"), None
            if not self._applied:
                self.stats["island"] += 1
        wh, counter = (d_imp, imp) if side == "buy" else (d_exp, exp)
        self._measured.append((s, side, wh, counter, award_hash))
        self._sign()
        self.state = P.advance(self.kind, self.params, self.state, self._view(s), self.forecast,
                               d_imp - d_exp)
        self.forecast["load_wh"] = d_imp
        self.forecast["pv_wh"] = d_exp
        a = got[0] if got is not None else None
        free = gc.mem_free()
        # what `micromarket status` shows of the last interval: [start, side, metered Wh,
        # awarded Wh, price] (no award: None for both), the balance of the last receipt, free heap
        last = [s, side, wh, a["wh"] if a else None, a["price"] if a else None]
        self.store.put_json("agent", {"state": self.state, "imp": imp, "exp": exp,
                                      "fc": self.forecast, "last": last, "bal": self.balance,
                                      "free": free})
        # one line per interval, the one `micromarket monitor` shows and counts
        self.log("interval %d: %s %d Wh, %s; balance %s ucr; queue %d; heap free %d" % (
            s, side, wh, ("awarded %d Wh at %d ucr/kWh" % (a["wh"], a["price"])) if a
            else "no award", "?" if self.balance is None else self.balance, len(self.store), free))
        for k in [k for k in self.tenders if k <= s]:
            del self.tenders[k]
        for k in [k for k in self.awards if k < s]:
            del self.awards[k]

    def _sign(self):
        """Sign and queue the deliveries measured and not signed yet, oldest first; on a heap
        with no room for it now, at the loop's next pass (the measurement waits)."""
        m = self._measured
        while m:
            gc.collect()
            try:
                s, side, wh, counter, award_hash = m[0]
                self.store.push(wire.delivery(self.key, self.market, self.party,
                                              self.store.next_seq(), s, side, wh, counter,
                                              award_hash, self.ctx and self.ctx["head"]))
            except MemoryError:
                self.log("low memory")
                return
            m.pop(0)
            self.stats["deliveries"] += 1

    def _unsent(self):
        return len(self.store) - len(self.sent)

    async def _flush(self):
        """Send the queued deliveries not sent yet, oldest first, while fewer than _WINDOW
        wait for their receipts; stop at the first failure. True once none is left unsent."""
        if not self._unsent():
            return True
        topic = wire.topic(self.market, "delivery", self.party)
        sent = self.sent
        for qid in self.store.queued():  # listed once: after a day offline the queue is long
            if any(e[1] == qid for e in sent):
                continue
            if len(sent) >= _WINDOW or not self.link.connected:
                return False
            try:
                data = self.store.read(qid)
            except StoreError as exc:  # damaged on flash: set aside, the rest still go
                self.log("store:", exc)
                continue
            except MemoryError:  # no block to read it back now: the loop's next pass
                return False
            if data is None:  # settled while we were sending the one before
                continue
            e = [wire.message_hash(data), qid, self._tick]
            sent.append(e)  # before sending: the receipt may come back before the PUBACK
            try:
                await self.link.publish(topic, data, qos=1)
            except (OSError, MemoryError):  # link down, or no block for the packet: later
                if e in sent:
                    sent.remove(e)
                return False
            if qid > self._top:
                self._top = qid
                self.stats["uploaded"] += 1
            else:
                self.stats["resent"] += 1
        return not self._unsent()

    async def _tender(self, now):
        ctx = self.ctx
        if ctx is None or not self.link.connected:
            return
        n = self.length
        a = self._ask  # the tender not answered yet: again after a reconnection, or when due
        if a is not None and (now >= a[2] or a[3] != self.link.connects):
            if now >= a[0] - ctx["gate"]:
                self._ask = None  # its gate has closed: the award, if any, is on its way
            else:
                if now >= a[2]:  # (a copy for a reconnection keeps the quarters' times)
                    a[2] = now + n // 4
                a[3] = self.link.connects
                try:
                    data = self.store.get("tender")
                    if data is None:
                        raise StoreError("tender record gone")
                    await self.link.publish(wire.topic(self.market, "tender", self.party), data,
                                            qos=1)
                except StoreError:  # damaged or gone on flash: no copies of this one
                    self._ask = None
                except OSError:
                    return  # the next connection sends it
                else:
                    self.stats["retendered"] += 1
                data = None
        b = (now + ctx["gate"]) // n * n + n  # the interval whose gate is still open
        if b in self.tenders or now < b - n - n // 2:
            return
        # the state when b starts: the interval under way and those up to b as awarded; an
        # award still due (a quarter interval past its gate) is waited for
        s = now - now % n
        steps = [(s, self._planned, None)]
        for k in range(s + n, b, n):
            got = self.awards.get(k)
            if got is not None:
                steps.append((k, got[0]["wh"], got[0]["side"]))
            elif self.tenders.get(k) is not None and now < k - ctx["gate"] + n // 4:
                return
            else:
                steps.append((k, None, None))
        if not await self._flush():
            return
        gc.collect()  # a plan wants room too
        try:
            state = P.ahead(self.kind, self.params, self.state, ctx, steps, self.forecast)
            out = P.tender(self.kind, self.params, state, self._view(b), self.forecast)
        except MemoryError:  # no room to plan now: no tender, b runs on the island policy
            self.log("no heap to plan interval", b)
            out = None
        if out is None:
            self.tenders[b] = None
            return
        side, curve = out
        gc.collect()  # signing and sending want room in one piece
        msg = wire.tender(self.key, self.market, self.party, self.store.next_seq(), b, side,
                          curve, b)
        try:
            await self.link.publish(wire.topic(self.market, "tender", self.party), msg, qos=1)
        except OSError:
            return  # the link dropped: the next pass tries again with a new sequence number
        h = wire.message_hash(msg)
        self.tenders[b] = (h, side)
        try:
            self.store.put("tender", msg)
            self._ask = [b, h, now + n // 4, self.link.connects]
        except OSError as exc:  # flash full or failing: this tender goes once
            self.log("store:", exc)
        self.stats["tenders"] += 1

    # --- the loop ---------------------------------------------------------------------------

    async def run(self, intervals=None, on_interval=None):
        """Trade ``intervals`` intervals (for ever if None); ``on_interval(agent, s)`` is called
        after each one (tests and the heap report use it)."""
        import asyncio

        gc.collect()
        gc.threshold(_GC_EVERY)
        for kind in ("context", "award", "receipt", "error"):
            await self.link.subscribe(wire.topic(self.market, kind, None if kind == "context"
                                                 else self.party))
        if self.release_key is not None:
            await self.link.subscribe(wire.topic(self.market, "offer", self.board.name))
        if hasattr(self.link, "on_message"):
            self.link.on_message = self._handle  # handled in the link's reader: no queue
            rx = None
        else:
            rx = asyncio.create_task(self._receive())
        await self.link.connect()
        try:
            if not self.clock.known():
                self.log("waiting for the market's context to learn the time")
                while not self.clock.known():
                    await asyncio.sleep_ms(_SLICE_MS)
            now = self.clock.unix()
            s = now - now % self.length
            self._begin(s)
            done = 0
            while intervals is None or done < intervals:
                n = self.length
                end = s + n
                while n == self.length:  # a first context may set another interval length
                    if self.ota[2]:
                        return  # mmboot resets the board, which fetches the offered update
                    used = gc.mem_alloc()
                    if used > self.heap_peak:
                        self.heap_peak = used
                    now = self.clock.unix()
                    if now >= end:
                        break
                    if self._off_at is not None and now >= self._off_at:
                        self._off_at = None  # the planned energy is through: switch off
                        if self._set_power is not None:
                            self._set_power(0)
                        if self.kind != "pv":
                            self.board.set_relay(False)
                    if not self._applied and s in self.awards:
                        self._dispatch(s, now)  # the award came after the interval began
                    self._sign()
                    if self.link.connected:
                        try:
                            if self.link.connects != self._connects:
                                self._connects = self.link.connects
                                self.sent = []  # receipts may have been lost: resend
                                self.ota[1] = hasattr(self.link, "unsubscribe")  # status due
                                await self._flush()
                            elif len(self.sent) < _WINDOW and self._unsent():
                                await self._flush()  # receipts made room
                            await self._tender(now)
                            if self.ota[1]:
                                await self._status()
                            if self.ota[0] is not None and not self.app.get("pending"):
                                self._take_offer()
                        except MemoryError:  # no block for a message now: the next pass
                            self.log("low memory")  # tries again (it stays in the store)
                            gc.collect()
                    nap = self.clock.ms_until(end if self._off_at is None else self._off_at)
                    await asyncio.sleep_ms(nap if nap < _SLICE_MS else _SLICE_MS)
                if n != self.length:  # not one of the market's intervals: start again in its own
                    now = self.clock.unix()
                    s = now - now % self.length
                    self._begin(s)
                    continue
                self._finish(s)
                done += 1
                s = end - end % self.length
                now = self.clock.unix()
                if now >= s + self.length:  # the clock jumped (set forward) or the loop stalled
                    s = now - now % self.length
                self._begin(s)
                self._tick += 1
                # no receipt within two intervals: the delivery or its receipt was lost
                self.sent = [e for e in self.sent if e[2] > self._tick - 2]
                await self._flush()
                gc.collect()
                if on_interval is not None:
                    on_interval(self, s)
        finally:
            if rx is not None:
                rx.cancel()
