"""Every survey platform's layout of the same answers ingests to the same canonical table."""

import pandas as pd
import pytest

from pipeline import ingest, protocol, sample, tables
from pipeline.errors import PipelineError

PROTOCOL = protocol.load()
YEAR = 2025
ANSWERS = PROTOCOL.ids + ["Q26_other"]
READABLE = [layout for layout in sample.LAYOUTS if layout != "qualtrics_numeric_csv"]


@pytest.fixture(scope="module")
def exports(sample_layouts):
    """The 2025 sample in every layout, written once for the session (conftest.py)."""
    return sample_layouts


@pytest.fixture(scope="module")
def reference(exports):
    return ingest.ingest_exports([exports["msforms_xlsx"]], PROTOCOL, YEAR).returns


@pytest.mark.parametrize("layout", READABLE)
def test_layout_ingests_to_the_same_answers(exports, reference, layout):
    returns = ingest.ingest_exports([exports[layout]], PROTOCOL, YEAR).returns

    pd.testing.assert_frame_equal(
        returns[ANSWERS].map(tables.cell_text),
        reference[ANSWERS].map(tables.cell_text),
    )
    assert (
        returns["parse_errors"]
        .fillna("")
        .str.replace(r"'[^']*'", "", regex=True)
        .equals(reference["parse_errors"].fillna("").str.replace(r"'[^']*'", "", regex=True))
    )


@pytest.mark.parametrize("layout", READABLE)
def test_layout_keeps_provenance_and_finds_the_duplicate(exports, layout):
    returns = ingest.ingest_exports([exports[layout]], PROTOCOL, YEAR).returns

    assert returns["row_key"].is_unique
    assert (returns["source_file"] == exports[layout].name).all()
    assert returns["duplicate_of"].notna().sum() == 1


@pytest.mark.parametrize(
    ("layout", "name"),
    [
        ("msforms_xlsx", "Microsoft Forms"),
        ("msforms_csv", "Microsoft Forms"),
        ("surveymonkey_csv", "SurveyMonkey"),
        ("surveymonkey_xlsx", "SurveyMonkey"),
        ("qualtrics_csv", "Qualtrics"),
        ("qualtrics_split_csv", "Qualtrics"),
        ("google_forms_csv", "Google Forms"),
        ("smartsurvey_csv", "SmartSurvey"),
        ("smartsurvey_xlsx", "SmartSurvey"),
        ("plain_csv", "plain CSV"),
        ("utf16_tsv", "Microsoft Forms"),
    ],
)
def test_layout_is_detected_without_flags(exports, layout, name):
    files = ingest.ingest_exports([exports[layout]], PROTOCOL, YEAR).files

    assert files["layout"].item() == name


def test_surveymonkey_data_starts_on_spreadsheet_row_3(exports):
    returns = ingest.ingest_exports([exports["surveymonkey_csv"]], PROTOCOL, YEAR).returns

    assert returns["source_row"].iloc[0] == 3


def test_qualtrics_data_starts_on_spreadsheet_row_4_and_row_1_names_are_not_ids(exports):
    ingested = ingest.ingest_exports([exports["qualtrics_csv"]], PROTOCOL, YEAR)

    assert ingested.returns["source_row"].iloc[0] == 4
    methods = ingested.column_map.dropna(subset=["question_id"])["method"]
    assert not methods.str.contains("question id").any()


def test_qualtrics_numeric_values_export_is_refused_with_advice(exports):
    with pytest.raises(PipelineError, match='choosing "choice text"'):
        ingest.ingest_exports([exports["qualtrics_numeric_csv"]], PROTOCOL, YEAR)


def test_several_files_for_one_year_combine_with_copies_counted_once(exports):
    files = [exports["msforms_xlsx"], exports["surveymonkey_csv"]]

    returns = ingest.ingest_exports(files, PROTOCOL, YEAR).returns

    per_file = returns.groupby("source_file").size()
    assert per_file.to_dict() == {f.name: len(returns) // 2 for f in files}
    # Each return is in both downloads (same officer and partnership): every row of the
    # second file is a copy, plus the one duplicate submission inside the first.
    second = returns["source_file"] == files[1].name
    assert returns.loc[second, "duplicate_of"].notna().all()
    assert returns.loc[~second, "duplicate_of"].notna().sum() == 1
