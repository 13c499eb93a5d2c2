"""Shared YAML loading for the config files: one error style for every loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import PipelineError


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a config file, failing with its name when it is missing or not a mapping."""
    if not path.is_file():
        raise PipelineError(f"{path}: config file not found. Restore it from the repository.")
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise PipelineError(f"{path}{where}: not valid YAML: {problem}.") from None
    if not isinstance(content, dict):
        raise PipelineError(f"{path}: expected a mapping of keys at the top level.")
    return content


def require(mapping: dict[str, Any], key: str, path: Path, where: str = "") -> Any:
    """Return mapping[key] or fail naming the file and the key that is missing."""
    if key not in mapping:
        place = f"{where}.{key}" if where else key
        raise PipelineError(f"{path}: missing key '{place}'.")
    return mapping[key]
