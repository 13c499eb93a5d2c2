"""Reading an export file as it comes: encoding, sheet, header rows and platform columns.

The layout is detected from the file itself (no flags): each platform's own column names
say who wrote it. The result is a ``RawExport``: header per column, the data rows as
typed in the file, the spreadsheet row number of each, and which columns are the
platform's (response ID, times, respondent) rather than questions.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.ingest.columns import OTHER_BOX
from pipeline.ingest.values import is_blank

logger = logging.getLogger(__name__)

# Platform columns by layout: header (case-insensitive) -> role. Role "drop" columns are
# never read (IP addresses, locations, platform bookkeeping). For Qualtrics these are the
# first-row names, which are the platform's own and never taken as question IDs.
PLATFORM_COLUMNS: dict[str, dict[str, str]] = {
    "Microsoft Forms": {
        "id": "response_id",
        "start time": "started_at",
        "completion time": "submitted_at",
        "email": "email",
        "name": "name",
        "last modified time": "drop",
    },
    "SurveyMonkey": {
        "respondent id": "response_id",
        "collector id": "drop",
        "start date": "started_at",
        "end date": "submitted_at",
        "ip address": "drop",
        "email address": "email",
        "first name": "first_name",
        "last name": "last_name",
        "custom data 1": "drop",
    },
    "Qualtrics": {
        "startdate": "started_at",
        "enddate": "submitted_at",
        "status": "drop",
        "ipaddress": "drop",
        "progress": "drop",
        "duration (in seconds)": "drop",
        "finished": "complete",
        "recordeddate": "drop",
        "responseid": "response_id",
        "recipientlastname": "last_name",
        "recipientfirstname": "first_name",
        "recipientemail": "email",
        "externalreference": "drop",
        "locationlatitude": "drop",
        "locationlongitude": "drop",
        "distributionchannel": "drop",
        "userlanguage": "drop",
    },
    "Google Forms": {"timestamp": "submitted_at", "email address": "email"},
    "SmartSurvey": {
        "userid": "response_id",
        "userno": "drop",
        "name": "name",
        "email": "email",
        "ip address": "drop",
        "unique id": "drop",
        "started": "started_at",
        "ended": "submitted_at",
    },
    "plain CSV": {
        "response_id": "response_id",
        "submitted_at": "submitted_at",
        "complete": "complete",
    },
}
# The first-row headers that identify a layout (all must be present), and its header rows.
_SIGNATURES: list[tuple[str, set[str], int]] = [
    ("Microsoft Forms", {"id", "start time", "completion time"}, 1),
    ("SurveyMonkey", {"respondent id", "collector id"}, 2),
    ("Qualtrics", {"responseid", "startdate"}, 3),
    ("SmartSurvey", {"userid", "started", "ended"}, 1),
    ("Google Forms", {"timestamp"}, 1),
]


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_MAX_HEADER_ROWS = max(rows for _, _, rows in _SIGNATURES)


@dataclass
class RawExport:
    """One export file as read: headers, data rows and where each row sits in the file.

    ``headers`` is the text that names each column (for Qualtrics, the wording row);
    ``titles`` and ``subheaders`` carry a two-row header's first-row title (carried right
    over blank cells) and second-row label, for option columns and grid statements.
    """

    path: Path
    layout: str
    headers: list[str]
    rows: list[list[Any]]
    source_rows: list[int]
    platform: dict[str, int] = field(default_factory=dict)
    empty_rows: int = 0
    titles: list[str | None] = field(default_factory=list)
    subheaders: list[str | None] = field(default_factory=list)
    dropped_positions: list[int] = field(default_factory=list)

    @property
    def question_columns(self) -> list[tuple[int, str, str | None, str | None]]:
        """(position, header, title, second-row label) of the columns not the platform's."""
        taken = set(self.platform.values()) | set(self.dropped_positions)
        titles = self.titles or [None] * len(self.headers)
        subs = self.subheaders or [None] * len(self.headers)
        return [
            (i, h, titles[i], subs[i])
            for i, h in enumerate(self.headers)
            if i not in taken and (h.strip() or subs[i])
        ]


def _decode(raw: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM) or cp1252, the encodings exports come in."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise PipelineError(
            f"{path.name}: cannot read the file's text encoding (byte {exc.start}); "
            "save it as CSV UTF-8 or as an Excel workbook."
        ) from None


def _header_score(rows: list[list[Any]], looks_like_returns: Callable[[list[Any]], int]):
    """How much the first (up to three header) rows look like survey returns; then how many
    rows are as wide as the first; then that width."""
    rows = _without_leading_blanks(rows)[1]
    head = rows[:_MAX_HEADER_ROWS]
    width = len(rows[0]) if rows else 0
    consistent = sum(len(row) == width for row in rows[:200])
    return (max((looks_like_returns(r) for r in head), default=0), consistent, width)


def _without_leading_blanks(rows: list[list[Any]]) -> tuple[int, list[list[Any]]]:
    """Rows from the first non-blank one, and how many blank rows came before it."""
    skipped = 0
    while skipped < len(rows) and all(is_blank(c) for c in rows[skipped]):
        skipped += 1
    return skipped, rows[skipped:]


def _unpaired_quote(text: str, separator: str) -> int | None:
    """The row holding a quote (") that does not close where its answer ends: read leniently,
    the rows after it would run into that answer. None when every quote pairs up."""
    rows = 0
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True):
            rows += 1
    except csv.Error:
        return rows + 1  # the row being read when the quotes stopped making sense
    return None


def _read_csv(path: Path, looks_like_returns: Callable[[list[Any]], int]) -> list[list[Any]]:
    """Parse with the separator (comma, semicolon, tab) whose header cells match the most
    questions: headers can hold commas and line breaks, so counting characters misleads."""
    text = _decode(path.read_bytes(), path)
    try:
        parsed = {
            separator: list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
            for separator in (",", ";", "\t")
        }
    except csv.Error as exc:
        raise PipelineError(f"{path.name}: not readable as CSV ({exc}).") from None
    separator = max(parsed, key=lambda s: _header_score(parsed[s], looks_like_returns))
    row = _unpaired_quote(text, separator)
    if row is not None:
        raise PipelineError(
            f'{path.name}: row {row} has a quote (") that does not close where its answer '
            "ends, so the rows after it would be read into that answer; fix the quote, or "
            "download the export again."
        )
    return parsed[separator]


def _read_workbook(path: Path, looks_like_returns: Callable[[list[Any]], int]) -> list[list[Any]]:
    """The sheet whose header rows look most like survey returns, as typed cell values.

    python-calamine (Rust) reads a 10,000-row workbook about ten times faster than
    openpyxl, and reads .xls and .ods downloads too; date cells come back as dates.
    """
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = [  # empty rows and columns kept, so row and column numbers are the sheet's
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names
        ]
    except Exception as exc:  # a damaged or mislabelled file fails in many ways
        raise PipelineError(f"{path.name}: not a readable spreadsheet ({exc}).") from None
    sheets = [rows for rows in sheets if any(not is_blank(c) for row in rows for c in row)]
    if not sheets:
        raise PipelineError(f"{path.name}: the workbook has no rows in any sheet.")
    return max(sheets, key=lambda rows: _header_score(rows, looks_like_returns))


def _header_text(cell: Any) -> str:
    return "" if is_blank(cell) else " ".join(str(cell).split())


def read_table(path: Path, looks_like_returns: Callable[[list[Any]], int]) -> list[list[Any]]:
    """Every row of the export's responses sheet (CSV or XLSX), header rows included."""
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path, looks_like_returns)
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path, looks_like_returns)
    raise PipelineError(
        f"{path.name}: not a CSV or spreadsheet file ({path.suffix or 'no suffix'}); download "
        "the survey's returns as CSV or Excel (.xlsx), or move this file out of the raw folder."
    )


def detect_layout(
    table: list[list[Any]], path: Path, maps_a_question: Callable[[str], bool]
) -> tuple[str, int]:
    """Name the platform from its own column names, with its number of header rows.

    A file like none of them, and a Qualtrics "numeric values" export, are errors.
    """
    first = [_header_text(c) for c in table[0]]
    lowered = {h.casefold() for h in first}
    for layout, signature, header_rows in _SIGNATURES:
        if signature <= lowered:
            if len(table) < header_rows:
                raise PipelineError(
                    f"{path.name}: looks like a {layout} export but has fewer than its "
                    f"{header_rows} header rows."
                )
            if layout == "Qualtrics" and not any(
                _header_text(c).startswith('{"ImportId"') for c in table[2]
            ):
                raise PipelineError(
                    f"{path.name}: looks like a Qualtrics export without its third header row "
                    '({"ImportId": ...}); export it again as CSV with "choice text".'
                )
            return layout, header_rows
    if any(maps_a_question(h) for h in first):
        return "plain CSV", 1
    seen = f"starts {', '.join(repr(h) for h in first[:6])}" if any(first) else "is empty"
    raise PipelineError(
        f"{path.name}: matches no known survey export layout; its first row {seen}. "
        "Expected Microsoft Forms, SurveyMonkey, Qualtrics, Google Forms, SmartSurvey or a "
        "CSV headed by the questions."
    )


def _carried_right(cells: list[str]) -> list[str | None]:
    """A first header row's titles carried over the blank cells to their right (and over
    an "Other (please specify)" cell, which belongs to the question before it)."""
    carried: list[str | None] = []
    current: str | None = None
    for cell in cells:
        if not OTHER_BOX.match(cell):
            current = cell or current
        carried.append(current)
    return carried


def read_export(path: Path, maps_a_question: Callable[[str], bool]) -> RawExport:
    """Read one export: its layout, header rows, platform columns and data rows."""
    if not path.is_file():
        raise PipelineError(f"{path}: export file not found.")

    def looks_like_returns(row: list[Any]) -> int:
        return sum(bool(maps_a_question(_header_text(c))) for c in row)

    above, table = _without_leading_blanks(read_table(path, looks_like_returns))
    if not table:
        raise PipelineError(f"{path.name}: the file is empty.")
    layout, header_rows = detect_layout(table, path, maps_a_question)
    width = max(len(row) for row in table[:header_rows])
    header_cells = [
        [_header_text(c) for c in row] + [""] * (width - len(row)) for row in table[:header_rows]
    ]
    first = header_cells[0]
    titles: list[str | None] = []
    subheaders: list[str | None] = []
    headers = first
    if layout == "SurveyMonkey":
        titles, subheaders = _carried_right(first), [c or None for c in header_cells[1]]
    elif layout == "Qualtrics":
        headers = header_cells[1]  # row 1 names are the platform's own, not question IDs
    roles = PLATFORM_COLUMNS[layout]
    platform: dict[str, int] = {}
    dropped_positions: list[int] = []
    for position, name in enumerate(first):
        role = roles.get(name.casefold())
        if role == "drop":
            dropped_positions.append(position)
        elif role and role not in platform:
            platform[role] = position
    rows: list[list[Any]] = []
    source_rows: list[int] = []
    empty = 0
    # Spreadsheet row numbers: blank rows above, the header rows, then the data.
    for offset, row in enumerate(table[header_rows:], start=above + header_rows + 1):
        cells = list(row) + [None] * (width - len(row))
        if any(not is_blank(c) for c in cells[width:]):
            raise PipelineError(
                f"{path.name}: row {offset} has {len(cells)} cells but the header row has "
                f"{width}; check the file's separators and quoting."
            )
        cells = cells[:width]
        if all(is_blank(c) for c in cells):
            empty += 1
            continue
        rows.append(cells)
        source_rows.append(offset)
    logger.info("%s: %s layout, %d rows", path.name, layout, len(rows))
    return RawExport(
        path,
        layout,
        headers,
        rows,
        source_rows,
        platform,
        empty,
        titles,
        subheaders,
        dropped_positions,
    )
