"""Shared fixtures: real exports written by the project's seeded generator into tmp_path,
and ONE full pipeline run of every sample year shared by every
end-to-end test.

End-to-end tests (marked ``e2e``) run papermill, the CLI pipeline or Chromium; `make
test-fast` leaves them out. The shared run is started in the background as soon as the
session knows it needs it, so the unit tests run beside it (this machine has two cores);
the tests that read it are ordered after the others. It builds the earlier sample years for
their data only (decision D43), so they are cheap. When it has finished, more runs start
beside the tests that read it: the same year with two questions renumbered (for its data
only: what the renumbering must not change is the registry and evaluation); on a copy
of the shared root (so that rerunning disturbs no other test), a run killed part-way and
then a rerun for the year's data only (it replaces the year whole over its own outputs;
reproducing the report is what `pipeline verify` checks); and `pipeline verify` on another
copy, which reruns the whole year, report and PDF included.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pdfua as pdfua_module
import pytest
from helpers import REQUIRE_ALL_CHECKS, year_files

from pipeline import paths, protocol, sample

SAMPLE_YEAR = 2025
PREVIOUS_YEAR = 2024
RUN_TIMEOUT = 1800  # seconds for one `python -m pipeline run` (generous: a loaded machine)
# Two questions renumbered in a copy of the protocol: exports are matched by wording, and
# every later stage names questions by key, so nothing else has to change.
RENUMBERED = {"Q43": "Q143", "Q20": "Q120"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regenerate-backtest",
        action="store_true",
        help="write tests/backtest/expected_*.csv from the code as it is (after a reviewed "
        "change of method); without it the back test only compares",
    )


# --- generated sample exports -----------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    """A temporary project root holding config/ and the generator's raw exports for one year."""

    root: Path
    year: int
    exports: list[Path]


@pytest.fixture
def project_root(tmp_path: Path) -> Path:
    """A temporary project root with a copy of the repository's config/, and no data yet."""
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    return tmp_path


@pytest.fixture
def generated(project_root: Path) -> Generated:
    """The embedded sample for SAMPLE_YEAR, regenerated under a temporary project root
    (a test may change these files)."""
    exports = sample.write_sample(SAMPLE_YEAR, root=project_root)
    return Generated(root=project_root, year=SAMPLE_YEAR, exports=exports)


@pytest.fixture(scope="session")
def generated_once(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The same sample, generated once for the session: for tests that only read it."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    exports = sample.write_sample(SAMPLE_YEAR, root=root)
    return Generated(root=root, year=SAMPLE_YEAR, exports=exports)


@pytest.fixture(scope="session")
def sample_layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The SAMPLE_YEAR sample written once in every layout (sample.LAYOUTS), for tests that
    only read the files: layout name -> file."""
    root = tmp_path_factory.mktemp("layouts")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    written = sample.write_sample(SAMPLE_YEAR, root=root, layouts=sample.LAYOUTS)
    return dict(zip(sample.LAYOUTS, written, strict=True))


@pytest.fixture(scope="session")
def sample_stages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root with the repository's config/ and the committed SAMPLE_YEAR exports,
    through 01_ingest, 02_validate and 03_evaluate in process as the notebooks run them
    (test_stages.run_stages): once for the session. Read it; do not change it."""
    from test_stages import run_stages

    root = tmp_path_factory.mktemp("sample_stages")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    shutil.copytree(paths.raw_dir(SAMPLE_YEAR), paths.raw_dir(SAMPLE_YEAR, root))
    run_stages(root, SAMPLE_YEAR)
    return root


@pytest.fixture(scope="session")
def sample_returns() -> list[sample.SampleReturn]:
    """What the officers answered in the sample year (read-only: shared by the session)."""
    return sample.generate_returns(SAMPLE_YEAR, protocol.load())


# --- veraPDF's PDF/UA-1 rules ------------------------------------------------------------


@pytest.fixture(scope="session")
def pdfua() -> pdfua_module.PdfUaChecker:
    """veraPDF with its PDF/UA-1 profile, in a JVM started once for the session (JPype cannot
    restart one); the tests that use it skip, naming the apt line, where Java or JAXB is
    absent."""
    reason = pdfua_module.missing()
    if reason is not None:
        if REQUIRE_ALL_CHECKS:  # CI installs Java: a check that cannot run is a failure
            pytest.fail(reason)
        pytest.skip(reason)
    return pdfua_module.PdfUaChecker()


# --- running the CLI ----------------------------------------------------------------------


def _command(root: Path, year: int) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", "--year", str(year), "--root", str(root)]


def _run_cli(root: Path, year: int = SAMPLE_YEAR) -> subprocess.CompletedProcess:
    """`python -m pipeline run` as make report runs it, into ``root``."""
    return subprocess.run(
        _command(root, year), capture_output=True, text=True, check=False, timeout=RUN_TIMEOUT
    )


@pytest.fixture(scope="session")
def run_cli():
    """Runs the whole pipeline from the command line into a given root."""
    return _run_cli


class BackgroundRun:
    """`python -m pipeline run` (or another command) started now in a subprocess;
    ``result()`` waits for it."""

    def __init__(
        self, root: Path, year: int = SAMPLE_YEAR, command: list[str] | None = None
    ) -> None:
        self.root = root
        self._out = root.parent / f"{root.name}.stdout"
        self._err = root.parent / f"{root.name}.stderr"
        self.started = time.perf_counter()
        with self._out.open("w") as out, self._err.open("w") as err:
            self._process = subprocess.Popen(
                command or _command(root, year), stdout=out, stderr=err
            )
        self._done: subprocess.CompletedProcess | None = None
        self.seconds: float | None = None

    def result(self) -> subprocess.CompletedProcess:
        if self._done is None:
            try:
                code = self._process.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.stop()
                raise
            self.seconds = time.perf_counter() - self.started
            self._done = subprocess.CompletedProcess(
                self._process.args,
                code,
                self._out.read_text(encoding="utf-8"),
                self._err.read_text(encoding="utf-8"),
            )
        return self._done

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _shared_root(base: Path) -> Path:
    """config/ and every sample year's exports (as committed under data/raw/)."""
    return sample.copy_sample_root(base / "shared")


def _renumbered_root(base: Path, shared: Path) -> Path:
    """The shared run's config with two questions renumbered, 2025's exports, and 2024's
    registry and evaluation (already named by key) for the IDs to carry over from."""
    root = base / "renumbered"
    shutil.copytree(paths.config_dir(shared), paths.config_dir(root))
    shutil.copytree(paths.raw_dir(SAMPLE_YEAR, shared), paths.raw_dir(SAMPLE_YEAR, root))
    previous = paths.processed_dir(PREVIOUS_YEAR, root)
    previous.mkdir(parents=True)
    for name in ("registry.csv", "evaluation.csv"):
        shutil.copy2(paths.processed_dir(PREVIOUS_YEAR, shared) / name, previous / name)
    config = paths.protocol_file(root)
    text = config.read_text(encoding="utf-8")
    for old, new in RENUMBERED.items():
        line = f"  - id: {old}\n"
        assert text.count(line) == 1, f"{old} is not listed once in protocol.yaml"
        text = text.replace(line, f"  - id: {new}\n")
    config.write_text(text, encoding="utf-8")
    return root


def _rerun_root(base: Path, shared: Path, name: str = "rerun") -> Path:
    """A copy of the whole finished shared root (file times kept), to run 2025 again over
    its own outputs without touching the files the other tests read."""
    root = base / name
    shutil.copytree(
        shared, root, copy_function=shutil.copy2, ignore=shutil.ignore_patterns(".staging")
    )
    return root


@dataclass(frozen=True)
class KilledRun:
    """A run killed with SIGKILL once its first stage had written into staging: the year's
    files (path -> SHA-256) before it started and after it was killed, and what it had
    staged by then."""

    before: dict[str, str]
    after: dict[str, str]
    staged: list[str]
    returncode: int


def _kill_when_staged(process: subprocess.Popen, root: Path, year: int) -> None:
    """SIGKILL ``process`` (a run of ``year`` in ``root``) as soon as one of its stages has
    written a table into its staging root (or it has ended)."""
    staged_table = f"run-{year}-*/data/processed/{year}/returns.csv"
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if list(paths.staging_dir(root).glob(staged_table)):
                break
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()


class SessionRuns:
    """The session's pipeline runs, in the background: the shared run from the start; when it
    has finished, the renumbered run, the killed run and the rerun after it (on a copy), and
    verify (on another copy), one after another."""

    def __init__(self, base: Path, wanted: set[str]) -> None:
        self.base = base
        self.shared = BackgroundRun(_shared_root(base))
        self._wanted = wanted
        self._followers: dict[str, BackgroundRun] = {}
        self.killed: KilledRun | None = None
        self._killing: subprocess.Popen | None = None
        self._started = threading.Event()
        self._lock = threading.Lock()  # no follower starts once the session has stopped
        self._stopped = False
        threading.Thread(target=self._start_followers, daemon=True).start()

    def _start_followers(self) -> None:
        try:
            if self.shared.result().returncode != 0:
                return
            for name in ("renumbered_run", "rerun", "verified"):
                if name in self._wanted:
                    self._start(name)
        finally:
            self._started.set()

    def _start(self, name: str) -> None:
        shared = self.shared.root
        command = None
        if name == "renumbered_run":
            root = _renumbered_root(self.base, shared)
            command = [*_command(root, SAMPLE_YEAR), "--data-only"]
        else:
            root = _rerun_root(self.base, shared, name)
        if name == "rerun":  # killed part-way first; the rerun then finishes what it left
            self.killed = self._kill_part_way(root)
            command = [*_command(root, SAMPLE_YEAR), "--data-only"]
        if name == "verified":
            manifest = paths.manifest_file(SAMPLE_YEAR, root)
            command = [sys.executable, "-m", "pipeline", "verify", str(manifest)]
        with self._lock:
            if not self._stopped:
                self._followers[name] = BackgroundRun(root, command=command)

    def _kill_part_way(self, root: Path, year: int = SAMPLE_YEAR) -> KilledRun:
        """Start `python -m pipeline run`, kill it once a stage has written into staging,
        and record the year's files before and after."""
        before = year_files(root, year)
        with self._lock:
            if self._stopped:
                return KilledRun(before, before, [], 0)
            self._killing = subprocess.Popen(
                _command(root, year), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        _kill_when_staged(self._killing, root, year)
        staged = sorted(
            f.relative_to(root).as_posix()
            for f in paths.staging_dir(root).glob(f"run-{year}-*/**/*")
            if f.is_file() and not f.is_symlink()
        )
        after = year_files(root, year)
        time.sleep(2)  # its kernel sees its parent gone within a second and exits
        return KilledRun(before, after, staged, self._killing.returncode)

    def follower(self, name: str) -> BackgroundRun:
        self._started.wait(RUN_TIMEOUT)
        assert name in self._followers, f"{name} did not start: the shared run failed"
        return self._followers[name]

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for run in (self.shared, *self._followers.values()):
                run.stop()
            if self._killing is not None and self._killing.poll() is None:
                self._killing.kill()


# Fixtures that read the session's runs; their tests run after all others, in this order.
_RUN_FIXTURES = ("shared_run", "renumbered_run", "rerun", "verified")
_RUNS = pytest.StashKey[SessionRuns]()


def _rank(item: pytest.Item) -> int:
    used = [i for i, name in enumerate(_RUN_FIXTURES, 1) if name in item.fixturenames]
    return max(used, default=0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the shared run after all others, then the renumbered run, the rerun and
    the verified copy."""
    items.sort(key=_rank)  # stable: file and definition order otherwise


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the shared run now, in the background, if a selected test needs it."""
    wanted = {name for item in session.items for name in item.fixturenames}
    if not wanted & set(_RUN_FIXTURES) or session.config.option.collectonly:
        return
    # pytest's own temporary folder (kept for the last three sessions, --basetemp honoured)
    factory = getattr(session.config, "_tmp_path_factory", None)
    base = factory.mktemp("e2e") if factory else Path(tempfile.mkdtemp(prefix="e2e-"))
    session.config.stash[_RUNS] = SessionRuns(base, wanted)


def pytest_sessionfinish(session: pytest.Session) -> None:
    runs = session.config.stash.get(_RUNS, None)
    if runs is None:
        return
    runs.stop()


@dataclass(frozen=True)
class SharedRun:
    """A full run: its root, the finished process, how long it took, and the questions it
    renumbered (old ID -> new ID), if any."""

    root: Path
    done: subprocess.CompletedProcess
    seconds: float
    renumbered: dict[str, str] = field(default_factory=dict)


def _finished(run: BackgroundRun) -> SharedRun:
    done = run.result()
    assert done.returncode == 0, f"pipeline run in {run.root} failed:\n{done.stderr}"
    return SharedRun(run.root, done, run.seconds or 0.0)


@pytest.fixture(scope="session")
def shared_run(request: pytest.FixtureRequest) -> SharedRun:
    """`python -m pipeline run --year 2025` on config/ and every sample year (it builds 2023
    and 2024 first, for their data only): one run for every end-to-end test. Read it; do not
    change it."""
    return _finished(request.config.stash[_RUNS].shared)


@pytest.fixture(scope="session")
def renumbered_run(request: pytest.FixtureRequest, shared_run: SharedRun) -> SharedRun:
    """2025 run again through the CLI with Q43 and Q20 renumbered (RENUMBERED), for its data
    only (`--data-only`: no report, HTML or PDF)."""
    run = request.config.stash[_RUNS].follower("renumbered_run")
    return replace(_finished(run), renumbered=RENUMBERED)


@pytest.fixture(scope="session")
def rerun(request: pytest.FixtureRequest, shared_run: SharedRun) -> SharedRun:
    """`python -m pipeline run --year 2025 --data-only` on a copy of the finished shared
    root, after a full run there was killed part-way (``killed_run``). For the year's data
    only: a full rerun's report is what ``verified`` reproduces, so a second full run would
    check it twice."""
    return _finished(request.config.stash[_RUNS].follower("rerun"))


@pytest.fixture(scope="session")
def killed_run(request: pytest.FixtureRequest, rerun: SharedRun) -> KilledRun:
    """The run killed part-way on the rerun's root before the rerun."""
    killed = request.config.stash[_RUNS].killed
    assert killed is not None
    return killed


@pytest.fixture(scope="session")
def verified(request: pytest.FixtureRequest, shared_run: SharedRun) -> SharedRun:
    """`python -m pipeline verify outputs/2025/manifest.json` on a copy of the shared root
    (its exit status is the verdict: the process is returned whatever it was)."""
    run = request.config.stash[_RUNS].follower("verified")
    done = run.result()
    return SharedRun(run.root, done, run.seconds or 0.0)
