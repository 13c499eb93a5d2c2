"""The annual report's numbers: pure functions of the processed tables and the toolkit.

No files, no HTML, no wording. Each function takes the evaluation table (one row per
partnership, columns named by question key), the toolkit, the protocol or a summary an
earlier stage wrote, and returns a DataFrame or plain values. The templates word them and
figures.py draws them; a blank answer stays blank (None) until a template says how it reads.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit

MULTI_SEPARATOR = "; "  # how the registry joins a multi-select's options
# money_by's columns, and the evaluation column each sums
_EVALUATION_MONEY = {
    "cash": "cash",
    "in_kind": "in_kind",
    "officer_time": "officer_time_cost",
    "full_cost": "full_cost",
}
BAND_KEYS = ("strength", "borderline", "concern", "none")
CHANGE_KINDS = ("new", "ended", "changed")


@dataclass(frozen=True)
class CostTotals:
    """What the partnerships cost the council in a year, and what they bring in."""

    cash: float
    in_kind: float
    officer_time: float
    full_cost: float
    external: float
    missing_returns: int  # returns that left at least one money figure blank


@dataclass(frozen=True)
class Disagreements:
    """Where officers reporting one partnership answered a question differently."""

    partnerships: int
    answers: int


@dataclass(frozen=True)
class MoneyHeldCounts:
    """Partnerships with a pooled budget, with funds the council is the accountable body
    for, and shared services."""

    pooled: int
    accountable: int
    shared: int


def _sum(values: pd.Series) -> float:
    return float(pd.to_numeric(values, errors="coerce").sum())


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _ordered(values: Iterable[Any], order: Sequence[str]) -> list[Any]:
    """The distinct values: those in ``order`` first, in its order, then any others
    alphabetically, then None for blanks."""
    present = {value for value in values if not _missing(value)}
    blank = any(_missing(value) for value in values)
    known = [value for value in order if value in present]
    others = sorted(present - set(order), key=str)
    return known + others + ([None] if blank else [])


def _objects(values: list[Any]) -> pd.Series:
    """Values as an object column, so that a blank stays None (not NaN)."""
    return pd.Series(values, dtype=object)


def _matches(values: pd.Series, value: Any) -> pd.Series:
    return values.isna() if value is None else values.eq(value).fillna(False)


def _flag(values: pd.Series) -> pd.Series:
    """A boolean column with blanks read as False."""
    return values.astype("boolean").fillna(False).astype(bool)


def split_multi(values: pd.Series) -> pd.Series:
    """A multi-select column as one row per chosen option (index repeated); blanks stay."""
    return values.str.split(MULTI_SEPARATOR).explode()


def cost_totals(evaluation: pd.DataFrame) -> CostTotals:
    """Each money column summed over all partnerships; returns with a blank figure counted."""
    return CostTotals(
        cash=_sum(evaluation["cash"]),
        in_kind=_sum(evaluation["in_kind"]),
        officer_time=_sum(evaluation["officer_time_cost"]),
        full_cost=_sum(evaluation["full_cost"]),
        external=_sum(evaluation["external_funding"]),
        missing_returns=int(pd.to_numeric(evaluation["cost_missing_returns"]).fillna(0).sum()),
    )


def leverage(totals: CostTotals) -> float | None:
    """External funding per £1 of full cost to the council; None when the cost is 0."""
    return totals.external / totals.full_cost if totals.full_cost else None


def counts_by(values: pd.Series, order: Sequence[str]) -> pd.DataFrame:
    """Partnerships per value (columns value, partnerships): values in ``order`` first,
    then any others alphabetically, then blanks (value None); absent values are left out."""
    ordered = _ordered(values, order)
    counts = [int(_matches(values, value).sum()) for value in ordered]
    return pd.DataFrame({"value": _objects(ordered), "partnerships": counts})


def money_by(
    evaluation: pd.DataFrame, column: str, order: Sequence[str], *, multi: bool = False
) -> pd.DataFrame:
    """Partnerships, cash, in-kind, officer time and full cost summed per value of a column,
    ordered as counts_by orders them; with ``multi`` a partnership counts under each option."""
    groups = split_multi(evaluation[column]) if multi else evaluation[column]
    money = evaluation.loc[groups.index, list(_EVALUATION_MONEY.values())]
    ordered = _ordered(groups, order)
    chosen = [money[_matches(groups, value).to_numpy()] for value in ordered]
    table = pd.DataFrame({"value": _objects(ordered), "partnerships": [len(c) for c in chosen]})
    for name, source in _EVALUATION_MONEY.items():
        table[name] = [_sum(c[source]) for c in chosen]
    return table


def by_cost(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Partnerships from the highest full cost down; equal costs by partnership ID."""
    return evaluation.sort_values(["full_cost", "partnership_id"], ascending=[False, True])


def top_cost(evaluation: pd.DataFrame, count: int = 10) -> pd.DataFrame:
    """The ``count`` partnerships with the highest full cost, highest first."""
    return by_cost(evaluation).head(count)


def key_partnerships(evaluation: pd.DataFrame) -> pd.DataFrame:
    """The partnerships marked key, highest full cost first."""
    return by_cost(evaluation[_flag(evaluation["key_partnership"]).to_numpy()])


def key_criteria_counts(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Per key-partnership criterion, in the toolkit's order (columns criterion,
    partnerships, key): how many partnerships meet it, and how many of those are key. A
    partnership's criteria are its key_criteria labels, joined by "; " (a label holds no
    ";", decision D15)."""
    met = evaluation["key_criteria"].map(
        lambda text: set() if _missing(text) else set(str(text).split(MULTI_SEPARATOR))
    )
    key = _flag(evaluation["key_partnership"]).to_numpy()
    rows = []
    for criterion in toolkit.key_criteria:
        meets = met.map(lambda labels, label=criterion.label: label in labels).to_numpy(bool)
        rows.append(
            {
                "criterion": criterion.label,
                "partnerships": int(meets.sum()),
                "key": int((meets & key).sum()),
            }
        )
    return pd.DataFrame(rows, columns=["criterion", "partnerships", "key"])


def held_for_others(evaluation: pd.DataFrame, toolkit: Toolkit, question: str) -> pd.DataFrame:
    """Partnerships whose consolidated answer to a money-held question (toolkit money_held:
    pooled budget, accountable body) is the held answer, highest full cost first."""
    held = evaluation[question].eq(toolkit.money_held.held_answer).fillna(False)
    return by_cost(evaluation[held.to_numpy()])


def money_held_answers(
    evaluation: pd.DataFrame, toolkit: Toolkit, protocol: Protocol
) -> pd.DataFrame:
    """Partnerships per consolidated answer to the two money-held questions (columns value,
    pooled_budget, accountable_body), in the pooled-budget question's option order, then
    any other answer, then blanks (value None)."""
    held = toolkit.money_held
    columns = {"pooled_budget": held.pooled_budget, "accountable_body": held.accountable_body}
    values = pd.concat([evaluation[key] for key in columns.values()], ignore_index=True)
    order = _ordered(values, protocol.by_key(held.pooled_budget).options)
    table = pd.DataFrame({"value": _objects(order)})
    for name, key in columns.items():
        table[name] = [int(_matches(evaluation[key], value).sum()) for value in order]
    return table


# The governance arrangement shown for each shared service, by question key (blank when a
# council's questionnaire does not ask it).
SHARED_SERVICE_ARRANGEMENT = ("legal_form", "reporting_line", "partnership_agreement")


def shared_services(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """The shared services (partnership_type one of the toolkit's shared_service_types),
    highest full cost first, with their governance arrangement's columns (blank when the
    questionnaire does not ask one)."""
    types = toolkit.money_held.shared_service_types
    shared = by_cost(evaluation[evaluation["partnership_type"].isin(types).to_numpy()])
    missing = [key for key in SHARED_SERVICE_ARRANGEMENT if key not in shared.columns]
    return shared.assign(**{key: None for key in missing})


def money_held_counts(evaluation: pd.DataFrame, toolkit: Toolkit) -> MoneyHeldCounts:
    """How many partnerships hold money for others (each question) and are shared services."""
    held = toolkit.money_held
    return MoneyHeldCounts(
        pooled=len(held_for_others(evaluation, toolkit, held.pooled_budget)),
        accountable=len(held_for_others(evaluation, toolkit, held.accountable_body)),
        shared=len(shared_services(evaluation, toolkit)),
    )


def band_order(toolkit: Toolkit) -> list[str]:
    """The band labels from best to none: strength, borderline, concern, not enough answers."""
    return [toolkit.band_labels[key] for key in BAND_KEYS]


def _meaning(bands: pd.Series, toolkit: Toolkit) -> pd.Series:
    """What each band label means (strength, borderline, concern, none): an instrument may
    have several bands of one meaning, and counts are by meaning."""
    return bands.map(toolkit.instrument.meanings())


def concern_count(evaluation: pd.DataFrame, toolkit: Toolkit) -> int:
    """Partnerships whose overall principles band means concern."""
    return int(_meaning(evaluation["overall_band"], toolkit).eq("concern").sum())


def _disagreed_on(evaluation: pd.DataFrame) -> pd.Series:
    """Per partnership, the principle codes officers disagree on (a list, maybe empty)."""
    listed = evaluation["officers_disagree_on"]
    return listed.map(lambda codes: [] if _missing(codes) else str(codes).split(MULTI_SEPARATOR))


def principle_summary(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Per principle (code, principle, mean): the mean of the partnerships' scores, how
    many partnerships' officers disagree on it (disagree), and how many partnerships fall
    in each band by meaning (columns strength, borderline, concern, none)."""
    disagreed = _disagreed_on(evaluation)
    rows = []
    for code, name in toolkit.principles.items():
        scores = pd.to_numeric(evaluation[f"{code}_score"], errors="coerce")
        meanings = _meaning(evaluation[f"{code}_band"], toolkit)
        row: dict[str, Any] = {"code": code, "principle": f"{code} {name}"}
        row["mean"] = float(scores.mean()) if scores.notna().any() else None
        row["disagree"] = int(disagreed.map(lambda codes, c=code: c in codes).sum())
        row.update({key: int(meanings.eq(key).sum()) for key in BAND_KEYS})
        rows.append(row)
    return pd.DataFrame(rows, columns=["code", "principle", "mean", "disagree", *BAND_KEYS])


def principle_disagreements(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Each principle a partnership's officers disagree on, beside its mean: columns
    partnership_id, name, principle, mean (the principle's score) and spread (between the
    officers' own means), by partnership ID then the toolkit's order of principles."""
    rows = []
    for (_, row), codes in zip(evaluation.iterrows(), _disagreed_on(evaluation), strict=True):
        for code in (c for c in toolkit.principles if c in codes):
            rows.append(
                {
                    "partnership_id": row["partnership_id"],
                    "name": row["name"],
                    "principle": f"{code} {toolkit.principles[code]}",
                    "mean": row[f"{code}_score"],
                    "spread": row[f"{code}_officer_spread"],
                }
            )
    columns = ["partnership_id", "name", "principle", "mean", "spread"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("partnership_id", kind="stable").reset_index(drop=True)


def officers_disagree_count(evaluation: pd.DataFrame) -> int:
    """Partnerships whose officers disagree on at least one principle."""
    return int((pd.to_numeric(evaluation["officers_disagree_count"]) > 0).sum())


def attention_actions(toolkit: Toolkit) -> list[str]:
    """The actions whose partnerships the report lists for members, in the toolkit's order."""
    return [name for name, action in toolkit.actions.items() if action.attention]


def for_attention(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Partnerships recommended an attention action, by partnership ID."""
    chosen = evaluation["action"].isin(attention_actions(toolkit))
    return evaluation[chosen.to_numpy()].sort_values("partnership_id")


def action_counts(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Partnerships per recommended action (columns action, partnerships): every action of
    the toolkit in its order, zero included, then any action it does not list."""
    counts = counts_by(evaluation["action"], toolkit.action_order).set_index("value")
    order = toolkit.action_order + [a for a in counts.index if a not in toolkit.actions]
    return pd.DataFrame(
        [
            {"action": action, "partnerships": int(counts["partnerships"].get(action, 0))}
            for action in order
        ],
        columns=["action", "partnerships"],
    )


GOVERNANCE_SPREAD = ("all_items", "some_items", "no_items", "not_asked")


def governance_by_heading(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Partnerships per governance heading by how much of its evidence they give: all the
    items asked, some, none, or none asked; and the mean completeness (columns heading,
    all_items, some_items, no_items, not_asked, mean_completeness), in the toolkit's order."""
    rows = []
    for key, heading in toolkit.governance.headings.items():
        shares = pd.to_numeric(evaluation[toolkit.governance.column(key)], errors="coerce")
        asked = shares.dropna()
        rows.append(
            {
                "heading": heading.name,
                "all_items": int((asked >= 1).sum()),
                "some_items": int(((asked > 0) & (asked < 1)).sum()),
                "no_items": int((asked <= 0).sum()),
                "not_asked": int(shares.isna().sum()),
                "mean_completeness": float(asked.mean()) if not asked.empty else None,
            }
        )
    return pd.DataFrame(rows, columns=["heading", *GOVERNANCE_SPREAD, "mean_completeness"])


def governance_gaps(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """What is missing, in plain words, for every partnership whose governance band is of
    concern and every key partnership with something missing: weakest first, then by ID."""
    concern = evaluation["governance_band"].eq(toolkit.band_labels["concern"]).fillna(False)
    key = evaluation["key_partnership"].fillna(False).astype(bool)
    missing = evaluation["governance_missing"].notna()
    chosen = evaluation[(concern.to_numpy() | key.to_numpy()) & missing.to_numpy()]
    return chosen.sort_values(["governance_completeness", "partnership_id"], na_position="first")


def governance_appendix(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Every partnership's governance heading by heading (columns partnership_id, name,
    each heading's completeness column in the toolkit's order, governance_completeness,
    governance_band, uncontrolled_risk, governance_missing), by partnership ID. A blank
    completeness is a heading the survey did not ask."""
    headings = [toolkit.governance.column(key) for key in toolkit.governance.headings]
    columns = [
        "partnership_id",
        "name",
        *headings,
        "governance_completeness",
        "governance_band",
        "uncontrolled_risk",
        "governance_missing",
    ]
    chosen = evaluation[columns].assign(uncontrolled_risk=_flag(evaluation["uncontrolled_risk"]))
    return chosen.sort_values("partnership_id", kind="stable").reset_index(drop=True)


def not_asked_items(toolkit: Toolkit, protocol: Protocol, asked: Iterable[str]) -> pd.DataFrame:
    """Governance evidence the year's survey did not ask (columns heading, question): not
    counted for or against any partnership."""
    asked = set(asked)
    rows = [
        {
            "heading": toolkit.governance.headings[key].name,
            "question": protocol.by_key(item.question).text,
        }
        for key, item in toolkit.governance.items()
        if item.question not in asked
    ]
    return pd.DataFrame(rows, columns=["heading", "question"])


def control_gaps(toolkit: Toolkit) -> list[str]:
    """The plain words of each risk control missing, as the governance items word them."""
    words = {item.question: item.gap() for _, item in toolkit.governance.items()}
    return [words[control] for control in toolkit.risk.uncontrolled.controls]


def uncontrolled_risks(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Partnerships whose risk is at an uncontrolled level without its controls, by ID."""
    flagged = evaluation["uncontrolled_risk"].fillna(False).astype(bool)
    return evaluation[flagged.to_numpy()].sort_values("partnership_id")


def main_risks(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """The main risks officers named for partnerships at the toolkit's high levels of risk
    (risk.uncontrolled.levels) and for key partnerships, by ID; blank ones left out."""
    high = evaluation["risk_level"].isin(toolkit.risk.uncontrolled.levels)
    key = evaluation["key_partnership"].fillna(False).astype(bool)
    named = evaluation["main_risks"].notna()
    return evaluation[(high.to_numpy() | key.to_numpy()) & named.to_numpy()].sort_values(
        "partnership_id"
    )


def high_risk(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Partnerships at the toolkit's highest level of risk, by partnership ID."""
    highest = evaluation["risk_level"].eq(toolkit.risk_order[-1]).fillna(False)
    return evaluation[highest.to_numpy()].sort_values("partnership_id")


def impact_assessments(
    evaluation: pd.DataFrame, toolkit: Toolkit, protocol: Protocol
) -> pd.DataFrame:
    """Partnerships per answer to the equality impact assessment question, in option order."""
    question = toolkit.impact_assessment_question
    return counts_by(evaluation[question], protocol.by_key(question).options)


def equality_bands(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Partnerships per equality score band, best band first, then not enough answers."""
    order = [b.label for b in reversed(toolkit.equality_bands)]
    return counts_by(evaluation["equality_band"], [*order, toolkit.instrument.not_enough_answers])


def change_counts(changes: pd.DataFrame) -> dict[str, int]:
    """Partnerships new, ended and materially changed since last year (each kind, zero too)."""
    counts = changes["change"].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in CHANGE_KINDS}


def disagreement_counts(disagreements: pd.DataFrame) -> Disagreements:
    """Partnerships with at least one disagreement, and partnership-question pairs in all."""
    return Disagreements(
        partnerships=int(disagreements["partnership_id"].nunique()),
        answers=len(disagreements),
    )


def quarantined_by_rule(dq_summary: dict[str, Any]) -> pd.DataFrame:
    """Returns quarantined per rule (columns rule, returns), as validation counted them."""
    rows = [(item["rule"], int(item["rows"])) for item in dq_summary["quarantined_by_rule"]]
    return pd.DataFrame(rows, columns=["rule", "returns"])


def warnings_by_rule(dq_summary: dict[str, Any]) -> pd.DataFrame:
    """Returns kept with a warning per rule and question (columns rule, column, returns)."""
    rows = [
        (item["rule"], item["column"], int(item["rows"])) for item in dq_summary["warnings_by_rule"]
    ]
    return pd.DataFrame(rows, columns=["rule", "column", "returns"])


def records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """A frame's rows as dictionaries, blanks as None (for templates and chart labels)."""
    return [
        {key: None if _missing(value) else value for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


VFM_HEADINGS = ("economy", "efficiency", "effectiveness", "equity")


def vfm_judgements(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Partnerships per value-for-money judgement (columns judgement, partnerships): every
    label of the toolkit from good to not enough evidence, zero included, then any other."""
    order = toolkit.value_for_money.band_order()
    counts = counts_by(evaluation["vfm_judgement"], order).set_index("value")["partnerships"]
    labels = order + [v for v in counts.index if v not in order]
    return pd.DataFrame(
        [{"judgement": v, "partnerships": int(counts.get(v, 0))} for v in labels],
        columns=["judgement", "partnerships"],
    )


def vfm_headings(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Per value-for-money heading (heading), how many partnerships have each band
    (columns good, adequate, poor, none), in the NAO's order."""
    vfm = toolkit.value_for_money
    keys = ("good", "adequate", "poor", "none")
    rows = []
    for heading in VFM_HEADINGS:
        bands = evaluation[f"vfm_{heading}_band"]
        row: dict[str, Any] = {"heading": heading}
        row.update({key: int(bands.eq(vfm.label(key)).sum()) for key in keys})
        rows.append(row)
    return pd.DataFrame(rows, columns=["heading", *keys])


def by_vfm_judgement(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Partnerships from the best value-for-money judgement to not enough evidence (any
    other label after), then by partnership ID."""
    order = toolkit.value_for_money.band_order()
    rank = evaluation["vfm_judgement"].map(lambda v: order.index(v) if v in order else len(order))
    return (
        evaluation.assign(_rank=rank).sort_values(["_rank", "partnership_id"]).drop(columns="_rank")
    )


# --- The committee paper's recommendations and implications (decision D28) -------------------


def attention_counts(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Partnerships per attention action (columns action, label, partnerships), in the
    toolkit's order, zero included: what the committee is asked to agree."""
    counts = action_counts(evaluation, toolkit).set_index("action")["partnerships"]
    rows = [
        {"action": name, "label": toolkit.actions[name].label, "partnerships": int(counts[name])}
        for name in attention_actions(toolkit)
    ]
    return pd.DataFrame(rows, columns=["action", "label", "partnerships"])


def statutory_partnerships(evaluation: pd.DataFrame) -> pd.DataFrame:
    """The partnerships required by law (the toolkit's ``statutory`` reading of the
    statutory question), by partnership ID."""
    return evaluation[_flag(evaluation["statutory"]).to_numpy()].sort_values(
        "partnership_id", kind="stable"
    )


def without_signed_agreement(partnerships: pd.DataFrame, signed: str = "Yes") -> int:
    """How many of ``partnerships`` do not report a signed partnership agreement."""
    return int((~partnerships["partnership_agreement"].eq(signed).fillna(False)).sum())


def answered(evaluation: pd.DataFrame, key: str, value: str) -> int:
    """How many partnerships' consolidated answer to ``key`` is ``value``."""
    return int(evaluation[key].eq(value).fillna(False).sum())


# --- history: every year up to the report's (issue 19) ----------------------------------

HISTORY_COLUMNS = (
    "year",
    "partnership_id",
    "name",
    "key_partnership",
    "full_cost",
    "overall_score",
    "returns",
)


def partnership_history(evaluations: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Each partnership's full cost and overall score in every year given, joined by its
    stable partnership ID (IDs carry from year to year, decision D7), so that a partnership
    renamed keeps one history. A year with no evaluation is simply not given.

    Needs partnership_id, name, key_partnership, full_cost, overall_score and returns in
    each year's evaluation (one it lacks reads as blank: no cost, no score, no returns);
    returns HISTORY_COLUMNS, one row per partnership per year, sorted by ID then year.
    The frames given are not modified.
    """
    years = [
        evaluation.reindex(columns=list(HISTORY_COLUMNS[1:])).assign(year=year)
        for year, evaluation in sorted(evaluations.items())
    ]
    if not years:
        return pd.DataFrame(columns=list(HISTORY_COLUMNS))
    history = pd.concat(years, ignore_index=True).loc[:, list(HISTORY_COLUMNS)]
    history = history.assign(
        key_partnership=_flag(history["key_partnership"]),
        full_cost=pd.to_numeric(history["full_cost"], errors="coerce"),
        overall_score=pd.to_numeric(history["overall_score"], errors="coerce"),
        returns=pd.to_numeric(history["returns"], errors="coerce").fillna(0).astype(int),
    )
    return history.sort_values(["partnership_id", "year"], kind="stable").reset_index(drop=True)


def years_of(history: pd.DataFrame, partnership_id: str) -> pd.DataFrame:
    """One partnership's rows of the history, oldest year first."""
    return history[history["partnership_id"].eq(partnership_id).to_numpy()].sort_values(
        "year", kind="stable"
    )


def landscape_by_year(history: pd.DataFrame) -> pd.DataFrame:
    """One row per year: partnerships, key partnerships, their full cost (all, and the key
    ones'), and the accepted returns behind them (the sum of each partnership's returns).

    Columns year, partnerships, key_partnerships, full_cost, key_cost, returns; oldest first.
    """
    rows = []
    for year, rows_of_year in history.groupby("year", sort=True):
        key = rows_of_year["key_partnership"].astype(bool)
        rows.append(
            {
                "year": int(str(year)),
                "partnerships": len(rows_of_year),
                "key_partnerships": int(key.sum()),
                "full_cost": _sum(rows_of_year["full_cost"]),
                "key_cost": _sum(rows_of_year.loc[key, "full_cost"]),
                "returns": int(rows_of_year["returns"].sum()),
            }
        )
    columns = ["year", "partnerships", "key_partnerships", "full_cost", "key_cost", "returns"]
    return pd.DataFrame(rows, columns=columns)
