"""Reading officers' typed answers: money, hours, dates, options and agreement labels.

Each reader returns a ``Reading``: the typed value, or the raw text with an error when the
text cannot be read (never 0 or blank in its place), plus an optional caveat (warning).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serials that could be a review date (1982 to 2064): anything else is not a date.
_EXCEL_SERIAL_RANGE = (30000, 60000)
_AMOUNT = re.compile(r"^(?P<number>\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)\s*(?P<suffix>k|m|bn)?$")
_SUFFIX = {None: 1.0, "k": 1_000.0, "m": 1_000_000.0, "bn": 1_000_000_000.0}
_HOURS = re.compile(
    r"^(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?:h|hr|hrs|hour|hours)?(?:\s*(?:a|per|/)\s*month)?\.?$"
)
_DMY = re.compile(r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{2}|\d{4})(?:[ T].*)?$")
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T].*)?$")
_ISO_SLASH = re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:[ T].*)?$")
_SPACES = re.compile(r"\s+")
_TIME = re.compile(r"(?<![\d.])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?")
_MONTH_NAME_FORMATS = (
    "%d %B %Y",
    "%d %b %Y",
    "%d %B %y",
    "%d %b %y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
)
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
# Words after an amount that only restate the unit: "£5,000 per year", "12k pa".
_MONEY_UNIT = re.compile(
    r"\s*(?:pounds?|gbp|per\s+(?:year|annum)|a\s+year|p\.?\s?a\.?|/\s*(?:year|yr))\.?\s*$"
)


@dataclass(frozen=True)
class Reading:
    """One cell read: ``value`` is typed, or the raw text when ``error`` is set."""

    value: Any = None
    error: str | None = None
    warning: str | None = None
    other: str | None = None  # a multi-select's text that is none of its options


MISSING = Reading()


def is_blank(value: Any) -> bool:
    """Empty cells, whitespace and NaN are all 'no answer'."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


@functools.lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """Compare option labels ignoring case, spacing, curly quotes and dash styles."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    text = text.replace("\u2014", "-").replace("\u00a0", " ")
    text = re.sub(r"\s*-\s*", " - ", text)
    return _SPACES.sub(" ", text).strip().casefold()


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_money(
    value: Any,
    *,
    zero_words: Sequence[str],
    missing_words: Sequence[str],
    approximate_words: Sequence[str],
) -> Reading:
    """Pounds as typed ("£12,500", "12.5k", "£1.2m", "nil", "N/A") -> float pounds.

    The council's convention: zero words mean £0; missing words and blank mean unknown;
    an approximate amount ("approx £3000") is read with a warning; anything else is an error.
    """
    if is_blank(value):
        return MISSING
    if isinstance(value, bool):
        return Reading(_as_text(value), error="money")
    if isinstance(value, int | float):
        return Reading(round(float(value), 2)) if value >= 0 else Reading(float(value))
    raw = str(value)
    text = label_key(raw).replace("\u00a3", "").strip()
    if text in missing_words:
        return MISSING
    warning = None
    for word in sorted(approximate_words, key=len, reverse=True):
        if text.startswith(word):
            text = text[len(word) :].strip()
            warning = f"approximate amount {raw.strip()!r}"
            break
    text = re.sub(r"^gbp\s*", "", text)
    while _MONEY_UNIT.search(text):
        text = _MONEY_UNIT.sub("", text)
    text = text.strip()
    if text in zero_words:
        return Reading(0.0, warning=warning)
    text = text.replace(" ", "")
    negative = text.startswith("-")
    match = _AMOUNT.match(text[1:] if negative else text)
    if not match:
        return Reading(raw, error="money")
    amount = float(match["number"].replace(",", "")) * _SUFFIX[match["suffix"]]
    return Reading(round(-amount if negative else amount, 2), warning=warning)


def read_hours(value: Any) -> Reading:
    """Hours a month as typed ("10", "2.5", "10 hrs", "6 hours") -> float; words are errors."""
    if is_blank(value):
        return MISSING
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Reading(float(value))
    raw = str(value)
    match = _HOURS.match(label_key(raw))
    if not match:
        return Reading(raw, error="hours")
    return Reading(float(match["number"]))


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def read_date(value: Any, *, day_first: bool = True) -> Reading:
    """Dates as typed: UK day/month/year, ISO, Excel serial numbers, date cells.

    A date that could be read either way is day-first (the council's convention), unless
    the column is known to be month-first (platform timestamps, decided by the caller).
    """
    if is_blank(value):
        return MISSING
    if isinstance(value, dt.datetime):
        return Reading(value.date())
    if isinstance(value, dt.date):
        return Reading(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _read_excel_serial(float(value), str(value))
    raw = str(value)
    text = raw.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _read_excel_serial(float(text), raw)
    for pattern in (_ISO, _ISO_SLASH):
        match = pattern.match(text)
        if match:
            parsed = _date_or_none(int(match["y"]), int(match["m"]), int(match["d"]))
            return Reading(parsed) if parsed else Reading(raw, error="date")
    match = _DMY.match(text)
    if match:
        year = int(match["y"])
        year = year + 2000 if year < 100 else year
        first, second = int(match["a"]), int(match["b"])
        day, month = (first, second) if day_first else (second, first)
        parsed = _date_or_none(year, month, day)
        return Reading(parsed) if parsed else Reading(raw, error="date")
    for date_format in _MONTH_NAME_FORMATS:  # "5 November 2024", "Nov 5, 2024"
        try:
            return Reading(dt.datetime.strptime(_ORDINAL.sub(r"\1", text), date_format).date())
        except ValueError:
            continue
    return Reading(raw, error="date")


def _read_excel_serial(serial: float, raw: str) -> Reading:
    low, high = _EXCEL_SERIAL_RANGE
    if not low <= serial <= high:
        return Reading(raw, error="date")
    return Reading(EXCEL_EPOCH + dt.timedelta(days=int(serial)))


def read_timestamp(value: Any, *, day_first: bool = True) -> Reading:
    """Platform time stamps (cells or locale text) -> naive datetime, seconds kept."""
    if is_blank(value):
        return MISSING
    if isinstance(value, dt.datetime):
        return Reading(value.replace(tzinfo=None, microsecond=0))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Reading(dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value)))
    raw = str(value).strip()
    text = re.sub(r"\s*(GMT|BST|UTC|Z)([+-]\d{1,2})?$", "", raw, flags=re.IGNORECASE)
    time_part = _TIME.search(text)
    date_text = text[: time_part.start()] if time_part else text
    day = read_date(date_text.strip().rstrip("T,").strip(), day_first=day_first)
    if day.error:
        return Reading(raw, error="timestamp")
    hour = minute = second = 0
    if time_part:
        hour, minute = int(time_part[1]), int(time_part[2])
        second = int(time_part[3] or 0)
        meridiem = (time_part[4] or "").lower()
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
    return Reading(dt.datetime.combine(day.value, dt.time(hour, minute, second)))


def timestamps_are_month_first(values: Sequence[Any]) -> bool:
    """A column of platform timestamps is month-first when some second part exceeds 12."""
    for value in values:
        if isinstance(value, str):
            match = _DMY.match(value.strip())
            if match and int(match["b"]) > 12:
                return True
    return False


def read_single(value: Any, options: Sequence[str]) -> Reading:
    """A single-choice answer -> the protocol's label; an unknown answer is kept as typed.

    An answer outside the options is not a parse error: validation's option-set rule
    judges it, so the reason reads "not one of the options".
    """
    if is_blank(value):
        return MISSING
    raw = _as_text(value)
    key = label_key(raw)
    for option in options:
        if label_key(option) == key:
            return Reading(option)
    return Reading(raw)


_SAME_LENGTH = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-", "\u00a0": " "}
)


@functools.lru_cache(maxsize=256)
def _option_pattern(option: str, separators: str) -> re.Pattern[str]:
    """An option as a whole item of a list: any case, any spacing, between separators."""
    words = r"\s*-\s*".join(
        r"\s+".join(re.escape(word) for word in part.split()) for part in option.split("-")
    )
    edge = "[" + re.escape(separators) + "]"
    return re.compile(rf"(?:^|(?<={edge}))\s*{words}\s*(?=$|{edge})", re.IGNORECASE)


def read_multi(value: Any, options: Sequence[str], separators: str = ";,\n") -> Reading:
    """A multi-select cell -> labels joined by "; " in the protocol's option order.

    Labels may contain commas, so options are found by matching, not by a blind split.
    Text left over once every option is taken out is the respondent's "other" answer, as a
    platform with an "Other (please specify)" column would record it: it is returned as
    ``other``, exactly as typed, with a warning, so every layout reads it the same way.
    """
    if is_blank(value):
        return MISSING
    raw = str(value)
    text = raw.translate(_SAME_LENGTH)  # same length as raw: positions carry over
    taken = [False] * len(raw)
    found = []
    for option in sorted(options, key=len, reverse=True):
        for match in _option_pattern(option.translate(_SAME_LENGTH), separators).finditer(text):
            if not any(taken[match.start() : match.end()]):
                taken[match.start() : match.end()] = [True] * (match.end() - match.start())
                found.append(option)
    chosen = "; ".join(o for o in options if o in found) or None
    left = "".join(char for char, gone in zip(raw, taken, strict=True) if not gone)
    edge = "[" + re.escape(separators) + "]"
    left = re.sub(rf"({edge})(?:\s*{edge})+", r"\1", left)  # where an option stood between
    other = re.sub(
        r"^[\s" + re.escape(separators) + r"]+|[\s" + re.escape(separators) + r"]+$", "", left
    )
    if not other:
        return Reading(chosen)
    return Reading(
        chosen, warning=f"{other!r} is not one of the options; kept as other", other=other
    )


def read_agree5(value: Any, scale: dict[str, int], missing: Sequence[str]) -> Reading:
    """An agreement label in any case or spacing -> 1..5; "Don't know" is no answer."""
    if is_blank(value):
        return MISSING
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return Reading(int(number)) if number.is_integer() else Reading(_as_text(value), "agree5")
    raw = str(value)
    key = label_key(raw)
    if key in {label_key(m) for m in missing}:
        return MISSING
    for label, score in scale.items():
        if label_key(label) == key:
            return Reading(score)
    if key.isdigit():
        return Reading(int(key))
    return Reading(raw, error="agree5")


def read_text(value: Any) -> Reading:
    """Free text is kept exactly as typed; only an empty cell becomes no answer."""
    if is_blank(value):
        return MISSING
    if isinstance(value, dt.datetime | dt.date):
        return Reading(value.isoformat())
    return Reading(_as_text(value) if not isinstance(value, str) else value)
