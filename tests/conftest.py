"""Shared fixtures: real exports written by the project's seeded generator into tmp_path."""

from __future__ import annotations

import shutil
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
