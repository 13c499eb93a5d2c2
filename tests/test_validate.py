"""Validation: real Great Expectations runs of the suite generated from the protocol, and
the tables the stage writes for the report (coverage, caveats, the summary)."""

import dataclasses
import datetime as dt
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from pipeline import council, ingest, paths, protocol, tables, validate
from pipeline.errors import PipelineError

PROTOCOL = protocol.load()
COUNCIL = council.load()
CLOSING = dt.date(2025, 4, 30)
YEAR = 2025


@pytest.fixture(scope="module")
def sample_validated(tmp_path_factory):
    """The sample's returns through ingest, the returns table and validation, as 02_validate
    runs them: (returns as read back, the validation, the root written into)."""
    from pipeline import sample

    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    exports = sample.write_sample(YEAR, root=root)
    ingested = ingest.ingest_exports(exports, PROTOCOL, YEAR)
    ingest.write_ingested(ingested, YEAR, root, PROTOCOL)
    returns = tables.read("returns", YEAR, root, PROTOCOL)
    result = validate.validate_returns(returns, PROTOCOL, CLOSING)
    validate.write_validation(result, CLOSING, YEAR, root, PROTOCOL, COUNCIL)
    return returns, result, root


@pytest.fixture(scope="module")
def clean_returns(sample_validated):
    """Sample returns that pass every error rule (rows the sample breaks are left out)."""
    _, _, root = sample_validated
    return tables.read("valid", YEAR, root, PROTOCOL).head(20)


def _validate(returns):
    return validate.validate_returns(returns, PROTOCOL, CLOSING)


def test_validation_accounts_for_every_row_of_the_sample(sample_validated):
    returns, result, _ = sample_validated

    assert result.rows_in == len(returns)
    assert len(result.valid) + len(result.quarantine) == len(returns)
    assert result.valid["response_id"].is_unique
    assert len(result.quarantine) == 10


def test_write_validation_writes_the_tables_and_a_summary_that_add_up(sample_validated):
    returns, result, root = sample_validated

    summary = tables.read_dq_summary(YEAR, root)
    valid = tables.read("valid", YEAR, root, PROTOCOL)
    quarantine = tables.read("quarantine", YEAR, root, PROTOCOL)
    findings = tables.read("findings", YEAR, root)

    assert summary["closing_date"] == CLOSING.isoformat()
    assert summary["rows_in"] == len(returns) == len(valid) + len(quarantine)
    assert (summary["valid"], summary["quarantined"]) == (len(valid), len(quarantine))
    warned = findings.loc[findings["severity"] == "warning", "row_key"]
    assert summary["rows_with_warnings"] == result.rows_with_warnings == warned.nunique()
    assert summary["warning_findings"] == len(warned)
    by_rule = {r["rule"]: r["rows"] for r in summary["quarantined_by_rule"]}
    assert sum(by_rule.values()) >= len(quarantine) and by_rule["duplicate"] == 1
    assert sum(r["rows"] for r in summary["warnings_by_rule"]) >= summary["rows_with_warnings"]
    assert len(summary["checks"]) == len(result.summary)
    json.dumps(summary)  # plain JSON, no numpy values
    assert tables.read_summary("02_validate", YEAR, root) == validate.summary_line(result)
    assert f"{len(returns)} returns in: {len(valid)} valid" in validate.summary_line(result)


def test_write_validation_writes_coverage_and_caveats_without_personal_data(sample_validated):
    _, _, root = sample_validated

    coverage = tables.read("coverage", YEAR, root, personal=False)
    caveats = tables.read("caveats", YEAR, root, personal=False)

    assert list(coverage["directorate"]) == list(COUNCIL.directorates)
    assert (coverage["officers_responding"] <= coverage["senior_officers"]).all()
    assert list(caveats.columns) == ["question_id", "question", "returns"]
    assert (caveats["returns"] > 0).all()
    with pytest.raises(ValueError, match="personal data"):
        tables.read("valid", YEAR, root, PROTOCOL, personal=False)


def test_summary_read_by_the_report_holds_no_name_or_email(sample_validated):
    returns, _, root = sample_validated
    text = tables.dq_summary_path(YEAR, root).read_text(encoding="utf-8")
    emails = returns[PROTOCOL.id_of("respondent_email")].dropna()
    names = returns[PROTOCOL.id_of("respondent_name")].dropna()

    malformed = [e for e in emails if "@" not in e]  # the sample plants one
    assert malformed, "the sample should plant a malformed email"
    assert not any(value in text for value in [*emails, *names])


@pytest.fixture(scope="module")
def clean_result(clean_returns):
    return _validate(clean_returns)


def test_clean_rows_are_all_kept(clean_returns, clean_result):
    assert len(clean_result.valid) == len(clean_returns)
    assert clean_result.quarantine.empty


# One return per rule broken, all in one table validated once (one GX run, not twelve):
# (column, bad value, rule, words of the reason), row n breaking ERROR_BREAKS[n].
ERROR_BREAKS = [
    ("Q6", None, "required", "a required answer is missing"),
    ("Q43", "Very high", "option_set", "not one of the question's options"),
    ("Q26", "Better lives for all; Green and clean", "multi_option_set", "Q26"),
    ("Q29", 7, "agree5_range", "not between 1 and 5"),
    ("Q22", 800.0, "range", "outside the allowed range"),
    ("Q20", -5.0, "range", "outside the allowed range"),
    ("Q18", "2026-01-01", "date_not_in_future", "after the survey closed"),
    ("duplicate_of", "1", "duplicate", "duplicate of 1"),
    ("parse_errors", "Q20: could not read 'tbc' as money", "parse_error", "'tbc' as money"),
]
EMAIL_ROW, STATUTORY_ROW, BLANK_Q10_ROW = 10, 11, 12
STATUTORY = "Yes - statutory duty"


@pytest.fixture(scope="module")
def broken(clean_returns):
    """The clean returns with one rule broken per row: (returns, validation)."""
    columns = {column for column, *_ in ERROR_BREAKS}
    returns = clean_returns.astype({column: object for column in columns}).copy()
    for row, (column, bad_value, _, _) in enumerate(ERROR_BREAKS):
        returns.loc[row, column] = bad_value
    # warnings: a malformed email; a statutory duty without its basis (while another row
    # leaves Q10 blank, which must not hide it)
    returns.loc[EMAIL_ROW, ["Q10", "Q11", "Q2"]] = [STATUTORY, "Children Act 2004", "not-an-email"]
    returns.loc[STATUTORY_ROW, ["Q10", "Q11"]] = [STATUTORY, None]
    returns.loc[BLANK_Q10_ROW, "Q10"] = None
    return returns, _validate(returns)


@pytest.mark.parametrize(
    ("row", "rule", "reason_part"), [(n, b[2], b[3]) for n, b in enumerate(ERROR_BREAKS)]
)
def test_row_breaking_an_error_rule_is_quarantined_with_that_reason(broken, row, rule, reason_part):
    returns, result = broken
    quarantined = result.quarantine.set_index("row_key")
    key = returns.loc[row, "row_key"]

    assert rule in quarantined.loc[key, "quarantine_rules"]
    assert reason_part in quarantined.loc[key, "quarantine_reasons"]


def test_only_the_rows_breaking_an_error_rule_are_quarantined(broken):
    returns, result = broken

    assert set(result.quarantine["row_key"]) == set(returns.loc[: len(ERROR_BREAKS) - 1, "row_key"])
    assert len(result.valid) == len(returns) - len(ERROR_BREAKS)


@pytest.mark.parametrize(
    ("row", "rule"), [(EMAIL_ROW, "email_format"), (STATUTORY_ROW, "statutory_basis")]
)
def test_row_breaking_a_warning_rule_is_kept_and_counted(broken, row, rule):
    returns, result = broken

    assert returns.loc[row, "row_key"] in set(result.valid["row_key"])
    warnings = validate.warnings_by_rule(result.findings).set_index("rule")
    assert warnings.loc[rule, "rows"] == 1
    flagged = result.findings[result.findings["rule"] == rule]
    assert flagged["row_key"].tolist() == [returns.loc[row, "row_key"]]


def test_statutory_warning_still_applies_when_another_row_leaves_q10_blank(broken):
    returns, result = broken

    statutory = result.findings[result.findings["rule"] == "statutory_basis"]
    assert returns.loc[BLANK_Q10_ROW, "Q10"] is None
    assert statutory["row_key"].tolist() == [returns.loc[STATUTORY_ROW, "row_key"]]
    assert result.rows_with_warnings == 2


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


def test_summary_records_every_expectation_with_counts(clean_result):
    summary = clean_result.summary

    assert {"table", "required", "option_set", "statutory_basis"} <= set(summary["rule"])
    assert (summary["unexpected_count"] == 0).all()
    assert summary.loc[summary["rule"] == "required", "evaluated"].item() == 20


def test_write_validation_writes_the_data_docs_page_and_record_and_nothing_else(
    sample_validated,
):
    _, _, root = sample_validated

    written = sorted(p.name for p in paths.data_docs_dir(YEAR, root).iterdir())

    assert written == ["index.html", "validation_result.json"]


# --- names and emails are masked before GX sees them (decision D26) ---------------------

# Addresses a return could hold, well formed or not; True where the protocol's pattern
# accepts the real value.
EMAILS = {
    "nadia.mitchell@northmoor.gov.example": True,
    "Nadia.Mitchell2@Northmoor.Gov.Example": True,
    "nadia.mitchell.northmoor.gov.example": False,
    "nadia mitchell@northmoor.gov.example": False,
    "nadia@@northmoor.gov.example": False,
    "@northmoor.gov.example": False,
    "nadia@northmoor": False,
    "nadia@northmoor.": False,
    "nadia@.example": False,
    "josé.núñez@exämple.cymru": True,
    "иван@почта.рф": True,
    "二郎@例え.テスト": True,
    "tab\there@x.example": False,
    "trailing@x.example\n": True,  # '$' matches before a final newline, as GX does it
    "o'brien+survey@x-y.example": True,
    "<script>@x.example": True,
    "9999@1234.567": True,
    " ": False,
}


def _failing_rows(outcomes):
    """Each check's failing row keys, by the check's position in the suite."""
    return [
        sorted(entry["row_key"] for entry in result.get("unexpected_index_list") or [])
        for _, result in outcomes
    ]


def _real_and_masked(returns):
    """The suite's failing rows per check, run by GX on the real and on the masked view."""
    checks = validate.plan_table_checks(PROTOCOL) + validate.plan_checks(PROTOCOL, CLOSING)
    view = validate.validation_view(returns, PROTOCOL)
    masked = validate.mask_personal(view, PROTOCOL)
    real, _ = validate.run_checks(view, checks, name="real")
    shown, _ = validate.run_checks(masked, checks, name="masked")
    return checks, masked, _failing_rows(real), _failing_rows(shown)


def test_masking_keeps_every_checks_failing_rows_on_the_sample(sample_validated):
    returns, result, _ = sample_validated

    checks, masked, real, shown = _real_and_masked(returns)

    assert shown == real
    email = [i for i, c in enumerate(checks) if c.rule == "email_format"]
    assert len(email) == 1 and len(real[email[0]]) >= 1  # the sample's malformed address
    assert result.findings.query("rule == 'email_format'")["row_key"].tolist() == real[email[0]]
    for qid in PROTOCOL.personal_ids:
        assert not set(masked[qid].dropna()) & set(returns[qid].dropna())


def test_masking_keeps_the_email_verdict_of_malformed_and_unusual_addresses(clean_returns):
    email = PROTOCOL.id_of("respondent_email")
    returns = clean_returns.head(len(EMAILS)).assign(**{email: list(EMAILS)})
    expected = sorted(returns.loc[[not ok for ok in EMAILS.values()], "row_key"])

    checks, masked, real, shown = _real_and_masked(returns)

    (index,) = [i for i, c in enumerate(checks) if c.rule == "email_format"]
    assert real[index] == expected
    assert shown == real
    assert masked[email].tolist()[:3] == [
        "xxxxx.xxxxxxxx@xxxxxxxxx.xxx.xxxxxxx",
        "Xxxxx.Xxxxxxxx9@Xxxxxxxxx.Xxx.Xxxxxxx",
        "xxxxx.xxxxxxxx.xxxxxxxxx.xxx.xxxxxxx",
    ]


def test_mask_keeps_no_letter_or_digit_of_any_script():
    masked = validate.mask_text("Siân Ó Briain-Wyn 42 иван 二郎 ٣")

    assert masked == "Xxéx É Xxxxxx-Xxx 99 éééé ªª ٩"


def test_validation_with_masked_emails_quarantines_and_reasons_as_before(clean_returns):
    email = PROTOCOL.id_of("respondent_email")
    returns = clean_returns.head(3).assign(**{email: ["a@b.example", "not an address", None]})

    result = _validate(returns)

    warned = result.findings.query("rule == 'email_format'")
    assert warned["row_key"].tolist() == [returns.loc[1, "row_key"]]
    assert warned["value"].tolist() == ["not an address"]  # findings keep the real value
    assert result.record["meta"]["personal_columns_masked"] == PROTOCOL.personal_ids
    assert "not an address" not in json.dumps(result.record)


def test_an_email_pattern_about_particular_letters_stops_the_run(clean_returns):
    strict = dataclasses.replace(PROTOCOL, email_pattern=r"@northmoor\.gov\.example$")

    with pytest.raises(PipelineError, match=r"validation\.email_pattern judges Q2 in row"):
        validate.validate_returns(clean_returns, strict, CLOSING)


def test_parse_errors_about_a_personal_question_are_withheld_from_gx():
    view = pd.DataFrame(
        {
            "row_key": ["a.csv:2", "a.csv:3"],
            "Q1": ["Nadia Mitchell", None],
            "parse_errors": ["Q2: could not read 'nadia@' | Q20: could not read 'tbc'", None],
        },
        dtype=object,  # as validation_view gives text: blanks are None
    )

    masked = validate.mask_personal(view, PROTOCOL)

    assert masked["parse_errors"].tolist() == [
        f"Q2: {validate.PERSONAL_PHRASE} | Q20: could not read 'tbc'",
        None,
    ]
    assert masked["Q1"].tolist() == ["Xxxxx Xxxxxxxx", None]
    assert view.loc[0, "Q1"] == "Nadia Mitchell"  # the input is not modified


def test_closing_date_ignores_timestamps_that_could_not_be_read():
    returns = pd.DataFrame(
        {"submitted_at": ["Mar 14, 2025 soon", "2025-03-20 09:00:00", "2025-04-02 10:00:00"]}
    )

    assert validate.closing_date(returns, 2025) == dt.date(2025, 4, 2)
    assert validate.closing_date(returns.head(1), 2025) == dt.date(2025, 12, 31)


def _submitted(days: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"submitted_at": [f"{day} 10:00:00" for day in days]})


# Forty returns over March and April 2025, as a survey's submissions spread.
ON_TIME = [f"2025-03-{d:02d}" for d in range(3, 31)] + [f"2025-04-{d:02d}" for d in range(19, 31)]


def test_closing_date_from_council_yaml_wins_over_the_submission_times():
    with_date = COUNCIL.model_copy(update={"closing_dates": {2025: dt.date(2025, 6, 30)}})

    rule = validate.closing_rule(_submitted([*ON_TIME, "2025-07-02"]), 2025, with_date)

    assert rule == validate.Closing(
        dt.date(2025, 6, 30), "the closing date council.yaml gives for 2025"
    )


@pytest.mark.parametrize(
    "wrong_clocks",
    [["2031-01-01"], ["2031-01-01", "2027-05-05", "2026-01-01", "2099-12-31", "2025-12-25"]],
)
def test_a_few_wrong_clocks_do_not_move_the_closing_date(wrong_clocks):
    without_dates = COUNCIL.model_copy(update={"closing_dates": {}})

    rule = validate.closing_rule(_submitted([*ON_TIME, *wrong_clocks]), 2025, without_dates)

    assert rule.date == dt.date(2025, 4, 30)
    assert f"({len(wrong_clocks)} later submission(s) left out as wrong clocks)" in rule.basis


def test_the_sample_years_closing_dates_are_in_council_yaml():
    assert COUNCIL.closing_date(2025) == CLOSING
    assert COUNCIL.closing_date(2031) is None


def test_a_return_submitted_after_the_closing_date_is_kept_with_a_warning(clean_returns):
    returns = clean_returns.astype({"submitted_at": object}).copy()
    returns.loc[0, "submitted_at"] = "2031-01-01 09:00:00"
    returns.loc[1, "submitted_at"] = f"{CLOSING.isoformat()} 23:59:59"  # on the day: on time

    result = _validate(returns)

    late = result.findings[result.findings["rule"] == "late_submission"]
    assert late["row_key"].tolist() == [returns.loc[0, "row_key"]]
    assert late["severity"].item() == "warning"
    assert late["reason"].item() == (
        "submitted_at: '2031-01-01 09:00:00' - the return was submitted after the survey's "
        "closing date (submitted on or before the closing date, 2025-04-30)"
    )
    assert result.quarantine.empty
    counted = validate.warnings_by_rule(result.findings).set_index("rule")
    assert counted.loc["late_submission", "rows"] == 1


def test_a_name_read_as_blank_is_quarantined_saying_why(clean_returns):
    returns = clean_returns.astype({"Q6": object, "parse_warnings": object}).copy()
    returns.loc[0, "Q6"] = None
    returns.loc[0, "parse_warnings"] = "Q6: '😀' has no letters or digits; read as blank"

    result = _validate(returns)

    assert result.quarantine["quarantine_reasons"].tolist() == [
        "Q6: blank - a required answer is missing (Q6 (What is the name of the partnership?) "
        "answered); '😀' has no letters or digits; read as blank"
    ]


def test_multi_select_pattern_accepts_option_order_only():
    import re

    pattern = re.compile(validate.multi_select_pattern(["A", "B, C", "D"]))

    assert pattern.match("A; B, C; D") and pattern.match("D")
    assert not pattern.match("D; A") and not pattern.match("A; E") and not pattern.match("A; ")


def test_duplicate_rule_cannot_be_downgraded_to_a_warning(tmp_path):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    config = paths.protocol_file(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("duplicate:\n      severity: error", "duplicate:\n      severity: warning"),
        encoding="utf-8",
    )

    with pytest.raises(PipelineError, match=r"duplicate.severity \(line \d+\): must be error"):
        protocol.load(tmp_path)


# --- moved from the report: response coverage and caveats are computed in validation ------


def test_response_coverage_counts_officers_once_and_anonymous_returns_apart():
    email, name = PROTOCOL.id_of("respondent_email"), PROTOCOL.id_of("respondent_name")
    valid = pd.DataFrame(
        {
            PROTOCOL.id_of("directorate"): ["Resources", "Resources", "Resources", "Public Health"],
            email: ["a@x.example", "A@x.example ", None, None],
            name: ["Ann", "Ann", None, "Bo"],
        }
    )

    coverage = validate.response_coverage(valid, COUNCIL, PROTOCOL).set_index("directorate")

    assert coverage.loc["Resources", "officers_responding"] == 1
    assert coverage.loc["Resources", "anonymous_returns"] == 1
    assert coverage.loc["Public Health", "officers_responding"] == 1
    assert coverage.loc["Children and Families", "coverage"] == 0
    senior = COUNCIL.directorates["Resources"]
    assert coverage.loc["Resources", "coverage"] == round(1 / senior, 4)
    assert "Ann" not in coverage.to_string() and "@" not in coverage.to_string()


def test_read_with_caveats_counts_returns_by_question():
    valid = pd.DataFrame(
        {
            "parse_warnings": [
                "Q20: approximate amount 'approx £3000' | Q26: 'Parks' is not one of the options",
                None,
                "Q20: approximate amount 'c. 5k'",
            ]
        }
    )

    caveats = validate.read_with_caveats(valid, PROTOCOL)

    assert caveats["question_id"].tolist() == ["Q20", "Q26"]
    assert caveats["returns"].tolist() == [2, 1]
    assert caveats["question"].iloc[0].startswith("Annual cash contribution")


def test_read_with_caveats_tells_q2_from_q20():
    valid = pd.DataFrame({"parse_warnings": ["Q20: approximate amount 'about 5'"]})

    assert validate.read_with_caveats(valid, PROTOCOL)["question_id"].tolist() == ["Q20"]


def _integer_answers():
    """Nullable-integer answers (as agree5 columns read), failing a range, a set and a
    required check, with a blank, and the checks that fail them."""
    view = pd.DataFrame(
        {
            "row_key": ["a", "b", "c", "d", "e"],
            "Q": pd.array([1, 6, None, 0, 6], dtype="Int64"),
            "T": ["x", None, "y", "z", "x"],
            "D": pd.to_datetime(
                ["2025-01-02", None, "2026-07-13", "2025-03-01", "2026-08-01"], format="ISO8601"
            ).as_unit("us"),
        }
    )
    checks = [
        validate.Check(
            "r",
            "error",
            "ExpectColumnValuesToBeBetween",
            {"column": "Q", "min_value": 1, "max_value": 5},
            "Q",
            "r",
        ),
        validate.Check("q", "error", "ExpectColumnValuesToNotBeNull", {"column": "Q"}, "Q", "q"),
        validate.Check(
            "s",
            "error",
            "ExpectColumnValuesToBeInSet",
            {"column": "Q", "value_set": [1, 6]},
            "Q",
            "s",
        ),
        validate.Check("t", "error", "ExpectColumnValuesToNotBeNull", {"column": "T"}, "T", "t"),
        validate.Check(
            "d",
            "error",
            "ExpectColumnValuesToBeBetween",
            {"column": "D", "max_value": pd.Timestamp("2025-04-30")},
            "D",
            "d",
        ),
        validate.Check("n", "error", "ExpectColumnValuesToNotBeNull", {"column": "D"}, "D", "n"),
    ]
    return view, checks


def test_gx_sees_nullable_integers_as_float64_with_nan():
    view, _ = _integer_answers()

    frame, changed = validate.gx_frame(view)

    assert list(changed) == ["Q", "D"]
    assert frame["D"].dtype == "datetime64[ns]" and frame["D"].equals(
        view["D"].astype(frame["D"].dtype)
    )
    assert frame["Q"].dtype == "float64" and frame["T"].dtype == view["T"].dtype
    assert frame["Q"].isna().tolist() == view["Q"].isna().tolist()
    assert frame["Q"].dropna().tolist() == [1.0, 6.0, 0.0, 6.0]
    assert view["Q"].dtype == "Int64"  # the input is not modified


def test_changed_columns_report_what_gx_reports_for_them_as_they_were(monkeypatch):
    """GX's own result on the Int64 and microsecond columns (gx_frame as the identity) and
    the faster one on float64 and nanoseconds are the same: values, their types (6 not 6.0,
    a blank as pd.NA, dates in their unit), the JSON record and the batch fingerprint."""
    view, checks = _integer_answers()

    fast, fast_record = validate.run_checks(view, checks, name="fast")
    monkeypatch.setattr(validate, "gx_frame", lambda frame: (frame, {}))
    slow, slow_record = validate.run_checks(view, checks, name="slow")

    def typed(outcomes):
        return [
            {k: repr(v) for k, v in result.items() if "unexpected" in k and "percent" not in k}
            for _, result in outcomes
        ]

    assert typed(fast) == typed(slow)
    assert fast[0][1]["partial_unexpected_list"] == [6, 0, 6]
    assert "6.0" not in repr(fast[0][1])
    assert fast[1][1]["partial_unexpected_list"] == [pd.NA]
    dates = fast[4][1]["partial_unexpected_list"]
    assert [d.unit for d in dates] == [d.unit for d in slow[4][1]["partial_unexpected_list"]]

    def record(result):
        kept = validate.data_docs.machine_record(result, set())
        kept["meta"].pop("active_batch_definition")
        kept["meta"].pop("batch_spec")
        kept.pop("suite_name")
        for item in kept["results"]:
            item["expectation_config"]["kwargs"].pop("batch_id")
        return validate.data_docs.record_text(kept)

    assert record(fast_record) == record(slow_record)


def test_values_beyond_the_fast_dtypes_range_stay_as_they_are():
    view = pd.DataFrame(
        {
            "row_key": ["a"],
            "Q": pd.array([2**53 + 1], dtype="Int64"),
            "D": pd.to_datetime(["2999-01-01"]).as_unit("us"),
        }
    )

    frame, changed = validate.gx_frame(view)

    assert not changed and frame["Q"].dtype == "Int64" and frame["D"].dtype == "datetime64[us]"


def test_the_record_is_the_one_a_validation_definitions_run_gives(monkeypatch):
    """run_checks validates without storing the result in the context; what the record keeps
    is what GX's ValidationDefinition.run (which stores it) gives."""
    view, checks = _integer_answers()
    monkeypatch.setattr(validate, "gx_frame", lambda frame: (frame, {}))
    _, ours = validate.run_checks(view, checks, name="ours")

    gx, gxe = validate._quiet_gx()
    context = validate.gx_context()
    batch = (
        context.data_sources.add_pandas("ours")
        .add_dataframe_asset("ours")
        .add_batch_definition_whole_dataframe("all returns")
    )
    expectations = [
        getattr(gxe, c.expectation)(
            **c.kwargs,
            meta={"check": i, "rule": c.rule, "severity": c.severity, "description": c.description},
        )
        for i, c in enumerate(checks)
    ]
    suite = context.suites.add(gx.ExpectationSuite(name="ours", expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="ours", data=batch, suite=suite)
    )
    theirs = definition.run(
        batch_parameters={"dataframe": view},
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["row_key"],
            "return_unexpected_index_query": False,
        },
    ).to_json_dict()

    def record(result):
        return validate.data_docs.record_text(validate.data_docs.machine_record(result, {"T"}))

    assert record(ours) == record(theirs)


def test_plain_gives_none_for_every_blank_gx_hands_back():
    """None, NaN, NaT and pd.NA are all blanks: shown as blank, never as "NaT" or "<NA>"."""
    for blank in (None, float("nan"), pd.NaT, pd.NA, np.float64("nan")):
        assert validate._plain(blank) is None
    assert validate._plain(np.int64(6)) == 6
    assert validate._plain(pd.Timestamp("2025-04-30")) == "2025-04-30"
