"""Evaluate stage, value for money: the NAO's four headings and one judgement per partnership.

Each measure is banded good, adequate or poor by the thresholds in toolkit.yaml
(``value_for_money:``), or "none" when its evidence is missing; a heading's score is the mean
of its judged measures' points, and the judgement is the first rule that holds (decision
D18). Missing evidence is never read as poor: it is "not enough evidence".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pipeline import grouped, tables
from pipeline.toolkit.model import Condition, Toolkit
from pipeline.toolkit.value_model import (
    HEADINGS,
    MEASURES,
    MEASURES_BY_HEADING,
    HigherIsBetter,
    LowerIsBetter,
    ValueForMoney,
)

# A principle's (or the equality statement's) band as a measure's band.
_FROM_SCORE_BAND = {"strength": "good", "borderline": "adequate", "concern": "poor", "none": "none"}

COLUMNS = (
    "vfm_cost_known",
    "vfm_cash_share",
    "vfm_in_kind_share",
    "vfm_officer_time_share",
    "vfm_type_costed",
    "vfm_type_median_cost",
    "vfm_cost_ratio",
    "vfm_economy_score",
    "vfm_economy_band",
    "vfm_cost_per_priority",
    "vfm_efficiency_score",
    "vfm_efficiency_band",
    "vfm_achievements_reported",
    "vfm_objectives_score",
    "vfm_objectives_answers",
    "vfm_effectiveness_score",
    "vfm_effectiveness_band",
    "vfm_equity_score",
    "vfm_equity_band",
    "vfm_measures",
    "vfm_judgement",
    "vfm_reason",
    "vfm_rule",
)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def measure_band(value: float | None, thresholds: HigherIsBetter | LowerIsBetter) -> str:
    """A measure's band key (good, adequate, poor) by its thresholds, both inclusive; none
    when the value is unknown."""
    if _blank(value):
        return "none"
    assert value is not None
    if isinstance(thresholds, LowerIsBetter):
        if value <= thresholds.good_up_to:
            return "good"
        return "adequate" if value <= thresholds.adequate_up_to else "poor"
    if value >= thresholds.good_from:
        return "good"
    return "adequate" if value >= thresholds.adequate_from else "poor"


def heading_band(
    bands: list[str], min_measures: int, vfm: ValueForMoney
) -> tuple[float | None, str]:
    """A heading's score (the mean points of its judged measures, 0-1) and band key; none
    (not enough evidence) when fewer than ``min_measures`` measures could be judged."""
    judged = [getattr(vfm.points, band) for band in bands if band != "none"]
    if len(judged) < min_measures or not judged:
        return None, "none"
    score = round(sum(judged) / len(judged), 9)  # no float noise at a threshold (D8)
    return score, measure_band(score, vfm.headings)


def cost_known(costed_returns: int, returns: int, vfm: ValueForMoney) -> bool:
    """The full cost is known when enough returns gave every cost figure (else the sum of
    the figures given is only a lower bound)."""
    return returns > 0 and costed_returns / returns >= vfm.economy.min_costed_share


# What the same-type comparison reads of each partnership.
PEER_COLUMNS = ["partnership_id", "partnership_type", "full_cost", "vfm_cost_known"]


def same_type_comparison(
    costed: pd.DataFrame, vfm: ValueForMoney, peers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per partnership, how many of its type have a known cost (vfm_type_costed) and their
    median full cost (vfm_type_median_cost, blank when fewer than min_same_type: no
    comparison).

    Needs partnership_id, partnership_type, full_cost and vfm_cost_known. ``peers`` (the
    same columns): other partnerships of the year compared with as well, not judged
    themselves (one partnership assessed alone against the year's evaluation, D36).
    """
    pool = costed if peers is None else pd.concat([costed[PEER_COLUMNS], peers[PEER_COLUMNS]])
    known = pool[pool["vfm_cost_known"].astype(bool).to_numpy()]
    by_type = known.groupby("partnership_type", sort=True)["full_cost"]
    counts, medians = by_type.size(), by_type.median()
    types = costed["partnership_type"]
    count = [int(counts.get(t, 0)) if not _blank(t) else 0 for t in types]
    median = [
        float(medians[t]) if n >= vfm.economy.min_same_type else None
        for t, n in zip(types, count, strict=True)
    ]
    return pd.DataFrame(
        {
            "partnership_id": costed["partnership_id"].to_numpy(),
            "vfm_type_costed": count,
            "vfm_type_median_cost": pd.Series(median, dtype=object),
        }
    )


def judge(facts: dict[str, Any], vfm: ValueForMoney) -> tuple[str, str, str]:
    """The first judgement rule whose conditions all hold: judgement, reason and the rule as
    written in toolkit.yaml (for the auditor)."""
    for number, rule in enumerate(vfm.judgement.rules, start=1):
        conditions = [Condition(c.field, c.op, c.value) for c in rule.when]
        if all(condition.holds(facts) for condition in conditions):
            return rule.judgement, rule.reason, f"rule {number}: {'; '.join(map(str, conditions))}"
    default = vfm.judgement.default
    return default.judgement, default.reason, "default: no rule matched"


def _share(part: float, whole: float, known: bool) -> float | None:
    """A part of the full cost, as a share; blank when the cost is not known (the figures
    given would misstate the make-up) or 0."""
    return round(part / whole, 4) if known and whole else None


def _objectives(returns: pd.DataFrame, vfm: ValueForMoney, min_answers: int) -> pd.DataFrame:
    """The mean of the objectives statements over each partnership's returns (each answer
    counts once; below min_answers no score)."""
    statements = list(vfm.effectiveness.objectives.statements)
    # Every answer once, return by return in statement order (as the returns' rows read),
    # grouped by partnership once: no slice of the returns per partnership.
    every = np.column_stack([grouped.numbers(returns[s]) for s in statements]).ravel()
    labels = np.repeat(returns["partnership_id"].to_numpy(dtype=object), len(statements))
    groups = grouped.group_rows(labels)
    means, counts = groups.means(every)
    rows = [
        {
            "partnership_id": partnership_id,
            "vfm_objectives_score": mean if n >= min_answers else None,
            "vfm_objectives_answers": n,
        }
        for partnership_id, mean, n in zip(
            groups.labels.tolist(), means.tolist(), counts.tolist(), strict=True
        )
    ]
    return pd.DataFrame(
        rows, columns=["partnership_id", "vfm_objectives_score", "vfm_objectives_answers"]
    )


def _achievements(returns: pd.DataFrame, question: str) -> pd.DataFrame:
    """Returns per partnership that said what it achieved (a non-blank answer)."""
    said = tables.map_distinct(
        returns[question], lambda text: isinstance(text, str) and bool(text.strip())
    )  # each distinct answer read once
    said = pd.Series(said.to_numpy(dtype=bool), index=returns.index)
    counts = said.groupby(returns["partnership_id"], sort=True).sum().astype(int)
    return pd.DataFrame(
        {"partnership_id": counts.index, "vfm_achievements_reported": counts.to_numpy()}
    )


def value_for_money(
    costed: pd.DataFrame,
    returns: pd.DataFrame,
    toolkit: Toolkit,
    peers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Value for money under the four headings, and the overall judgement with its rule.

    Needs the scored registry with full_cost, officer_time_cost and leverage (one row per
    partnership: partnership_id, partnership_type, cash, in_kind, returns,
    cost_missing_returns, priority_count, the outcome-evidence and impact-assessment
    answers, <P>_band and equality_band), and the returns with partnership_id. Returns one
    row per partnership: partnership_id and the ``COLUMNS`` (bands as the toolkit's labels).
    ``peers``: other partnerships its economy is compared with (``same_type_comparison``).
    """
    vfm = toolkit.value_for_money
    effectiveness, equity = vfm.effectiveness, vfm.equity
    from_band = {toolkit.band_labels[k]: v for k, v in _FROM_SCORE_BAND.items()}
    known = [
        cost_known(int(n) - int(missing), int(n), vfm)
        for n, missing in zip(costed["returns"], costed["cost_missing_returns"], strict=True)
    ]
    costed = costed.assign(vfm_cost_known=known)
    merged = (
        costed.merge(same_type_comparison(costed, vfm, peers), on="partnership_id", validate="1:1")
        .merge(_objectives(returns, vfm, toolkit.min_answers), on="partnership_id", how="left")
        .merge(
            _achievements(returns, effectiveness.achievements.question),
            on="partnership_id",
            how="left",
        )
    )
    rows = []
    for row in grouped.records(merged):  # iterrows' values, without a Series per row
        cost = float(row["full_cost"])
        is_known = bool(row["vfm_cost_known"])
        median = row["vfm_type_median_cost"]
        ratio = round(cost / median, 2) if is_known and not _blank(median) and median else None
        priorities = row["priority_count"]
        per_priority = (
            round(cost / priorities, 2)
            if is_known and not _blank(priorities) and priorities
            else None
        )
        leverage = row["leverage"] if is_known else None
        reported = int(row["vfm_achievements_reported"] or 0)
        measures = {
            "cost_for_type": measure_band(ratio, vfm.economy.cost_for_type),
            "leverage": measure_band(leverage, vfm.efficiency.leverage),
            "cost_per_priority": measure_band(per_priority, vfm.efficiency.cost_per_priority),
            "outcome_evidence": effectiveness.outcome_evidence.bands.get(
                row[effectiveness.outcome_evidence.question], "none"
            ),
            "achievements": effectiveness.achievements.reported
            if reported
            else effectiveness.achievements.not_reported,
            "monitoring": from_band.get(row[f"{effectiveness.monitoring.principle}_band"], "none"),
            "objectives": measure_band(row["vfm_objectives_score"], effectiveness.objectives),
            "impact_assessment": equity.impact_assessment.bands.get(
                row[equity.impact_assessment.question], "none"
            ),
            "equality_statement": from_band.get(row["equality_band"], "none"),
        }
        out: dict[str, Any] = {
            "partnership_id": row["partnership_id"],
            "vfm_cost_known": is_known,
            "vfm_cash_share": _share(float(row["cash"]), cost, is_known),
            "vfm_in_kind_share": _share(float(row["in_kind"]), cost, is_known),
            "vfm_officer_time_share": _share(float(row["officer_time_cost"]), cost, is_known),
            "vfm_type_costed": int(row["vfm_type_costed"]),
            "vfm_type_median_cost": median,
            "vfm_cost_ratio": ratio,
            "vfm_cost_per_priority": per_priority,
            "vfm_achievements_reported": reported,
            "vfm_objectives_score": row["vfm_objectives_score"],
            "vfm_objectives_answers": int(row["vfm_objectives_answers"] or 0),
        }
        facts: dict[str, Any] = {"cost_known": is_known}
        for heading in HEADINGS:
            bands = [measures[m.key] for m in MEASURES_BY_HEADING[heading]]
            score, key = heading_band(bands, getattr(vfm, heading).min_measures, vfm)
            out[f"vfm_{heading}_score"] = score
            out[f"vfm_{heading}_band"] = vfm.label(key)
            facts[heading] = vfm.label(key)
        for key, name in (
            ("good", "good_headings"),
            ("adequate", "adequate_headings"),
            ("poor", "poor_headings"),
            ("none", "unknown_headings"),
        ):
            facts[name] = sum(facts[h] == vfm.label(key) for h in HEADINGS)
        out["vfm_measures"] = "; ".join(f"{m.name}: {vfm.label(measures[m.key])}" for m in MEASURES)
        out["vfm_judgement"], out["vfm_reason"], out["vfm_rule"] = judge(facts, vfm)
        rows.append(out)
    return pd.DataFrame(rows, columns=["partnership_id", *COLUMNS])
