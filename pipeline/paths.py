"""Every file and folder the project touches, built from one root.

Other modules never build a path from a string: they call these functions, which all
take ``root`` so that tests (and ``--root``) can point the whole pipeline elsewhere.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = ROOT / "notebooks"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

STAGES = ("01_ingest", "02_validate", "03_evaluate", "04_annual_report")


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

    Only hidden files, Excel lock files (~$...) and README files are passed over, so that
    a file in a format the pipeline cannot read is reported, never silently skipped.
    """
    folder = raw_dir(year, root)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith((".", "~$"))
        and not p.stem.upper().startswith("README")
    )


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


def report_html(year: int, root: Path | str | None = None) -> Path:
    return outputs_dir(year, root) / "annual_report.html"


def report_pdf(year: int, root: Path | str | None = None) -> Path:
    return outputs_dir(year, root) / "annual_report.pdf"


def manifest_file(year: int, root: Path | str | None = None) -> Path:
    return outputs_dir(year, root) / "manifest.json"


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


def questionnaire_file(root: Path | str | None = None) -> Path:
    """docs/questionnaire.md: the printable questionnaire, written from protocol.yaml."""
    return resolve_root(root) / "docs" / "questionnaire.md"


def toolkit_doc_file(root: Path | str | None = None) -> Path:
    """docs/toolkit.md: the toolkit's method for members, written from toolkit.yaml."""
    return resolve_root(root) / "docs" / "toolkit.md"


def synthetic_dir() -> Path:
    """data/synthetic/: the sample generator's vocabulary (partnerships, people, snippets).

    Always the repository's, whatever the data root, like source notebooks: it is part of
    the generator, not of a council's data, so a root holding only config/ still generates.
    """
    return ROOT / "data" / "synthetic"
