"""Report export: the executed report notebook to one committee-ready HTML file and a tagged PDF.

nbconvert turns the notebook into HTML with the project's ``committee`` template, then
WeasyPrint renders that same HTML to PDF/UA. No LaTeX, no browser (decision D12).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, wraps
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from pipeline import paths
from pipeline.errors import PipelineError
from pipeline.report import structure

logger = logging.getLogger(__name__)

TEMPLATE_NAME = "committee"
PDF_VARIANT = "pdf/ua-1"
WEASYPRINT_APT_LINE = (
    "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core "
    "fonts-liberation"
)
# WeasyPrint warns about every CSS property it does not support (a few hundred on an
# nbconvert page) and fontTools about subsetting: noise for whoever runs the report.
_NOISY_LOGGERS = ("weasyprint", "fontTools")
# Where HarfBuzz-Subset is missing, WeasyPrint subsets fonts with fontTools, which stamps
# the current time into each font's head table unless SOURCE_DATE_EPOCH is set: a fixed
# value keeps the PDF byte-identical across runs (HarfBuzz leaves the stamp alone).
_FIXED_SOURCE_DATE_EPOCH = "0"


@cache
def _committee_exporter() -> HTMLExporter:
    """An HTMLExporter that writes a paper: no code, no prompts, images inside the file.

    One for the process, so that a run of several years compiles its templates once."""
    return HTMLExporter(
        extra_template_basedirs=[str(paths.report_template_dir())],
        template_name=TEMPLATE_NAME,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
    )


def _without_stderr(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without stderr streams: warnings and log lines are for the auditors' notebook.

    The template drops them too; removing them here keeps them out of the HTML whatever
    template is in use.
    """
    cleaned = nbformat.from_dict(notebook)
    for cell in cleaned.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                output
                for output in cell.get("outputs", [])
                if not (output.output_type == "stream" and output.get("name") == "stderr")
            ]
    return cleaned


@contextmanager
def _quiet_loggers(names: tuple[str, ...], level: int = logging.ERROR) -> Iterator[None]:
    """Raise the given loggers to ``level`` for the duration, then put them back."""
    saved = {name: logging.getLogger(name).level for name in names}
    try:
        for name in names:
            logging.getLogger(name).setLevel(level)
        yield
    finally:
        for name, level_before in saved.items():
            logging.getLogger(name).setLevel(level_before)


class _RecordsAtError(logging.Handler):
    """Keeps every record at ERROR or above that reaches the logger it is attached to."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _errors_logged_by(name: str) -> Iterator[list[logging.LogRecord]]:
    """The records at ERROR or above that logger ``name`` (or a child) logs meanwhile.

    The logger's own level decides what reaches the handler: _quiet_loggers leaves ERROR.
    """
    handler = _RecordsAtError()
    target = logging.getLogger(name)
    target.addHandler(handler)
    try:
        yield handler.records
    finally:
        target.removeHandler(handler)


def _one_line(records: list[logging.LogRecord], shown: int = 5) -> str:
    """The distinct messages of ``records`` in one line, the first ``shown`` of them."""
    messages = list(dict.fromkeys(" ".join(record.getMessage().split()) for record in records))
    text = "; ".join(messages[:shown])
    if len(messages) > shown:
        text += f"; and {len(messages) - shown} more"
    return text


@contextmanager
def _fixed_source_date_epoch() -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH for the duration unless the caller already chose one."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = _FIXED_SOURCE_DATE_EPOCH
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def _keep_page_references() -> None:
    """Make pydyf's ``PDF.page_references`` build its tuple once per page count (D52).

    pydyf builds the tuple of every page's reference afresh on each read, and WeasyPrint's
    PDF/UA tagging reads it once for every tagged box: about 50,000 reads of a 235-entry
    tuple for the committee paper, some 4 s of its PDF. The tuple changes only when a page
    is added (``add_page`` extends ``Kids``), so it is kept with the ``Kids`` list and its
    length it was built from: the same values, so the same PDF bytes (a test renders a
    tagged PDF both ways). Installed once; a pydyf without the property is left alone.
    """
    import pydyf

    current = pydyf.PDF.__dict__.get("page_references")
    if not isinstance(current, property) or current.fget is None:
        return
    if getattr(current.fget, "_kept_per_page_count", False):
        return
    build = current.fget

    @wraps(build)
    def page_references(pdf: Any) -> Any:
        kids = pdf.pages["Kids"]
        kept = pdf.__dict__.get("_page_references_kept")
        if kept is None or kept[0] is not kids or kept[1] != len(kids):
            kept = (kids, len(kids), build(pdf))
            pdf.__dict__["_page_references_kept"] = kept
        return kept[2]

    page_references._kept_per_page_count = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references, doc=current.__doc__)


def _load_weasyprint_html() -> type:
    """WeasyPrint's HTML class, or a PipelineError naming the Debian packages it needs.

    Imported here, not at module level, so that everything else in the pipeline runs on
    a machine without Pango.
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        raise PipelineError(
            f"WeasyPrint cannot load its system libraries ({error}); "
            f"install them with: {WEASYPRINT_APT_LINE}"
        ) from error
    _keep_page_references()
    return HTML


def export_html(executed_notebook: Path, html_path: Path, *, title: str) -> Path:
    """Write the executed report notebook as one self-contained committee paper.

    Members read the paper, auditors read the notebook: so the HTML has the notebook's
    prose, tables and charts (with their alt text) but no code, prompts or stderr, and it
    loads nothing from elsewhere. The same notebook always gives the same bytes. A page
    whose headings, ids or in-page links are broken (report.structure) is refused.
    """
    notebook = nbformat.read(executed_notebook, as_version=4)
    notebook = _without_stderr(notebook)
    notebook.metadata["title"] = title
    resources = {"metadata": {"name": title, "path": str(executed_notebook.parent)}}

    body, _ = _committee_exporter().from_notebook_node(notebook, resources=resources)
    problems = structure.structure_problems(body)
    if problems:
        raise PipelineError(
            f"The report made from {executed_notebook} is not sound, so it was not written: "
            f"{'; '.join(problems)}. Fix the headings, ids or links in the report notebook "
            "or its templates and run again"
        )

    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8", newline="\n")
    logger.debug("Wrote %s", html_path)
    return html_path


def export_pdf(html_path: Path, pdf_path: Path, *, published_as: Path | None = None) -> Path:
    """Render the committee HTML to a tagged PDF (PDF/UA-1) for printing and circulation.

    PDF/UA gives a structure tree, the document language and title, bookmarks from the
    headings and the charts' alt text, which the default PDF variant leaves out. The
    HTML carries no dates, so the same HTML gives the same PDF bytes. The PDF writes the
    report's relative links as file URLs: they are resolved against ``published_as``,
    where the HTML is published, when it is rendered elsewhere (staging, decision D20).
    WeasyPrint's own ERROR log lines fail the export, and no PDF is written (D31).
    """
    base_url = str(published_as or html_path)
    # Quiet from the import on: WeasyPrint parses its own stylesheets when first imported.
    # Its warnings are noise, but an ERROR (an image with no alt text under PDF/UA, a
    # stylesheet it cannot read) means the PDF is not what the HTML says: no PDF then.
    with (
        _quiet_loggers(_NOISY_LOGGERS),
        _fixed_source_date_epoch(),
        _errors_logged_by("weasyprint") as errors,
    ):
        html_class = _load_weasyprint_html()
        pdf_bytes = html_class(filename=str(html_path), base_url=base_url).write_pdf(
            pdf_variant=PDF_VARIANT
        )
    if errors:
        raise PipelineError(
            f"WeasyPrint reported {len(errors)} error(s) rendering {html_path} to PDF, so no "
            f"PDF was written: {_one_line(errors)}. Fix the report's HTML (for example give "
            "every image alt text) and run again"
        )
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.write_bytes(pdf_bytes)
    logger.debug("Wrote %s", pdf_path)
    return pdf_path
