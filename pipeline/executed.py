"""Executed stage notebooks as auditors keep them: byte-identical across reruns, and as HTML.

papermill stamps times, durations and its own paths into an executed notebook, gives the
cell it injects a random id, and the run passes the staging root (decision D20) as the
``root`` parameter, which the stages print in the paths they write. The saved notebook has
none of these: the staging root is written as the root the year is published in, so the
saved copy is the same whether it ran in staging, in verify's folder or in a rerun
(decision D20). Each notebook is also written as one HTML page with its code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from pipeline import paths

TEMPLATE_NAME = "executed"
INJECTED_TAG = "injected-parameters"
_TIMING_KEYS = ("papermill", "execution")  # each cell's; the notebook's "papermill" too


def _rewritten(value: Any, old: str, new: str) -> Any:
    """``value`` (a notebook's JSON) with every ``old`` in its strings written ``new``."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_rewritten(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _rewritten(item, old, new) for key, item in value.items()}
    return value


def without_run_details(
    notebook: nbformat.NotebookNode, ran_in: Path, root: Path
) -> nbformat.NotebookNode:
    """A copy without papermill's metadata and cell timings, the injected cell's random id
    made fixed, and the folder it ran in (``ran_in``) written as ``root``."""
    cleaned = nbformat.from_dict(_rewritten(dict(notebook), str(ran_in), str(root)))
    cleaned.metadata.pop("papermill", None)
    for cell in cleaned.cells:
        for key in _TIMING_KEYS:
            cell.metadata.pop(key, None)
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_TAG
    return cleaned


def finalise(executed: Path, ran_in: Path, root: Path) -> Path:
    """Rewrite an executed notebook in place as auditors keep it (see the module docstring)."""
    notebook = nbformat.read(executed, as_version=4)
    nbformat.write(without_run_details(notebook, ran_in, root), executed)
    return executed


@cache
def _exporter() -> HTMLExporter:
    """One exporter for every notebook of the process: its templates (nbconvert's lab
    template and ours) are found and compiled once, not once a notebook."""
    return HTMLExporter(
        extra_template_basedirs=[str(paths.report_template_dir())],
        template_name=TEMPLATE_NAME,
        embed_images=True,
    )


def export_html(executed: Path, html_path: Path) -> Path:
    """Write an executed notebook as one HTML page with its code and outputs, loading
    nothing from elsewhere; the same notebook always gives the same bytes."""
    notebook = nbformat.read(executed, as_version=4)
    resources = {"metadata": {"name": executed.stem, "path": str(executed.parent)}}

    body, _ = _exporter().from_notebook_node(notebook, resources=resources)

    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8", newline="\n")
    return html_path
