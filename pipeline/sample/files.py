"""Byte-stable XLSX and CSV files: the same table always gives the same bytes."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

# One cell before storage: datetime/date become Excel cells in XLSX and text in CSV.
Cell = str | int | float | datetime.date | None

UK_DATE = "%d/%m/%Y"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _core_xml(year: int) -> bytes:
    """Fixed document properties: openpyxl would stamp the save time here."""
    stamp = f"{year}-05-01T00:00:00Z"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>Partnership survey {year} (synthetic sample)</dc:title>"
        "<dc:creator>Northmoor sample generator</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


# openpyxl writes its own version here: fixed so that an upgrade alone does not change the file.
_APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"><Application>Microsoft Excel Compatible</Application></Properties>'
)


def stable_xlsx(content: bytes, year: int) -> bytes:
    """Rewrite an XLSX zip so the same workbook always gives the same bytes.

    Entries keep openpyxl's order; each gets a fixed time, permissions and compression, and
    the two document-property parts (save time, creator, library version) are replaced.
    """
    fixed_parts = {"docProps/core.xml": _core_xml(year), "docProps/app.xml": _APP_XML}
    stable = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as saved,
        zipfile.ZipFile(stable, "w") as target,
    ):
        for info in saved.infolist():
            data = fixed_parts.get(info.filename) or saved.read(info)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data, compresslevel=6)
    return stable.getvalue()


def save_xlsx(
    table: list[list[Cell]], header_rows: int, path: Path, year: int, time_format: str
) -> Path:
    """One sheet; times and dates as Excel cells; typed text starting with "=" stays text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for n, row in enumerate(table):
        sheet.append([None if n < header_rows and cell == "" else cell for cell in row])
    for row in sheet.iter_rows(min_row=header_rows + 1):
        for cell in row:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = time_format
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "dd/mm/yyyy"
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed text, not a formula
    saved = io.BytesIO()
    workbook.save(saved)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stable_xlsx(saved.getvalue(), year))
    return path


def save_csv(
    table: list[list[Cell]],
    path: Path,
    time_text: Callable[[datetime.datetime], str],
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Write the table as text the way the platform prints each value.

    Times go through ``time_text``, date cells become UK day-first text, and the csv module
    quotes whatever holds the delimiter, quotes or line breaks. ``utf-16`` is written
    little-endian after a BOM, whatever the machine, so the bytes never vary.
    """

    def text(cell: Cell) -> str:
        if cell is None:
            return ""
        if isinstance(cell, datetime.datetime):
            return time_text(cell)
        if isinstance(cell, datetime.date):
            return cell.strftime(UK_DATE)
        return str(cell)

    path.parent.mkdir(parents=True, exist_ok=True)
    bom = ""
    if encoding == "utf-16":
        encoding, bom = "utf-16-le", "\ufeff"
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(bom)
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerows([[text(cell) for cell in row] for row in table])
    return path
