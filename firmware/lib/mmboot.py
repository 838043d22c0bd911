# The boot of the device, imported by main.py: banner, then the agent on a ready board.
#
# After the banner, a device that is provisioned and configured (board config, device config
# with the market key, a link in config: "broker") runs its agent; Ctrl-C stops it and leaves
# the REPL. An installed app update (update.py) goes first on sys.path; a swap a power cut
# interrupted is finished first; an app that fails to start is rolled back at once, one that
# never confirms is rolled back after a few boots.
import gc
import json
import os
import sys

import fwinfo

gc.collect()
print("micromarket %s on %s (%s), free heap %d" % (
    fwinfo.VERSION, fwinfo.board_name(), sys.platform, gc.mem_free()))


def _app_state():
    """app.json (update.STATE) read directly, and "due" set when update.boot() has work: a swap
    or rollback a power cut interrupted, a bundle offered or fetched over the air, a pending app
    that had its 3 boots (update.MAX_BOOTS)."""
    try:
        with open("app.json") as f:
            st = json.load(f)
    except (OSError, ValueError):
        st = {}
    st["due"] = bool(st.get("swap") or st.get("back") or
                     st.get("pending") and st.get("boots", 0) >= 3)
    for name in ("update.offer", "update.mmb"):  # update.OFFER, FETCHED
        try:
            os.stat(name)
            st["due"] = True
        except OSError:
            pass
    return st


def _reset():
    """Reset the board. A virtual board runs main.py under `micropython -i`, where SystemExit
    only ends in the REPL: its interpreter ends itself instead, and its supervisor boots it."""
    import machine

    if hasattr(machine, "reset"):
        machine.reset()
    if os.getenv("MICROMARKET_VBOARD"):  # the unix port under micromarket's vboard supervisor
        getattr(os, "system")("kill -9 $PPID")
    machine.soft_reset()


def _run_agent():
    # An update's work first, then a reset: update.py is never loaded in the same boot as the
    # agent (its names would stay on the heap the agent needs).
    st = _app_state()
    if st["due"]:
        import update

        update.boot(True)
        _reset()
    del st["due"]
    # The crypto core next, while the heap is whole: its 6 KB base-point table and buffers need
    # blocks in one piece, which a heap fragmented by the other imports may no longer have; app
    # next, which makes the link's receive buffer for the same reason.
    import ed25519

    gc.collect()  # the import's garbage goes before app's buffer is placed
    import app

    # the big-int core where the viper one's native code did not fit executable RAM: say so
    # (after app's receive buffer: nothing of the boot's own is made between the two)
    print("crypto core: %s%s" % (ed25519.VARIANT, ed25519.NATIVE_ERROR and
                                 " (slow: %s)" % ed25519.NATIVE_ERROR or ""))

    cfg = app.load_config()
    ready = cfg is not None and "broker" in cfg
    del cfg  # app.run() reads it again; nothing of it is kept while trading
    if not ready:
        sys.modules.pop("app", None)
        sys.modules.pop("ed25519", None)
        return  # not provisioned or no link configured: stay at the REPL
    import asyncio

    try:
        os.stat("app.cur/lib")  # update.APP
        sys.path.insert(0, "app.cur/lib")  # an installed app goes in front of the firmware's lib
    except OSError:
        pass
    version = st.get("version")
    if st.get("pending"):  # one more boot of the app that waits for its confirmation (store:
        import store  # imported after the crypto core and app's buffer, as the agent does)

        st["boots"] = st.get("boots", 0) + 1
        store.write_atomic("app.json", json.dumps(st).encode())

    def on_interval(agent, s):
        st = agent.app
        if st.get("pending"):  # the app traded an interval: keep it (update.confirm(), inline:
            import store  # the heap while trading has no room for update's code)

            st["pending"] = False
            st["last"] = [version, "installed", ""]
            store.write_atomic("app.json", json.dumps(st).encode())
            agent.ota[1] = hasattr(agent.link, "unsubscribe")  # a status is due

    print("agent starting (app %s); Ctrl-C for the REPL" % (version or "built-in"))
    try:
        asyncio.run(app.run(on_interval=on_interval, app=st))
        # the agent stops by itself only for an update offered: boot to fetch and install it
        print("restarting for the update")
        _reset()
    except KeyboardInterrupt:
        print("agent stopped")
    except Exception as exc:  # noqa: BLE001 - report, undo a bad update, keep the REPL
        sys.print_exception(exc)
        if _app_state().get("pending"):
            import update

            print("update rolled back to", update.rollback("failed to start: %r" % (exc,)))


try:
    _run_agent()
except KeyboardInterrupt:
    print("agent stopped")
gc.collect()
