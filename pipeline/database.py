"""The monitoring database: data/processed/partnerships.sqlite, written from the processed
tables and manifests of every year run (decision D38).

The database is derived, never edited: after a year is swapped in, the run rebuilds the
whole file from every committed year (a year whose outputs/<year>/manifest.json exists)
into a temporary file beside it and renames it over the old one (``os.replace``). So a
year run again replaces its rows and never duplicates them, years run in any order give the
same database, and a failure at any point leaves the old file as it was. Respondents' names
and emails live in the one ``respondents`` table, which no view reads; ``browse_copy``
writes the copy Datasette serves, without that table or its pages.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import paths, staging, tables
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.toolkit import governance
from pipeline.toolkit.model import Toolkit

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
PERSONAL_TABLE = "respondents"
_SQL_TYPES = {"text": "TEXT", "number": "REAL", "integer": "INTEGER", "boolean": "INTEGER"}
_ANSWER_TYPES = {"money": "REAL", "number": "REAL", "agree5": "INTEGER"}
# The principle columns of the evaluation (P1_score ...), one child row per principle.
_PRINCIPLE_MEASURES = (
    "score",
    "answers",
    "spread",
    "band",
    "officer_spread",
    "officer_low",
    "officer_high",
)
_HEADING = re.compile(r"^governance_([a-z0-9_]+)_completeness$")
_RETURN_PROVENANCE = [
    "response_id",
    "submitted_at",
    "source_file",
    "source_row",
    "complete",
    "parse_errors",
    "parse_warnings",
    "duplicate_of",
]
_WITHHELD = "(a personal answer, withheld)"

_FIXED_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE survey_years (
  year INTEGER PRIMARY KEY,
  closing_date TEXT,
  returns_in INTEGER,
  returns_valid INTEGER,
  returns_quarantined INTEGER,
  returns_with_warnings INTEGER
);
CREATE TABLE runs (
  year INTEGER PRIMARY KEY REFERENCES survey_years(year),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  code_commit TEXT,
  python TEXT,
  seconds REAL NOT NULL,
  input_files INTEGER NOT NULL,
  output_files INTEGER NOT NULL
);
CREATE TABLE run_seconds (
  year INTEGER NOT NULL REFERENCES runs(year),
  step TEXT NOT NULL,
  seconds REAL NOT NULL,
  PRIMARY KEY (year, step)
);
CREATE TABLE actions (
  action TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  attention INTEGER NOT NULL CHECK (attention IN (0, 1))
);
CREATE TABLE partnerships (
  partnership_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  first_year INTEGER REFERENCES survey_years(year),
  last_year INTEGER REFERENCES survey_years(year),
  years_reported INTEGER NOT NULL
);
CREATE TABLE partnership_names (
  partnership_id TEXT NOT NULL REFERENCES partnerships(partnership_id),
  year INTEGER NOT NULL REFERENCES survey_years(year),
  source TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (partnership_id, year, source, name)
);
CREATE TABLE principle_scores (
  partnership_id TEXT NOT NULL,
  year INTEGER NOT NULL,
  principle TEXT NOT NULL,
  principle_name TEXT,
  score REAL,
  answers INTEGER,
  spread REAL,
  band TEXT,
  officer_spread REAL,
  officer_low REAL,
  officer_high REAL,
  PRIMARY KEY (partnership_id, year, principle),
  FOREIGN KEY (partnership_id, year) REFERENCES partnership_years(partnership_id, year)
);
CREATE TABLE governance_headings (
  partnership_id TEXT NOT NULL,
  year INTEGER NOT NULL,
  heading TEXT NOT NULL,
  completeness REAL,
  PRIMARY KEY (partnership_id, year, heading),
  FOREIGN KEY (partnership_id, year) REFERENCES partnership_years(partnership_id, year)
);
CREATE TABLE partnership_priorities (
  partnership_id TEXT NOT NULL,
  year INTEGER NOT NULL,
  priority TEXT NOT NULL,
  PRIMARY KEY (partnership_id, year, priority),
  FOREIGN KEY (partnership_id, year) REFERENCES partnership_years(partnership_id, year)
);
CREATE TABLE quarantine_rules (
  year INTEGER NOT NULL REFERENCES survey_years(year),
  rule TEXT NOT NULL,
  returns INTEGER NOT NULL,
  PRIMARY KEY (year, rule)
);
CREATE TABLE changes (
  year INTEGER NOT NULL REFERENCES survey_years(year),
  partnership_id TEXT NOT NULL REFERENCES partnerships(partnership_id),
  name TEXT,
  change TEXT NOT NULL,
  what_changed TEXT,
  PRIMARY KEY (year, partnership_id, change)
);
CREATE TABLE id_history (
  year INTEGER NOT NULL REFERENCES survey_years(year),
  partnership_id TEXT NOT NULL REFERENCES partnerships(partnership_id),
  event TEXT NOT NULL,
  related_id TEXT REFERENCES partnerships(partnership_id),
  decided_by TEXT,
  name TEXT,
  earlier_name TEXT,
  earlier_year INTEGER
);
CREATE TABLE disagreements (
  year INTEGER NOT NULL,
  partnership_id TEXT NOT NULL,
  question TEXT NOT NULL,
  answers TEXT,
  chosen TEXT,
  PRIMARY KEY (year, partnership_id, question),
  FOREIGN KEY (partnership_id, year) REFERENCES partnership_years(partnership_id, year)
);
"""

_PERSONAL_SCHEMA = f"""
CREATE TABLE {PERSONAL_TABLE} (
  year INTEGER NOT NULL,
  row_key TEXT NOT NULL,
  response_id TEXT,
  name TEXT,
  email TEXT,
  directorate TEXT,
  PRIMARY KEY (year, row_key),
  FOREIGN KEY (year, row_key) REFERENCES returns(year, row_key)
);
"""

_INDEXES = """
CREATE INDEX partnership_years_by_year ON partnership_years(year, key_partnership);
CREATE INDEX partnership_years_by_action ON partnership_years(action, year);
CREATE INDEX partnership_priorities_by_priority ON partnership_priorities(priority, year);
CREATE INDEX partnership_names_by_name ON partnership_names(name);
CREATE INDEX returns_by_partnership ON returns(partnership_id, year);
CREATE INDEX changes_by_partnership ON changes(partnership_id);
CREATE INDEX id_history_by_partnership ON id_history(partnership_id);
"""

# Each survey year with the one before it held (a year with no survey is skipped), and each
# partnership's row in a year joined to its row in that earlier year: the views comparing
# consecutive years share them.
_CONSECUTIVE_WITH = """
WITH consecutive AS (
  SELECT later.year AS year,
    (SELECT MAX(earlier.year) FROM survey_years AS earlier WHERE earlier.year < later.year)
      AS previous_year
  FROM survey_years AS later
)
"""
_NOW_AND_BEFORE = """FROM partnership_years AS now
JOIN consecutive AS c ON c.year = now.year
JOIN partnership_years AS before
  ON before.partnership_id = now.partnership_id AND before.year = c.previous_year
"""

# The panel's questions, one view each (docs/database.md). None reads the personal table.
_YEAR_COLUMNS = """
  py.partnership_id, py.year, py.name, py.directorate, py.partnership_type, py.council_role,
  py.key_partnership, py.key_criteria, py.full_cost, py.cash, py.in_kind, py.officer_time_cost,
  py.overall_score, py.overall_band, py.governance_completeness, py.governance_band,
  py.vfm_judgement, py.risk_level, py.uncontrolled_risk, py.action, a.label AS action_label,
  py.action_reason, py.action_rule
"""
VIEWS: dict[str, str] = {
    "key_partnerships_this_year": f"""
SELECT {_YEAR_COLUMNS}
FROM partnership_years AS py LEFT JOIN actions AS a ON a.action = py.action
WHERE py.key_partnership = 1 AND py.year = (SELECT MAX(year) FROM partnership_years)
ORDER BY py.partnership_id""",
    "partnership_history": f"""
SELECT {_YEAR_COLUMNS}, p.name AS current_name, p.first_year, p.last_year
FROM partnership_years AS py
JOIN partnerships AS p ON p.partnership_id = py.partnership_id
LEFT JOIN actions AS a ON a.action = py.action
ORDER BY py.partnership_id, py.year""",
    "partnerships_by_priority": """
SELECT pp.year, pp.priority, py.partnership_id, py.name, py.directorate, py.key_partnership,
  py.full_cost, py.priority_count, py.vfm_cost_per_priority AS cost_per_priority,
  py.overall_band, py.action
FROM partnership_priorities AS pp
JOIN partnership_years AS py ON py.partnership_id = pp.partnership_id AND py.year = pp.year
ORDER BY pp.year, pp.priority, py.partnership_id""",
    "priority_costs": """
SELECT pp.year, pp.priority, COUNT(*) AS partnerships,
  SUM(py.key_partnership) AS key_partnerships, SUM(py.full_cost) AS full_cost,
  SUM(py.vfm_cost_per_priority) AS cost_shared_to_priority
FROM partnership_priorities AS pp
JOIN partnership_years AS py ON py.partnership_id = pp.partnership_id AND py.year = pp.year
GROUP BY pp.year, pp.priority
ORDER BY pp.year, pp.priority""",
    "partnership_changes_between_years": _CONSECUTIVE_WITH
    + """SELECT now.partnership_id, now.name, c.previous_year, now.year,
  before.action AS action_before, now.action AS action_now,
  before.vfm_judgement AS vfm_before, now.vfm_judgement AS vfm_now,
  before.risk_level AS risk_before, now.risk_level AS risk_now,
  before.action IS NOT now.action AS action_changed,
  before.vfm_judgement IS NOT now.vfm_judgement AS vfm_changed,
  before.risk_level IS NOT now.risk_level AS risk_changed
"""
    + _NOW_AND_BEFORE
    + """WHERE before.action IS NOT now.action
  OR before.vfm_judgement IS NOT now.vfm_judgement
  OR before.risk_level IS NOT now.risk_level
ORDER BY now.year, now.partnership_id""",
    "attention_two_years_running": _CONSECUTIVE_WITH
    + """SELECT now.partnership_id, now.name, c.previous_year, now.year,
  before.action AS action_before, now.action AS action_now, now.action_reason,
  now.key_partnership, now.full_cost
"""
    + _NOW_AND_BEFORE
    + """JOIN actions AS a_now ON a_now.action = now.action AND a_now.attention = 1
JOIN actions AS a_before ON a_before.action = before.action AND a_before.attention = 1
ORDER BY now.year, now.partnership_id""",
    "quarantine_by_year": """
SELECT s.year, s.returns_in, s.returns_valid, s.returns_quarantined, q.rule, q.returns
FROM survey_years AS s LEFT JOIN quarantine_rules AS q ON q.year = s.year
ORDER BY s.year, q.rule""",
}


@dataclass(frozen=True)
class YearTables:
    """What the database holds of one year, read from its processed tables and manifest."""

    year: int
    evaluation: pd.DataFrame
    name_matches: pd.DataFrame
    id_history: pd.DataFrame
    changes: pd.DataFrame
    disagreements: pd.DataFrame
    returns: pd.DataFrame  # as text, columns named by key (personal ones included)
    valid_keys: frozenset[str]
    quarantine: pd.DataFrame  # row_key, quarantine_rules, quarantine_reasons
    return_partnerships: pd.DataFrame
    dq_summary: dict[str, Any]
    manifest: dict[str, Any] | None


def _value(value: Any) -> Any:
    """A frame's cell as SQLite stores it: blanks None, booleans 0/1, numpy numbers plain."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return int(bool(value))
    if hasattr(value, "item"):
        return value.item()
    return value


def _rows(frame: pd.DataFrame, columns: Iterable[str]) -> list[tuple[Any, ...]]:
    return [
        tuple(_value(v) for v in row)
        for row in frame.reindex(columns=list(columns)).itertuples(index=False)
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _redact(text: Any, personal_ids: Sequence[str]) -> Any:
    """A parse or quarantine note without the phrases about a personal answer: they quote
    the value typed (an email address), and the returns table holds no personal data.
    A missing note (None, or pandas' NaN for a return with no quarantine row) is None."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return None
    if not personal_ids:
        return text
    pattern = re.compile(rf"^({'|'.join(map(re.escape, personal_ids))})\b")
    phrases = str(text).split(" | ")
    return " | ".join(
        f"{match.group(1)}: {_WITHHELD}" if (match := pattern.match(p)) else p for p in phrases
    )


def committed_years(root: Path | str | None = None) -> list[int]:
    """The years the database holds: those swapped in whole by a run, i.e. with both
    data/processed/<year>/ and outputs/<year>/manifest.json (decision D38)."""
    processed = paths.resolve_root(root) / "data" / "processed"
    if not processed.is_dir():
        return []
    return sorted(
        int(folder.name)
        for folder in processed.iterdir()
        if folder.is_dir()
        and folder.name.isdigit()
        and paths.manifest_file(int(folder.name), root).is_file()
    )


def read_year(year: int, protocol: Protocol, root: Path | str | None = None) -> YearTables:
    """One year's processed tables and manifest, as the database needs them."""
    manifest = paths.manifest_file(year, root)
    returns = tables.read_csv_text(tables.path("returns", year, root))
    quarantine = tables.read_csv_text(tables.path("quarantine", year, root))
    valid = tables.read_csv_text(tables.path("valid", year, root))
    return YearTables(
        year=year,
        evaluation=tables.read("evaluation", year, root),
        name_matches=tables.read("name_matches", year, root),
        id_history=tables.read("id_history", year, root),
        changes=tables.read("changes", year, root),
        disagreements=tables.read("disagreements", year, root),
        returns=protocol.by_keys(returns),
        valid_keys=frozenset(valid["row_key"]),
        quarantine=quarantine[["row_key", "quarantine_rules", "quarantine_reasons"]],
        return_partnerships=tables.read("return_partnerships", year, root),
        dq_summary=tables.read_dq_summary(year, root),
        manifest=json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else None,
    )


def _wide_columns(years: Sequence[YearTables], toolkit: Toolkit) -> dict[str, str]:
    """partnership_years' columns (name -> SQL type): the evaluation's contract, then the
    single-choice answers the registry adds (in order of first appearance); the principle
    and governance-heading columns go to their own tables."""
    contract = tables.table("evaluation").columns
    principles = set(toolkit.principles)
    columns = {"partnership_id": "TEXT", "year": "INTEGER"}
    columns |= {c: _SQL_TYPES.get(t, "TEXT") for c, t in contract.items() if c != "partnership_id"}
    for tables_of_year in years:
        for column in tables_of_year.evaluation.columns:
            prefix, _, measure = column.partition("_")
            if column in columns or _HEADING.match(column):
                continue
            if prefix in principles and measure in _PRINCIPLE_MEASURES:
                continue
            columns[column] = "TEXT"
    return columns


def _answer_columns(years: Sequence[YearTables], protocol: Protocol) -> dict[str, str]:
    """The returns table's answer columns by key (no personal question), in protocol order."""
    types = {q.key: _ANSWER_TYPES.get(q.type, "TEXT") for q in protocol.questions}
    personal = set(protocol.personal_keys)
    seen: dict[str, str] = {}
    for tables_of_year in years:
        for column in tables_of_year.returns.columns:
            if column in personal or column in _RETURN_PROVENANCE or column == "row_key":
                continue
            if column.removesuffix("_other") in personal:
                continue
            seen.setdefault(column, types.get(column, "TEXT"))
    return seen


def _create_table(name: str, columns: dict[str, str], tail: str) -> str:
    body = ",\n  ".join(f"{_quote(c)} {t}" for c, t in columns.items())
    return f"CREATE TABLE {name} (\n  {body},\n  {tail}\n);\n"


def _script(connection: sqlite3.Connection, script: str) -> None:
    """Run each statement of a script inside the open transaction (``executescript`` would
    commit it first)."""
    for statement in script.split(";\n"):
        if statement.strip():
            connection.execute(statement)


def _insert(
    connection: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
) -> None:
    names = ", ".join(_quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _partnerships(years: Sequence[YearTables]) -> pd.DataFrame:
    """Every partnership ID any year names: the latest name reported, first and last year.

    IDs named only by a change or the ID history (a partnership ended, or carried from a
    year the database does not hold) are listed too, so every foreign key resolves."""
    reported = pd.concat(
        [t.evaluation[["partnership_id", "name"]].assign(year=t.year) for t in years]
        or [pd.DataFrame(columns=["partnership_id", "name", "year"])]
    )
    spans = (
        reported.sort_values(["partnership_id", "year"])
        .groupby("partnership_id", sort=True)
        .agg(
            name=("name", "last"),
            first_year=("year", "min"),
            last_year=("year", "max"),
            years_reported=("year", "nunique"),
        )
        .reset_index()
    )
    others = []
    for t in sorted(years, key=lambda t: t.year):
        others.append(t.changes[["partnership_id", "name"]])
        others.append(t.id_history[["partnership_id", "name"]])
        related = t.id_history[["related_id", "earlier_name"]].dropna(subset=["related_id"])
        others.append(related.set_axis(["partnership_id", "name"], axis=1))
    named = pd.concat(others) if others else pd.DataFrame(columns=["partnership_id", "name"])
    named = named[~named["partnership_id"].isin(spans["partnership_id"])].dropna(
        subset=["partnership_id"]
    )
    extra = (
        named.assign(name=named["name"].fillna(named["partnership_id"]))
        .groupby("partnership_id", sort=True)["name"]
        .last()
        .reset_index()
        .assign(first_year=None, last_year=None, years_reported=0)
    )
    return pd.concat([spans, extra]).sort_values("partnership_id", kind="stable")


def _names(years: Sequence[YearTables]) -> pd.DataFrame:
    """Every name each partnership was reported under, per year: its registry name, each
    name officers typed for it, and the earlier name its ID history records."""
    parts = []
    for t in years:
        parts.append(t.evaluation[["partnership_id", "name"]].assign(source="registry"))
        typed = t.name_matches.dropna(subset=["partnership_id"])
        parts.append(
            typed[["partnership_id", "typed_name"]]
            .rename(columns={"typed_name": "name"})
            .assign(source="reported")
        )
        earlier = t.id_history.dropna(subset=["earlier_name"])
        parts.append(
            earlier[["partnership_id", "earlier_name"]]
            .rename(columns={"earlier_name": "name"})
            .assign(source="earlier_name")
        )
        parts[-3:] = [p.assign(year=t.year) for p in parts[-3:]]
    names = pd.concat(parts).dropna(subset=["name"]).drop_duplicates()
    return names.sort_values(["partnership_id", "year", "source", "name"], kind="stable")


def _principle_rows(t: YearTables, toolkit: Toolkit) -> list[tuple[Any, ...]]:
    """One row per partnership and principle: ID, year, code, name, then its measures."""
    rows = []
    for record in t.evaluation.sort_values("partnership_id").to_dict("records"):
        for code, name in toolkit.principles.items():
            measures = [record.get(f"{code}_{m}") for m in _PRINCIPLE_MEASURES]
            rows.append(
                (record["partnership_id"], t.year, code, name, *(_value(m) for m in measures))
            )
    return rows


def _heading_rows(t: YearTables) -> list[tuple[Any, ...]]:
    headings = [(c, m.group(1)) for c in t.evaluation.columns if (m := _HEADING.match(c))]
    return [
        (record["partnership_id"], t.year, heading, _value(record[column]))
        for record in t.evaluation.sort_values("partnership_id").to_dict("records")
        for column, heading in headings
    ]


def _priority_rows(t: YearTables) -> list[tuple[Any, ...]]:
    rows = set()
    pairs = zip(t.evaluation["partnership_id"], t.evaluation["priorities"], strict=True)
    for pid, priorities in pairs:
        if isinstance(priorities, str):
            rows |= {(pid, t.year, p.strip()) for p in priorities.split("; ") if p.strip()}
    return sorted(rows)


def _returns_frame(t: YearTables, protocol: Protocol) -> pd.DataFrame:
    """The year's returns without personal answers: their status, why quarantined and the
    partnership each accepted return was matched to."""
    personal_ids = protocol.personal_ids
    quarantine = t.quarantine.set_index("row_key")
    matched = t.return_partnerships.set_index("row_key")["partnership_id"]
    keys = t.returns["row_key"]
    status = keys.map(
        lambda k: "valid" if k in t.valid_keys else "quarantined" if k in quarantine.index else ""
    )
    # Free text as typed can hold an email address or a respondent's name: the returns table
    # holds none, as the published evaluation holds none (governance.officers_words).
    names = [t.returns[q.key] for q in protocol.questions if q.personal and q.type == "text"]
    remove_names = governance.name_remover(pd.concat(names) if names else [])
    free_text = {
        q.key: t.returns[q.key].map(
            lambda text: text if text is None else remove_names(governance.without_emails(text))
        )
        for q in protocol.questions
        if q.type == "text" and not q.personal and q.key in t.returns
    }
    return t.returns.assign(
        **free_text,
        year=t.year,
        status=status.where(status != "", None),
        partnership_id=keys.map(matched),
        quarantine_rules=keys.map(quarantine["quarantine_rules"]),
        quarantine_reasons=keys.map(quarantine["quarantine_reasons"]).map(
            lambda text: _redact(text, personal_ids)
        ),
        parse_errors=t.returns["parse_errors"].map(lambda text: _redact(text, personal_ids)),
        parse_warnings=t.returns["parse_warnings"].map(lambda text: _redact(text, personal_ids)),
    )


def _write(
    connection: sqlite3.Connection,
    years: Sequence[YearTables],
    protocol: Protocol,
    toolkit: Toolkit,
    *,
    personal: bool,
) -> None:
    """Create the schema and insert every row, sorted by each table's key."""
    years = sorted(years, key=lambda t: t.year)
    wide = _wide_columns(years, toolkit)
    answers = _answer_columns(years, protocol)
    return_columns = {
        "year": "INTEGER NOT NULL REFERENCES survey_years(year)",
        "row_key": "TEXT NOT NULL",
        **{c: "TEXT" for c in _RETURN_PROVENANCE},
        "source_row": "INTEGER",
        "status": "TEXT",
        "partnership_id": "TEXT REFERENCES partnerships(partnership_id)",
        "quarantine_rules": "TEXT",
        "quarantine_reasons": "TEXT",
        **answers,
    }
    wide_sql = dict(wide)
    wide_sql["partnership_id"] = "TEXT NOT NULL REFERENCES partnerships(partnership_id)"
    wide_sql["year"] = "INTEGER NOT NULL REFERENCES survey_years(year)"
    wide_sql["action"] = "TEXT REFERENCES actions(action)"
    _script(connection, _FIXED_SCHEMA)
    _script(
        connection,
        _create_table("partnership_years", wide_sql, "PRIMARY KEY (partnership_id, year)")
        + _create_table("returns", return_columns, "PRIMARY KEY (year, row_key)")
        + (_PERSONAL_SCHEMA if personal else ""),
    )
    _script(connection, _INDEXES)
    for name, sql in VIEWS.items():
        connection.execute(f"CREATE VIEW {name} AS {sql.strip()}")

    meta = {
        "schema_version": str(SCHEMA_VERSION),
        "years": ", ".join(str(t.year) for t in years),
        "written_from": "data/processed/<year>/*.csv and outputs/<year>/manifest.json",
    }
    _insert(connection, "meta", ["key", "value"], sorted(meta.items()))
    _insert(
        connection,
        "actions",
        ["action", "label", "attention"],
        [(n, a.label, int(a.attention)) for n, a in sorted(toolkit.actions.items())],
    )
    for t in years:
        summary = t.dq_summary
        _insert(
            connection,
            "survey_years",
            [
                "year",
                "closing_date",
                "returns_in",
                "returns_valid",
                "returns_quarantined",
                "returns_with_warnings",
            ],
            [
                (
                    t.year,
                    summary.get("closing_date"),
                    summary.get("rows_in"),
                    summary.get("valid"),
                    summary.get("quarantined"),
                    summary.get("rows_with_warnings"),
                )
            ],
        )
        rules = sorted((t.year, r["rule"], r["rows"]) for r in summary["quarantined_by_rule"])
        _insert(connection, "quarantine_rules", ["year", "rule", "returns"], rules)
        if t.manifest is not None:
            _insert_run(connection, t.year, t.manifest)

    spans = _partnerships(years)
    _insert(connection, "partnerships", list(spans.columns), _rows(spans, spans.columns))
    names = _names(years)
    _insert(connection, "partnership_names", list(names.columns), _rows(names, names.columns))
    for t in years:
        evaluation = t.evaluation.assign(year=t.year).sort_values("partnership_id")
        _insert(connection, "partnership_years", list(wide), _rows(evaluation, wide))
        _insert(connection, "principle_scores", _principle_columns(), _principle_rows(t, toolkit))
        _insert(
            connection,
            "governance_headings",
            ["partnership_id", "year", "heading", "completeness"],
            _heading_rows(t),
        )
        _insert(
            connection,
            "partnership_priorities",
            ["partnership_id", "year", "priority"],
            _priority_rows(t),
        )
        for table, frame, key in (
            ("changes", t.changes, ["partnership_id", "change"]),
            ("id_history", t.id_history, ["partnership_id", "event", "related_id"]),
            ("disagreements", t.disagreements, ["partnership_id", "question"]),
        ):
            ordered = frame.assign(year=t.year).sort_values(key, kind="stable")
            columns = ["year", *[c for c in frame.columns if c != "year"]]
            _insert(connection, table, columns, _rows(ordered, columns))
        returns = _returns_frame(t, protocol).sort_values("row_key", kind="stable")
        _insert(connection, "returns", list(return_columns), _rows(returns, return_columns))
        if personal:
            _insert(connection, PERSONAL_TABLE, *_respondents(t, protocol))
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _principle_columns() -> list[str]:
    return ["partnership_id", "year", "principle", "principle_name", *_PRINCIPLE_MEASURES]


def _insert_run(connection: sqlite3.Connection, year: int, manifest: dict[str, Any]) -> None:
    seconds = manifest.get("seconds", {})
    _insert(
        connection,
        "runs",
        [
            "year",
            "started_at",
            "finished_at",
            "code_commit",
            "python",
            "seconds",
            "input_files",
            "output_files",
        ],
        [
            (
                year,
                manifest["started_at"],
                manifest["finished_at"],
                manifest.get("commit"),
                manifest.get("python"),
                round(sum(seconds.values()), 2),
                len(manifest.get("inputs", [])),
                len(manifest.get("outputs", [])),
            )
        ],
    )
    _insert(
        connection,
        "run_seconds",
        ["year", "step", "seconds"],
        [(year, step, s) for step, s in seconds.items()],
    )


def _respondents(t: YearTables, protocol: Protocol) -> tuple[list[str], list[tuple]]:
    """Who sent each return (the survey team's chase list): the one personal table."""
    personal = [q for q in protocol.questions if q.personal]
    email = next((q.key for q in personal if q.type == "email"), "")
    name = next((q.key for q in personal if q.type != "email"), "")
    who = t.returns.reindex(columns=["row_key", "response_id", name, email, "directorate"])
    who = who.assign(year=t.year).sort_values("row_key", kind="stable")
    columns = ["year", "row_key", "response_id", name, email, "directorate"]
    return (
        ["year", "row_key", "response_id", "name", "email", "directorate"],
        _rows(who, columns),
    )


def build(
    target: Path,
    years: Sequence[YearTables],
    protocol: Protocol,
    toolkit: Toolkit,
    *,
    personal: bool = True,
) -> dict[str, int]:
    """Write a new database file at ``target`` (which must not exist) in one transaction,
    check its foreign keys, and return each table's row count."""
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("BEGIN")
        _write(connection, years, protocol, toolkit, personal=personal)
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise ValueError(f"the database's foreign keys do not hold: {broken[:3]}")
        connection.execute("COMMIT")
        return row_counts(connection)
    finally:
        connection.close()


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows in each table and view, by name."""
    names = [
        n
        for (n,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY type, name"
        )
    ]
    return {n: connection.execute(f"SELECT COUNT(*) FROM {_quote(n)}").fetchone()[0] for n in names}


def write_database(
    root: Path | str | None = None,
    years: Sequence[int] | None = None,
    target: Path | None = None,
) -> dict[str, int]:
    """Rebuild the database from ``years`` (default: every committed year) into a temporary
    file beside ``target`` (default: data/processed/partnerships.sqlite) and rename it over
    the old one: the old file stays as it was until the new one is whole."""
    from pipeline import settings

    target = paths.database_file(root) if target is None else target
    config = settings.load(root)
    chosen = committed_years(root) if years is None else sorted(years)
    loaded = []
    for year in chosen:
        try:
            loaded.append(read_year(year, config.protocol, root))
        except PipelineError as error:
            raise PipelineError(
                f"{year} cannot go into the database: {error} Rebuild that year "
                f"(make report YEAR={year}), then run `python -m pipeline database`."
            ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staged.unlink(missing_ok=True)
    try:
        counts = build(staged, loaded, config.protocol, config.toolkit)
        staging.fsync(staged)
        os.replace(staged, target)
        staging.fsync(target.parent)
    finally:
        staged.unlink(missing_ok=True)
    return counts


def counts_line(counts: dict[str, int]) -> str:
    """The run's one line about the database: its tables' row counts."""
    shown = ", ".join(f"{name} {n}" for name, n in counts.items() if name not in VIEWS)
    return f"database: {shown}"


def browse_copy(source: Path, target: Path) -> Path:
    """A copy of the database without the personal table or any page that held it: the
    file Datasette serves, so that no query, canned or typed, can reach a name or email."""
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        connection.execute(f"DROP TABLE IF EXISTS {PERSONAL_TABLE}")
        connection.execute("VACUUM")
    finally:
        connection.close()
    return target
