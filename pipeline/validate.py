"""Validate stage: returns.csv -> valid.csv + quarantine.csv + dq_summary.json + Data Docs.

The Great Expectations suite is generated from config/protocol.yaml: one expectation per
question and rule, each carrying its rule name and severity. Error-level failures send the
row to quarantine with every reason in plain words; warnings keep the row and are counted.
Rows in = valid + quarantined, always; a year with no valid row stops the run. GX sees the
personal columns masked (decision D26), so its result, and the Data Docs written from it,
hold no names or emails.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import data_docs, tables
from pipeline.council import Council
from pipeline.errors import PipelineError
from pipeline.ingest.text import REMOVED_NOTE, REREAD_NOTE
from pipeline.protocol import Protocol
from pipeline.tables import returns_columns

logger = logging.getLogger(__name__)

FINDING_COLUMNS = ["row_key", "rule", "severity", "column", "value", "reason"]


@dataclass(frozen=True)
class Check:
    """One generated expectation: GX class name and arguments, and what it means in words."""

    rule: str
    severity: str
    expectation: str
    kwargs: dict[str, Any]
    column: str | None
    description: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Validation:
    """Accepted rows, quarantined rows with reasons, every finding, and counts per check."""

    valid: pd.DataFrame
    quarantine: pd.DataFrame
    findings: pd.DataFrame
    summary: pd.DataFrame
    rows_in: int  # counted from the input, so that a lost row shows as a mismatch
    record: dict[str, Any] = field(default_factory=dict)  # GX's result, masked (D26)

    @property
    def rows_with_warnings(self) -> int:
        """Returns kept with at least one warning (a return can have several findings)."""
        warned = self.findings.loc[self.findings["severity"] == "warning", "row_key"]
        return int(warned.nunique())


# Tukey's "far out" fence: a submission day more than three interquartile ranges after the
# upper quartile of the year's submission days is a wrong clock, not the survey's last day
# (decision D24). A statistical convention, not a setting.
FAR_OUT = 3.0


@dataclass(frozen=True)
class Closing:
    """The survey's closing date and, in words, where it came from (decision D24)."""

    date: dt.date
    basis: str


def _submission_days(returns: pd.DataFrame) -> pd.Series:
    """Each return's submission time read as a day (unreadable or missing times: NaT)."""
    stamps = pd.to_datetime(returns["submitted_at"], errors="coerce", format="ISO8601")
    return stamps.dt.normalize()


def closing_rule(returns: pd.DataFrame, year: int, council: Council | None = None) -> Closing:
    """The survey's closing date (D24): the one council.yaml gives for the year; else the
    last submission day of the exports that is not a wrong clock (days beyond Tukey's far-out
    fence, FAR_OUT interquartile ranges after the upper quartile, are left out, so a few
    clocks set years ahead cannot move it); else, with no submission times, 31 December of
    the survey year. The clock of the machine running the pipeline is never read."""
    published = council.closing_date(year) if council is not None else None
    if published is not None:
        return Closing(published, f"the closing date council.yaml gives for {year}")
    days = _submission_days(returns).dropna()
    if days.empty:
        return Closing(dt.date(year, 12, 31), "31 December: no export has submission times")
    ordinals = days.map(pd.Timestamp.toordinal).to_numpy(dtype=float)
    lower, upper = np.quantile(ordinals, [0.25, 0.75])
    within = ordinals[ordinals <= upper + FAR_OUT * (upper - lower)]
    closing = dt.date.fromordinal(int(within.max()))
    left_out = len(ordinals) - len(within)
    return Closing(
        closing,
        f"the last submission day in the exports ({left_out} later submission(s) left out as "
        "wrong clocks); council.yaml gives no closing date for the year",
    )


def closing_date(returns: pd.DataFrame, year: int, council: Council | None = None) -> dt.date:
    """The survey's closing date (``closing_rule``): answers' dates must not be after it, and
    a return submitted after it is flagged."""
    return closing_rule(returns, year, council).date


def multi_select_pattern(options: Sequence[str]) -> str:
    """Labels in the protocol's option order joined by "; ", each at most once."""
    parts = "".join(f"(?:{re.escape(o)}(?:; (?=.)|$))?" for o in options)
    return f"^(?=.){parts}$"


def plan_checks(protocol: Protocol, closing: dt.date) -> list[Check]:
    """Every row-level expectation the protocol implies, in question order."""
    rules = protocol.rules

    def check(rule: str, expectation: str, column: str | None, words: str, **kwargs) -> Check:
        if column is not None:
            kwargs["column"] = column
        return Check(rule, rules[rule].severity, expectation, kwargs, column, words)

    checks = [
        check("duplicate", "ExpectColumnValuesToBeNull", "duplicate_of", "not a copy"),
        check("parse_error", "ExpectColumnValuesToBeNull", "parse_errors", "every value read"),
        check(
            "late_submission",
            "ExpectColumnValuesToBeBetween",
            "submitted_at",
            f"submitted on or before the closing date, {closing.isoformat()}",
            max_value=pd.Timestamp(closing),
        ),
    ]
    for q in protocol.questions:
        label = f"{q.id} ({q.text})"
        if q.required:
            checks.append(
                check("required", "ExpectColumnValuesToNotBeNull", q.id, f"{label} answered")
            )
        if q.type == "single":
            checks.append(
                check(
                    "option_set",
                    "ExpectColumnValuesToBeInSet",
                    q.id,
                    f"{label} is one of: {'; '.join(q.options)}",
                    value_set=list(q.options),
                )
            )
        elif q.type == "multi":
            checks.append(
                check(
                    "multi_option_set",
                    "ExpectColumnValuesToMatchRegex",
                    q.id,
                    f"{label} holds only: {'; '.join(q.options)}",
                    regex=multi_select_pattern(q.options),
                )
            )
        elif q.type == "agree5":
            low, high = min(protocol.agree5.values()), max(protocol.agree5.values())
            checks.append(
                check(
                    "agree5_range",
                    "ExpectColumnValuesToBeBetween",
                    q.id,
                    f"{label} is between {low} and {high}",
                    min_value=low,
                    max_value=high,
                )
            )
        elif q.type in ("money", "number") and (q.min is not None or q.max is not None):
            bounds = {
                k: v for k, v in (("min_value", q.min), ("max_value", q.max)) if v is not None
            }
            words = " and ".join(
                f"{'at least' if k == 'min_value' else 'at most'} {v:g}" for k, v in bounds.items()
            )
            checks.append(
                check(
                    "range", "ExpectColumnValuesToBeBetween", q.id, f"{label} is {words}", **bounds
                )
            )
        elif q.type == "date":
            checks.append(
                check(
                    "date_not_in_future",
                    "ExpectColumnValuesToBeBetween",
                    q.id,
                    f"{label} is not after {closing.isoformat()}",
                    max_value=pd.Timestamp(closing),
                )
            )
        elif q.type == "email":
            checks.append(
                check(
                    "email_format",
                    "ExpectColumnValuesToMatchRegex",
                    q.id,
                    f"{label} is a well-formed email address",
                    regex=protocol.email_pattern,
                )
            )
    condition = protocol.statutory_condition_question
    prefix = protocol.statutory_condition_prefix
    checks.append(
        check(
            "statutory_basis",
            "ExpectColumnValuesToNotBeNull",
            protocol.statutory_question,
            f"{protocol.statutory_question} given when {condition} starts with {prefix!r}",
            row_condition=f'{condition}.str.startswith("{prefix}", na=False)',
            condition_parser="pandas",
        )
    )
    return checks


def plan_table_checks(protocol: Protocol) -> list[Check]:
    """Table-level expectations: at least one row and every column the protocol needs."""
    severity = protocol.rules["table"].severity
    return [
        Check(
            "table",
            severity,
            "ExpectTableRowCountToBeBetween",
            {"min_value": 1},
            None,
            "at least one return",
        ),
        Check(
            "table",
            severity,
            "ExpectTableColumnsToMatchSet",
            {"column_set": returns_columns(protocol), "exact_match": False},
            None,
            "every column of the returns table is present",
        ),
    ]


def check_table(returns: pd.DataFrame, protocol: Protocol, source: str) -> None:
    """Table rules stop the run: at least one row, and every column the protocol needs."""
    missing = [c for c in returns_columns(protocol) if c not in returns.columns]
    if missing:
        raise PipelineError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            "the table does not have the returns layout (run 01_ingest to make it)."
        )
    if returns.empty:
        raise PipelineError(f"{source}: no returns to validate (0 rows).")


def validation_view(returns: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Typed columns for GX: numbers and dates; raw text that failed to read becomes empty
    here because the parse_error rule already quarantines its row."""
    numbers = [q.id for q in protocol.of_type("money", "number", "agree5")]
    dates = [q.id for q in protocol.of_type("date")]
    stamps = ["submitted_at"]  # compared by day with the closing date
    text = [c for c in returns.columns if c not in {*numbers, *dates, *stamps, "source_row"}]
    view = returns.copy(deep=False)  # copy on write (pandas 3): columns are replaced, not changed
    view[numbers] = view[numbers].apply(tables.numbers_of)  # to_numeric, by distinct text
    view[dates] = view[dates].apply(pd.to_datetime, errors="coerce", format="ISO8601")
    view["submitted_at"] = _submission_days(returns)
    # blanks: None (only the columns holding another blank are rewritten: read from CSV,
    # every text column is object with None already)
    other_blanks = [c for c in text if not _blanks_are_none(view[c])]
    if other_blanks:
        view[other_blanks] = (
            view[other_blanks].astype(object).where(view[other_blanks].notna(), None)
        )
    return view


def _blanks_are_none(values: pd.Series) -> bool:
    """An object column whose blanks are all None (``.where(notna, None)`` leaves it as it is)."""
    if values.dtype != object:
        return False
    cells = values.to_numpy()
    return set(map(type, cells[pd.isna(cells)].tolist())) <= {type(None)}


# Decision D26: a masked character keeps its class for a regular expression. ASCII letters
# and digits become x, X or 9; other letters and digits a stand-in of their Unicode class;
# '@', '.', spaces and other punctuation stay, so a check of an address's shape judges the
# masked value as it would the real one.
_ASCII_MASK = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "x" * 26 + "X" * 26 + "9" * 10,
)
_STAND_INS = {
    "Ll": "é",
    "Lu": "É",
    "Lt": "ǅ",
    "Lm": "ʰ",
    "Lo": "ª",
    "Nd": "٩",
    "Nl": "Ⅸ",
    "No": "²",
}
PERSONAL_PHRASE = "personal value withheld"
MASKED_TYPES = ("text", "email")  # names and emails; other answers are not masked


def mask_text(text: str) -> str:
    """A personal value's shape without its content: "Ann.Lee2@x.org" -> "Xxx.Xxx9@x.xxx"."""
    if text.isascii():
        return text.translate(_ASCII_MASK)
    return "".join(
        char.translate(_ASCII_MASK)
        if char.isascii()
        else _STAND_INS.get(unicodedata.category(char), char)
        for char in text
    )


def _withhold_personal_phrases(phrases: Any, personal: Sequence[str]) -> Any:
    """ "Q2: could not read 'x'" -> "Q2: personal value withheld"; other phrases unchanged."""
    if not isinstance(phrases, str):
        return phrases
    kept = []
    for phrase in phrases.split(" | "):
        qid, colon, _ = phrase.partition(":")
        kept.append(f"{qid}: {PERSONAL_PHRASE}" if colon and qid in personal else phrase)
    return " | ".join(kept)


def _map_distinct(values: pd.Series, change: Any) -> pd.Series:
    """``change`` applied once per distinct text (a year repeats few names); blanks and
    values other than text kept as they are (tables.map_distinct does the once-each)."""
    return tables.map_distinct(values, lambda v: change(v) if isinstance(v, str) else v)


def mask_personal(view: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """The validation view as GX may see it: names and emails (personal text questions)
    masked by ``mask_text``, and parse errors about a personal question withheld.

    Blanks stay blank and every masked character keeps its class, so every check gives the
    same verdict on each row (``check_mask_keeps_verdicts`` proves it for the patterns).
    The input is not modified.
    """
    masked = [q.id for q in protocol.questions if q.personal and q.type in MASKED_TYPES]
    present = [qid for qid in masked if qid in view.columns]
    personal = protocol.personal_ids
    changes = {qid: _map_distinct(view[qid], mask_text) for qid in present}
    if "parse_errors" in view.columns:
        changes["parse_errors"] = _map_distinct(
            view["parse_errors"], lambda v: _withhold_personal_phrases(v, personal)
        )
    return view.assign(
        **{c: values.astype(object).where(values.notna(), None) for c, values in changes.items()}
    )  # blanks stay None, as validation_view gives them


def check_mask_keeps_verdicts(
    view: pd.DataFrame, masked: pd.DataFrame, checks: Sequence[Check]
) -> None:
    """Every pattern check on a masked column passes and fails the same rows as it would on
    the real values (GX's own test: the text form of each non-blank value contains a match).

    A pattern that needs particular letters (a fixed domain) cannot judge masked values, so
    the run stops rather than judge them wrongly.
    """
    for item in checks:
        column = item.column
        if item.expectation != "ExpectColumnValuesToMatchRegex" or column is None:
            continue
        if view[column].equals(masked[column]):
            continue
        pattern = re.compile(item.kwargs["regex"])
        present = view[column].notna()
        real = view.loc[present, column].astype(str)
        shown = masked.loc[present, column].astype(str)
        first = ~real.duplicated()  # the mask is a function of the value
        pairs = zip(real[first].tolist(), shown[first].tolist(), strict=True)
        for position, (value, masked_value) in enumerate(pairs):
            if bool(pattern.search(value)) != bool(pattern.search(masked_value)):
                row = str(view.at[real[first].index[position], "row_key"])
                raise PipelineError(
                    f"config/protocol.yaml: validation.email_pattern judges {column} in row "
                    f"{row} differently once its letters and digits are "
                    "masked; write a pattern about the address's shape (letters, digits, '@', "
                    "'.'), not particular letters (decision D26)."
                )


def _plain(value: Any) -> Any:
    """GX hands back numpy and Timestamp values: make them JSON- and CSV-friendly."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None  # a blank, whatever GX hands back for it
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _quiet_gx():
    """Import GX once, only here, with its logs, progress bars and analytics off."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # nothing leaves the machine
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx, gxe


def gx_context() -> Any:
    """An ephemeral GX context, quiet (no analytics, no progress bars): one per validation,
    its suites told apart by name (``run_checks``)."""
    gx, _ = _quiet_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


# Decision D45: GX compares a column with bounds in one vectorised step only when its dtype
# is numpy's int64 or float64, or datetime64 in nanoseconds; a pandas nullable-integer
# column (Int64: agree5 answers) or dates in microseconds (pandas 3 reads them so) are
# compared one Python call per value. Whole numbers up to 2**53 are exact in float64.
_EXACT_IN_FLOAT = 2**53
# The parts of a column-map result that hold the column's values (lists of values, lists
# of {"value", "count"}, lists of {row_key, column: value}).
_VALUE_LISTS = ("partial_unexpected_list", "unexpected_list")
_COUNT_LISTS = ("partial_unexpected_counts",)
_INDEX_LISTS = ("partial_unexpected_index_list", "unexpected_index_list")


def _fast_dtype(column: pd.Series) -> str | None:
    """The dtype GX compares ``column`` in at numpy's speed, when it is not in it already
    and every value keeps exactly: float64 for nullable integers, nanoseconds for dates."""
    dtype = column.dtype
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        if pd.api.types.is_integer_dtype(dtype) and not (column.abs() > _EXACT_IN_FLOAT).any():
            return "float64"
        return None
    if dtype.kind == "M" and dtype != np.dtype("datetime64[ns]"):
        present = column.dropna()
        if present.empty or (
            present.min() >= pd.Timestamp.min and present.max() <= pd.Timestamp.max
        ):
            return "datetime64[ns]"
    return None


def gx_frame(view: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame GX is given, with the columns whose dtype GX compares one value at a time
    put in one it compares at once (``_fast_dtype``), and each changed column's dtype in
    ``view``: ``values_restored`` turns the values GX reports back into those it would
    have reported from ``view`` (6, not 6.0)."""
    fast: dict[str, Any] = {}
    for column in view.columns:
        dtype = _fast_dtype(view[column])
        if dtype is not None:
            fast[column] = dtype
    if not fast:
        return view, {}
    return view.astype(fast), {column: view[column].dtype for column in fast}


def _as_original(value: Any, dtype: Any) -> Any:
    """A value GX read from a column ``gx_frame`` changed, as GX hands it back from the
    column in its ``dtype``: a nullable integer as numpy's int64 (a blank as pd.NA), a
    date in its own unit."""
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        if isinstance(value, float):
            return pd.NA if value != value else np.int64(int(value))
        return value
    if isinstance(value, pd.Timestamp):
        unit: Any = np.datetime_data(dtype)[0]  # "s", "ms", "us" (ns is never changed)
        return value.as_unit(unit)
    return value


def values_restored(result: dict[str, Any], column: str, dtype: Any) -> dict[str, Any]:
    """One check's result on a column GX saw in another dtype (``gx_frame``), with its
    failing values as GX reports them from the column in ``dtype``."""
    restored = dict(result)
    for key in _VALUE_LISTS:
        if restored.get(key) is not None:
            restored[key] = [_as_original(v, dtype) for v in restored[key]]
    for key in _COUNT_LISTS:
        if restored.get(key) is not None:
            restored[key] = [{**c, "value": _as_original(c["value"], dtype)} for c in restored[key]]
    for key in _INDEX_LISTS:
        if restored.get(key) is not None:
            restored[key] = [
                {k: _as_original(v, dtype) if k == column else v for k, v in entry.items()}
                for entry in restored[key]
            ]
    return restored


def run_checks(
    view: pd.DataFrame, checks: list[Check], *, name: str, context: Any = None
) -> tuple[list[tuple[Check, dict[str, Any]]], dict[str, Any]]:
    """Run the checks as one GX suite named ``name`` in ``context`` (a new one when None):
    each check with its result, and GX's whole validation result as JSON-ready data (the
    Data Docs are written from it, D26). Columns GX would compare one value at a time are
    given to it in a dtype it compares at once (``gx_frame``), their failing values shown
    as from ``view``, with the fingerprint of ``view`` itself: the result is the one GX
    gives for ``view``, faster."""
    gx, gxe = _quiet_gx()
    context = context if context is not None else gx_context()
    batch = (
        context.data_sources.add_pandas(name)
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("all returns")
    )
    expectations = [
        getattr(gxe, item.expectation)(
            **item.kwargs,
            meta={
                "check": index,
                "rule": item.rule,
                "severity": item.severity,
                "description": item.description,
            },
        )
        for index, item in enumerate(checks)
    ]
    # the suite is made with every check at once: suite.add_expectation saves the whole
    # suite again for each check added, which was 40% of a validation's time
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    if len(suite.expectations) != len(checks):
        raise RuntimeError(f"GX kept {len(suite.expectations)} of {len(checks)} checks")
    frame, changed = gx_frame(view)
    result = _validated(batch, suite, frame)
    outcomes = []
    for item in result.results:
        if item.exception_info and item.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"GX could not evaluate {item.expectation_config}: "
                f"{item.exception_info.get('exception_message')}"
            )
        column = item.expectation_config.kwargs.get("column")
        if column in changed and item.result:
            item.result = values_restored(item.result, column, changed[column])
        outcomes.append((checks[item.expectation_config.meta["check"]], dict(item.result or {})))
    if changed:
        _fingerprint_of(result, view)
    return outcomes, result.to_json_dict()


def _validated(batch: Any, suite: Any, frame: pd.DataFrame) -> Any:
    """GX's result of ``suite`` on ``frame``, as ``ValidationDefinition.run`` gives it less
    what the record drops (its run ID and time, D26), without storing it in the context:
    the store turned the result into JSON a second time (a tenth of a validation's time,
    decision D45). The record of the two is the same (tests/test_validate.py)."""
    from great_expectations.constants import DATAFRAME_REPLACEMENT_STR
    from great_expectations.validator.v1_validator import Validator

    validator = Validator(
        batch_definition=batch,
        batch_parameters={"dataframe": frame},
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["row_key"],
            "return_unexpected_index_query": False,
        },
    )
    result = validator.validate_expectation_suite(suite)
    result.meta["checkpoint_id"] = None
    result.meta["batch_parameters"] = {"dataframe": DATAFRAME_REPLACEMENT_STR}
    return result


def _fingerprint_of(result: Any, view: pd.DataFrame) -> None:
    """GX's batch fingerprint (a hash of the frame it was given) made that of ``view``, the
    frame before ``gx_frame`` changed its dtypes, as GX would have written it."""
    from great_expectations.execution_engine.pandas_execution_engine import (
        hash_pandas_dataframe,
    )

    markers = result.meta.get("batch_markers")
    if markers and "pandas_data_fingerprint" in markers:
        markers["pandas_data_fingerprint"] = hash_pandas_dataframe(view)


def _with_wording(phrase: str, protocol: Protocol) -> str:
    """ "Q20: could not read ..." -> "Q20 (Annual cash contribution ...): could not read ..."."""
    qid, _, rest = phrase.partition(": ")
    if qid in protocol.ids:
        return f"{qid} ({protocol.question(qid).text}): {rest}"
    return phrase


def _reasons(item: Check, values: pd.Series, rows: pd.DataFrame, protocol: Protocol) -> pd.Series:
    """The reason each row failed, in plain words: question, wording, value and rule."""
    if item.rule == "duplicate":
        return tables.map_distinct(rows["duplicate_of"], lambda v: f"duplicate of {v}")
    if item.rule == "parse_error":
        return tables.map_distinct(
            rows["parse_errors"],
            lambda v: " | ".join(_with_wording(p, protocol) for p in str(v).split(" | ")),
        )
    description = protocol.rules[item.rule].description
    reasons = tables.map_distinct(
        values,
        lambda v: (
            f"{item.column}: {'blank' if v is None else repr(v)} - {description} "
            f"({item.description})"
        ),
    )
    blank = values.isna().to_numpy()  # _plain gives None for every blank
    if blank.any() and "parse_warnings" in rows:
        # why a typed answer was read as blank (invisible characters, no letters: D25)
        def why(warnings: Any) -> str:
            if not isinstance(warnings, str):
                return ""
            phrases = [p for p in warnings.split(" | ") if p.startswith(f"{item.column}: ")]
            return "".join(f"; {p.partition(': ')[2]}" for p in phrases if "read as blank" in p)

        suffix = tables.map_distinct(rows["parse_warnings"].where(blank, None), why)
        reasons = reasons + suffix.where(blank, "").fillna("")
    return reasons


def _findings(
    item: Check, keys: list[Any], by_key: pd.DataFrame, protocol: Protocol
) -> pd.DataFrame:
    """One finding per failing row of one check, in GX's order."""
    rows = by_key.loc[keys]
    if item.column:
        values = tables.map_distinct(rows[item.column], _plain)
    else:
        values = pd.Series(None, index=rows.index, dtype=object)
    return pd.DataFrame(
        {
            "row_key": keys,
            "rule": item.rule,
            "severity": item.severity,
            "column": item.column,
            "value": values.to_numpy(),
            "reason": _reasons(item, values, rows, protocol).to_numpy(),
        },
        columns=FINDING_COLUMNS,
    )


def _examples(item: Check, result: dict[str, Any], personal: set[str]) -> list[Any]:
    """Up to three failing values for the summary; none from a personal column (a malformed
    email is still an email): the summary is read by the report stage (decision D9)."""
    if item.column in personal:
        return []
    return [_plain(v) for v in (result.get("partial_unexpected_list") or [])[:3]]


def validate_returns(
    returns: pd.DataFrame,
    protocol: Protocol,
    closing: dt.date,
    *,
    source: str = "returns",
) -> Validation:
    """Split returns into valid and quarantined rows by the protocol's generated GX suite.

    GX sees names and emails masked (D26); findings and reasons give the real values, read
    from ``returns``. Needs the returns columns (ingest's contract). The input is not
    modified.
    """
    check_table(returns, protocol, source)
    if returns["row_key"].duplicated().any():
        raise PipelineError(f"{source}: row_key is not unique; rerun 01_ingest.")
    checks = plan_table_checks(protocol) + plan_checks(protocol, closing)
    view = validation_view(returns, protocol)
    masked = mask_personal(view, protocol)
    check_mask_keeps_verdicts(view, masked, checks)
    context = gx_context()  # one per validation: the protocol's suite and the accepted check
    outcomes, gx_result = run_checks(masked, checks, name="protocol", context=context)
    by_key = returns.set_index("row_key", drop=False)
    personal = set(protocol.personal_ids)
    findings, summary = [pd.DataFrame(columns=FINDING_COLUMNS)], []
    for item, result in outcomes:
        failing = result.get("unexpected_index_list") or []
        if failing:
            keys = [entry["row_key"] for entry in failing]
            findings.append(_findings(item, keys, by_key, protocol))
        summary.append(
            {
                "rule": item.rule,
                "severity": item.severity,
                "column": item.column,
                "expectation": item.expectation,
                "check": item.description,
                "evaluated": int(result.get("element_count") or 0),
                "unexpected_count": len(failing),
                "examples": _examples(item, result, personal),
            }
        )
    findings_frame = pd.concat(findings, ignore_index=True).astype(object)
    errors = findings_frame[findings_frame["severity"] == "error"]
    reasons = errors.groupby("row_key", sort=False)["reason"].agg(" | ".join)
    rules = errors.groupby("row_key", sort=False)["rule"].agg(lambda r: "; ".join(dict.fromkeys(r)))
    quarantined = returns["row_key"].isin(reasons.index)
    quarantine = returns[quarantined].assign(
        quarantine_rules=returns.loc[quarantined, "row_key"].map(rules),
        quarantine_reasons=returns.loc[quarantined, "row_key"].map(reasons),
    )
    valid = returns[~quarantined]
    if len(valid) + len(quarantine) != len(returns):
        raise AssertionError("rows in != valid + quarantined")
    if valid.empty:
        raise PipelineError(_nothing_accepted(quarantine, source))
    _check_accepted(valid, protocol, source, context)
    logger.info(
        "validated %d returns: %d valid, %d quarantined, %d warnings",
        len(returns),
        len(valid),
        len(quarantine),
        int((findings_frame["severity"] == "warning").sum()),
    )
    return Validation(
        valid,
        quarantine.reset_index(drop=True),
        findings_frame,
        pd.DataFrame(summary),
        rows_in=len(returns),
        record=data_docs.machine_record(gx_result, personal),
    )


def _nothing_accepted(quarantine: pd.DataFrame, source: str) -> str:
    """Every return quarantined: the run stops, since a report of nothing would read as a
    year without partnerships. One line: how many, by which rules, and the first reason."""
    rules = quarantine["quarantine_rules"].str.split("; ").explode()
    counts = rules.value_counts(sort=False).sort_values(ascending=False, kind="stable")
    first = quarantine.iloc[0]
    return (
        f"{source}: all {len(quarantine)} returns were quarantined "
        f"({', '.join(f'{rule}: {count}' for rule, count in counts.items())}), so nothing is "
        f"left to evaluate or report; the first, {first['row_key']}, because "
        f"{first['quarantine_reasons']}. Fix the exports (or the rules in "
        "config/protocol.yaml) and run again."
    )


def _check_accepted(
    valid: pd.DataFrame, protocol: Protocol, source: str, context: Any = None
) -> None:
    """Among accepted rows each return appears once: response IDs are unique (GX checks)."""
    if valid.empty:
        return
    unique = Check(
        "unique_accepted",
        protocol.rules["unique_accepted"].severity,
        "ExpectColumnValuesToBeUnique",
        {"column": "response_id"},
        "response_id",
        "response IDs of accepted returns are unique",
    )
    ((_, result),), _ = run_checks(
        valid[["row_key", "response_id"]], [unique], name="accepted", context=context
    )
    repeated = result.get("partial_unexpected_list") or []
    if repeated:
        raise PipelineError(
            f"{source}: response ID {_plain(repeated[0])!r} is accepted more than once; "
            "check the exports for two forms numbering returns the same way."
        )


def warnings_by_rule(findings: pd.DataFrame) -> pd.DataFrame:
    """How many rows each warning rule flagged (rows kept)."""
    warnings = findings[findings["severity"] == "warning"]
    return warnings.groupby(["rule", "column"], as_index=False).agg(rows=("row_key", "nunique"))


def quarantine_by_rule(findings: pd.DataFrame) -> pd.DataFrame:
    """How many rows each error rule sent to quarantine (a row can have several reasons)."""
    errors = findings[findings["severity"] == "error"]
    return errors.groupby("rule", as_index=False).agg(rows=("row_key", "nunique"))


def response_coverage(valid: pd.DataFrame, council: Council, protocol: Protocol) -> pd.DataFrame:
    """Senior officers who sent at least one accepted return, by directorate.

    Officers are counted by email, else name, without keeping either; returns from an
    anonymous form name nobody, so they are counted beside, not guessed at. Written here,
    in the validation stage, so that the report never reads a table holding names.
    """
    email, name = protocol.id_of("respondent_email"), protocol.id_of("respondent_name")
    directorate = protocol.id_of("directorate")
    identity = valid[email].where(valid[email].notna(), valid[name])
    officer = tables.map_distinct(
        identity, lambda v: v.strip().casefold() if isinstance(v, str) else None
    )
    # the two columns grouped, not the whole table with one more (a copy of every column)
    by_directorate = pd.DataFrame(
        {directorate: valid[directorate], "officer": officer}, index=valid.index
    ).groupby(directorate)
    responded = by_directorate["officer"].nunique().to_dict()
    anonymous = by_directorate["officer"].apply(lambda o: int(o.isna().sum())).to_dict()
    rows = []
    for name_of_directorate, senior in council.directorates.items():
        count = int(responded.get(name_of_directorate, 0))
        rows.append(
            {
                "directorate": name_of_directorate,
                "senior_officers": senior,
                "officers_responding": count,
                "coverage": round(count / senior, 4),
                "anonymous_returns": int(anonymous.get(name_of_directorate, 0)),
            }
        )
    return pd.DataFrame(rows, columns=list(tables.table("coverage").columns))


def read_with_caveats(valid: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Accepted returns whose values were read with a caveat (an approximate amount, an
    answer that is none of the options), counted by question."""
    phrases = valid["parse_warnings"].dropna().str.split(" | ", regex=False).explode()
    ids = "|".join(re.escape(qid) for qid in sorted(protocol.ids, key=len, reverse=True))
    questions = phrases.str.extract(rf"^({ids}):", expand=False).dropna()
    counts = questions.value_counts()
    return pd.DataFrame(
        [
            {
                "question_id": qid,
                "question": protocol.question(qid).text,
                "returns": int(counts[qid]),
            }
            for qid in protocol.ids
            if qid in counts.index
        ],
        columns=["question_id", "question", "returns"],
    )


def values_changed_on_reading(returns: pd.DataFrame) -> int:
    """Cells ingest changed on reading (control characters removed, bytes re-read as cp1252:
    decision D22), each noted in its return's parse_warnings, counted over every return."""
    phrases = returns["parse_warnings"].dropna().str.split(" | ", regex=False).explode()
    noted = phrases.str.contains(REMOVED_NOTE, regex=False) | phrases.str.contains(
        REREAD_NOTE, regex=False
    )
    return int(noted.sum())


def summary_line(validation: Validation) -> str:
    """The stage's one line: suite size, valid, quarantined and rows with warnings."""
    return (
        f"protocol suite: {len(validation.summary)} expectations; {validation.rows_in} returns in: "
        f"{len(validation.valid)} valid, {len(validation.quarantine)} quarantined; "
        f"{validation.rows_with_warnings} kept with warnings"
    )


def write_validation(
    validation: Validation,
    closing: dt.date,
    year: int,
    root: Path | str | None,
    protocol: Protocol,
    council: Council,
) -> list[Path]:
    """Write valid.csv, quarantine.csv, the findings, the JSON summary per expectation, the
    tables the report needs without reading personal data (coverage, caveats), and the Data
    Docs (a page and GX's result, with no names or emails: decision D26)."""
    summary = {
        "closing_date": closing.isoformat(),
        "rows_in": validation.rows_in,
        "valid": len(validation.valid),
        "quarantined": len(validation.quarantine),
        "rows_with_warnings": validation.rows_with_warnings,
        "warning_findings": int((validation.findings["severity"] == "warning").sum()),
        "values_changed_on_reading": values_changed_on_reading(
            # the one column it reads, not every column of both tables joined
            pd.concat(
                [validation.valid[["parse_warnings"]], validation.quarantine[["parse_warnings"]]]
            )
        ),
        "quarantined_by_rule": quarantine_by_rule(validation.findings).to_dict(orient="records"),
        "warnings_by_rule": warnings_by_rule(validation.findings).to_dict(orient="records"),
        "checks": validation.summary.to_dict(orient="records"),
    }
    return [
        tables.write("valid", validation.valid, year, root, protocol),
        tables.write("quarantine", validation.quarantine, year, root, protocol),
        tables.write("findings", validation.findings, year, root),
        tables.write_dq_summary(summary, year, root),
        tables.write(
            "coverage", response_coverage(validation.valid, council, protocol), year, root
        ),
        tables.write("caveats", read_with_caveats(validation.valid, protocol), year, root),
        tables.write_summary("02_validate", summary_line(validation), year, root),
        *data_docs.write_data_docs(
            validation.record,
            data_docs.Context(
                year=year,
                closing_date=closing.isoformat(),
                rows_in=validation.rows_in,
                valid=len(validation.valid),
                quarantined=len(validation.quarantine),
                personal={q.id: f"{q.id} ({q.text})" for q in protocol.questions if q.personal},
            ),
            root,
        ),
    ]


def read_closing_date(year: int, root: Path | str | None = None) -> dt.date:
    """The closing date validation used: dates after it were refused, reviews count to it."""
    return dt.date.fromisoformat(tables.read_dq_summary(year, root)["closing_date"])


def load_valid(year: int, root: Path | str | None, protocol: Protocol) -> pd.DataFrame:
    """The accepted returns written by 02_validate, typed."""
    return tables.read("valid", year, root, protocol)


def accounting(validation: Validation) -> pd.DataFrame:
    """Rows in (counted from the input) beside valid and quarantined, as a table to look at."""
    return pd.DataFrame(
        [
            {"Returns": "received", "Count": validation.rows_in},
            {"Returns": "valid", "Count": len(validation.valid)},
            {"Returns": "quarantined", "Count": len(validation.quarantine)},
            {"Returns": "kept with warnings", "Count": validation.rows_with_warnings},
        ]
    )


def checks_table(checks: list[Check]) -> pd.DataFrame:
    """The generated suite, one row per expectation, for the auditor to read."""
    return pd.DataFrame(
        [
            {
                "rule": c.rule,
                "severity": c.severity,
                "column": c.column,
                "expectation": c.expectation,
                "check": c.description,
            }
            for c in checks
        ]
    )
