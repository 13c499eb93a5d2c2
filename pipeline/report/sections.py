"""Annual report sections: read the processed tables once, then render each section.

``load`` reads what the report shows; each section function takes the numbers from
metrics.py and renders its template under pipeline/templates/report/ (where all the
wording is). Templates escape every value, so officer-typed text is shown as text. No
names or emails reach the report: it reads the evaluation, counts and the data-quality
summary only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from pipeline import data_docs, lineage, paths, provenance, registry, settings, tables
from pipeline.council import Council
from pipeline.ingest import asked_questions, missing_questions, unmapped_columns
from pipeline.protocol import Protocol
from pipeline.report import formats, metrics, outline
from pipeline.report.render import render, table
from pipeline.toolkit import Toolkit, explain

__all__ = ["ReportData", "ActionLabels", "load", "table"]


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read once from the processed folder."""

    year: int
    council_name: str
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
    data_docs_page: Path  # checked by load: 02_validate's page, with no personal data (D26)
    # Every year's full cost and overall score by partnership (metrics.partnership_history),
    # read by load; None: this year's evaluation alone.
    history: pd.DataFrame | None = None

    def years(self) -> pd.DataFrame:
        """The partnerships' history up to this year (this year alone when none was read)."""
        if self.history is not None:
            return self.history
        return metrics.partnership_history({self.year: self.evaluation})

    @property
    def closing_date(self) -> dt.date:
        """The survey's closing date: governance reviews count back from it."""
        return dt.date.fromisoformat(self.dq_summary["closing_date"])


class ActionLabels(dict[str, str]):
    """Action name -> its label in toolkit.yaml; an action the toolkit does not list reads
    as its name."""

    def __missing__(self, key: str) -> str:
        return key

    @classmethod
    def of(cls, kit: Toolkit) -> ActionLabels:
        return cls({name: action.label for name, action in kit.actions.items()})


def load(
    year: int,
    root: Path | str | None = None,
    config: settings.Settings | None = None,
    *,
    council_name: str | None = None,
) -> ReportData:
    """Read the processed outputs of stages 01-03 that the report is built from.

    Only tables without personal data are read (tables.read refuses the others).
    ``council_name`` overrides the name in council.yaml.
    """
    config = config or settings.load(root)
    evaluation = tables.read("evaluation", year, root, personal=False)
    return ReportData(
        year=year,
        council_name=council_name or config.council.council_name,
        council=config.council,
        protocol=config.protocol,
        toolkit=config.toolkit,
        evaluation=evaluation,
        dq_summary=tables.read_dq_summary(year, root),
        coverage=tables.read("coverage", year, root, personal=False),
        unsure_pairs=registry.pairs_awaiting_decision(
            tables.read("unsure_pairs", year, root, personal=False)
        ),
        disagreements=tables.read("disagreements", year, root, personal=False),
        changes=tables.read("changes", year, root, personal=False),
        column_map=tables.read("column_map", year, root, personal=False),
        caveats=tables.read("caveats", year, root, personal=False),
        has_previous_year=tables.exists("evaluation", year - 1, root),
        inputs=provenance.input_files(year, root),
        versions=provenance.package_versions(),
        commit=provenance.code_commit(),
        root=paths.resolve_root(root),
        data_docs_page=data_docs.read_linkable_page(year, root),
        history=read_history(year, evaluation, root),
    )


def read_history(
    year: int, evaluation: pd.DataFrame, root: Path | str | None = None
) -> pd.DataFrame:
    """Every partnership's full cost and overall score in each year up to ``year``: the
    evaluation tables of the earlier years present under ``root`` (linked into a run's
    staged root), then this year's ``evaluation``. A year without an evaluation is skipped.
    The report reads the evaluation tables, never the database, so the two agree."""
    earlier = [y for y in lineage.earlier_years(year, root) if tables.exists("evaluation", y, root)]
    evaluations = {y: tables.read("evaluation", y, root, personal=False) for y in earlier}
    return metrics.partnership_history({**evaluations, year: evaluation})


def _options(data: ReportData, key: str) -> list[str]:
    return list(data.protocol.by_key(key).options)


def attention_words(kit: Toolkit) -> str:
    """The attention actions as Appendix B's title words them: "review or exit"."""
    labels = [kit.actions[name].label.lower() for name in metrics.attention_actions(kit)]
    return " or ".join(labels) if labels else "attention"


def _heading(data: ReportData, anchor: str) -> str:
    return render(
        "heading.html.j2",
        section=outline.section(anchor),
        attention=attention_words(data.toolkit),
    )


def heading(data: ReportData, anchor: str) -> HTML:
    """A section's heading, numbered as the outline numbers it, with its introduction."""
    return HTML(_heading(data, anchor))


def title(data: ReportData) -> HTML:
    """The paper's first lines: the council, the title (the one h1) and the committee
    heading block: report to, meeting date, report of, contact, Part I or II, corporate
    priorities, electoral divisions (config/council.yaml ``committee``, decision D28)."""
    committee = data.council.committee
    return HTML(
        render(
            "title.html.j2",
            council_name=data.council_name,
            year=data.year,
            committee=committee,
            meeting_date=committee.meeting_date(data.year),
            closing_date=data.closing_date,
        )
    )


def contents(data: ReportData) -> HTML:
    """The contents list: every section of the outline (its h3 parts under it) and every
    partnership profile under its appendix, each a link to the heading."""
    attention = attention_words(data.toolkit)
    entries: list[dict[str, Any]] = []
    for section in outline.OUTLINE:
        if section.anchor == "contents":
            continue
        entry = {"anchor": section.anchor, "text": section.text(attention), "level": section.level}
        if section.level == 2:
            entries.append({**entry, "children": []})
        else:
            entries[-1]["children"].append({**entry, "children": []})
    # profiles.py builds on this module (ReportData), so it is imported here, not above.
    from pipeline.report import profiles

    by_anchor = {entry["anchor"]: entry for entry in entries}
    for letter, anchor, text in profiles.profiled(data):
        appendix = by_anchor[f"appendix-{letter.lower()}"]
        appendix["children"].append({"anchor": anchor, "text": text, "level": 3, "children": []})
    return HTML(_heading(data, "contents") + "\n" + render("contents.html.j2", entries=entries))


def summary(data: ReportData) -> HTML:
    """Section 1: how many partnerships, what they cost, key partnerships, findings, actions."""
    ev, kit = data.evaluation, data.toolkit
    return HTML(
        render(
            "summary.html.j2",
            kit=kit,
            committee=data.council.committee,
            year=data.year,
            attention=attention_words(kit),
            dq=data.dq_summary,
            partnerships=len(ev),
            totals=metrics.cost_totals(ev),
            key=len(metrics.key_partnerships(ev)),
            concern=metrics.concern_count(ev, kit),
            officers_disagree=metrics.officers_disagree_count(ev),
            high_risk=len(metrics.high_risk(ev, kit)),
            money_held=metrics.money_held_counts(ev, kit),
            uncontrolled=len(metrics.uncontrolled_risks(ev)),
            control_gaps=metrics.control_gaps(kit),
            actions=metrics.records(metrics.action_counts(ev, kit)),
            vfm_judgements=metrics.records(metrics.vfm_judgements(ev, kit)),
            action_label=ActionLabels.of(kit),
        )
    )


def recommendations(data: ReportData) -> HTML:
    """Section 2: what the committee is asked to note and to agree, with the counts that
    make each recommendation, and the reasons."""
    ev, kit = data.evaluation, data.toolkit
    actions = metrics.action_counts(ev, kit).set_index("action")["partnerships"]
    return HTML(
        render(
            "recommendations.html.j2",
            committee=data.council.committee,
            partnerships=len(ev),
            totals=metrics.cost_totals(ev),
            key=len(metrics.key_partnerships(ev)),
            attention=metrics.records(metrics.attention_counts(ev, kit)),
            uncontrolled=len(metrics.uncontrolled_risks(ev)),
            high_levels=" or ".join(kit.risk.uncontrolled.levels).lower(),
            develop=int(actions.get("develop", 0)),
            keep=int(actions.get("continue", 0)),
        )
    )


def background(data: ReportData) -> HTML:
    """Section 3: why the council reviews its partnerships and how the evidence was gathered."""
    return HTML(
        render(
            "background.html.j2",
            committee=data.council.committee,
            year=data.year,
            closing_date=data.closing_date,
            senior_officers=sum(data.council.directorates.values()),
            directorates=len(data.council.directorates),
            dq=data.dq_summary,
            principles=len(data.toolkit.principles),
            headings=len(data.toolkit.governance.headings),
            has_previous_year=data.has_previous_year,
        )
    )


def implications(data: ReportData) -> HTML:
    """Section 5: legal (statutory partnerships, legal forms), financial (the council's
    cost, money it holds for others), equality and diversity, and risk management
    (uncontrolled risks)."""
    ev, kit, protocol = data.evaluation, data.toolkit, data.protocol
    statutory = metrics.statutory_partnerships(ev)
    attention = metrics.for_attention(ev, kit)
    eia = kit.impact_assessment_question
    key = metrics.key_partnerships(ev)
    return HTML(
        render(
            "implications.html.j2",
            kit=kit,
            headings={
                anchor: Markup(_heading(data, anchor))  # rendered, so escaped already
                for anchor in ("legal", "financial", "equality-implications", "risk-management")
            },
            partnerships=len(ev),
            statutory=statutory,
            statutory_without_agreement=metrics.without_signed_agreement(statutory),
            legal_forms=metrics.records(
                metrics.counts_by(ev["legal_form"], list(protocol.by_key("legal_form").options))
            ),
            totals=metrics.cost_totals(ev),
            money_held=metrics.money_held_counts(ev, kit),
            attention=attention_words(kit),
            attention_count=len(attention),
            attention_totals=metrics.cost_totals(attention),
            eia_answers=metrics.records(
                metrics.counts_by(ev[eia], list(protocol.by_key(eia).options))
            ),
            key_eia_no=metrics.answered(key, eia, "No"),
            equality_concern=int(ev["equality_band"].map(kit.band_meanings()).eq("concern").sum()),
            high_risk=len(metrics.high_risk(ev, kit)),
            highest_level=kit.risk_order[-1],
            high_levels=" or ".join(kit.risk.uncontrolled.levels).lower(),
            control_gaps=metrics.control_gaps(kit),
            uncontrolled=metrics.uncontrolled_risks(ev),
        )
    )


def background_papers(data: ReportData) -> HTML:
    """Background papers: what the report relied on that is not published with it."""
    committee = data.council.committee
    papers = pd.DataFrame(
        [paper.model_dump() for paper in committee.background_papers], columns=["title", "held_by"]
    )
    return HTML(render("background_papers.html.j2", papers=papers, contact=committee.contact))


def landscape(data: ReportData) -> HTML:
    """Section 4.1: partnerships by type, directorate, legal form, statutory basis, priority."""
    ev = data.evaluation
    by_year = metrics.landscape_by_year(data.years())

    def counts(key: str) -> pd.DataFrame:
        return metrics.counts_by(ev[key], _options(data, key))

    return HTML(
        render(
            "landscape.html.j2",
            by_type=counts("partnership_type"),
            by_directorate=counts("directorate"),
            by_legal_form=counts("legal_form"),
            by_statutory=counts("statutory_requirement"),
            by_priority=metrics.counts_by(
                metrics.split_multi(ev["priorities"]), _options(data, "priorities")
            ),
            by_year=by_year,
            years=metrics.records(by_year),
            year=data.year,
        )
    )


def key_partnerships(data: ReportData) -> HTML:
    """Section 4.2: the key partnerships with the criteria each met, cost, role, governance,
    scores, risk and action; how many partnerships meet each criterion."""
    return HTML(
        render(
            "key_partnerships.html.j2",
            kit=data.toolkit,
            key=metrics.key_partnerships(data.evaluation),
            criteria=metrics.key_criteria_counts(data.evaluation, data.toolkit),
            action_label=ActionLabels.of(data.toolkit),
        )
    )


def money_section(data: ReportData) -> HTML:
    """Section 4.3: cash, in-kind and officer time by directorate and priority; leverage;
    value for money counted, and heading by heading for the key partnerships."""
    ev = data.evaluation
    totals = metrics.cost_totals(ev)
    return HTML(
        render(
            "money.html.j2",
            kit=data.toolkit,
            totals=totals,
            leverage=metrics.leverage(totals),
            by_directorate=metrics.money_by(ev, "directorate", _options(data, "directorate")),
            by_priority=metrics.money_by(
                ev, "priorities", _options(data, "priorities"), multi=True
            ),
            top=metrics.top_cost(ev),
            vfm=data.toolkit.value_for_money,
            vfm_judgements=metrics.vfm_judgements(ev, data.toolkit),
            vfm_headings=metrics.vfm_headings(ev, data.toolkit),
            vfm_key=metrics.key_partnerships(ev),
        )
    )


def money_held(data: ReportData) -> HTML:
    """Section 4.3, continued: pooled budgets and funds the council is the accountable body
    for, counted and listed; the shared services with partners, governance and cost."""
    ev, kit = data.evaluation, data.toolkit
    held = kit.money_held
    pooled = metrics.held_for_others(ev, kit, held.pooled_budget)
    accountable = metrics.held_for_others(ev, kit, held.accountable_body)
    shared = metrics.shared_services(ev, kit)
    return HTML(
        render(
            "money_held.html.j2",
            kit=kit,
            questions={key: data.protocol.by_key(key).text for key in held.questions},
            answers=metrics.money_held_answers(ev, kit, data.protocol),
            pooled=pooled,
            accountable=accountable,
            both=len(set(pooled["partnership_id"]) & set(accountable["partnership_id"])),
            shared=shared,
            shared_totals=metrics.cost_totals(shared),
        )
    )


def evaluation_section(data: ReportData) -> HTML:
    """Section 4.4: principle bands and the partnerships for members' attention, with why."""
    kit = data.toolkit
    per_principle = [len(keys) for keys in data.protocol.principles.values()] or [0]
    return HTML(
        render(
            "evaluation.html.j2",
            kit=kit,
            statements=(min(per_principle), max(per_principle)),  # fewest, most per principle
            principles=metrics.principle_summary(data.evaluation, kit),
            disagreements=metrics.principle_disagreements(data.evaluation, kit),
            attention=metrics.for_attention(data.evaluation, kit),
            attention_labels=[kit.actions[a].label for a in metrics.attention_actions(kit)],
            action_label=ActionLabels.of(kit),
        )
    )


def governance_section(data: ReportData) -> HTML:
    """Section 4.5: governance by heading, what is missing, uncontrolled and main risks."""
    kit, ev = data.toolkit, data.evaluation
    asked = asked_questions(data.column_map, data.protocol)
    return HTML(
        render(
            "governance.html.j2",
            kit=kit,
            by_heading=metrics.governance_by_heading(ev, kit),
            not_asked=metrics.not_asked_items(kit, data.protocol, asked),
            gaps=metrics.governance_gaps(ev, kit),
            uncontrolled=metrics.uncontrolled_risks(ev),
            control_gaps=metrics.control_gaps(kit),
            main_risks=metrics.main_risks(ev, kit),
        )
    )


def equality_section(data: ReportData) -> HTML:
    """Section 4.6: equality impact assessments and the equality score's bands."""
    return HTML(
        render(
            "equality.html.j2",
            kit=data.toolkit,
            statement=data.protocol.by_key(data.toolkit.equality_question).text,
            assessments=metrics.impact_assessments(data.evaluation, data.toolkit, data.protocol),
            bands=metrics.equality_bands(data.evaluation, data.toolkit),
        )
    )


def changes_section(data: ReportData) -> HTML:
    """Section 4.7: new, ended and materially changed partnerships since last year."""
    return HTML(
        render(
            "changes.html.j2",
            kit=data.toolkit,
            year=data.year,
            partnerships=len(data.evaluation),
            has_previous_year=data.has_previous_year,
            counts=metrics.change_counts(data.changes),
            changes=data.changes,
        )
    )


def data_quality(data: ReportData) -> HTML:
    """Section 4.8: returns received, quarantined and why, warnings, coverage by directorate.

    Links to the Data Docs page (no personal data, D26) relative to the report's folder.
    """
    report_folder = paths.report_html(data.year, data.root).parent
    return HTML(
        render(
            "data_quality.html.j2",
            dq=data.dq_summary,
            unsure_pairs=data.unsure_pairs,
            disagreements=metrics.disagreement_counts(data.disagreements),
            docs_link=data.data_docs_page.relative_to(report_folder).as_posix(),
            docs_path=data.data_docs_page.relative_to(data.root).as_posix(),
            missing_questions=missing_questions(data.column_map, data.protocol),
            unread_columns=unmapped_columns(data.column_map),
            rule_description={name: rule.description for name, rule in data.protocol.rules.items()},
            quarantined=metrics.quarantined_by_rule(data.dq_summary),
            warnings=metrics.warnings_by_rule(data.dq_summary),
            caveats=data.caveats,
            coverage=data.coverage,
        )
    )


def method(data: ReportData) -> HTML:
    """The method: the toolkit's method with every number in force (as docs/toolkit.md),
    then the run's parameters, inputs, versions and commit."""
    parameters = pd.DataFrame(
        {"parameter": ["year", "council_name"], "value": [str(data.year), data.council_name]}
    )
    return HTML(
        render(
            "method.html.j2",
            kit=data.toolkit,
            method=explain.explain(data.toolkit, data.protocol),
            parameters=parameters,
            inputs=data.inputs,
            hash_digits=formats.HASH_DIGITS,
            manifest=paths.manifest_file(data.year, data.root).relative_to(data.root).as_posix(),
            versions=data.versions,
            commit=data.commit,
            protocol_version=data.protocol.version,
        )
    )


def value_for_money_appendix(data: ReportData) -> HTML:
    """Appendix: every partnership's value for money, heading by heading, with the rule."""
    return HTML(
        render(
            "value_for_money_appendix.html.j2",
            partnerships=metrics.by_vfm_judgement(data.evaluation, data.toolkit),
        )
    )


def governance_appendix(data: ReportData) -> HTML:
    """Appendix: every partnership's governance heading by heading, with its band and
    uncontrolled risk flag, then what each is missing in plain words."""
    partnerships = metrics.governance_appendix(data.evaluation, data.toolkit)
    return HTML(
        render(
            "appendix_governance.html.j2",
            kit=data.toolkit,
            partnerships=metrics.records(partnerships),
            control_gaps=metrics.control_gaps(data.toolkit),
        )
    )


def appendix(data: ReportData) -> HTML:
    """Appendix: every partnership in the registry, with its cost, bands and action."""
    return HTML(
        render(
            "appendix.html.j2",
            registry=data.evaluation.sort_values("partnership_id"),
            action_label=ActionLabels.of(data.toolkit),
        )
    )
