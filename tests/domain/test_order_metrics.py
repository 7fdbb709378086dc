"""Order-based metrics: paid orders, distinct buyers, repurchase rate, purchase frequency.

Each is checked by hand and against an independent count over generated order histories:
a buyer → list of orders table built by a plain loop, with "paid" read from the refund.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from steps.domain import Order, metrics

CST = timezone(timedelta(hours=8))
UTC_MINUS_5 = timezone(timedelta(hours=-5))


def order(
    order_id: str,
    buyer: str,
    day: date,
    *,
    amount: int = 10_000,
    refunded: int = 0,
    zone: timezone = CST,
    hour: int = 20,
) -> Order:
    return Order(
        order_id=order_id,
        buyer_key=buyer,
        placed_at=datetime(day.year, day.month, day.day, hour, tzinfo=zone),
        amount_fen=amount,
        refunded_fen=refunded,
    )


SEPTEMBER = (date(2021, 9, 1), date(2021, 9, 30))


def test_by_hand() -> None:
    orders = [
        order("o1", "u1", date(2021, 9, 1)),
        order("o2", "u1", date(2021, 9, 20)),
        order("o3", "u2", date(2021, 9, 3)),
        order("o4", "u2", date(2021, 9, 4), refunded=10_000),  # refunded in full: not paid
        order("o5", "u3", date(2021, 9, 5), refunded=4_000),  # partly refunded: still paid
        order("o6", "u3", date(2021, 10, 1)),  # outside September
        order("o7", "u4", date(2021, 8, 31)),  # outside September
    ]
    assert [o.order_id for o in metrics.paid_orders(orders, SEPTEMBER)] == ["o1", "o2", "o3", "o5"]
    assert metrics.distinct_buyers(orders, SEPTEMBER) == 3  # u1, u2, u3
    # only u1 has two paid September orders
    assert metrics.paid_repurchase_rate(orders, SEPTEMBER) == 1 / 3
    assert metrics.purchase_frequency(orders, SEPTEMBER) == 4 / 3
    # without a window: u1 (2), u2 (1 paid), u3 (2), u4 (1)
    assert metrics.distinct_buyers(orders) == 4
    assert metrics.paid_repurchase_rate(orders) == 0.5
    assert metrics.purchase_frequency(orders) == 6 / 4
    # the older definition counts every order, refunded or not
    assert metrics.repurchase_rate(orders) == 0.75


def test_nothing_paid_is_none_never_zero() -> None:
    refunded = [order("o1", "u1", date(2021, 9, 2), refunded=10_000)]
    assert metrics.paid_orders(refunded) == ()
    assert metrics.distinct_buyers(refunded) == 0
    assert metrics.paid_repurchase_rate(refunded) is None
    assert metrics.purchase_frequency(refunded) is None
    assert metrics.paid_repurchase_rate([]) is None
    assert metrics.purchase_frequency([], SEPTEMBER) is None
    # a free gift (0 fen) is never a paid order
    assert metrics.paid_orders([order("g", "u1", date(2021, 9, 2), amount=0)]) == ()


def test_the_window_reads_each_orders_own_date() -> None:
    # 23:00 on 30 September in New York is 1 October in China: the order's own date counts.
    late = order("o1", "u1", date(2021, 9, 30), hour=23, zone=UTC_MINUS_5)
    assert metrics.paid_orders([late], SEPTEMBER) == (late,)
    assert metrics.paid_orders([late], (date(2021, 10, 1), date(2021, 10, 1))) == ()


DAYS = st.dates(min_value=date(2021, 8, 25), max_value=date(2021, 10, 5))


@st.composite
def histories(draw: st.DrawFn) -> list[Order]:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["u1", "u2", "u3", "u4", "u5"]),
                DAYS,
                st.integers(0, 5_000),  # amount
                st.sampled_from(["none", "part", "full"]),
            ),
            max_size=30,
        )
    )
    out = []
    for i, (buyer, day, amount, refund) in enumerate(rows):
        refunded = {"none": 0, "part": amount // 2, "full": amount}[refund]
        out.append(order(f"o{i}", buyer, day, amount=amount, refunded=refunded))
    return out


@given(histories(), st.one_of(st.none(), st.tuples(DAYS, DAYS)))
def test_against_an_independent_count(
    orders: list[Order], window: tuple[date, date] | None
) -> None:
    per_buyer: dict[str, int] = {}
    paid = 0
    for o in orders:
        day = o.placed_at.date()
        inside = window is None or window[0] <= day <= window[1]
        # paid: some money stayed with the merchant
        if inside and o.amount_fen - o.refunded_fen > 0:
            per_buyer[o.buyer_key] = per_buyer.get(o.buyer_key, 0) + 1
            paid += 1
    buyers = len(per_buyer)
    repeat = len([b for b, n in per_buyer.items() if n > 1])
    assert len(metrics.paid_orders(orders, window)) == paid
    assert metrics.distinct_buyers(orders, window) == buyers
    if buyers == 0:
        assert metrics.paid_repurchase_rate(orders, window) is None
        assert metrics.purchase_frequency(orders, window) is None
    else:
        assert metrics.paid_repurchase_rate(orders, window) == repeat / buyers
        frequency = metrics.purchase_frequency(orders, window)
        assert frequency == paid / buyers
        assert frequency is not None
        assert frequency >= 1
