"""`micromarket status`: a device's own view (party, market, app version, last interval, balance,
queue of unsent deliveries, heap), read from the board, beside what the market's registry holds
about that party (balance and reputation), where its database is at hand.

The board is read in maintenance (rebooted into its REPL without the app, see device.target) by
``firmware/lib/devstatus.py``, then reset so that it trades again.
"""

import json
from pathlib import Path

from ..errors import DeviceError, MicromarketError


def from_board(port: str, baud: int = 115200) -> dict:
    """The device's view, from the board on ``port``; the board runs its app again afterwards."""
    from ..device.target import DeviceExecError, connect

    with connect(port, baud=baud) as target:
        try:
            lines = target.exec("import devstatus\ndevstatus.report()", timeout=30).strip().splitlines()
        except DeviceExecError as exc:
            raise DeviceError(f"the board on {port} cannot report its status ({exc})",
                              f"deploy the firmware first: micromarket deploy --port {port}") from exc
        target.soft_reset()
    try:
        view = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise DeviceError(f"the board on {port} gave no status", "check the firmware (`micromarket deploy`)") from None
    if not view.get("party"):
        raise DeviceError(f"the board on {port} is not provisioned",
                          f"provision it: micromarket provision --port {port} ...")
    return view


def market_view(db: Path, party: str) -> dict | None:
    """What the market's database says of ``party`` (balance, reputation), or None."""
    from ..market.store import open_db

    if not Path(db).exists():
        return None
    try:
        conn = open_db(db, readonly=True)
    except MicromarketError:
        return None
    try:
        row = conn.execute("SELECT market, role, balance, reputation FROM parties WHERE party = ?",
                           (party,)).fetchone()
    finally:
        conn.close()
    if row is None:
        return {"db": str(db), "enrolled": False}
    return {"db": str(db), "enrolled": True, "market": row[0], "role": row[1],
            "balance": row[2], "reputation": row[3]}


def lines(view: dict) -> list[str]:
    """The status as a person reads it."""
    out = [f"party       {view['party']} ({view.get('role')}, {view.get('personality')}) on {view['board']}",
           f"market      {view.get('market')} via {view.get('broker') or 'no broker configured'}",
           f"app         {view.get('app')} (firmware {view.get('firmware')})"]
    last = view.get("last")
    if last:
        start, side, wh, award_wh, price = last
        award = f"awarded {award_wh} Wh at {price} ucr/kWh" if award_wh is not None else "no award"
        out.append(f"last        interval {start}: {side} {wh} Wh metered, {award}")
    else:
        out.append("last        no interval traded yet")
    bal = view.get("balance")
    out.append(f"balance     {'unknown (no receipt yet)' if bal is None else f'{bal} ucr'} (device)")
    out.append(f"queue       {view.get('queue')} deliveries not settled yet")
    out.append(f"heap        {view.get('heap_free')} bytes free while trading, "
               f"{view.get('heap_free_idle')} idle")
    m = view.get("registry")
    if m is None:
        out.append("registry    no market database here (give --db)")
    elif not m["enrolled"]:
        out.append(f"registry    {m['db']} does not know this party")
    else:
        out.append(f"registry    {m['db']}: balance {m['balance']} ucr, reputation {m['reputation']}")
    return out
