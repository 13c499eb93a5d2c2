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

from pipeline import paths

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


def input_files(year: int, root: Path | str | None = None) -> pd.DataFrame:
    """Every export and config file the run read, with its size and SHA-256."""
    files = paths.raw_exports(year, root) + [
        paths.protocol_file(root),
        paths.toolkit_file(root),
        paths.council_file(root),
        paths.aliases_file(root),
    ]
    base = paths.resolve_root(root)
    return pd.DataFrame(
        [
            {"File": str(f.relative_to(base)), "Bytes": f.stat().st_size, "SHA-256": sha256(f)}
            for f in files
            if f.is_file()
        ],
        columns=["File", "Bytes", "SHA-256"],
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
