"""What a run was made from: input file hashes, package versions and the code's commit.

The report's method section prints these so that an auditor can reproduce every number;
none of them is a time, so the report's body stays byte-identical across reruns.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

import pandas as pd

from pipeline import lineage, paths, tables

_DISTRIBUTION = "partnerships-pipeline"
_COMPUTED_WITH = ("numpy",)  # not declared, but every number passes through it


def _runtime_packages() -> list[str]:
    """Every package the pipeline declares it runs on (pyproject's dependencies), so that no
    reader of the exports (python-calamine, say) is left out of the recorded versions. Read
    from pyproject.toml itself, which an installed copy's metadata can lag behind."""
    project = paths.ROOT / "pyproject.toml"
    if project.is_file():
        declared = tomllib.loads(project.read_text(encoding="utf-8"))["project"]["dependencies"]
    else:
        declared = [r for r in metadata.requires(_DISTRIBUTION) or [] if "extra ==" not in r]
    names = [re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0] for requirement in declared]
    return sorted({*names, *_COMPUTED_WITH}, key=str.casefold)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _exports_and_config(year: int, root: Path | str | None = None) -> list[Path]:
    config = [
        paths.protocol_file(root),
        paths.toolkit_file(root),
        paths.council_file(root),
        paths.aliases_file(root),
    ]
    # A dangling link or unreadable export is named by ingest, which stops the run.
    return [f for f in paths.raw_exports(year, root) + config if f.is_file()]


def input_files(year: int, root: Path | str | None = None) -> pd.DataFrame:
    """Every export and config file the run read, with its size and SHA-256."""
    base = paths.resolve_root(root)
    return pd.DataFrame(
        [
            {"File": str(f.relative_to(base)), "Bytes": f.stat().st_size, "SHA-256": sha256(f)}
            for f in _exports_and_config(year, root)
        ],
        columns=["File", "Bytes", "SHA-256"],
    )


def earlier_year_files(year: int, root: Path | str | None = None) -> list[Path]:
    """The files of earlier years that a run of ``year`` reads: every earlier registry and
    id_history (partnership IDs, decision D7) and last year's evaluation (changes since)."""
    files = [
        tables.path(name, earlier, root)
        for earlier in lineage.earlier_years(year, root)
        for name in ("registry", "id_history")
    ]
    files.append(tables.path("evaluation", year - 1, root))
    return sorted({f for f in files if f.is_file()})


FileRecord = dict[str, str | int]


def file_records(files: list[Path], root: Path | str | None = None) -> list[FileRecord]:
    """Each file by its path under the root, with its size and SHA-256 (as the manifest)."""
    base = paths.resolve_root(root)
    return [
        {"file": f.relative_to(base).as_posix(), "bytes": f.stat().st_size, "sha256": sha256(f)}
        for f in files
    ]


def run_inputs(year: int, root: Path | str | None = None) -> list[FileRecord]:
    """Everything a run of ``year`` reads: each export, each config file and each earlier
    year's file it reads (``earlier_year_files``)."""
    return file_records(_exports_and_config(year, root) + earlier_year_files(year, root), root)


def changed_inputs(recorded: list[FileRecord], current: list[FileRecord]) -> list[str]:
    """What differs between two lists of inputs, one phrase per file, in path order: a file
    changed, gone or new."""
    before = {str(r["file"]): r["sha256"] for r in recorded}
    now = {str(r["file"]): r["sha256"] for r in current}
    changes = []
    for name in sorted(before.keys() | now.keys()):
        if name not in now:
            changes.append(f"{name} was removed")
        elif name not in before:
            changes.append(f"{name} was added")
        elif before[name] != now[name]:
            changes.append(
                f"{name} changed (SHA-256 {str(before[name])[:12]}… is now {str(now[name])[:12]}…)"
            )
    return changes


def output_files(year: int, root: Path | str | None = None) -> list[Path]:
    """Every file a run of ``year`` writes: all of data/processed/<year> and outputs/<year>
    but the manifest, which records them (sorted by path)."""
    folders = (paths.processed_dir(year, root), paths.outputs_dir(year, root))
    manifest = paths.manifest_file(year, root)
    return sorted(
        f for folder in folders for f in folder.rglob("*") if f.is_file() and f != manifest
    )


def package_versions() -> pd.DataFrame:
    rows = []
    for name in _runtime_packages():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append({"Package": name, "Version": version})
    return pd.DataFrame(rows)


def code_commit() -> str:
    """The repository's commit, with "+changes" when the work tree differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=paths.ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=paths.ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"{commit}+changes" if dirty else commit
