"""The council the report is for: config/council.yaml (name, default year, directorates)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PositiveInt

from pipeline import paths
from pipeline.config import Strict, load_model


class Council(Strict):
    """The council's own settings, checked strictly when loaded."""

    council_name: str = Field(min_length=1)
    default_year: int = Field(ge=2000, le=2100)
    # directorate -> senior officers (Head of Service and above), for response coverage
    directorates: dict[str, PositiveInt] = Field(min_length=1)


def load(root: Path | str | None = None) -> Council:
    """Read config/council.yaml strictly: a typo is one line naming file, key and line."""
    return load_model(paths.council_file(root), Council)
