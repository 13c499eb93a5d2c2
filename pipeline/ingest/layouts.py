"""Reading an export file as it comes: encoding, sheet, header rows and platform columns.

The layout is detected from the file itself (no flags): each platform's own column names
say who wrote it. The result is a ``RawExport``: header per column, the data rows as
typed in the file, the spreadsheet row number of each, and which columns are the
platform's (response ID, times, respondent) rather than questions.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import logging
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import paths
from pipeline.errors import PipelineError
from pipeline.ingest import distinct, fastcsv, text
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
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_SEPARATORS = (",", ";", "\t")
_OTHER_SEPARATORS = ("|", "^", "~", ":", "#")  # named in the error, never guessed
_SHOWN_HEADER = 40  # characters of a header quoted in an error
_MAX_HEADER_ROWS = max(rows for _, _, rows in _SIGNATURES)
_PREVIEW_ROWS = 200  # rows read with each separator to choose one
_PREVIEW_CHARACTERS = 1 << 20  # the start of a text that nearly always holds them
# Excel's own limit for one cell: no platform's export holds a longer one, and a CSV cell
# this long is nearly always a quote that is never closed, swallowing the rows after it.
MAX_CELL_CHARACTERS = 32_767


@dataclass(frozen=True)
class CellNote:
    """A cell changed on reading (control characters removed, bytes re-read): where it is
    in the file (spreadsheet row, 0-based column), what was done, and the value it became."""

    row: int
    position: int
    note: str
    value: str


def column_letter(position: int) -> str:
    """A 0-based column position as a spreadsheet shows it (0 -> A, 26 -> AA)."""
    letters = ""
    number = position + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


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
    source_rows: list[int]  # spreadsheet row of each data row
    platform: dict[str, int] = field(default_factory=dict)
    empty_rows: int = 0
    titles: list[str | None] = field(default_factory=list)
    subheaders: list[str | None] = field(default_factory=list)
    dropped_positions: list[int] = field(default_factory=list)
    notes: list[CellNote] = field(default_factory=list)
    encoding: str | None = None  # a text export's encoding (D22); None for a workbook
    last_header_row: int = 1  # spreadsheet row of the last header row
    # The data cells column by column; empty when the file was read column by column in C
    # (``fastcsv``), which fills ``_distinct`` for every column instead.
    columns: list[Sequence[Any]] = field(default_factory=list, repr=False)
    _distinct: dict[int, tuple[Any, list[Any]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # Whether each distinct cell is blank, by column, where reading worked it out already.
    _blank: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def length(self) -> int:
        """How many data rows (returns) the export holds."""
        return len(self.source_rows)

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

    def distinct(self, position: int) -> tuple[Any, list[Any]]:
        """The column at ``position`` as codes into its distinct cells (worked out once;
        ``distinct.distinct``)."""
        if position not in self._distinct:
            self._distinct[position] = distinct.distinct(self.columns[position])
        return self._distinct[position]

    def filled(self, position: int) -> int:
        """How many data rows hold a value (not blank) in the column at ``position``."""
        codes, cells = self.distinct(position)
        if position in self._blank:  # worked out on reading
            return int((~self._blank[position][codes]).sum())
        table = distinct.spread_bool(codes, [not is_blank(cell) for cell in cells])
        return int(table.sum())

    @property
    def unheaded_columns(self) -> list[tuple[int, int]]:
        """(position, values) of the columns without a header that hold values: they are
        never read, so they are listed (as "(no header)", with how many values they hold)
        among the unmapped columns, never passed over in silence."""
        headed = {position for position, *_ in self.question_columns}
        headed |= set(self.platform.values()) | set(self.dropped_positions)
        counts = [
            (position, self.filled(position))
            for position in range(len(self.headers))
            if position not in headed
        ]
        return [(position, values) for position, values in counts if values]


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


@contextlib.contextmanager
def _cells_of_any_length() -> Iterator[None]:
    """Let the csv module read a cell of any length, so that a long one is refused with its
    row and column (by ``_check_cell_lengths``) instead of a bare "field larger than field
    limit"; the file itself is bounded by max_export_megabytes."""
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(limit)


def _parse(content: str, separator: str, rows: int | None = None) -> list[list[Any]]:
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=separator)
    return list(itertools.islice(reader, rows))


def _parse_strictly(content: str, separator: str, name: str) -> list[list[Any]]:
    """The whole file with the chosen separator, refusing a quote (") that does not close
    where its answer ends: read leniently, the rows after it would run into that answer."""
    parsed: list[list[Any]] = []
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=separator, strict=True)
    try:
        for row in reader:
            parsed.append(row)
    except csv.Error:
        raise PipelineError(
            f'{name}: row {len(parsed) + 1} has a quote (") that does not close where its '
            "answer ends, so the rows after it would be read into that answer; fix the quote, "
            "or download the export again."
        ) from None
    return parsed


def _preview(content: str, separator: str) -> list[list[Any]]:
    """The first rows as ``_parse`` reads them from the whole text, read from its start when
    that holds them: a row ends where a line ends, so when the start yields one row more,
    every row before it was read from whole lines, exactly as from the whole text (and the
    whole text is not copied for each separator tried)."""
    if len(content) > _PREVIEW_CHARACTERS:
        try:
            rows = _parse(content[:_PREVIEW_CHARACTERS], separator, _PREVIEW_ROWS + 1)
        except csv.Error:  # read again from the whole text, which says what is wrong
            rows = []
        if len(rows) > _PREVIEW_ROWS:
            return rows[:_PREVIEW_ROWS]
    return _parse(content, separator, _PREVIEW_ROWS)


def _read_csv(
    raw: bytes, path: Path, looks_like_returns: Callable[[list[Any]], int], columnar: bool = False
) -> tuple[list[list[Any]] | fastcsv.Columns, str]:
    """Parse with the separator (comma, semicolon, tab) whose header cells match the most
    questions: headers can hold commas and line breaks, so counting characters misleads.
    The separator is chosen on the first rows; only its reading of the file is kept.

    ``columnar``: read the file column by column in C where that reads exactly what the
    csv module would and no cell needs cleaning (``fastcsv``, D46); row by row otherwise.
    """
    decoded = text.decode_export(raw, path.name)
    try:
        with _cells_of_any_length():
            previews = {sep: _preview(decoded.text, sep) for sep in _SEPARATORS}
            separator = max(
                _SEPARATORS, key=lambda sep: _header_score(previews[sep], looks_like_returns)
            )
            if columnar:
                columns = fastcsv.read_columns(decoded.text, separator, MAX_CELL_CHARACTERS)
                if columns is not None:
                    return columns, decoded.encoding
            return _parse_strictly(decoded.text, separator, path.name), decoded.encoding
    except csv.Error as exc:
        raise PipelineError(f"{path.name}: not readable as CSV ({exc}).") from None


def _read_workbook(
    raw: bytes, path: Path, looks_like_returns: Callable[[list[Any]], int]
) -> list[list[Any]]:
    """The sheet whose header rows look most like survey returns, as typed cell values.

    python-calamine (Rust) reads a 10,000-row workbook about ten times faster than
    openpyxl, and reads .xls and .ods downloads too; date cells come back as dates.
    """
    from python_calamine import CalamineWorkbook

    if text.is_encrypted_workbook(raw):
        raise PipelineError(
            f"{path.name}: not a readable spreadsheet: it is password-protected (encrypted); "
            "open it in Excel, remove the password (File > Info > Protect Workbook) and save "
            "it again."
        )
    if text.content_kind(raw) == "zip":
        try:
            zipfile.ZipFile(io.BytesIO(raw)).close()
        except zipfile.BadZipFile:
            raise PipelineError(
                f"{path.name}: not a readable spreadsheet: it is incomplete or damaged (its zip "
                "archive does not end properly, as when a download is cut short); download it "
                "again."
            ) from None
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
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


def _bare(cell: Any) -> str:
    """A header cell's text as compared with a data row's: spacing and byte order marks
    aside (files joined byte for byte keep the second one's mark in the middle)."""
    return _header_text(cell).replace("\ufeff", "")


def _repeats_header(path: Path, row_number: int, header_row_number: int) -> PipelineError:
    """The error for a data row that is the header row again (two exports joined into one,
    whose columns may not even be in the same order): named, never read as a return."""
    return PipelineError(
        f"{path.name}: row {row_number} repeats the header row (row {header_row_number}): "
        "two exports joined into one? Keep one header row, check the rows below it are in "
        "the same columns, and run again."
    )


def read_table(
    path: Path, looks_like_returns: Callable[[list[Any]], int]
) -> tuple[list[list[Any]], str | None]:
    """Every row of the export's responses sheet (CSV or XLSX), header rows included, and
    a text export's encoding (None for a workbook).

    What the file holds decides how it is read, not its name alone: a workbook saved under
    a .csv name is read as the workbook it is.
    """
    table, encoding = _read_any(path, looks_like_returns, columnar=False)
    assert not isinstance(table, fastcsv.Columns)
    return table, encoding


def _read_any(
    path: Path, looks_like_returns: Callable[[list[Any]], int], columnar: bool
) -> tuple[list[list[Any]] | fastcsv.Columns, str | None]:
    """``read_table``, or a plain CSV column by column when ``columnar`` (D46)."""
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES + TEXT_SUFFIXES:
        raise PipelineError(
            f"{path.name}: not a CSV or spreadsheet file ({path.suffix or 'no suffix'}); "
            "download the survey's returns as CSV or Excel (.xlsx), or move this file out of "
            "the raw folder."
        )
    raw = path.read_bytes()
    if text.content_kind(raw[:8]) != "text":
        if suffix in TEXT_SUFFIXES:
            logger.warning("%s: holds a workbook, not text: read as a workbook", path.name)
        return _read_workbook(raw, path, looks_like_returns), None
    if suffix in WORKBOOK_SUFFIXES:
        logger.warning("%s: holds text, not a workbook: read as CSV", path.name)
    return _read_csv(raw, path, looks_like_returns, columnar)


def _refuse_long_cell(row: list[Any], index: int, path: Path, encoding: str | None) -> None:
    """A cell longer than a spreadsheet cell can be is refused with its row and column."""
    for position, cell in enumerate(row):
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARACTERS:
            hint = (
                "check the file for a quote that is never closed, or shorten the answer"
                if encoding is not None
                else "shorten the answer"
            )
            raise PipelineError(
                f"{path.name}: row {index + 1}, column {position + 1} "
                f"({column_letter(position)}) holds {len(cell):,} characters, more than a "
                f"spreadsheet cell can hold ({MAX_CELL_CHARACTERS:,}); {hint}."
            )


def _may_need_cleaning(table: list[list[Any]], all_text: bool) -> bool:
    """Whether any text cell is too long or holds a character to clean: one pattern
    search and one length per column (in C), so a clean export skips the row-by-row pass."""
    width = max(map(len, table), default=0)
    padded = table if all(len(row) == width for row in table) else None
    columns = zip(*padded, strict=True) if padded is not None else None
    if columns is None:
        return True  # ragged rows: look at them row by row
    for column in columns:
        texts = column if all_text else [cell for cell in column if isinstance(cell, str)]
        if not texts:
            continue
        if max(map(len, texts)) > MAX_CELL_CHARACTERS or text.NEEDS_CLEANING.search("".join(texts)):
            return True
    return False


def clean_cells(
    table: list[list[Any]], path: Path, encoding: str | None = None
) -> tuple[list[list[Any]], list[CellNote]]:
    """Every text cell without re-read marks and control characters (D22), and a note for
    each cell changed: nothing invisible or reordering reaches the returns. A cell longer
    than a spreadsheet cell can be is refused with its row and column.

    Each row is looked at whole first (one length and one pattern check in C), so that a
    clean 60 MB export costs little more than its parsing.
    """
    # A text export's cells are all text (the csv module reads nothing else).
    if not _may_need_cleaning(table, all_text=encoding is not None):
        return table, []
    notes: list[CellNote] = []
    cleaned: list[list[Any]] = []
    for index, row in enumerate(table):
        texts = [cell for cell in row if isinstance(cell, str)]
        if texts and max(map(len, texts)) > MAX_CELL_CHARACTERS:
            _refuse_long_cell(row, index, path, encoding)
        if not texts or not text.NEEDS_CLEANING.search("".join(texts)):
            cleaned.append(row)
            continue
        new_row = list(row)
        for position, cell in enumerate(row):
            if not isinstance(cell, str):
                continue
            value, reread = text.unmark_rereads(cell)
            value, removed = text.remove_controls(value)
            if reread or removed:
                new_row[position] = value
                note = "; ".join(n for n in (reread, removed) if n)
                notes.append(CellNote(index + 1, position, note, value))
        cleaned.append(new_row)
    return cleaned, notes


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
    shown = ", ".join(text.shown(h, _SHOWN_HEADER) for h in first[:6])
    seen = f"starts {shown}" if any(first) else "is empty"
    raise PipelineError(
        f"{path.name}: matches no known survey export layout; its first row {seen}. "
        "Expected Microsoft Forms, SurveyMonkey, Qualtrics, Google Forms, SmartSurvey or a "
        f"CSV headed by the questions.{_separator_hint(first)}"
    )


def _separator_hint(first: list[str]) -> str:
    """When the whole first row is one cell full of another separator ("|"), say so."""
    cells = [cell for cell in first if cell]
    if len(cells) != 1:
        return ""
    counts = {separator: cells[0].count(separator) for separator in _OTHER_SEPARATORS}
    separator, found = max(counts.items(), key=lambda item: item[1])
    if found < 2:
        return ""
    return (
        f" Its first row is one column holding {found} {separator!r} characters: save the "
        "file again separated by commas, semicolons or tabs."
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


@dataclass(frozen=True)
class _Head:
    """What an export's header rows say: layout, header texts and platform columns."""

    layout: str
    header_rows: int
    width: int
    headers: list[str]
    titles: list[str | None]
    subheaders: list[str | None]
    platform: dict[str, int]
    dropped_positions: list[int]


def _read_head(table: list[list[Any]], path: Path, maps_a_question: Callable[[str], bool]) -> _Head:
    """The layout and header rows of a table starting at its first non-blank row (only its
    first ``_MAX_HEADER_ROWS`` rows are looked at, and its length)."""
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
    return _Head(
        layout, header_rows, width, headers, titles, subheaders, platform, dropped_positions
    )


def _export(
    path: Path,
    head: _Head,
    source_rows: list[int],
    empty: int,
    last_header_row: int,
    encoding: str | None,
    notes: list[CellNote] | None = None,
    columns: list[Sequence[Any]] | None = None,
    distinct_cells: dict[int, tuple[Any, list[Any]]] | None = None,
) -> RawExport:
    logger.info("%s: %s layout, %d rows", path.name, head.layout, len(source_rows))
    return RawExport(
        path,
        head.layout,
        head.headers,
        source_rows,
        head.platform,
        empty,
        head.titles,
        head.subheaders,
        head.dropped_positions,
        notes or [],
        encoding,
        last_header_row,
        columns or [],
        distinct_cells or {},
    )


def _columnar_export(
    path: Path,
    whole: fastcsv.Columns,
    encoding: str | None,
    maps_a_question: Callable[[str], bool],
) -> RawExport:
    """``read_export`` of a CSV read column by column (D46): the same header rows, blank
    rows and data rows as row by row, each column's distinct cells worked out in C. Its
    rows are all as wide as the header (else it is read row by row), so no row is padded
    or has cells beyond the header; no cell needed cleaning (else likewise)."""
    blank = np.ones(whole.length, dtype=bool)
    blank_cells = []  # per column, whether each distinct cell is blank
    for codes, cells in zip(whole.codes, whole.cells, strict=True):
        blank_cells.append(np.array([is_blank(cell) for cell in cells], dtype=bool))
        blank &= blank_cells[-1][codes]
    if blank.all():
        raise PipelineError(f"{path.name}: the file is empty.")
    above = int(np.argmin(blank))  # blank rows above the first that is not
    top = range(above, min(above + _MAX_HEADER_ROWS, whole.length))
    head = _read_head([whole.row(index) for index in top], path, maps_a_question)
    start = above + head.header_rows
    kept = np.flatnonzero(~blank[start:]) + start
    # a data row that is the header row again, cell for cell: each column's header cell is
    # one of its distinct cells (the header row is read with the rest), so one code a column
    repeats = np.zeros(whole.length, dtype=bool)
    repeats[kept] = True
    for codes in whole.codes:
        repeats &= codes == codes[above]
        if not repeats.any():
            break
    else:
        raise _repeats_header(path, int(np.flatnonzero(repeats)[0]) + 1, above + 1)
    found: dict[int, tuple[Any, list[Any]]] = {}
    for position, (codes, cells) in enumerate(zip(whole.codes, whole.cells, strict=True)):
        data_codes, used = pd.factorize(codes[kept])  # first seen first, as distinct() does
        found[position] = (data_codes, [cells[code] for code in used])
        blank_cells[position] = blank_cells[position][used]
    raw = _export(
        path,
        head,
        (kept + 1).tolist(),  # a row's spreadsheet number is its index + 1
        int(whole.length - start - len(kept)),
        start,
        encoding,
        distinct_cells=found,
    )
    raw._blank.update(enumerate(blank_cells))
    return raw


def read_export(
    path: Path,
    maps_a_question: Callable[[str], bool],
    max_megabytes: int = paths.DEFAULT_MAX_EXPORT_MEGABYTES,
) -> RawExport:
    """Read one export: its layout, header rows, platform columns and data rows.

    A file over ``max_megabytes`` is refused before it is read; every cell changed on
    reading is noted (``RawExport.notes``). A plain CSV is read column by column in C
    (``fastcsv``, D46), anything else row by row.
    """
    paths.check_export(path, max_megabytes)

    def looks_like_returns(row: list[Any]) -> int:
        return sum(bool(maps_a_question(_header_text(c))) for c in row)

    whole, encoding = _read_any(path, looks_like_returns, columnar=True)
    if isinstance(whole, fastcsv.Columns):
        return _columnar_export(path, whole, encoding, maps_a_question)
    whole, notes = clean_cells(whole, path, encoding)
    above, table = _without_leading_blanks(whole)
    if not table:
        raise PipelineError(f"{path.name}: the file is empty.")
    head = _read_head(table, path, maps_a_question)
    header_rows, width = head.header_rows, head.width
    named = max(
        (
            position + 1
            for row in table[:header_rows]
            for position, cell in enumerate(row)
            if not is_blank(cell)
        ),
        default=0,
    )
    header = [_bare(cell) for cell in table[0]] + [""] * (width - len(table[0]))
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
        # A text export's rows are as wide as its named columns: a shorter row that holds
        # anything may have lost a separator, and padding it would shift its answers into
        # the wrong questions without a word (D54). Workbooks are read by cell position.
        if encoding is not None and len(row) < named and any(not is_blank(c) for c in row):
            raise PipelineError(
                f"{path.name}: row {offset} has {len(row)} cells but the header row names "
                f"{named} columns; a separator may be missing, which would put its answers "
                "in the wrong questions. If the file was saved from Excel (which can leave "
                "out a row's empty last cells), save it as .xlsx or download it again."
            )
        cells = cells[:width]
        if all(is_blank(c) for c in cells):
            empty += 1
            continue
        if _bare(cells[0]) == header[0] and [_bare(c) for c in cells] == header:
            raise _repeats_header(path, offset, above + 1)  # the header row again
        rows.append(cells)
        source_rows.append(offset)
    columns = list(zip(*rows, strict=True)) or [()] * len(head.headers)
    return _export(
        path, head, source_rows, empty, above + header_rows, encoding, notes, list(columns)
    )
