"""The partnership agreement: the blank template and one copy pre-filled for each key
partnership of the year, both from protocol.yaml's ``agreement:`` sections (decision D35).

The template has each section's heading, the guidance officers and legal services read and
space to complete it, and a signature table for the parties. A pre-filled copy adds what
the registry and evaluation say (partners, council role, reporting line, money, review
date, risk) and marks every gap the evaluation found, and every blank, with one
highlighted "To complete:" run, so an officer can find them all by searching for it.
The evaluation holds no respondent's name or email; nothing else is read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx
import pandas as pd
from docx.enum.text import WD_COLOR_INDEX

from pipeline.framework import files
from pipeline.protocol import Agreement, AgreementSection, PrefillField, Protocol
from pipeline.report import formats, profiles
from pipeline.toolkit import Toolkit
from pipeline.toolkit.governance import MAIN_RISKS_SEPARATOR, months_before

if TYPE_CHECKING:  # the package imports this module to register its writer
    from pipeline.framework import Sources

TEMPLATE_FILE = "agreement_template.docx"
AGREEMENTS_DIR = "agreements"
TO_COMPLETE = "To complete:"
# Derived evaluation columns that hold pounds (a question's own type says so for answers).
_POUNDS = ("officer_time_cost", "full_cost")
_LIST_SEPARATOR = "; "  # how the registry joins partners, priorities and gaps
# A money or hours field summed over returns, and the evaluation column counting the returns
# that left it blank: such a sum is "at least" the figure (a derived cost with its inputs).
_MISSING_RETURNS = {
    "cash": "cash_missing",
    "in_kind": "in_kind_missing",
    "officer_hours": "officer_hours_missing",
    "officer_time_cost": "officer_hours_missing",
    "full_cost": "cost_missing_returns",
}
_BLANK_PARTNER_ROWS = 3  # the template's signature rows for partners


@dataclass(frozen=True)
class Line:
    """One pre-filled line: its label and the value shown (None: blank), or, when
    ``to_complete`` is set, the words of what the officer must complete."""

    label: str
    value: str | None = None
    items: tuple[str, ...] = ()
    to_complete: str | None = None


@dataclass(frozen=True)
class Gaps:
    """The gaps the evaluation found, each in plain words, under the heading it belongs to
    (governance headings in the toolkit's order, then risk and cost)."""

    groups: tuple[tuple[str, tuple[str, ...]], ...]

    def all(self) -> list[str]:
        return [words for _, listed in self.groups for words in listed]


def _blank(value: Any) -> bool:
    return formats.is_missing(value) or (isinstance(value, str) and not value.strip())


def _is(value: Any, truth: bool) -> bool:
    """A true-or-false cell (pandas' boolean: numpy or Python) is ``truth``; blank is neither."""
    return not _blank(value) and bool(value) is truth


def _count(value: Any) -> int:
    """A count cell as a whole number (a blank counts none)."""
    return 0 if _blank(value) else int(value)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _date(day: dt.date) -> str:
    """A date as the council writes it: 14 February 2025 (on every platform)."""
    return f"{day.day} {day:%B %Y}"


def _shown(value: Any, field: str, protocol: Protocol) -> str:
    """A value as the agreement prints it: pounds, hours, dates and yes/no in words."""
    kind = protocol.by_key(field).type if field in protocol.keys else None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "money" or field in _POUNDS:
        return f"£{_number(float(value))}"
    if kind == "number":
        return _number(float(value))
    if kind == "date":
        return _date(dt.date.fromisoformat(str(value)[:10]))
    if isinstance(value, float):
        return _number(value)
    return str(value)


def review_months(toolkit: Toolkit, field: str) -> int | None:
    """How often the toolkit expects a review: the months of the governance item that reads
    this date (kind within_months); None when no item reads it."""
    for _, item in toolkit.governance.items():
        if item.question == field and item.kind == "within_months":
            return item.months
    return None


def _review_line(item: PrefillField, value: Any, toolkit: Toolkit, protocol: Protocol) -> Line:
    """The last review date and when the next is due under the toolkit's governance setting,
    or that the partnership has never been reviewed (a gap)."""
    months = review_months(toolkit, item.field)
    if _blank(value):
        return Line(
            item.label,
            to_complete=f"{item.label}: no review reported (never reviewed, as far as the "
            "survey shows); set the date of the first review",
        )
    shown = _shown(value, item.field, protocol)
    if months is None:
        return Line(item.label, shown)
    due = months_before(dt.date.fromisoformat(str(value)[:10]), -months)
    return Line(
        item.label,
        f"{shown}; the next review is due by {_date(due)} (the toolkit expects a review "
        f"at least every {months} months)",
    )


def _unknown_answer(value: Any, protocol: Protocol) -> bool:
    """An answer that says the officer did not know ("Don't know", "not known", "n/a"):
    protocol.yaml's agree5_missing and money missing_words, in any case."""
    if not isinstance(value, str):
        return False
    said = " ".join(value.replace("\u2019", "'").split()).casefold()
    unknown = {w.casefold() for w in (*protocol.agree5_missing, *protocol.money_missing_words)}
    return said in unknown


def _summed_line(item: PrefillField, value: Any, row: pd.Series, protocol: Protocol) -> list[Line]:
    """A figure summed over the officers' returns. When some returns left it blank the sum is
    "at least" it, with how many did and a gap to complete; when all did, it is not reported
    (the sum of nothing is not £0)."""
    missing = _count(row.get(_MISSING_RETURNS[item.field]))
    returns = _count(row.get("returns"))
    if not missing:
        if _blank(value):
            return [Line(item.label, to_complete=f"{item.label}: not reported in the survey")]
        return [Line(item.label, _shown(value, item.field, protocol))]
    figure = "a cost figure" if item.field == "full_cost" else "it"
    who = (
        "the one officer's return" if returns == 1 else f"{missing} of {returns} officers' returns"
    )
    left = f"{who} left {figure} blank"
    if _blank(value) or (missing >= returns and item.field != "full_cost"):
        return [Line(item.label, to_complete=f"{item.label}: not reported in the survey ({left})")]
    return [
        Line(item.label, f"at least {_shown(value, item.field, protocol)} ({left})"),
        Line(item.label, to_complete=f"{item.label}: {left}; confirm the full figure"),
    ]


def prefilled_lines(
    section: AgreementSection,
    row: pd.Series,
    toolkit: Toolkit,
    protocol: Protocol,
    council_name: str,
) -> list[Line]:
    """What the registry and evaluation say for one section, in the config's order: a blank
    value, a "Don't know", a figure some returns left blank ("at least") or an answer that
    is not one of a field's ``expect`` is a line to complete."""
    lines = []
    for item in section.prefill:
        value = row.get(item.field)
        if review_months(toolkit, item.field) is not None:
            lines.append(_review_line(item, value, toolkit, protocol))
        elif item.field in _MISSING_RETURNS:
            lines += _summed_line(item, value, row, protocol)
        elif _unknown_answer(value, protocol):
            lines.append(
                Line(
                    item.label,
                    to_complete=f'{item.label}: officers answered "{str(value).strip()}" in '
                    "the survey; find out and complete",
                )
            )
        elif _blank(value):
            lines.append(Line(item.label, to_complete=f"{item.label}: not reported in the survey"))
        elif item.field == "partners":
            named = parties(row, council_name)
            lines.append(Line(item.label, items=(f"{named[0]} (the council)", *named[1:])))
        elif item.field == toolkit.risk.main_risks:
            lines.append(Line(item.label, items=tuple(str(value).split(MAIN_RISKS_SEPARATOR))))
        else:
            shown = _shown(value, item.field, protocol)
            lines.append(Line(item.label, shown))
            if item.expect is not None and value not in item.expect:
                lines.append(Line(item.label, to_complete=f"{item.label}: {item.gap}"))
    if section.to_complete:
        lines.append(Line(section.heading, to_complete=section.to_complete))
    return lines


def evaluation_gaps(row: pd.Series, toolkit: Toolkit) -> Gaps:
    """Every gap the evaluation found for the partnership: the governance evidence missing,
    heading by heading (governance_missing); an uncontrolled risk and its missing controls;
    and contributions no officer costed (cost_missing_returns, vfm_cost_known)."""
    groups = [
        (heading.name, heading.missing)
        for heading in profiles.governance_headings(row, toolkit)
        if heading.missing
    ]
    risk = []
    if _is(row.get("uncontrolled_risk"), True):
        controls = profiles.split_list(row.get("risk_controls_missing"))
        risk.append(
            f"an uncontrolled {row.get('risk_level')} risk: put its controls in place ("
            + "; ".join(controls)
            + ")"
        )
    cost = []
    missing_returns = _count(row.get("cost_missing_returns"))
    known = row.get("vfm_cost_known")
    if missing_returns > 0:
        cost.append(
            f"{missing_returns} of {_count(row.get('returns'))} officers' returns left a cost "
            "figure blank (cash, in kind or officer time): confirm each contribution"
        )
    if _is(known, False) or _blank(row.get("full_cost")):
        cost.append("the full cost is not known: the sum of the figures given is a lower bound")
    if risk:
        groups.append(("Risk controls", tuple(risk)))
    if cost:
        groups.append(("Cost", tuple(cost)))
    return Gaps(tuple(groups))


def parties(row: pd.Series | None, council_name: str) -> list[str]:
    """The parties who sign: the council, then each partner named (none in the template)."""
    named = profiles.split_list(row.get("partners")) if row is not None else []
    return [council_name, *[p for p in named if p != council_name]]


def safe_name(partnership_id: str) -> str:
    """A file name from a partnership ID: letters, digits, '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(partnership_id)).strip("-") or "partnership"


# --- the Word document -------------------------------------------------------------------


def _to_complete(document: Any, words: str) -> None:
    """One gap: a highlighted, bold "To complete:" then its words."""
    paragraph = document.add_paragraph()
    marker = paragraph.add_run(TO_COMPLETE)
    marker.bold = True
    marker.font.highlight_color = WD_COLOR_INDEX.YELLOW
    paragraph.add_run(f" {words}")


def _answer_space(document: Any, lines: int = 3) -> None:
    """A bordered box to write the section in."""
    table = document.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    cell = table.cell(0, 0)
    for _ in range(lines - 1):
        cell.add_paragraph()


def _signature_table(document: Any, signing: list[str]) -> None:
    header = ("Party", "Signed by (name)", "Position", "Signature", "Date")
    table = document.add_table(rows=1 + len(signing), cols=len(header))
    table.style = "Table Grid"
    for column, words in enumerate(header):
        table.cell(0, column).paragraphs[0].add_run(words).bold = True
    for index, party in enumerate(signing, start=1):
        table.cell(index, 0).text = party


def _lines(document: Any, lines: list[Line]) -> None:
    for line in lines:
        if line.to_complete is not None:
            _to_complete(document, line.to_complete)
        elif line.items:
            document.add_paragraph(f"{line.label}:")
            for entry in line.items:
                document.add_paragraph(entry, style="List Bullet")
        else:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{line.label}: ").bold = True
            paragraph.add_run(line.value or "")


def _section(
    document: Any,
    section: AgreementSection,
    signing: list[str],
    lines: list[Line] | None,
) -> None:
    document.add_heading(section.heading, level=1)
    guidance = document.add_paragraph()
    guidance.add_run("Guidance: ").bold = True
    guidance.add_run(section.guidance).italic = True
    if lines:
        document.add_paragraph("From the partnership survey (check each with the partners):")
        _lines(document, lines)
    if section.signatures:
        _signature_table(document, signing)
    else:
        _answer_space(document)


def _document(
    agreement: Agreement,
    council_name: str,
    title: str,
    signing: list[str],
    prefill: dict[str, list[Line]] | None = None,
    gaps: Gaps | None = None,
    about: list[str] | None = None,
) -> Any:
    document = docx.Document()
    document.add_heading(title, level=0)
    document.add_paragraph(council_name)
    for words in about or []:
        document.add_paragraph(words)
    document.add_heading("How to use this template", level=1)
    for words in agreement.how_to_use:
        document.add_paragraph(words)
    if gaps is not None:
        document.add_heading("What the evaluation found missing", level=1)
        if not gaps.groups:
            document.add_paragraph(
                "The evaluation found no gap in the governance evidence, risk controls or cost."
            )
        for heading, listed in gaps.groups:
            document.add_heading(heading, level=2)
            for words in listed:
                _to_complete(document, words)
    for section in agreement.sections:
        _section(
            document,
            section,
            signing,
            None if prefill is None else prefill.get(section.heading, []),
        )
    return document


def template(sources: Sources) -> Any:
    """The blank template: every section with its guidance and space, and a signature row
    for the council and for partners."""
    agreement = _agreement(sources)
    council_name = sources.config.council.council_name
    signing = [council_name, *["Partner"] * _BLANK_PARTNER_ROWS]
    return _document(agreement, council_name, agreement.title, signing)


def prefilled(sources: Sources, row: pd.Series) -> Any:
    """The agreement pre-filled for one partnership, with its gaps marked to complete."""
    agreement = _agreement(sources)
    toolkit, protocol = sources.config.toolkit, sources.config.protocol
    council_name = sources.config.council.council_name
    fills = {
        section.heading: prefilled_lines(section, row, toolkit, protocol, council_name)
        for section in agreement.sections
    }
    about = [
        f"Pre-filled for {row['name']} ({row['partnership_id']}), a key partnership in the "
        f"{sources.year} partnership survey. Draft: check every figure with the partners.",
    ]
    if not _blank(row.get("key_criteria")):
        about.append(f"Key partnership because: {row['key_criteria']}.")
    return _document(
        agreement,
        council_name,
        f"{agreement.title}: {row['name']}",
        parties(row, council_name),
        fills,
        evaluation_gaps(row, toolkit),
        about,
    )


def _agreement(sources: Sources) -> Agreement:
    agreement = sources.config.protocol.agreement
    if agreement is None:  # only a Protocol built in code lacks it; protocol.yaml needs it
        raise ValueError("the protocol has no agreement sections")
    return agreement


def key_partnerships(evaluation: pd.DataFrame | None) -> pd.DataFrame:
    """The year's key partnerships, by partnership ID (none before the year is run)."""
    if evaluation is None:
        return pd.DataFrame()
    key = evaluation[evaluation["key_partnership"].fillna(False).astype(bool)]
    return key.sort_values("partnership_id", kind="stable")


def write(sources: Sources, out: Path) -> list[Path]:
    """agreement_template.docx, and agreements/<partnership_id>.docx for each key partnership."""
    author = sources.config.council.council_name
    title = _agreement(sources).title
    written = [files.save_docx(template(sources), out / TEMPLATE_FILE, title=title, author=author)]
    for _, row in key_partnerships(sources.evaluation).iterrows():
        path = out / AGREEMENTS_DIR / f"{safe_name(row['partnership_id'])}.docx"
        written.append(
            files.save_docx(
                prefilled(sources, row), path, title=f"{title}: {row['name']}", author=author
            )
        )
    return written
