"""Forms for one partnership (pipeline/framework/forms.py): written as Word, spreadsheet and
CSV, read back by field ID with where each answer was, and refused in one line when wrong."""

import time

import docx
import pytest

from pipeline.errors import PipelineError
from pipeline.framework import files, forms

FIELDS = [
    forms.Field("Q20", "Annual cash contribution from the council (£)", "Pounds a year"),
    forms.Field("Q43", "What is the overall risk?", "One of: Low; Medium; High"),
    forms.Field("purpose", "What is the partnership for?", "Free text"),
]
KNOWN = {"Q20": "Q20", "cash": "Q20", "Q43": "Q43", "purpose": "purpose"}


def _word_form(path, answers):
    document = docx.Document()
    document.add_heading("Assessment", level=1)
    table = forms.add_form_table(document, FIELDS)
    for row in table.rows[1:]:
        row.cells[-1].text = answers.get(row.cells[0].text, "")
    return files.save_docx(document, path, title="Assessment", author="Council")


def test_a_filled_word_form_reads_back_by_id_with_its_place(tmp_path):
    form = _word_form(tmp_path / "form.docx", {"Q20": "£12,500", "Q43": "High"})

    read = forms.read_form(form, KNOWN)

    assert read.values == {"Q20": "£12,500", "Q43": "High"}  # the blank field is not answered
    assert read.where("Q43") == "form.docx: table 1, row 3"


def test_the_word_form_lists_every_field_under_the_header(tmp_path):
    form = _word_form(tmp_path / "form.docx", {})

    table = docx.Document(form).tables[0]

    assert tuple(cell.text for cell in table.rows[0].cells) == forms.HEADER
    assert [row.cells[0].text for row in table.rows[1:]] == ["Q20", "Q43", "purpose"]
    assert 'w:tblHeader w:val="true"' in table.rows[0]._tr.xml  # repeats on each page


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_table_form_reads_its_one_row_of_answers(tmp_path, suffix):
    blank = forms.write_table_template(FIELDS, tmp_path / f"blank{suffix}", title="Assessment")
    with pytest.raises(PipelineError, match=rf"blank\{suffix}: holds no row of answers"):
        forms.read_form(blank, KNOWN)  # the blank form, not filled in
    filled = tmp_path / "filled.csv"
    filled.write_text('cash,Q43,purpose\n"£3,000",Low,Road safety\n', encoding="utf-8")

    read = forms.read_form(filled, KNOWN)

    assert read.values == {"Q20": "£3,000", "Q43": "Low", "purpose": "Road safety"}
    assert read.where("Q43") == "filled.csv: row 2, column B"


def test_templates_are_byte_identical_on_rerun(tmp_path):
    for suffix in (".csv", ".xlsx"):
        first = forms.write_table_template(FIELDS, tmp_path / f"a{suffix}", title="T")
        time.sleep(1.1)  # a workbook's "modified" has one-second steps: cross at least one
        second = forms.write_table_template(FIELDS, tmp_path / f"b{suffix}", title="T")
        assert first.read_bytes() == second.read_bytes()
    from openpyxl import load_workbook

    saved = load_workbook(tmp_path / "a.xlsx").properties  # no time of saving: fixed dates
    assert saved.modified == saved.created == files.DOCUMENT_DATE.replace(tzinfo=None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Q20,Q99\n1,2\n", r"bad\.csv: row 1, column B: the header 'Q99' is not a field"),
        ("\n\nQ20,Q43\n\n1,Low,x\n", r"bad\.csv: row 5, column C: an answer under no header"),
        ("Q20,Q43\n1,Low\n2,High\n", r"bad\.csv: holds 2 rows of answers .* one row"),
        ("Q20,Q43\n", r"bad\.csv: holds no row of answers"),
        (
            "Q20,cash\n1,2\n",
            r"bad\.csv: row 2, column B: Q20 is answered twice \(also at row 2, column A\)",
        ),
        ("Q20,,Q43\n1,oops,Low\n", r"bad\.csv: row 2, column B: an answer under no header"),
        ("name,value\nx,y\n", r"bad\.csv: row 1 names no field of this form"),
    ],
)
def test_a_wrong_table_form_is_one_line_naming_row_and_column(tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")

    with pytest.raises(PipelineError, match=message):
        forms.read_form(bad, KNOWN)


def test_a_wrong_word_form_is_one_line_naming_table_and_row(tmp_path):
    form = _word_form(tmp_path / "form.docx", {"Q20": "1"})
    document = docx.Document(form)
    document.tables[0].rows[2].cells[0].text = "Q99"
    document.save(tmp_path / "edited.docx")

    with pytest.raises(PipelineError, match=r"edited\.docx: table 1, row 3: 'Q99' .* not a field"):
        forms.read_form(tmp_path / "edited.docx", KNOWN)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("form.docx", b"not a zip at all", r"form\.docx: not a readable Word document"),
        ("form.pdf", b"%PDF-1.7", r"form\.pdf: not a form this command reads \(\.pdf\)"),
        ("notes.docx", None, r"notes\.docx: holds no table headed 'ID'"),
    ],
)
def test_a_file_that_is_no_form_is_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        document = docx.Document()
        document.add_paragraph("Q20: 12,500")
        document.save(path)
    else:
        path.write_bytes(content)

    with pytest.raises(PipelineError, match=message):
        forms.read_form(path, KNOWN)


def test_a_missing_form_is_one_line(tmp_path):
    with pytest.raises(PipelineError, match=r"form\.docx not found"):
        forms.read_form(tmp_path / "form.docx", KNOWN)


def test_answer_rows_are_numbered_as_the_file_numbers_them(tmp_path):
    filled = tmp_path / "filled.csv"
    filled.write_text('\n\nQ20,Q43\n\n"£1,000",High\n', encoding="utf-8")

    read = forms.read_form(filled, KNOWN)

    assert read.values == {"Q20": "£1,000", "Q43": "High"}
    assert read.where("Q43") == "filled.csv: row 5, column B"


def _edited(form, tmp_path, edit):
    document = docx.Document(form)
    edit(document.tables[0])
    document.save(tmp_path / "edited.docx")
    return tmp_path / "edited.docx"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (  # "How to answer" and "Your answer" merged in the header row
            lambda table: table.cell(0, 2).merge(table.cell(0, 3)),
            r"table 1, row 1: cells are merged, split or missing",
        ),
        (  # one answer cell spanning two questions
            lambda table: table.cell(1, 3).merge(table.cell(2, 3)),
            r"table 1, row 3: a cell is merged with row 2's",
        ),
        (  # a row that lost its last cell: "How to answer" would be read as the answer
            lambda table: table.rows[2]._tr.remove(table.rows[2].cells[3]._tc),
            r"table 1, row 3: cells are merged, split or missing",
        ),
        (  # a deleted row: its field would silently be blank
            lambda table: table._tbl.remove(table.rows[2]._tr),
            r"the form has no row for Q43 \(a row was deleted\)",
        ),
        (  # a renamed header
            lambda table: setattr(table.cell(0, 3), "text", "Answer"),
            r"table 1, row 1: the header is not the form's",
        ),
    ],
)
def test_a_word_form_whose_table_was_reshaped_is_refused(tmp_path, edit, message):
    form = _word_form(tmp_path / "form.docx", {"Q20": "£1,000", "Q43": "High", "purpose": "x"})

    with pytest.raises(PipelineError, match=message):
        forms.read_form(_edited(form, tmp_path, edit), KNOWN)
