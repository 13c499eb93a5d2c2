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
