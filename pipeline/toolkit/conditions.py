"""What makes a rule's condition one that could never fire, for every ordered rule list in
toolkit.yaml (recommendation rules, value-for-money judgement rules): one check, one wording."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

Kind = Literal["bool", "number", "label"]


def condition_problem(
    field: str,
    op: str,
    value: Any,
    kind: Kind,
    labels: Sequence[str] = (),
    low: float = 0.0,
    high: float = float("inf"),
) -> str | None:
    """Why ``field op value`` could never hold, or None when it could: ``in`` takes a list
    and the other operators one value; a true/false fact takes eq or ne with true or false;
    a number is compared with numbers from ``low`` to ``high``; a label with eq, ne or in
    and one of ``labels``."""
    values = value if isinstance(value, list) else [value]
    if (op == "in") != isinstance(value, list):
        return "'in' takes a list of values; the other operators one value."
    if kind == "bool":
        if op not in ("eq", "ne") or not isinstance(value, bool):
            return f"{field} is true or false: use eq or ne with true or false."
        return None
    if kind == "number":
        if op == "in" or any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
            return f"{field} is a number: compare it with a number."
        if not all(low <= float(v) <= high for v in values):
            return f"{field} is never {values[0]!r}: it runs from {low:g} to {high:g}."
        return None
    if op not in ("eq", "ne", "in"):
        return f"{field} is a label: use eq, ne or in."
    wrong = [v for v in values if v not in labels]
    if wrong:
        return f"{field} is never {wrong[0]!r}; it is one of {', '.join(labels)}."
    return None
