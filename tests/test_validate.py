"""Validation: real Great Expectations runs of the suite generated from the protocol."""

import datetime as dt

import pandas as pd
import pytest

from pipeline import ingest, protocol, validate
from pipeline.errors import PipelineError

PROTOCOL = protocol.load()
CLOSING = dt.date(2025, 4, 30)


@pytest.fixture(scope="module")
def clean_returns(tmp_path_factory):
    """Sample returns that pass every error rule (rows the sample breaks are left out)."""
    import shutil

    from pipeline import paths, sample

    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    exports = sample.write_sample(2025, root=root)
    returns = ingest.ingest_exports(exports, PROTOCOL, 2025).returns
    path = ingest.write_returns(returns, root / "returns.csv")
    typed = ingest.read_returns_csv(path, PROTOCOL)
    result = validate.validate_returns(typed, PROTOCOL, CLOSING)
    return ingest.read_returns_csv(
        ingest.write_returns(result.valid, root / "valid.csv"), PROTOCOL
    ).head(20)


def _validate(returns):
    return validate.validate_returns(returns, PROTOCOL, CLOSING)


def test_validation_accounts_for_every_row_of_the_sample(generated):
    returns = ingest.ingest_exports(generated.exports, PROTOCOL, generated.year).returns

    result = _validate(returns)

    assert len(result.valid) + len(result.quarantine) == len(returns)
    assert result.valid["response_id"].is_unique
    assert len(result.quarantine) == 10


def test_clean_rows_are_all_kept(clean_returns):
    result = _validate(clean_returns)

    assert len(result.valid) == len(clean_returns)
    assert result.quarantine.empty


@pytest.mark.parametrize(
    ("column", "bad_value", "rule", "reason_part"),
    [
        ("Q6", None, "required", "a required answer is missing"),
        ("Q43", "Very high", "option_set", "not one of the question's options"),
        ("Q26", "Better lives for all; Green and clean", "multi_option_set", "Q26"),
        ("Q29", 7, "agree5_range", "not between 1 and 5"),
        ("Q22", 800.0, "range", "outside the allowed range"),
        ("Q20", -5.0, "range", "outside the allowed range"),
        ("Q18", "2026-01-01", "date_not_in_future", "after the survey closed"),
        ("duplicate_of", "1", "duplicate", "duplicate of 1"),
        ("parse_errors", "Q20: could not read 'tbc' as money", "parse_error", "'tbc' as money"),
    ],
)
def test_row_breaking_an_error_rule_is_quarantined_with_that_reason(
    clean_returns, column, bad_value, rule, reason_part
):
    returns = clean_returns.astype({column: object}).copy()
    returns.loc[3, column] = bad_value

    result = _validate(returns)

    quarantined = result.quarantine.set_index("row_key")
    key = returns.loc[3, "row_key"]
    assert list(quarantined.index) == [key]
    assert rule in quarantined.loc[key, "quarantine_rules"]
    assert reason_part in quarantined.loc[key, "quarantine_reasons"]
    assert len(result.valid) == len(returns) - 1


@pytest.mark.parametrize(
    ("column", "bad_value", "rule"),
    [("Q2", "not-an-email", "email_format"), ("Q11", None, "statutory_basis")],
)
def test_row_breaking_a_warning_rule_is_kept_and_counted(clean_returns, column, bad_value, rule):
    returns = clean_returns.copy()
    returns.loc[5, "Q10"] = "Yes - statutory duty"
    returns.loc[5, column] = bad_value

    result = _validate(returns)

    assert len(result.valid) == len(returns)
    warnings = validate.warnings_by_rule(result.findings).set_index("rule")
    assert warnings.loc[rule, "rows"] == 1


def test_statutory_warning_still_applies_when_another_row_leaves_q10_blank(clean_returns):
    returns = clean_returns.copy()
    returns.loc[2, "Q10"] = None
    returns.loc[5, ["Q10", "Q11"]] = ["Yes - statutory duty", None]

    result = _validate(returns)

    warnings = validate.warnings_by_rule(result.findings).set_index("rule")
    assert warnings.loc["statutory_basis", "rows"] == 1


def test_table_without_protocol_columns_stops_the_run(clean_returns):
    with pytest.raises(PipelineError, match="missing column\\(s\\) Q43"):
        _validate(clean_returns.drop(columns=["Q43"]))


def test_table_with_no_rows_stops_the_run(clean_returns):
    with pytest.raises(PipelineError, match="no returns to validate"):
        _validate(clean_returns.head(0))


def test_same_response_id_accepted_twice_stops_the_run(clean_returns):
    returns = clean_returns.copy()
    returns.loc[4, "response_id"] = returns.loc[3, "response_id"]

    with pytest.raises(PipelineError, match="is accepted more than once"):
        _validate(returns)


def test_summary_records_every_expectation_with_counts(clean_returns):
    result = _validate(clean_returns)

    assert {"table", "required", "option_set", "statutory_basis"} <= set(result.summary["rule"])
    assert (result.summary["unexpected_count"] == 0).all()
    assert result.summary.loc[result.summary["rule"] == "required", "evaluated"].item() == 20


def test_data_docs_are_written_when_asked(clean_returns, tmp_path):
    validate.validate_returns(clean_returns, PROTOCOL, CLOSING, docs_dir=tmp_path / "docs")

    assert (tmp_path / "docs" / "index.html").is_file()


def test_closing_date_ignores_timestamps_that_could_not_be_read():
    returns = pd.DataFrame(
        {"submitted_at": ["Mar 14, 2025 soon", "2025-03-20 09:00:00", "2025-04-02 10:00:00"]}
    )

    assert validate.closing_date(returns, 2025) == dt.date(2025, 4, 2)
    assert validate.closing_date(returns.head(1), 2025) == dt.date(2025, 12, 31)


def test_multi_select_pattern_accepts_option_order_only():
    import re

    pattern = re.compile(validate.multi_select_pattern(["A", "B, C", "D"]))

    assert pattern.match("A; B, C; D") and pattern.match("D")
    assert not pattern.match("D; A") and not pattern.match("A; E") and not pattern.match("A; ")


def test_duplicate_rule_cannot_be_downgraded_to_a_warning(tmp_path):
    import shutil

    from pipeline import paths

    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    config = paths.protocol_file(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("duplicate:\n      severity: error", "duplicate:\n      severity: warning"),
        encoding="utf-8",
    )

    with pytest.raises(PipelineError, match="duplicate.severity must be error"):
        protocol.load(tmp_path)
