"""The council the report is for: config/council.yaml (name, default year, directorates)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import paths
from pipeline.config import read_yaml, require


@dataclass(frozen=True)
class Council:
    council_name: str
    default_year: int
    directorates: dict[str, int]  # directorate -> senior officers, for response coverage


def load(root: Path | str | None = None) -> Council:
    path = paths.council_file(root)
    raw = read_yaml(path)
    return Council(
        council_name=str(require(raw, "council_name", path)),
        default_year=int(require(raw, "default_year", path)),
        directorates={str(k): int(v) for k, v in require(raw, "directorates", path).items()},
    )
