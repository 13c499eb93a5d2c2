"""The analyst's workbook: outputs/<year>/registry.xlsx from the year's processed tables.

Seven sheets (Registry, Key partnerships, Evaluation, Value for money, Governance, Changes,
Follow-up), each with a frozen header row, a filter, £ and % formats and widths from its
content. Every text cell is written as text, never as a formula, and stored as typed (no
apostrophe added: a cell written as text is never run). The workbook is internal: the Follow-up
sheet (the survey team's chase list) names officers and their emails, so it is never
published (decision D39). Its bytes carry no time, so a rerun writes the same file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import paths, settings, tables
from pipeline.framework.files import DOCUMENT_DATE, reproducible_zip
from pipeline.protocol import Protocol, Question
from pipeline.report.open_data import COLUMNS as PUBLISHED_COLUMNS
from pipeline.toolkit import Toolkit

SHEETS = (
    "Registry",
    "Key partnerships",
    "Evaluation",
    "Value for money",
    "Governance",
    "Changes",
    "Follow-up",
)
MONEY_FORMAT = "£#,##0"
SHARE_FORMAT = "0%"
SCORE_FORMAT = "0.00"
WHOLE_FORMAT = "0"
MIN_WIDTH, MAX_WIDTH = 8, 60  # characters; longer text wraps within the widest column
_SHARE = re.compile(r"(_share|_completeness|^coverage)$")
_SCORE = re.compile(r"(_score|_ratio|_spread|_officer_(low|high)|^leverage)$")
_SEPARATOR = "; "
# The derived money columns: every column open data publishes in pounds (named "..._gbp").
MONEY_COLUMNS = frozenset(
    source for source, (published, _) in PUBLISHED_COLUMNS.items() if published.endswith("_gbp")
)

_KEY_COLUMNS = [
    "partnership_id",
    "name",
    "directorate",
    "partnership_type",
    "council_role",
    "full_cost",
    "priorities",
    "key_criteria",
    "overall_score",
    "overall_band",
    "governance_completeness",
    "governance_band",
    "risk_level",
    "uncontrolled_risk",
    "vfm_judgement",
    "action",
    "action_reason",
]
_VFM_LEAD = ["partnership_id", "name", "directorate", "partnership_type"]
_VFM_COSTS = ["cash", "in_kind", "officer_hours", "officer_time_cost", "full_cost"]
_GOVERNANCE_LEAD = ["partnership_id", "name", "directorate"]
_GOVERNANCE_TAIL = [
    "governance_completeness",
    "governance_band",
    "governance_evidenced",
    "governance_asked",
    "governance_missing",
    "risk_level",
    "uncontrolled_risk",
    "risk_controls_missing",
]
FOLLOW_UP_COLUMNS = [
    "Directorate",
    "Officer",
    "Email",
    "Response ID",
    "Submitted",
    "Partnership as typed",
    "Partnership ID",
    "Status",
    "Missing answers",
    "Could not be read",
    "Quarantined because",
    "To check",
    "Ask for",
]
# The questionnaire's words for a blank that is an answer ("Leave blank if it has never been
# reviewed"): such a blank is not chased.
LEAVE_BLANK = "leave blank"
ACCEPTED, QUARANTINED = "Accepted", "Quarantined (not counted)"
DUPLICATE = "duplicate"  # protocol.yaml's rule for a return that copies an earlier one


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, the title printed above it (and noted on its first header
    cell), and its rows."""

    name: str
    title: str
    rows: pd.DataFrame


def _present(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    return [c for c in columns if c in frame.columns]


def _plain(value: Any) -> Any:
    """A numpy scalar as its Python value (an Int64 column yields numpy integers)."""
    return value.item() if isinstance(value, np.generic) else value


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return bool(pd.isna(value))


def key_partnerships(evaluation: pd.DataFrame) -> pd.DataFrame:
    """The key partnerships (the toolkit's criteria, decision D7) with what the panel asks
    about them: cost, priorities, criteria met, scores, risk, value for money, action."""
    key = evaluation["key_partnership"].fillna(False).astype(bool)
    return evaluation.loc[key, _present(evaluation, _KEY_COLUMNS)].reset_index(drop=True)


def value_for_money(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Each partnership's costs and every value-for-money column (decision D18)."""
    vfm = [c for c in evaluation.columns if c.startswith("vfm_")]
    return evaluation[_present(evaluation, _VFM_LEAD + _VFM_COSTS) + vfm].reset_index(drop=True)


def governance(evaluation: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Governance by heading (decision D8) in the toolkit's order, the overall completeness,
    what is missing, and the risk controls."""
    headings = [toolkit.governance.column(key) for key in toolkit.governance.headings]
    columns = _present(evaluation, _GOVERNANCE_LEAD + headings + _GOVERNANCE_TAIL)
    return evaluation[columns].reset_index(drop=True)


def chase_questions(protocol: Protocol, toolkit: Toolkit) -> list[Question]:
    """The questions whose blank answer the survey team asks for: every required question,
    every answer the toolkit can score or count (choices, amounts, hours, dates, agreement
    statements), and the free-text answers it reads as evidence (a governance item's, or
    achievements for value for money). Names and emails are who to ask, not answers; other
    free text (job title, comments) is optional; and a question whose help tells officers
    to "leave blank" in some case (no reporting line, never reviewed) takes a blank as an
    answer, unless it is required."""
    read_as_text = {item.question for _, item in toolkit.governance.items()}
    read_as_text.add(toolkit.value_for_money.effectiveness.achievements.question)
    scored = {"single", "multi", "money", "number", "date", "agree5"}
    return [
        q
        for q in protocol.questions
        if q.required
        or (
            not q.personal
            and not _blank_is_an_answer(q)
            and (q.type in scored or q.key in read_as_text)
        )
    ]


def _blank_is_an_answer(question: Question) -> bool:
    return LEAVE_BLANK in question.help.casefold()


def _parse_errors(text: Any) -> list[tuple[str, str]]:
    """A return's parse errors ("Q20: could not read 'tbc' as money | ...") as (question
    ID, problem) pairs."""
    if _blank(text):
        return []
    pairs = []
    for error in str(text).split(" | "):
        question_id, _, problem = error.partition(": ")
        pairs.append((question_id.strip(), problem.strip()))
    return pairs


def _errors(findings: pd.DataFrame) -> pd.DataFrame:
    """A return's error findings other than parse errors (asked from parse_errors)."""
    return findings[(findings["severity"] == "error") & (findings["rule"] != "parse_error")]


def _confirmations(findings: pd.DataFrame, protocol: Protocol) -> list[str]:
    """The asks for error findings on no question (a duplicate): "confirmation: ..."."""
    asks = []
    for finding in _errors(findings).itertuples(index=False):
        if str(finding.column) in protocol.ids:
            continue
        rule = protocol.rules.get(str(finding.rule))
        description = rule.description if rule else str(finding.reason)
        asks.append(f"confirmation: {description} ({finding.reason})")
    return asks


def _duplicate_issues(findings: pd.DataFrame, protocol: Protocol) -> dict[str, str]:
    """A duplicate's chase: only which copy to keep."""
    return {
        "Missing answers": "",
        "Could not be read": "",
        "To check": "",
        "Ask for": _SEPARATOR.join(_confirmations(findings, protocol)),
    }


def _return_issues(
    answers: pd.Series,
    findings: pd.DataFrame,
    protocol: Protocol,
    chase: list[Question],
    asked: Collection[str] | None,
) -> dict[str, str]:
    """What to chase on one return: its blank chase questions (those its file asked), its
    parse errors, its quarantine reasons and warnings, and the ask in plain words. A
    duplicate is asked only which copy to keep: its answers are its original's, chased
    there."""
    by_id = {q.id: q for q in protocol.questions}
    if (findings["rule"] == DUPLICATE).any():
        return _duplicate_issues(findings, protocol)
    unread = _parse_errors(answers.get("parse_errors"))
    unread_ids = {question_id for question_id, _ in unread}
    missing = [
        q
        for q in chase
        if (asked is None or q.key in asked)
        and q.id not in unread_ids
        and _blank(answers.get(q.id))
    ]
    asks: dict[str, str] = {}  # question ID (or reason) -> the ask, in protocol order below
    for q in missing:
        asks[q.id] = f"{q.id} {q.text}"
    for question_id, problem in unread:
        question = by_id.get(question_id)
        label = f"{question_id} {question.text}" if question else question_id
        asks[question_id] = f"{label} - again: {problem}"
    for finding in _errors(findings).itertuples(index=False):
        rule = protocol.rules.get(str(finding.rule))
        description = rule.description if rule else str(finding.reason)
        question = by_id.get(str(finding.column))
        if question is None:
            continue  # a confirmation, below
        shown = "" if _blank(finding.value) else f"{finding.value!r}: "
        asks.setdefault(question.id, f"{question.id} {question.text} - again: {shown}{description}")
    warnings = findings[findings["severity"] == "warning"]
    checks = [str(reason) for reason in warnings["reason"]]
    for finding in warnings.itertuples(index=False):
        question = by_id.get(str(finding.column))
        rule = protocol.rules.get(str(finding.rule))
        if question is not None and rule is not None:
            asks.setdefault(
                question.id, f"{question.id} {question.text} - to check: {rule.description}"
            )
    order = {q.id: n for n, q in enumerate(protocol.questions)}
    ordered = sorted(asks, key=lambda question_id: order.get(question_id, len(order)))
    return {
        "Missing answers": _SEPARATOR.join(f"{q.id} not answered: {q.text}" for q in missing),
        "Could not be read": _SEPARATOR.join(f"{i}: {p}" for i, p in unread),
        "To check": _SEPARATOR.join(checks),
        "Ask for": _SEPARATOR.join([asks[i] for i in ordered] + _confirmations(findings, protocol)),
    }


def follow_up(
    returns: pd.DataFrame,
    quarantine: pd.DataFrame,
    findings: pd.DataFrame,
    return_partnerships: pd.DataFrame,
    protocol: Protocol,
    toolkit: Toolkit,
    asked: Mapping[str, Collection[str]] | None = None,
) -> pd.DataFrame:
    """The survey team's chase list: per officer, each return with answers missing, unread
    or quarantined, and what to ask for.

    Needs the returns table (every return, by question ID, with provenance and
    parse_errors), the quarantine table (row_key, quarantine_reasons), the findings (row_key,
    rule, severity, column, value, reason), the return_partnerships table (row_key,
    partnership_id) and, by export file, the keys of the questions it asked (a question a
    file did not ask is never missing, decision D8). Returns FOLLOW_UP_COLUMNS, one row per
    return with something to chase, sorted by directorate, officer, partnership as typed and
    response ID; returns with nothing to chase are left out.
    """
    chase = chase_questions(protocol, toolkit)
    name_id, email_id = protocol.id_of("respondent_name"), protocol.id_of("respondent_email")
    directorate_id = protocol.id_of("directorate")
    typed_id = protocol.id_of("partnership_name")
    reasons = dict(zip(quarantine["row_key"], quarantine["quarantine_reasons"], strict=True))
    accepted_as = dict(
        zip(return_partnerships["row_key"], return_partnerships["partnership_id"], strict=True)
    )
    by_return = {key: rows for key, rows in findings.groupby("row_key", sort=False)}
    no_findings = findings.iloc[0:0]
    rows = []
    for _, answers in returns.iterrows():
        row_key = answers["row_key"]
        source = answers["source_file"]
        issues = _return_issues(
            answers,
            by_return.get(row_key, no_findings),
            protocol,
            chase,
            None if asked is None else asked.get(str(source), ()),
        )
        quarantined = row_key in reasons
        if not quarantined and not any(issues.values()):
            continue
        submitted = answers.get("submitted_at")
        rows.append(
            {
                "Directorate": answers.get(directorate_id),
                "Officer": answers.get(name_id),
                "Email": answers.get(email_id),
                "Response ID": answers.get("response_id"),
                "Submitted": None if _blank(submitted) else str(submitted)[:10],
                "Partnership as typed": answers.get(typed_id),
                "Partnership ID": accepted_as.get(row_key),
                "Status": QUARANTINED if quarantined else ACCEPTED,
                "Quarantined because": reasons.get(row_key),
                **issues,
            }
        )
    chase_list = pd.DataFrame(rows, columns=FOLLOW_UP_COLUMNS)
    order = ["Directorate", "Officer", "Partnership as typed", "Response ID"]
    keys = chase_list[order].map(lambda v: "" if _blank(v) else str(v).casefold())
    # Blanks (an anonymous return, no directorate) sort last; the sort is stable.
    keys = keys.assign(**{f"{c} blank": chase_list[c].map(_blank) for c in order})
    ranked = keys.sort_values(
        [part for c in order for part in (f"{c} blank", c)], kind="mergesort"
    ).index
    return chase_list.loc[ranked].reset_index(drop=True)


def workbook_sheets(
    registry: pd.DataFrame,
    evaluation: pd.DataFrame,
    changes: pd.DataFrame,
    chase_list: pd.DataFrame,
    toolkit: Toolkit,
    year: int,
) -> list[Sheet]:
    """The seven sheets, in the order SHEETS names them."""
    left_out = "returns with nothing to chase are left out"
    return [
        Sheet("Registry", f"Registry of partnerships {year}: one row per partnership", registry),
        Sheet("Key partnerships", f"Key partnerships {year}", key_partnerships(evaluation)),
        Sheet("Evaluation", f"Evaluation {year}: the toolkit's scores and actions", evaluation),
        Sheet("Value for money", f"Value for money {year}", value_for_money(evaluation)),
        Sheet("Governance", f"Governance by heading {year}", governance(evaluation, toolkit)),
        Sheet("Changes", f"Changes since the previous year's registry ({year})", changes),
        Sheet(
            "Follow-up",
            f"Follow-up {year}: returns to chase, by officer ({left_out}). "
            "Internal: names and emails, not for publication",
            chase_list,
        ),
    ]


def _number_format(column: str) -> str | None:
    if column in MONEY_COLUMNS:
        return MONEY_FORMAT
    if _SHARE.search(column):
        return SHARE_FORMAT
    if _SCORE.search(column):
        return SCORE_FORMAT
    return None


def _shown(value: Any, number_format: str | None) -> str:
    """Roughly what a cell shows, to size its column."""
    if _blank(value):
        return ""
    if isinstance(value, bool):
        return "FALSE"
    if isinstance(value, (int, float)):
        if number_format == MONEY_FORMAT:
            return f"£{value:,.0f}"
        if number_format == SHARE_FORMAT:
            return f"{value:.0%}"
        return f"{value:.2f}" if number_format == SCORE_FORMAT else str(value)
    return str(value)


def column_width(column: str, values: pd.Series, number_format: str | None) -> float:
    """From the header and the longest value, between MIN_WIDTH and MAX_WIDTH."""
    longest = max([len(column)] + [len(_shown(_plain(v), number_format)) for v in values])
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def _write_sheet(workbook: Any, sheet: Sheet, formats: dict[str, Any]) -> None:
    worksheet = workbook.add_worksheet(sheet.name)
    rows = sheet.rows
    for col, column in enumerate(rows.columns):
        worksheet.write_string(0, col, str(column), formats["header"])
        number_format = _number_format(str(column))
        values = rows[column]
        width = column_width(str(column), values, number_format)
        texts = values.map(lambda v: isinstance(v, str))
        long = bool(texts.any()) and values[texts].str.len().max() + 2 > MAX_WIDTH
        cell_format = formats[number_format] if number_format else formats["text"]
        worksheet.set_column(col, col, width, formats["wrap"] if long else cell_format)
        for row, value in enumerate(map(_plain, values), start=1):
            if _blank(value):
                continue
            if isinstance(value, bool):
                worksheet.write_boolean(row, col, value)
            elif isinstance(value, (int, float)):
                worksheet.write_number(row, col, float(value), cell_format)
            else:
                worksheet.write_string(row, col, str(value), formats["wrap"] if long else None)
    last_col = max(len(rows.columns) - 1, 0)
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, len(rows), last_col)
    worksheet.write_comment(0, 0, sheet.title)
    worksheet.set_header(f"&L{sheet.title.replace('&', '&&')}")
    worksheet.repeat_rows(0)


def workbook_bytes(sheets: list[Sheet], title: str, author: str) -> bytes:
    """The workbook as XLSX bytes with fixed properties and zip times (decision D33)."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    workbook.set_properties(
        {"title": title, "author": author, "company": author, "created": DOCUMENT_DATE}
    )
    formats = {
        "header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "text": workbook.add_format({"valign": "top"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        MONEY_FORMAT: workbook.add_format({"num_format": MONEY_FORMAT, "valign": "top"}),
        SHARE_FORMAT: workbook.add_format({"num_format": SHARE_FORMAT, "valign": "top"}),
        SCORE_FORMAT: workbook.add_format({"num_format": SCORE_FORMAT, "valign": "top"}),
    }
    for sheet in sheets:
        _write_sheet(workbook, sheet, formats)
    workbook.close()
    return reproducible_zip(buffer.getvalue())


def build_sheets(year: int, root: Path | str | None = None) -> list[Sheet]:
    """The sheets from the year's processed tables under ``root`` (through 03_evaluate)."""
    from pipeline import ingest

    config = settings.load(root)
    protocol, toolkit = config.protocol, config.toolkit
    chase_list = follow_up(
        tables.read("returns", year, root, protocol),
        tables.read("quarantine", year, root, protocol),
        tables.read("findings", year, root),
        tables.read("return_partnerships", year, root),
        protocol,
        toolkit,
        ingest.load_asked_by_file(year, root, protocol),
    )
    return workbook_sheets(
        tables.read("registry", year, root),
        tables.read("evaluation", year, root),
        tables.read("changes", year, root),
        chase_list,
        toolkit,
        year,
    )


def write_workbook(year: int, council_name: str, root: Path | str | None = None) -> Path:
    """Write outputs/<year>/registry.xlsx under ``root`` (internal: never published)."""
    target = paths.workbook_file(year, root)
    title = f"{council_name}: registry of partnerships {year} (internal)"
    content = workbook_bytes(build_sheets(year, root), title, council_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return target
