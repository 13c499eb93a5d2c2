"""`make browse`: the monitoring database in Datasette, read-only, on this machine only.

Datasette serves a copy without the personal table (``database.browse_copy``), rewritten at
each start under data/processed/browse/, so no page, download or typed SQL query can reach a
respondent's name or email: hiding a table in Datasette's metadata would still leave it to
SQL (decision D38). The copy is opened immutable, so nothing can write to it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from pipeline import database, paths
from pipeline.errors import PipelineError

HOST = "127.0.0.1"
DEFAULT_PORT = 8001
DATABASE_NAME = "partnerships"  # Datasette names a database by its file's stem

# What each view answers, as the canned query's title (docs/database.md).
QUERIES: dict[str, str] = {
    "key_partnerships_this_year": "Key partnerships this year",
    "partnership_history": "One partnership's history across years",
    "partnerships_by_priority": "Partnerships by Council Plan priority, with their cost",
    "priority_costs": "Cost and partnerships per Council Plan priority, by year",
    "partnership_changes_between_years": "Recommendation, value for money or risk changed",
    "attention_two_years_running": "Recommended for review or exit two years running",
    "quarantine_by_year": "Returns quarantined, by year and rule",
}
FACETS: dict[str, list[str]] = {
    "partnership_years": ["year", "directorate", "action"],
    "key_partnerships_this_year": ["directorate", "action"],
    "partnership_history": ["year", "directorate", "action"],
    "partnerships_by_priority": ["year", "priority", "action"],
    "partnership_changes_between_years": ["year", "action_now"],
    "attention_two_years_running": ["year", "action_now"],
    "returns": ["year", "status", "directorate"],
}


def metadata(council_name: str) -> dict[str, Any]:
    """Datasette's metadata: title, description, licence note, canned queries and facets."""
    queries: dict[str, dict[str, str]] = {}
    for view, title in QUERIES.items():
        sql = f"select * from {view}"
        if view == "partnership_history":
            sql += " where partnership_id = :partnership_id"
        queries[view.replace("_", "-")] = {"sql": sql, "title": title}
    return {
        "title": f"{council_name}: monitoring of partnerships",
        "description": (
            "Every partnership the survey has recorded, year by year: registry, evaluation, "
            "changes, quarantined returns and runs. Read-only; see docs/database.md."
        ),
        "license": "Internal to the council: not open data (the published registry is "
        "outputs/<year>/open_data/)",
        "databases": {
            DATABASE_NAME: {
                "queries": queries,
                "tables": {name: {"facets": facets} for name, facets in FACETS.items()},
            }
        },
    }


def prepare(root: Path | str | None = None) -> tuple[Path, Path]:
    """Write the browse copy and its metadata under data/processed/browse/; return both."""
    from pipeline import settings

    source = paths.database_file(root)
    if not source.is_file():
        raise PipelineError(
            f"{source}: no database yet; run a year first (make report), or rebuild it from "
            "the years already run with `python -m pipeline database`."
        )
    folder = paths.browse_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    copy = database.browse_copy(source, folder / f"{DATABASE_NAME}.sqlite")
    described = folder / "metadata.json"
    council = settings.load(root).council.council_name
    described.write_text(json.dumps(metadata(council), indent=2) + "\n", encoding="utf-8")
    return copy, described


def command(copy: Path, described: Path, port: int) -> list[str]:
    """The Datasette command line: the copy immutable, on localhost only."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "--immutable",
        str(copy),
        "--metadata",
        str(described),
        "--host",
        HOST,
        "--port",
        str(port),
        "--setting",
        "default_page_size",
        "200",
    ]


def serve(root: Path | str | None = None, port: int = DEFAULT_PORT) -> None:
    """Replace this process with Datasette serving the browse copy (Ctrl-C stops it)."""
    argv = command(*prepare(root), port)
    print(f"Browse the partnerships database at http://{HOST}:{port}/{DATABASE_NAME}")
    sys.stdout.flush()
    os.execv(argv[0], argv)
