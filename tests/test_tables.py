"""The processed-data contract: one read/write pair, typed by the catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import tables

YEAR = 2025


def _changes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partnership_id": ["PSH-0001", "PSH-0002"],
            "name": ["=Formula-like name", "Trust"],
            "change": ["new", "changed"],
            "what_changed": [None, "risk: Low to High"],
        }
    )


def test_written_table_reads_back_with_its_contract_types(tmp_path):
    coverage = pd.DataFrame(
        {
            "directorate": ["Resources", "Public Health"],
            "senior_officers": [12, 7],
            "officers_responding": [6, 0],
            "coverage": [0.5, 0.0],
            "anonymous_returns": [1, 0],
        }
    )

    tables.write("coverage", coverage, YEAR, tmp_path)
    read = tables.read("coverage", YEAR, tmp_path)

    assert str(read["senior_officers"].dtype) == "Int64"
    assert read["coverage"].dtype == "float64"
    assert read["directorate"].tolist() == ["Resources", "Public Health"]


def test_blank_text_reads_as_missing_and_text_stays_text(tmp_path):
    tables.write("changes", _changes(), YEAR, tmp_path)

    read = tables.read("changes", YEAR, tmp_path)

    assert read.loc[0, "what_changed"] is None
    assert read.loc[0, "name"] == "=Formula-like name"


def test_write_refuses_a_table_that_breaks_its_contract(tmp_path):
    broken = _changes().drop(columns=["change"])

    with pytest.raises(ValueError, match=r"changes does not match its contract.*'change'"):
        tables.write("changes", broken, YEAR, tmp_path)


def test_closed_table_refuses_a_column_not_in_its_contract(tmp_path):
    extra = _changes().assign(email="someone@example.org")

    with pytest.raises(ValueError, match="not in the contract"):
        tables.write("changes", extra, YEAR, tmp_path)


def test_report_reads_refuse_tables_with_personal_data(tmp_path):
    with pytest.raises(ValueError, match="valid holds personal data"):
        tables.read("valid", YEAR, tmp_path, personal=False)


def test_every_personal_table_is_marked():
    personal = {name for name, spec in tables.CATALOGUE.items() if spec.personal}

    assert personal == {"returns", "valid", "quarantine", "findings"}


def test_stage_summary_is_one_line(tmp_path):
    tables.write_summary("03_evaluate", "104 partnerships,\n 21 key", YEAR, tmp_path)

    assert tables.read_summary("03_evaluate", YEAR, tmp_path) == "104 partnerships, 21 key"


def test_missing_table_names_the_file_and_the_stage_to_run(tmp_path):
    from pipeline.errors import PipelineError

    with pytest.raises(PipelineError, match=r"evaluation\.csv: not found; run the earlier"):
        tables.read("evaluation", YEAR, tmp_path)


def test_a_table_written_by_an_earlier_version_is_refused_with_how_to_rebuild(tmp_path):
    from pipeline.errors import PipelineError

    target = tables.path("changes", YEAR, tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text("partnership_id,name,change\nPSH-0001,Alpha,new\n", encoding="utf-8")

    with pytest.raises(
        PipelineError, match=r"lacks column\(s\) what_changed.*make report YEAR=2025"
    ):
        tables.read("changes", YEAR, tmp_path)


def test_column_text_writes_each_time_of_a_mixed_zone_column_as_it_is():
    """Two times of one instant in different zones compare equal: written by distinct value
    they would share one text; each is written as it is."""
    utc = pd.Timestamp("2025-04-30 00:00", tz="UTC")
    column = pd.Series([utc, utc.tz_convert("Europe/London")], dtype=object)
    assert tables.column_text(column).tolist() == [tables.cell_text(v) for v in column]
    assert len(set(tables.column_text(column))) == 2


def test_map_distinct_hands_python_values_as_map_does():
    """A nullable integer column's values reach the function as Python ints (as .map gives
    them), not numpy scalars; blanks one by one."""
    column = pd.Series([1, 2, None, 1], dtype="Int64")
    assert tables.map_distinct(column, repr).tolist() == column.map(repr).tolist()
    texts = pd.Series(["a", None, "b", "a"], dtype=object)
    assert tables.map_distinct(texts, repr).tolist() == ["'a'", "None", "'b'", "'a'"]
