"""Executed stage notebooks as auditors keep them: no run details, and as HTML with code.

The notebooks here are built with nbformat as papermill leaves them (its metadata, cell
timings, a random id on the injected cell, the staging root in parameters and outputs); the
end-to-end tests check the real executed notebooks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipeline import executed

STAGED = Path("/data/.staging/run-2025-4242")
ROOT = Path("/data")


def _as_papermill_leaves_it(staged: Path = STAGED, seed: str = "a") -> nbformat.NotebookNode:
    timing = {"start_time": f"2026-01-0{len(seed)}T10:00:00", "duration": 1.5 * len(seed)}
    injected = new_code_cell(f'year = 2025\nroot = "{staged}"\n')
    injected.metadata = {"tags": ["injected-parameters"], "papermill": timing}
    injected["id"] = f"{seed}1b2c3d4"
    work = new_code_cell(
        "written = ingest.write_ingested(...)\n[str(p) for p in written]",
        execution_count=3,
        outputs=[
            new_output(
                "execute_result",
                {"text/plain": f"['{staged}/data/processed/2025/returns.csv']"},
                execution_count=3,
            )
        ],
    )
    work.metadata = {"papermill": timing, "execution": {"iopub.status.busy": seed}}
    work["id"] = "work"
    prose = new_markdown_cell("# Stage 1: ingest\nCheck the files read.")
    prose["id"] = "prose"  # a source notebook's ids are fixed; papermill keeps them
    notebook = new_notebook(
        cells=[prose, injected, work],
        metadata={
            "title": "Stage 1: ingest",
            "papermill": {"parameters": {"root": str(staged)}, **timing},
        },
    )
    return notebook


def test_saved_notebook_has_no_papermill_times_and_names_the_published_root():
    cleaned = executed.without_run_details(_as_papermill_leaves_it(), STAGED, ROOT)

    text = json.dumps(cleaned)
    assert "papermill" not in text and "execution" not in cleaned.cells[2].metadata
    assert ".staging" not in text
    assert cleaned.cells[1].source == 'year = 2025\nroot = "/data"\n'
    assert cleaned.cells[2].outputs[0]["data"]["text/plain"] == (
        "['/data/data/processed/2025/returns.csv']"
    )
    assert cleaned.cells[1]["id"] == "injected-parameters"
    assert cleaned.metadata["title"] == "Stage 1: ingest"


def test_saved_notebook_is_byte_identical_wherever_and_whenever_it_ran(tmp_path):
    first, second = tmp_path / "first.ipynb", tmp_path / "second.ipynb"
    nbformat.write(_as_papermill_leaves_it(STAGED, "a"), first)
    other = Path("/data/.staging/verify-2025-99")
    nbformat.write(_as_papermill_leaves_it(other, "bb"), second)

    executed.finalise(first, STAGED, ROOT)
    executed.finalise(second, other, ROOT)

    assert first.read_bytes() == second.read_bytes()


def test_notebook_html_shows_the_code_and_loads_nothing_from_elsewhere(tmp_path):
    notebook = tmp_path / "01_ingest.ipynb"
    nbformat.write(executed.without_run_details(_as_papermill_leaves_it(), STAGED, ROOT), notebook)

    page = executed.export_html(notebook, tmp_path / "01_ingest.html").read_text(encoding="utf-8")

    assert '<html lang="en-GB">' in page
    assert "<title>Stage 1: ingest</title>" in page
    assert "write_ingested" in page and "returns.csv" in page  # code and output
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=[\"']?(https?:)?//", page)
    assert "<script" not in page


def test_notebook_html_is_byte_identical_on_reruns(tmp_path):
    notebook = tmp_path / "01_ingest.ipynb"
    nbformat.write(executed.without_run_details(_as_papermill_leaves_it(), STAGED, ROOT), notebook)

    first = executed.export_html(notebook, tmp_path / "first.html").read_bytes()
    second = executed.export_html(notebook, tmp_path / "second.html").read_bytes()

    assert first == second
