"""Shared fixtures: real exports written by the project's seeded generator into tmp_path."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import paths, protocol, sample

SAMPLE_YEAR = 2025


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
    """The embedded sample for SAMPLE_YEAR, regenerated under a temporary project root."""
    exports = sample.write_sample(SAMPLE_YEAR, root=project_root)
    return Generated(root=project_root, year=SAMPLE_YEAR, exports=exports)


@pytest.fixture(scope="session")
def sample_returns() -> list[sample.SampleReturn]:
    """What the officers answered in the sample year (read-only: shared by the session)."""
    return sample.generate_returns(SAMPLE_YEAR, protocol.load())


def _run_cli(root: Path, year: int = SAMPLE_YEAR) -> subprocess.CompletedProcess:
    """`python -m pipeline run` as make report runs it, into ``root``."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--year", str(year), "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@pytest.fixture(scope="session")
def run_cli():
    """Runs the whole pipeline from the command line into a given root."""
    return _run_cli


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One full run of the pipeline on the regenerated sample (slow: papermill), shared."""
    root = tmp_path_factory.mktemp("run")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    sample.write_sample(SAMPLE_YEAR, root=root)
    done = _run_cli(root)
    assert done.returncode == 0, done.stderr
    return root, done
