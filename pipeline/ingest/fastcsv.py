"""Reading a plain CSV export column by column in C, exactly as the csv module reads it (D46).

The csv module builds a Python string for every cell of every row; reading a 50,000-row
export that way, turning its rows into columns and finding each column's distinct cells
costs seconds per file. pandas' C parser reads the same text into columns, keeping one
string per distinct cell of a column, in a fraction of that. Its reading is taken only
where it is provably the strict csv reader's (``plain_records``): every quote opens or
closes a quoted field as that reader takes it (no quote inside an unquoted cell, nothing
but a separator or a line end after a closing one, none left open), every carriage return
is part of a CRLF line end, no record is empty and every record has as many fields as the
first. Only then do the two readers take the same characters for each cell: outside a
quoted field a separator ends a cell and a line end a record, inside one every character
is the cell's own and a doubled quote is one quote. The text must also need no cleaning
(no control characters, re-read marks or cells longer than a spreadsheet cell, checked on
the bytes and on the distinct cells) and must not start with a byte order mark (which
pandas would drop). Anything else returns None, and the caller reads the file with the
csv module as before, with its errors and notes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

_QUOTE, _LINE_FEED, _CARRIAGE_RETURN = ord('"'), ord("\n"), ord("\r")
# The ASCII bytes of the characters that ``text.NEEDS_CLEANING`` finds (C0 controls other
# than tab, line feed and carriage return, and DEL); the others are multibyte in UTF-8.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


@dataclass(frozen=True)
class Columns:
    """A CSV's rows (header rows included) read column by column: each column's code per
    row into its distinct cells, first seen first."""

    codes: list[np.ndarray]
    cells: list[list[str]]
    length: int

    @property
    def width(self) -> int:
        return len(self.codes)

    def row(self, index: int) -> list[str]:
        """One row's cells, as the csv module reads them."""
        return [cells[codes[index]] for codes, cells in zip(self.codes, self.cells, strict=True)]


def _in_range(values: np.ndarray, low: int, high: int) -> np.ndarray:
    return (values >= low) & (values <= high)


def needs_cleaning(encoded: bytes) -> bool:
    """Whether UTF-8 text may hold a character of ``text.NEEDS_CLEANING``: a control
    character (C0 or DEL as one byte, C1 as C2 80-9F), a bidi override or isolate (E2 80
    AA-AE, E2 81 A6-A9) or a re-read mark (U+FDD0, EF B7 90). Worked out on the bytes in C."""
    if len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded):
        return True
    data = np.frombuffer(encoded, dtype=np.uint8)
    padded = np.concatenate([data, np.zeros(2, dtype=np.uint8)])
    c2 = np.flatnonzero(data == 0xC2)
    if _in_range(padded[c2 + 1], 0x80, 0x9F).any():
        return True
    e2 = np.flatnonzero(data == 0xE2)
    second, third = padded[e2 + 1], padded[e2 + 2]
    bidi = ((second == 0x80) & _in_range(third, 0xAA, 0xAE)) | (
        (second == 0x81) & _in_range(third, 0xA6, 0xA9)
    )
    if bidi.any():
        return True
    ef = np.flatnonzero(data == 0xEF)
    return bool(((padded[ef + 1] == 0xB7) & (padded[ef + 2] == 0x90)).any())


def plain_records(encoded: bytes, separator: str) -> tuple[int, int] | None:
    """(records, fields per record) of UTF-8 CSV text whose quoting, line ends and widths
    the strict csv reader and pandas' C parser read alike (module docstring); None when
    the text is not so plain. In UTF-8 the separator, quote and line-end bytes never occur
    inside another character, so the bytes can be read for them directly."""
    data = np.frombuffer(encoded, dtype=np.uint8)
    size = len(data)
    if size == 0 or encoded.count(b"\r") != encoded.count(b"\r\n"):
        return None
    sep = ord(separator)
    quotes = np.flatnonzero(data == _QUOTE)
    if len(quotes) % 2:
        return None  # a quoted field left open at the end: the strict reader refuses it
    # Quoted spans: from the quote that opens a field to the one that closes it.
    span_start = span_end = np.zeros(0, dtype=np.int64)
    if len(quotes):
        # Runs of consecutive quotes; the quotes before a run say whether it starts inside
        # a quoted field (odd) or outside (even), as long as every earlier run is plain.
        starts = np.concatenate([[True], np.diff(quotes) != 1])
        before = np.flatnonzero(starts)
        run_start = quotes[starts]
        run_end = np.concatenate([quotes[before[1:] - 1], quotes[-1:]]) + 1
        after = before + (run_end - run_start)
        span_start = run_start[before % 2 == 0]  # starts outside: it must open a field
        span_end = run_end[after % 2 == 0]  # ends outside: it must close a field
        previous = data[np.maximum(span_start - 1, 0)]
        field_start = (span_start == 0) | (previous == sep) | (previous == _LINE_FEED)
        padded = np.concatenate([data, np.zeros(2, dtype=np.uint8)])
        following = padded[span_end]
        field_end = (
            (span_end == size)
            | (following == sep)
            | (following == _LINE_FEED)
            | ((following == _CARRIAGE_RETURN) & (padded[span_end + 1] == _LINE_FEED))
        )
        if not (field_start.all() and field_end.all()):
            return None
    line_feeds = np.flatnonzero(data == _LINE_FEED)
    ends = line_feeds[np.searchsorted(quotes, line_feeds) % 2 == 0]  # outside: a record's end
    record_start = np.concatenate([[0], ends + 1])
    record_end = np.concatenate([ends, [size]])
    crlf = np.concatenate([data[np.maximum(ends - 1, 0)] == _CARRIAGE_RETURN, [False]])
    content_end = record_end - crlf
    if record_start[-1] == size:  # the text ends with a line end: no record after it
        record_start, content_end = record_start[:-1], content_end[:-1]
    if not len(record_start) or (content_end <= record_start).any():
        return None  # an empty line: the csv module reads it as a row of no cells
    # Separators outside quoted spans before each record's end: all of them less those in
    # the spans wholly before it (a record ends outside any span).
    separators = np.flatnonzero(data == sep)
    inside = np.searchsorted(separators, span_end) - np.searchsorted(separators, span_start)
    inside_before = np.concatenate([[0], np.cumsum(inside)])
    bounds = np.concatenate([[0], content_end])
    spans_before = np.searchsorted(span_end, bounds, side="right")
    outside = np.searchsorted(separators, bounds) - inside_before[spans_before]
    fields = np.diff(outside) + 1
    if (fields != fields[0]).any():
        return None  # rows of different widths: read row by row
    return len(record_start), int(fields[0])


def read_columns(content: str, separator: str, longest: int) -> Columns | None:
    """The text's rows column by column as the strict csv reader reads them, or None when
    that cannot be shown (module docstring) or a cell needs cleaning or is longer than
    ``longest`` characters: the caller then reads it row by row."""
    if "\ufeff" in content:  # pandas drops a BOM at the file's start and, on the first
        return None  # line, at the start of each 256 KiB chunk it reads: never guess which
    try:
        encoded = content.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    if needs_cleaning(encoded):
        return None
    shape = plain_records(encoded, separator)
    if shape is None:
        return None
    records, width = shape
    try:
        frame = _read_frame(encoded, separator)
    except pd.errors.ParserError:  # not expected once plain_records holds: read row by row
        return None
    del encoded
    if frame.shape != (records, width):
        return None
    codes: list[np.ndarray] = []
    cells: list[list[str]] = []
    for position in range(width):
        column_codes, uniques = pd.factorize(frame.iloc[:, position].to_numpy(dtype=object))
        found = list(uniques)
        if not all(type(cell) is str for cell in found):
            return None
        if found and max(map(len, found)) > longest:
            return None
        codes.append(column_codes)
        cells.append(found)
    return Columns(codes, cells, records)


def _read_frame(encoded: bytes, separator: str) -> pd.DataFrame:
    """Every cell as text, nothing taken as missing, no row skipped, quoting as csv's."""
    return pd.read_csv(
        io.BytesIO(encoded),
        sep=separator,
        header=None,
        index_col=False,
        dtype=object,
        na_filter=False,
        keep_default_na=False,
        skip_blank_lines=False,
        skipinitialspace=False,
        quoting=csv.QUOTE_MINIMAL,
        quotechar='"',
        doublequote=True,
        escapechar=None,
        comment=None,
        encoding="utf-8",
        engine="c",
        low_memory=False,
    )
