"""The double auction: hand-worked books, invariants on random books, determinism, the residual."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micromarket.market.auction import BUY, SELL, clear, orders_from

FLOOR, CAP = 80_000, 400_000


def ref(i: int) -> bytes:
    return i.to_bytes(32, "big")


def test_pv_surplus_sets_the_floor_and_exports_the_rest():
    c = clear([(ref(1), SELL, [(FLOOR, 1000)]), (ref(2), BUY, [(CAP, 600)])], FLOOR, CAP)
    assert (c.price, c.awarded, c.exported, c.imported) == (FLOOR, [1000, 600], 400, 0)


def test_shortage_sets_the_cap_and_imports_the_rest():
    c = clear([(ref(1), SELL, [(FLOOR, 1000)]), (ref(2), BUY, [(CAP, 1500)])], FLOOR, CAP)
    assert (c.price, c.awarded, c.imported, c.exported) == (CAP, [1000, 1500], 500, 0)


def test_exact_match_clears_at_the_midpoint_of_the_gap():
    c = clear([(ref(1), SELL, [(100_000, 700)]), (ref(2), BUY, [(300_000, 700)])], FLOOR, CAP)
    assert c.price == 200_000 and c.awarded == [700, 700] and c.local == 700


def test_interior_crossing_rations_only_the_marginal_side():
    orders = [
        (ref(1), SELL, [(100_000, 500)]),
        (ref(2), SELL, [(200_000, 400)]),
        (ref(3), SELL, [(200_000, 200)]),
        (ref(4), BUY, [(300_000, 800)]),
        (ref(5), BUY, [(150_000, 1000)]),
    ]
    c = clear(orders, FLOOR, CAP)
    # at 200000 demand is 800; supply below is 500, so the sellers at 200000 share 300 Wh as 400:200
    assert c.price == 200_000
    assert c.awarded == [500, 200, 100, 800, 0]
    assert c.imported == c.exported == 0


def test_remainders_go_to_the_lower_tender_hash():
    orders = [(ref(9), SELL, [(200_000, 1)]), (ref(3), SELL, [(200_000, 1)]),
              (ref(5), SELL, [(200_000, 1)]), (ref(1), BUY, [(300_000, 2)])]
    c = clear(orders, FLOOR, CAP)
    assert c.price == 200_000 and c.awarded == [0, 1, 1, 2]


def test_step_curve_fills_blocks_above_the_price():
    buyer = (ref(1), BUY, [(350_000, 100), (250_000, 100), (120_000, 100)])
    seller = (ref(2), SELL, [(200_000, 1000)])
    c = clear([buyer, seller], FLOOR, CAP)
    assert c.price == 200_000 and c.awarded == [200, 200]


def test_empty_book_and_bad_bounds():
    c = clear([], FLOOR, CAP)
    assert c.awarded == [] and FLOOR <= c.price <= CAP
    with pytest.raises(ValueError):
        clear([], CAP, FLOOR)


def test_one_price_grid_fills_everyone():
    c = clear([(ref(1), SELL, [(FLOOR, 10)]), (ref(2), BUY, [(FLOOR, 3)])], FLOOR, FLOOR)
    assert c.awarded == [10, 3] and c.exported == 7


def test_orders_from_tender_tuples():
    assert orders_from([(b"h", "sell", [[1, 2]])]) == [(b"h", SELL, [(1, 2)])]


def test_without_grid_the_rest_is_the_residual_curve():
    orders = [(ref(1), SELL, [(100_000, 500)]), (ref(2), BUY, [(300_000, 800), (90_000, 50)])]
    c = clear(orders, FLOOR, CAP, grid=False)
    assert c.awarded == [500, 500] and c.imported == 0
    assert c.residual_buy == [(300_000, 300), (90_000, 50)] and c.residual_sell == []


books = st.lists(
    st.tuples(st.sampled_from([BUY, SELL]),
              st.lists(st.tuples(st.integers(FLOOR, CAP).map(lambda p: p - p % 10_000 or FLOOR),
                                 st.integers(0, 50)), min_size=1, max_size=3)),
    max_size=25)


def _volumes(orders, p):
    d = sum(q for _r, s, st_ in orders if s == BUY for lp, q in st_ if lp >= p)
    s = sum(q for _r, s, st_ in orders if s == SELL for lp, q in st_ if lp <= p)
    return d, s


@settings(max_examples=300, deadline=None)
@given(books, st.booleans())
def test_invariants_on_random_books(book, grid):
    orders = [(ref(i), side, steps) for i, (side, steps) in enumerate(book)]
    c = clear(orders, FLOOR, CAP, grid=grid)
    assert FLOOR <= c.price <= CAP
    rationed = set()
    for (r, side, steps), got in zip(orders, c.awarded):
        full = sum(q for p, q in steps if (p > c.price if side == BUY else p < c.price))
        at = sum(q for p, q in steps if p == c.price)
        assert full <= got <= full + at
        if full < got < full + at or (at and got == full):
            rationed.add(side)
    assert c.bought + c.exported == c.sold + c.imported
    if grid:
        assert c.imported == 0 or c.price == CAP
        assert c.exported == 0 or c.price == FLOOR
    else:
        assert c.imported == c.exported == 0
    # the local volume is the largest any single price could give
    best = max(min(*_volumes(orders, p)) for p in range(FLOOR, CAP + 1, 5_000))
    assert c.local == best


@settings(max_examples=100, deadline=None)
@given(books, st.randoms())
def test_the_input_order_does_not_change_any_award(book, rnd):
    orders = [(ref(i), side, steps) for i, (side, steps) in enumerate(book)]
    first = clear(orders, FLOOR, CAP)
    shuffled = orders[:]
    rnd.shuffle(shuffled)
    second = clear(shuffled, FLOOR, CAP)
    by_ref = {o[0]: a for o, a in zip(shuffled, second.awarded)}
    assert [by_ref[o[0]] for o in orders] == first.awarded
    assert first.price == second.price


def test_hundred_thousand_tenders_clear():
    r = random.Random(7)
    orders = [(r.randbytes(32), int(r.random() < 0.4),
               [(r.randrange(FLOOR, CAP + 1, 1000), r.randint(1, 2000)) for _ in range(3)])
              for _ in range(100_000)]
    c = clear(orders, FLOOR, CAP)
    assert c.bought + c.exported == c.sold + c.imported and c.local > 0
