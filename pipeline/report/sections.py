"""Annual report content: the numbers, tables and narrative of 04_annual_report.

Every section is built from the processed tables (never from raw returns) and returned as
one HTML fragment, with every piece of officer-typed text escaped. No names or emails
reach the report: it reads the evaluation, counts and the data-quality summary only.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML

from pipeline import paths, provenance, settings, tables
from pipeline.council import Council
from pipeline.ingest import missing_questions, unmapped_columns
from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read once from the processed folder."""

    year: int
    council: Council
    protocol: Protocol
    toolkit: Toolkit
    evaluation: pd.DataFrame
    dq_summary: dict[str, Any]
    coverage: pd.DataFrame
    unsure_pairs: int
    disagreements: pd.DataFrame
    changes: pd.DataFrame
    column_map: pd.DataFrame
    caveats: pd.DataFrame  # accepted values read with a caveat, by question
    has_previous_year: bool
    inputs: pd.DataFrame  # every file read, with its SHA-256
    versions: pd.DataFrame
    commit: str
    root: Path


def money(value: float | None) -> str:
    """Pounds for members: £12,345 (no pence); "unknown" when missing."""
    if value is None or pd.isna(value):
        return "unknown"
    return f"£{value:,.0f}"


def _esc(value: Any) -> str:
    return html.escape(
        "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "table"


def table(frame: pd.DataFrame, caption: str, rag_columns: tuple[str, ...] = ()) -> str:
    """An accessible table: a caption, header cells, no index, every cell escaped.

    RAG columns carry the band's word and a class for its colour (word as well as colour).
    """
    shown = frame.astype(object).where(frame.notna(), "")
    styler = (
        shown.style.hide(axis="index")
        .set_caption(html.escape(caption))
        .set_uuid(_slug(caption))
        .format(escape="html")
        .format_index(escape="html", axis=1)
    )
    if len(shown.columns) > 4:
        styler = styler.set_table_attributes('class="wide"')
    if rag_columns:
        classes = pd.DataFrame("", index=shown.index, columns=shown.columns)
        for column in rag_columns:
            classes[column] = shown[column].map(lambda v: f"rag rag-{_slug(str(v))}")
        styler = styler.set_td_classes(classes)
    return styler.to_html()


def load(year: int, root: Path | str | None = None) -> ReportData:
    """Read the processed outputs of stages 01-03 that the report is built from.

    Only tables without personal data are read (tables.read refuses the others).
    """
    config = settings.load(root)
    unsure = tables.read("unsure_pairs", year, root, personal=False)
    disagreements = tables.read("disagreements", year, root, personal=False)
    return ReportData(
        year=year,
        council=config.council,
        protocol=config.protocol,
        toolkit=config.toolkit,
        evaluation=tables.read("evaluation", year, root, personal=False),
        dq_summary=tables.read_dq_summary(year, root),
        coverage=tables.read("coverage", year, root, personal=False),
        unsure_pairs=len(unsure),
        disagreements=disagreements,
        changes=tables.read("changes", year, root, personal=False),
        column_map=tables.read("column_map", year, root, personal=False),
        caveats=tables.read("caveats", year, root, personal=False),
        has_previous_year=tables.exists("evaluation", year - 1, root),
        inputs=provenance.input_files(year, root),
        versions=provenance.package_versions(),
        commit=provenance.code_commit(),
        root=paths.resolve_root(root),
    )


def _total(evaluation: pd.DataFrame, column: str) -> float:
    return float(pd.to_numeric(evaluation[column], errors="coerce").sum())


def cost_totals(data: ReportData) -> dict[str, float]:
    """Cash, in-kind, officer time and full cost over all partnerships."""
    ev = data.evaluation
    return {
        "cash": _total(ev, "cash"),
        "in_kind": _total(ev, "in_kind"),
        "officer_time": _total(ev, "officer_time_cost"),
        "full_cost": _total(ev, "full_cost"),
        "external": _total(ev, "external_funding"),
        "missing_returns": int(ev["cost_missing_returns"].sum()),
    }


def _at_least(amount: float, missing: int) -> str:
    if missing:
        return f"at least {money(amount)} ({missing} returns left a figure blank)"
    return money(amount)


def summary(data: ReportData) -> HTML:
    """Section 1: how many partnerships, what they cost, key partnerships, findings, actions."""
    ev = data.evaluation
    totals = cost_totals(data)
    actions = ev["action"].value_counts()
    concern = ev[ev["overall_band"] == data.toolkit.band_labels["concern"]]
    high = ev[ev["risk_level"] == data.toolkit.risk_order[-1]]
    key = ev[ev["key_partnership"]]
    dq = data.dq_summary
    items = [
        f"The council is in <strong>{len(ev)}</strong> partnerships, reported in "
        f"{dq['valid']} accepted returns from senior officers ({dq['rows_in']} received, "
        f"{dq['quarantined']} set aside for data-quality reasons).",
        f"Their full annual cost to the council is "
        f"<strong>{_esc(_at_least(totals['full_cost'], totals['missing_returns']))}</strong>: "
        f"{money(totals['cash'])} cash, {money(totals['in_kind'])} in kind and "
        f"{money(totals['officer_time'])} of officer time.",
        f"<strong>{len(key)}</strong> are key partnerships (meeting at least "
        f"{data.toolkit.key_min_criteria} of the toolkit's criteria).",
        f"{len(concern)} partnerships have an overall principles score of concern; "
        f"{len(high)} are rated high risk by at least one officer.",
        "Recommended actions: "
        + ", ".join(f"{actions.get(a, 0)} {a}" for a in data.toolkit.action_order)
        + ".",
    ]
    return HTML("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")


def _counts(series: pd.Series, label: str, order: list[str] | None = None) -> pd.DataFrame:
    counts = series.fillna("Not answered").value_counts()
    index = [o for o in (order or []) if o in counts.index] + sorted(
        i for i in counts.index if i not in (order or [])
    )
    return pd.DataFrame({label: index, "Partnerships": [int(counts[i]) for i in index]})


def landscape(data: ReportData) -> HTML:
    """Section 2: partnerships by type, directorate, legal form, statutory basis, priority."""
    ev = data.evaluation

    def options(key: str) -> list[str]:
        return list(data.protocol.by_key(key).options)

    priorities = ev["priorities"].dropna().str.split("; ").explode()
    parts = [
        table(
            _counts(ev["partnership_type"], "Type", options("partnership_type")),
            "Partnerships by type",
        ),
        table(
            _counts(ev["directorate"], "Directorate", options("directorate")),
            "Partnerships by lead directorate",
        ),
        table(
            _counts(ev["legal_form"], "Legal form", options("legal_form")),
            "Partnerships by legal form",
        ),
        table(
            _counts(
                ev["statutory_requirement"], "Required by law?", options("statutory_requirement")
            ),
            "Partnerships by statutory basis",
        ),
        table(
            _counts(priorities, "Council Plan priority", options("priorities")),
            "Partnerships contributing to each Council Plan priority",
        ),
    ]
    return HTML("".join(parts))


def _percent(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.0%}"


def _score(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.2f}"


def key_partnerships(data: ReportData) -> HTML:
    """Section 3: the key partnerships with cost, role, governance, scores, risk, action."""
    key = data.evaluation[data.evaluation["key_partnership"]].sort_values(
        ["full_cost", "partnership_id"], ascending=[False, True]
    )
    shown = pd.DataFrame(
        {
            "ID": key["partnership_id"],
            "Partnership": key["name"],
            "Council role": key["council_role"],
            "Full annual cost": key["full_cost"].map(money),
            "Governance": key["governance_completeness"].map(_percent),
            "Principles": key["overall_band"],
            "Score": key["overall_score"].map(_score),
            "Risk": key["risk_level"],
            "Action": key["action"],
        }
    )
    criteria = "".join(f"<li>{_esc(c.label)}</li>" for c in data.toolkit.key_criteria)
    intro = (
        f"<p>{len(key)} partnerships meet at least {data.toolkit.key_min_criteria} of these "
        f"criteria, set in the toolkit:</p><ul>{criteria}</ul>"
    )
    return HTML(intro + table(shown, "Key partnerships", ("Principles",)))


def money_by(data: ReportData, column: str, label: str) -> pd.DataFrame:
    """Cash, in-kind and officer time summed by a registry column."""
    ev = data.evaluation.assign(group=data.evaluation[column].fillna("Not answered"))
    grouped = ev.groupby("group", sort=True).agg(
        partnerships=("partnership_id", "count"),
        cash=("cash", "sum"),
        in_kind=("in_kind", "sum"),
        officer_time=("officer_time_cost", "sum"),
        full_cost=("full_cost", "sum"),
    )
    return grouped.reset_index().rename(columns={"group": label})


def _money_table(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame.rename(
        columns={
            "partnerships": "Partnerships",
            "cash": "Cash",
            "in_kind": "In kind",
            "officer_time": "Officer time",
            "full_cost": "Full cost",
        }
    )
    for column in ("Cash", "In kind", "Officer time", "Full cost"):
        shown[column] = shown[column].map(money)
    return shown


def money_section(data: ReportData) -> HTML:
    """Section 4: cash, in-kind and officer time by directorate and priority; leverage."""
    totals = cost_totals(data)
    ev = data.evaluation
    top = ev.sort_values(["full_cost", "partnership_id"], ascending=[False, True]).head(10)
    leverage = totals["external"] / totals["full_cost"] if totals["full_cost"] else None
    intro = (
        f"<p>Officer time is costed at £{data.toolkit.officer_hourly_cost:.2f} an hour, "
        f"{data.toolkit.months_per_year} months a "
        f"year. Partnerships report {money(totals['external'])} a year of external funding "
        f"for the county: {'n/a' if leverage is None else f'£{leverage:.2f}'} for every £1 "
        "the council puts in.</p>"
    )
    by_priority = ev.assign(
        priority=ev["priorities"].fillna("Not answered").str.split("; ")
    ).explode("priority")
    priority = (
        by_priority.groupby("priority", sort=True)
        .agg(
            partnerships=("partnership_id", "count"),
            cash=("cash", "sum"),
            in_kind=("in_kind", "sum"),
            officer_time=("officer_time_cost", "sum"),
            full_cost=("full_cost", "sum"),
        )
        .reset_index()
        .rename(columns={"priority": "Council Plan priority"})
    )
    top_table = pd.DataFrame(
        {
            "ID": top["partnership_id"],
            "Partnership": top["name"],
            "Cash": top["cash"].map(money),
            "In kind": top["in_kind"].map(money),
            "Officer time": top["officer_time_cost"].map(money),
            "Full cost": top["full_cost"].map(money),
            "External funding": top["external_funding"].map(money),
            "Leverage": top["leverage"].map(lambda v: "n/a" if pd.isna(v) else f"{v:.2f}"),
        }
    )
    return HTML(
        intro
        + table(
            _money_table(money_by(data, "directorate", "Directorate")),
            "Cost to the council by lead directorate",
        )
        + table(
            _money_table(priority),
            "Cost by Council Plan priority (a partnership counts under each it serves)",
        )
        + table(top_table, "The ten partnerships that cost the council most")
    )


def principle_summary(data: ReportData) -> pd.DataFrame:
    """Per principle: mean of partnership scores and how many partnerships fall in each band."""
    labels = data.toolkit.band_labels
    rows = []
    for code, name in data.toolkit.principles.items():
        scores = pd.to_numeric(data.evaluation[f"{code}_score"], errors="coerce")
        bands = data.evaluation[f"{code}_band"].value_counts()
        rows.append(
            {
                "Principle": f"{code} {name}",
                "Mean score": _score(scores.mean()),
                labels["strength"]: int(bands.get(labels["strength"], 0)),
                labels["borderline"]: int(bands.get(labels["borderline"], 0)),
                labels["concern"]: int(bands.get(labels["concern"], 0)),
                labels["none"]: int(bands.get(labels["none"], 0)),
            }
        )
    return pd.DataFrame(rows)


def evaluation_section(data: ReportData) -> HTML:
    """Section 5: principle bands and the partnerships of concern, with the reason."""
    kit = data.toolkit
    attention = [name for name, action in kit.actions.items() if action.attention]
    concern = data.evaluation[data.evaluation["action"].isin(attention)].sort_values(
        "partnership_id"
    )
    shown = pd.DataFrame(
        {
            "ID": concern["partnership_id"],
            "Partnership": concern["name"],
            "Principles band": concern["overall_band"],
            "Governance band": concern["governance_band"],
            "Risk": concern["risk_level"],
            "Recommendation": concern["action"],
            "Why": concern["action_reason"],
        }
    )
    intro = (
        f"<p>Scores are the mean of officers' agreement (1 to 5) with two statements per "
        f"principle. Bands: {kit.band_labels['strength']} from {kit.strength_from:g}, "
        f"{kit.band_labels['borderline']} from {kit.borderline_from:g}, "
        f"{kit.band_labels['concern']} below; fewer than {kit.min_answers} answers is "
        f"“{kit.band_labels['none']}”.</p>"
    )
    return HTML(
        intro
        + table(principle_summary(data), "Partnerships in each band, by principle")
        + table(
            shown,
            "Partnerships recommended for "
            + " or ".join(kit.actions[a].label.lower() for a in attention),
            ("Principles band", "Governance band"),
        )
    )


def governance_section(data: ReportData) -> HTML:
    """Section 6: missing governance items, and the high-risk partnerships."""
    ev = data.evaluation
    q = data.protocol.by_key
    kit = data.toolkit
    rows = [
        {
            "Checklist item": q(key).text,
            "Partnerships not evidencing it": int((ev[key] != kit.evidenced_answer).sum()),
        }
        for key in kit.governance_yes_items
    ]
    rows.append(
        {
            "Checklist item": "Reports to a council committee or board",
            "Partnerships not evidencing it": int(ev[kit.governance_reporting_line].isna().sum()),
        }
    )
    rows.append(
        {
            "Checklist item": f"Reviewed in the last {kit.review_period_months} months",
            "Partnerships not evidencing it": int(
                ev["governance_missing"]
                .fillna("")
                .str.contains(re.escape(q(kit.governance_last_review).text))
                .sum()
            ),
        }
    )
    high = ev[ev["risk_level"] == kit.risk_order[-1]].sort_values("partnership_id")
    risks = pd.DataFrame(
        {
            "ID": high["partnership_id"],
            "Partnership": high["name"],
            "Governance complete": high["governance_completeness"].map(_percent),
            "Governance band": high["governance_band"],
            "Missing": high["governance_missing"],
        }
    )
    return HTML(
        table(pd.DataFrame(rows), "Governance checklist: partnerships missing each item")
        + table(risks, "High-risk partnerships and their governance", ("Governance band",))
    )


def equality_section(data: ReportData) -> HTML:
    """Section 7: equality impact assessments and the equality score's bands."""
    ev = data.evaluation
    assessment = data.toolkit.impact_assessment_question
    eia = _counts(
        ev[assessment],
        "Equality impact assessment completed?",
        list(data.protocol.by_key(assessment).options),
    )
    bands = _counts(
        ev["equality_band"],
        "Equality score band",
        [data.toolkit.band_labels[k] for k in ("strength", "borderline", "concern", "none")],
    )
    return HTML(
        table(eia, "Equality impact assessments")
        + table(
            bands,
            "Partnerships by equality, diversity and inclusion score",
            ("Equality score band",),
        )
    )


def changes_section(data: ReportData) -> HTML:
    """Section 8: new, ended and materially changed partnerships since last year."""
    if not data.has_previous_year:
        return HTML(
            f"<p>There is no registry for {data.year - 1}, so this is the registry's first "
            f"year: all {len(data.evaluation)} partnerships are recorded as new, with IDs "
            "that later years will keep.</p>"
        )
    changes = data.changes
    counts = changes["change"].value_counts()
    shown = pd.DataFrame(
        {
            "ID": changes["partnership_id"],
            "Partnership": changes["name"],
            "Change": changes["change"],
            "What changed": changes["what_changed"],
        }
    )
    return HTML(
        f"<p>Since {data.year - 1}: {counts.get('new', 0)} new partnerships, "
        f"{counts.get('ended', 0)} ended and {counts.get('changed', 0)} materially changed "
        f"(a new recommendation, principles band or risk, or full cost moving by "
        f"{data.toolkit.material_cost_change:.0%} or more).</p>"
        + table(shown, "Partnerships new, ended or materially changed since last year")
    )


def data_quality(data: ReportData) -> HTML:
    """Section 9: returns received, quarantined and why, warnings, coverage by directorate."""
    dq = data.dq_summary
    rules = data.protocol.rules
    quarantined = pd.DataFrame(dq["quarantined_by_rule"], columns=["rule", "rows"])
    quarantined = pd.DataFrame(
        {
            "Reason": quarantined["rule"].map(lambda r: rules[r].description),
            "Returns": quarantined["rows"],
        }
    )
    flagged = pd.DataFrame(dq["warnings_by_rule"], columns=["rule", "column", "rows"])
    warnings = pd.DataFrame(
        {
            "Warning": flagged["rule"].map(lambda r: rules[r].description),
            "Question": flagged["column"],
            "Returns kept": flagged["rows"],
        }
    )
    disagreed = data.disagreements
    docs = paths.data_docs_dir(data.year, data.root) / "index.html"
    relative = "data_docs/index.html"
    intro = (
        f"<p>{dq['rows_in']} returns were received: {dq['valid']} accepted and "
        f"{dq['quarantined']} quarantined (rows in = accepted + quarantined); "
        f"{dq['rows_with_warnings']} accepted returns carry a warning. "
        f"{data.unsure_pairs} pairs of partnership names were close but not certain "
        f"matches. In {disagreed['partnership_id'].nunique()} partnerships, officers "
        f"reporting the same partnership gave different answers to at least one question "
        f"({len(disagreed)} such answers in all; the registry takes the rule's answer): both "
        "lists are in the processed folder for the analyst.</p>"
        f"<p>The full Great Expectations record (Data Docs) is kept beside this report for "
        f'auditors: <a href="{relative}">{relative}</a> '
        f"({_esc(docs.relative_to(data.root))}).</p>"
    )
    missing = missing_questions(data.column_map, data.protocol).rename(
        columns={"question_id": "Question", "question": "Wording"}
    )
    unread = unmapped_columns(data.column_map).rename(
        columns={"source_file": "File", "column": "Column", "header": "Header"}
    )
    columns_note = (
        "<p>Every question of the protocol was found in the exports, and every column was read.</p>"
        if missing.empty and unread.empty
        else table(missing, "Questions not found in any export (their answers are blank)")
        + table(unread, "Export columns that matched no question (not read)")
    )
    return HTML(
        intro
        + columns_note
        + table(quarantined, "Returns quarantined, by reason (a return can have several)")
        + table(warnings, "Warnings: returns kept but flagged")
        + table(
            data.caveats.rename(
                columns={"question_id": "Question", "question": "Wording", "returns": "Returns"}
            ),
            "Values read with a caveat (approximate amounts, other answers)",
        )
        + table(coverage_table(data.coverage), "Response coverage by directorate")
    )


def coverage_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """Response coverage as members read it: whole percentages."""
    return pd.DataFrame(
        {
            "Directorate": coverage["directorate"],
            "Senior officers": coverage["senior_officers"],
            "Officers who responded": coverage["officers_responding"],
            "Coverage": coverage["coverage"].map(_percent),
            "Anonymous returns": coverage["anonymous_returns"],
        }
    )


def method(data: ReportData, parameters: dict[str, Any]) -> HTML:
    """Section 10: the toolkit numbers in force, parameters, inputs, versions and commit."""
    params = pd.DataFrame(
        [{"Parameter": k, "Value": "" if v is None else str(v)} for k, v in parameters.items()]
    )
    return HTML(
        "<p>Every number in this report is produced by the pipeline from the survey exports "
        "and the configuration files listed below; the executed notebooks beside this report "
        "show each step. Rerunning with the same inputs gives the same report.</p>"
        + table(data.toolkit.settings_table(), "Toolkit settings in force (config/toolkit.yaml)")
        + table(params, "Run parameters")
        + table(data.inputs, "Input files and their SHA-256")
        + table(data.versions, "Software versions")
        + f"<p>Code commit: <code>{_esc(data.commit)}</code>. "
        f"Protocol version {data.protocol.version}, toolkit version {data.toolkit.version}.</p>"
    )


def appendix(data: ReportData) -> HTML:
    """Appendix: every partnership in the registry, with its cost, bands and action."""
    ev = data.evaluation.sort_values("partnership_id")
    shown = pd.DataFrame(
        {
            "ID": ev["partnership_id"],
            "Partnership": ev["name"],
            "Lead directorate": ev["directorate"],
            "Full annual cost": ev["full_cost"].map(money),
            "Principles": ev["overall_band"],
            "Governance": ev["governance_band"],
            "Risk": ev["risk_level"],
            "Key": ev["key_partnership"].map({True: "Yes", False: "No"}),
            "Action": ev["action"],
        }
    )
    return HTML(table(shown, "The registry of partnerships", ("Principles", "Governance")))
