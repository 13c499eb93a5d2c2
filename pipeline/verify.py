"""`python -m pipeline verify outputs/<year>/manifest.json`: prove a year's outputs (decision D21).

First every input the manifest names (exports, config files, earlier years' files) is hashed
again: an input changed, removed or added since the run is named and nothing is re-run.
Then the year is re-run in a staging root of its own (.staging/verify-<year>/, the run's
machinery, never swapped in, always removed) and every output is compared three ways: the
published file, the manifest's SHA-256 and the rerun's file. The answer is "identical", or
the first file that differs with, for text, the line number and both lines (for binary
files, the byte offset). A year built for its data only (D43) is re-run for its data only,
and its outputs are the tables and executed notebooks its manifest lists.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import council, paths, provenance, run, staging
from pipeline.errors import PipelineError

logger = logging.getLogger(__name__)

_SHOWN = 200  # characters of a differing line that are printed


@dataclass(frozen=True)
class Verdict:
    """What verify found: ``identical``, or the lines that say what differs."""

    identical: bool
    lines: tuple[str, ...]


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest, checked for what verify needs; a problem is one line naming the file."""
    if not path.is_file():
        raise PipelineError(f"{path}: no such manifest; give outputs/<year>/manifest.json.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PipelineError(f"{path}: not a manifest (not JSON: {error}).") from None
    needed = {"year", "root", "inputs", "outputs"}
    if not isinstance(manifest, dict) or not needed <= manifest.keys():
        raise PipelineError(
            f"{path}: not a run manifest (it needs {', '.join(sorted(needed))}); "
            "run the year again to write one."
        )
    for record in [*manifest["inputs"], *manifest["outputs"]]:
        if not isinstance(record, dict) or not {"file", "sha256"} <= record.keys():
            raise PipelineError(
                f"{path}: an input or output without 'file' and 'sha256' ({record!r}); "
                "written by an older version: run the year again."
            )
    return manifest


def _root_of(manifest_path: Path, year: int) -> Path:
    """The root a manifest belongs to: the folder holding outputs/<year>/manifest.json."""
    resolved = manifest_path.resolve()
    root = resolved.parents[2] if len(resolved.parents) > 2 else resolved.parent
    if paths.manifest_file(year, root) != resolved:
        raise PipelineError(
            f"{manifest_path}: a manifest of {year} must be at outputs/{year}/manifest.json "
            "under the root it describes."
        )
    return root


def _shown(line: str) -> str:
    return line if len(line) <= _SHOWN else line[:_SHOWN] + "…"


def _lines(content: bytes) -> list[str] | None:
    """A file's lines when it is text (UTF-8 without NUL bytes), else None."""
    if b"\0" in content:
        return None
    try:
        return content.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None


def first_difference(published: Path, rerun: Path) -> tuple[str, ...]:
    """Where two files first differ: the line and both lines for text, else the byte offset."""
    old, new = published.read_bytes(), rerun.read_bytes()
    old_lines, new_lines = _lines(old), _lines(new)
    if old_lines is None or new_lines is None:
        offset = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        return (f"  first different byte at offset {offset} ({len(old)} vs {len(new)} bytes)",)
    end = "(end of file)"
    for number in range(1, max(len(old_lines), len(new_lines)) + 1):
        before = old_lines[number - 1] if number <= len(old_lines) else end
        after = new_lines[number - 1] if number <= len(new_lines) else end
        if before != after:
            return (
                f"  line {number}",
                f"  published: {_shown(before)}",
                f"  rerun:     {_shown(after)}",
            )
    return ("  the lines are the same; only line endings differ",)


def _outputs(year: int, root: Path) -> dict[str, Path]:
    return {f.relative_to(root).as_posix(): f for f in provenance.output_files(year, root)}


def compare_outputs(manifest: dict[str, Any], root: Path, staged: Path) -> tuple[str, ...]:
    """The first output that differs among the manifest's list, the published files under
    ``root`` and the rerun's under ``staged``; empty when all agree."""
    year = int(manifest["year"])  # every output is compared, the Data Docs too (D26)
    listed = {str(r["file"]): str(r["sha256"]) for r in manifest["outputs"]}
    published, rerun = _outputs(year, root), _outputs(year, staged)
    for name in sorted(listed.keys() | published.keys() | rerun.keys()):
        if name not in listed:
            where = "the published outputs" if name in published else "the rerun's outputs"
            return (f"{name}: in {where} but not in the manifest",)
        if name not in published:
            return (f"{name}: in the manifest but missing from the published outputs",)
        if name not in rerun:
            return (f"{name}: in the manifest but the rerun did not write it",)
        old, new = provenance.sha256(published[name]), provenance.sha256(rerun[name])
        if old != new:
            return (f"{name} differs:", *first_difference(published[name], rerun[name]))
        if old != listed[name]:
            return (
                f"{name}: the published file and the rerun agree, but not with the "
                "manifest's SHA-256 (was the manifest edited?)",
            )
    return ()


def manifest_of(year: int | None, root: Path | str | None = None) -> Path:
    """A year's manifest: outputs/<year>/manifest.json, council.yaml's default year if None."""
    if year is None:
        year = council.load(root).default_year
    return paths.manifest_file(year, root)


def verify(manifest_path: Path) -> Verdict:
    """Check the manifest's inputs, re-run its year in staging, compare every output."""
    started = time.perf_counter()
    manifest = read_manifest(manifest_path)
    year = int(manifest["year"])
    root = _root_of(manifest_path, year)
    run.finish_cut_short_swap(root)  # before anything is hashed
    changed = provenance.changed_inputs(manifest["inputs"], provenance.run_inputs(year, root))
    if changed:
        return Verdict(
            False,
            tuple(f"input {change} since the run" for change in changed)
            + ("not re-run: the manifest's outputs came from other inputs",),
        )
    year, root, config = run.check_run(year, root)
    code = provenance.code_commit()
    if manifest.get("commit") not in (None, code):
        logger.warning(
            "the code is at %s but the run was at %s: a difference may come from the code",
            code,
            manifest["commit"],
        )
    with staging.locked(root):
        staging.recover(root)
        staged = staging.prepare(staging.VERIFY, year, root)
        try:
            run.build_year(
                year,
                staged,
                Path(manifest["root"]),
                config.council.council_name,
                data_only=manifest.get("data_only") is True,  # what it has (D43)
            )
            difference = compare_outputs(manifest, root, staged)
        finally:
            staging.discard(staged)
    logger.info("verify took %.0f s", time.perf_counter() - started)
    return Verdict(not difference, difference or ("identical",))
