"""The embedded sample: seeded, byte-identical, in every platform's layout, messy on purpose."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import paths, protocol, sample
from pipeline.errors import PipelineError

MS_FORMS_PLATFORM_COLUMNS = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "Last modified time",
]
LATE_Q20_WORDING = "Council's annual cash contribution (£)"
GRID_TITLE = "How far do you agree with these statements about the partnership?"
GRID = [f"Q{n}" for n in range(29, 41)]
OTHER = "Other (please specify)"
OFF_OPTION_Q26 = "Green and clean Northmoor"
SURVEYMONKEY_PLATFORM = [
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
]
QUALTRICS_PLATFORM = [
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
]
SMARTSURVEY_PLATFORM = [
    "UserID",
    "UserNo",
    "Name",
    "Email",
    "IP Address",
    "Unique ID",
    "Started",
    "Ended",
]
HEADER_ROWS = {
    "surveymonkey_csv": 2,
    "surveymonkey_xlsx": 2,
    "qualtrics_csv": 3,
    "qualtrics_split_csv": 3,
    "qualtrics_numeric_csv": 3,
}
FAITHFUL_LAYOUTS = [layout for layout in sample.LAYOUTS if layout != "qualtrics_numeric_csv"]


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


def _read_rows(path: Path) -> list[list[object]]:
    """Every row of an export as a reader sees it: XLSX cell values or decoded CSV text."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path)["Sheet1"]
        return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    raw = path.read_bytes()
    delimiter = ","
    if raw.startswith(codecs.BOM_UTF16_LE):
        text, delimiter = raw.decode("utf-16"), "\t"
    elif raw.startswith(codecs.BOM_UTF8):
        text = raw.decode("utf-8-sig")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _wording(question: protocol.Question) -> str:
    return LATE_Q20_WORDING if question.id == "Q20" else question.text


def _column(layout: str, rows: list[list[object]], question: protocol.Question) -> int:
    """Where a single-answer question sits in a layout (decision D13)."""
    in_grid = question.id in GRID
    if layout.startswith("qualtrics"):
        name = f"Q29_{GRID.index(question.id) + 1}" if in_grid else question.id
        return rows[0].index(name)
    if layout == "plain_csv":
        return rows[0].index(question.id)
    if in_grid and layout.startswith("surveymonkey"):
        return rows[1].index(question.text)
    if in_grid and layout.startswith("google"):
        return rows[0].index(f"{GRID_TITLE} [{question.text}]")
    if in_grid and layout.startswith("smartsurvey"):
        return rows[0].index(f"{GRID_TITLE} - {question.text}")
    return rows[0].index(_wording(question))


def _expected_cell(value: object, path: Path) -> object:
    """A typed answer as the layout must store it: date cells become day-first text in CSV."""
    if value is None:
        return ""
    if isinstance(value, dt.date) and path.suffix == ".csv":
        return value.strftime("%d/%m/%Y")
    return value


def _stored_cell(value: object) -> object:
    return value.date() if isinstance(value, dt.datetime) else value


def _ticked(layout: str, rows: list[list[object]], question: protocol.Question) -> list[set]:
    """The Q26 labels each data row holds, however the layout spreads or joins them."""
    header = rows[0]
    body = rows[HEADER_ROWS.get(layout, 1) :]
    wording = question.text
    joined = {
        "msforms_xlsx": ";",
        "msforms_csv": ";",
        "utf16_tsv": ";",
        "qualtrics_csv": ",",
        "google_forms_csv": ", ",
        "plain_csv": "; ",
    }
    if layout in joined:
        at = header.index(question.id if layout.startswith(("qualtrics", "plain")) else wording)
        return [{label for label in str(row[at]).split(joined[layout]) if label} for row in body]
    if layout.startswith("surveymonkey"):
        first = header.index(wording)
        spread = range(first, first + len(question.options) + 1)
        return [{row[at] for at in spread if row[at]} for row in body]
    if layout.startswith("smartsurvey"):
        spread = [header.index(f"{wording} - {label}") for label in (*question.options, OTHER)]
        return [{row[at] for at in spread if row[at]} for row in body]
    assert layout == "qualtrics_split_csv"
    flags = {header.index(f"Q26_{n}"): label for n, label in enumerate(question.options, 1)}
    other = header.index("Q26_5_TEXT")
    return [
        {label for at, label in flags.items() if row[at] == "1"} | ({row[other]} - {""})
        for row in body
    ]


@pytest.fixture(scope="module")
def layout_exports(sample_layouts) -> dict[str, Path]:
    """The 2025 sample in every layout, written once for the session (conftest.py)."""
    return sample_layouts


@pytest.fixture(scope="module")
def layout_rows(layout_exports) -> dict[str, list[list[object]]]:
    return {layout: _read_rows(path) for layout, path in layout_exports.items()}


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


@pytest.mark.parametrize("year", sample.SAMPLE_YEARS)
def test_regenerating_the_sample_gives_the_committed_bytes(year, project_root):
    committed = paths.raw_exports(year)

    written = sample.write_sample(year, root=project_root)

    assert [p.name for p in written] == [p.name for p in committed]
    for new, old in zip(written, committed, strict=True):
        assert new.read_bytes() == old.read_bytes(), f"{old} differs: run make sample"


def test_write_sample_writes_into_the_years_raw_folder(generated_once):
    expected = paths.raw_dir(generated_once.year, generated_once.root)

    exports = paths.raw_exports(generated_once.year, generated_once.root)

    assert exports == generated_once.exports
    assert all(export.parent == expected for export in exports)


def test_ms_forms_export_has_platform_columns_then_question_wording(generated_once):
    questionnaire = protocol.load(generated_once.root)
    wording = [LATE_Q20_WORDING if q.id == "Q20" else q.text for q in questionnaire.questions]

    workbook = openpyxl.load_workbook(generated_once.exports[0])

    assert workbook.sheetnames == ["Sheet1"]
    header = [cell.value for cell in workbook["Sheet1"][1]]
    assert header == MS_FORMS_PLATFORM_COLUMNS + wording


def test_ms_forms_export_opens_in_pandas_with_at_least_300_returns(generated_once):
    export = generated_once.exports[0]

    returns = pd.read_excel(export, sheet_name="Sheet1")

    assert len(returns) >= 300
    assert returns["ID"].tolist() == list(range(1, len(returns) + 1))


def test_ms_forms_export_stores_times_as_excel_datetime_cells(generated_once):
    sheet = openpyxl.load_workbook(generated_once.exports[0])["Sheet1"]

    times = [row[1:3] for row in sheet.iter_rows(min_row=2)]

    assert all(
        cell.is_date and isinstance(cell.value, dt.datetime) for pair in times for cell in pair
    )


def test_ms_forms_export_joins_multi_select_with_trailing_semicolons(generated_once):
    sheet = openpyxl.load_workbook(generated_once.exports[0])["Sheet1"]
    column = [cell.value for cell in sheet[1]].index(
        "Which Council Plan priorities does the partnership contribute to?"
    )

    cells = [row[column].value for row in sheet.iter_rows(min_row=2) if row[column].value]

    assert cells
    assert all(cell.endswith(";") and "; " not in cell for cell in cells)
    assert any(cell.count(";") >= 2 for cell in cells)


def test_ms_forms_export_keeps_formula_like_text_as_text(generated_once):
    sheet = openpyxl.load_workbook(generated_once.exports[0])["Sheet1"]

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


def test_generate_returns_has_shared_services_pooled_budgets_and_accountable_body_funds(
    sample_returns,
):
    by_partnership: dict[str, list[dict]] = {}
    for ret in sample_returns:
        by_partnership.setdefault(ret.true_partnership, []).append(ret.answers)

    def most_say(qid: str, answer: str) -> int:
        return sum(
            2 * sum(a[qid] == answer for a in answers) > len(answers)
            for answers in by_partnership.values()
        )

    assert most_say("Q8", "Shared service") >= 2
    assert most_say("Q24", "Yes") >= 1  # pooled budget
    assert most_say("Q25", "Yes") >= 1  # the council is the accountable body for the funds


# --- Every layout of decision D13, from the same returns ----------------------------------------


@pytest.mark.parametrize("layout", sample.LAYOUTS)
def test_write_export_is_byte_identical_when_regenerated(
    layout, layout_exports, sample_returns, tmp_path
):
    target = tmp_path / layout_exports[layout].name

    written = sample.write_export(sample_returns, protocol.load(), target, 2025, layout)

    assert written == target
    assert written.read_bytes() == layout_exports[layout].read_bytes()


def test_write_export_rejects_an_unknown_layout(sample_returns, tmp_path):
    with pytest.raises(PipelineError, match="no layout 'typeform_csv'"):
        sample.write_export(
            sample_returns, protocol.load(), tmp_path / "x.csv", 2025, "typeform_csv"
        )


@pytest.mark.parametrize("layout", FAITHFUL_LAYOUTS)
def test_every_layout_holds_each_answer_as_typed(
    layout, layout_exports, layout_rows, sample_returns
):
    rows = layout_rows[layout]
    body = rows[HEADER_ROWS.get(layout, 1) :]
    singles = [q for q in protocol.load().questions if q.type != "multi"]

    stored = {q.id: [_stored_cell(row[_column(layout, rows, q)]) for row in body] for q in singles}

    assert len(body) == len(sample_returns)
    for question in singles:
        expected = [
            _expected_cell(r.answers[question.id], layout_exports[layout]) for r in sample_returns
        ]
        assert stored[question.id] == expected, question.id


@pytest.mark.parametrize("layout", FAITHFUL_LAYOUTS)
def test_every_layout_holds_the_same_multi_select_labels(layout, layout_rows, sample_returns):
    question = protocol.load().question("Q26")

    ticked = _ticked(layout, layout_rows[layout], question)

    assert ticked == [set(str(r.answers["Q26"] or "").split("; ")) - {""} for r in sample_returns]
    assert any(OFF_OPTION_Q26 in labels for labels in ticked)


def test_ms_forms_csv_is_excels_cp1252_resave_with_the_same_header(layout_exports, layout_rows):
    raw = layout_exports["msforms_csv"].read_bytes()
    questionnaire = protocol.load()

    header = layout_rows["msforms_csv"][0]

    assert b"\xa3" in raw  # the pound sign in cp1252
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert header == MS_FORMS_PLATFORM_COLUMNS + [_wording(q) for q in questionnaire.questions]


def test_ms_forms_csv_writes_times_as_us_month_first_locale_text(layout_rows, sample_returns):
    body = layout_rows["msforms_csv"][1:]

    started = [row[1] for row in body]

    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2} \d{1,2}:\d{2}", t) for t in started)
    assert any(int(t.split("/")[1]) > 12 for t in started)  # so a reader can tell the order
    first = sample_returns[0].started_at
    assert started[0] == f"{first.month}/{first.day}/25 {first.hour}:{first.minute:02d}"


def test_utf16_export_is_tab_separated_ms_forms_text_after_a_bom(layout_exports):
    path = layout_exports["utf16_tsv"]
    raw = path.read_bytes()

    first_line = raw.decode("utf-16").split("\r\n", 1)[0]

    assert raw.startswith(codecs.BOM_UTF16_LE)
    assert path.suffix == ".csv"
    assert first_line.split("\t")[:6] == MS_FORMS_PLATFORM_COLUMNS


@pytest.mark.parametrize("layout", ["surveymonkey_csv", "surveymonkey_xlsx"])
def test_surveymonkey_export_has_two_header_rows_as_the_spec_describes(layout, layout_rows):
    questionnaire = protocol.load()
    top, second = layout_rows[layout][:2]
    q26 = questionnaire.question("Q26")
    first = top.index(q26.text)
    grid = top.index(GRID_TITLE)
    options = len(q26.options)

    kinds = {
        q.id: second[top.index(_wording(q))]
        for q in questionnaire.questions
        if q.type != "multi" and q.id not in GRID
    }

    assert top[:9] == SURVEYMONKEY_PLATFORM and second[:9] == [""] * 9
    assert kinds["Q6"] == kinds["Q18"] == kinds["Q20"] == "Open-Ended Response"
    assert kinds["Q8"] == kinds["Q42"] == "Response"
    assert set(kinds.values()) == {"Response", "Open-Ended Response"}
    assert top[first + 1 : first + options + 1] == [""] * options
    assert second[first : first + options + 1] == [*q26.options, OTHER]
    assert top[grid : grid + len(GRID)] == [GRID_TITLE] + [""] * (len(GRID) - 1)
    assert second[grid : grid + len(GRID)] == [questionnaire.question(q).text for q in GRID]


def test_surveymonkey_csv_writes_month_first_twelve_hour_times(layout_rows):
    body = layout_rows["surveymonkey_csv"][2:]

    times = [row[2] for row in body] + [row[3] for row in body]

    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} (AM|PM)", t) for t in times)
    assert any(t.endswith("PM") for t in times) and any(t.endswith("AM") for t in times)


@pytest.mark.parametrize("layout", ["surveymonkey_xlsx", "smartsurvey_xlsx"])
def test_xlsx_layouts_store_platform_times_as_datetime_cells(layout, layout_rows):
    header, *body = layout_rows[layout][HEADER_ROWS.get(layout, 1) - 1 :]
    at = 2 if layout.startswith("surveymonkey") else 6

    times = [row[at] for row in body] + [row[at + 1] for row in body]

    assert all(isinstance(t, dt.datetime) for t in times)


@pytest.mark.parametrize(
    "layout", ["qualtrics_csv", "qualtrics_split_csv", "qualtrics_numeric_csv"]
)
def test_qualtrics_export_has_names_wording_and_import_ids(layout, layout_exports, layout_rows):
    names, wording, import_ids, *body = layout_rows[layout]

    parsed = [json.loads(cell) for cell in import_ids]

    assert layout_exports[layout].read_bytes().startswith(codecs.BOM_UTF8)
    assert names[:17] == QUALTRICS_PLATFORM
    assert all("ImportId" in entry for entry in parsed)
    assert parsed[0] == {"ImportId": "startDate", "timeZone": "Europe/London"}
    assert parsed[names.index("ResponseId")] == {"ImportId": "_recordId"}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row[0]) for row in body)
    grid = names.index("Q29_1")
    assert names[grid : grid + 12] == [f"Q29_{n}" for n in range(1, 13)]
    assert wording[grid] == f"{GRID_TITLE} - {protocol.load().question('Q29').text}"


def test_qualtrics_export_gives_each_return_a_stable_finished_response_id(layout_rows):
    names, _, _, *body = layout_rows["qualtrics_csv"]

    ids = [row[names.index("ResponseId")] for row in body]

    assert all(re.fullmatch(r"R_[A-Za-z0-9]{15}", response_id) for response_id in ids)
    assert len(set(ids)) == len(ids)
    assert {row[names.index("Finished")] for row in body} == {"True"}


def test_qualtrics_export_joins_multi_select_with_bare_commas(layout_rows):
    names, _, _, *body = layout_rows["qualtrics_csv"]

    cells = [row[names.index("Q26")] for row in body]

    assert any("," in cell for cell in cells)
    assert not any(", " in cell for cell in cells)


def test_qualtrics_split_export_spreads_q26_over_one_flag_column_per_option(layout_rows):
    names, wording, _, *body = layout_rows["qualtrics_split_csv"]
    q26 = protocol.load().question("Q26")
    first = names.index("Q26_1")

    flags = {row[at] for row in body for at in range(first, first + 4)}

    assert "Q26" not in names
    assert names[first : first + 5] == ["Q26_1", "Q26_2", "Q26_3", "Q26_4", "Q26_5_TEXT"]
    assert wording[first : first + 4] == [f"{q26.text} - {option}" for option in q26.options]
    assert flags == {"1", ""}


def test_qualtrics_numeric_export_writes_choices_as_codes(layout_rows):
    names, _, _, *body = layout_rows["qualtrics_numeric_csv"]

    codes = {row[names.index(qid)] for row in body for qid in ("Q8", "Q13", "Q42", "Q29_1")}

    assert codes - {""} and all(code.isdigit() for code in codes - {""})


def test_google_forms_export_has_timestamp_then_wording_and_bracketed_grid(layout_rows):
    header, *body = layout_rows["google_forms_csv"]
    statement = protocol.load().question("Q31").text

    stamps = [row[0] for row in body]

    assert header[:3] == ["Timestamp", "Email address", "Your name"]
    assert f"{GRID_TITLE} [{statement}]" in header
    pattern = r"\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}:\d{2} (AM|PM) GMT(\+1)?"
    assert all(re.fullmatch(pattern, stamp) for stamp in stamps)
    assert {stamp.rsplit(" ", 1)[1] for stamp in stamps} == {"GMT", "GMT+1"}  # BST from 30 March


@pytest.mark.parametrize("layout", ["smartsurvey_csv", "smartsurvey_xlsx"])
def test_smartsurvey_export_spreads_options_and_grid_with_dashes(layout, layout_rows):
    header = layout_rows[layout][0]
    questionnaire = protocol.load()
    q26 = questionnaire.question("Q26")

    spread = [f"{q26.text} - {option}" for option in (*q26.options, OTHER)]

    assert header[:8] == SMARTSURVEY_PLATFORM
    assert all(column in header for column in spread)
    assert q26.text not in header
    assert f"{GRID_TITLE} - {questionnaire.question('Q40').text}" in header


def test_smartsurvey_csv_writes_day_first_times(layout_rows):
    body = layout_rows["smartsurvey_csv"][1:]

    times = [row[6] for row in body] + [row[7] for row in body]

    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", t) for t in times)


def test_plain_csv_is_headed_by_question_ids_in_an_order_of_its_own(layout_rows):
    ids = protocol.load().ids

    header = layout_rows["plain_csv"][0]

    assert sorted(header) == sorted(ids)
    assert header != ids


def test_previous_year_holds_the_same_partnerships_less_new_plus_ended(tmp_path):
    from pipeline import paths

    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path / "a"))
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path / "b"))
    questionnaire = protocol.load()

    first = sample.write_sample(sample.BASE_YEAR - 1, root=tmp_path / "a")
    second = sample.write_sample(sample.BASE_YEAR - 1, root=tmp_path / "b")
    now = {r.true_partnership for r in sample.sample_returns(sample.BASE_YEAR, questionnaire)}
    before = {
        r.true_partnership for r in sample.sample_returns(sample.BASE_YEAR - 1, questionnaire)
    }

    assert first[0].read_bytes() == second[0].read_bytes()
    assert len(now - before) == 3
    assert before - now == {
        "Northmoor Twinning Association",
        "Northmoor Rural Broadband Partnership",
    }


def test_the_year_before_that_is_derived_from_the_year_before_the_same_way():
    questionnaire = protocol.load()
    changes = sample.vocabulary.load().catalogue.year_before_previous

    later = sample.sample_returns(sample.BASE_YEAR - 1, questionnaire)
    earlier = sample.sample_returns(sample.BASE_YEAR - 2, questionnaire)

    before = {r.true_partnership for r in earlier}
    after = {r.true_partnership for r in later}
    assert len(after - before) == changes.new
    assert before - after == set(changes.ended)
    assert {r.submitted_at.year for r in earlier} == {sample.BASE_YEAR - 2}
    assert [r.response_id for r in earlier] == list(range(1, len(earlier) + 1))
    # officers are the same people, so partnership IDs and chasers carry over
    assert {r.respondent_email for r in earlier} <= {r.respondent_email for r in later}


def test_2023_is_a_qualtrics_download_with_its_own_cash_wording():
    export = paths.raw_exports(2023)

    rows = list(csv.reader(io.StringIO(export[0].read_text(encoding="utf-8-sig"))))

    assert [p.name for p in export] == ["partnership_survey_2023_qualtrics.csv"]
    assert rows[0][:2] == ["StartDate", "EndDate"]  # Qualtrics' three header rows
    wording = dict(zip(rows[0], rows[1], strict=True))
    assert wording["Q20"] == "Cash contribution by the council per year (£)"
    assert protocol.load().aliases_for(2023)[wording["Q20"]] == "Q20"


def test_the_year_before_that_drifts_in_cost_and_answers_beyond_the_named_changes():
    questionnaire = protocol.load()
    changes = sample.vocabulary.load().catalogue.year_before_previous

    def answers(year: int) -> dict[tuple[str, str], dict[str, object]]:
        returns = sample.sample_returns(year, questionnaire)
        return {(r.respondent_email, r.true_partnership): r.answers for r in returns}

    later, earlier = answers(sample.BASE_YEAR - 1), answers(sample.BASE_YEAR - 2)

    both = sorted(set(later) & set(earlier))
    cash = {k[1] for k in both if later[k].get("Q20") != earlier[k].get("Q20")}
    grid = {k[1] for k in both if later[k].get("Q29") != earlier[k].get("Q29")}
    assert len(cash) > changes.cost_rose  # more than the four whose cost rose
    assert len(grid) > changes.declined
