"""Numbers for people: counts, amounts, money, axis labels and ticks."""

from __future__ import annotations

from wildtrace import numbers


def test_counts_and_amounts_read_like_a_person_writes_them() -> None:
    assert numbers.count(4410) == "4,410"
    assert numbers.amount(210.0) == "210"
    assert numbers.amount(4800.0) == "4,800"
    assert numbers.amount(70.03) == "70.03"
    assert numbers.amount(12.5) == "12.5"
    assert numbers.amount(25.0) == "25"
    assert numbers.amount(-0.001) == "0"
    assert numbers.amount(None) == "–" and numbers.amount(float("nan")) == "–"
    assert numbers.money(4800.0, "CNY") == "4,800 CNY"
    assert numbers.money(15000000, "VND") == "15,000,000 VND"
    assert numbers.whole(448815.0179) == "448,815" and numbers.whole(float("inf")) == "–"


def test_axis_labels_and_ticks() -> None:
    assert [numbers.compact(x) for x in (950, 4400, 15_000_000, 2e9)] == \
        ["950", "4.4k", "15M", "2B"]
    assert numbers.nice_ticks(0) == [0.0, 1.0]
    assert numbers.nice_ticks(1) == [0, 1]
    assert numbers.nice_ticks(0.3) == [0, 0.1, 0.2, 0.3]
    assert numbers.nice_ticks(98)[-1] == 100
