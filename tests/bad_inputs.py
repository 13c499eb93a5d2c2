"""Damaged survey exports for the catalogue of bad inputs (tests/test_bad_inputs.py).

Everything is built at test time from the embedded sample, never committed: a
``SampleExport`` is the sample's Microsoft Forms download (its header and rows as text, as
Excel re-saves it as CSV, and the first rows as the Excel workbook). Each builder takes it
and a folder, writes the damaged file(s) there the way a user would leave them in
data/raw/<year>/, and returns their paths.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from encrypted_xlsx import password_protected_xlsx
from openpyxl import Workbook

from pipeline import ingest, sample
from pipeline.protocol import Protocol
from pipeline.sample.files import save_xlsx

XLSX_ROWS = 12  # returns in the sample workbook the XLSX builders damage
RESPONSE_ID, SUBMITTED = "ID", "Completion time"  # Microsoft Forms' own columns


@dataclass(frozen=True)
class SampleExport:
    """The sample's Microsoft Forms export, as text rows and as a workbook."""

    year: int
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    xlsx: bytes
    positions: Mapping[str, int]  # question ID (or platform column name) -> 0-based column

    @classmethod
    def of(
        cls, returns: Sequence[sample.SampleReturn], protocol: Protocol, year: int
    ) -> SampleExport:
        """Write the sample's returns as the platform does and read them back as text."""
        with tempfile.TemporaryDirectory() as folder:
            text = sample.write_ms_forms_csv(list(returns), protocol, Path(folder) / "a.csv", year)
            book = sample.write_ms_forms_xlsx(
                list(returns[:XLSX_ROWS]), protocol, Path(folder) / "a.xlsx", year
            )
            table = list(csv.reader(io.StringIO(text.read_text(encoding="cp1252"), newline="")))
            mapped = ingest.ingest_exports([book], protocol, year).column_map
            workbook = book.read_bytes()
        header = tuple(table[0])
        questions = mapped[mapped["question_id"].notna()]
        positions = dict(zip(questions["question_id"], questions["column"] - 1, strict=True))
        for platform in (RESPONSE_ID, SUBMITTED):
            positions[platform] = header.index(platform)
        return cls(year, header, tuple(tuple(row) for row in table[1:]), workbook, positions)

    def name(self, label: str, suffix: str = "csv") -> str:
        """A file name as the platform's download would have it."""
        return f"partnership_survey_{self.year}_{label}.{suffix}"

    def table(self, rows: Iterable[int] = range(5)) -> list[list[str]]:
        """The header and copies of the chosen rows (0-based), ready to damage."""
        return [list(self.header), *(list(self.rows[row]) for row in rows)]

    def column(self, qid: str) -> int:
        """The 0-based column of a question (or platform column)."""
        return self.positions[qid]


def csv_bytes(
    table: Sequence[Sequence[str]], delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    """A table as a platform writes CSV: quoted where needed, CRLF line ends."""
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    return text.getvalue().encode(encoding)


def _write(folder: Path, name: str, content: bytes) -> list[Path]:
    path = folder / name
    path.write_bytes(content)
    return [path]


def with_cell(table: list[list[str]], row: int, column: int, value: str) -> list[list[str]]:
    """A copy of the table with one data cell (row 0 is the first below the header) set."""
    changed = [list(cells) for cells in table]
    changed[row + 1][column] = value
    return changed


# --- whole files ------------------------------------------------------------------------------

Builder = Callable[[SampleExport, Path], list[Path]]
DAMAGED_ROW = 2  # the data row the single-row damages below go into (0-based)


def spreadsheet_row(row: int = DAMAGED_ROW) -> int:
    """The row number a spreadsheet shows for a data row (one header row above)."""
    return row + 2


def empty_file(export: SampleExport, folder: Path) -> list[Path]:
    return _write(folder, export.name("empty"), b"")


def empty_workbook(export: SampleExport, folder: Path) -> list[Path]:
    saved = io.BytesIO()
    Workbook().save(saved)
    return _write(folder, export.name("empty", "xlsx"), saved.getvalue())


def header_only(export: SampleExport, folder: Path) -> list[Path]:
    return _write(folder, export.name("header_only"), csv_bytes(export.table([])))


def binary_garbage(suffix: str) -> Builder:
    def build(export: SampleExport, folder: Path) -> list[Path]:
        noise = random.Random(16).randbytes(64 * 1024)
        return _write(folder, export.name("garbage", suffix), noise)

    return build


def wrong_delimiter(export: SampleExport, folder: Path) -> list[Path]:
    return _write(folder, export.name("pipes"), csv_bytes(export.table(), delimiter="|"))


def truncated_workbook(export: SampleExport, folder: Path) -> list[Path]:
    return _write(folder, export.name("truncated", "xlsx"), export.xlsx[: len(export.xlsx) // 2])


def password_protected(export: SampleExport, folder: Path) -> list[Path]:
    protected = password_protected_xlsx(export.xlsx)
    return _write(folder, export.name("protected", "xlsx"), protected)


def workbook_named_csv(export: SampleExport, folder: Path) -> list[Path]:
    return _write(folder, export.name("really_xlsx"), export.xlsx)


def csv_named_workbook(export: SampleExport, folder: Path) -> list[Path]:
    return _write(folder, export.name("really_csv", "xlsx"), csv_bytes(export.table()))


def saved_as_pdf(export: SampleExport, folder: Path) -> list[Path]:
    return _write(folder, export.name("printed", "pdf"), b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")


def without_column(qid: str) -> Builder:
    def build(export: SampleExport, folder: Path) -> list[Path]:
        gone = export.column(qid)
        table = [[c for n, c in enumerate(row) if n != gone] for row in export.table()]
        return _write(folder, export.name(f"no_{qid}"), csv_bytes(table))

    return build


def duplicated_column(qid: str) -> Builder:
    """The question's column again at the end, header and answers (a copy-paste)."""

    def build(export: SampleExport, folder: Path) -> list[Path]:
        copied = export.column(qid)
        table = [[*row, row[copied]] for row in export.table()]
        return _write(folder, export.name(f"twice_{qid}"), csv_bytes(table))

    return build


def unheaded_column(export: SampleExport, folder: Path) -> list[Path]:
    """A last column with a blank header and a value in every row."""
    header, *rows = export.table()
    table = [[*header, ""], *([*row, f"note {n}"] for n, row in enumerate(rows, start=1))]
    return _write(folder, export.name("unheaded"), csv_bytes(table))


WIDE = 1000


def thousand_columns(export: SampleExport, folder: Path) -> list[Path]:
    """The export widened to 1,000 columns by headed columns of the platform's own."""
    header, *rows = export.table()
    extra = WIDE - len(header)
    table = [
        [*header, *(f"Custom field {n}" for n in range(1, extra + 1))],
        *([*row, *(f"value {n}" for n in range(1, extra + 1))] for row in rows),
    ]
    return _write(folder, export.name("wide"), csv_bytes(table))


HUNDRED_MB = 100 * 1024 * 1024


def hundred_megabytes(export: SampleExport, folder: Path) -> list[Path]:
    """Over 100 MB of returns (the sample's rows repeated), streamed to disk."""
    header, *rows = export.table(range(len(export.rows)))
    body = csv_bytes(rows)
    path = folder / export.name("huge")
    with path.open("wb") as handle:
        handle.write(csv_bytes([header]))
        written = 0
        while written <= HUNDRED_MB:
            handle.write(body)
            written += len(body)
    return [path]


def megabyte_cell(qid: str) -> Builder:
    """One answer of a million characters (a paste gone wrong) in DAMAGED_ROW."""

    def build(export: SampleExport, folder: Path) -> list[Path]:
        table = with_cell(export.table(), DAMAGED_ROW, export.column(qid), "x" * 1_000_000)
        return _write(folder, export.name("huge_cell"), csv_bytes(table))

    return build


def nul_bytes(qid: str) -> Builder:
    """NUL characters inside an answer of DAMAGED_ROW (a file damaged in transfer)."""

    def build(export: SampleExport, folder: Path) -> list[Path]:
        table = export.table()
        value = table[DAMAGED_ROW + 1][export.column(qid)]
        damaged = with_cell(table, DAMAGED_ROW, export.column(qid), f"\0{value}\0\0")
        return _write(folder, export.name("nul"), csv_bytes(damaged))

    return build


MIXED_AMOUNT = "£2,750"


def mixed_encodings(qid: str) -> Builder:
    """A UTF-8 export (pound signs as UTF-8 in other rows) in which one amount in
    DAMAGED_ROW was typed in a cp1252 program: its pound sign is the single byte 0xA3."""

    def build(export: SampleExport, folder: Path) -> list[Path]:
        rows = range(8)
        table = with_cell(export.table(rows), DAMAGED_ROW, export.column(qid), MIXED_AMOUNT)
        content = csv_bytes(table)
        assert "£".encode() in content.replace(MIXED_AMOUNT.encode(), b""), "no other £"
        content = content.replace(MIXED_AMOUNT.encode(), MIXED_AMOUNT.encode("cp1252"))
        return _write(folder, export.name("mixed_encoding"), content)

    return build


def ragged_row(export: SampleExport, folder: Path) -> list[Path]:
    """DAMAGED_ROW has two cells more than the header (an unquoted comma in an answer)."""
    table = export.table()
    table[DAMAGED_ROW + 1] = [*table[DAMAGED_ROW + 1], "and", "more"]
    return _write(folder, export.name("ragged"), csv_bytes(table))


def short_row(export: SampleExport, folder: Path) -> list[Path]:
    """DAMAGED_ROW has lost one cell in the middle (a separator dropped when edited by
    hand): its later answers would sit one question to the left."""
    table = export.table()
    row = table[DAMAGED_ROW + 1]
    middle = len(row) // 2
    table[DAMAGED_ROW + 1] = [*row[:middle], *row[middle + 1 :]]
    return _write(folder, export.name("short"), csv_bytes(table))


def repeated_header(suffix: str) -> Builder:
    """The header row again after DAMAGED_ROW, as when two exports are joined into one: a
    CSV (read column by column in C) or a workbook (read row by row)."""

    def build(export: SampleExport, folder: Path) -> list[Path]:
        table = export.table()
        table.insert(DAMAGED_ROW + 1, list(export.header))
        if suffix == "csv":
            return _write(folder, export.name("joined"), csv_bytes(table))
        path = folder / export.name("joined", "xlsx")  # typed "=..." answers stay text
        return [save_xlsx(list(table), 1, path, export.year, "dd/mm/yyyy hh:mm")]

    return build


def joined_byte_for_byte(export: SampleExport, folder: Path) -> list[Path]:
    """Two downloads joined byte for byte (``cat``, ``copy /b``): the second keeps its byte
    order mark, in the middle of the file, before its header row after DAMAGED_ROW."""
    table = export.table()
    first, second = table[: DAMAGED_ROW + 1], [table[0], *table[DAMAGED_ROW + 1 :]]
    content = csv_bytes(first, encoding="utf-8-sig") + csv_bytes(second, encoding="utf-8-sig")
    return _write(folder, export.name("joined"), content)


def header_with_a_trailing_separator(export: SampleExport, folder: Path) -> list[Path]:
    """A header row ending in an empty cell (a trailing comma) over rows one cell shorter:
    every row is as wide as the columns the header names."""
    table = export.table()
    text = csv_bytes(table).decode("utf-8").split("\r\n", 1)
    return _write(folder, export.name("trailing"), f"{text[0]},\r\n{text[1]}".encode())


def unclosed_quote(qid: str) -> Builder:
    """An answer in DAMAGED_ROW opens a quote that never closes: the rest of the file
    would be read as that one answer."""

    def build(export: SampleExport, folder: Path) -> list[Path]:
        table = with_cell(export.table(), DAMAGED_ROW, export.column(qid), "OPEN_QUOTE")
        content = csv_bytes(table).replace(b"OPEN_QUOTE", b'"Chair said ""fine')
        return _write(folder, export.name("open_quote"), content)

    return build


def with_good_export(export: SampleExport, folder: Path) -> Path:
    return _write(folder, export.name("msforms"), csv_bytes(export.table()))[0]


def broken_link(export: SampleExport, folder: Path) -> list[Path]:
    """A good export beside a symbolic link to a download that was moved away."""
    good = with_good_export(export, folder)
    link = folder / export.name("link")
    link.symlink_to(folder.parent / "moved" / export.name("original"))
    return [good, link]


def link_loop(export: SampleExport, folder: Path) -> list[Path]:
    """A good export beside two links that point at each other."""
    good = with_good_export(export, folder)
    first, second = folder / export.name("loop_a"), folder / export.name("loop_b")
    first.symlink_to(second.name)
    second.symlink_to(first.name)
    return [good, first, second]


def whole_file_twice(
    export: SampleExport, folder: Path, rows: Iterable[int], label: str
) -> list[Path]:
    """The same download saved twice (a second download, renamed by the browser)."""
    content = csv_bytes(export.table(rows))
    return [
        *_write(folder, export.name(label), content),
        *_write(folder, export.name(f"{label} (1)"), content),
    ]
