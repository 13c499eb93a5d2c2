"""Runs the pipeline: the four stage notebooks in order with papermill, then the exports.

Each year is built in a staging root and swapped in whole (decision D20). Stops at the first
failing stage, naming the notebook, the cell and the executed copy (kept under
.staging/failed-<year>/) where the auditor can read what happened.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import executed as executed_notebooks
from pipeline import paths, provenance, settings, staging, tables
from pipeline.errors import PipelineError

logger = logging.getLogger(__name__)

KERNEL_NAME = "partnerships"
MIN_YEAR, MAX_YEAR = 2000, 2100
KERNEL_DISPLAY_NAME = "Python (partnerships pipeline)"
# How long the run waits for an export child before it kills it and fails (D43): far
# longer than any export takes (the 2025 PDF takes well under a minute), so only a child
# that hangs reaches it.
CHILD_TIMEOUT_SECONDS = 30 * 60
# A year built for its data only (an earlier year whose registry a later one needs, or
# `run --data-only`) runs the stages up to the evaluation and writes no report (D43).
DATA_STAGES = paths.STAGES[: paths.STAGES.index("03_evaluate") + 1]


@dataclass(frozen=True)
class RunResult:
    """What a run published; ``data_only``: its tables, notebooks and manifest, no report
    (``html`` and ``pdf`` are then None)."""

    html: Path | None
    pdf: Path | None
    manifest: Path
    data_only: bool = False


def data_only_line(year: int) -> str:
    """The one line a year built for its data only logs (D43)."""
    return (
        f"{year} built for its registry and evaluation only; "
        f"`make report YEAR={year}` writes its report"
    )


def _kernel_argv() -> list[str]:
    # The kernel's own warnings (e.g. "running over TCP without encryption" on loopback)
    # would land in the run's output: the kernel logs errors only.
    return [
        sys.executable,
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
        # jupyter_client interrupts a kernel before shutting it down, which ipykernel logs
        # as an ERROR ("KeyboardInterrupt caught in kernel"): only critical logs show.
        "--IPKernelApp.log_level=CRITICAL",
    ]


def ensure_kernel() -> str:
    """Install this interpreter as a named Jupyter kernel in its own prefix, once.

    papermill starts the kernel by name; on a machine with another Jupyter, "python3" can
    be an interpreter without the project, so the run uses its own named kernel.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        if manager.get_kernel_spec(KERNEL_NAME).argv == _kernel_argv():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    with tempfile.TemporaryDirectory() as folder:
        spec = {"argv": _kernel_argv(), "display_name": KERNEL_DISPLAY_NAME, "language": "python"}
        (Path(folder) / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        manager.install_kernel_spec(folder, KERNEL_NAME, prefix=sys.prefix)
    return KERNEL_NAME


def _failure(stage: str, executed: Path | None, error: Exception) -> PipelineError:
    """One line naming the notebook, the cell and the error; the user's own errors plainly."""
    cell = getattr(error, "exec_count", None)
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    where = f"{stage}.ipynb cell [{cell}]" if cell else f"{stage}.ipynb"
    if ename == "PipelineError":
        kept = f"; executed notebook: {executed}" if executed else ""
        return PipelineError(f"{evalue} (stage {where}{kept})")
    see = f" Open the executed notebook to see the cell: {executed}" if executed else ""
    return PipelineError(f"stage {where} failed with {ename}: {evalue}.{see}")


def execute_stage(
    stage: str,
    year: int,
    staged: Path,
    kernel: str,
    council_name: str,
    *,
    root: Path | None = None,
    failed_root: Path | None = None,
) -> float:
    """Execute one stage notebook in the staging root ``staged`` into its
    outputs/<year>/notebooks/, saved as published under ``root`` (None: where it ran);
    return its seconds.

    A failing stage's message names its executed notebook where it will be kept: under
    ``failed_root`` (a run's .staging/failed-<year>/), if any.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed = paths.executed_notebook(stage, year, staged)
    executed.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(paths.source_notebook(stage)),
            str(executed),
            parameters={"year": year, "council_name": council_name, "root": str(staged)},
            kernel_name=kernel,
            progress_bar=False,
            record_timing=False,
            cwd=str(paths.NOTEBOOKS_DIR),
        )
    except PapermillExecutionError as error:
        kept = paths.executed_notebook(stage, year, failed_root) if failed_root else None
        raise _failure(stage, kept, error) from None
    executed_notebooks.finalise(executed, staged, root or staged)
    return time.perf_counter() - started


def previous_survey_year(year: int, root: Path | str | None = None) -> int | None:
    """The latest year before ``year`` with exports under data/raw/; a year without a survey
    is passed over, since IDs carry from any earlier year's registry (decision D7)."""
    earlier = [
        int(folder.name)
        for folder in paths.raw_dir(year, root).parent.glob("*")
        if folder.name.isdigit() and int(folder.name) < year
    ]
    return max((y for y in earlier if paths.raw_exports(y, root)), default=None)


def check_run(year: int | None, root: Path | str | None) -> tuple[int, Path, settings.Settings]:
    """The run's parameters and every config file, checked before anything is written or any
    notebook starts: each problem is one line naming the folder, file, key and line."""
    base = paths.resolve_root(root)
    if not base.is_dir():
        raise PipelineError(
            f"--root {root}: no such folder; give the folder that holds config/ and data/raw/."
        )
    if not paths.config_dir(base).is_dir():
        raise PipelineError(
            f"{paths.config_dir(base)}: no config folder; copy config/ from the repository."
        )
    config = settings.load(base)  # every config file, strictly (decision D15)
    year = config.council.default_year if year is None else year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PipelineError(f"--year {year} is not a survey year: give one such as 2025.")
    if not paths.raw_exports(year, base):
        raise PipelineError(
            f"No survey exports for {year} in {paths.raw_dir(year, base)}: put the year's "
            "CSV or XLSX downloads there, or run `make sample` for the embedded sample."
        )
    # Dangling links, unreadable files and files over the size limit, named before any
    # notebook starts (decision D22).
    paths.check_exports(year, base, config.council.max_export_megabytes)
    return year, base, config


def run_pipeline(
    year: int | None = None, root: Path | str | None = None, *, data_only: bool = False
) -> RunResult:
    """Run ingest, validate, evaluate and the report for one year, then export HTML and PDF;
    with ``data_only``, only the stages up to the evaluation (DATA_STAGES, decision D43).

    The year is built in a staging root and swapped in only when all of it has succeeded
    (decision D20); a failure leaves the year's earlier outputs as they were.
    """
    finish_cut_short_swap(paths.resolve_root(root))
    year, base, config = check_run(year, root)
    with staging.locked(base):
        staging.recover(base)
        return _run_year(year, base, config, data_only=data_only)


def finish_cut_short_swap(root: Path) -> None:
    """Finish a swap that a killed run cut short, before this run's parameters are checked:
    a year must never stay half swapped in because the next run's year or config is wrong
    (D20). Writes nothing when no run has used the root's .staging/ yet."""
    if paths.staging_dir(root).is_dir():
        with staging.locked(root):
            staging.recover(root)


def _run_year(
    year: int, root: Path, config: settings.Settings, *, data_only: bool = False
) -> RunResult:
    """One year's atomic run, after the latest earlier year's when its registry is missing
    (that one is an atomic run of its own, built for its data only: D43)."""
    previous = previous_survey_year(year, root)
    if previous is not None and not tables.exists("registry", previous, root):
        # Partnership IDs carry over from earlier registries: build the latest first.
        logger.info(
            "no registry for %d yet: running %d first so that IDs carry over", previous, previous
        )
        try:
            _run_year(previous, root, config, data_only=True)
        except PipelineError as error:
            raise PipelineError(
                f"building the {previous} registry first, which {year}'s partnership IDs carry "
                f"over from, failed: {error} Fix or move {paths.raw_dir(previous, root)} and "
                "run again."
            ) from None
        logger.info("now %d:", year)
    if data_only and paths.report_html(year, root).is_file():
        logger.warning(
            "%s will be removed: a data-only run replaces %d whole, its report too "
            "(`make report YEAR=%d` writes it again)",
            paths.report_html(year, root),
            year,
            year,
        )
    staged = staging.prepare(staging.RUN, year, root)
    try:
        build_year(
            year,
            staged,
            root,
            config.council.council_name,
            failed_root=paths.staged_root(staging.FAILED, year, root),
            data_only=data_only,
        )
    except BaseException:
        staging.keep_failed(year, staged, root)
        raise
    staging.commit(year, staged, root)
    update_database(year, root)
    if data_only:
        logger.info("%s", data_only_line(year))
        return RunResult(None, None, paths.manifest_file(year, root), data_only=True)
    return RunResult(
        paths.report_html(year, root), paths.report_pdf(year, root), paths.manifest_file(year, root)
    )


def update_database(year: int, root: Path) -> None:
    """Rebuild data/processed/partnerships.sqlite now that ``year`` is swapped in (D38).

    Only after the commit, so a failed run never touches it; a failure here leaves the old
    file whole, and the year (already published) is kept: one line says how to rebuild it.
    """
    from pipeline import database

    started = time.perf_counter()
    try:
        counts = database.write_database(root)
    except (PipelineError, OSError, ValueError, sqlite3.Error) as error:
        raise PipelineError(
            f"{year} was published, but {paths.database_file(root)} could not be rebuilt "
            f"({error}); it is as it was. Fix that and run `python -m pipeline database`."
        ) from None
    logger.info("%s (%.1f s)", database.counts_line(counts), time.perf_counter() - started)


class _RemoteTraceback(Exception):
    """The traceback of an error raised in a child process, as its text (the cause)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _die_with_parent(parent: int | None = None) -> None:
    """Have the kernel kill this child when the run that forked it dies (Linux), so a run
    killed part-way leaves no process writing into its staging root (D20); a child whose
    run ``parent`` died before that was set ends at once."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def _sendable(error: BaseException, text: str) -> bytes:
    """``error`` pickled, if the parent can rebuild it from that, else a RuntimeError of its
    traceback ``text`` pickled: an exception whose __init__ takes other arguments than it
    passes on pickles but cannot be unpickled, and would reach the run as an unrelated
    TypeError."""
    try:
        pickled = pickle.dumps(error)
        pickle.loads(pickled)
    except Exception:
        return pickle.dumps(RuntimeError(text))
    return pickled


def _report_back(
    call: Callable[[], dict[str, float]],
    sender: multiprocessing.connection.Connection,
    parent: int,
) -> None:
    """In the child: run ``call`` and send back (True, its seconds, "") or (False, the
    error pickled on its own, its traceback), so the parent always reads the traceback."""
    _die_with_parent(parent)
    try:
        sender.send((True, call(), ""))
    except BaseException as error:  # every failure goes to the parent
        text = traceback.format_exc()
        sender.send((False, _sendable(error, text), text))
    finally:
        sender.close()


@dataclass
class _Child:
    """One call run in a forked child process beside the run (decision D43): the export
    parts are independent, and the machine has two cores. Forked, so the child has every
    module and setting the run has (and nothing is re-imported); it only writes files.

    ``started`` is the run's kill list (``_children``): the child is on it before its
    process starts, so an error or Ctrl-C right after the start still has it killed."""

    call: Callable[[], dict[str, float]]
    started: list[_Child]
    _process: multiprocessing.process.BaseProcess = field(init=False)
    _receiver: multiprocessing.connection.Connection = field(init=False)
    _seconds: dict[str, float] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_report_back, args=(self.call, sender, os.getpid()))
        self.started.append(self)
        try:
            self._process.start()
        finally:
            sender.close()

    def check(self) -> None:
        """Between the run's steps: if the child has ended, take its result now, so a
        failed export stops the run before its next step instead of after the last."""
        if self._seconds is None and multiprocessing.connection.wait(
            [self._process.sentinel], timeout=0
        ):
            self.result()

    def result(self) -> dict[str, float]:
        """Wait for the child (at most CHILD_TIMEOUT_SECONDS, then it is killed); its
        seconds per part, or its error raised here as it was."""
        if self._seconds is not None:  # taken already by check()
            return dict(self._seconds)
        try:
            done, value, text = self._receive()
        finally:
            self._receiver.close()
        self._process.join()
        if done:
            self._seconds = dict(value)
            return dict(value)
        try:
            error = pickle.loads(value)
        except Exception:  # not rebuilt here after all: the child's traceback as text
            raise RuntimeError(f"an export process failed:\n{text}") from None
        if not isinstance(error, PipelineError):
            error.__cause__ = _RemoteTraceback(text)
        raise error

    def _receive(self) -> tuple[bool, Any, str]:
        """The child's message, once it is sent or the child has ended or timed out."""
        if not multiprocessing.connection.wait(
            [self._receiver, self._process.sentinel], CHILD_TIMEOUT_SECONDS
        ):
            self.stop()
            raise PipelineError(
                f"an export process had not finished after {CHILD_TIMEOUT_SECONDS} s and was "
                "stopped; nothing was replaced"
            )
        try:
            done, value, text = self._receiver.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"an export process ended (exit code {self._process.exitcode}) before it "
                "reported; nothing was replaced"
            ) from None
        except Exception as error:  # a message that cannot be read back
            self.stop()
            raise RuntimeError(f"an export process's report could not be read: {error!r}") from None
        return done, value, text

    def close(self) -> None:
        """Kill the child if it still runs and close its pipe (the run failed elsewhere)."""
        self.stop()
        self._receiver.close()

    def stop(self) -> None:
        """Kill the child if it still runs (the run failed elsewhere) and reap it."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


@contextlib.contextmanager
def _children() -> Iterator[list[_Child]]:
    """The children started inside; any still running on the way out is killed and its
    pipe closed, so a failed run's staging root is kept (or a verify's removed) with
    nothing writing to it."""
    started: list[_Child] = []
    try:
        yield started
    finally:
        for child in started:
            child.close()


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def write_documents(year: int, staged: Path, council_name: str) -> dict[str, float]:
    """The exports made from the processed tables alone (open data, the workbook, the
    framework documents) and the web pages of the data stages' notebooks; their seconds.

    The report notebook reads none of them, so they are written while it runs (D43).
    """
    from pipeline import framework, workbook
    from pipeline.report import open_data

    seconds = {
        "open_data": _timed(lambda: open_data.write_open_data(year, council_name, staged)),
        # internal: never published (D39)
        "workbook": _timed(lambda: workbook.write_workbook(year, council_name, staged)),
        "framework": _timed(
            lambda: framework.write_framework(
                framework.Sources.load(staged, year), paths.framework_dir(year, staged)
            )
        ),
    }
    for stage in DATA_STAGES:
        seconds[f"{stage}_html"] = _notebook_html(stage, year, staged)
    return seconds


def _notebook_html(stage: str, year: int, staged: Path) -> float:
    """Write one executed notebook's web page (with its code); its seconds."""
    return _timed(
        lambda: executed_notebooks.export_html(
            paths.executed_notebook(stage, year, staged),
            paths.executed_notebook_html(stage, year, staged),
        )
    )


def _export_report(
    year: int, staged: Path, root: Path, council_name: str, started: list[_Child]
) -> dict[str, float]:
    """The report notebook to HTML, then its PDF in a child process while this one writes
    the report notebook's web page; the seconds of each part."""
    from pipeline.report import export

    title = f"{council_name}: Annual Report on Key Partnerships {year}"
    report_stage = paths.STAGES[-1]
    html = paths.report_html(year, staged)
    seconds = {
        "report_html": _timed(
            lambda: export.export_html(
                paths.executed_notebook(report_stage, year, staged), html, title=title
            )
        )
    }

    def pdf() -> dict[str, float]:
        return {
            "report_pdf": _timed(
                lambda: export.export_pdf(
                    html, paths.report_pdf(year, staged), published_as=paths.report_html(year, root)
                )
            )
        }

    rendering = _Child(pdf, started)
    seconds[f"{report_stage}_html"] = _notebook_html(report_stage, year, staged)
    return seconds | rendering.result()


def build_year(
    year: int,
    staged: Path,
    root: Path,
    council_name: str,
    *,
    failed_root: Path | None = None,
    data_only: bool = False,
) -> Path:
    """Run the four stages and the exports of ``year`` in the staging root ``staged`` (see
    pipeline/staging.py) as the year published under ``root``, and write its manifest there;
    with ``data_only``, the stages up to the evaluation and no export (D43).

    Returns the staged manifest. Nothing under ``root`` is written. A failing stage names
    its notebook as kept under ``failed_root``.
    """
    kernel = ensure_kernel()
    started_at = dt.datetime.now().astimezone()
    inputs = provenance.run_inputs(year, staged)
    timings: dict[str, float] = {}
    parts: dict[str, float] = {}
    stages = DATA_STAGES if data_only else paths.STAGES
    with _children() as started:
        documents: _Child | None = None
        for number, stage in enumerate(stages, start=1):
            if stage not in DATA_STAGES:  # the report: the other exports beside it
                documents = _Child(lambda: write_documents(year, staged, council_name), started)
            logger.info("[%d/%d] %s ...", number, len(stages), stage)
            timings[stage] = execute_stage(
                stage, year, staged, kernel, council_name, root=root, failed_root=failed_root
            )
            logger.info("[%d/%d] %s done in %.1f s", number, len(stages), stage, timings[stage])
            line = tables.read_summary(stage, year, staged)
            if line:
                logger.info("      %s", line)
        if documents is not None:
            documents.check()  # a failed documents child stops the run here, not after the PDF
            logger.info("exporting the report to HTML and PDF ...")
            export_started = time.perf_counter()
            parts = _export_report(year, staged, root, council_name, started)
            parts |= documents.result()
            timings["export"] = time.perf_counter() - export_started
    changed = provenance.changed_inputs(inputs, provenance.run_inputs(year, staged))
    if changed:
        raise PipelineError(
            f"{changed[0]} during the run, so the outputs may mix two versions of it: "
            "nothing was replaced; run again."
        )
    return write_manifest(
        year, staged, root, started_at, timings, inputs, data_only=data_only, export_parts=parts
    )


def write_manifest(
    year: int,
    staged: Path,
    root: Path,
    started_at: dt.datetime,
    timings: dict[str, float],
    inputs: list[dict[str, str | int]],
    *,
    data_only: bool = False,
    export_parts: dict[str, float] | None = None,
) -> Path:
    """The run manifest (decision D21), the only output that carries real times: every input
    the run read and every file it wrote (data/processed/<year> and outputs/<year>), each
    by its path under the root with its size and SHA-256.

    ``seconds`` holds each stage's and the export's wall time (they add up to the run);
    ``export_seconds`` each export part's own time (parts run side by side, so they do
    not add up). A year built for its data only says so (``data_only``, D43)."""
    path = paths.manifest_file(year, staged)
    record: dict[str, object] = {
        "year": year,
        "root": str(root),
        "data_only": data_only,
    }
    if data_only:
        record["built_for"] = (
            f"its data only: the stages {', '.join(DATA_STAGES)}, their tables and executed "
            f"notebooks (the outputs below); `make report YEAR={year}` writes its report, "
            "the notebooks' web pages, open data, workbook and framework documents"
        )
    record |= {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": {stage: round(t, 2) for stage, t in timings.items()},
        "export_seconds": {part: round(t, 2) for part, t in (export_parts or {}).items()},
        "commit": provenance.code_commit(),
        "python": sys.version.split()[0],
        "packages": provenance.package_versions().set_index("Package")["Version"].to_dict(),
        "inputs": inputs,
        "outputs": provenance.file_records(provenance.output_files(year, staged), staged),
    }
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
