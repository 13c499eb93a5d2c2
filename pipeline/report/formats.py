"""How the report writes a number: one function per kind, registered as Jinja filters.

Money in whole pounds, rates in pounds and pence, shares as whole percentages, scores to
two decimals, counts and whole numbers with thousands separators. Each takes a missing
value (None, NaN, pd.NA) and says what members read instead, so that no template has to
test for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

NOT_ANSWERED = "Not answered"
HASH_DIGITS = 12  # the hex digits of a SHA-256 the report prints (D30)


def is_missing(value: Any) -> bool:
    """None, NaN, pd.NA and NaT are missing; anything else (0, "", False) is a value."""
    return value is None or (
        not isinstance(value, str | list | tuple | dict) and bool(pd.isna(value))
    )


def money(value: float | None) -> str:
    """Pounds for members: £12,345 (no pence); "unknown" when missing."""
    if is_missing(value):
        return "unknown"
    return f"£{value:,.0f}"


def pounds(value: float | None) -> str:
    """Pounds and pence, for rates: £38.50; "n/a" when missing."""
    if is_missing(value):
        return "n/a"
    return f"£{value:,.2f}"


def percent(value: float | None) -> str:
    """A share as a whole percentage: 0.925 is "93%"; blank when missing."""
    if is_missing(value):
        return ""
    return f"{value:.0%}"


def score(value: float | None) -> str:
    """A mean score to two decimals: "3.50"; blank when missing."""
    if is_missing(value):
        return ""
    return f"{value:.2f}"


def ratio(value: float | None) -> str:
    """A ratio to two decimals: "0.73"; "n/a" when missing."""
    if is_missing(value):
        return "n/a"
    return f"{value:.2f}"


def number(value: float | None) -> str:
    """A setting as written in toolkit.yaml: 4.0 is "4", 0.8 is "0.8", a whole number with
    thousands separators (100000 is "100,000"); blank when missing."""
    if value is None or is_missing(value):
        return ""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,g}"


def count(value: float | None) -> str:
    """A count or any whole number, with thousands separators: "1,234"; blank when missing."""
    if is_missing(value):
        return ""
    return f"{value:,.0f}"


def short_hash(value: Any) -> str:
    """A SHA-256 as the report prints it: its first 12 hex digits and "…" (the full value
    is in the run's manifest); blank when missing."""
    if is_missing(value):
        return ""
    return f"{str(value)[:HASH_DIGITS]}…"


def rule_name(value: Any) -> str:
    """Which rule decided, without its conditions: "rule 6: good_headings ge 3" is "rule 6"
    (the method section lists every rule's conditions); blank when missing."""
    if is_missing(value):
        return ""
    return str(value).split(":", 1)[0]


def answer(value: Any) -> str:
    """An answer as members read it: "Not answered" when blank."""
    if is_missing(value):
        return NOT_ANSWERED
    return str(value)


def text(value: Any) -> str:
    """Any cell as text: blank when missing."""
    if is_missing(value):
        return ""
    return str(value)


def yes_no(value: Any) -> str:
    """True is "Yes", False is "No"; blank when missing."""
    if is_missing(value):
        return ""
    return "Yes" if value else "No"


def at_least(amount: float, missing: int) -> str:
    """A total that blanks leave short: "at least £X (N returns left a figure blank)"."""
    if not missing:
        return money(amount)
    returns = "return" if missing == 1 else "returns"
    return f"at least {money(amount)} ({missing} {returns} left a figure blank)"


def counted(value: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun agreeing: "1 partnership", "1,204 partnerships"."""
    noun = singular if value == 1 else (plural or singular + "s")
    return f"{count(value)} {noun}"


def long_date(value: dt.date | str | None) -> str:
    """A date as a committee paper writes it: "15 July 2025"; blank when missing."""
    if value is None or is_missing(value):
        return ""
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{date.day} {date:%B %Y}"


# The formats that write a number: table() right-aligns their columns (decision D30).
NUMERIC = frozenset({"money", "pounds", "percent", "score", "ratio", "number", "count"})

FILTERS: dict[str, Callable[..., str]] = {
    "money": money,
    "pounds": pounds,
    "percent": percent,
    "score": score,
    "ratio": ratio,
    "number": number,
    "count": count,
    "short_hash": short_hash,
    "rule_name": rule_name,
    "answer": answer,
    "text": text,
    "yes_no": yes_no,
    "at_least": at_least,
    "long_date": long_date,
    "counted": counted,
}
