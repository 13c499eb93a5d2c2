"""Evaluate stage, changes since last year: this year's evaluation against last year's.

Partnerships are matched by their stable IDs (decision D7); a partnership in both years is
materially changed when its action, principles band or risk changed, or its full cost moved
by the toolkit's share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import tables
from pipeline.toolkit.model import Toolkit


def load_previous_evaluation(year: int, root: Path | str | None = None) -> pd.DataFrame | None:
    """Last year's evaluation, to compare with; None in the registry's first year."""
    if not tables.exists("evaluation", year - 1, root):
        return None
    return tables.read("evaluation", year - 1, root)


_COMPARED = (
    ("action", "recommended action"),
    ("overall_band", "principles band"),
    ("risk_level", "risk"),
)


def _shown(value: Any) -> str:
    """A value as compared and reported: missing (None, NaN) is "none" in either year."""
    missing = value is None or (not isinstance(value, str) and pd.isna(value))
    return "none" if missing else str(value)


def _pounds(value: Any) -> float:
    return float(value)


def _by_id(evaluation: pd.DataFrame, columns: list[str]) -> dict[str, dict[Any, Any]]:
    """Each of ``columns`` as partnership_id -> value (the values ``.at`` reads)."""
    ids = evaluation["partnership_id"]
    if not ids.is_unique:
        raise ValueError("an evaluation lists each partnership_id once")
    return {
        column: dict(zip(ids.tolist(), evaluation[column].tolist(), strict=True))
        for column in columns
    }


def changes_since(
    previous: pd.DataFrame | None, current: pd.DataFrame, toolkit: Toolkit
) -> pd.DataFrame:
    """New, ended and materially changed partnerships, matched by their stable IDs.

    Needs partnership_id, name, full_cost, action, overall_band and risk_level in both years.
    Returns partnership_id, name, change (new / ended / changed) and what changed.
    """
    columns = ["partnership_id", "name", "change", "what_changed"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    read = ["name", "full_cost", *(column for column, _ in _COMPARED)]
    # Each year's columns as look-ups by ID, read once (not an .at per partnership).
    before = _by_id(previous, read)
    now = _by_id(current, read)
    rows: list[tuple[Any, Any, str, str | None]] = [
        (pid, now["name"][pid], "new", None)
        for pid in sorted(set(now["name"]) - set(before["name"]))
    ]
    rows += [
        (pid, before["name"][pid], "ended", None)
        for pid in sorted(set(before["name"]) - set(now["name"]))
    ]
    for pid in sorted(set(now["name"]) & set(before["name"])):
        what = [
            f"{label}: {_shown(before[column][pid])} to {_shown(now[column][pid])}"
            for column, label in _COMPARED
            if _shown(before[column][pid]) != _shown(now[column][pid])
        ]
        cost_before = _pounds(before["full_cost"][pid])
        cost_now = _pounds(now["full_cost"][pid])
        moved = abs(cost_now - cost_before)
        if moved and (not cost_before or moved / cost_before >= toolkit.material_cost_change):
            what.append(f"full cost: £{cost_before:,.0f} to £{cost_now:,.0f}")
        if what:
            rows.append((pid, now["name"][pid], "changed", "; ".join(what)))
    return pd.DataFrame(rows, columns=columns)
