"""How officers type answers into a form: name variants, money as text, hours, dates, case."""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping


def weighted(rng: random.Random, options: Mapping[str, float]) -> str:
    """One of the keys of ``options``, drawn by their weights."""
    return rng.choices(list(options), weights=list(options.values()))[0]


def nice_amount(rng: random.Random, low: int, high: int) -> int:
    """A log-uniform amount rounded the way budgets are (to 250, 500, 5,000 or 50,000)."""
    if high <= 0:
        return 0
    value = low * (high / low) ** rng.random()
    step = 250 if value < 10_000 else 500 if value < 100_000 else 5_000 if value < 1e6 else 50_000
    return max(step, int(round(value / step)) * step)


def typed_name(
    rng: random.Random, canonical: str, is_lead: bool, place: str, aliases: dict[str, str]
) -> str:
    """The partnership's name as one officer types it: the lead officer types it right.

    ``place`` is the county's name, which officers often leave out; ``aliases`` maps a
    partnership's name to the alias its officers type.
    """
    if is_lead or rng.random() < 0.7:
        return canonical
    variants: dict[str, float] = {"lower": 3, "spaces": 3, "the": 2, "typo": 2, "upper": 1}
    if " and " in canonical:
        variants["ampersand"] = 4
    if canonical.startswith(f"{place} ") and not canonical.startswith(f"{place} and "):
        variants["drop_place"] = 4
    if canonical.endswith(" Ltd"):
        variants["limited"] = 3
    if canonical in aliases:
        variants["alias"] = 4
    kind = weighted(rng, variants)
    if kind == "lower":
        return canonical.lower()
    if kind == "upper":
        return canonical.upper()
    if kind == "spaces":
        return canonical + rng.choice(("  ", " "))
    if kind == "the":
        return "The " + canonical
    if kind == "ampersand":
        return canonical.replace(" and ", " & ")
    if kind == "drop_place":
        return canonical.removeprefix(f"{place} ")
    if kind == "limited":
        return canonical.removesuffix(" Ltd") + " Limited"
    if kind == "alias":
        return aliases[canonical]
    words = canonical.split(" ")
    # The typo lands in the longest distinctive word (the place is in almost every name).
    longest = max(range(len(words)), key=lambda i: (words[i] != place, len(words[i]), -i))
    word = words[longest]
    at = rng.randint(1, len(word) - 3)
    words[longest] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def typed_money(rng: random.Random, amount: int) -> str:
    """An amount in pounds the way officers type it into a text box."""
    if amount == 0:
        return weighted(rng, {"0": 5, "nil": 3, "£0": 2, "None": 1, "nothing": 1})
    styles: dict[str, float] = {
        "pound_commas": 40,
        "digits": 20,
        "commas": 8,
        "pound_digits": 6,
        "pence": 6,
        "pound_pence": 3,
    }
    if amount >= 1_000 and amount % 100 == 0 and amount < 1_000_000:
        styles["k"] = 10
    if amount >= 1_000_000 and amount % 100_000 == 0:
        styles["m"] = 40
    style = weighted(rng, styles)
    if style == "pound_commas":
        return f"£{amount:,}"
    if style == "digits":
        return str(amount)
    if style == "commas":
        return f"{amount:,}"
    if style == "pound_digits":
        return f"£{amount}"
    if style == "pence":
        return f"{amount:,.2f}"
    if style == "pound_pence":
        return f"£{amount:,.2f}"
    if style == "k":
        return rng.choice(("{:g}k", "£{:g}k", "{:g}K")).format(amount / 1_000)
    return rng.choice(("£{:g}m", "{:g}m", "£{:g}M")).format(amount / 1_000_000)


def typed_money_or_missing(rng: random.Random, amount: int, missing: dict[str, float]) -> str:
    """Sometimes an officer writes N/A, a dash, Don't know or nothing instead of an amount."""
    roll = rng.random()
    for word, chance in missing.items():
        if roll < chance:
            return word
        roll -= chance
    return typed_money(rng, amount)


def typed_hours(rng: random.Random, hours: float) -> str:
    if rng.random() < 0.04:
        return ""
    number = f"{hours:g}"
    return weighted(rng, {number: 14, f"{number} hrs": 3, f"{number} hours": 3})


def typed_date(rng: random.Random, day: datetime.date) -> str | datetime.date:
    """UK day-first text mostly; some ISO text and some real date cells."""
    style = weighted(rng, {"uk": 10, "uk_short": 2, "iso": 3, "cell": 3})
    if style == "uk":
        return day.strftime("%d/%m/%Y")
    if style == "uk_short":
        return f"{day.day}/{day.month}/{day.year}"
    if style == "iso":
        return day.isoformat()
    return day


def typed_partners(rng: random.Random, partners: tuple[str, ...]) -> str:
    if rng.random() < 0.05:
        return ""
    listed = list(partners)
    if len(listed) > 2 and rng.random() < 0.3:
        listed = listed[: rng.randint(2, len(listed) - 1)]
    return weighted(rng, {"; ": 5, ", ": 3, "\n": 2}).join(listed)


def odd_case(rng: random.Random, label: str) -> str:
    """Agreement labels now and then arrive in odd case or with stray spaces."""
    roll = rng.random()
    if roll < 0.015:
        return label.lower()
    if roll < 0.025:
        return label.upper()
    if roll < 0.03:
        return f" {label} "
    return label


def shift(rng: random.Random, label: str, scale: tuple[str, ...], chance: float) -> str:
    """Move an answer one step along its scale now and then: officers see things differently."""
    if rng.random() >= chance:
        return label
    at = scale.index(label)
    return scale[min(len(scale) - 1, max(0, at + rng.choice((-1, 1))))]
