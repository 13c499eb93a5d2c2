"""Ingest: the sample export read into the returns table, and broken exports refused."""

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from pipeline import ingest, protocol, tables
from pipeline.errors import PipelineError

PROTOCOL = protocol.load()


@pytest.fixture(scope="module")
def ingested(generated_once):
    """The sample ingested once for the module (tests only read it)."""
    return ingest.ingest_exports(generated_once.exports, PROTOCOL, generated_once.year)


def test_ingest_reads_every_row_with_the_decided_columns(ingested, sample_returns):
    returns = ingested.returns

    assert len(returns) == len(sample_returns)
    assert list(returns.columns) == tables.returns_columns(PROTOCOL)
    assert returns["row_key"].is_unique
    assert ingested.files["rows_read"].sum() == len(returns)


def test_ingest_source_row_is_the_row_a_spreadsheet_shows(ingested, generated_once):
    sheet = openpyxl.load_workbook(generated_once.exports[0], read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    q6_column = [i for i, h in enumerate(rows[0]) if h == PROTOCOL.question("Q6").text][0]

    for item in ingested.returns.sample(10, random_state=1).itertuples():
        assert rows[item.source_row - 1][q6_column] == item.Q6


def test_ingest_records_how_each_column_was_matched(ingested):
    column_map = ingested.column_map.set_index("question_id")

    assert column_map.loc["Q20", "method"] == "alias"
    assert column_map.loc["Q6", "method"] == "wording"
    assert set(PROTOCOL.ids) <= set(column_map.index.dropna())


def test_ingest_keeps_unreadable_values_raw_and_names_them(ingested):
    returns = ingested.returns
    row = returns[returns["Q20"].astype(str) == "tbc"]

    assert len(row) == 1
    assert row["parse_errors"].item() == "Q20: could not read 'tbc' as money"


def test_ingest_flags_the_duplicate_submission_once(ingested):
    copies = ingested.returns[ingested.returns["duplicate_of"].notna()]

    assert len(copies) == 1
    original = ingested.returns[ingested.returns["response_id"] == copies["duplicate_of"].item()]
    assert original["Q6"].item() == copies["Q6"].item()


def test_written_returns_round_trip_with_types(ingested, tmp_path):
    written = ingest.write_ingested(ingested, 2025, tmp_path, PROTOCOL)

    again = tables.read("returns", 2025, tmp_path, PROTOCOL)

    assert written[0] == tables.path("returns", 2025, tmp_path)
    assert len(again) == len(ingested.returns)
    assert list(again.columns) == tables.returns_columns(PROTOCOL)
    assert again["Q29"].dtype == "Int64"
    assert again["source_row"].dtype == "int64"
    assert again.loc[again["Q20"].astype(str) == "tbc", "parse_errors"].notna().all()
    assert tables.read_summary("01_ingest", 2025, tmp_path) == ingest.summary_line(
        ingested, PROTOCOL
    )


def _plain_csv(path, frame):
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def test_flag_duplicates_treats_same_id_in_two_files_as_different_returns(tmp_path):
    base = {"Q6": "Northmoor Housing Partnership", "Q43": "Low"}
    first = _plain_csv(tmp_path / "form_a.csv", pd.DataFrame([{"response_id": "1", **base}]))
    second = _plain_csv(
        tmp_path / "form_b.csv", pd.DataFrame([{"response_id": "1", **base, "Q43": "High"}])
    )

    returns = ingest.ingest_exports([first, second], PROTOCOL, 2025).returns

    assert list(returns["response_id"]) == ["form_a-1", "form_b-1"]
    assert returns["duplicate_of"].isna().all()


def test_flag_duplicates_keeps_the_last_edit_of_a_response(tmp_path):
    rows = [
        {"response_id": "7", "Q6": "Northmoor LRF", "Q43": "Low"},
        {"response_id": "7", "Q6": "Northmoor LRF", "Q43": "High"},
    ]
    export = _plain_csv(tmp_path / "export.csv", pd.DataFrame(rows))

    returns = ingest.ingest_exports([export], PROTOCOL, 2025).returns

    assert list(returns["duplicate_of"]) == ["7", None]


def test_ingest_stops_naming_every_missing_required_question(tmp_path):
    export = _plain_csv(tmp_path / "no_names.csv", pd.DataFrame([{"Q43": "Low", "Q20": "5"}]))

    with pytest.raises(PipelineError, match=r"no_names.csv: required question\(s\) missing: Q6"):
        ingest.ingest_exports([export], PROTOCOL, 2025)


def test_ingest_refuses_a_file_like_no_survey_export(tmp_path):
    export = _plain_csv(tmp_path / "budget.csv", pd.DataFrame([{"Cost centre": "A1", "£": 5}]))

    with pytest.raises(PipelineError, match="budget.csv: matches no known survey export layout"):
        ingest.ingest_exports([export], PROTOCOL, 2025)


def test_ingest_refuses_two_columns_for_one_question(tmp_path):
    export = tmp_path / "twice.csv"
    export.write_text("Q6,What is the name of the partnership?\nA,B\n", encoding="utf-8")

    with pytest.raises(PipelineError, match="both map to Q6"):
        ingest.ingest_exports([export], PROTOCOL, 2025)


def test_ingest_reads_a_cp1252_csv_with_pound_signs(tmp_path):
    export = tmp_path / "excel_save.csv"
    text = "Q6,Annual cash contribution from the council (£)\nNorthmoor LRF,£12,500\n"
    export.write_bytes(text.replace("£12,500", '"£12,500"').encode("cp1252"))

    returns = ingest.ingest_exports([export], PROTOCOL, 2025).returns

    assert returns["Q20"].item() == 12500.0


def test_ingest_command_prints_rows_per_file_and_writes_returns(generated_once, tmp_path):
    out = tmp_path / "out"

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "ingest",
            "--year",
            "2025",
            "--out",
            str(out),
            *map(str, generated_once.exports),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "partnership_survey_2025_msforms.xlsx: 328 rows read" in done.stdout
    assert len(tables.read_csv_text(out / "returns.csv")) == 328


def test_ingest_command_gives_one_line_error_without_traceback(tmp_path):
    export = _plain_csv(tmp_path / "no_names.csv", pd.DataFrame([{"Q43": "Low"}]))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "ingest",
            "--year",
            "2025",
            "--out",
            str(tmp_path),
            str(export),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no_names.csv" in errors[0] and "Q6" in errors[0]


def test_ingest_finds_the_responses_sheet_among_several(generated_once, tmp_path):
    book = openpyxl.load_workbook(generated_once.exports[0])
    cover = book.create_sheet("Read me", 0)
    cover.append(["This workbook holds the 2025 partnership survey"])
    book.save(tmp_path / "with_cover.xlsx")

    returns = ingest.ingest_exports([tmp_path / "with_cover.xlsx"], PROTOCOL, 2025).returns

    assert len(returns) == 328


def test_ingest_matches_drifted_wording_fuzzily_and_records_the_score(tmp_path):
    export = tmp_path / "drift.csv"
    export.write_text(
        "What is the name of the partnership,What is the overall risk to the council from "
        "the partnership?\nNorthmoor LRF,High\n",
        encoding="utf-8",
    )

    ingested = ingest.ingest_exports([export], PROTOCOL, 2025)

    risk = ingested.column_map.set_index("question_id").loc["Q43"]
    assert risk["method"] == "fuzzy" and 90 <= risk["score"] < 100
    assert ingested.returns["Q43"].item() == "High"


def test_ingest_lists_columns_that_map_to_no_question(tmp_path):
    export = _plain_csv(
        tmp_path / "extra.csv", pd.DataFrame([{"Q6": "Northmoor LRF", "Internal notes": "x"}])
    )

    ingested = ingest.ingest_exports([export], PROTOCOL, 2025)

    assert list(ingest.unmapped_columns(ingested.column_map)["header"]) == ["Internal notes"]


def test_a_file_in_another_format_is_reported_not_skipped(project_root):
    from pipeline import paths

    raw = paths.raw_dir(2025, project_root)
    raw.mkdir(parents=True)
    (raw / "returns.pdf").write_bytes(b"%PDF-1.7")

    files = ingest.read_exports(2025, project_root)

    with pytest.raises(PipelineError, match=r"returns.pdf: not a CSV or spreadsheet file \(.pdf\)"):
        ingest.ingest_exports(files, PROTOCOL, 2025)


def test_surveymonkey_other_column_headed_in_row_1_is_read_as_other(tmp_path):
    wording = PROTOCOL.question("Q26").text
    export = tmp_path / "monkey.csv"
    export.write_text(
        f"Respondent ID,Collector ID,What is the name of the partnership?,{wording},,"
        "Other (please specify)\n"
        ",,Open-Ended Response,Better lives for all,Economic ambition,Open-Ended Response\n"
        "11,5,Northmoor LRF,,Economic ambition,Green and clean\n",
        encoding="utf-8",
    )

    returns = ingest.ingest_exports([export], PROTOCOL, 2025).returns

    assert returns[["Q26", "Q26_other"]].iloc[0].tolist() == [
        "Economic ambition",
        "Green and clean",
    ]


def test_a_years_header_aliases_apply_to_later_years_too(tmp_path):
    export = tmp_path / "later.csv"
    export.write_text(
        "Partnership name,Council's annual cash contribution (£)\nNorthmoor LRF,£500\n",
        encoding="utf-8",
    )

    returns = ingest.ingest_exports([export], PROTOCOL, 2027).returns

    assert returns["Q20"].item() == 500.0


def test_missing_questions_lists_those_no_export_had(tmp_path):
    export = _plain_csv(tmp_path / "few.csv", pd.DataFrame([{"Q6": "Northmoor LRF", "Q43": "Low"}]))

    column_map = ingest.ingest_exports([export], PROTOCOL, 2025).column_map

    missing = ingest.missing_questions(column_map, PROTOCOL)["question_id"].tolist()
    assert "Q6" not in missing and "Q43" not in missing
    assert len(missing) == len(PROTOCOL.ids) - 2


def test_asked_by_file_keeps_each_exports_own_questions(tmp_path):
    forms = _plain_csv(
        tmp_path / "forms.csv", pd.DataFrame([{"Q6": "Alpha", "Q43": "Low", "Q47": "Yes"}])
    )
    paper = _plain_csv(tmp_path / "paper.csv", pd.DataFrame([{"Q6": "Beta", "Q43": "Low"}]))
    column_map = ingest.ingest_exports([forms, paper], PROTOCOL, 2025).column_map

    asked = ingest.asked_by_file(column_map, PROTOCOL)

    assert asked == {
        "forms.csv": frozenset({"partnership_name", "risk_level", "performance_framework"}),
        "paper.csv": frozenset({"partnership_name", "risk_level"}),
    }
    assert ingest.asked_questions(column_map, PROTOCOL) == asked["forms.csv"]  # the union


def test_missing_questions_counts_platform_respondent_columns_as_q1_and_q2(ingested):
    column_map = ingested.column_map[~ingested.column_map["question_id"].isin(["Q1", "Q2"])]

    assert ingest.missing_questions(column_map, PROTOCOL).empty


@pytest.mark.parametrize(
    "header",
    [
        "6. What is the name of the partnership?",
        "Q6: What is the name of the partnership? *",
        "<p><strong>What is the name of the partnership?</strong></p>",
        "WHAT IS THE NAME OF THE PARTNERSHIP",
    ],
)
def test_headers_with_numbers_markup_or_marks_still_match_their_wording(header):
    from pipeline.ingest.columns import HeaderMatcher

    qid, method, _ = HeaderMatcher(PROTOCOL, 2025).question(header)

    assert (qid, method) == ("Q6", "wording")


def test_typed_returns_write_blanks_as_empty_and_keep_half_scores_as_text(tmp_path):
    export = _plain_csv(
        tmp_path / "half.csv",
        pd.DataFrame([{"Q6": "A", "Q29": "3.5"}, {"Q6": "B", "Q29": None}, {"Q6": "C"}]),
    )
    returns = ingest.ingest_exports([export], PROTOCOL, 2025).returns

    tables.write("returns", returns, 2025, tmp_path, PROTOCOL)
    typed = tables.read("returns", 2025, tmp_path, PROTOCOL)
    written = tables.write("valid", typed, 2025, tmp_path, PROTOCOL).read_text()

    assert typed["Q29"].tolist() == ["3.5", None, None]
    assert "<NA>" not in written and "nan" not in written
    assert "Q29: could not read '3.5' as an agreement level" in typed["parse_errors"].iloc[0]


def test_semicolon_csv_with_commas_and_line_breaks_in_headers_is_read(tmp_path):
    export = tmp_path / "semicolons.csv"
    export.write_text(
        '"What is the name\nof the partnership?";"Roles, responsibilities and decision-making '
        'are clear.";"What is the statutory, legislative or regulatory basis?"\n'
        "Northmoor LRF;Agree;Civil Contingencies Act 2004\n",
        encoding="utf-8",
    )

    returns = ingest.ingest_exports([export], PROTOCOL, 2025).returns

    assert returns[["Q6", "Q37", "Q11"]].iloc[0].tolist() == [
        "Northmoor LRF",
        4,
        "Civil Contingencies Act 2004",
    ]


def test_damaged_workbook_is_a_one_line_error(generated_once, tmp_path):
    data = generated_once.exports[0].read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(data[: len(data) // 2])

    with pytest.raises(PipelineError, match="broken.xlsx: not a readable spreadsheet"):
        ingest.ingest_exports([broken], PROTOCOL, 2025)


def test_surveymonkey_choice_other_box_keeps_its_text_and_names_unmapped_columns(tmp_path):
    wording = PROTOCOL.question("Q8").text
    export = tmp_path / "monkey.csv"
    export.write_text(
        f"Respondent ID,Collector ID,What is the name of the partnership?,{wording},,"
        "How far do you agree?\n"
        ",,Open-Ended Response,Response,Other (please specify),Partners are lovely.\n"
        "11,5,Northmoor LRF,,A charity consortium,Agree\n",
        encoding="utf-8",
    )

    ingested = ingest.ingest_exports([export], PROTOCOL, 2025)

    row = ingested.returns.iloc[0]
    assert (row["Q8"], row["Q8_other"]) == ("Other", "A charity consortium")
    unmapped = ingest.unmapped_columns(ingested.column_map)["header"].tolist()
    assert unmapped == ["How far do you agree? - Partners are lovely."]


def test_export_with_only_its_header_row_is_a_clear_error(tmp_path):
    export = tmp_path / "headers_only.csv"
    export.write_text("What is the name of the partnership?,Q43\n", encoding="utf-8")

    with pytest.raises(PipelineError, match="headers_only.csv: no returns below the header"):
        ingest.ingest_exports([export], PROTOCOL, 2025)


def test_workbook_with_blank_rows_above_the_header_keeps_the_sheets_row_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append([None, "What is the name of the partnership?", "Q43"])
    sheet.append([None, "Northmoor LRF", "Low"])
    book.save(tmp_path / "offset.xlsx")

    ingested = ingest.ingest_exports([tmp_path / "offset.xlsx"], PROTOCOL, 2025)

    assert ingested.returns["source_row"].tolist() == [3]
    assert ingested.column_map.set_index("question_id").loc["Q6", "column"] == 2


def test_a_question_headed_other_something_is_not_taken_for_an_other_box(tmp_path):
    wording = PROTOCOL.question("Q45").text
    export = tmp_path / "monkey.csv"
    export.write_text(
        f"Respondent ID,Collector ID,What is the name of the partnership?,{wording},"
        "Other comments\n"
        ",,Open-Ended Response,Response,Open-Ended Response\n"
        "11,5,Northmoor LRF,Review,Meets too often\n",
        encoding="utf-8",
    )

    ingested = ingest.ingest_exports([export], PROTOCOL, 2025)

    assert ingest.unmapped_columns(ingested.column_map)["header"].tolist() == ["Other comments"]
    assert ingested.returns["Q45"].item() == "Review"


def test_comma_csv_with_semicolons_in_cells_is_split_on_commas(tmp_path):
    export = tmp_path / "commas.csv"
    export.write_text(
        'What is the name of the partnership?,Notes\nFoo,"a; b; c"\n', encoding="utf-8"
    )

    returns = ingest.ingest_exports([export], PROTOCOL, 2025).returns

    assert returns["Q6"].tolist() == ["Foo"]


def test_absurd_and_non_finite_numbers_are_parse_errors_naming_their_bound(tmp_path):
    rows = [
        {"Q6": "Northmoor LRF", "Q20": "9" * 400, "Q22": "10"},
        {"Q6": "Northmoor CSP", "Q20": "£1,000,000,000,000,000", "Q22": "900 hours"},
        {"Q6": "Northmoor HWB", "Q20": "£12,500", "Q22": "10"},
    ]
    export = _plain_csv(tmp_path / "absurd.csv", pd.DataFrame(rows))

    returns = ingest.ingest_exports([export], PROTOCOL, 2025).returns

    assert returns.loc[0, "parse_errors"] == (
        "Q20: could not read '" + "9" * 60 + "'... (400 characters) as money: "
        "not a finite number (too many digits, or infinity)"
    )
    assert returns.loc[1, "parse_errors"] == (
        "Q20: could not read '£1,000,000,000,000,000' as money: £1,000,000,000,000,000 is more "
        "than £50,000,000, the limit for an amount in one answer (largest_answer.money in "
        "config/protocol.yaml) | Q22: could not read '900 hours' as a number of hours: 900 is "
        "more than 744, the limit for hours in one answer (largest_answer.number in "
        "config/protocol.yaml)"
    )
    assert pd.isna(returns.loc[2, "parse_errors"])


def test_a_partnership_name_of_invisible_characters_or_emoji_only_is_blank(tmp_path):
    names = ["\u200b\u200d", "😀", "\u00ad", "شراكة السلامة", "Tân Forum"]
    export = _plain_csv(tmp_path / "names.csv", pd.DataFrame({"Q6": names, "Q43": "Low"}))

    returns = ingest.ingest_exports([export], PROTOCOL, 2025).returns

    assert returns["Q6"].tolist()[3:] == ["شراكة السلامة", "Tân Forum"]
    assert returns["Q6"].head(3).isna().all()
    assert returns["parse_warnings"].head(3).tolist() == [
        "Q6: only invisible characters (U+200B, U+200D); read as blank",
        "Q6: '😀' has no letters or digits; read as blank",
        "Q6: only invisible characters (U+00AD); read as blank",
    ]


def test_answers_key_is_the_hash_of_the_answers_as_written():
    """Hashed per distinct text (D46), the key is still ``hash_pandas_object`` of the table
    of each answer as the returns table writes it."""
    import datetime as dt

    cells = ["Yes", None, 12.0, 12.5, float("nan"), dt.date(2024, 5, 1), "12", True]
    returns = pd.DataFrame(
        {
            qid: [cells[(i + n) % len(cells)] for i in range(24)]
            for n, qid in enumerate(PROTOCOL.ids)
        },
        index=range(100, 124),
    )
    texts = pd.DataFrame(
        {qid: [tables.cell_text(v) for v in returns[qid]] for qid in PROTOCOL.ids},
        index=returns.index,
    )
    expected = pd.util.hash_pandas_object(texts, index=False)
    pd.testing.assert_series_equal(ingest._answers_key(returns, PROTOCOL), expected)
