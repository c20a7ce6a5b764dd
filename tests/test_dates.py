"""Partial ISO dates as decimal years: the middle of the year, month or day named, worked out here by hand and with
the calendar's day of the year (``tm_yday``), independently of ``dates.decimal_year``."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from compute_ledger import dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", 2024.5),
        ("2023-01", 2023 + 15.5 / 365),  # January: 31 days, middle after 15.5
        ("2024-02", 2024 + (31 + 14.5) / 366),  # leap-year February: 29 days after January's 31
        ("2023-02", 2023 + (31 + 14.0) / 365),  # 28 days
        ("2023-12", 2023 + (334 + 15.5) / 365),
        ("2023-01-01", 2023 + 0.5 / 365),
        ("2024-07-01", 2024 + (182 + 0.5) / 366),  # 31 + 29 + 31 + 30 + 31 + 30 days before it
        ("2023-12-31", 2023 + 364.5 / 365),
        ("2024-12-31", 2024 + 365.5 / 366),
    ],
)
def test_decimal_year_known_answers(text, expected):
    assert dates.decimal_year(text) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("year", [2023, 2024])
def test_every_day_is_the_middle_of_its_day(year):
    days = 366 if calendar.isleap(year) else 365
    day = dt.date(year, 1, 1)
    previous = -1.0
    while day.year == year:
        value = dates.decimal_year(day.isoformat())
        assert value == pytest.approx(year + (day.timetuple().tm_yday - 0.5) / days, abs=1e-12), day
        assert value > previous
        previous = value
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("year", [2023, 2024])
def test_every_month_is_the_middle_of_its_days(year):
    for month in range(1, 13):
        length = calendar.monthrange(year, month)[1]
        first = dates.decimal_year(f"{year}-{month:02d}-01")
        last = dates.decimal_year(f"{year}-{month:02d}-{length:02d}")
        assert dates.decimal_year(f"{year}-{month:02d}") == pytest.approx((first + last) / 2, abs=1e-12)


@pytest.mark.parametrize("text", ["2024-13", "2024-02-30", "24", "2024-7", "2024-07-01T00:00", ""])
def test_not_a_partial_date_is_refused(text):
    assert not dates.is_partial_date(text)
    with pytest.raises(ValueError, match="not a partial ISO date"):
        dates.decimal_year(text)
