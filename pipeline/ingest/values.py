"""Reading officers' typed answers: money, hours, dates, options and agreement labels.

Each reader returns a ``Reading``: the typed value, or the raw text with an error when the
text cannot be read (never 0 or blank in its place), plus an optional caveat (warning).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
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
    reason: str | None = None  # why an error's text is no reading, beyond its type


MISSING = Reading()


@dataclass(frozen=True)
class Limit:
    """The furthest from zero a number in one answer may be, and the setting that says so
    (named in the error, so that whoever reads it knows where to change it)."""

    largest: float
    setting: str


# Characters that show nothing though they are not whitespace: Unicode format characters
# (category Cf: zero-width space, joiners, word joiner, byte order mark, soft hyphen),
# control characters (Cc) and the blank "letters" used to fake an empty name.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


@functools.lru_cache(maxsize=4096)
def _invisible(char: str) -> bool:
    return char.isspace() or char in _BLANK_LETTERS or unicodedata.category(char) in ("Cf", "Cc")


def invisible_only(text: str) -> bool:
    """Text that shows nothing: whitespace and invisible characters only (or nothing)."""
    if text and not _invisible(text[0]):  # most text starts with something that shows
        return False
    return all(_invisible(char) for char in text)


def is_blank(value: Any) -> bool:
    """Empty cells, whitespace, invisible characters and NaN are all 'no answer'."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and invisible_only(value)


def _finite(value: int | float) -> float | None:
    """A number as a float, or None when it is not finite (inf, nan, or an integer too
    large for a float)."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _figure(number: float) -> str:
    """A number as a reader writes it: "1,000,000", "2.5", "1e+30" when very large."""
    if abs(number) >= 1e21:
        return f"{number:.3g}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _pounds(amount: float) -> str:
    return f"-£{_figure(-amount)}" if amount < 0 else f"£{_figure(amount)}"


def _beyond(number: float, limit: Limit, what: str, shown: Callable[[float], str]) -> str:
    """Why a number is no reading: it is further from zero than the limit allows."""
    side, bound = ("more than", limit.largest) if number > 0 else ("less than", -limit.largest)
    return (
        f"{shown(number)} is {side} {shown(bound)}, the limit for {what} in one answer "
        f"({limit.setting})"
    )


NOT_FINITE = "not a finite number (too many digits, or infinity)"


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
    try:
        return str(value).strip()
    except ValueError:  # an integer longer than Python will write (4,300 digits)
        return f"a whole number of {value.bit_length() * math.log10(2):.0f} digits"


def read_money(
    value: Any,
    *,
    zero_words: Sequence[str],
    missing_words: Sequence[str],
    approximate_words: Sequence[str],
    largest: Limit | None = None,
) -> Reading:
    """Pounds as typed ("£12,500", "12.5k", "£1.2m", "nil", "N/A") -> float pounds.

    The council's convention: zero words mean £0; missing words and blank mean unknown;
    an approximate amount ("approx £3000") is read with a warning; anything else is an error.
    So is an amount that is not finite (400 digits read as infinity) or, when ``largest``
    is given, one beyond it either side of zero (decision D23): a slip, never a figure.
    """
    if is_blank(value):
        return MISSING
    if isinstance(value, bool):
        return Reading(_as_text(value), error="money")
    if isinstance(value, int | float):
        number = _finite(value)
        if number is None:
            return Reading(_as_text(value), error="money", reason=NOT_FINITE)
        if largest is not None and abs(number) > largest.largest:
            return Reading(
                _as_text(value),
                error="money",
                reason=_beyond(number, largest, "an amount", _pounds),
            )
        return Reading(round(number, 2)) if number >= 0 else Reading(number)
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
    amount = -amount if negative else amount
    if not math.isfinite(amount):
        return Reading(raw, error="money", reason=NOT_FINITE)
    if largest is not None and abs(amount) > largest.largest:
        return Reading(raw, error="money", reason=_beyond(amount, largest, "an amount", _pounds))
    return Reading(round(amount, 2), warning=warning)


def read_hours(value: Any, *, largest: Limit | None = None) -> Reading:
    """Hours a month as typed ("10", "2.5", "10 hrs", "6 hours") -> float; words are errors,
    and so is a number that is not finite or, when ``largest`` is given, above it (D23)."""
    if is_blank(value):
        return MISSING
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _finite(value)
        raw = _as_text(value)
    else:
        raw = str(value)
        match = _HOURS.match(label_key(raw))
        if not match:
            return Reading(raw, error="hours")
        number = _finite(float(match["number"]))
    if number is None:
        return Reading(raw, error="hours", reason=NOT_FINITE)
    if largest is not None and abs(number) > largest.largest:
        return Reading(raw, error="hours", reason=_beyond(number, largest, "hours", _figure))
    return Reading(number)


_NO_SUCH_DAY = "no such day in the calendar"


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
        serial = _finite(value)
        if serial is None:
            return Reading(_as_text(value), error="date")
        return _read_excel_serial(serial, _as_text(value))
    raw = str(value)
    text = raw.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _read_excel_serial(float(text), raw)
    for pattern in (_ISO, _ISO_SLASH):
        match = pattern.match(text)
        if match:
            parsed = _date_or_none(int(match["y"]), int(match["m"]), int(match["d"]))
            return Reading(parsed) if parsed else Reading(raw, error="date", reason=_NO_SUCH_DAY)
    match = _DMY.match(text)
    if match:
        year = int(match["y"])
        year = year + 2000 if year < 100 else year
        first, second = int(match["a"]), int(match["b"])
        day, month = (first, second) if day_first else (second, first)
        parsed = _date_or_none(year, month, day)
        return Reading(parsed) if parsed else Reading(raw, error="date", reason=_NO_SUCH_DAY)
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
        serial = _finite(value)
        low, high = _EXCEL_SERIAL_RANGE
        if serial is None or not low <= serial <= high:
            return Reading(_as_text(value), error="timestamp")
        return Reading(dt.datetime(1899, 12, 30) + dt.timedelta(days=serial))
    raw = str(value).strip()
    text = re.sub(r"\s*(GMT|BST|UTC|Z)([+-]\d{1,2})?$", "", raw, flags=re.IGNORECASE)
    time_part = _TIME.search(text)
    date_text = text[: time_part.start()] if time_part else text
    day = read_date(date_text.strip().rstrip("T,").strip(), day_first=day_first)
    if day.error or day.value is None:  # no day, or none that can be read
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
    try:
        return Reading(dt.datetime.combine(day.value, dt.time(hour, minute, second)))
    except ValueError:  # "25:61": no such time of day
        return Reading(raw, error="timestamp")


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
    raw = value if isinstance(value, str) else _as_text(value)
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
        number = _finite(value)
        if number is None or not number.is_integer():
            return Reading(_as_text(value), "agree5")
        return Reading(int(number))
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


def _code_points(text: str) -> str:
    shown = dict.fromkeys(f"U+{ord(c):04X}" for c in text if not c.isspace())
    return ", ".join(list(shown)[:5]) + (", ..." if len(shown) > 5 else "")


def read_text(value: Any) -> Reading:
    """Free text is kept exactly as typed; only an empty cell becomes no answer, and so does
    a cell of invisible characters only (zero-width spaces, a soft hyphen), with a warning
    naming them: it looks blank to whoever reads it."""
    if isinstance(value, str) and value.strip() and invisible_only(value):
        return Reading(warning=f"only invisible characters ({_code_points(value)}); read as blank")
    if is_blank(value):
        return MISSING
    if isinstance(value, dt.datetime | dt.date):
        return Reading(value.isoformat())
    return Reading(_as_text(value) if not isinstance(value, str) else value)


@functools.lru_cache(maxsize=4096)
def _letter_or_digit(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def read_name(value: Any) -> Reading:
    """A name (of a partnership) as typed, in any script; one with no letter or digit left
    ("😀", "!!!", zero-width spaces) names nothing and is blank, with a warning, so the
    required-answer rule catches it (decision D25)."""
    reading = read_text(value)
    if not isinstance(reading.value, str) or any(map(_letter_or_digit, reading.value)):
        return reading
    return Reading(warning=f"{reading.value.strip()!r} has no letters or digits; read as blank")
