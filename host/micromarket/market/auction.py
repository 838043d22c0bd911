"""Uniform-price double auction over step curves, with the grid as counterparty of last resort.

An *order* is one tender reduced to plain integers: ``(ref, side, steps)`` where ``ref`` is the
tender hash (bytes, used only to break ties), ``side`` is ``BUY`` or ``SELL`` and ``steps`` is a
sequence of ``(limit price, quantity Wh)`` blocks. A buy block is filled when the clearing price is
at or below its limit, a sell block when the price is at or above it. A tender's quantity is the sum
of its blocks, so a curve of several blocks is a step function of price.

With ``grid=True`` the grid sells without limit at ``cap`` (retail) and buys without limit at
``floor`` (feed-in), so the price always lies in ``[floor, cap]`` and local parties trade first.

The price is found on the aggregated price levels, not on the orders: with ``a < b`` the two
adjacent levels where excess demand changes sign, the price is ``b`` when the supply strictly below
``b`` fits under the demand at ``b`` (marginal sellers at ``b`` are rationed), ``a`` when the demand
strictly above ``a`` fits under the supply at ``a`` (marginal buyers at ``a`` are rationed), and the
midpoint of ``a`` and ``b`` when both sides match exactly. Only blocks whose limit equals the price
are ever rationed; they share the rest pro rata to their quantity, by largest remainder, with ties
going to the lower tender hash and the leftover Wh handed out one at a time.
"""

from dataclasses import dataclass, field
from itertools import accumulate
from typing import Iterable, Sequence

BUY = 0
SELL = 1
SIDES = {"buy": BUY, "sell": SELL}

Order = tuple[bytes, int, Sequence[tuple[int, int]]]

_INF = 1 << 62


@dataclass
class Clearing:
    """The outcome of one interval: price, volumes and each order's awarded Wh (by input index)."""

    price: int
    awarded: list[int]
    bought: int = 0          # Wh awarded to local buyers
    sold: int = 0            # Wh awarded to local sellers
    imported: int = 0        # Wh the grid sells at the price (only when the price is the cap)
    exported: int = 0        # Wh the grid buys at the price (only when the price is the floor)
    levels: int = 0
    residual_buy: list[tuple[int, int]] = field(default_factory=list)
    residual_sell: list[tuple[int, int]] = field(default_factory=list)

    @property
    def local(self) -> int:
        """Energy traded between neighbours rather than with the grid."""
        return min(self.bought, self.sold)


def _aggregate(orders: Sequence[Order]) -> tuple[dict[int, int], dict[int, int]]:
    demand: dict[int, int] = {}
    supply: dict[int, int] = {}
    for _ref, side, steps in orders:
        book = supply if side else demand
        for price, qty in steps:
            book[price] = book.get(price, 0) + qty
    return demand, supply


@dataclass(frozen=True)
class Price:
    """Where the curves cross: sells with limit <= ``sell_upto`` and buys with limit >=
    ``buy_from`` are filled in full; blocks at ``marginal`` on ``marginal_side`` share ``share`` Wh."""

    price: int
    sell_upto: int
    buy_from: int
    marginal_side: int | None = None
    marginal: int | None = None
    share: int = 0


def find_price(demand: dict[int, int], supply: dict[int, int], floor: int, cap: int,
               grid: bool = True) -> Price:
    """The clearing price of aggregated blocks (price level -> Wh) and who is filled how."""
    if grid and floor == cap:              # the grid takes and gives everything at the one price
        return Price(floor, floor, floor)
    levels = sorted({floor, cap, *demand, *supply})
    n = len(levels)
    # D[i]: demand with limit >= levels[i]; S[i]: supply with limit <= levels[i]
    D = list(accumulate(demand.get(p, 0) for p in reversed(levels)))[::-1]
    S = list(accumulate(supply.get(p, 0) for p in levels))
    if grid:
        Dg = [d + _INF if levels[i] <= floor else d for i, d in enumerate(D)]
        Sg = [s + _INF if levels[i] >= cap else s for i, s in enumerate(S)]
    else:
        Dg, Sg = D, S
    # Excess demand at each level and in each open gap between levels falls as the price rises:
    # at level i it is Dg[i] - Sg[i], inside (levels[i], levels[i+1]) it is Dg[i+1] - Sg[i].
    zero_lo = zero_hi = None
    for i in range(n):
        e = Dg[i] - Sg[i]
        if e == 0:
            zero_lo = levels[i] if zero_lo is None else zero_lo
            zero_hi = levels[i]
        elif e < 0:                        # sellers at this level are rationed
            if zero_lo is not None:
                break
            return Price(levels[i], levels[i] - 1, levels[i], SELL, levels[i],
                         D[i] - (S[i - 1] if i else 0))
        if i + 1 == n:
            break
        f = Dg[i + 1] - Sg[i]
        if f == 0:
            if levels[i] + 1 < levels[i + 1]:
                zero_lo = levels[i] + 1 if zero_lo is None else zero_lo
                zero_hi = levels[i + 1] - 1
        elif f < 0:
            if zero_lo is not None or e == 0:
                break
            # buyers at this level are rationed; a price inside the gap would trade less
            return Price(levels[i], levels[i], levels[i] + 1, BUY, levels[i], S[i] - D[i + 1])
    if zero_lo is not None:                # the curves meet exactly: nobody is rationed
        mid = (zero_lo + zero_hi) // 2
        return Price(mid, mid, mid)
    top = levels[-1]                       # excess demand everywhere: buyers at the top share
    return Price(top, top, top + 1, BUY, top, S[-1])


def share_pro_rata(total: int, blocks: list[tuple[bytes, int, int]], awarded: list[int]) -> None:
    """Split ``total`` Wh over marginal ``(ref, index, qty)`` blocks pro rata, largest remainder."""
    want = sum(q for _r, _i, q in blocks)
    if total >= want:
        for _r, i, q in blocks:
            awarded[i] += q
        return
    if total <= 0:
        return
    given = 0
    rema = []
    for ref, i, q in blocks:
        base, rem = divmod(total * q, want)
        awarded[i] += base
        given += base
        rema.append((-rem, ref, i))
    left = total - given
    if left:
        rema.sort()
        for _neg, _ref, i in rema[:left]:
            awarded[i] += 1


def clear(orders: Sequence[Order], floor: int, cap: int, grid: bool = True) -> Clearing:
    """Clear one interval. ``floor <= cap``; every limit should lie in ``[floor, cap]``."""
    if floor > cap:
        raise ValueError(f"price floor {floor} is above the cap {cap}")
    demand, supply = _aggregate(orders)
    x = find_price(demand, supply, floor, cap, grid)
    sell_upto, buy_from, mside, mprice = x.sell_upto, x.buy_from, x.marginal_side, x.marginal
    awarded = [0] * len(orders)
    marginal: list[tuple[bytes, int, int]] = []
    bought = sold = 0
    for i, (ref, side, steps) in enumerate(orders):
        got = 0
        if side:
            for p, q in steps:
                if p <= sell_upto:
                    got += q
                elif p == mprice and mside == SELL:
                    marginal.append((ref, i, q))
            sold += got
        else:
            for p, q in steps:
                if p >= buy_from:
                    got += q
                elif p == mprice and mside == BUY:
                    marginal.append((ref, i, q))
            bought += got
        awarded[i] = got
    if marginal:
        marginal.sort()
        touched = {i for _r, i, _q in marginal}
        before = sum(awarded[i] for i in touched)
        share_pro_rata(x.share, marginal, awarded)
        extra = sum(awarded[i] for i in touched) - before
        if mside == SELL:
            sold += extra
        else:
            bought += extra
    res_buy: dict[int, int] = {}
    res_sell: dict[int, int] = {}
    if not grid:
        # what is left of each block goes up as the residual curve (parent market)
        for i, (_ref, side, steps) in enumerate(orders):
            leftover(steps, awarded[i], res_sell if side else res_buy, descending=not side)
    return Clearing(price=x.price, awarded=awarded, bought=bought, sold=sold,
                    imported=max(0, bought - sold), exported=max(0, sold - bought),
                    levels=len(demand) + len(supply),
                    residual_buy=sorted(res_buy.items(), reverse=True),
                    residual_sell=sorted(res_sell.items()))


def leftover(steps, got: int, book: dict[int, int], descending: bool) -> None:
    """Add the unfilled part of an order's blocks to ``book``; fills go to the best limits first."""
    for p, q in sorted(steps, reverse=descending):
        take = min(q, got)
        got -= take
        if q > take:
            book[p] = book.get(p, 0) + q - take


def orders_from(tenders: Iterable[tuple[bytes, str, Sequence[Sequence[int]]]]) -> list[Order]:
    """Turn ``(hash, "buy"|"sell", [[price, Wh], ...])`` into orders."""
    return [(ref, SIDES[side], [(int(p), int(q)) for p, q in curve]) for ref, side, curve in tenders]
