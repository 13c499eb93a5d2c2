"""Reading typed answers: the council's conventions for money, hours, dates and options."""

import datetime as dt

import pytest

from pipeline import protocol
from pipeline.ingest import values

PROTOCOL = protocol.load()


def money(text):
    return values.read_money(
        text,
        zero_words=PROTOCOL.money_zero_words,
        missing_words=PROTOCOL.money_missing_words,
        approximate_words=PROTOCOL.approximate_words,
    )


@pytest.mark.parametrize(
    ("typed", "pounds"),
    [
        ("£12,500", 12500.0),
        ("12,500.00", 12500.0),
        ("12.5k", 12500.0),
        ("12.5K", 12500.0),
        ("£1.2m", 1200000.0),
        ("£1.2M", 1200000.0),
        ("12500", 12500.0),
        (12500, 12500.0),
        ("nil", 0.0),
        ("None", 0.0),
        ("nothing", 0.0),
        ("0", 0.0),
        (" £ 750 ", 750.0),
        ("£5,000 per year", 5000.0),
        ("12k pa", 12000.0),
        ("£1,200 per annum", 1200.0),
        ("3000 pounds", 3000.0),
        ("2,500 GBP", 2500.0),
        ("GBP 5000", 5000.0),
        ("nil pa", 0.0),
    ],
)
def test_read_money_reads_amounts_as_typed(typed, pounds):
    reading = money(typed)

    assert reading.value == pounds
    assert reading.error is None


@pytest.mark.parametrize("typed", ["N/A", "n/a", "-", "Don't know", "", None, "   "])
def test_read_money_treats_not_applicable_and_blank_as_missing_not_zero(typed):
    assert money(typed) == values.MISSING


def test_read_money_reads_approximate_amount_with_a_warning():
    reading = money("approx £3000")

    assert reading.value == 3000.0
    assert reading.warning == "approximate amount 'approx £3000'"


@pytest.mark.parametrize(
    "typed",
    ["tbc", "see finance", "£12,50,0x", "twelve grand", "£5,000 a week", "£1k-£2k", "--500"],
)
def test_read_money_keeps_unreadable_text_raw_with_an_error(typed):
    reading = money(typed)

    assert reading.value == typed
    assert reading.error == "money"


@pytest.mark.parametrize(
    ("typed", "hours"), [("10", 10.0), ("2.5", 2.5), ("10 hrs", 10.0), ("6 hours", 6.0), (4, 4.0)]
)
def test_read_hours_reads_numbers_with_units(typed, hours):
    assert values.read_hours(typed).value == hours


def test_read_hours_refuses_words():
    reading = values.read_hours("half a day a month")

    assert (reading.value, reading.error) == ("half a day a month", "hours")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("05/11/2024", dt.date(2024, 11, 5)),
        ("2024-11-05", dt.date(2024, 11, 5)),
        ("5/11/24", dt.date(2024, 11, 5)),
        (45601, dt.date(2024, 11, 5)),
        ("45601", dt.date(2024, 11, 5)),
        (dt.datetime(2024, 11, 5, 9, 30), dt.date(2024, 11, 5)),
        ("2024-11-05 09:30:00", dt.date(2024, 11, 5)),
        ("5 November 2024", dt.date(2024, 11, 5)),
        ("5th Nov 2024", dt.date(2024, 11, 5)),
    ],
)
def test_read_date_is_day_first_and_reads_iso_and_excel_serials(typed, expected):
    assert values.read_date(typed).value == expected


@pytest.mark.parametrize("typed", ["31/02/2024", "last spring", "13/13/2024"])
def test_read_date_keeps_impossible_dates_raw_with_an_error(typed):
    assert values.read_date(typed).error == "date"


@pytest.mark.parametrize("typed", ["31/02/2024", "2023-02-29", "13/13/2024", "00/01/2024"])
def test_read_date_says_an_impossible_date_is_no_day_in_the_calendar(typed):
    assert values.read_date(typed) == values.Reading(
        typed, error="date", reason="no such day in the calendar"
    )


def test_timestamps_column_with_second_part_over_12_is_month_first():
    column = ["3/14/25 10:22", "4/1/25 09:00"]

    month_first = values.timestamps_are_month_first(column)

    assert month_first
    assert values.read_timestamp(column[1], day_first=not month_first).value == dt.datetime(
        2025, 4, 1, 9, 0
    )


def test_read_multi_matches_options_in_protocol_order_with_ms_forms_trailing_separator():
    options = PROTOCOL.question("Q26").options

    reading = values.read_multi("Stronger communities;Better lives for all;", options)

    assert reading.value == "Better lives for all; Stronger communities"


def test_read_multi_keeps_labels_that_contain_commas():
    options = ("Growth, Environment and Transport", "Resources")

    reading = values.read_multi("Resources, Growth, Environment and Transport", options)

    assert reading.value == "Growth, Environment and Transport; Resources"


def test_read_multi_keeps_text_that_is_no_option_as_other_with_a_warning():
    options = PROTOCOL.question("Q26").options

    reading = values.read_multi("Economic ambition;World  PEACE;", options)

    assert (reading.value, reading.other) == ("Economic ambition", "World  PEACE")
    assert reading.warning == "'World  PEACE' is not one of the options; kept as other"


@pytest.mark.parametrize(
    ("typed", "score"),
    [
        ("Agree", 4),
        ("STRONGLY AGREE", 5),
        (" neither agree  nor disagree", 3),
        ("Don't know", None),
    ],
)
def test_read_agree5_reads_labels_in_any_case_and_dont_know_as_missing(typed, score):
    assert values.read_agree5(typed, PROTOCOL.agree5, PROTOCOL.agree5_missing).value == score


def test_read_single_normalises_case_and_keeps_unknown_answer_for_validation():
    options = PROTOCOL.question("Q43").options

    assert values.read_single("high", options).value == "High"
    assert values.read_single("Very high", options) == values.Reading("Very high")


def test_read_single_keeps_dont_know_as_an_answer_where_it_is_an_option():
    assert values.read_single("don't know", PROTOCOL.question("Q13").options).value == "Don't know"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14/03/2025 10:22:31", dt.datetime(2025, 3, 14, 10, 22, 31)),
        ("2025-03-14T10:22:31", dt.datetime(2025, 3, 14, 10, 22, 31)),
        ("2025/03/14 3:06:53 PM GMT+1", dt.datetime(2025, 3, 14, 15, 6, 53)),
        ("14 March 2025 10:22", dt.datetime(2025, 3, 14, 10, 22)),
        ("Mar 14, 2025 10:22", dt.datetime(2025, 3, 14, 10, 22)),
        ("Mar 14th, 2025", dt.datetime(2025, 3, 14)),
    ],
)
def test_read_timestamp_reads_platform_and_locale_forms(typed, expected):
    assert values.read_timestamp(typed).value == expected


def test_read_multi_keeps_other_text_exactly_as_typed():
    options = PROTOCOL.question("Q26").options

    reading = values.read_multi("Better lives for all, Housing, roads and transport", options)

    assert (reading.value, reading.other) == (
        "Better lives for all",
        "Housing, roads and transport",
    )


def test_read_multi_other_text_between_options_loses_only_the_options():
    options = PROTOCOL.question("Q26").options

    reading = values.read_multi("Road safety;Economic ambition;Parks", options)

    assert (reading.value, reading.other) == ("Economic ambition", "Road safety;Parks")


LARGEST_MONEY = values.Limit(PROTOCOL.largest_answer["money"], "largest_answer.money in protocol")
LARGEST_HOURS = values.Limit(PROTOCOL.largest_answer["number"], "largest_answer.number in protocol")


def bounded_money(typed):
    return values.read_money(
        typed,
        zero_words=PROTOCOL.money_zero_words,
        missing_words=PROTOCOL.money_missing_words,
        approximate_words=PROTOCOL.approximate_words,
        largest=LARGEST_MONEY,
    )


@pytest.mark.parametrize("typed", ["9" * 400, "£" + "1" * 400 + "k", float("inf"), 10**400])
def test_read_money_refuses_a_number_that_is_not_finite(typed):
    reading = bounded_money(typed)

    assert reading.error == "money"
    assert reading.reason == "not a finite number (too many digits, or infinity)"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (1e15, "£1,000,000,000,000,000"),
        ("£1,000,000,000,000,000", "£1,000,000,000,000,000"),
        ("50000000.01", "£50,000,000.01"),
        ("£60m", "£60,000,000"),
    ],
)
def test_read_money_refuses_an_amount_above_the_largest_naming_the_bound(typed, shown):
    reading = bounded_money(typed)

    assert reading.error == "money"
    assert reading.reason == (
        f"{shown} is more than £50,000,000, the limit for an amount in one answer "
        "(largest_answer.money in protocol)"
    )


def test_read_money_refuses_a_negative_amount_beyond_the_bound_and_keeps_a_small_one():
    assert "-£1,000,000,000 is less than -£50,000,000" in bounded_money("-£1bn").reason
    assert bounded_money("-500") == values.Reading(-500.0)  # validation's range rule


def test_read_money_accepts_the_largest_amount_itself():
    assert bounded_money("£50m") == values.Reading(50_000_000.0)


@pytest.mark.parametrize("typed", ["9" * 400, float("inf"), 10**400])
def test_read_hours_refuses_a_number_that_is_not_finite(typed):
    reading = values.read_hours(typed, largest=LARGEST_HOURS)

    assert (reading.error, reading.reason) == ("hours", values.NOT_FINITE)


def test_read_hours_refuses_more_hours_than_the_bound_naming_it():
    reading = values.read_hours("745 hours", largest=LARGEST_HOURS)

    assert reading.value == "745 hours"
    assert reading.reason == (
        "745 is more than 744, the limit for hours in one answer "
        "(largest_answer.number in protocol)"
    )
    assert values.read_hours("744", largest=LARGEST_HOURS) == values.Reading(744.0)
    assert values.read_hours(-3, largest=LARGEST_HOURS) == values.Reading(-3.0)  # range rule


@pytest.mark.parametrize("typed", ["\u200b", "\u200b\u200c\u200d", "\u2060\ufeff", " \u00ad "])
def test_read_text_reads_invisible_characters_only_as_blank_with_a_warning(typed):
    reading = values.read_text(typed)

    assert reading.value is None
    assert reading.warning.startswith("only invisible characters (U+")
    assert values.is_blank(typed)


@pytest.mark.parametrize("typed", ["😀", "!!!", "🎉 - 🎉", "\u200b😀\u200b", "(…)"])
def test_read_name_reads_a_name_without_letters_or_digits_as_blank(typed):
    reading = values.read_name(typed)

    assert reading.value is None
    assert reading.warning.endswith("has no letters or digits; read as blank")


@pytest.mark.parametrize(
    "typed",
    ["شراكة السلامة المجتمعية", "שותפות בטיחות", "合作伙伴", "हिन्दी मंच", "Tân", "Board 2", "٣"],
)
def test_read_name_keeps_a_name_in_any_script_as_typed(typed):
    assert values.read_name(typed) == values.Reading(typed)


@pytest.mark.parametrize("typed", [",", "T 10:22", "14/03/2025 25:61", 1e300, 10**400])
def test_read_timestamp_without_a_day_or_time_of_day_is_an_error(typed):
    assert values.read_timestamp(typed).error == "timestamp"
