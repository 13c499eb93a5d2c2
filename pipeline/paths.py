"""Every file and folder the project touches, built from one root.

Other modules never build a path from a string: they call these functions, which all
take ``root`` so that tests (and ``--root``) can point the whole pipeline elsewhere.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from pipeline.errors import PipelineError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = ROOT / "notebooks"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

STAGES = ("01_ingest", "02_validate", "03_evaluate", "04_annual_report")
# The largest export read (config/council.yaml max_export_megabytes): a file is read whole,
# and reading a 63 MB CSV peaked at 0.73 GB of memory (76,000 returns), so anything larger
# is refused before it is read rather than left to exhaust the machine.
DEFAULT_MAX_EXPORT_MEGABYTES = 64
MEGABYTE = 1_000_000
# Control and bidi override characters (as removed from cells, decision D22): a file name
# holding one would carry it into the returns' source_file, the report and open data.
_NAME_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def resolve_root(root: Path | str | None = None) -> Path:
    """The folder holding config/, data/ and outputs/; None means the repository."""
    return ROOT if root is None else Path(root).resolve()


def config_dir(root: Path | str | None = None) -> Path:
    return resolve_root(root) / "config"


def protocol_file(root: Path | str | None = None) -> Path:
    return config_dir(root) / "protocol.yaml"


def toolkit_file(root: Path | str | None = None) -> Path:
    return config_dir(root) / "toolkit.yaml"


def council_file(root: Path | str | None = None) -> Path:
    return config_dir(root) / "council.yaml"


def aliases_file(root: Path | str | None = None) -> Path:
    return config_dir(root) / "aliases.yaml"


def raw_dir(year: int, root: Path | str | None = None) -> Path:
    """data/raw/<year>/: the survey platform's exports, read-only to the pipeline."""
    return resolve_root(root) / "data" / "raw" / str(year)


def raw_exports(year: int, root: Path | str | None = None) -> list[Path]:
    """Every file in the year's raw folder, in name order: each must be an export.

    Only hidden files, Excel lock files (~$...), README files and folders are passed over,
    so that a file in a format the pipeline cannot read, a dangling link or a link loop is
    reported (by ``check_exports``), never silently skipped.
    """
    folder = raw_dir(year, root)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if not p.is_dir()
        and not p.name.startswith((".", "~$"))
        and not p.stem.upper().startswith("README")
    )


def _unreadable(path: Path) -> str | None:
    """Why an export cannot be read (a dangling link, a link loop, not a regular file, no
    permission, a control character in its name), or None when it can."""
    if _NAME_CONTROLS.search(path.name):
        return f"{path.name!r} has control characters in its name (rename it)"
    try:
        status = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{path.name} is a symbolic link loop"
        if path.is_symlink():
            return f"{path.name} is a link to {os.readlink(path)}, which does not exist"
        if exc.errno == errno.ENOENT:
            return f"{path.name} not found"
        return f"{path.name} cannot be opened ({exc.strerror})"
    if not stat.S_ISREG(status.st_mode):
        return f"{path.name} is not a regular file"
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror})"
    return None


def check_export(path: Path, max_megabytes: int = DEFAULT_MAX_EXPORT_MEGABYTES) -> None:
    """One export can be read: it exists (a link leads to a file), the pipeline may read it,
    and it is no larger than ``max_megabytes`` (config/council.yaml max_export_megabytes),
    checked before a byte of it is read."""
    problem = _unreadable(path)
    if problem:
        raise PipelineError(f"{problem} (in {path.parent}); fix or remove it and run again.")
    size = path.stat().st_size
    if size > max_megabytes * MEGABYTE:
        raise PipelineError(
            f"{path.name}: {size / MEGABYTE:,.1f} MB, larger than the {max_megabytes} MB "
            "limit for one export (max_export_megabytes in config/council.yaml); split "
            "the export, or raise the limit if the machine has the memory to read it."
        )


def check_exports(
    year: int, root: Path | str | None = None, max_megabytes: int | None = None
) -> list[Path]:
    """The year's exports, each of which can be read, before any stage runs.

    Every dangling link, link loop, unreadable file and (given ``max_megabytes``) file over
    the size limit is named in one line, and stops the run: an export left out would
    change the year's numbers without a word. No exports at all is an error too.
    """
    folder = raw_dir(year, root)
    files = raw_exports(year, root)
    if not files:
        raise PipelineError(
            f"No survey exports for {year} in {folder}: put the year's CSV or XLSX downloads "
            "there (or run `make sample` for the embedded sample)."
        )
    problems = [problem for problem in map(_unreadable, files) if problem]
    if problems:
        raise PipelineError(
            f"{len(problems)} of the {len(files)} file(s) in {folder} cannot be read: "
            f"{'; '.join(problems)}. Fix or remove them and run again."
        )
    if max_megabytes is not None:
        for path in files:
            check_export(path, max_megabytes)
    return files


def processed_dir(year: int, root: Path | str | None = None) -> Path:
    """data/processed/<year>/: the stages' tables, each listed in pipeline/tables.py."""
    return resolve_root(root) / "data" / "processed" / str(year)


def outputs_dir(year: int, root: Path | str | None = None) -> Path:
    return resolve_root(root) / "outputs" / str(year)


def executed_notebooks_dir(year: int, root: Path | str | None = None) -> Path:
    return outputs_dir(year, root) / "notebooks"


def executed_notebook(stage: str, year: int, root: Path | str | None = None) -> Path:
    return executed_notebooks_dir(year, root) / f"{stage}.ipynb"


def executed_notebook_html(stage: str, year: int, root: Path | str | None = None) -> Path:
    """The executed notebook as a web page with its code, for auditors without Jupyter."""
    return executed_notebooks_dir(year, root) / f"{stage}.html"


def source_notebook(stage: str) -> Path:
    """Source notebooks always come from the repository, whatever the data root."""
    return NOTEBOOKS_DIR / f"{stage}.ipynb"


def data_docs_dir(year: int, root: Path | str | None = None) -> Path:
    return outputs_dir(year, root) / "data_docs"


def data_docs_page(year: int, root: Path | str | None = None) -> Path:
    """The validation's Data Docs page: no names or emails, so the report may link to it."""
    return data_docs_dir(year, root) / "index.html"


def data_docs_record(year: int, root: Path | str | None = None) -> Path:
    """The GX validation result beside the page, as JSON: the machine record (decision D26)."""
    return data_docs_dir(year, root) / "validation_result.json"


def report_html(year: int, root: Path | str | None = None) -> Path:
    return outputs_dir(year, root) / "annual_report.html"


def report_pdf(year: int, root: Path | str | None = None) -> Path:
    return outputs_dir(year, root) / "annual_report.pdf"


def manifest_file(year: int, root: Path | str | None = None) -> Path:
    return outputs_dir(year, root) / "manifest.json"


def database_file(root: Path | str | None = None) -> Path:
    """data/processed/partnerships.sqlite: every committed year in one SQLite database,
    rebuilt by each run from the processed tables and manifests (decision D38)."""
    return resolve_root(root) / "data" / "processed" / "partnerships.sqlite"


def browse_dir(root: Path | str | None = None) -> Path:
    """data/processed/browse/: the copy of the database Datasette serves, without the
    personal table, rewritten by each `make browse` (decision D38)."""
    return resolve_root(root) / "data" / "processed" / "browse"


def staging_dir(root: Path | str | None = None) -> Path:
    """<root>/.staging/: where runs build a year before swapping it in (decision D20)."""
    return resolve_root(root) / ".staging"


def staged_root(
    kind: str, year: int, root: Path | str | None = None, process: int | None = None
) -> Path:
    """A root of its own under .staging/ for one year: ``run`` (swapped in when every stage
    and export has succeeded), ``verify`` (never swapped in), each named with its process
    so that nothing a killed run left behind can write into a later run's; or ``failed`` (a
    failed run's files, kept for the auditor until the year's next run)."""
    return staging_dir(root) / (f"{kind}-{year}" + (f"-{process}" if process else ""))


def staging_lock(root: Path | str | None = None) -> Path:
    """The file a run holds a lock on, so that two runs of one root cannot interleave."""
    return staging_dir(root) / "lock"


def swap_journal(root: Path | str | None = None) -> Path:
    """Written before a swap's renames, removed after: a swap cut short is finished from it."""
    return staging_dir(root) / "swap.json"


def report_template_dir() -> Path:
    """The nbconvert template that turns the report notebook into a committee paper."""
    return TEMPLATES_DIR


def open_data_dir(year: int, root: Path | str | None = None) -> Path:
    """outputs/<year>/open_data/: the published registry, no personal data."""
    return outputs_dir(year, root) / "open_data"


def workbook_file(year: int, root: Path | str | None = None) -> Path:
    """outputs/<year>/registry.xlsx: the analyst's workbook. Internal: its Follow-up sheet
    holds officers' names and emails, so it is never published (decision D39)."""
    return outputs_dir(year, root) / "registry.xlsx"


def framework_dir(year: int, root: Path | str | None = None) -> Path:
    """outputs/<year>/framework/: the protocol's documents as in force for the year's run,
    with an agreement pre-filled for each of its key partnerships."""
    return outputs_dir(year, root) / "framework"


def next_framework_dir(root: Path | str | None = None) -> Path:
    """outputs/framework/: the documents `make framework` writes from the config as it is
    now (next year's survey, checklists and forms), whatever year was last run."""
    return resolve_root(root) / "outputs" / "framework"


def questionnaire_file(root: Path | str | None = None) -> Path:
    """docs/questionnaire.md: the printable questionnaire, written from protocol.yaml."""
    return resolve_root(root) / "docs" / "questionnaire.md"


def toolkit_doc_file(root: Path | str | None = None) -> Path:
    """docs/toolkit.md: the toolkit's method for members, written from toolkit.yaml."""
    return resolve_root(root) / "docs" / "toolkit.md"


def pictures_dir(root: Path | str | None = None) -> Path:
    """docs/images/: pictures of the report for the README, written by `make pictures`."""
    return resolve_root(root) / "docs" / "images"


def synthetic_dir() -> Path:
    """data/synthetic/: the sample generator's vocabulary (partnerships, people, snippets).

    Always the repository's, whatever the data root, like source notebooks: it is part of
    the generator, not of a council's data, so a root holding only config/ still generates.
    """
    return ROOT / "data" / "synthetic"
