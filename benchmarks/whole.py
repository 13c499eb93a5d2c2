"""The whole `make report` run against its floor (issue 20, must-haves 1a and 2a; D43).

In a temporary root (a copy of config/ and every sample year's exports), in one benchmark run,
in this order:

- clean: `python -m pipeline run` (a subprocess, as `make report` runs it) from a root with
  no outputs, so every sample year is built (the earlier ones for their data only);
- the floor: the same machinery doing nothing, in a fresh interpreter as the run is: four
  papermill runs of an empty parameterised notebook on the run's kernel, one nbconvert HTML
  export of it (the run's notebook page) and one WeasyPrint page. It runs twice and the
  faster time is kept (FLOOR_TRIES), so a stray pause on the shared machine does not lower
  the bar;
- warm: the same command as clean again over the finished root (the latest year only).

The floor runs after the clean run and right before the warm one, so both find the same
warm caches (OS page cache, imported files, kernel spec): a floor timed first, on cold
caches, would flatter the warm run against it.

Targets: warm at most 1.5 x the floor; clean at most 2 x warm (its row's "floor s" is the
warm run's seconds). `python benchmarks/whole.py` prints the table and, under it, where the
warm run's time went, from its manifest's seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from table import Row, format_table  # noqa: E402

from pipeline import paths, sample  # noqa: E402

WARM_TARGET = 1.5  # x the floor
CLEAN_TARGET = 2.0  # x the warm run
EMPTY_RUNS = 4  # one per stage notebook
FLOOR_TRIES = 2  # the floor's fastest of this many runs


def _environment() -> dict[str, str]:
    """The benchmark's own code for the subprocesses, whatever the caller's folder."""
    here = str(paths.ROOT)
    inherited = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": here + (os.pathsep + inherited if inherited else "")}


def sample_root(base: Path) -> Path:
    """config/ and every sample year's exports, as the repository has them."""
    return sample.copy_sample_root(base / "root")


def _empty_notebook(path: Path) -> Path:
    """A notebook with only a parameters cell (the stage notebooks' parameters)."""
    cell = nbformat.v4.new_code_cell("year = None\ncouncil_name = None\nroot = None")
    cell.metadata["tags"] = ["parameters"]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    stage = nbformat.read(paths.source_notebook(paths.STAGES[0]), as_version=4)
    notebook.metadata["kernelspec"] = stage.metadata["kernelspec"]  # the stages' kernel
    nbformat.write(notebook, path)
    return path


def floor_work(folder: Path) -> None:
    """What the floor times: the run's machinery on an empty notebook (in a fresh process)."""
    import papermill

    from pipeline import executed, run
    from pipeline.report import export

    kernel = run.ensure_kernel()
    empty = _empty_notebook(folder / "empty.ipynb")
    for number in range(1, EMPTY_RUNS + 1):
        papermill.execute_notebook(
            str(empty),
            str(folder / f"empty-{number}.ipynb"),
            parameters={"year": 2025, "council_name": "Floor", "root": str(folder)},
            kernel_name=kernel,
            progress_bar=False,
            record_timing=False,
            cwd=str(folder),
        )
    executed.export_html(folder / f"empty-{EMPTY_RUNS}.ipynb", folder / "empty.html")
    page = folder / "page.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en-GB"><head><title>Floor</title></head>'
        "<body><h1>Floor</h1><p>One page.</p></body></html>\n",
        encoding="utf-8",
    )
    export.export_pdf(page, folder / "page.pdf")


def _timed_command(command: list[str], what: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env=_environment(), cwd=paths.ROOT
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{what} failed (exit {done.returncode}):\n{done.stderr}")
    return seconds


def _floor(folder: Path) -> float:
    """One timing of the floor, in a fresh interpreter writing into ``folder``."""
    folder.mkdir()
    return _timed_command(
        [sys.executable, str(Path(__file__).resolve()), "--floor", str(folder)], "floor"
    )


def _pipeline_run(root: Path, year: int) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", "--year", str(year), "--root", str(root)]


def measure_in(base: Path) -> tuple[list[Row], Path]:
    """The clean run, the floor (fastest of FLOOR_TRIES) and the warm run under ``base``, in
    that order (the floor and the warm run on the same warm caches); the rows and the root."""
    year = max(sample.SAMPLE_YEARS)
    root = sample_root(base)
    clean = _timed_command(_pipeline_run(root, year), "the clean run")
    floor = min(_floor(base / f"floor-{number}") for number in range(1, FLOOR_TRIES + 1))
    warm = _timed_command(_pipeline_run(root, year), "the warm run")
    years = "-".join(str(y) for y in (min(sample.SAMPLE_YEARS), year))
    rows = [
        Row(
            f"floor ({EMPTY_RUNS} empty papermill runs, 1 nbconvert, 1 WeasyPrint page; "
            f"fastest of {FLOOR_TRIES})",
            None,
            floor,
        ),
        Row(
            f"clean `pipeline run` ({years}; floor s = warm)",
            None,
            clean,
            floor_seconds=warm,
            target=f"≤ {CLEAN_TARGET:g} × warm",
            met=clean <= CLEAN_TARGET * warm,
        ),
        Row(
            f"warm `pipeline run` ({year})",
            None,
            warm,
            floor_seconds=floor,
            target=f"≤ {WARM_TARGET:g} × floor",
            met=warm <= WARM_TARGET * floor,
        ),
    ]
    return rows, root


def measure() -> list[Row]:
    """The rows for benchmarks/run.py's table (floor, clean, warm; timed clean, floor,
    warm)."""
    with tempfile.TemporaryDirectory(prefix="bench-whole-") as folder:
        rows, root = measure_in(Path(folder))
        # where the warm run's time went, for docs/performance.md (its root is temporary)
        print(breakdown(paths.manifest_file(max(sample.SAMPLE_YEARS), root)), flush=True)
    return rows


def breakdown(manifest_path: Path) -> str:
    """Where a run's time went, from its manifest: each stage and the export phase (they
    add up to the run), then each export part (run side by side: they do not add up)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    seconds: dict[str, float] = manifest["seconds"]
    parts: dict[str, float] = manifest.get("export_seconds", {})
    lines = [f"Where the warm run's {sum(seconds.values()):.1f} s of stages and export went:"]
    lines += [f"  {name:<28} {value:6.1f} s" for name, value in seconds.items()]
    if parts:
        lines.append("  export parts (side by side, with the report stage and each other):")
        lines += [f"    {name:<26} {value:6.1f} s" for name, value in parts.items()]
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--floor"]:
        floor_work(Path(sys.argv[2]))
        return
    with tempfile.TemporaryDirectory(prefix="bench-whole-") as folder:
        rows, root = measure_in(Path(folder))
        print(format_table(rows))
        print()
        print(breakdown(paths.manifest_file(max(sample.SAMPLE_YEARS), root)))


if __name__ == "__main__":
    main()
