"""The analyst's workbook (decision D39): its seven sheets and their formats, opened with
openpyxl, text never run as a formula, the Follow-up chase list, and the same bytes twice."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import ingest, protocol, tables, toolkit, workbook
from pipeline.framework.files import ZIP_TIME

PROTOCOL = protocol.load()
BACKTEST = Path(__file__).parent / "backtest"
KIT = toolkit.load(BACKTEST, PROTOCOL)  # the pinned toolkit: the governance words below
YEAR = 2025


@pytest.fixture(scope="module")
def built(sample_stages):
    """The workbook's sheets and bytes from the sample through 03_evaluate (the fixture root
    is only read)."""
    sheets = workbook.build_sheets(YEAR, sample_stages)
    return sheets, workbook.workbook_bytes(sheets, "Registry 2025 (internal)", "Northmoor")


@pytest.fixture(scope="module")
def opened(built):
    return openpyxl.load_workbook(io.BytesIO(built[1]))


def _header(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


def _width(sheet, n: int) -> float:
    """Column n's width (openpyxl keeps a run of equal columns as one dimension)."""
    return next(d.width for d in sheet.column_dimensions.values() if d.min <= n <= d.max)


def _column(sheet, name: str) -> list:
    index = _header(sheet).index(name)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


# --- the workbook from the sample ------------------------------------------------------


def test_workbook_has_the_seven_sheets_in_order(opened):
    assert opened.sheetnames == [
        "Registry",
        "Key partnerships",
        "Evaluation",
        "Value for money",
        "Governance",
        "Changes",
        "Follow-up",
    ]


def test_every_sheet_has_a_frozen_header_a_filter_over_its_rows_and_a_title(opened, built):
    for sheet, source in zip(opened, built[0], strict=True):
        last = openpyxl.utils.get_column_letter(len(source.rows.columns))

        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{last}{len(source.rows) + 1}", sheet.title
        assert _header(sheet) == [str(c) for c in source.rows.columns], sheet.title
        assert sheet["A1"].comment.text.startswith(source.title), sheet.title


def test_sheets_hold_every_row_of_their_source_tables(opened, sample_stages):
    registry = tables.read("registry", YEAR, sample_stages)
    evaluation = tables.read("evaluation", YEAR, sample_stages)
    changes = tables.read("changes", YEAR, sample_stages)
    rows = {sheet.title: sheet.max_row - 1 for sheet in opened}

    assert rows["Registry"] == len(registry)
    assert rows["Evaluation"] == len(evaluation)
    assert rows["Value for money"] == rows["Governance"] == len(evaluation)
    assert rows["Key partnerships"] == int(evaluation["key_partnership"].sum()) > 0
    assert rows["Changes"] == len(changes)
    ids = [c.value for c in _column(opened["Key partnerships"], "partnership_id")]
    key = evaluation.loc[evaluation["key_partnership"].fillna(False).astype(bool)]
    assert ids == key["partnership_id"].tolist()


def test_money_is_in_pounds_and_shares_in_percent(opened):
    for title, column, expected in [
        ("Key partnerships", "full_cost", "£#,##0"),
        ("Key partnerships", "governance_completeness", "0%"),
        ("Registry", "cash", "£#,##0"),
        ("Value for money", "vfm_cash_share", "0%"),
        ("Value for money", "vfm_type_median_cost", "£#,##0"),
        ("Governance", "governance_completeness", "0%"),
        ("Evaluation", "overall_score", "0.00"),
    ]:
        numbers = [c for c in _column(opened[title], column) if type(c.value) in (int, float)]

        assert numbers, (title, column)
        assert {c.number_format for c in numbers} == {expected}, (title, column)


def test_column_widths_are_set_from_content_and_capped(opened):
    for sheet in opened:
        widths = [_width(sheet, n) for n in range(1, sheet.max_column + 1)]

        # openpyxl reads back xlsxwriter's width plus its padding (under one character)
        assert all(workbook.MIN_WIDTH <= w < workbook.MAX_WIDTH + 1 for w in widths), sheet.title
    follow_up = opened["Follow-up"]
    ask = _header(follow_up).index("Ask for") + 1
    assert _width(follow_up, ask) > 50
    assert _column(follow_up, "Ask for")[0].alignment.wrap_text  # long text wraps


def test_no_cell_is_a_formula_and_no_text_gains_an_apostrophe(opened):
    for sheet in opened:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert not cell.value.startswith("'"), (sheet.title, cell.value)


def test_a_duplicate_return_is_asked_only_which_copy_to_keep(sample_follow_up, sample_stages):
    returns = tables.read("returns", YEAR, sample_stages, PROTOCOL)
    copies = returns.dropna(subset=["duplicate_of"])
    listed = sample_follow_up.set_index("Response ID")
    duplicate = PROTOCOL.rules["duplicate"].description

    assert not copies.empty
    for copy in copies.itertuples():
        row = listed.loc[copy.response_id]
        assert row["Ask for"] == f"confirmation: {duplicate} (duplicate of {copy.duplicate_of})"
        assert row["Missing answers"] == row["Could not be read"] == row["To check"] == ""


def test_workbook_bytes_are_the_same_on_a_rerun_and_carry_no_time(built, sample_stages):
    again = workbook.workbook_bytes(
        workbook.build_sheets(YEAR, sample_stages), "Registry 2025 (internal)", "Northmoor"
    )

    assert again == built[1]
    with zipfile.ZipFile(io.BytesIO(again)) as archive:
        assert {info.date_time for info in archive.infolist()} == {ZIP_TIME}
    properties = openpyxl.load_workbook(io.BytesIO(again)).properties
    assert properties.created.year == properties.modified.year == 2000


def test_write_workbook_writes_registry_xlsx_under_the_outputs(sample_stages, tmp_path):
    root = tmp_path / "root"
    for folder in ("config", f"data/processed/{YEAR}"):
        (root / folder).mkdir(parents=True)
    for source in (sample_stages / "config").iterdir():
        (root / "config" / source.name).write_bytes(source.read_bytes())
    for source in (sample_stages / f"data/processed/{YEAR}").iterdir():
        (root / f"data/processed/{YEAR}" / source.name).write_bytes(source.read_bytes())

    written = workbook.write_workbook(YEAR, "Northmoor County Council", root)

    assert written == root / "outputs" / str(YEAR) / "registry.xlsx"
    opened = openpyxl.load_workbook(written)
    assert (
        opened.properties.title
        == "Northmoor County Council: registry of partnerships 2025 (internal)"
    )


# --- the Follow-up sheet from the sample ------------------------------------------------


@pytest.fixture(scope="module")
def sample_follow_up(built):
    return next(s.rows for s in built[0] if s.name == "Follow-up")


def test_follow_up_lists_every_quarantined_return_with_its_reason(sample_follow_up, sample_stages):
    quarantine = tables.read("quarantine", YEAR, sample_stages, PROTOCOL)
    listed = sample_follow_up.set_index("Response ID")

    assert set(quarantine["response_id"]) <= set(listed.index)
    for row in quarantine.itertuples():
        assert listed.loc[row.response_id, "Status"] == workbook.QUARANTINED
        assert listed.loc[row.response_id, "Quarantined because"] == row.quarantine_reasons
        assert pd.isna(listed.loc[row.response_id, "Partnership ID"])  # not accepted


def test_follow_up_asks_for_an_answer_that_could_not_be_read(sample_follow_up, sample_stages):
    quarantine = tables.read("quarantine", YEAR, sample_stages, PROTOCOL)
    unread = quarantine.dropna(subset=["parse_errors"]).iloc[0]
    question_id, _, problem = unread["parse_errors"].split(" | ")[0].partition(": ")
    question = PROTOCOL.question(question_id)

    row = sample_follow_up.set_index("Response ID").loc[unread["response_id"]]

    assert f"{question_id}: {problem}" in row["Could not be read"]
    assert f"{question_id} {question.text} - again: {problem}" in row["Ask for"]
    assert row["Officer"] == unread[PROTOCOL.id_of("respondent_name")]
    assert row["Email"] == unread[PROTOCOL.id_of("respondent_email")]


def test_follow_up_asks_for_a_missing_amount_of_an_accepted_return(sample_follow_up, sample_stages):
    valid = tables.read("valid", YEAR, sample_stages, PROTOCOL)
    asked = ingest.load_asked_by_file(YEAR, sample_stages, PROTOCOL)
    cash = PROTOCOL.by_key("cash")
    blank = valid[valid[cash.id].isna() & valid["source_file"].map(lambda f: "cash" in asked[f])]
    accepted = tables.read("return_partnerships", YEAR, sample_stages)
    chosen = blank.iloc[0]

    row = sample_follow_up.set_index("Response ID").loc[chosen["response_id"]]

    assert f"{cash.id} not answered: {cash.text}" in row["Missing answers"]
    assert f"{cash.id} {cash.text}" in row["Ask for"]
    assert row["Status"] == workbook.ACCEPTED
    expected_id = accepted.set_index("row_key").loc[chosen["row_key"], "partnership_id"]
    assert row["Partnership ID"] == expected_id


def test_follow_up_is_sorted_by_directorate_officer_and_partnership(sample_follow_up):
    keys = sample_follow_up[["Directorate", "Officer", "Partnership as typed"]].map(
        lambda v: (pd.isna(v), "" if pd.isna(v) else str(v).casefold())
    )

    assert list(keys.itertuples(index=False)) == sorted(keys.itertuples(index=False))


# --- the Follow-up sheet on returns built by hand ---------------------------------------


def _returns(*changes: dict) -> pd.DataFrame:
    """Complete returns (every question answered), one per dict of changes (by key)."""
    rows = []
    for n, change in enumerate(changes, start=1):
        row = {c: None for c in tables.returns_columns(PROTOCOL)}
        row |= {q.id: "answer" for q in PROTOCOL.questions}
        row |= {
            "response_id": str(n),
            "row_key": f"export.csv:{n + 1}",
            "source_file": "export.csv",
            "submitted_at": "2025-03-0" + str(n) + " 10:00:00",
        }
        row |= {(PROTOCOL.id_of(k) if k in PROTOCOL.keys else k): v for k, v in change.items()}
        rows.append(row)
    return pd.DataFrame(rows, columns=tables.returns_columns(PROTOCOL))


def _findings(*rows: tuple) -> pd.DataFrame:
    columns = ["row_key", "rule", "severity", "column", "value", "reason"]
    return pd.DataFrame(list(rows), columns=columns)


def _follow_up(returns, quarantine=None, findings=None, accepted=None, asked=None):
    quarantine = (
        quarantine
        if quarantine is not None
        else pd.DataFrame(columns=["row_key", "quarantine_reasons"])
    )
    accepted = (
        accepted
        if accepted is not None
        else pd.DataFrame({"row_key": returns["row_key"], "partnership_id": "PSH-0001"})
    )
    findings = findings if findings is not None else _findings()
    return workbook.follow_up(returns, quarantine, findings, accepted, PROTOCOL, KIT, asked)


def test_a_complete_return_is_left_out_and_a_blank_risk_register_is_asked_for():
    returns = _returns(
        {"respondent_name": "Ann Lee", "directorate": "Resources"},
        {"respondent_name": "Bo Ray", "directorate": "Resources", "risk_register": None},
    )

    chase = _follow_up(returns)

    risk = PROTOCOL.by_key("risk_register")
    assert chase["Response ID"].tolist() == ["2"]
    assert chase.loc[0, "Missing answers"] == f"{risk.id} not answered: {risk.text}"
    assert chase.loc[0, "Ask for"] == f"{risk.id} {risk.text}"
    assert chase.loc[0, "Submitted"] == "2025-03-02"
    assert chase.loc[0, "Partnership ID"] == "PSH-0001"


def test_optional_free_text_and_questions_the_file_did_not_ask_are_not_chased():
    asked_keys = set(PROTOCOL.keys) - {"performance_framework"}
    returns = _returns({"comments": None, "job_title": None, "performance_framework": None})

    chase = _follow_up(returns, asked={"export.csv": asked_keys})

    assert chase.empty


def test_a_blank_the_questionnaire_asks_for_is_not_chased():
    # Q15 and Q18's help: "Leave blank if it does not report ..." / "if it has never been
    # reviewed": the blank is the officer's answer.
    returns = _returns({"reporting_line": None, "last_reviewed": None})

    chase = _follow_up(returns)

    assert "leave blank" in PROTOCOL.by_key("reporting_line").help.casefold()
    assert chase.empty


def test_a_parse_error_is_asked_again_and_not_also_counted_as_missing():
    cash = PROTOCOL.by_key("cash")
    returns = _returns({"cash": None, "parse_errors": f"{cash.id}: could not read 'tbc' as money"})
    quarantine = pd.DataFrame(
        {"row_key": ["export.csv:2"], "quarantine_reasons": ["Q20 (...): could not read 'tbc'"]}
    )
    findings = _findings(
        ("export.csv:2", "parse_error", "error", "parse_errors", "x", "could not read")
    )

    chase = _follow_up(
        returns, quarantine, findings, accepted=pd.DataFrame(columns=["row_key", "partnership_id"])
    )

    row = chase.iloc[0]
    assert row["Status"] == workbook.QUARANTINED
    assert row["Missing answers"] == ""
    assert row["Could not be read"] == f"{cash.id}: could not read 'tbc' as money"
    assert row["Ask for"] == f"{cash.id} {cash.text} - again: could not read 'tbc' as money"
    assert row["Quarantined because"] == "Q20 (...): could not read 'tbc'"
    assert pd.isna(row["Partnership ID"])


def test_a_quarantined_answer_and_a_duplicate_say_what_to_ask_in_plain_words():
    meets = PROTOCOL.by_key("meeting_frequency")
    returns = _returns({"meeting_frequency": "Every six weeks"}, {})
    quarantine = pd.DataFrame(
        {"row_key": ["export.csv:2", "export.csv:3"], "quarantine_reasons": ["a", "b"]}
    )
    findings = _findings(
        ("export.csv:2", "option_set", "error", meets.id, "Every six weeks", "reason"),
        ("export.csv:3", "duplicate", "error", "duplicate_of", "1", "duplicate of 1"),
    )

    chase = _follow_up(returns, quarantine, findings).set_index("Response ID")

    option_set = PROTOCOL.rules["option_set"].description
    duplicate = PROTOCOL.rules["duplicate"].description
    assert chase.loc["1", "Ask for"] == (
        f"{meets.id} {meets.text} - again: 'Every six weeks': {option_set}"
    )
    assert chase.loc["2", "Ask for"] == f"confirmation: {duplicate} (duplicate of 1)"


def test_a_duplicate_is_not_asked_for_its_originals_missing_or_unread_answers():
    cash, risk = PROTOCOL.by_key("cash"), PROTOCOL.by_key("risk_register")
    unread = f"{cash.id}: could not read 'tbc' as money"
    copy = {"risk_register": None, "cash": None, "parse_errors": unread}
    returns = _returns(copy, copy | {"duplicate_of": "1"})
    quarantine = pd.DataFrame(
        {"row_key": ["export.csv:2", "export.csv:3"], "quarantine_reasons": ["a", "b"]}
    )
    findings = _findings(
        ("export.csv:2", "parse_error", "error", "parse_errors", "x", "could not read"),
        ("export.csv:3", "parse_error", "error", "parse_errors", "x", "could not read"),
        ("export.csv:3", "duplicate", "error", "duplicate_of", "1", "duplicate of 1"),
    )

    chase = _follow_up(returns, quarantine, findings).set_index("Response ID")

    assert chase.loc["1", "Missing answers"] == f"{risk.id} not answered: {risk.text}"
    assert chase.loc["1", "Could not be read"] == unread
    duplicate = PROTOCOL.rules["duplicate"].description
    assert chase.loc["2", "Ask for"] == f"confirmation: {duplicate} (duplicate of 1)"
    assert chase.loc["2", "Missing answers"] == chase.loc["2", "Could not be read"] == ""
    assert chase.loc["2", "Status"] == workbook.QUARANTINED


def test_follow_up_sorts_by_directorate_then_officer_with_anonymous_returns_last():
    returns = _returns(
        {"respondent_name": None, "directorate": "Adults and Health", "cash": None},
        {"respondent_name": "Zoe", "directorate": "Adults and Health", "cash": None},
        {"respondent_name": "Amy", "directorate": "Resources", "cash": None},
        {
            "respondent_name": "Amy",
            "directorate": "Adults and Health",
            "cash": None,
            "partnership_name": "B",
        },
        {
            "respondent_name": "amy",
            "directorate": "Adults and Health",
            "cash": None,
            "partnership_name": "a",
        },
    )

    chase = _follow_up(returns)

    assert chase["Response ID"].tolist() == ["5", "4", "2", "1", "3"]


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path):
    hostile = pd.DataFrame(
        {
            "name": [
                '=HYPERLINK("http://x","y")',
                "+44 1234",
                "-£5k underspend",
                "@SUM(1)",
                "Fine",
            ],
            "full_cost": [1.0, 2.0, 3.0, 4.0, None],
        }
    )
    sheets = [workbook.Sheet(name, name, hostile) for name in workbook.SHEETS]

    opened = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(sheets, "t", "a")))

    cells = [c for c in _column(opened["Registry"], "name")]
    # stored as typed (no apostrophe shows) and still text, never run
    assert [c.value for c in cells] == hostile["name"].tolist()
    assert {c.data_type for c in cells} == {"s"}
    assert _column(opened["Registry"], "full_cost")[4].value is None  # a blank stays blank


def test_column_width_grows_with_content_up_to_the_cap():
    short = workbook.column_width("id", pd.Series(["a"]), None)
    money = workbook.column_width("cost", pd.Series([1234567.0]), workbook.MONEY_FORMAT)
    long = workbook.column_width("text", pd.Series(["x" * 500]), None)
    underspend = workbook.column_width("note", pd.Series(["-£5k underspend"]), None)

    assert short == workbook.MIN_WIDTH
    assert money == len("£1,234,567") + 2
    assert long == workbook.MAX_WIDTH
    assert underspend == len("-£5k underspend") + 2  # as typed: no apostrophe
