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
    """(pending, version) of the installed app, from app.json (update.STATE) read directly;
    pending also while a swap or rollback that a power cut interrupted is to be finished."""
    try:
        with open("app.json") as f:
            st = json.load(f)
    except (OSError, ValueError):
        return False, None
    return bool(st.get("pending") or st.get("swap") or st.get("back")), st.get("version")


def _run_agent():
    # The crypto core first, while the heap is whole: its 6 KB base-point table and buffers need
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

    pending, version = _app_state()
    if pending:  # update (its verifier, hashing and file code) is loaded only for a new app
        import update

        version = update.boot()
        sys.modules.pop("update", None)
    try:
        os.stat("app/lib")
        sys.path.insert(0, "app/lib")  # an installed app goes in front of the firmware's lib
    except OSError:
        pass
    confirmed = [not pending]

    def on_interval(agent, s):
        if not confirmed[0]:
            import update

            update.confirm()  # the app traded an interval: keep it
            sys.modules.pop("update", None)
            confirmed[0] = True

    print("agent starting (app %s); Ctrl-C for the REPL" % (version or "built-in"))
    try:
        asyncio.run(app.run(on_interval=on_interval))
    except KeyboardInterrupt:
        print("agent stopped")
    except Exception as exc:  # noqa: BLE001 - report, undo a bad update, keep the REPL
        sys.print_exception(exc)
        if _app_state()[0]:
            import update

            print("update rolled back to", update.rollback("failed to start: %r" % (exc,)))


try:
    _run_agent()
except KeyboardInterrupt:
    print("agent stopped")
gc.collect()
