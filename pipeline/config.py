"""Strict loading of the YAML config files: one error style, one line, for every file.

Each file is parsed once, checked against a pydantic model that forbids unknown keys, and
any problem (an unknown or misspelt key, a missing key, a value of the wrong type) stops
the run with one line naming the file, the key path and the line in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from pipeline.errors import PipelineError

Model = TypeVar("Model", bound=BaseModel)
KeyPath = tuple[str | int, ...]


class Strict(BaseModel):
    """A config section: unknown keys are an error, values keep the type they are written
    in ("2" is not a number, 1 is not true; a whole number may stand for a decimal), and
    are frozen once loaded. Lists in YAML are read as tuples (fields say strict=False)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _line_map(node: yaml.Node, prefix: KeyPath, lines: dict[KeyPath, int], source: Path) -> None:
    """Record the 1-based line of every key and list item under ``node``; a key given twice
    in one mapping is an error (YAML would silently keep the last one)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            line = key_node.start_mark.line + 1
            if path in lines:
                raise PipelineError(
                    f"{source}: {key_path(path)} (line {line}): given twice (first on line "
                    f"{lines[path]}); keep one."
                )
            lines[path] = line
            _line_map(value_node, path, lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, index)
            lines[path] = item.start_mark.line + 1
            _line_map(item, path, lines, source)


def _yaml_error(path: Path, exc: yaml.YAMLError) -> PipelineError:
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or type(exc).__name__
    return PipelineError(f"{path}{where}: not valid YAML: {problem}.")


def _parse(text: str, loader_class: Any) -> tuple[Any, yaml.Node | None]:
    """One YAML document parsed once: its content (as ``yaml.safe_load`` gives it) and the
    node tree that holds each key's line."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return (None if node is None else loader.construct_document(node)), node
    finally:
        loader.dispose()


# libyaml's parser where PyYAML was built with it: every config file is read before each
# stage, and the pure-Python parser took a quarter of a second for the four (decision D27).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_with_lines(path: Path) -> tuple[dict[str, Any], dict[KeyPath, int]]:
    """Read a config file and the line of each key, failing with its name when it is
    missing, not YAML or not a mapping."""
    if not path.is_file():
        raise PipelineError(f"{path}: config file not found. Restore it from the repository.")
    text = path.read_text(encoding="utf-8")
    try:
        content, node = _parse(text, _FAST_LOADER)
    except yaml.YAMLError:
        # PyYAML's own parser judges what libyaml refused: the same file is then accepted
        # or refused, with the same words, as without libyaml
        try:
            content, node = _parse(text, yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise _yaml_error(path, exc) from None
    if not isinstance(content, dict):
        raise PipelineError(f"{path}: expected a mapping of keys at the top level.")
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _line_map(node, (), lines, path)
    return content, lines


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a config file, failing with its name when it is missing or not a mapping."""
    return read_yaml_with_lines(path)[0]


def key_path(location: KeyPath) -> str:
    """('rules', 2, 'when', 0, 'field') -> 'rules[2].when[0].field'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(location: KeyPath, lines: dict[KeyPath, int]) -> int | None:
    """The line of the deepest key of ``location`` that the file has."""
    for end in range(len(location), 0, -1):
        if location[:end] in lines:
            return lines[location[:end]]
    return None


def config_error(path: Path, location: KeyPath, problem: str, lines: dict[KeyPath, int]) -> str:
    """One line: file, key path, line and what is wrong."""
    line = _line_of(location, lines)
    where = f"{key_path(location) or 'top level'}" + (f" (line {line})" if line else "")
    return f"{path}: {where}: {problem}"


def _problem(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (misspelt, or not a setting this file has)."
    if kind == "missing":
        return "missing key."
    message = str(error["msg"]).rstrip(".")
    if "input" in error and not isinstance(error["input"], dict | list):
        return f"{message} (found {error['input']!r})."
    return message + "."


_TYPE_NAMES = {"bool", "int", "float", "str", "list", "tuple", "dict"}  # union members


def _location(error: ErrorDetails) -> KeyPath:
    """pydantic's location without the names of union members or model validators."""
    return tuple(
        part
        for part in error["loc"]
        if isinstance(part, int)
        or not (part.startswith(("function-", "literal[")) or "[" in part or part in _TYPE_NAMES)
    )


def load_model(path: Path, model: type[Model]) -> Model:
    """Read ``path`` and check it against ``model``; the first problem is one clear line."""
    return load_model_with_lines(path, model)[0]


def load_model_with_lines(path: Path, model: type[Model]) -> tuple[Model, dict[KeyPath, int]]:
    """``load_model``, also returning each key's line for checks made after the model's own
    (cross-checks between keys and files), so the file is read and parsed once."""
    content, lines = read_yaml_with_lines(path)
    try:
        return model.model_validate(content), lines
    except ValidationError as exc:
        # An unknown key explains a "missing" one beside it (a misspelling): report it first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        count = exc.error_count()
        more = f" ({count - 1} more problem(s) in this file)" if count > 1 else ""
        message = config_error(path, _location(first), _problem(first), lines)
        raise PipelineError(message + more) from None
