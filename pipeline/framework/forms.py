"""Forms an officer fills in for one partnership, and reading them back (decision D33).

The value-for-money assessment and the new-partnership decision aid are both forms: one
field per row, each with an ID the command reads it by. An officer fills in whichever copy
suits: the Word form (a table per part: ID, question, how to answer, their answer), or a
spreadsheet or CSV with the IDs as the header row and one row of answers. Reading gives
the answers by field ID with where each was read, so a wrong answer is named by its place;
a form that cannot be read is one line naming the file, the row and the column.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import paths
from pipeline.errors import PipelineError
from pipeline.framework import files
from pipeline.ingest import layouts
from pipeline.ingest.values import is_blank

# The Word form's columns: the first and last are what reading relies on.
HEADER = ("ID", "Question", "How to answer", "Your answer")
WORD_SUFFIXES = (".docx",)
TABLE_SUFFIXES = layouts.WORKBOOK_SUFFIXES + layouts.TEXT_SUFFIXES


@dataclass(frozen=True)
class Field:
    """One thing the form asks: its ID (a question ID such as Q20, or a field's own key),
    the question as printed, and how to answer it (the options, or the kind of answer)."""

    id: str
    question: str
    how: str


@dataclass(frozen=True)
class Answers:
    """A filled-in form: each answered field's text by ID, and where it was read."""

    source: Path
    values: dict[str, str]
    places: dict[str, str]

    def where(self, field_id: str) -> str:
        """`file: place` of a field, for a one-line error about its answer."""
        return f"{self.source.name}: {self.places.get(field_id, f'field {field_id}')}"


# --- writing ------------------------------------------------------------------------------


def add_form_table(document: Any, fields: Sequence[Field]) -> Any:
    """A table of fields for the officer to answer in the last column; its header row
    repeats on each printed page and the ID column reads as the field's name."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = document.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    header_properties = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_properties.append(repeat)
    for field in fields:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = field.id, field.question, field.how
    return table


def write_table_template(fields: Sequence[Field], path: Path, *, title: str) -> Path:
    """The form as a workbook (.xlsx: sheet Answers with the IDs as its header and one row
    to fill, sheet Questions with each ID's question and how to answer) or a CSV (the IDs
    and an empty row)."""
    if path.suffix == ".csv":
        line = ",".join(field.id for field in fields)
        return files.write_text(f"{line}\n{',' * (len(fields) - 1)}\n", path)
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    answers = book.active
    answers.title = "Answers"
    answers.append([field.id for field in fields])
    answers.freeze_panes = "A2"
    for position in range(1, len(fields) + 1):
        answers.column_dimensions[get_column_letter(position)].width = 18
    questions = book.create_sheet("Questions")
    questions.append(list(HEADER[:3]))
    for field in fields:
        questions.append([field.id, field.question, field.how])
    questions.freeze_panes = "A2"
    for letter, width in zip("ABC", (12, 70, 50), strict=True):
        questions.column_dimensions[letter].width = width
    book.properties.title = title
    book.properties.creator = "partnerships pipeline"
    book.properties.created = book.properties.modified = files.DOCUMENT_DATE.replace(tzinfo=None)
    buffer = io.BytesIO()
    # openpyxl's book.save stamps the time of saving as "modified"; its writer does not
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(files.reproducible_zip(buffer.getvalue()))
    return path


# --- reading ------------------------------------------------------------------------------


def _known_id(text: str, known: Mapping[str, str]) -> str | None:
    """The field an ID cell names (as printed, or any other name the caller accepts),
    ignoring case and spacing."""
    return known.get(" ".join(str(text).split()).casefold())


def _lookup(known: Mapping[str, str]) -> dict[str, str]:
    return {" ".join(name.split()).casefold(): field_id for name, field_id in known.items()}


def _add(
    answers: dict[str, str],
    places: dict[str, str],
    field_id: str,
    value: str,
    place: str,
    path: Path,
    first: dict[str, str],
) -> None:
    if field_id in first:
        raise PipelineError(
            f"{path.name}: {place}: {field_id} is answered twice (also at {first[field_id]}); "
            "keep one answer per field."
        )
    first[field_id] = place
    places[field_id] = place  # a blank answer's place too: "a required answer is missing"
    if value.strip():
        answers[field_id] = value.strip()


def _form_table(table: Any) -> bool:
    """Whether a Word table is one of the form's: its first cell reads ID. Any other table
    is the officer's own (notes, a copy of the partners) and is not read."""
    rows = table.rows
    return bool(rows) and bool(rows[0].cells) and rows[0].cells[0].text.strip() == HEADER[0]


def _check_layout(table: Any, number: int, path: Path) -> None:
    """A form table as written: four separate cells in every row, none merged with another
    (a merged cell reads as one text under two questions, or drops one: refused)."""
    seen: dict[Any, int] = {}  # each cell's XML element (held, so never a reused id)
    for row_number, row in enumerate(table.rows, start=1):
        cells = row.cells
        place = f"{path.name}: table {number}, row {row_number}"
        if len(cells) != len(HEADER) or len({cell._tc for cell in cells}) != len(cells):
            raise PipelineError(
                f"{place}: cells are merged, split or missing (a form row has the {len(HEADER)} "
                f"cells {' | '.join(HEADER)}); unmerge them or copy the row from the blank form."
            )
        if row_number == 1 and [cell.text.strip() for cell in cells] != list(HEADER):
            raise PipelineError(
                f"{place}: the header is not the form's ({' | '.join(HEADER)}); "
                "copy it back from the blank form."
            )
        for cell in cells:
            above = seen.setdefault(cell._tc, row_number)
            if above != row_number:
                raise PipelineError(
                    f"{place}: a cell is merged with row {above}'s (one answer would be read "
                    "for two questions); unmerge it."
                )


def _read_word(path: Path, known: Mapping[str, str]) -> Answers:
    import docx

    raw = path.read_bytes()
    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise PipelineError(
            f"{path.name}: not a readable Word document ({error}); save it again as .docx."
        ) from None
    answers: dict[str, str] = {}
    places: dict[str, str] = {}
    first: dict[str, str] = {}
    tables = [(n, table) for n, table in enumerate(document.tables, start=1) if _form_table(table)]
    if not tables:
        raise PipelineError(
            f"{path.name}: holds no table headed {HEADER[0]!r} ... {HEADER[-1]!r}: "
            "fill in the form as written, not a copy of its text."
        )
    for number, table in tables:
        _check_layout(table, number, path)
        for row_number, row in enumerate(table.rows[1:], start=2):
            cells = row.cells
            place = f"table {number}, row {row_number}"
            if is_blank(cells[0].text):
                if cells[-1].text.strip():
                    raise PipelineError(
                        f"{path.name}: {place}: an answer with no ID in the {HEADER[0]} "
                        "column; put the field's ID back from the blank form."
                    )
                continue
            field_id = _known_id(cells[0].text, known)
            if field_id is None:
                raise PipelineError(
                    f"{path.name}: {place}: {cells[0].text.strip()!r} in the {HEADER[0]} column "
                    "is not a field of this form; use the form as written."
                )
            _add(answers, places, field_id, cells[-1].text, place, path, first)
    missing = [field_id for field_id in dict.fromkeys(known.values()) if field_id not in first]
    if missing:
        raise PipelineError(
            f"{path.name}: the form has no row for {', '.join(missing[:5])}"
            f"{' and more' if len(missing) > 5 else ''} (a row was deleted); copy the row back "
            "from the blank form."
        )
    return Answers(path, answers, places)


def _read_table(path: Path, known: Mapping[str, str]) -> Answers:
    def matches(row: list[Any]) -> int:
        return sum(not is_blank(cell) and _known_id(cell, known) is not None for cell in row)

    table, _ = layouts.read_table(path, matches)
    # (spreadsheet row number, cells) of each row that holds anything: numbers as the file's
    rows = [(n, row) for n, row in enumerate(table, 1) if any(not is_blank(c) for c in row)]
    if not rows:
        raise PipelineError(f"{path.name}: holds no rows; fill in the form's row of answers.")
    header_index = max(range(min(len(rows), 5)), key=lambda i: matches(rows[i][1]))
    (header_row, header), data = rows[header_index], rows[header_index + 1 :]
    if not matches(header):
        raise PipelineError(
            f"{path.name}: row {rows[0][0]} names no field of this form; keep the form's header "
            "row of IDs."
        )
    if len(data) != 1:
        what = "no row of answers" if not data else f"{len(data)} rows of answers"
        raise PipelineError(
            f"{path.name}: holds {what} under its header; a form is one partnership: one row."
        )
    answers: dict[str, str] = {}
    places: dict[str, str] = {}
    first: dict[str, str] = {}
    row_number, cells = data[0]
    for position, name in enumerate(header):
        value = cells[position] if position < len(cells) else None
        column = layouts.column_letter(position)
        place = f"row {row_number}, column {column}"
        if is_blank(name):
            if not is_blank(value):
                raise PipelineError(
                    f"{path.name}: {place}: an answer under no header; put the field's ID "
                    "back in the header row."
                )
            continue
        field_id = _known_id(name, known)
        if field_id is None:
            raise PipelineError(
                f"{path.name}: row {header_row}, column {column}: the header "
                f"{str(name).strip()!r} is not a field of this form; use the form's header row "
                "as written."
            )
        _add(answers, places, field_id, "" if is_blank(value) else str(value), place, path, first)
    for position in range(len(header), len(cells)):
        if not is_blank(cells[position]):
            raise PipelineError(
                f"{path.name}: row {row_number}, column {layouts.column_letter(position)}: an "
                "answer under no header; put the field's ID back in the header row."
            )
    return Answers(path, answers, places)


def read_form(path: Path, known: Mapping[str, str]) -> Answers:
    """A filled-in form (Word, spreadsheet or CSV). ``known`` maps every name a field may be
    given in the form (its ID; a question's key too, if the caller accepts it) to its ID."""
    path = Path(path)
    paths.check_export(path)  # nothing too large, empty, or unreadable is opened
    lookup = _lookup(known)
    suffix = path.suffix.lower()
    if suffix in WORD_SUFFIXES:
        return _read_word(path, lookup)
    if suffix in TABLE_SUFFIXES:
        return _read_table(path, lookup)
    raise PipelineError(
        f"{path.name}: not a form this command reads ({path.suffix or 'no suffix'}); give the "
        "filled-in Word form (.docx), or its spreadsheet (.xlsx) or CSV copy."
    )
