"""Partial ISO dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) as used in ``data/raw``."""

from __future__ import annotations

import datetime as dt
import re

from compute_ledger import citation

PARTIAL_DATE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
_PARTIAL_DATE = re.compile(PARTIAL_DATE_PATTERN, re.ASCII)


def is_partial_date(text: str) -> bool:
    """True for ``YYYY``, ``YYYY-MM`` or a real calendar date ``YYYY-MM-DD``."""
    if not _PARTIAL_DATE.match(text):
        return False
    if len(text) == 10:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return False
    return True


def date_precision(text: str) -> str:
    """``year``, ``month`` or ``day``."""
    if not is_partial_date(text):
        raise ValueError(f"not a partial ISO date: {text!r}")
    return {4: "year", 7: "month", 10: "day"}[len(text)]


def decimal_year(text: str) -> float:
    """The middle of the period a partial date names, as a decimal year.

    ``2024`` -> 2024.5 (mid-year); ``2024-07`` -> mid-July; ``2024-07-01`` -> that day.
    """
    precision = date_precision(text)
    year = int(text[:4])
    if precision == "year":
        return year + 0.5
    start = dt.date(year, 1, 1)
    days_in_year = (dt.date(year + 1, 1, 1) - start).days
    if precision == "month":
        month = int(text[5:7])
        first = dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        middle = (first - start).days + (nxt - first).days / 2
        return year + middle / days_in_year
    day = dt.date.fromisoformat(text)
    return year + ((day - start).days + 0.5) / days_in_year


def observed_until() -> float:
    """The edition's date (``CITATION.cff``) as a decimal year. A reported or estimated figure dated after it
    describes the future, so no fit, record series or projection base takes it; plans are drawn whatever their date."""
    return decimal_year(citation.edition().date)
