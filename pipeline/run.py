"""Runs the pipeline: the four stage notebooks in order with papermill, then the exports.

Stops at the first failing stage, naming the notebook, the cell and the executed copy
(under outputs/<year>/notebooks/) where the auditor can read what happened.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline import paths, provenance, settings, tables
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


def _failure(stage: str, executed: Path, error: Exception) -> PipelineError:
    """One line naming the notebook, the cell and the error; the user's own errors plainly."""
    cell = getattr(error, "exec_count", None)
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    where = f"{stage}.ipynb cell [{cell}]" if cell else f"{stage}.ipynb"
    if ename == "PipelineError":
        return PipelineError(f"{evalue} (stage {where}; executed notebook: {executed})")
    return PipelineError(
        f"stage {where} failed with {ename}: {evalue}. "
        f"Open the executed notebook to see the cell: {executed}"
    )


def execute_stage(
    stage: str, year: int, root: Path | None, kernel: str, council_name: str
) -> float:
    """Execute one stage notebook into outputs/<year>/notebooks/; return its seconds."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed = paths.executed_notebook(stage, year, root)
    executed.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(paths.source_notebook(stage)),
            str(executed),
            parameters={
                "year": year,
                "council_name": council_name,
                "root": None if root is None else str(root),
            },
            kernel_name=kernel,
            progress_bar=False,
            cwd=str(paths.NOTEBOOKS_DIR),
        )
    except PapermillExecutionError as error:
        raise _failure(stage, executed, error) from None
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


def run_pipeline(year: int | None = None, root: Path | str | None = None) -> RunResult:
    """Run ingest, validate, evaluate and the report for one year, then export HTML and PDF."""
    from pipeline.report import export, open_data

    base = None if root is None else paths.resolve_root(root)
    config = settings.load(base)  # every config file, strictly, before any stage runs
    year = config.council.default_year if year is None else year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PipelineError(f"--year {year} is not a survey year: give one such as 2025.")
    if not paths.raw_exports(year, base):
        raise PipelineError(
            f"No survey exports for {year} in {paths.raw_dir(year, base)}: put the year's "
            "CSV or XLSX downloads there, or run `make sample` for the embedded sample."
        )
    previous = previous_survey_year(year, base)
    if previous is not None and not tables.exists("registry", previous, base):
        # Partnership IDs carry over from earlier registries: build the latest first.
        logger.info(
            "no registry for %d yet: running %d first so that IDs carry over", previous, previous
        )
        try:
            run_pipeline(previous, root)
        except PipelineError as error:
            raise PipelineError(
                f"building the {previous} registry first, which {year}'s partnership IDs carry "
                f"over from, failed: {error} Fix or move {paths.raw_dir(previous, base)} and "
                "run again."
            ) from None
        logger.info("now %d:", year)
    kernel = ensure_kernel()
    started_at = dt.datetime.now().astimezone()
    timings: dict[str, float] = {}
    for number, stage in enumerate(paths.STAGES, start=1):
        logger.info("[%d/%d] %s ...", number, len(paths.STAGES), stage)
        timings[stage] = execute_stage(stage, year, base, kernel, config.council.council_name)
        logger.info("[%d/%d] %s done in %.1f s", number, len(paths.STAGES), stage, timings[stage])
        line = tables.read_summary(stage, year, base)
        if line:
            logger.info("      %s", line)
    logger.info("exporting the report to HTML and PDF ...")
    title = f"{config.council.council_name}: Annual Report on Key Partnerships {year}"
    export_started = time.perf_counter()
    html = export.export_html(
        paths.executed_notebook(paths.STAGES[-1], year, base),
        paths.report_html(year, base),
        title=title,
    )
    pdf = export.export_pdf(html, paths.report_pdf(year, base))
    published = open_data.write_open_data(year, config.council.council_name, base)
    timings["export"] = time.perf_counter() - export_started
    manifest = write_manifest(year, base, started_at, timings, [html, pdf, *published])
    return RunResult(html, pdf, manifest)


def write_manifest(
    year: int,
    root: Path | None,
    started_at: dt.datetime,
    timings: dict[str, float],
    outputs: list[Path],
) -> Path:
    """The run manifest: the only output that carries real times."""
    path = paths.manifest_file(year, root)
    record = {
        "year": year,
        "root": str(paths.resolve_root(root)),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": {stage: round(t, 2) for stage, t in timings.items()},
        "commit": provenance.code_commit(),
        "python": sys.version.split()[0],
        "packages": provenance.package_versions().set_index("Package")["Version"].to_dict(),
        "inputs": provenance.input_files(year, root).to_dict(orient="records"),
        "outputs": [
            {"file": str(p.relative_to(paths.resolve_root(root))), "sha256": provenance.sha256(p)}
            for p in outputs
        ],
    }
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
