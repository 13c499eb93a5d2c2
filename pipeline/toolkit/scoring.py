"""Evaluate stage, scoring: applies the toolkit in force to the registry.

Every number, band, weight and rule comes from toolkit.yaml (``Toolkit``); each score can
be traced back to the answers it came from (the number of answers and their spread are
kept). Columns are named by question key (decision D14).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import grouped, tables
from pipeline.protocol import Protocol
from pipeline.toolkit import governance
from pipeline.toolkit.model import Band, Instrument, Toolkit
from pipeline.toolkit.value_for_money import value_for_money


def band(score: float | None, toolkit: Toolkit, bands: tuple[Band, ...] | None = None) -> str:
    """The label of the half-open band a score falls in: the last band whose ``from`` it
    reaches (bands are listed lowest first; by default the instrument's domain bands).
    A missing score is "not enough answers". Principle means are banded unrounded, the
    overall score rounded to 9 places first (decision D8)."""
    instrument = toolkit.instrument
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return instrument.not_enough_answers
    listed = instrument.domain_bands if bands is None else bands
    found = listed[0]  # the first band starts at the lowest reachable score (checked at load)
    for candidate in listed:
        if score >= candidate.start:
            found = candidate
    return found.label


def _without_float_noise(value: float) -> float:
    """A weighted mean rounded to 9 places: summing weights of 1/6 leaves float noise
    (3.9999999999999996 for a mean of exactly 4.0) that would put it in the band below.
    Scores are shown to 2 places, so the rounding never shows."""
    return round(value, 9)


def _domain_score(answers: np.ndarray, statements: int, instrument: Instrument) -> float | None:
    """A domain's score from its answers (every answer over the returns, each once): their
    mean, or for summed statements that mean times the domain's number of statements (one
    officer's total); None below the instrument's minimum answers."""
    if len(answers) < instrument.min_answers:
        return None
    mean = float(answers.mean())
    return mean if instrument.statements == "mean" else _without_float_noise(mean * statements)


def _overall_score(scores: dict[str, float | None], instrument: Instrument) -> float | None:
    """The domains' scores combined: the weighted mean of those that have a score, or the
    weighted sum of all of them (None when any domain has no score)."""
    weights = {code: domain.weight for code, domain in instrument.domains.items()}
    if instrument.overall == "sum":
        if any(score is None for score in scores.values()):
            return None
        return _without_float_noise(sum(weights[c] * s for c, s in scores.items() if s is not None))
    shares = instrument.weights
    weighted, weight_used = 0.0, 0.0
    for code, score in scores.items():
        if score is not None:
            weighted += score * shares[code]
            weight_used += shares[code]
    return _without_float_noise(weighted / weight_used) if weight_used else None


def officer_spread(answers: pd.DataFrame | np.ndarray) -> float | None:
    """How far apart officers are on a domain: the highest minus the lowest officer's own
    mean answer to its statements (``answers``: one row per return, one column per
    statement). One officer cannot disagree with themself, so the spread needs two returns
    with an answer; None otherwise (decision D17). Rounded to 9 places (float noise)."""
    means = officer_means(answers)
    if means is None:
        return None
    return _without_float_noise(float(means.max() - means.min()))


def officer_means(answers: pd.DataFrame | np.ndarray) -> np.ndarray | None:
    """Each answering officer's own mean answer to a domain's statements (``answers`` as
    for officer_spread); None when fewer than two officers answered."""
    values = _numeric(answers) if isinstance(answers, pd.DataFrame) else answers
    answered = ~np.isnan(values).all(axis=1)
    if answered.sum() < 2:
        return None
    return np.nanmean(values[answered], axis=1)


def _numeric(answers: pd.DataFrame) -> np.ndarray:
    """Answers as numbers, one row per return (anything not a number is blank: NaN)."""
    return answers.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


# Every whole number below 2**53 in magnitude adds up exactly in a float64 in any order.
_EXACT_LIMIT = float(2**53)


def _whole_numbers(values: np.ndarray) -> bool:
    """Whether every answer (NaN aside) is a whole number, none -0.0, their magnitudes
    totalling under 2**53: then any sum of them, in any order, is exact."""
    given = values[~np.isnan(values)]
    negative_zero = bool(((given == 0) & np.signbit(given)).any())
    whole = bool(np.array_equal(given, np.floor(given))) and not negative_zero
    return whole and float(np.abs(given).sum()) < _EXACT_LIMIT


def _domain_by_slices(
    values: np.ndarray, groups: grouped.Groups, statements: int, instrument: Instrument
) -> dict[str, list[Any]]:
    """A domain's measures partnership by partnership, each from its own rows (answers of
    any kind: numpy adds them in their order, as the partnership's own mean does)."""
    found: dict[str, list[Any]] = {name: [] for name in _DOMAIN_MEASURES}
    for a, b in zip(groups.bounds[:-1].tolist(), groups.bounds[1:].tolist(), strict=True):
        rows = values[groups.order[a:b]]
        every = rows.ravel()  # each answer counts once
        answers = every[~np.isnan(every)]
        means = officer_means(rows)
        found["score"].append(_domain_score(answers, statements, instrument))
        found["answers"].append(len(answers))
        found["spread"].append(float(answers.max() - answers.min()) if len(answers) else None)
        found["officer_spread"].append(officer_spread(rows))
        found["officer_low"].append(
            None if means is None else _without_float_noise(float(means.min()))
        )
        found["officer_high"].append(
            None if means is None else _without_float_noise(float(means.max()))
        )
    return found


def _domain_at_once(
    values: np.ndarray, groups: grouped.Groups, statements: int, instrument: Instrument
) -> dict[str, list[Any]]:
    """``_domain_by_slices`` for whole-number answers (``_whole_numbers``), every
    partnership at once: their sums are exact in any order, so each total, mean, officer's
    mean, lowest and highest is the one the partnership's own rows give, bit for bit."""
    given = ~np.isnan(values)
    row_answers = given.sum(axis=1)
    row_totals = np.where(given, values, 0.0).sum(axis=1)
    within = groups.codes >= 0
    size = len(groups.labels)
    codes = groups.codes[within]
    counts = np.bincount(codes, weights=row_answers[within], minlength=size).astype(np.int64)
    totals = np.bincount(codes, weights=row_totals[within], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)
        officer = np.where(row_answers > 0, row_totals / np.maximum(row_answers, 1), np.nan)
    starts = groups.bounds[:-1]
    highest = np.fmax.reduceat(np.fmax.reduce(values, axis=1)[groups.order], starts)
    lowest = np.fmin.reduceat(np.fmin.reduce(values, axis=1)[groups.order], starts)
    officers = groups.count(row_answers > 0)
    officer_high = np.fmax.reduceat(officer[groups.order], starts)
    officer_low = np.fmin.reduceat(officer[groups.order], starts)
    found: dict[str, list[Any]] = {name: [] for name in _DOMAIN_MEASURES}
    for n, mean, high, low, k, o_high, o_low in zip(
        counts.tolist(),
        means.tolist(),
        highest.tolist(),
        lowest.tolist(),
        officers.tolist(),
        officer_high.tolist(),
        officer_low.tolist(),
        strict=True,
    ):
        if n < instrument.min_answers:
            score = None
        elif instrument.statements == "mean":
            score = mean
        else:
            score = _without_float_noise(mean * statements)
        found["score"].append(score)
        found["answers"].append(n)
        found["spread"].append(float(high - low) if n else None)
        two = k >= 2  # one officer cannot disagree with themself
        found["officer_spread"].append(_without_float_noise(o_high - o_low) if two else None)
        found["officer_low"].append(_without_float_noise(o_low) if two else None)
        found["officer_high"].append(_without_float_noise(o_high) if two else None)
    return found


# What ``score_principles`` measures of each domain, as <P>_<measure> columns.
_DOMAIN_MEASURES = ("score", "answers", "spread", "officer_spread", "officer_low", "officer_high")


def score_principles(returns: pd.DataFrame, protocol: Protocol, toolkit: Toolkit) -> pd.DataFrame:
    """Score each domain (principle) of the instrument and overall, as toolkit.yaml says.

    Needs partnership_id and the domains' statements by key. Returns one row per partnership
    with <P>_score (None below the instrument's minimum answers), <P>_answers, <P>_spread
    (max - min of all its answers), <P>_band, <P>_officer_spread (between officers'
    means) and its ends <P>_officer_low and <P>_officer_high (the lowest and highest
    officer's mean), then overall_score, overall_band, principles_of_concern (domains banded as
    concern), officers_disagree_on (the domains whose officer spread reaches the
    instrument's disagree_from, "; "-joined; None when none) and officers_disagree_count.
    """
    instrument = toolkit.instrument
    # The returns grouped by partnership once; each domain's answers as numbers once,
    # measured for every partnership at once (whole-number answers, as the instrument's
    # are) or partnership by partnership.
    groups = grouped.group_rows(returns["partnership_id"])
    measured = {}
    for code, keys in protocol.principles.items():
        values = _numeric(returns[keys])
        if len(groups.labels) and _whole_numbers(values):
            measured[code] = _domain_at_once(values, groups, len(keys), instrument)
        else:
            measured[code] = _domain_by_slices(values, groups, len(keys), instrument)
    rows = []
    for at, partnership_id in enumerate(groups.labels.tolist()):
        row: dict[str, Any] = {"partnership_id": partnership_id}
        scores: dict[str, float | None] = {}
        disagree = []
        for code in protocol.principles:
            domain = measured[code]
            score = domain["score"][at]
            scores[code] = score
            row[f"{code}_score"] = score
            row[f"{code}_answers"] = domain["answers"][at]
            row[f"{code}_spread"] = domain["spread"][at]
            row[f"{code}_band"] = band(score, toolkit)
            spread = domain["officer_spread"][at]
            row[f"{code}_officer_spread"] = spread
            row[f"{code}_officer_low"] = domain["officer_low"][at]
            row[f"{code}_officer_high"] = domain["officer_high"][at]
            if spread is not None and spread >= instrument.disagree_from:
                disagree.append(code)
        overall = _overall_score(scores, instrument)
        row["overall_score"] = overall
        row["overall_band"] = band(overall, toolkit, instrument.overall_bands)
        row["principles_of_concern"] = sum(
            instrument.meaning_of(row[f"{code}_band"]) == "concern" for code in protocol.principles
        )
        row["officers_disagree_on"] = "; ".join(disagree) or None
        row["officers_disagree_count"] = len(disagree)
        rows.append(row)
    return pd.DataFrame(rows)


def score_equality(returns: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Equality score: the mean of the equality statement's answers, from the equality
    measure's own minimum answers (1: a one-statement measure is scored from one return,
    decision D17), banded by the equality bands."""
    groups = grouped.group_rows(returns["partnership_id"])  # one sort, no slice per group
    means, counts = groups.means(grouped.numbers(returns[toolkit.equality_question]))
    rows = []
    for partnership_id, found, n in zip(
        groups.labels.tolist(), means.tolist(), counts.tolist(), strict=True
    ):
        mean = found if n >= toolkit.equality_min_answers else None
        rows.append(
            {
                "partnership_id": partnership_id,
                "equality_score": mean,
                "equality_answers": n,
                "equality_band": band(mean, toolkit, toolkit.equality_bands),
            }
        )
    return pd.DataFrame(rows)


def _shown(share: float | None) -> float | None:
    """A completeness as stored (4 places); its band is taken from the value unrounded."""
    return None if share is None else round(share, 4)


def governance_band(completeness: float | None, toolkit: Toolkit) -> str:
    """The overall governance band (decision D8), with the principles' band labels."""
    return governance.governance_band(completeness, toolkit.governance, toolkit.band_labels)


def _governance_columns(
    row: pd.Series | Mapping[str, Any],
    evidence: list[governance.Evidence],
    main_risks: str | None,
    toolkit: Toolkit,
) -> dict[str, Any]:
    """A partnership's governance by heading and its risk controls, as evaluation columns,
    from its evidence and main risks."""
    kit = toolkit.governance
    shares = governance.completeness(evidence, kit)
    missing = governance.uncontrolled(row["risk_level"], evidence, toolkit.risk)
    return {
        **{kit.column(heading): _shown(shares[heading]) for heading in kit.headings},
        "governance_completeness": _shown(shares["overall"]),
        "governance_band": governance_band(shares["overall"], toolkit),
        "governance_evidenced": sum(e.status == governance.EVIDENCED for e in evidence),
        "governance_asked": sum(e.status != governance.NOT_ASKED for e in evidence),
        "governance_missing": "; ".join(e.words for e in evidence if e.words) or None,
        "uncontrolled_risk": bool(missing),
        "risk_controls_missing": "; ".join(missing) or None,
        "main_risks": main_risks,
    }


def key_criteria_met(facts: dict[str, Any], toolkit: Toolkit) -> list[str]:
    """Which of the toolkit's key-partnership criteria a partnership meets, by label."""
    met = []
    for criterion in toolkit.key_criteria:
        settings = criterion.settings
        if criterion.name == "statutory":
            hit = bool(facts["statutory"])
        elif criterion.name == "cost":
            hit = (facts["full_cost"] or 0) >= settings["min_full_cost"]
        elif criterion.name == "risk":
            hit = facts["risk_level"] in settings["levels"]
        elif criterion.name == "priorities":
            hit = facts["priority_count"] >= settings["min_priorities"]
        elif criterion.name == "role":
            hit = facts["council_role"] in settings["roles"]
        else:  # the model admits no other kind
            raise ValueError(f"unknown key-partnership criterion {criterion.name!r}")
        if hit:
            met.append(criterion.label)
    return met


def recommend(facts: dict[str, Any], toolkit: Toolkit) -> tuple[str, str, str]:
    """The first recommendation rule whose conditions all hold: action, reason and the
    rule's conditions as written in toolkit.yaml (for the auditor)."""
    for number, rule in enumerate(toolkit.rules, start=1):
        if all(condition.holds(facts) for condition in rule.when):
            conditions = "; ".join(map(str, rule.when))
            return rule.action, rule.reason, f"rule {number}: {conditions}"
    return toolkit.default_action, toolkit.default_reason, "default: no rule matched"


def full_cost(cash: float, in_kind: float, officer_hours: float, toolkit: Toolkit) -> float:
    """Full annual cost to the council: cash + in-kind + hours a month x 12 x hourly cost."""
    officer_cost = officer_hours * toolkit.months_per_year * toolkit.officer_hourly_cost
    return round(cash + in_kind + officer_cost, 2)


def _costs(row: pd.Series | Mapping[str, Any], toolkit: Toolkit) -> dict[str, float | None]:
    """A registry row's officer-time cost, full cost and leverage (external funding per £1
    of full cost; None when the cost is 0 or the funding unknown)."""
    officer_time = row["officer_hours"] * toolkit.months_per_year * toolkit.officer_hourly_cost
    cost = full_cost(row["cash"], row["in_kind"], row["officer_hours"], toolkit)
    external = row["external_funding"]
    leverage = None if cost == 0 or pd.isna(external) else round(external / cost, 2)
    return {"officer_time_cost": round(officer_time, 2), "full_cost": cost, "leverage": leverage}


# The value-for-money columns a recommendation rule can test (FACT_KINDS).
_VFM_FACTS = (
    "vfm_judgement",
    "vfm_economy_band",
    "vfm_efficiency_band",
    "vfm_effectiveness_band",
    "vfm_equity_band",
)


# The evaluation's columns of officers' own words (each officer's answer once).
OFFICERS_WORDS = ("main_risks", "achievements")


def evaluate_partnerships(
    registry: pd.DataFrame,
    returns: pd.DataFrame,
    protocol: Protocol,
    toolkit: Toolkit,
    as_of: dt.date,
    asked: Mapping[str, Collection[str]] | None = None,
    peers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score every partnership and recommend an action, with the rule that produced it.

    Needs the registry (consolidate_returns) and the accepted returns with partnership_id.
    Returns one row per partnership: costs, principle and overall scores with bands,
    governance by heading, risk and its controls, what officers said it achieved (each
    officer's answer once, " | "-joined, as main_risks), equality, key-partnership
    criteria, action and reason. ``asked``: each export file's question keys (ingest.asked_by_file;
    None: every file asked every question), so that a question added to the survey later
    reads "not asked" for a partnership none of whose returns came from a file asking it.
    ``peers``: other partnerships whose known costs the economy comparison also counts
    (``value_for_money.same_type_comparison``; `assess` scores one partnership, D36).
    """
    principles = score_principles(returns, protocol, toolkit)
    equality = score_equality(returns, toolkit)
    scored = registry.merge(principles, on="partnership_id", validate="one_to_one").merge(
        equality, on="partnership_id", validate="one_to_one"
    )
    # Each registry row once as a dict (iterrows' values, without a Series per row).
    records = grouped.records(scored)
    costs_by_row = [_costs(row, toolkit) for row in records]
    costed = scored.assign(**pd.DataFrame(costs_by_row, index=scored.index))
    vfm = value_for_money(costed, returns, toolkit, peers).set_index("partnership_id")
    vfm_facts = dict(zip(vfm.index.tolist(), grouped.records(vfm[list(_VFM_FACTS)]), strict=True))
    rows = []
    statutory_key = protocol.question(protocol.statutory_condition_question).key
    # Every partnership's returns read once, grouped, never sliced per partnership.
    read = governance.read_returns(
        returns, toolkit.governance, scored.columns, asked, scored["partnership_id"]
    )
    groups = grouped.group_rows(returns["partnership_id"])
    risks = governance.officers_words_by_partnership(returns, toolkit.risk.main_risks, groups)
    achievements = governance.officers_words_by_partnership(
        returns, toolkit.value_for_money.effectiveness.achievements.question, groups
    )
    for row, costs in zip(records, costs_by_row, strict=True):
        at = read.position[row["partnership_id"]]
        evidence = governance.assess_read(row, read, toolkit.governance, as_of)
        assessed = _governance_columns(row, evidence, risks[at], toolkit)
        cost, leverage = costs["full_cost"], costs["leverage"]
        value = vfm_facts[row["partnership_id"]]
        facts = {
            "statutory": str(row[statutory_key] or "").startswith(
                protocol.statutory_condition_prefix
            ),
            "full_cost": cost,
            "risk_level": row["risk_level"],
            "priority_count": row["priority_count"],
            "council_role": row["council_role"],
            "overall_band": row["overall_band"],
            "governance_band": assessed["governance_band"],
            "leverage": leverage,
            "principles_of_concern": row["principles_of_concern"],
            "officer_exit_share": row["officer_exit_share"],
            "uncontrolled_risk": assessed["uncontrolled_risk"],
            **{fact: value[fact] for fact in _VFM_FACTS},
        }
        met = key_criteria_met(facts, toolkit)
        action, reason, rule = recommend(facts, toolkit)
        rows.append(
            {
                "partnership_id": row["partnership_id"],
                "officer_time_cost": costs["officer_time_cost"],
                "full_cost": cost,
                "leverage": leverage,
                "statutory": facts["statutory"],
                **assessed,
                "achievements": achievements[at],
                "key_partnership": len(met) >= toolkit.key_min_criteria,
                "key_criteria": "; ".join(met) or None,
                "action": action,
                "action_reason": reason,
                "action_rule": rule,
            }
        )
    evaluated = pd.DataFrame(rows)
    # Officers' own words are published: no respondent's name typed in them (D9).
    without_names = governance.name_remover(
        returns[governance.RESPONDENT_NAME] if governance.RESPONDENT_NAME in returns else ()
    )
    for column in OFFICERS_WORDS:
        evaluated[column] = evaluated[column].map(without_names)
    evaluation = scored.merge(evaluated, on="partnership_id", validate="one_to_one")
    return evaluation.merge(vfm.reset_index(), on="partnership_id", validate="one_to_one")


def summary_line(evaluation: pd.DataFrame, unsure_pairs: int) -> str:
    """The stage's one line: partnerships, key partnerships and the pairs of partnerships
    whose names the analyst is asked to confirm (``registry.pairs_awaiting_decision``)."""
    return (
        f"{len(evaluation)} partnerships, {int(evaluation['key_partnership'].sum())} key; "
        f"{unsure_pairs} pair(s) of partnerships to confirm"
    )


def write_evaluation(
    evaluation: pd.DataFrame,
    changes: pd.DataFrame,
    unsure_pairs: int,
    year: int,
    root: Path | str | None = None,
) -> list[Path]:
    """Write the evaluation, the changes since last year and the stage's summary line."""
    return [
        tables.write("evaluation", evaluation, year, root),
        tables.write("changes", changes, year, root),
        tables.write_summary("03_evaluate", summary_line(evaluation, unsure_pairs), year, root),
    ]
