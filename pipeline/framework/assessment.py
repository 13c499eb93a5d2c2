"""The value-for-money Partnership Assessment: one partnership's form, and scoring it (D36).

The form asks an officer, once each, every question the toolkit's scoring reads, in the
toolkit's own parts (value for money under the NAO's four headings, governance by heading,
the principles, risk), each part saying in the toolkit's words (``explain``) which measures
its answers feed and their bands. ``assess`` reads a filled-in copy (Word, or its
spreadsheet or CSV row) with ingest's value rules and the protocol's validation rules, then
scores it with the toolkit's own code as a partnership with one officer's return.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipeline import ingest, registry, tables, validate
from pipeline.errors import PipelineError
from pipeline.framework import files, forms
from pipeline.protocol import Protocol, Question
from pipeline.toolkit import evaluate_partnerships, explain
from pipeline.toolkit.model import Toolkit
from pipeline.toolkit.value_model import HEADINGS

if TYPE_CHECKING:  # the package imports this module to list its writer
    from pipeline.framework import Sources

TITLE = "Value-for-money Partnership Assessment"
STEM = "assessment_form"
# The assessed partnership's ID in its one-return registry (never a registry ID's shape).
ASSESSED = "assessed"
# Questions the scoring reads by key (registry.consolidate_returns and
# toolkit.evaluate_partnerships name them so): the partnership's facts, its costs, its
# priorities and the officer's recommendation (officer_exit_share).
_FACTS = ("partnership_name", "partners", "partnership_type", "legal_form")
_ROLE = "council_role"
_COSTS = ("cash", "in_kind", "officer_hours")
_FUNDING = "external_funding"
_PRIORITIES = "priorities"
_RISK_LEVEL = "risk_level"
_RECOMMENDATION = "officer_recommendation"


@dataclass(frozen=True)
class Part:
    """One part of the form: its heading (level 2, or 3 under the part above), what its
    answers feed in the toolkit's words, and its questions by key."""

    title: str
    level: int
    feeds: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True)
class LaidOut:
    """A part as printed: the fields first asked here, and those asked in an earlier part."""

    part: Part
    fields: tuple[forms.Field, ...]
    asked_before: tuple[str, ...]


# --- the form -----------------------------------------------------------------------------


def _explained(kit: Toolkit, protocol: Protocol) -> dict[str, explain.Part]:
    return {part.title: part for part in explain.explain(kit, protocol)}


def _said(part: explain.Part, start: str) -> str:
    """The paragraph of the toolkit's method that starts with these words."""
    return next(p for p in part.paragraphs if p.startswith(start))


def _table(part: explain.Part, caption: str) -> explain.Table:
    return next(t for t in part.tables if t.caption.startswith(caption))


def _bands(table: explain.Table) -> str:
    """A table of bands (band, means, score range) in one line."""
    return "; ".join(f"{row[0]} {row[2]}" for row in table.rows)


def _rules(table: explain.Table, verb: str) -> tuple[str, ...]:
    """Rules in order (rule, when, outcome, reason), one line each."""
    return tuple(f"Rule {row[0]}: when {row[1]}, {verb} {row[2]} ({row[3]})." for row in table.rows)


def _measures(kit: Toolkit, *keys: str) -> tuple[str, ...]:
    said = {m.measure: m for m in kit.value_for_money.describe()}
    return tuple(f"{said[k].name}: {said[k].description} {said[k].formula}." for k in keys)


def form_parts(protocol: Protocol, kit: Toolkit) -> list[Part]:
    """The form's parts in the toolkit's structure, each with the measures it feeds."""
    told = _explained(kit, protocol)
    vfm = kit.value_for_money
    statutory = protocol.question(protocol.statutory_condition_question).key
    basis = protocol.question(protocol.statutory_question).key
    instrument, governance = told["The principles instrument"], told["Governance by heading"]
    heading_band = next(m for m in vfm.describe() if m.measure == "heading")
    key_table = _table(told["Key partnerships"], "Key-partnership criteria")
    parts = [
        Part(
            "The partnership",
            2,
            (
                "Who and what the partnership is. Its type is what the economy measure "
                "compares its cost with; whether the law requires it and the council's role "
                "are key-partnership criteria and facts of the recommendation rules.",
            ),
            (*_FACTS, statutory, basis, _ROLE),
        ),
        Part(
            "Value for money",
            2,
            (
                *told["Value for money"].paragraphs,
                f"{heading_band.name}: {heading_band.description} {heading_band.formula}.",
                *_rules(_table(told["Value for money"], "Value-for-money judgement"), "judged"),
            ),
            (),
        ),
        Part(
            "Economy",
            3,
            (*told["Finance"].paragraphs[:2], *_measures(kit, "cost_for_type")),
            _COSTS,
        ),
        Part(
            "Efficiency",
            3,
            (told["Finance"].paragraphs[2], *_measures(kit, "leverage", "cost_per_priority")),
            (_FUNDING, _PRIORITIES),
        ),
        Part(
            "Effectiveness",
            3,
            _measures(kit, "outcome_evidence", "achievements", "monitoring", "objectives"),
            (
                vfm.effectiveness.outcome_evidence.question,
                vfm.effectiveness.achievements.question,
                *protocol.principles.get(vfm.effectiveness.monitoring.principle, []),
                *vfm.effectiveness.objectives.statements,
            ),
        ),
        Part(
            "Equity",
            3,
            (
                *_measures(kit, "impact_assessment", "equality_statement"),
                _said(told["Equality"], "Equality score"),
                f"Equality bands: {_bands(_table(told['Equality'], 'Equality bands'))}.",
            ),
            (vfm.equity.impact_assessment.question, kit.equality_question),
        ),
        Part(
            "Governance by heading",
            2,
            (
                _said(governance, "Heading completeness"),
                _said(governance, "Governance band"),
                "A review date is counted back from the date the assessment is judged at "
                "(`--as-of`, by default the survey's closing date).",
            ),
            (),
        ),
    ]
    items = _table(governance, "Governance evidence items").rows
    for heading in kit.governance.headings.values():
        parts.append(
            Part(
                heading.name,
                3,
                tuple(
                    f'{row[1]}: evidence when {row[2]}; otherwise shown as "{row[3]}", or '
                    f'when not answered "{row[4]}".'
                    for row in items
                    if row[0] == heading.name
                ),
                tuple(item.question for item in heading.items),
            )
        )
    parts.append(
        Part(
            "The principles of partnership working",
            2,
            (
                _said(instrument, "Domain score"),
                _said(instrument, "Overall score"),
                f"Domain bands: {_bands(_table(instrument, 'Domain bands'))}.",
                f"Overall bands: {_bands(_table(instrument, 'Overall bands'))}.",
                "With one officer's answers there is no spread between officers.",
            ),
            (),
        )
    )
    for code, domain in kit.instrument.domains.items():
        parts.append(
            Part(
                f"{code} {domain.name}",
                3,
                (f"Statements scored for {code} (weight {domain.weight:g}).",),
                tuple(protocol.principles.get(code, [])),
            )
        )
    parts += [
        Part(
            "Risk and uncontrolled risk",
            2,
            told["Risk and uncontrolled risk"].paragraphs,
            (_RISK_LEVEL, kit.risk.main_risks, *kit.risk.uncontrolled.controls),
        ),
        Part(
            "Key partnership and the recommended action",
            2,
            (
                *told["Key partnerships"].paragraphs[:1],
                *(f"{row[0]}: {row[1]} ({row[2]})." for row in key_table.rows),
                *told["Recommended action"].paragraphs,
                *_rules(_table(told["Recommended action"], "Recommendation rules"), "action"),
                f"Your recommendation counts as the share of officers recommending exit "
                f"({kit.exit_answer}: 1, else 0).",
            ),
            (_PRIORITIES, _RECOMMENDATION),
        ),
    ]
    return parts


def how_to_answer(question: Question, protocol: Protocol) -> str:
    """What to type for a question: its options, or the kind of answer ingest reads."""
    if question.type == "single":
        how = f"One of: {'; '.join(question.options)}"
    elif question.type == "multi":
        how = f"Any of, separated by semicolons: {'; '.join(question.options)}"
    elif question.type == "agree5":
        how = f"One of: {'; '.join([*protocol.agree5, *protocol.agree5_missing])}"
    elif question.type == "money":
        how = f"Pounds a year, e.g. £12,500 ({protocol.money_zero_words[0]} for none)"
    elif question.type == "number":
        how = "A number"
    elif question.type == "date":
        how = "A date, day/month/year"
    else:
        how = "Free text"
    extra = [question.help] if question.help else []
    if question.required:
        extra.append("Required.")
    return " ".join([f"{how}.", *extra])


def lay_out(parts: Sequence[Part], protocol: Protocol) -> list[LaidOut]:
    """Each question as a field in the first part that uses it; later parts name it."""
    seen: set[str] = set()
    laid = []
    for part in parts:
        fields, before = [], []
        for key in part.questions:
            question = protocol.by_key(key)
            if question.personal:  # never on a form for one partnership (not a survey return)
                continue
            if key in seen:
                before.append(question.id)
                continue
            seen.add(key)
            fields.append(
                forms.Field(question.id, question.text, how_to_answer(question, protocol))
            )
        laid.append(LaidOut(part, tuple(fields), tuple(dict.fromkeys(before))))
    return laid


def form_fields(protocol: Protocol, kit: Toolkit) -> list[forms.Field]:
    """Every field of the form, in its order (each question once)."""
    return [f for laid in lay_out(form_parts(protocol, kit), protocol) for f in laid.fields]


def known_names(protocol: Protocol, kit: Toolkit) -> dict[str, str]:
    """The names a filled-in form may give a field: its question ID or key."""
    known: dict[str, str] = {}
    for field in form_fields(protocol, kit):
        known[field.id] = field.id
        known[protocol.question(field.id).key] = field.id
    return known


def _document(sources: Sources) -> Any:
    import docx

    protocol, kit = sources.config.protocol, sources.config.toolkit
    document = docx.Document()
    document.add_heading(TITLE, level=1)
    for text in (
        f"{sources.config.council.council_name}: the assessment of one partnership, with the "
        "headings, measures and bands of the council's evaluation toolkit "
        f"(config/toolkit.yaml) and the questions of its partnership survey (protocol "
        f"version {protocol.version}).",
        "Answer each question in the last column (Your answer). A question is asked once: "
        "a later part that uses it says which. Leave an answer blank when it is not known: "
        "a blank is missing evidence, never a no. Do not change the ID column.",
        "Then run `python -m pipeline assess FILE` with this file (or the spreadsheet or CSV "
        "copy, one row of answers). It checks each answer as the survey's returns are "
        "checked and prints the partnership's scores, bands and recommended action with "
        "the rule that fired. It writes nothing.",
    ):
        document.add_paragraph(text)
    for laid in lay_out(form_parts(protocol, kit), protocol):
        document.add_heading(laid.part.title, level=laid.part.level)
        for text in laid.part.feeds:
            document.add_paragraph(text, style="List Bullet")
        if laid.fields:
            forms.add_form_table(document, laid.fields)
        if laid.asked_before:
            document.add_paragraph(
                "Also used here: " + ", ".join(f"see {qid}" for qid in laid.asked_before) + "."
            )
    return document


def write(sources: Sources, out: Path) -> list[Path]:
    """The blank assessment form as Word, spreadsheet and CSV."""
    fields = form_fields(sources.config.protocol, sources.config.toolkit)
    author = sources.config.council.council_name
    return [
        files.save_docx(_document(sources), out / f"{STEM}.docx", title=TITLE, author=author),
        forms.write_table_template(fields, out / f"{STEM}.xlsx", title=TITLE),
        forms.write_table_template(fields, out / f"{STEM}.csv", title=TITLE),
    ]


# --- reading a filled-in form -------------------------------------------------------------


def _blank(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _fails(check: validate.Check, view: pd.DataFrame) -> bool:
    """Whether the one row fails a planned check, read as Great Expectations reads it: a
    blank passes every check but "not null"; ranges are inclusive; a regular expression is
    searched for; a row condition is a pandas query (D36: GX takes seconds for one row)."""
    row = view.iloc[0]
    kwargs = check.kwargs
    value = row[check.column] if check.column else None
    kind = check.expectation
    if kind == "ExpectColumnValuesToNotBeNull":
        condition = kwargs.get("row_condition")
        applies = condition is None or not view.query(condition, engine="python").empty
        return applies and _blank(value)
    if _blank(value):
        return False
    if kind == "ExpectColumnValuesToBeInSet":
        return value not in kwargs["value_set"]
    if kind == "ExpectColumnValuesToMatchRegex":
        return re.search(kwargs["regex"], str(value)) is None
    if kind == "ExpectColumnValuesToBeBetween":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        return (low is not None and value < low) or (high is not None and value > high)
    raise RuntimeError(f"assess cannot judge a {kind} check: teach _fails it")


def failed_checks(
    returns: pd.DataFrame, protocol: Protocol, as_of: dt.date
) -> list[validate.Check]:
    """The protocol's row checks (validate.plan_checks, dates judged at ``as_of``) that a
    one-return table fails, in the checks' order (errors and warnings)."""
    view = validate.validation_view(returns, protocol)
    return [check for check in validate.plan_checks(protocol, as_of) if _fails(check, view)]


def read_return(
    path: Path, protocol: Protocol, kit: Toolkit, as_of: dt.date
) -> tuple[pd.DataFrame, list[str]]:
    """A filled-in form as one return (the returns table's columns, by question ID), and
    the notes of what was read with a warning. A value ingest cannot read, or one the
    protocol's validation would quarantine, is one line naming file, place and question."""
    answers = forms.read_form(path, known_names(protocol, kit))
    record: dict[str, Any] = {column: None for column in tables.returns_columns(protocol)}
    notes = []
    for field_id, typed in answers.values.items():
        question = protocol.question(field_id)
        reading = ingest.read_answer(question, typed, protocol)
        if reading.error:
            raise PipelineError(
                f"{answers.where(field_id)}: {ingest.parse_error(question, typed, reading)}; "
                "correct the answer and run again."
            )
        if reading.other:  # an officer at hand can fix it: never kept as "other" here
            raise PipelineError(
                f"{answers.where(field_id)}: {field_id} ({question.text}): {reading.other!r} "
                f"is not one of the options ({'; '.join(question.options)})."
            )
        if reading.warning:
            notes.append(f"{answers.where(field_id)}: {field_id}: {reading.warning}")
        record[field_id] = reading.value
    record.update(
        response_id=path.stem, source_file=path.name, source_row=1, row_key=f"{path.name}:1"
    )
    returns = pd.DataFrame([record], columns=tables.returns_columns(protocol))
    for check in failed_checks(returns, protocol, as_of):
        rule = protocol.rules[check.rule]
        given = answers.values.get(check.column or "")
        shown = "blank" if given is None else repr(given)  # as the officer typed it
        line = (
            f"{answers.where(check.column or '')}: {check.column} {shown}: {rule.description} "
            f"({check.description})"
        )
        if rule.severity == "error":
            raise PipelineError(f"{line}; correct the answer and run again.")
        notes.append(line)
    return returns.astype({"source_row": "int64"}), notes


# --- scoring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """One partnership scored: its evaluation row, the date governance was judged at and
    why, the economy comparison in words, and notes on answers read with a warning."""

    source: Path
    evaluation: pd.Series
    as_of: dt.date
    as_of_reason: str
    comparison: str
    notes: tuple[str, ...]


def judged_at(as_of: dt.date | None, sources: Sources, today: dt.date) -> tuple[dt.date, str]:
    """The date a review is judged at: as given, else the year's survey closing date in
    council.yaml, else today; with the reason in words."""
    if as_of is not None:
        return as_of, "the date given (--as-of)"
    closing = sources.config.council.closing_date(sources.year)
    if closing is not None:
        return closing, f"the survey closing date council.yaml gives for {sources.year}"
    return today, f"today's date (council.yaml gives no closing date for {sources.year})"


def peers_of(name: str, sources: Sources) -> pd.DataFrame | None:
    """The year's evaluated partnerships the assessed one is compared with (its economy),
    leaving out one of the same name (the same partnership, counted once as assessed)."""
    if sources.evaluation is None:
        return None
    kit, council = sources.config.toolkit, sources.config.council
    assessed = registry.normalise_name(name, kit, council)
    same = sources.evaluation["name"].map(lambda n: registry.normalise_name(n, kit, council))
    return sources.evaluation[(same != assessed).to_numpy()]


def score_return(
    returns: pd.DataFrame, sources: Sources, as_of: dt.date, peers: pd.DataFrame | None
) -> pd.Series:
    """One return scored by the toolkit as a partnership with that one return: the
    registry (consolidate_returns) and evaluation (evaluate_partnerships) rows."""
    protocol, kit = sources.config.protocol, sources.config.toolkit
    answers = protocol.by_keys(returns)
    answers = answers.assign(partnership_id=ASSESSED, partnership=answers["partnership_name"])
    register, _ = registry.consolidate_returns(answers, protocol, kit)
    evaluation = evaluate_partnerships(register, answers, protocol, kit, as_of, peers=peers)
    return evaluation.iloc[0]


def cost_known(row: pd.Series) -> bool:
    """The assessed partnership's full cost is known: the toolkit says so (vfm_cost_known)
    and its return left no cost figure blank. Only then is it among the costs compared."""
    return bool(row["vfm_cost_known"]) and not _missing(row, "cost_missing_returns")


def _comparison(row: pd.Series, sources: Sources) -> str:
    economy = sources.config.toolkit.value_for_money.economy
    kind = row["partnership_type"] if not _blank(row["partnership_type"]) else "no type"
    if sources.evaluation is None:
        return (
            f"no comparison with its type: the {sources.year} evaluation has not been run "
            "(`make report`)"
        )
    counted = int(row["vfm_type_costed"])
    among = (
        f"the {sources.year} evaluation and this one"
        if cost_known(row)
        else f"the {sources.year} evaluation; not this one, whose full cost is not known"
    )
    if _blank(row["vfm_type_median_cost"]):
        return (
            f"no comparison: {counted} partnership(s) of type {kind} with a known cost ("
            f"{among}); the toolkit needs {economy.min_same_type}"
        )
    return (
        f"the median full cost of the {counted} partnerships of type {kind} with a known cost "
        f"({among}) is {_money(row['vfm_type_median_cost'])}"
    )


def assess(path: Path, sources: Sources, as_of: dt.date | None, today: dt.date) -> Assessment:
    """Read a filled-in assessment form and score it with the toolkit in force."""
    path = Path(path)
    date, reason = judged_at(as_of, sources, today)
    protocol, kit = sources.config.protocol, sources.config.toolkit
    returns, notes = read_return(path, protocol, kit, date)
    name = str(returns[protocol.id_of("partnership_name")].iloc[0])
    row = score_return(returns, sources, date, peers_of(name, sources))
    return Assessment(path, row, date, reason, _comparison(row, sources), tuple(notes))


# --- the printed result -------------------------------------------------------------------


def _money(value: Any) -> str:
    if _blank(value):
        return "not known"
    number = float(value)
    return f"£{number:,.0f}" if number.is_integer() else f"£{number:,.2f}"


def _missing(row: pd.Series, column: str) -> bool:
    """The return left the figure a ``*_missing`` count column counts blank."""
    value: Any = row.get(column)
    return not _blank(value) and int(value) > 0


def cost_line(row: pd.Series) -> str:
    """The full annual cost and its make-up. A figure the return left blank (or "Don't
    know") is "not reported", never £0; the full cost is then "at least" the figures given,
    or "not known" when none was given."""
    cash, in_kind, hours = (
        _missing(row, f"{key}_missing") for key in ("cash", "in_kind", "officer_hours")
    )
    parts = [
        "cash " + ("not reported" if cash else _money(row["cash"])),
        "in kind " + ("not reported" if in_kind else _money(row["in_kind"])),
        "officer time "
        + (
            "not reported"
            if hours
            else f"{_money(row['officer_time_cost'])} for {row['officer_hours']:g} hours a month"
        ),
    ]
    if cost_known(row):
        total = _money(row["full_cost"])
    elif cash and in_kind and hours:
        total = "not known (no cost figure reported)"
    else:
        total = f"at least {_money(row['full_cost'])} (not known in full: a figure is not reported)"
    return f"Full annual cost: {total} ({', '.join(parts)})"


def _score(value: Any) -> str:
    return "no score" if _blank(value) else f"{float(value):.2f}"


def _share(value: Any) -> str:
    return "nothing asked" if _blank(value) else f"{float(value) * 100:.0f}%"


def render(assessment: Assessment, sources: Sources) -> str:
    """The assessment as lines of plain text: every score, band and rule, in the form's
    order, then the recommended action with the rule that fired."""
    kit = sources.config.toolkit
    row = assessment.evaluation
    vfm = kit.value_for_money
    lines = [
        f"{TITLE}: {row['name']} ({assessment.source.name})",
        f"Judged at {assessment.as_of.isoformat()}: {assessment.as_of_reason}.",
        "",
        cost_line(row),
        "",
        "Principles:",
    ]
    for code, domain in kit.instrument.domains.items():
        lines.append(
            f"  {code} {domain.name}: {_score(row[f'{code}_score'])} {row[f'{code}_band']}"
        )
    lines += [
        f"  Overall: {_score(row['overall_score'])} {row['overall_band']} "
        f"(principles of concern: {row['principles_of_concern']})",
        "",
        f"Governance: {_share(row['governance_completeness'])} {row['governance_band']} "
        f"({row['governance_evidenced']} of {row['governance_asked']} items evidenced)",
    ]
    for key, heading in kit.governance.headings.items():
        lines.append(f"  {heading.name}: {_share(row[kit.governance.column(key)])}")
    lines += [
        f"  Missing: {row['governance_missing'] or 'nothing'}",
        "",
        f"Value for money: {row['vfm_judgement']} - {row['vfm_reason']} ({row['vfm_rule']})",
    ]
    # each measure's band, as the evaluation lists them ("name: label; ...")
    banded = dict(part.split(": ", 1) for part in str(row["vfm_measures"]).split("; "))
    for name in HEADINGS:
        measures = "; ".join(
            f"{m.name} {banded[m.name]}" for m in vfm.describe() if m.heading == name
        )
        lines.append(f"  {name.capitalize()}: {row[f'vfm_{name}_band']} ({measures})")
    lines += [
        f"  Economy comparison: {assessment.comparison}",
        f"  Leverage: {row['leverage'] if not _blank(row['leverage']) else 'not known'}; "
        f"cost per priority: {_money(row['vfm_cost_per_priority'])}",
        "",
        f"Risk: {row['risk_level'] or 'not given'}; uncontrolled risk: "
        f"{'yes' if row['uncontrolled_risk'] else 'no'}"
        + (f" (missing: {row['risk_controls_missing']})" if row["risk_controls_missing"] else ""),
        f"Equality: {_score(row['equality_score'])} {row['equality_band']}; impact "
        f"assessment: {row[vfm.equity.impact_assessment.question] or 'not given'}",
        f"Key partnership: {'yes' if row['key_partnership'] else 'no'} (criteria met: "
        f"{row['key_criteria'] or 'none'}; {kit.key_min_criteria} needed)",
        "",
        f"Recommended action: {kit.actions[row['action']].label} - {row['action_reason']} "
        f"({row['action_rule']})",
    ]
    if assessment.notes:
        lines += ["", "Notes:", *(f"  {note}" for note in assessment.notes)]
    return "\n".join(lines) + "\n"
