"""Validate stage's Data Docs: outputs/<year>/data_docs/index.html and validation_result.json.

Decision D26: the project writes its own page from the Great Expectations validation result
instead of GX's Data Docs site (which loads its scripts and styles from the web, shows run
times and failing values as they were typed). GX saw names and emails masked; the record
keeps only the row keys of rows failing on a personal column; the page escapes every value
(Jinja autoescape), runs no script, loads nothing, and holds no time, so a rerun writes the
same bytes and the published report may link to it.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from pipeline import paths
from pipeline.errors import PipelineError

logger = logging.getLogger(__name__)

TEMPLATE_DIR = paths.TEMPLATES_DIR / "data_docs"
GENERATOR = "partnerships pipeline 02_validate (decision D26)"
ROW_KEY = "row_key"  # GX's row identifier (decision D2): "<file>:<row>"
# GX result fields that change with every run, though the data and checks did not.
RUN_ONLY_META = ("validation_id", "run_id", "validation_time")
RUN_ONLY_MARKERS = ("ge_load_time",)
# What the record keeps of a check on a personal column: counts and row keys, no values.
COUNTS_ONLY = (
    "element_count",
    "missing_count",
    "missing_percent",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_percent_total",
    "unexpected_percent_nonmissing",
    "unexpected_index_column_names",
)
ROW_LISTS = ("unexpected_index_list", "partial_unexpected_index_list")
ARGUMENT_WORDS = {
    "column": "column",
    "value_set": "value is one of",
    "regex": "value matches the pattern",
    "min_value": "at least",
    "max_value": "at most",
    "row_condition": "only rows where",
    "column_set": "the table has the columns",
    "exact_match": "no other columns allowed",
    "mostly": "share of values that must pass",
}
NOT_SHOWN = {"batch_id", "condition_parser"}  # GX's own wiring, not the rule


@dataclass(frozen=True)
class Context:
    """What the page says beside GX's result: the year's counts and the personal columns
    (question ID -> label), whose failing values are never shown."""

    year: int
    closing_date: str
    rows_in: int
    valid: int
    quarantined: int
    personal: Mapping[str, str] = field(default_factory=dict)


def _column(item: Mapping[str, Any]) -> str | None:
    return item.get("expectation_config", {}).get("kwargs", {}).get("column")


def _row_keys(entries: Any) -> list[str]:
    return [str(entry.get(ROW_KEY)) for entry in entries or []]


def machine_record(result: Mapping[str, Any], personal: Collection[str]) -> dict[str, Any]:
    """GX's validation result as the record kept beside the page: run IDs and times removed
    (a rerun gives the same bytes; the run manifest keeps the real time), and for a check
    on a personal column only counts and row keys (GX saw those values masked anyway)."""
    record = json.loads(json.dumps(result, default=str))  # a deep copy, JSON types only
    record.pop("id", None)
    meta = record.get("meta", {})
    for key in RUN_ONLY_META:
        meta.pop(key, None)
    for key in RUN_ONLY_MARKERS:
        meta.get("batch_markers", {}).pop(key, None)
    meta["personal_columns_masked"] = sorted(personal)
    for item in record.get("results", []):
        item.get("expectation_config", {}).pop("id", None)
        if _column(item) not in personal:
            continue
        found = item.get("result") or {}
        kept = {k: found[k] for k in COUNTS_ONLY if k in found}
        kept.update(
            {k: [{ROW_KEY: key} for key in _row_keys(found[k])] for k in ROW_LISTS if k in found}
        )
        item["result"] = kept
    return record


def record_text(record: Mapping[str, Any]) -> str:
    """The record as JSON, keys sorted; '<', '>' and '&' written as \\u escapes, so that no
    officer-typed markup appears even in the JSON file."""
    text = json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return text + "\n"


def value_text(value: Any) -> str:
    """One value in words: blank, yes/no, a list joined by "; "."""
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(value_text(v) for v in value)
    return str(value)


def arguments_in_words(kwargs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An expectation's arguments as (words, value) pairs, in GX's order, wiring left out."""
    return [
        (ARGUMENT_WORDS.get(name, name.replace("_", " ")), value_text(value))
        for name, value in kwargs.items()
        if name not in NOT_SHOWN
    ]


def expectation_rows(record: Mapping[str, Any], personal: Collection[str]) -> list[dict[str, Any]]:
    """One row per expectation of the record, in suite order, as the page shows it."""
    rows = []
    for number, item in enumerate(record.get("results", []), start=1):
        config = item.get("expectation_config", {})
        meta = config.get("meta", {})
        found = item.get("result") or {}
        column = _column(item)
        personal_column = column in personal
        observed = found.get("observed_value")  # a table check's: a count, or every column
        examples = [] if personal_column else found.get("partial_unexpected_counts") or []
        rows.append(
            {
                "number": number,
                "description": meta.get("description", config.get("type", "")),
                "rule": meta.get("rule", ""),
                "severity": meta.get("severity", ""),
                "type": config.get("type", ""),
                "arguments": arguments_in_words(config.get("kwargs", {})),
                "success": bool(item.get("success")),
                "evaluated": found.get("element_count"),
                "observed": None if isinstance(observed, list) else observed,
                "unexpected": found.get("unexpected_count", 0 if item.get("success") else None),
                "examples": [(value_text(e.get("value")), e.get("count")) for e in examples],
                "personal": personal_column,
                "row_keys": _row_keys(found.get("unexpected_index_list")),
            }
        )
    return rows


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,  # every value typed by an officer or named by a file is text
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters["words"] = value_text


def _statistics(record: Mapping[str, Any]) -> dict[str, int]:
    """How many expectations were evaluated, met and not met (as GX counts them)."""
    met = [bool(item.get("success")) for item in record.get("results", [])]
    return {
        "evaluated_expectations": len(met),
        "successful_expectations": sum(met),
        "unsuccessful_expectations": len(met) - sum(met),
    }


def page(record: Mapping[str, Any], context: Context) -> str:
    """The Data Docs page: the suite's outcome and each expectation in words, with its
    arguments, result, counts, failing values (none from a personal column) and rows."""
    meta = record.get("meta", {})
    return (
        _ENVIRONMENT.get_template("index.html.j2").render(
            generator=GENERATOR,
            context=context,
            suite=record.get("suite_name", ""),
            success=bool(record.get("success")),
            statistics=_statistics(record),
            gx_version=meta.get("great_expectations_version", ""),
            expectations=expectation_rows(record, context.personal),
            record_link=paths.data_docs_record(context.year).name,
        )
        + "\n"
    )


def write_data_docs(
    record: Mapping[str, Any], context: Context, root: Path | str | None = None
) -> list[Path]:
    """Write the page and the record, then remove anything else in the Data Docs folder
    (an earlier GX site there showed names, emails and run times)."""
    written = []
    for target, text in (
        (paths.data_docs_page(context.year, root), page(record, context)),
        (paths.data_docs_record(context.year, root), record_text(record)),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_text(text, encoding="utf-8", newline="\n")
        partial.replace(target)
        written.append(target)
    for entry in sorted(written[0].parent.iterdir()):
        if entry not in written:
            logger.info("removed %s from the Data Docs folder", entry.name)
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return written


def read_linkable_page(year: int, root: Path | str | None = None) -> Path:
    """The Data Docs page the report links to, once it is known to be this project's page
    (no personal data): a missing page, or GX's own from an older run, stops the report."""
    target = paths.data_docs_page(year, root)
    if not target.is_file():
        raise PipelineError(
            f"{target}: not found; run 02_validate, which writes the Data Docs page the "
            "report links to."
        )
    if f'content="{GENERATOR}"' not in target.read_text(encoding="utf-8", errors="replace"):
        raise PipelineError(
            f"{target}: not the page 02_validate writes (an older Great Expectations site, "
            "which can show names and emails); run 02_validate again before the report."
        )
    return target
