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
from pipeline.ingest.values import is_blank

logger = logging.getLogger(__name__)

# Platform columns by layout: header (case-insensitive) -> role. Role "drop" columns are
# never read (IP addresses, locations, platform bookkeeping).
PLATFORM_COLUMNS: dict[str, dict[str, str]] = {
    "Microsoft Forms": {
        "id": "response_id",
        "start time": "started_at",
        "completion time": "submitted_at",
        "email": "email",
        "name": "name",
        "last modified time": "drop",
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
# The headers that identify a layout: all must be present in the first row.
_SIGNATURES: list[tuple[str, set[str]]] = [
    ("Microsoft Forms", {"id", "start time", "completion time"}),
    ("SmartSurvey", {"userid", "started", "ended"}),
    ("Google Forms", {"timestamp"}),
]
# Layouts recognised but read by a later release: named in the error so the analyst knows.
_NOT_YET: list[tuple[str, set[str]]] = [
    ("SurveyMonkey", {"respondent id", "collector id"}),
    ("Qualtrics", {"responseid", "startdate"}),
]


@dataclass
class RawExport:
    """One export file as read: headers, data rows and where each row sits in the file."""

    path: Path
    layout: str
    headers: list[str]
    rows: list[list[Any]]
    source_rows: list[int]
    platform: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    empty_rows: int = 0

    @property
    def question_columns(self) -> dict[int, str]:
        """Position -> header for the columns that are not the platform's own."""
        taken = set(self.platform.values()) | {
            i for i, h in enumerate(self.headers) if h in self.dropped
        }
        return {i: h for i, h in enumerate(self.headers) if i not in taken and h.strip()}


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


def _read_csv(path: Path) -> list[list[Any]]:
    text = _decode(path.read_bytes(), path)
    first_line = text.split("\n", 1)[0]
    delimiter = max(("\t", ",", ";"), key=first_line.count)
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _read_xlsx(path: Path, looks_like_returns: Callable[[list[Any]], int]) -> list[list[Any]]:
    """The sheet whose header row looks most like survey returns, as cell values."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise PipelineError(f"{path.name}: not a readable Excel workbook ({exc}).") from None
    try:
        sheets = [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book]
    finally:
        book.close()
    sheets = [rows for rows in sheets if rows]
    if not sheets:
        raise PipelineError(f"{path.name}: the workbook has no rows in any sheet.")
    return max(sheets, key=lambda rows: looks_like_returns(rows[0]))


def read_table(path: Path, looks_like_returns: Callable[[list[Any]], int]) -> list[list[Any]]:
    """Every row of the export's responses sheet (CSV or XLSX), header rows included."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path, looks_like_returns)
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path)
    raise PipelineError(f"{path.name}: not a CSV or XLSX file; export the survey as one of them.")


def _header_text(cell: Any) -> str:
    return "" if is_blank(cell) else " ".join(str(cell).split())


def detect_layout(headers: list[str], path: Path, maps_a_question: Callable[[str], bool]) -> str:
    """Name the platform from its own column names; a file like none of them is an error."""
    lowered = {h.casefold() for h in headers}
    for layout, signature in _SIGNATURES:
        if signature <= lowered:
            return layout
    for layout, signature in _NOT_YET:
        if signature <= lowered:
            raise PipelineError(
                f"{path.name}: looks like a {layout} export, which this release cannot read yet; "
                "export the returns as a one-header-row CSV or XLSX instead."
            )
    if any(maps_a_question(h) for h in headers):
        return "plain CSV"
    seen = ", ".join(repr(h) for h in headers[:6]) or "no header row"
    raise PipelineError(
        f"{path.name}: matches no known survey export layout; its first row starts {seen}. "
        "Expected Microsoft Forms, Google Forms, SmartSurvey or a CSV headed by the questions."
    )


def read_export(
    path: Path,
    maps_a_question: Callable[[str], bool],
) -> RawExport:
    """Read one export: find its header row, its layout, its platform columns and its rows."""
    if not path.is_file():
        raise PipelineError(f"{path}: export file not found.")

    def looks_like_returns(row: list[Any]) -> int:
        return sum(bool(maps_a_question(_header_text(c))) for c in row)

    table = read_table(path, looks_like_returns)
    if not table:
        raise PipelineError(f"{path.name}: the file is empty.")
    headers = [_header_text(c) for c in table[0]]
    layout = detect_layout(headers, path, maps_a_question)
    roles = PLATFORM_COLUMNS[layout]
    platform: dict[str, int] = {}
    dropped: list[str] = []
    for position, header in enumerate(headers):
        role = roles.get(header.casefold())
        if role == "drop":
            dropped.append(header)
        elif role and role not in platform:
            platform[role] = position
    rows: list[list[Any]] = []
    source_rows: list[int] = []
    empty = 0
    width = len(headers)
    for offset, row in enumerate(table[1:], start=2):  # the header is spreadsheet row 1
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
    return RawExport(path, layout, headers, rows, source_rows, platform, dropped, empty)
