"""The embedded sample: seeded, byte-identical, laid out like MS Forms, and messy on purpose."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter, defaultdict

import openpyxl
import pandas as pd

from pipeline import paths, protocol, sample

MS_FORMS_PLATFORM_COLUMNS = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "Last modified time",
]
LATE_Q20_WORDING = "Council's annual cash contribution (£)"


def _typed_date(value: object) -> dt.date | None:
    """Read a Q18 answer the council's way (day-first text, ISO text or a date cell)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def _agree_scores(returns: list[sample.SampleReturn]) -> dict[str, float]:
    """Mean agree5 score per true partnership, ignoring Don't know and case."""
    scale = {label.lower(): score for label, score in protocol.load().agree5.items()}
    statements = [q.id for q in protocol.load().of_type("agree5")]
    scores: dict[str, list[int]] = defaultdict(list)
    for sample_return in returns:
        for qid in statements:
            label = str(sample_return.answers[qid]).strip().lower()
            if label in scale:
                scores[sample_return.true_partnership].append(scale[label])
    return {name: sum(values) / len(values) for name, values in scores.items()}


def test_write_sample_is_byte_identical_when_regenerated(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for root in (first, second):
        shutil.copytree(paths.config_dir(), paths.config_dir(root))

    first_exports = sample.write_sample(2025, root=first)
    second_exports = sample.write_sample(2025, root=second)

    assert [p.name for p in first_exports] == ["partnership_survey_2025_msforms.xlsx"]
    assert [p.name for p in second_exports] == [p.name for p in first_exports]
    for one, other in zip(first_exports, second_exports, strict=True):
        assert one.read_bytes() == other.read_bytes()


def test_write_sample_writes_into_the_years_raw_folder(generated):
    expected = paths.raw_dir(generated.year, generated.root)

    exports = paths.raw_exports(generated.year, generated.root)

    assert exports == generated.exports
    assert all(export.parent == expected for export in exports)


def test_ms_forms_export_has_platform_columns_then_question_wording(generated):
    questionnaire = protocol.load(generated.root)
    wording = [LATE_Q20_WORDING if q.id == "Q20" else q.text for q in questionnaire.questions]

    workbook = openpyxl.load_workbook(generated.exports[0])

    assert workbook.sheetnames == ["Sheet1"]
    header = [cell.value for cell in workbook["Sheet1"][1]]
    assert header == MS_FORMS_PLATFORM_COLUMNS + wording


def test_ms_forms_export_opens_in_pandas_with_at_least_300_returns(generated):
    export = generated.exports[0]

    returns = pd.read_excel(export, sheet_name="Sheet1")

    assert len(returns) >= 300
    assert returns["ID"].tolist() == list(range(1, len(returns) + 1))


def test_ms_forms_export_stores_times_as_excel_datetime_cells(generated):
    sheet = openpyxl.load_workbook(generated.exports[0])["Sheet1"]

    times = [row[1:3] for row in sheet.iter_rows(min_row=2)]

    assert all(
        cell.is_date and isinstance(cell.value, dt.datetime) for pair in times for cell in pair
    )


def test_ms_forms_export_joins_multi_select_with_trailing_semicolons(generated):
    sheet = openpyxl.load_workbook(generated.exports[0])["Sheet1"]
    column = [cell.value for cell in sheet[1]].index(
        "Which Council Plan priorities does the partnership contribute to?"
    )

    cells = [row[column].value for row in sheet.iter_rows(min_row=2) if row[column].value]

    assert cells
    assert all(cell.endswith(";") and "; " not in cell for cell in cells)
    assert any(cell.count(";") >= 2 for cell in cells)


def test_ms_forms_export_keeps_formula_like_text_as_text(generated):
    sheet = openpyxl.load_workbook(generated.exports[0])["Sheet1"]

    formula_like = [
        cell
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=")
    ]

    assert formula_like
    assert all(cell.data_type == "s" for cell in formula_like)


def test_generate_returns_is_deterministic_for_a_seed(sample_returns):
    questionnaire = protocol.load()

    again = sample.generate_returns(2025, questionnaire)
    other_seed = sample.generate_returns(2025, questionnaire, seed=7)

    assert again == sample_returns
    assert other_seed != sample_returns


def test_generate_returns_answers_every_question_by_id(sample_returns):
    expected = protocol.load().ids

    keys = {tuple(sample_return.answers) for sample_return in sample_returns}

    assert keys == {tuple(expected)}


def test_generate_returns_reports_about_100_partnerships_with_1_to_6_returns(sample_returns):
    per_partnership = Counter(r.true_partnership for r in sample_returns)

    counts = sorted(set(per_partnership.values()))

    assert 95 <= len(per_partnership) <= 110
    assert counts[0] >= 1 and counts[-1] <= 6


def test_generate_returns_repeats_exactly_one_email_and_partnership(sample_returns):
    pairs = Counter((r.answers["Q2"], r.true_partnership) for r in sample_returns)

    repeated = [pair for pair, count in pairs.items() if count > 1]

    assert len(repeated) == 1 and pairs[repeated[0]] == 2
    first, copy = [
        r for r in sample_returns if (r.answers["Q2"], r.true_partnership) == repeated[0]
    ]
    assert copy.answers == first.answers
    assert copy.response_id > first.response_id
    assert dt.timedelta(0) < copy.submitted_at - first.submitted_at < dt.timedelta(minutes=15)


def test_generate_returns_types_partnership_names_in_several_ways(sample_returns):
    typed: dict[str, set[str]] = defaultdict(set)
    for sample_return in sample_returns:
        typed[sample_return.true_partnership].add(str(sample_return.answers["Q6"]))

    canonical = sum(r.answers["Q6"] == r.true_partnership for r in sample_returns)

    assert any(len(names) >= 2 for names in typed.values())
    assert {"NCSP", "LRF", "HWB"} <= set().union(*typed.values())
    assert canonical > len(sample_returns) / 2


def test_generate_returns_uses_only_the_reserved_example_domain(sample_returns):
    emails = [r.answers["Q2"] for r in sample_returns] + [
        r.respondent_email for r in sample_returns
    ]

    domains_ok = [str(email).endswith(sample.EMAIL_DOMAIN) for email in emails]

    assert sample.EMAIL_DOMAIN.endswith(".example")
    assert all(domains_ok)


def test_generate_returns_numbers_returns_in_submission_order(sample_returns):
    submitted = [r.submitted_at for r in sample_returns]

    ids = [r.response_id for r in sample_returns]

    assert ids == list(range(1, len(sample_returns) + 1))
    assert submitted == sorted(submitted)
    assert all(r.started_at < r.submitted_at for r in sample_returns)
    assert min(submitted) >= dt.datetime(2025, 3, 1)
    assert max(submitted) < dt.datetime(2025, 5, 1)


def test_generate_returns_plants_two_review_dates_after_the_survey(sample_returns):
    closed = max(r.submitted_at for r in sample_returns).date()

    future = [r for r in sample_returns if (_typed_date(r.answers["Q18"]) or closed) > closed]

    assert len(future) == 2


def test_generate_returns_plants_answers_outside_the_options(sample_returns):
    options = protocol.load().question("Q43").options

    off_option = [r.answers["Q43"] for r in sample_returns if r.answers["Q43"] not in options]

    assert off_option == ["Very high"]


def test_generate_returns_leaves_a_few_statutory_returns_without_a_basis(sample_returns):
    statutory = [r for r in sample_returns if str(r.answers["Q10"]).startswith("Yes")]

    without_basis = [r for r in statutory if not r.answers["Q11"]]

    assert 1 <= len(without_basis) <= 5


def test_generate_returns_keeps_unreadable_money_rare(sample_returns):
    unreadable = {"tbc", "see finance", "varies", "half a day a month"}

    planted = [
        r
        for r in sample_returns
        if any(str(r.answers[qid]).lower() in unreadable for qid in ("Q20", "Q21", "Q22", "Q23"))
    ]

    assert 1 <= len(planted) < 0.02 * len(sample_returns)


def test_generate_returns_spreads_partnerships_across_score_bands(sample_returns):
    scores = _agree_scores(sample_returns)

    bands = Counter(
        "strength" if score >= 4 else "borderline" if score >= 3 else "concern"
        for score in scores.values()
    )

    assert min(bands["strength"], bands["borderline"], bands["concern"]) >= 15
