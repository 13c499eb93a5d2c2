"""Properties of the answer readers (hypothesis): whatever a cell holds, a reader returns a
Reading and never raises; and a value written the way exports and the returns table write
it is read back as itself.

Deterministic (derandomize, no example database) and small, so the suite stays fast.
"""

import datetime as dt
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import protocol, tables
from pipeline.ingest import values
from pipeline.report import formats

PROTOCOL = protocol.load()
LARGEST_MONEY = values.Limit(PROTOCOL.largest_answer["money"], "largest_answer.money")
LARGEST_HOURS = values.Limit(PROTOCOL.largest_answer["number"], "largest_answer.number")
PRIORITIES = PROTOCOL.by_key("priorities").options
DIRECTORATES = PROTOCOL.by_key("directorate").options  # one label holds commas
SEPARATORS = ";,\n"

FAST = settings(max_examples=100, deadline=None, derandomize=True, database=None)

# What a cell can hold: text of any kind (including digits, signs, pound signs and invisible
# characters), numbers of every size, NaN and infinities, booleans, dates and nothing.
_TYPED = st.text(alphabet="0123456789£$,.-+ kKmMbnBN/:eE\u200b\u00a0ax", max_size=30)
CELLS = st.one_of(
    st.none(),
    st.text(max_size=40),
    _TYPED,
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.just(10**5000),  # longer than Python will write as text
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
)


def _money(cell):
    return values.read_money(
        cell,
        zero_words=PROTOCOL.money_zero_words,
        missing_words=PROTOCOL.money_missing_words,
        approximate_words=PROTOCOL.approximate_words,
        largest=LARGEST_MONEY,
    )


def _is_reading_of(reading, kind):
    """A reading is either no answer, a typed value, or the raw text with an error."""
    assert isinstance(reading, values.Reading)
    if reading.error is not None:
        assert isinstance(reading.value, str)
        return None
    return reading.value if reading.value is None else kind(reading.value)


@FAST
@given(CELLS)
def test_read_money_never_raises_and_reads_only_finite_bounded_pounds(cell):
    pounds = _is_reading_of(_money(cell), float)

    if pounds is not None:
        assert math.isfinite(pounds) and abs(pounds) <= LARGEST_MONEY.largest


@FAST
@given(CELLS)
def test_read_hours_never_raises_and_reads_only_finite_bounded_hours(cell):
    hours = _is_reading_of(values.read_hours(cell, largest=LARGEST_HOURS), float)

    if hours is not None:
        assert math.isfinite(hours) and abs(hours) <= LARGEST_HOURS.largest


@FAST
@given(CELLS)
def test_read_date_never_raises_and_reads_only_dates(cell):
    day = _is_reading_of(values.read_date(cell), lambda v: v)

    assert day is None or type(day) is dt.date


@FAST
@given(CELLS)
def test_read_timestamp_never_raises_and_reads_only_times(cell):
    moment = _is_reading_of(values.read_timestamp(cell), lambda v: v)

    assert moment is None or type(moment) is dt.datetime


@FAST
@given(st.one_of(CELLS, st.lists(st.sampled_from(PRIORITIES)).map("; ".join)))
def test_read_multi_never_raises_and_reads_only_options_in_their_order(cell):
    reading = values.read_multi(cell, PRIORITIES)

    assert reading.error is None
    if reading.value is not None:
        chosen = reading.value.split("; ")
        assert chosen == [o for o in PRIORITIES if o in chosen]


# --- written, then read back ------------------------------------------------------------------

PENCE = st.integers(min_value=0, max_value=round(LARGEST_MONEY.largest * 100))


@FAST
@given(PENCE)
def test_money_written_with_pound_sign_and_commas_reads_back(pence):
    amount = pence / 100

    assert _money(formats.pounds(amount)) == values.Reading(amount)  # "£1,234.50"


@FAST
@given(PENCE)
def test_money_written_as_the_returns_table_writes_it_reads_back(pence):
    amount = pence / 100

    assert _money(tables.cell_text(amount)) == values.Reading(amount)  # "1234.5"
    assert _money(amount) == values.Reading(amount)  # a number cell


@FAST
@given(
    st.integers(min_value=0, max_value=round(LARGEST_HOURS.largest * 100)),
    st.sampled_from(["{}", "{} hours", "{} hrs", "{}h", "{} hours per month"]),
)
def test_hours_written_as_a_number_with_or_without_the_unit_read_back(hundredths, form):
    hours = hundredths / 100

    assert values.read_hours(form.format(tables.cell_text(hours)), largest=LARGEST_HOURS) == (
        values.Reading(hours)
    )


@FAST
@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.sampled_from(["%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d.%m.%Y", "%Y/%m/%d"]),
)
def test_a_date_written_in_a_format_the_reader_accepts_reads_back(day, form):
    assert values.read_date(day.strftime(form)) == values.Reading(day)


@FAST
@given(st.dates(min_value=dt.date(1982, 2, 18), max_value=dt.date(2064, 4, 9)))
def test_a_date_written_as_an_excel_serial_reads_back(day):
    serial = (day - values.EXCEL_EPOCH).days

    assert values.read_date(serial) == values.Reading(day)
    assert values.read_date(str(serial)) == values.Reading(day)


@FAST
@given(
    st.sampled_from([PRIORITIES, DIRECTORATES]).flatmap(
        lambda options: st.tuples(
            st.just(options),
            st.lists(st.sampled_from(options), min_size=1, unique=True),
            st.lists(st.sampled_from(SEPARATORS), min_size=1),
            st.sampled_from(["", " "]),
        )
    )
)
def test_options_joined_by_any_separators_read_back_in_option_order(drawn):
    options, chosen, separators, space = drawn
    joins = [separators[i % len(separators)] + space for i in range(len(chosen) - 1)]
    typed = chosen[0] + "".join(j + c for j, c in zip(joins, chosen[1:], strict=True))

    reading = values.read_multi(typed, options)

    assert reading == values.Reading("; ".join(o for o in options if o in chosen)), typed


# --- processed tables: written and read as pandas does, faster (decision D49) ----------------

# Text that the csv module quotes (commas, quotes, line ends) or not ("\r" alone), blanks
# and values of every kind a table holds, mixed in one column as in an object column.
_CSV_TEXT = st.text(alphabet=',"\r\n ;a1é\x00\u2028', max_size=8)
_CSV_CELLS = st.one_of(
    st.none(),
    _CSV_TEXT,
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
)


def _pandas_csv(frame: pd.DataFrame, target: Path) -> bytes:
    """The bytes pandas' to_csv writes of a table's cell texts (how write_csv wrote before
    D49)."""
    text = pd.DataFrame({i: tables.column_text(frame.iloc[:, i]) for i in range(frame.shape[1])})
    text.columns = frame.columns
    text.to_csv(target, index=False, lineterminator="\n")
    return target.read_bytes()


@FAST
@given(
    st.lists(st.sampled_from(["a", "b,c", 'd"e', "f\ng", ""]), min_size=1, max_size=3),
    st.data(),
)
def test_write_csv_writes_the_bytes_pandas_writes(names, data):
    rows = data.draw(st.integers(min_value=0, max_value=6))
    frame = pd.DataFrame(
        {
            i: pd.Series(
                data.draw(st.lists(_CSV_CELLS, min_size=rows, max_size=rows)), dtype=object
            )
            for i in range(len(names))
        }
    )
    frame.columns = names
    with tempfile.TemporaryDirectory() as folder:
        written = tables.write_csv(frame, Path(folder) / "t.csv").read_bytes()
        assert written == _pandas_csv(frame, Path(folder) / "p.csv")


@FAST
@given(st.lists(st.lists(st.one_of(st.none(), _CSV_TEXT, _TYPED), min_size=2, max_size=2)))
def test_read_csv_text_reads_what_pandas_reads_blanks_as_none(rows):
    frame = pd.DataFrame(rows, columns=["a", "b"], dtype=object)
    with tempfile.TemporaryDirectory() as folder:
        target = tables.write_csv(frame, Path(folder) / "t.csv")
        read = tables.read_csv_text(target)
        expected = pd.read_csv(target, dtype=str, keep_default_na=False, na_values=[""])
    expected = expected.astype(object).where(expected.notna(), None)
    pd.testing.assert_frame_equal(read, expected)
    assert all(v is None or type(v) is str for v in read.to_numpy().ravel())


@pytest.mark.parametrize("cells", [[0.0, -0.0], [True, 1], [2, 2.0, "2"], ["-0", "0"]])
def test_numbers_of_keeps_what_factorizing_would_merge(cells):
    """0.0 and -0.0, True and 1 are one value to factorize, not to to_numeric."""
    column = pd.Series(cells, dtype=object)

    read, expected = tables.numbers_of(column), pd.to_numeric(column, errors="coerce")

    assert read.dtype == expected.dtype
    assert (
        np.signbit(read.to_numpy(dtype=float)).tolist()
        == np.signbit(expected.to_numpy(dtype=float)).tolist()
    )


@FAST
@given(st.lists(st.one_of(st.none(), _TYPED, st.sampled_from(["1", "2.5", "-3", "1e400"]))))
def test_numbers_of_reads_each_text_as_to_numeric_does(cells):
    column = pd.Series(cells, dtype=object, name="Q20")

    expected = pd.to_numeric(column, errors="coerce")
    pd.testing.assert_series_equal(tables.numbers_of(column), expected, check_exact=True)
