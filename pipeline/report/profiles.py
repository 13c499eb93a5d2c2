"""Annual report, Appendices A and B: one profile per key partnership, and one per
partnership recommended an attention action (review or exit), each readable on its own
when printed (decision D32).

The pure functions at the top read one evaluation row (and the toolkit) into what a
profile shows: money with the returns that left a figure blank, the key criteria met and
not met, governance heading by heading with what is missing, value for money by heading,
risk and its controls, and the change since last year. Wording is in
pipeline/templates/report/profile.html.j2; every value is escaped there. A blank reads as
words ("not reported", "not asked", "not answered"), never as an empty cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from pipeline.protocol import Protocol
from pipeline.report import figures, formats, metrics
from pipeline.report.render import render
from pipeline.report.sections import ActionLabels, ReportData
from pipeline.toolkit import Toolkit
from pipeline.toolkit.governance import MAIN_RISKS_SEPARATOR, Governance
from pipeline.toolkit.value_model import MEASURES_BY_HEADING

KEY_APPENDIX = "A"
ATTENTION_APPENDIX = "B"
_LIST_SEPARATOR = "; "  # how the registry joins partners, priorities, criteria and gaps


def _value(value: Any) -> Any:
    """A cell with blanks as None (NaN and pd.NA read as None)."""
    return None if formats.is_missing(value) else value


def _int(value: Any) -> int:
    return 0 if formats.is_missing(value) else int(value)


def split_list(text: Any, separator: str = _LIST_SEPARATOR) -> list[str]:
    """A joined cell as its parts (partners, priorities, answers); a blank is no parts."""
    if formats.is_missing(text):
        return []
    return [part.strip() for part in str(text).split(separator) if part.strip()]


def profile_anchor(partnership_id: str) -> str:
    """The id of a partnership's profile: "profile-psh-0104" for PSH-0104."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(partnership_id).lower()).strip("-")
    return f"profile-{slug}"


# --- who gets a profile ---------------------------------------------------------------


def key_profiled(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Appendix A's partnerships: the key partnerships, highest full cost first."""
    return metrics.key_partnerships(evaluation)


def attention_listed(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Appendix B's partnerships: every partnership with an attention action, by action in
    the toolkit's order, then by partnership ID (key ones included: B links to their A
    profile instead of repeating it)."""
    actions = metrics.attention_actions(toolkit)
    chosen = evaluation[evaluation["action"].isin(actions).to_numpy()]
    return chosen.sort_values(
        ["action", "partnership_id"],
        key=lambda column: column.map(actions.index) if column.name == "action" else column,
        kind="stable",
    )


def attention_profiled(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """The partnerships Appendix B profiles itself: those of attention_listed that are not
    key partnerships (a key one is profiled once, in Appendix A)."""
    listed = attention_listed(evaluation, toolkit)
    key = listed["key_partnership"].astype("boolean").fillna(False).to_numpy(bool)
    return listed[~key]


def _heading(letter: str, number: int, row: Any) -> str:
    return f"{letter}{number}. {row['name']} ({row['partnership_id']})"


def profiled_rows(evaluation: pd.DataFrame, toolkit: Toolkit) -> list[tuple[str, str, str]]:
    """Every profile in the report's order: (appendix letter, anchor, heading text)."""
    found = []
    for letter, chosen in (
        (KEY_APPENDIX, key_profiled(evaluation)),
        (ATTENTION_APPENDIX, attention_profiled(evaluation, toolkit)),
    ):
        for number, (_, row) in enumerate(chosen.iterrows(), start=1):
            found.append(
                (letter, profile_anchor(row["partnership_id"]), _heading(letter, number, row))
            )
    return found


def profiled(data: ReportData) -> list[tuple[str, str, str]]:
    """Every profile of Appendices A and B, in order, for the contents list: (appendix
    letter, anchor, heading text)."""
    return profiled_rows(data.evaluation, data.toolkit)


# --- what a profile shows --------------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    """One money figure summed over the returns: None when every return left it blank;
    ``blank`` returns left it blank (the sum is then a lower bound)."""

    value: float | None
    blank: int


@dataclass(frozen=True)
class ProfileMoney:
    """What a partnership costs the council in a year and brings in."""

    returns: int
    cash: Reported
    in_kind: Reported
    officer_hours: Reported  # a month, summed over the services
    officer_time_cost: float | None  # None when no return gave its hours
    full_cost: float | None  # None when no return gave any cost figure
    cost_missing_returns: int  # returns that left at least one cost figure blank
    external_funding: float | None
    leverage: float | None
    hourly_cost: float
    months: int


def _reported(row: pd.Series, key: str, returns: int) -> Reported:
    blank = _int(row.get(f"{key}_missing"))
    value = None if returns and blank >= returns else _value(row.get(key))
    return Reported(None if value is None else float(value), blank)


def profile_money(row: pd.Series, toolkit: Toolkit) -> ProfileMoney:
    """A partnership's money: each cost figure (not reported when every return left it
    blank), officer time at the toolkit's hourly cost, the full cost, external funding
    (the median of the returns giving it) and leverage."""
    returns = _int(row.get("returns"))
    cash = _reported(row, "cash", returns)
    in_kind = _reported(row, "in_kind", returns)
    hours = _reported(row, "officer_hours", returns)
    figures_given = [f for f in (cash, in_kind, hours) if f.value is not None]
    officer_cost = _value(row.get("officer_time_cost")) if hours.value is not None else None
    full_cost = _value(row.get("full_cost")) if figures_given else None
    external = _value(row.get("external_funding"))
    return ProfileMoney(
        returns=returns,
        cash=cash,
        in_kind=in_kind,
        officer_hours=hours,
        officer_time_cost=None if officer_cost is None else float(officer_cost),
        full_cost=None if full_cost is None else float(full_cost),
        cost_missing_returns=_int(row.get("cost_missing_returns")),
        external_funding=None if external is None else float(external),
        leverage=None if _value(row.get("leverage")) is None else float(row["leverage"]),
        hourly_cost=toolkit.officer_hourly_cost,
        months=toolkit.months_per_year,
    )


def key_criteria(row: pd.Series, toolkit: Toolkit) -> list[tuple[str, bool]]:
    """Each of the toolkit's key-partnership criteria, in its order, and whether the
    partnership meets it (its key_criteria labels)."""
    met = set(split_list(row.get("key_criteria")))
    return [(criterion.label, criterion.label in met) for criterion in toolkit.key_criteria]


@dataclass(frozen=True)
class HeadingGovernance:
    """One governance heading for one partnership: its share of the evidence items
    asked (None: not asked) and what is missing, in the toolkit's plain words."""

    name: str
    completeness: float | None
    missing: tuple[str, ...]


def _word_pattern(words: str) -> re.Pattern[str]:
    """A gap's words as a pattern: a stale date's {date} matches any month and year."""
    parts = [re.escape(part) for part in words.split("{date}")]
    return re.compile("^" + r".+".join(parts) + "$")


def _heading_of(words: str, governance: Governance) -> str | None:
    for key, item in governance.items():
        for candidate in (item.missing, item.unanswered, item.stale):
            if candidate and _word_pattern(candidate).match(words):
                return key
    return None


def governance_headings(row: pd.Series, toolkit: Toolkit) -> list[HeadingGovernance]:
    """Each governance heading in the toolkit's order with its completeness and the words
    of its gaps (governance_missing split back to the heading whose item words them); words
    no heading's item gives (an older toolkit's) come last, under "Other"."""
    governance = toolkit.governance
    gaps: dict[str | None, list[str]] = {}
    for words in split_list(row.get("governance_missing")):
        gaps.setdefault(_heading_of(words, governance), []).append(words)
    shown = [
        HeadingGovernance(
            heading.name,
            _value(row.get(governance.column(key))),
            tuple(gaps.get(key, ())),
        )
        for key, heading in governance.headings.items()
    ]
    if None in gaps:
        shown.append(HeadingGovernance("Other", None, tuple(gaps[None])))
    return shown


@dataclass(frozen=True)
class RiskControl:
    """One control an uncontrolled risk needs: the question, the partnership's answer and
    the gap's words (None when it is in place; ``asked`` False when no item was asked)."""

    question: str
    answer: Any
    gap: str | None
    asked: bool


def risk_controls(row: pd.Series, toolkit: Toolkit, protocol: Protocol) -> list[RiskControl]:
    """The toolkit's risk controls for this partnership, in its order: each is missing when
    its governance item's words are among the partnership's gaps, not asked when its
    heading was not asked, else in place."""
    governance = toolkit.governance
    gaps = split_list(row.get("governance_missing"))
    found = []
    for control in toolkit.risk.uncontrolled.controls:
        key, item = next((k, i) for k, i in governance.items() if i.question == control)
        words = [
            gap
            for gap in gaps
            for candidate in (item.missing, item.unanswered, item.stale)
            if candidate and _word_pattern(candidate).match(gap)
        ]
        asked = _value(row.get(governance.column(key))) is not None
        found.append(
            RiskControl(
                protocol.by_key(control).text,
                _value(row.get(control)),
                words[0] if words else None,
                asked,
            )
        )
    return found


@dataclass(frozen=True)
class VfmHeading:
    """One value-for-money heading: its band and each of its measures with its band."""

    heading: str
    band: str | None
    measures: tuple[tuple[str, str], ...]


def vfm_headings(row: pd.Series) -> list[VfmHeading]:
    """The four headings in the NAO's order, each with its band and its measures' bands
    (from vfm_measures, "name: band; ..."), measures in the toolkit's order."""
    bands = {}
    for part in split_list(row.get("vfm_measures")):
        name, _, band = part.rpartition(": ")
        bands[name] = band
    return [
        VfmHeading(
            heading,
            _value(row.get(f"vfm_{heading}_band")),
            tuple((m.name, bands[m.name]) for m in MEASURES_BY_HEADING[heading] if m.name in bands),
        )
        for heading in metrics.VFM_HEADINGS
    ]


@dataclass(frozen=True)
class PrincipleScore:
    """One principle for one partnership: code, name, mean score, officers' spread, band."""

    code: str
    name: str
    score: float | None
    spread: float | None
    band: str | None


def principle_scores(row: pd.Series, toolkit: Toolkit) -> list[PrincipleScore]:
    """Each principle in the toolkit's order: the partnership's mean score, how far apart
    its officers' own means are (None with fewer than two officers) and its band."""
    return [
        PrincipleScore(
            code,
            name,
            _value(row.get(f"{code}_score")),
            _value(row.get(f"{code}_officer_spread")),
            _value(row.get(f"{code}_band")),
        )
        for code, name in toolkit.principles.items()
    ]


@dataclass(frozen=True)
class Change:
    """The partnership since last year: ``kind`` is new, changed, unchanged or no_earlier
    (the registry's first year); ``what`` is what changed."""

    kind: str
    what: str | None


def change_since_last_year(
    changes: pd.DataFrame, partnership_id: str, has_previous_year: bool
) -> Change:
    """Its entry in the changes table (new or changed), else unchanged; no_earlier when
    there is no earlier year to compare with."""
    if not has_previous_year:
        return Change("no_earlier", None)
    entry = changes[changes["partnership_id"].eq(partnership_id).to_numpy()]
    if entry.empty:
        return Change("unchanged", None)
    first = entry.iloc[0]
    return Change(str(first["change"]), _value(first["what_changed"]))


@dataclass(frozen=True)
class History:
    """A key partnership over the survey years: the years it was reported in, and its chart
    of cost and overall score (None when it was reported in one year only)."""

    years: list[int]
    chart: Markup | None


def profile_history(data: ReportData, partnership_id: str) -> History:
    """The years the partnership was reported in, and its history chart when there are two
    or more; a partnership seen in one year only is said so in words instead of a chart."""
    years = metrics.years_of(data.years(), partnership_id)["year"].astype(int).tolist()
    if len(years) < 2:
        return History(years, None)
    return History(years, figures.partnership_history(data, partnership_id).html())


# --- rendered ---------------------------------------------------------------------------


def _profile(
    data: ReportData, row: pd.Series, letter: str, number: int, labels: ActionLabels
) -> str:
    kit = data.toolkit
    return render(
        "profile.html.j2",
        kit=kit,
        row=metrics.records(row.to_frame().T)[0],
        anchor=profile_anchor(row["partnership_id"]),
        heading=_heading(letter, number, row),
        appendix=letter,
        priorities=split_list(row.get("priorities")),
        partners=split_list(row.get("partners")),
        money=profile_money(row, kit),
        criteria=key_criteria(row, kit),
        governance=governance_headings(row, kit),
        controls=risk_controls(row, kit, data.protocol),
        control_words=metrics.control_gaps(kit),
        vfm=vfm_headings(row),
        main_risks=split_list(row.get("main_risks"), MAIN_RISKS_SEPARATOR),
        achievements=split_list(row.get("achievements"), MAIN_RISKS_SEPARATOR),
        chart=figures.partnership_principles(data, row["partnership_id"]).html(),
        history=profile_history(data, row["partnership_id"]) if letter == KEY_APPENDIX else None,
        change=change_since_last_year(data.changes, row["partnership_id"], data.has_previous_year),
        year=data.year,
        action_label=labels,
        equality_statement=data.protocol.by_key(kit.equality_question).text,
        impact_question=data.protocol.by_key(kit.impact_assessment_question).text,
    )


def _profiles(data: ReportData, chosen: pd.DataFrame, letter: str) -> list[str]:
    labels = ActionLabels.of(data.toolkit)
    return [
        _profile(data, row, letter, number, labels)
        for number, (_, row) in enumerate(chosen.iterrows(), start=1)
    ]


def key_partnership_profiles(data: ReportData) -> HTML:
    """Appendix A's body: a profile of each key partnership, highest full cost first."""
    chosen = key_profiled(data.evaluation)
    return HTML(
        render(
            "profiles_key.html.j2",
            kit=data.toolkit,
            count=len(chosen),
            profiles=_profiles(data, chosen, KEY_APPENDIX),
        )
    )


def _entries(data: ReportData) -> list[dict[str, Any]]:
    """Appendix B's list: each attention partnership, with the heading of its profile (in
    A for a key partnership, else in B)."""
    headings = {anchor: (letter, text) for letter, anchor, text in profiled(data)}
    entries = []
    for _, row in attention_listed(data.evaluation, data.toolkit).iterrows():
        anchor = profile_anchor(row["partnership_id"])
        letter, text = headings[anchor]
        entries.append(
            {
                "anchor": anchor,
                "appendix": letter,
                "number": text.split(".", 1)[0],
                "partnership_id": row["partnership_id"],
                "name": row["name"],
                "action": row["action"],
                "reason": _value(row["action_reason"]),
            }
        )
    return entries


def attention_profiles(data: ReportData) -> HTML:
    """Appendix B's body: the partnerships recommended for review or exit, by action in the
    toolkit's order then ID, listed with a link to each profile; then a profile of each
    that is not a key partnership (a key one's profile is in Appendix A)."""
    chosen = attention_profiled(data.evaluation, data.toolkit)
    return HTML(
        render(
            "profiles_attention.html.j2",
            kit=data.toolkit,
            entries=_entries(data),
            attention_labels=[data.toolkit.actions[a].label for a in _attention(data.toolkit)],
            action_label=ActionLabels.of(data.toolkit),
            profiles=_profiles(data, chosen, ATTENTION_APPENDIX),
        )
    )


def _attention(toolkit: Toolkit) -> Sequence[str]:
    return metrics.attention_actions(toolkit)
