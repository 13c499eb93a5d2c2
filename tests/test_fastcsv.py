"""Reading a plain CSV column by column in C (D46) reads exactly what the strict csv reader
reads, or declines: never a different cell, row or width.

Deterministic (derandomize, no example database) and small, so the suite stays fast.
"""

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest import fastcsv, layouts, text

FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None)
LONGEST = layouts.MAX_CELL_CHARACTERS

# Pieces that make CSV hard: separators, quotes (doubled, stray, unclosed), every line end,
# blanks, a byte order mark, control and bidi characters, non-ASCII text.
PIECES = st.sampled_from(
    ['"', '""', ",", ";", "\t", "\n", "\r\n", "\r", " ", "a", "b", "é", "£", "😀", "\ufeff"]
    + ["\x00", "\x85", "\u202e", "\ufdd0", '"a,b"', '"x\ny"', '"q""r"', "1,2", "abc"]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


def _strict_rows(content: str, separator: str) -> list[list[str]] | None:
    """What the csv module's strict reader reads (None when it refuses the text)."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=separator, strict=True)
    try:
        return list(reader)
    except csv.Error:
        return None


def _rows(columns: fastcsv.Columns) -> list[list[str]]:
    return [columns.row(index) for index in range(columns.length)]


@FAST
@given(TEXTS, st.sampled_from([",", ";", "\t"]))
def test_a_text_read_column_by_column_reads_as_the_strict_csv_reader_reads_it(content, sep):
    columns = fastcsv.read_columns(content, sep, LONGEST)
    if columns is None:
        return  # declined: read row by row as before
    assert _rows(columns) == _strict_rows(content, sep)
    assert not text.NEEDS_CLEANING.search(content)


@pytest.mark.parametrize(
    "content",
    [
        'ID,Name\r\n1,"Smith, J"\r\n2,"said ""hi"""\r\n3,"two\nlines"\r\n',
        'a,b\n"",x\n"""",y\n',
        "a;b\n1;2",  # no line end after the last row
    ],
)
def test_plain_csv_is_read_column_by_column_as_the_csv_module_reads_it(content):
    sep = ";" if ";" in content else ","
    columns = fastcsv.read_columns(content, sep, LONGEST)
    assert columns is not None
    assert _rows(columns) == _strict_rows(content, sep)


@pytest.mark.parametrize(
    "content",
    [
        'a,b\n"x"y,1\n',  # text after a closing quote: the strict reader refuses it
        'a,b\n"open,1\n',  # a quote never closed
        'a,b\nx"y,1\n',  # a quote inside an unquoted cell
        "a,b\n\n1,2\n",  # an empty line: a row of no cells to the csv module
        "a,b\n1,2,3\n",  # rows of different widths
        "a,b\r1,2\n",  # a carriage return that is not part of CRLF
        "\ufeffa,b\n1,2\n",  # a byte order mark pandas would drop
        "a,b\n1,\ufeff2\n",  # one anywhere else: kept as typed, by the row-by-row reader
        "a,b\n1,\x002\n",  # a control character to remove (and note)
        "a,b\n1,\u202e2\n",  # a bidi override to remove
        "a,b\n1,\x852\n",  # a C1 control character
    ],
)
def test_anything_not_plain_is_left_to_the_row_by_row_reader(content):
    assert fastcsv.read_columns(content, ",", LONGEST) is None


def test_a_byte_order_mark_where_pandas_starts_a_chunk_is_kept_as_the_strict_reader_keeps_it():
    """pandas' parser reads 256 KiB at a time and, still on the first line, drops a BOM
    at the start of a chunk: a header that long with one there is read row by row."""
    header = ",".join(["x" * 999] * 400)
    header = header[:262_144] + "\ufeff" + header[262_144:]
    content = header + "\n" + ",".join(["1"] * 400) + "\n"

    assert fastcsv.read_columns(content, ",", LONGEST) is None
    read, _ = layouts._read_csv(
        content.encode("utf-8"), Path("export.csv"), lambda row: 1, columnar=True
    )
    first = read.row(0) if isinstance(read, fastcsv.Columns) else read[0]
    assert first == _strict_rows(content, ",")[0]
    assert sum("\ufeff" in cell for cell in first) == 1


def test_a_cell_longer_than_a_spreadsheet_cell_is_left_to_the_row_by_row_reader():
    content = "a,b\n1," + "x" * 20 + "\n"
    assert fastcsv.read_columns(content, ",", 19) is None
    assert fastcsv.read_columns(content, ",", 20) is not None


@FAST
@given(st.binary(max_size=64))
def test_utf8_multibyte_search_in_c_agrees_with_the_pattern(raw):
    assert text.has_utf8_multibyte(raw) == bool(text._UTF8_MULTIBYTE.search(raw))


@FAST
@given(st.text(max_size=30))
def test_the_byte_check_for_cleaning_never_misses_a_character_to_clean(content):
    if text.NEEDS_CLEANING.search(content):
        assert fastcsv.needs_cleaning(content.encode("utf-8", "surrogatepass"))
