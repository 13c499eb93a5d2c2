"""The monitoring database (decision D38): built from real processed tables into tmp_path
(never into a fixture's root), its rows against the CSVs, its views against what the CSVs
say, rebuilds that never duplicate, years in any order, the personal table out of every
view and out of the copy Datasette serves, and a failed update that changes nothing."""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from pipeline import browse, cli, database, paths, run, settings, staging, tables
from pipeline.errors import PipelineError
from pipeline.sample.years import SAMPLE_YEARS

LATEST = SAMPLE_YEARS[-1]
CONFIG = settings.load()
ATTENTION = [name for name, action in CONFIG.toolkit.actions.items() if action.attention]


def _dump(target: Path) -> list[str]:
    with sqlite3.connect(target) as connection:
        return list(connection.iterdump())


def _query(target: Path, sql: str, *parameters: object) -> pd.DataFrame:
    with sqlite3.connect(target) as connection:
        return pd.read_sql_query(sql, connection, params=parameters)


def _build(root: Path, years: list[int], target: Path) -> Path:
    loaded = [database.read_year(y, CONFIG.protocol, root) for y in years]
    database.build(target, loaded, CONFIG.protocol, CONFIG.toolkit)
    return target


@pytest.fixture(scope="module")
def one_year(sample_stages, tmp_path_factory) -> Path:
    """The database of the sample's 2025 alone (no manifest: no run row)."""
    target = tmp_path_factory.mktemp("database_one") / "partnerships.sqlite"
    database.write_database(sample_stages, years=[LATEST], target=target)
    return target


def test_one_year_rows_equal_its_tables(sample_stages, one_year):
    evaluation = tables.read("evaluation", LATEST, sample_stages)
    returns = tables.read_csv_text(tables.path("returns", LATEST, sample_stages))
    counts = _query(one_year, "SELECT COUNT(*) AS n FROM partnership_years")["n"][0]
    assert counts == len(evaluation)
    assert _query(one_year, "SELECT COUNT(*) AS n FROM returns")["n"][0] == len(returns)
    assert _query(one_year, "SELECT COUNT(*) AS n FROM respondents")["n"][0] == len(returns)
    assert _query(one_year, "SELECT COUNT(*) AS n FROM runs")["n"][0] == 0
    with sqlite3.connect(one_year) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == database.SCHEMA_VERSION
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def test_returns_hold_no_personal_answer(sample_stages, one_year):
    """No column of the returns table is a personal question, and no cell of it (nor of any
    other table but respondents) holds a respondent's email address."""
    columns = _query(one_year, "SELECT name FROM pragma_table_info('returns')")["name"]
    assert not set(columns) & set(CONFIG.protocol.personal_keys)
    emails = set(_query(one_year, "SELECT email FROM respondents")["email"].dropna())
    assert len(emails) > 20
    with sqlite3.connect(one_year) as connection:
        names = [
            n
            for (n,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            )
            if n != database.PERSONAL_TABLE
        ]
        for name in names:
            cells = {str(v) for row in connection.execute(f'SELECT * FROM "{name}"') for v in row}
            assert not cells & emails, name


def test_redacts_only_phrases_about_personal_answers():
    text = "Q2: could not read 'x@y' as an email | Q22: could not read 'half' as hours"
    assert database._redact(text, ["Q1", "Q2"]) == (
        f"Q2: {database._WITHHELD} | Q22: could not read 'half' as hours"
    )
    assert database._redact(None, ["Q2"]) is None
    for missing in (float("nan"), pd.NA, None):  # a return with no quarantine row
        assert database._redact(missing, ["Q2"]) is None
        assert database._redact(missing, []) is None


def _assert_no_text_nan(target: Path) -> None:
    """Accepted returns have no quarantine reason or rule (NULL), and no cell reads 'nan'."""
    with sqlite3.connect(target) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(returns)")]
        for column in columns:
            nan = connection.execute(
                f'SELECT COUNT(*) FROM returns WHERE LOWER(CAST("{column}" AS TEXT)) = ?',
                ("nan",),
            ).fetchone()[0]
            assert nan == 0, column
    reasons = _query(target, "SELECT status, quarantine_reasons, quarantine_rules FROM returns")
    accepted = reasons[reasons["status"] == "valid"]
    quarantined = reasons[reasons["status"] == "quarantined"]
    assert len(accepted) > 0 and len(quarantined) > 0
    assert accepted["quarantine_reasons"].isna().all()
    assert accepted["quarantine_rules"].isna().all()
    assert quarantined["quarantine_reasons"].notna().all()
    assert quarantined["quarantine_rules"].notna().all()


def test_accepted_returns_have_no_quarantine_reason(one_year):
    _assert_no_text_nan(one_year)


def test_the_database_command_takes_the_run_lock(tmp_path, capsys):
    """`python -m pipeline database` while a run holds the root: one line, nothing written."""
    with staging.locked(tmp_path):
        code = cli.main(["database", "--root", str(tmp_path)])
    assert code == 1
    assert f"another run is using {tmp_path}" in capsys.readouterr().err
    assert not paths.database_file(tmp_path).exists()


def test_building_twice_gives_the_same_file(sample_stages, tmp_path):
    first = database.write_database(sample_stages, [LATEST], tmp_path / "a.sqlite")
    second = database.write_database(sample_stages, [LATEST], tmp_path / "b.sqlite")
    assert first == second
    assert (tmp_path / "a.sqlite").read_bytes() == (tmp_path / "b.sqlite").read_bytes()
    database.write_database(sample_stages, [LATEST], tmp_path / "a.sqlite")  # over itself
    assert _dump(tmp_path / "a.sqlite") == _dump(tmp_path / "b.sqlite")
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failed_update_leaves_the_file_as_it_was(sample_stages, tmp_path, monkeypatch):
    target = tmp_path / "partnerships.sqlite"
    database.write_database(sample_stages, [LATEST], target)
    before = target.read_bytes()

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(database, "_insert_run", broken)
    monkeypatch.setattr(database, "_priority_rows", broken)
    with pytest.raises(sqlite3.OperationalError):
        database.write_database(sample_stages, [LATEST], target)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_run_reports_a_database_it_could_not_rebuild(tmp_path, monkeypatch):
    """After the commit: one line naming the file and the command, the old file untouched."""
    target = paths.database_file(tmp_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"the old database")

    def broken(root):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(database, "write_database", broken)
    with pytest.raises(PipelineError, match="python -m pipeline database"):
        run.update_database(LATEST, tmp_path)
    assert target.read_bytes() == b"the old database"


def test_a_year_lacking_a_table_is_named_with_what_to_do(sample_stages, tmp_path):
    """A year written by an earlier version of the pipeline (no id_history.csv)."""
    root = tmp_path / "root"
    shutil.copytree(sample_stages, root, ignore=shutil.ignore_patterns(".staging"))
    tables.path("id_history", LATEST, root).unlink()
    with pytest.raises(PipelineError, match=r"2025 cannot go into the database: .*id_history"):
        database.write_database(root, [LATEST], tmp_path / "partnerships.sqlite")
    assert not (tmp_path / "partnerships.sqlite").exists()


def test_committed_years_need_a_manifest(tmp_path):
    for year in (2023, 2024, 2025):
        paths.processed_dir(year, tmp_path).mkdir(parents=True)
    for year in (2023, 2025):
        manifest = paths.manifest_file(year, tmp_path)
        manifest.parent.mkdir(parents=True)
        manifest.write_text("{}", encoding="utf-8")
    paths.browse_dir(tmp_path).mkdir()
    assert database.committed_years(tmp_path) == [2023, 2025]


def test_no_view_reads_the_personal_table(one_year):
    with sqlite3.connect(one_year) as connection:
        views = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'")
        views = dict(views.fetchall())
        assert set(views) == set(database.VIEWS)
        for name, sql in views.items():
            assert not re.search(rf"\b{database.PERSONAL_TABLE}\b", sql, re.IGNORECASE), name
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({name})")]
            assert not {"email", "respondent_name", "respondent_email"} & set(columns), name


def test_the_browse_copy_has_no_personal_table_or_bytes(one_year, tmp_path):
    copy = database.browse_copy(one_year, tmp_path / "partnerships.sqlite")
    emails = _query(one_year, "SELECT email FROM respondents")["email"].dropna()
    with sqlite3.connect(copy) as connection:
        names = {n for (n,) in connection.execute("SELECT name FROM sqlite_master")}
    assert database.PERSONAL_TABLE not in names
    assert set(database.VIEWS) <= names
    data = copy.read_bytes()
    assert not [e for e in emails if e.encode() in data]
    assert _dump(copy) == [line for line in _dump(one_year) if database.PERSONAL_TABLE not in line]


def test_browse_metadata_has_a_canned_query_per_view():
    described = browse.metadata("Northmoor County Council")["databases"]["partnerships"]
    assert {q["sql"].split()[3] for q in described["queries"].values()} == set(database.VIEWS)
    assert set(browse.FACETS["partnership_years"]) == {"year", "directorate", "action"}


# --- the shared run's years: its database after two years and after three ----------------


@dataclasses.dataclass(frozen=True)
class Built:
    """A database written from the shared run's tables, and the years it holds."""

    path: Path
    years: tuple[int, ...]

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """Each consecutive pair of its years (earlier, later)."""
        return list(itertools.pairwise(self.years))


@pytest.fixture(scope="module")
def run_years(shared_run) -> tuple[int, ...]:
    """The years the shared run committed: every sample year."""
    years = tuple(database.committed_years(shared_run.root))
    assert years == SAMPLE_YEARS
    return years


@pytest.fixture(scope="module")
def three_years(shared_run, run_years, tmp_path_factory) -> Built:
    """The database of every year the shared run committed, written into a tmp folder."""
    target = tmp_path_factory.mktemp("database_three") / "partnerships.sqlite"
    database.write_database(shared_run.root, target=target)
    return Built(target, run_years)


@pytest.fixture(scope="module")
def two_years(shared_run, run_years, tmp_path_factory) -> Built:
    """The database after two years: the shared run's last two years only."""
    target = tmp_path_factory.mktemp("database_two") / "partnerships.sqlite"
    database.write_database(shared_run.root, run_years[-2:], target)
    return Built(target, run_years[-2:])


@pytest.fixture(params=["two_years", "three_years"])
def built(request) -> Built:
    return request.getfixturevalue(request.param)


def _evaluations(root: Path, years: tuple[int, ...]) -> dict[int, pd.DataFrame]:
    return {year: tables.read("evaluation", year, root) for year in years}


@pytest.mark.e2e
def test_the_run_wrote_the_database(shared_run, three_years):
    """The run's own database (after each year in turn) equals one rebuilt from its tables,
    and its log has the one line of row counts."""
    written = paths.database_file(shared_run.root)
    assert _dump(written) == _dump(three_years.path)
    assert re.search(r"database: actions \d+, changes \d+", shared_run.done.stderr)


@pytest.mark.e2e
def test_rows_equal_the_csvs(shared_run, built):
    root = shared_run.root
    for year in built.years:
        for table, csv in (
            ("partnership_years", "evaluation"),
            ("changes", "changes"),
            ("id_history", "id_history"),
            ("disagreements", "disagreements"),
        ):
            expected = len(tables.read(csv, year, root))
            got = _query(built.path, f"SELECT COUNT(*) AS n FROM {table} WHERE year = ?", year)
            assert got["n"][0] == expected, (table, year)
        summary = tables.read_dq_summary(year, root)
        row = _query(built.path, "SELECT * FROM survey_years WHERE year = ?", year).iloc[0]
        assert (row["returns_in"], row["returns_quarantined"]) == (
            summary["rows_in"],
            summary["quarantined"],
        )
        status = _query(
            built.path, "SELECT status, COUNT(*) AS n FROM returns WHERE year = ? GROUP BY 1", year
        ).set_index("status")["n"]
        assert status.to_dict() == {
            "quarantined": len(tables.read_csv_text(tables.path("quarantine", year, root))),
            "valid": len(tables.read_csv_text(tables.path("valid", year, root))),
        }
    held = _query(built.path, "SELECT year FROM survey_years ORDER BY year")["year"].tolist()
    assert held == list(built.years)
    runs = _query(built.path, "SELECT year, input_files, output_files FROM runs ORDER BY year")
    assert runs["year"].tolist() == list(built.years)
    assert (runs["output_files"] > 10).all()
    with sqlite3.connect(built.path) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.e2e
def test_returns_hold_no_text_nan(built):
    _assert_no_text_nan(built.path)


@pytest.mark.e2e
def test_ids_are_stable_across_years(shared_run, built, three_years):
    """An ID carried from one year into the next names a partnership reported in both;
    each partnership's first and last year and years reported are what the CSVs say; and
    the two-year database's rows for its years are the three-year database's."""
    evaluations = _evaluations(shared_run.root, built.years)
    spans = _query(built.path, "SELECT * FROM partnerships").set_index("partnership_id")
    assert spans.index.is_unique
    for earlier, later in built.pairs:
        history = tables.read("id_history", later, shared_run.root)
        carried = history.loc[history["event"] == "carried", "partnership_id"]
        assert len(carried) > 50, later
        for year in (earlier, later):
            assert set(carried) <= set(evaluations[year]["partnership_id"]), (earlier, later)
    reported = pd.concat(frame.assign(year=y) for y, frame in evaluations.items())
    expected = reported.groupby("partnership_id")["year"].agg(["min", "max", "nunique"])
    got = spans.loc[expected.index, ["first_year", "last_year", "years_reported"]]
    assert got.to_numpy().tolist() == expected.to_numpy().tolist()
    every_year = _query(
        built.path,
        "SELECT partnership_id FROM partnership_years GROUP BY 1 HAVING COUNT(*) = ?",
        len(built.years),
    )["partnership_id"]
    assert len(every_year) > 50

    sql = (
        "SELECT partnership_id, year, name, action, overall_score FROM partnership_years "
        f"WHERE year IN ({', '.join('?' for _ in built.years)}) ORDER BY partnership_id, year"
    )
    assert _query(built.path, sql, *built.years).equals(_query(three_years.path, sql, *built.years))


MEASURES = ("action", "vfm_judgement", "risk_level")


def _differs(a: object, b: object) -> bool:
    return not (a == b or (pd.isna(a) and pd.isna(b)))


@pytest.mark.e2e
def test_views_say_what_the_csvs_say(shared_run, built):
    evaluations = _evaluations(shared_run.root, built.years)
    now = evaluations[built.years[-1]]
    key = _query(built.path, "SELECT * FROM key_partnerships_this_year")
    assert key["partnership_id"].tolist() == sorted(
        now.loc[now["key_partnership"].astype(bool), "partnership_id"]
    )
    assert (key["year"] == built.years[-1]).all()

    in_every = set.intersection(*(set(f["partnership_id"]) for f in evaluations.values()))
    for chosen in (now["partnership_id"].iloc[0], min(in_every)):
        history = _query(
            built.path, "SELECT * FROM partnership_history WHERE partnership_id = ?", chosen
        )
        expected = [
            (year, frame.set_index("partnership_id").loc[chosen, "overall_score"])
            for year, frame in evaluations.items()
            if chosen in set(frame["partnership_id"])
        ]
        assert history["year"].tolist() == [year for year, _ in expected], chosen
        scores = [score for _, score in expected]
        assert history["overall_score"].tolist() == pytest.approx(scores, nan_ok=True), chosen
    assert len(expected) == len(built.years)

    for year, frame in evaluations.items():
        by_priority = _query(
            built.path,
            "SELECT priority, SUM(full_cost) AS cost FROM partnerships_by_priority "
            "WHERE year = ? GROUP BY 1",
            year,
        ).set_index("priority")["cost"]
        exploded = frame.assign(priority=frame["priorities"].str.split("; ")).explode("priority")
        assert by_priority.to_dict() == pytest.approx(
            exploded.groupby("priority")["full_cost"].sum(min_count=1).to_dict(), nan_ok=True
        ), year

    changed, running = [], []
    for earlier, later in built.pairs:
        paired = evaluations[earlier].merge(
            evaluations[later], on="partnership_id", suffixes=("_before", "_now")
        )
        differs = [
            any(_differs(paired.at[i, f"{c}_before"], paired.at[i, f"{c}_now"]) for c in MEASURES)
            for i in paired.index
        ]
        changed += [(earlier, later, p) for p in sorted(paired.loc[differs, "partnership_id"])]
        both = paired["action_before"].isin(ATTENTION) & paired["action_now"].isin(ATTENTION)
        running += [(earlier, later, p) for p in sorted(paired.loc[both, "partnership_id"])]
        assert changed and changed[-1][:2] == (earlier, later), "no change between the years"

    columns = "previous_year, year, partnership_id"
    view = _query(built.path, f"SELECT {columns} FROM partnership_changes_between_years")
    assert list(view.itertuples(index=False, name=None)) == changed
    view = _query(built.path, f"SELECT {columns} FROM attention_two_years_running")
    assert list(view.itertuples(index=False, name=None)) == running


@pytest.mark.e2e
def test_years_in_any_order_give_the_same_database(shared_run, built, tmp_path):
    """The years in reverse, or one by one in any order, or run again: one dump."""
    reverse = [database.read_year(y, CONFIG.protocol, shared_run.root) for y in built.years[::-1]]
    database.build(tmp_path / "reverse.sqlite", reverse, CONFIG.protocol, CONFIG.toolkit)
    assert _dump(tmp_path / "reverse.sqlite") == _dump(built.path)

    target = tmp_path / "partnerships.sqlite"
    latest = built.years[-1]
    database.write_database(shared_run.root, [latest], target)
    for count in range(2, len(built.years) + 1):
        database.write_database(shared_run.root, built.years[-count:], target)
    shuffled = [latest, *built.years[:-1]]
    database.write_database(shared_run.root, shuffled, target)  # the latest re-run: no duplicates
    assert _dump(target) == _dump(built.path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((browse.HOST, 0))
        return probe.getsockname()[1]


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


@pytest.mark.e2e
def test_browse_serves_the_views_and_never_the_personal_table(one_year, tmp_path):
    """`python -m pipeline browse` on a root holding the sample's database: a view's page
    and its CSV; the personal table is no page, no CSV and no SQL query's answer."""
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    paths.database_file(tmp_path).parent.mkdir(parents=True)
    shutil.copy2(one_year, paths.database_file(tmp_path))
    email = _query(one_year, "SELECT email FROM respondents WHERE email IS NOT NULL")["email"][0]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "browse", "--root", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://{browse.HOST}:{port}/{browse.DATABASE_NAME}"
    try:
        for _ in range(120):
            try:
                status, _page = _fetch(base)
                break
            except urllib.error.URLError:
                time.sleep(0.5)
        else:
            pytest.fail("Datasette did not start")
        status, page = _fetch(f"{base}/key_partnerships_this_year")
        assert status == 200 and "key_partnerships_this_year" in page
        status, csv = _fetch(f"{base}/key_partnerships_this_year.csv?_size=max")
        key = _query(one_year, "SELECT partnership_id FROM key_partnerships_this_year")
        assert status == 200
        assert csv.splitlines()[0].startswith("partnership_id,year,name")
        assert len(csv.strip().splitlines()) == len(key) + 1
        status, page = _fetch(f"{base}/partnership-history?partnership_id=PSH-0001")
        assert status == 200
        assert _fetch(f"{base}/{database.PERSONAL_TABLE}")[0] == 404
        assert _fetch(f"{base}/{database.PERSONAL_TABLE}.csv")[0] == 404
        status, answer = _fetch(f"{base}.json?sql=select+*+from+{database.PERSONAL_TABLE}")
        assert status >= 400 and email not in answer
        status, listing = _fetch(f"{base}.json")
        assert status == 200 and database.PERSONAL_TABLE not in listing
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_free_text_typed_with_an_email_or_a_respondents_name_is_redacted(sample_stages, tmp_path):
    """Officers type anything into free text: the returns table holds no email address and
    no respondent's name there either, as the published evaluation holds none."""
    year = database.read_year(LATEST, CONFIG.protocol, sample_stages)
    returns = year.returns.copy()
    name = next(n for n in returns["respondent_name"] if isinstance(n, str) and " " in n)
    first = returns.index[0]
    returns.loc[first, "comments"] = f"Ask {name.upper()} or write to j.bloggs@example.gov.uk"
    returns.loc[first, "main_risks"] = f"{name} leaving"
    target = tmp_path / "partnerships.sqlite"
    database.build(
        target, [dataclasses.replace(year, returns=returns)], CONFIG.protocol, CONFIG.toolkit
    )

    row = _query(
        target,
        "SELECT comments, main_risks FROM returns WHERE row_key = ?",
        returns.loc[first, "row_key"],
    ).iloc[0]
    assert row["comments"] == "Ask [name removed] or write to [email address removed]"
    assert row["main_risks"] == "[name removed] leaving"
    assert _query(target, "SELECT COUNT(*) AS n FROM respondents WHERE name = ?", name)["n"][0]
