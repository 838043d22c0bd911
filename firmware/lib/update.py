# Signed app updates on the device: the journal of the installed app, the swap and rollback,
# the boot. (install.py checks and installs bundles, and fetches them over the air; the agent
# keeps an offer it takes while trading. This module is what a boot with an update due loads.)
#
# The installed app lives in app.cur/ (its lib/ goes first on sys.path), the one before it in
# app.prev/, a new one is staged in app.new/. app.json (replaced atomically) holds the app's
# version, whether it waits for its confirmation ("pending", "boots"), the previous version,
# the latest update's outcome ("last": [version, outcome, reason]), a version that never
# installs here ("rejected"), failed fetches of an offer ("tries": [bundle id, count]), and the
# journal of a swap or rollback under way. "swap" is written before the first rename and every
# step after it can be done again, so a power cut anywhere is finished at the next boot
# (recover()):
#     (the fetched bundle removed;)  app.prev removed;  app.cur -> app.prev;  app.new -> app.cur
# The new app is then "pending": main.py's boot (mmboot) counts its boots; it gets MAX_BOOTS,
# and one that never confirms (it crashed on import, or hung and was reset) is put back by
# rollback() (in boot()), journaled the same way ("back"):
#     app.cur removed;  app.prev -> app.cur
# boot() also fetches a bundle whose offer the agent kept in update.offer, or installs a fetched
# one (update.mmb), one per boot; mmboot then resets the board. (Loading a module leaves its names on the heap
# for good: the agent of a 110 KB board has no room for this one's, so it is never loaded in
# the same boot as the agent.)
import json
import os

from micropython import const

from store import exists

APP = "app.cur"  # not a name Python can import: a directory "app" would shadow app.py
NEW = "app.new"
PREV = "app.prev"
STATE = "app.json"
OFFER = "update.offer"  # an offer the agent took: its bundle is fetched at boot
FETCHED = "update.mmb"  # the bundle fetched over the air: installed at boot
VERSION_FILE = "update.ver"  # its version (from the offer), for the outcome
MAX_BOOTS = const(3)
HOOK = None  # tests: called with the name of every step of install, swap and rollback


class UpdateError(ValueError):
    pass


def _step(name):
    if HOOK is not None:
        HOOK(name)


def _rmtree(p):
    if not exists(p):
        return
    if os.stat(p)[0] & 0x4000:
        for name in os.listdir(p):
            _rmtree(p + "/" + name)
        os.rmdir(p)
    else:
        os.remove(p)
    _step("remove " + p)


def state():
    try:
        with open(STATE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _save(st):
    import store

    store.write_atomic(STATE, json.dumps(st).encode())


def _swap():
    """The journaled swap (app.json says "swap"): every step may run again after a cut."""
    _step("journal swap")
    st = state()
    if st["swap"] != 1:
        _rmtree(st["swap"])
    if exists(NEW):
        if exists(APP):
            _rmtree(PREV)
            os.rename(APP, PREV)
            _step("rename app")
        os.rename(NEW, APP)
        _step("rename new")
    st.pop("swap", None)
    _save(st)


def rollback(reason="rolled back"):
    """Put the previous app back (or none, the firmware's own lib); returns its version."""
    st = state()
    if not st.get("back"):
        st = {"version": st.get("previous"), "pending": False, "boots": 0,
              "rejected": st.get("version"),
              "last": [st.get("version"), "rolled-back", reason[:120]], "back": 1}
        _save(st)
    _step("journal back")
    if st["version"] is None:
        _rmtree(APP)
        _rmtree(PREV)
    elif exists(PREV):
        _rmtree(APP)
        os.rename(PREV, APP)
        _step("rename prev")
    st.pop("back", None)
    _save(st)
    return st["version"]


def recover():
    """Finish a swap or a rollback that a power cut interrupted."""
    st = state()
    if st.get("swap"):
        _swap()
    elif st.get("back"):
        rollback()


def boot(fetch=False):
    """The work at boot (mmboot calls it when app.json or the files say there is some, then
    resets the board: the agent starts on a heap this module never touched): finish an
    interrupted swap or rollback, fetch an offered bundle (``fetch``: the device is configured
    for its broker), install a fetched one, roll back a pending app that had its MAX_BOOTS
    boots (mmboot counts them) without a confirm()."""
    recover()
    if fetch and exists(OFFER):
        import install

        install.fetch_offered()
        return  # mmboot resets: the next boot installs it, on a heap the fetch did not touch
    if exists(FETCHED):
        import install

        install.install_fetched()
    st = state()
    if st.get("pending") and st.get("boots", 0) >= MAX_BOOTS:
        rollback("not confirmed after %d boots" % MAX_BOOTS)


def confirm():
    """The new app works (it imported and traded an interval): keep it."""
    st = state()
    if st.get("pending"):
        st["pending"] = False
        st["last"] = [st.get("version"), "installed", ""]
        _save(st)


def sys_path():
    """Put the installed app's lib/ in front of the firmware's own."""
    import sys

    if exists(APP + "/lib") and APP + "/lib" not in sys.path:
        sys.path.insert(0, APP + "/lib")
