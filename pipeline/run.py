"""Runs the pipeline: the four stage notebooks in order with papermill, then the exports.

Each year is built in a staging root and swapped in whole (decision D20). Stops at the first
failing stage, naming the notebook, the cell and the executed copy (kept under
.staging/failed-<year>/) where the auditor can read what happened.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline import executed as executed_notebooks
from pipeline import paths, provenance, settings, staging, tables
from pipeline.errors import PipelineError

logger = logging.getLogger(__name__)

KERNEL_NAME = "partnerships"
MIN_YEAR, MAX_YEAR = 2000, 2100
KERNEL_DISPLAY_NAME = "Python (partnerships pipeline)"


@dataclass(frozen=True)
class RunResult:
    html: Path
    pdf: Path
    manifest: Path


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


def run_pipeline(year: int | None = None, root: Path | str | None = None) -> RunResult:
    """Run ingest, validate, evaluate and the report for one year, then export HTML and PDF.

    The year is built in a staging root and swapped in only when all of it has succeeded
    (decision D20); a failure leaves the year's earlier outputs as they were.
    """
    finish_cut_short_swap(paths.resolve_root(root))
    year, base, config = check_run(year, root)
    with staging.locked(base):
        staging.recover(base)
        return _run_year(year, base, config)


def finish_cut_short_swap(root: Path) -> None:
    """Finish a swap that a killed run cut short, before this run's parameters are checked:
    a year must never stay half swapped in because the next run's year or config is wrong
    (D20). Writes nothing when no run has used the root's .staging/ yet."""
    if paths.staging_dir(root).is_dir():
        with staging.locked(root):
            staging.recover(root)


def _run_year(year: int, root: Path, config: settings.Settings) -> RunResult:
    """One year's atomic run, after the latest earlier year's when its registry is missing
    (that one is an atomic run of its own)."""
    previous = previous_survey_year(year, root)
    if previous is not None and not tables.exists("registry", previous, root):
        # Partnership IDs carry over from earlier registries: build the latest first.
        logger.info(
            "no registry for %d yet: running %d first so that IDs carry over", previous, previous
        )
        try:
            _run_year(previous, root, config)
        except PipelineError as error:
            raise PipelineError(
                f"building the {previous} registry first, which {year}'s partnership IDs carry "
                f"over from, failed: {error} Fix or move {paths.raw_dir(previous, root)} and "
                "run again."
            ) from None
        logger.info("now %d:", year)
    staged = staging.prepare(staging.RUN, year, root)
    try:
        build_year(
            year,
            staged,
            root,
            config.council.council_name,
            failed_root=paths.staged_root(staging.FAILED, year, root),
        )
    except BaseException:
        staging.keep_failed(year, staged, root)
        raise
    staging.commit(year, staged, root)
    update_database(year, root)
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


def build_year(
    year: int, staged: Path, root: Path, council_name: str, *, failed_root: Path | None = None
) -> Path:
    """Run the four stages and the exports of ``year`` in the staging root ``staged`` (see
    pipeline/staging.py) as the year published under ``root``, and write its manifest there.

    Returns the staged manifest. Nothing under ``root`` is written. A failing stage names
    its notebook as kept under ``failed_root``.
    """
    from pipeline import framework, workbook
    from pipeline.report import export, open_data

    kernel = ensure_kernel()
    started_at = dt.datetime.now().astimezone()
    inputs = provenance.run_inputs(year, staged)
    timings: dict[str, float] = {}
    for number, stage in enumerate(paths.STAGES, start=1):
        logger.info("[%d/%d] %s ...", number, len(paths.STAGES), stage)
        timings[stage] = execute_stage(
            stage, year, staged, kernel, council_name, root=root, failed_root=failed_root
        )
        logger.info("[%d/%d] %s done in %.1f s", number, len(paths.STAGES), stage, timings[stage])
        line = tables.read_summary(stage, year, staged)
        if line:
            logger.info("      %s", line)
    logger.info("exporting the report to HTML and PDF ...")
    title = f"{council_name}: Annual Report on Key Partnerships {year}"
    export_started = time.perf_counter()
    html = export.export_html(
        paths.executed_notebook(paths.STAGES[-1], year, staged),
        paths.report_html(year, staged),
        title=title,
    )
    export.export_pdf(
        html, paths.report_pdf(year, staged), published_as=paths.report_html(year, root)
    )
    open_data.write_open_data(year, council_name, staged)
    workbook.write_workbook(year, council_name, staged)  # internal: never published (D39)
    framework.write_framework(
        framework.Sources.load(staged, year), paths.framework_dir(year, staged)
    )
    for stage in paths.STAGES:
        executed_notebooks.export_html(
            paths.executed_notebook(stage, year, staged),
            paths.executed_notebook_html(stage, year, staged),
        )
    timings["export"] = time.perf_counter() - export_started
    changed = provenance.changed_inputs(inputs, provenance.run_inputs(year, staged))
    if changed:
        raise PipelineError(
            f"{changed[0]} during the run, so the outputs may mix two versions of it: "
            "nothing was replaced; run again."
        )
    return write_manifest(year, staged, root, started_at, timings, inputs)


def write_manifest(
    year: int,
    staged: Path,
    root: Path,
    started_at: dt.datetime,
    timings: dict[str, float],
    inputs: list[dict[str, str | int]],
) -> Path:
    """The run manifest (decision D21), the only output that carries real times: every input
    the run read and every file it wrote (data/processed/<year> and outputs/<year>), each
    by its path under the root with its size and SHA-256."""
    path = paths.manifest_file(year, staged)
    record = {
        "year": year,
        "root": str(root),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": {stage: round(t, 2) for stage, t in timings.items()},
        "commit": provenance.code_commit(),
        "python": sys.version.split()[0],
        "packages": provenance.package_versions().set_index("Package")["Version"].to_dict(),
        "inputs": inputs,
        "outputs": provenance.file_records(provenance.output_files(year, staged), staged),
    }
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
