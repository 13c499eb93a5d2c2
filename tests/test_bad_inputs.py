"""The catalogue of bad inputs (issue 16): every damaged or hostile input ends in ONE clear
line (file, row and column where they apply) or in quarantine or a flag with its reason, and
never in a half-written output or a wrong published figure.

Each case runs at the cheapest level that proves it, through what the stage notebooks call:

* ``ingest``: a damaged file in data/raw/<year>/, read as 01_ingest reads the year
  (``ingest.read_exports`` then ``ingest.ingest_exports``);
* ``validate``: one damage per row of one export, run through stages 01-03 in process
  (``test_stages.run_stages``: one validation for all of them); ``report``: the same run's
  report sections (those 04_annual_report shows) and open data;
* ``cli``: config, year and folder problems through ``pipeline.cli.main`` on a root holding a
  year's earlier outputs, which must be unchanged byte for byte; papermill is replaced by a
  failure, so a case that reached a notebook fails at once;
* ``e2e``: ``python -m pipeline run`` on a copy of the shared run's root (marked e2e).

Behaviours still being built by others are written to the issue's spec and marked
``xfail(strict=True, reason="awaits <part>")``: remove the mark when that part merges.
``python tests/test_bad_inputs.py`` prints the catalogue as a table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bad_inputs as bad
import pandas as pd
import pytest
from bad_inputs import SUBMITTED, SampleExport, spreadsheet_row

from pipeline import cli, ingest, paths, protocol, tables, validate
from pipeline.errors import PipelineError

PROTOCOL = protocol.load()
YEAR = 2025


# --- the catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad input: how it is run, how it must end, and who is building that ending."""

    name: str
    level: str  # ingest, validate, report, cli or e2e
    outcome: str  # error, quarantine, accepted (warning), accepted (neutralised) ...
    awaits: str | None = None  # the part of issue 16 building it (its test is xfail)


CATALOGUE: list[Case] = []


def listed(case: Case, *values: Any) -> Any:
    """Record the case in the catalogue; a pytest parameter, xfail while it awaits a part."""
    assert case.name not in {c.name for c in CATALOGUE}, f"{case.name} listed twice"
    CATALOGUE.append(case)
    marks = [pytest.mark.xfail(strict=True, reason=f"awaits {case.awaits}")] if case.awaits else []
    return pytest.param(*values, id=case.name, marks=marks)


def _one_line(message: str, patterns: Sequence[str]) -> None:
    assert "\n" not in message and message.strip(), f"not one line: {message!r}"
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in {message!r}"


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def export(sample_returns) -> SampleExport:
    """The sample's Microsoft Forms export as text rows and as a workbook."""
    return SampleExport.of(sample_returns, PROTOCOL, YEAR)


def _ingest_year(root: Path) -> ingest.Ingested | PipelineError:
    """What 01_ingest runs: the year's exports listed, then read into one returns table."""
    try:
        return ingest.ingest_exports(ingest.read_exports(YEAR, root), PROTOCOL, YEAR)
    except PipelineError as error:
        return error


# --- files: read as 01_ingest reads them -----------------------------------------------------


Pattern = str | Callable[[SampleExport], str]


@dataclass(frozen=True)
class Refused:
    """A PipelineError in one line naming the file (``file``: which of the built files) and
    matching every pattern (a row, a column...)."""

    patterns: tuple[Pattern, ...] = ()
    file: int = 0

    def verify(self, outcome: Any, files: list[Path], export: SampleExport) -> None:
        assert isinstance(outcome, PipelineError), "read instead of refused"
        patterns = [p(export) if callable(p) else p for p in self.patterns]
        _one_line(str(outcome), [re.escape(files[self.file].name), *patterns])


@dataclass(frozen=True)
class Read:
    """Read, and the returns (and column map) pass ``check``."""

    check: Callable[[ingest.Ingested, SampleExport], None]

    def verify(self, outcome: Any, files: list[Path], export: SampleExport) -> None:
        assert isinstance(outcome, ingest.Ingested), f"refused: {outcome}"
        self.check(outcome, export)


@dataclass(frozen=True)
class Either:
    """Refused as ``refused`` says, or read as ``read`` says (both are honest)."""

    refused: Refused
    read: Read

    def verify(self, outcome: Any, files: list[Path], export: SampleExport) -> None:
        chosen = self.refused if isinstance(outcome, PipelineError) else self.read
        chosen.verify(outcome, files, export)


ROW = rf"\brow {spreadsheet_row()}\b"  # the spreadsheet row of DAMAGED_ROW


def _column(qid: str) -> Callable[[SampleExport], str]:
    """The column named by number, question ID or header wording."""

    def pattern(export: SampleExport) -> str:
        position = export.column(qid)
        return rf"(column {position + 1}\b|\b{qid}\b|{re.escape(export.header[position])})"

    return pattern


def _unheaded_column_is_listed(ingested: ingest.Ingested, export: SampleExport) -> None:
    unmapped = ingest.unmapped_columns(ingested.column_map)
    assert len(export.header) + 1 in set(unmapped["column"]), "unheaded column not listed"


def _extra_columns_are_listed_and_answers_read(
    ingested: ingest.Ingested, export: SampleExport
) -> None:
    unmapped = ingest.unmapped_columns(ingested.column_map)
    assert list(unmapped["column"]) == list(range(len(export.header) + 1, bad.WIDE + 1))
    answers = ingested.returns[PROTOCOL.ids]
    assert answers["Q6"].tolist() == [row[export.column("Q6")] for row in export.rows[:5]]
    assert answers.notna().to_numpy().sum() > 5 * 20  # the questions were read, not lost


def _workbook_read_whole(ingested: ingest.Ingested, export: SampleExport) -> None:
    """A workbook saved under a .csv name is read as the workbook it is, every row."""
    rows = export.rows[: bad.XLSX_ROWS]
    assert ingested.returns["Q6"].tolist() == [row[export.column("Q6")] for row in rows]


def _text_read_whole(ingested: ingest.Ingested, export: SampleExport) -> None:
    """A CSV saved under an .xlsx name is read as the text it is, every row."""
    rows = export.table()[1:]
    assert ingested.returns["Q6"].tolist() == [row[export.column("Q6")] for row in rows]


def _nul_removed_with_a_warning(ingested: ingest.Ingested, export: SampleExport) -> None:
    returns = ingested.returns
    assert not returns.map(lambda v: isinstance(v, str) and "\0" in v).to_numpy().any()
    damaged = returns.set_index("source_row").loc[spreadsheet_row()]
    assert re.search(r"\bQ7\b", str(damaged["parse_warnings"])), "no warning on the row"


def _every_row_read_in_its_columns(ingested: ingest.Ingested, export: SampleExport) -> None:
    returns = ingested.returns
    assert len(returns) == len(export.table()) - 1
    assert returns["Q6"].tolist() == [row[export.column("Q6")] for row in export.table()[1:]]


def _no_value_silently_redecoded(ingested: ingest.Ingested, export: SampleExport) -> None:
    returns = ingested.returns.set_index("source_row")
    mojibake = returns.map(lambda v: isinstance(v, str) and "Â" in v)  # "£" read as cp1252
    assert not mojibake.to_numpy().any(), "UTF-8 text decoded as cp1252"
    others = returns["Q20"].drop(spreadsheet_row())
    assert not others.map(lambda v: isinstance(v, str)).any(), "UTF-8 amounts not read"
    damaged = returns.loc[spreadsheet_row()]
    said = f"{damaged['parse_warnings']} {damaged['parse_errors']}"
    assert damaged["Q20"] == 2750.0 or re.search(r"\bQ20\b", said), "replaced silently"


FILE_CASES = [
    listed(Case("empty_file", "ingest", "error"), bad.empty_file, Refused()),
    listed(Case("empty_workbook", "ingest", "error"), bad.empty_workbook, Refused()),
    listed(Case("header_only", "ingest", "error"), bad.header_only, Refused()),
    listed(Case("binary_garbage_csv", "ingest", "error"), bad.binary_garbage("csv"), Refused()),
    listed(Case("binary_garbage_xlsx", "ingest", "error"), bad.binary_garbage("xlsx"), Refused()),
    listed(Case("wrong_delimiter", "ingest", "error"), bad.wrong_delimiter, Refused()),
    listed(Case("truncated_xlsx", "ingest", "error"), bad.truncated_workbook, Refused()),
    listed(
        Case("password_protected_xlsx", "ingest", "error"),
        bad.password_protected,
        Refused((r"(?i)password",)),
    ),
    listed(
        Case("csv_that_is_xlsx", "ingest", "accepted (read as a workbook, logged)"),
        bad.workbook_named_csv,
        Read(_workbook_read_whole),
    ),
    listed(
        Case("xlsx_that_is_csv", "ingest", "accepted (read as text, logged)"),
        bad.csv_named_workbook,
        Read(_text_read_whole),
    ),
    listed(Case("export_saved_as_pdf", "ingest", "error"), bad.saved_as_pdf, Refused()),
    listed(
        Case("missing_required_column", "ingest", "error"),
        bad.without_column("Q6"),
        Refused((r"\bQ6\b",)),
    ),
    listed(
        Case("duplicated_header", "ingest", "error"),
        bad.duplicated_column("Q6"),
        Refused(
            (
                lambda e: rf"column {e.column('Q6') + 1}\b",
                lambda e: rf"column {len(e.header) + 1}\b",
            )
        ),
    ),
    listed(
        Case("unheaded_column_with_values", "ingest", "accepted (listed unmapped)"),
        bad.unheaded_column,
        Read(_unheaded_column_is_listed),
    ),
    listed(
        Case("thousand_columns", "ingest", "accepted (listed unmapped)"),
        bad.thousand_columns,
        Read(_extra_columns_are_listed_and_answers_read),
    ),
    listed(
        Case("megabyte_cell", "ingest", "error"),
        bad.megabyte_cell("Q46"),
        Refused((ROW, _column("Q46"))),
    ),
    listed(
        Case("nul_bytes_in_cells", "ingest", "accepted (warning)"),
        bad.nul_bytes("Q7"),
        Read(_nul_removed_with_a_warning),
    ),
    listed(
        Case("mixed_encodings", "ingest", "error or accepted (warning)"),
        bad.mixed_encodings("Q20"),
        Either(Refused((ROW,)), Read(_no_value_silently_redecoded)),
    ),
    listed(Case("ragged_row", "ingest", "error"), bad.ragged_row, Refused((ROW,))),
    listed(Case("short_row", "ingest", "error"), bad.short_row, Refused((ROW,))),
    listed(
        Case("repeated_header_row", "ingest", "error"),
        bad.repeated_header("csv"),
        Refused((ROW, "repeats the header row")),
    ),
    listed(
        Case("files_joined_byte_for_byte", "ingest", "error"),
        bad.joined_byte_for_byte,
        Refused((ROW, "repeats the header row")),
    ),
    listed(
        Case("header_with_a_trailing_separator", "ingest", "accepted"),
        bad.header_with_a_trailing_separator,
        Read(_every_row_read_in_its_columns),
    ),
    listed(
        Case("repeated_header_row_in_a_workbook", "ingest", "error"),
        bad.repeated_header("xlsx"),
        Refused((ROW, "repeats the header row")),
    ),
    listed(
        Case("unclosed_quote", "ingest", "error"),
        bad.unclosed_quote("Q46"),
        Refused((ROW,)),
    ),
    listed(Case("broken_symlink", "ingest", "error"), bad.broken_link, Refused(file=1)),
    listed(Case("symlink_loop", "ingest", "error"), bad.link_loop, Refused(file=1)),
]


@pytest.mark.parametrize(("build", "expected"), FILE_CASES)
def test_a_damaged_export_is_refused_in_one_line_or_read_honestly(
    build, expected, export, tmp_path
):
    raw = paths.raw_dir(YEAR, tmp_path)
    raw.mkdir(parents=True)
    files = build(export, raw)

    outcome = _ingest_year(tmp_path)

    expected.verify(outcome, files, export)


MEMORY_LIMIT = 768 * 2**20  # address space of the ingest of a 100 MB file
BOUNDED_RSS = 512 * 2**20  # its peak resident memory, if it reads the file
HUGE_SECONDS = 60


def _ingest_in_a_child(files: list[Path], out: Path) -> tuple[int, str, int]:
    """`python -m pipeline ingest` with its address space capped and a time limit: (exit
    status, stderr, peak resident bytes of that process)."""

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    command = [sys.executable, "-m", "pipeline", "ingest", "--year", str(YEAR), "--out"]
    with (out / "stderr").open("w+b") as stderr:
        child = subprocess.Popen(
            [*command, str(out), *map(str, files)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=capped,
        )
        timer = threading.Timer(HUGE_SECONDS, child.kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        return child.returncode, stderr.read().decode(), usage.ru_maxrss * 1024


@pytest.mark.parametrize(
    "build",
    [
        listed(
            Case("hundred_megabyte_file", "ingest", "error (or read in bounded memory)"),
            bad.hundred_megabytes,
        )
    ],
)
def test_a_100_mb_export_is_refused_or_read_with_bounded_memory(build, export, tmp_path):
    files = build(export, tmp_path)

    try:
        status, stderr, peak = _ingest_in_a_child(files, tmp_path)
    finally:
        files[0].unlink()  # pytest keeps its last temporary folders: not 100 MB of them

    assert status != -signal.SIGKILL, f"ran over {HUGE_SECONDS} s"
    if status == 0:
        assert peak < BOUNDED_RSS, f"read with a peak of {peak / 2**20:.0f} MiB"
    else:
        _one_line(_error_line(stderr), [re.escape(files[0].name)])


# --- rows: one damage per row, stages 01-03 run once ---------------------------------------------


@dataclass(frozen=True)
class Quarantined:
    """The row is quarantined, each of its rules matching ``rule``, every reason naming the
    damaged column (so the damage is the row's only problem), one holding ``reason``."""

    rule: str
    reason: str = ""
    outcome = "quarantine"

    def verify(self, year: DamagedYear, key: str, damage: Damage) -> None:
        quarantine = year.quarantine.set_index("row_key")
        assert key in quarantine.index, f"{damage.value!r} in {damage.column} was accepted"
        rules = quarantine.loc[key, "quarantine_rules"].split("; ")
        assert all(re.fullmatch(self.rule, rule) for rule in rules), rules
        reasons = quarantine.loc[key, "quarantine_reasons"].split(" | ")
        assert all(re.search(rf"\b{damage.column}\b", r) for r in reasons), "another problem"
        assert any(self.reason in reason for reason in reasons)


@dataclass(frozen=True)
class Warned:
    """The row is kept with a warning (a parse warning or a warning rule's finding) naming
    the damaged column and holding ``reason``."""

    reason: str
    outcome = "accepted (warning)"

    def verify(self, year: DamagedYear, key: str, damage: Damage) -> None:
        findings = year.findings[year.findings["row_key"] == key]
        assert key in set(year.valid["row_key"]), f"{damage.value!r} was quarantined"
        kept = year.valid.set_index("row_key").loc[key]
        said = " | ".join([*findings["reason"], str(kept["parse_warnings"])])
        assert re.search(rf"\b{damage.column}\b", said) and self.reason in said, said


@dataclass(frozen=True)
class Flagged:
    """A submission after the survey closed is flagged on its row, and the closing date the
    checks used is not moved by it (one wrong clock must not move the rule)."""

    before: dt.date
    outcome = "flagged"

    def verify(self, year: DamagedYear, key: str, damage: Damage) -> None:
        assert year.closing < self.before, f"the closing date moved to {year.closing}"
        findings = year.findings[year.findings["row_key"] == key]
        said = " ".join(f"{f.column} {f.reason}" for f in findings.itertuples())
        assert re.search(r"(?i)submi", said), "the late submission is not flagged"


@dataclass(frozen=True)
class Damage:
    column: str  # question ID, or the platform's column
    value: str


def _row(name: str, column: str, value: str, expected: Any, awaits: str | None = None) -> Any:
    return listed(Case(name, "validate", expected.outcome, awaits), Damage(column, value), expected)


ROW_CASES = [
    _row("negative_money", "Q20", "-500", Quarantined("range")),
    _row("money_infinity", "Q20", "inf", Quarantined("parse_error")),
    _row("money_nan", "Q21", "NaN", Quarantined("parse_error")),
    _row("money_400_digits", "Q20", "£" + "9" * 400, Quarantined("parse_error|range")),
    _row("money_1e15", "Q23", "£1,000,000,000,000,000", Quarantined("parse_error|range")),
    _row("money_formula", "Q20", "=SUM(A1:A9)", Quarantined("parse_error")),
    _row("hours_out_of_range", "Q22", "1000", Quarantined("parse_error|range")),
    _row("hours_negative", "Q22", "-5", Quarantined("parse_error|range")),
    _row("future_date", "Q18", "01/01/2032", Quarantined("date_not_in_future")),
    _row("impossible_date", "Q18", "31/02/2025", Quarantined("parse_error", "31/02/2025")),
    _row("agreement_out_of_range", "Q29", "7", Quarantined("agree5_range")),
    _row("agreement_not_on_the_scale", "Q30", "Agree strongly", Quarantined("parse_error")),
    _row("option_not_in_protocol", "Q43", "Catastrophic", Quarantined("option_set")),
    _row(
        "multi_option_not_in_protocol",
        "Q26",
        "Better lives for all;World peace;",
        Warned("World peace"),
    ),
    _row("whitespace_only_name", "Q6", " \t  ", Quarantined("required")),
    _row("zero_width_only_name", "Q6", "\u200b\u200c\u200d\u2060\ufeff", Quarantined("required")),
    _row("emoji_only_name", "Q6", "\U0001f91d\U0001f3db\ufe0f\u2728", Quarantined("required")),
    _row("malformed_email", "Q2", "officer.at.council.example", Warned("email")),
    # 31 December 2031, as the US-locale CSV re-save writes times (the review date planted
    # by future_date is later still, so that the closing date this moves cannot hide it)
    _row(
        "submission_time_in_the_future", SUBMITTED, "12/31/31 09:00", Flagged(dt.date(2031, 1, 1))
    ),
]


# --- hostile answers, carried through to the report and open data ---------------------------


@dataclass(frozen=True)
class Published:
    """What the damaged year published: the report sections 04_annual_report shows (their
    HTML) and the open-data registry (CSV text and table), with the evaluation behind them."""

    page: str
    open_data_text: str
    open_data: pd.DataFrame
    text_columns: list[str]  # the open data's string columns, by its datapackage.json
    evaluation: pd.DataFrame

    @property
    def text(self) -> str:
        """The report as a reader sees it: no tags, entities decoded."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.page))


def _neutralised(published: Published, column: str, text: str) -> None:
    assert "'" + text in published.open_data[column].tolist(), f"{text!r} not neutralised"
    cells = published.open_data[published.text_columns]
    live = cells.map(lambda v: v.startswith(("=", "+", "-", "@")))
    assert not live.to_numpy().any(), "a published text cell starts a formula"


def _shown_as_text(published: Published, text: str) -> None:
    assert text not in published.page, "markup reached the report unescaped"
    assert text in published.text, "the text is not in the report at all"


def _kept_distinct(published: Published, text: str) -> None:
    ids = published.evaluation.set_index("name")["partnership_id"]
    assert {ARABIC_NAME, HEBREW_NAME} <= set(ids.index), "a name was lost"
    assert ids[ARABIC_NAME] != ids[HEBREW_NAME], "names in two scripts merged into one"


def _never_published(published: Published, text: str) -> None:
    assert "\0" not in published.page and "\0" not in published.open_data_text
    assert text.replace("\0", "") in published.open_data["partners"].tolist()


def _no_wrong_figure(published: Published, text: str) -> None:
    """Money read as infinity or a quadrillion pounds is never a published figure."""
    money = [c for c in published.open_data.columns if c.endswith("_gbp")]
    figures = published.open_data[money].replace("", "0").astype(float)
    assert figures.map(math.isfinite).all().all(), "a non-finite figure was published"
    assert (figures.abs() < float(text)).all().all(), "an absurd figure was published"
    assert not re.search(r"\binf\b|£1,000,000,000,000,000", published.text), "in the report"


@dataclass(frozen=True)
class Hostile:
    """Answers planted in rows of their own (each names a partnership no other row names),
    and how the published text must show them."""

    rows: tuple[dict[str, str], ...]
    check: Callable[[Published, str], None]


def _shared_service(name: str, partners: str) -> tuple[dict[str, str], ...]:
    """A shared service's partners (Q7) are listed in the report and published."""
    return ({"Q6": name, "Q8": "Shared service", "Q7": partners},)


FORMULA_NAMES = {  # distinct words, so that no two are taken for one partnership
    "formula_name_equals": '=HYPERLINK("http://evil.example","Northmoor Equality Forum")',
    "formula_name_plus": "+44 Northmoor Twinning Association",
    "formula_name_minus": "-1+cmd Northmoor Heritage Trust",
    "formula_name_at": "@SUM(A1) Northmoor Arts Council",
}
FORMULA_PARTNERS = '=cmd|" /C calc"!A0'
SCRIPT_NAME = '<script>alert("name")</script> Northmoor Board'
IMG_PARTNERS = '<img src=x onerror=alert("partners")>; Northmoor Police'
NUL_PARTNERS = "Northmoor\0 Fire and Rescue"
ARABIC_NAME = "شراكة السلامة المجتمعية"
HEBREW_NAME = "שותפות הבטיחות בקהילה"
MARKUP_FILE = "returns <img src=x onerror=alert(1)>"  # in the name of an export file
SCRIPT_HEADER = '<script>alert("header")</script> internal notes'  # an unmapped column

HOSTILE_CASES = [
    *(
        listed(
            Case(case, "report", "accepted (neutralised in open data)"),
            Hostile(({"Q6": name},), lambda p, t: _neutralised(p, "name", t)),
            name,
        )
        for case, name in FORMULA_NAMES.items()
    ),
    listed(
        Case("formula_in_free_text", "report", "accepted (neutralised in open data)"),
        Hostile(
            _shared_service("Northmoor Shared Payroll Service", FORMULA_PARTNERS),
            lambda p, t: _neutralised(p, "partners", t),
        ),
        FORMULA_PARTNERS,
    ),
    listed(
        Case("script_in_partnership_name", "report", "accepted (escaped in report)"),
        Hostile(({"Q6": SCRIPT_NAME},), _shown_as_text),
        SCRIPT_NAME,
    ),
    listed(
        Case("html_in_free_text", "report", "accepted (escaped in report)"),
        Hostile(_shared_service("Northmoor Shared Print Service", IMG_PARTNERS), _shown_as_text),
        IMG_PARTNERS,
    ),
    listed(
        Case("markup_in_export_file_name", "report", "accepted (escaped in report)"),
        Hostile((), _shown_as_text),
        MARKUP_FILE,
    ),
    listed(
        Case("script_in_column_header", "report", "accepted (listed, escaped in report)"),
        Hostile((), _shown_as_text),
        SCRIPT_HEADER,
    ),
    listed(
        Case("nul_bytes_never_published", "report", "accepted (removed)"),
        Hostile(_shared_service("Northmoor Shared Fleet Service", NUL_PARTNERS), _never_published),
        NUL_PARTNERS,
    ),
    listed(
        Case("wrong_money_never_published", "report", "quarantine (not published)"),
        Hostile((), _no_wrong_figure),
        "1e12",  # no partnership costs or brings a trillion pounds a year
    ),
    listed(
        Case("arabic_and_hebrew_names_kept_distinct", "report", "accepted"),
        Hostile(({"Q6": ARABIC_NAME}, {"Q6": HEBREW_NAME}), _kept_distinct),
        ARABIC_NAME,
    ),
]


# --- one year of damaged rows through stages 01-03, and what it published -------------------


SPARE = 3  # rows left as they were: all must be accepted
COPIED = 3  # returns in the export downloaded twice


@dataclass
class DamagedYear:
    """Stages 01-03 run once (one validation) on one export holding a damage per row
    (ROW_CASES), the hostile rows (HOSTILE_CASES) and spare rows, beside one more export
    downloaded twice."""

    rows: dict[str, list[str]] = field(default_factory=dict)  # case -> its row keys
    spares: list[str] = field(default_factory=list)
    copies: dict[str, str] = field(default_factory=dict)  # the copy's row key -> original ID
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    valid: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    closing: dt.date = dt.date.max  # the closing date 02_validate used
    published: Published | None = None


def clean_rows(export: SampleExport, needed: int, folder: Path) -> list[int]:
    """Sample rows read without error, warning or copy, with every single choice one of its
    options: the damage put in each is then its only problem (the tests check that too)."""
    probe = folder / export.name("probe")
    probe.write_bytes(bad.csv_bytes(export.table(range(min(len(export.rows), 2 * needed)))))
    returns = ingest.ingest_exports([probe], PROTOCOL, YEAR).returns
    probe.unlink()
    plain = returns[["parse_errors", "parse_warnings", "duplicate_of"]].isna().all(axis=1)
    for question in PROTOCOL.of_type("single"):
        plain &= returns[question.id].map(lambda v, q=question: v is None or v in q.options)
    rows = [int(n) for n in returns.index[plain]]
    assert len(rows) >= needed, "the sample has too few clean rows for the catalogue"
    return rows[:needed]


def _section_calls() -> list[str]:
    """The report sections 04_annual_report shows, in its order, read from the notebook."""
    notebook = json.loads(paths.source_notebook("04_annual_report").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    return re.findall(r"sections\.(\w+)\(data\)", code)


def _publish(root: Path, config: Any) -> Published:
    """The report sections (as 04_annual_report renders them) and the open data."""
    from pipeline.report import open_data, sections

    data = sections.load(YEAR, root, config)
    shown = [getattr(sections, name)(data) for name in _section_calls()]
    registry, package = open_data.write_open_data(YEAR, config.council.council_name, root)
    text = registry.read_text(encoding="utf-8")
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    (published,) = json.loads(package.read_text(encoding="utf-8"))["resources"]
    strings = [f["name"] for f in published["schema"]["fields"] if f["type"] == "string"]
    evaluation = tables.read("evaluation", YEAR, root, personal=False)
    return Published("\n".join(s.data for s in shown), text, table, strings, evaluation)


@pytest.fixture(scope="module")
def damaged_year(export, tmp_path_factory) -> DamagedYear:
    from test_stages import run_stages

    root = tmp_path_factory.mktemp("damaged_year")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    raw = paths.raw_dir(YEAR, root)
    raw.mkdir(parents=True)
    plants: list[tuple[str, dict[str, str]]] = [
        (p.id, {p.values[0].column: p.values[0].value}) for p in ROW_CASES
    ]
    plants += [(p.id, answers) for p in HOSTILE_CASES for answers in p.values[0].rows]
    rows = clean_rows(export, len(plants) + SPARE + COPIED, root)
    table = export.table(rows[: len(plants) + SPARE])
    for index, (_, answers) in enumerate(plants, start=1):
        for column, value in answers.items():
            table[index][export.column(column)] = value
    table = [[*table[0], SCRIPT_HEADER], *([*cells, "seen by the analyst"] for cells in table[1:])]
    name = export.name("damaged")
    (raw / name).write_bytes(bad.csv_bytes(table))
    year = DamagedYear()
    for index, (case, _) in enumerate(plants):
        year.rows.setdefault(case, []).append(f"{name}:{spreadsheet_row(index)}")
    year.spares = [f"{name}:{spreadsheet_row(n)}" for n in range(len(plants), len(table) - 1)]
    copied = rows[-COPIED:]
    second = sorted(bad.whole_file_twice(export, raw, copied, MARKUP_FILE))[1]  # read second
    year.copies = {
        f"{second.name}:{spreadsheet_row(n)}": export.rows[row][export.column(bad.RESPONSE_ID)]
        for n, row in enumerate(copied)
    }

    config = run_stages(root)

    year.quarantine = tables.read("quarantine", YEAR, root, config.protocol)
    year.valid = tables.read("valid", YEAR, root, config.protocol)
    year.findings = tables.read("findings", YEAR, root)
    year.closing = validate.read_closing_date(YEAR, root)
    year.published = _publish(root, config)
    return year


def _case_id(request: pytest.FixtureRequest) -> str:
    return request.node.callspec.id


@pytest.mark.parametrize(("damage", "expected"), ROW_CASES)
def test_a_damaged_answer_is_quarantined_or_flagged_with_its_reason(
    damage, expected, damaged_year, request
):
    (key,) = damaged_year.rows[_case_id(request)]

    expected.verify(damaged_year, key, damage)


def test_rows_without_a_damage_are_all_accepted(damaged_year):
    accepted = set(damaged_year.valid["row_key"])

    assert set(damaged_year.spares) <= accepted
    assert len(damaged_year.spares) == SPARE


@pytest.mark.parametrize(
    "copied_rows",
    [listed(Case("whole_file_duplicate", "validate", "quarantine"), COPIED)],
)
def test_the_same_export_twice_quarantines_every_row_of_the_copy(copied_rows, damaged_year):
    quarantine = damaged_year.quarantine.set_index("row_key")

    assert len(damaged_year.copies) == copied_rows
    for key, original in damaged_year.copies.items():
        assert quarantine.loc[key, "quarantine_rules"] == "duplicate"
        assert quarantine.loc[key, "quarantine_reasons"] == f"duplicate of {original}"


@pytest.mark.parametrize(("hostile", "text"), HOSTILE_CASES)
def test_hostile_text_is_published_harmless(hostile, text, damaged_year, request):
    published = damaged_year.published
    assert published is not None

    hostile.check(published, text)
    for key in damaged_year.rows.get(_case_id(request), []):
        assert key in set(damaged_year.valid["row_key"]), f"{key} was not accepted"


# --- a year with nothing left: validated as 02_validate does ---------------------------------


@pytest.mark.parametrize(
    "unreadable", [listed(Case("every_row_quarantined", "validate", "error"), "tbc")]
)
def test_a_year_whose_every_return_is_quarantined_stops_in_one_line(unreadable, export, tmp_path):
    table = export.table(clean_rows(export, 3, tmp_path))
    for cells in table[1:]:
        cells[export.column("Q20")] = unreadable
    path = tmp_path / export.name("msforms")
    path.write_bytes(bad.csv_bytes(table))
    returns = ingest.ingest_exports([path], PROTOCOL, YEAR).returns

    with pytest.raises(PipelineError) as stopped:
        validate.validate_returns(returns, PROTOCOL, validate.closing_date(returns, YEAR))

    _one_line(str(stopped.value), [r"\ball 3\b", r"(?i)quarantin", r"\bQ20\b", path.name])


# --- config, year and folder: through the command line, before any notebook ------------------


@dataclass(frozen=True)
class Edit:
    """A change to one config file: the first ``old`` becomes ``new`` ("" deletes it)."""

    file: str
    old: str
    new: str = ""

    def __call__(self, root: Path) -> None:
        path = paths.config_dir(root) / self.file
        text = path.read_text(encoding="utf-8")
        assert self.old in text, f"{self.old!r} is not in {self.file}"
        path.write_text(text.replace(self.old, self.new, 1), encoding="utf-8")

    def line(self, root: Path) -> int:
        """The line the new text starts on, once applied."""
        text = (paths.config_dir(root) / self.file).read_text(encoding="utf-8")
        return text[: text.index(self.new)].count("\n") + 1


LINE = "{line}"  # in a config case's patterns: "(line N)", N the edited line
YAML_ERROR = r"\(line \d+, column \d+\): not valid YAML"


def _config_case(name: str, edit: Edit, *patterns: str) -> Any:
    """A config file edited; the one line names the file, the key and (LINE) its line."""

    def expected(root: Path) -> list[str]:
        where = re.escape(str(paths.config_dir(root) / edit.file))
        return [where, *(rf"\(line {edit.line(root)}\)" if p == LINE else p for p in patterns)]

    return listed(Case(name, "cli", "error"), [], edit, expected)


def _gone(file: str) -> Callable[[Path], None]:
    return lambda root: (paths.config_dir(root) / file).unlink()


def _folder(year: int) -> Callable[[Path], list[str]]:
    return lambda root: [re.escape(str(paths.raw_dir(year, root))), rf"\b{year}\b"]


def _readme_only(root: Path) -> None:
    paths.raw_dir(2026, root).mkdir(parents=True)
    (paths.raw_dir(2026, root) / "README.md").write_text("Exports go here.\n", encoding="utf-8")


CLI_CASES = [
    _config_case(
        "protocol_malformed_yaml",
        Edit("protocol.yaml", "column_matching:\n", "column_matching: [\n"),
        YAML_ERROR,
    ),
    _config_case(
        "protocol_missing_key",
        Edit("protocol.yaml", '  zero_words: ["nil", "none", "nothing", "0"]\n'),
        r"money\.zero_words\b.*missing",
    ),
    _config_case(
        "protocol_wrong_type",
        Edit("protocol.yaml", "fuzzy_threshold: 90", "fuzzy_threshold: ninety"),
        r"column_matching\.fuzzy_threshold",
        LINE,
        "ninety",
    ),
    _config_case(
        "toolkit_malformed_yaml",
        Edit("toolkit.yaml", "toolkit_version: 1\n", "toolkit_version: 1\n  scale: [1, 2\n"),
        YAML_ERROR,
    ),
    _config_case(
        "toolkit_missing_key",
        Edit("toolkit.yaml", "  min_answers: 2\n"),
        r"instrument\.min_answers\b.*missing",
    ),
    _config_case(
        "toolkit_wrong_type",
        Edit("toolkit.yaml", "  min_answers: 2\n", "  min_answers: two\n"),
        r"instrument\.min_answers",
        LINE,
        "two",
    ),
    _config_case(
        "council_malformed_yaml",
        Edit("council.yaml", "council_name: Northmoor", 'council_name: "Northmoor'),
        YAML_ERROR,
    ),
    _config_case(
        "council_missing_key",
        Edit("council.yaml", "default_year: 2025\n"),
        r"default_year\b.*missing",
    ),
    _config_case(
        "council_wrong_type",
        Edit("council.yaml", "default_year: 2025", "default_year: twenty twenty-five"),
        r"\bdefault_year\b",
        LINE,
        "twenty",
    ),
    _config_case(
        "aliases_malformed_yaml",
        Edit("aliases.yaml", "  NCSP: Northmoor", "  NCSP: - Northmoor"),
        YAML_ERROR,
    ),
    _config_case(
        "aliases_missing_key",
        Edit(
            "aliases.yaml",
            "splits: []",
            "splits:\n  - year: 2026\n    id: PSH-0012\n    new: [Northmoor South Board]",
        ),
        r"splits\[0\]\.keeps\b.*missing",
    ),
    _config_case(
        "aliases_wrong_type",
        Edit("aliases.yaml", "different: []", "different: yes"),
        r"\bdifferent\b",
        LINE,
    ),
    listed(
        Case("config_file_missing", "cli", "error"),
        [],
        _gone("toolkit.yaml"),
        lambda root: [re.escape(str(paths.toolkit_file(root))), "not found"],
    ),
    listed(Case("missing_year_folder", "cli", "error"), ["--year", "2023"], None, _folder(2023)),
    listed(
        Case("year_folder_without_exports", "cli", "error"),
        ["--year", "2026"],
        _readme_only,
        _folder(2026),
    ),
    listed(Case("year_zero", "cli", "error"), ["--year", "0"], None, lambda root: [r"--year 0\b"]),
    listed(
        Case("year_99999", "cli", "error"),
        ["--year", "99999"],
        None,
        lambda root: [r"--year 99999\b"],
    ),
]


def _tree(root: Path) -> dict[str, str]:
    """Every file under data/processed and outputs, by path, with its SHA-256."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for top in (root / "data" / "processed", root / "outputs")
        for path in sorted(top.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def earlier_year(tmp_path: Path) -> Path:
    """A root with config/, the committed 2025 sample and that year's earlier outputs."""
    root = tmp_path / "root"
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    shutil.copytree(paths.raw_dir(YEAR), paths.raw_dir(YEAR, root))
    earlier = {
        paths.processed_dir(YEAR, root) / "returns.csv": "response_id\nearlier\n",
        paths.processed_dir(YEAR, root) / "valid.csv": "response_id\nearlier\n",
        paths.executed_notebook("01_ingest", YEAR, root): "{}\n",
        paths.report_html(YEAR, root): "<p>The 2025 report as published.</p>\n",
        paths.manifest_file(YEAR, root): '{"year": 2025}\n',
    }
    for path, text in earlier.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _no_notebook(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("a stage notebook would run: the problem was not caught before it")


def _error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(("arguments", "prepare", "expected"), CLI_CASES)
def test_a_bad_config_year_or_folder_stops_the_run_in_one_line_before_any_notebook(
    arguments, prepare, expected, earlier_year, capsys, monkeypatch
):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _no_notebook)
    if prepare:
        prepare(earlier_year)
    before = _tree(earlier_year)

    code = cli.main(["run", *arguments, "--root", str(earlier_year)])

    assert code == 1
    _one_line(_error_line(capsys.readouterr().err), expected(earlier_year))
    assert _tree(earlier_year) == before


@pytest.mark.parametrize(
    "missing", [listed(Case("root_folder_missing", "cli", "error"), "no_such_root")]
)
def test_a_missing_root_folder_stops_the_run_in_one_line_and_creates_nothing(
    missing, tmp_path, capsys, monkeypatch
):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _no_notebook)
    root = tmp_path / missing

    code = cli.main(["run", "--root", str(root)])

    assert code == 1
    _one_line(_error_line(capsys.readouterr().err), [re.escape(str(root))])
    assert not root.exists()


# --- end to end: a run stopped by bad input leaves the year's earlier outputs as they were ---


def _garbage_beside_the_export(export: SampleExport, raw: Path) -> list[str]:
    (path,) = bad.binary_garbage("csv")(export, raw)
    return [re.escape(path.name)]


def _every_row_unreadable(export: SampleExport, raw: Path) -> list[str]:
    for old in raw.iterdir():
        old.unlink()
    table = export.table(range(3))
    for cells in table[1:]:
        cells[export.column("Q20")] = "tbc"
    (raw / export.name("msforms")).write_bytes(bad.csv_bytes(table))
    return [r"\ball 3\b", r"(?i)quarantin"]


E2E_CASES = [
    listed(
        Case("e2e_unreadable_export_keeps_earlier_outputs", "e2e", "error"),
        _garbage_beside_the_export,
    ),
    listed(
        Case("e2e_every_row_quarantined_keeps_earlier_outputs", "e2e", "error"),
        _every_row_unreadable,
    ),
]


@pytest.mark.e2e
@pytest.mark.parametrize("damage", E2E_CASES)
def test_a_run_stopped_by_bad_input_leaves_the_years_outputs_as_they_were(
    damage, export, shared_run, tmp_path
):
    root = tmp_path / "root"
    shutil.copytree(shared_run.root, root, symlinks=True)
    patterns = damage(export, paths.raw_dir(YEAR, root))
    before = _tree(root)

    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--year", str(YEAR), "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )

    assert done.returncode == 1
    _one_line(_error_line(done.stderr), patterns)
    assert _tree(root) == before


# --- the catalogue itself ----------------------------------------------------------------------


def test_the_catalogue_holds_at_least_45_bad_inputs_each_with_one_ending():
    outcomes = {case.outcome.split(" ")[0] for case in CATALOGUE}

    assert len(CATALOGUE) >= 45
    assert outcomes <= {"error", "quarantine", "accepted", "flagged"}
    assert {case.level for case in CATALOGUE} == {"ingest", "validate", "report", "cli", "e2e"}


def catalogue_table() -> str:
    """The catalogue as a Markdown table: case, level, outcome, and who it awaits."""
    status = {c.name: f"awaits {c.awaits}" if c.awaits else "passing" for c in CATALOGUE}
    rows = [f"| {c.name} | {c.level} | {c.outcome} | {status[c.name]} |" for c in CATALOGUE]
    return "\n".join(["| case | level | outcome | status |", "| --- | --- | --- | --- |", *rows])


if __name__ == "__main__":
    print(catalogue_table())
