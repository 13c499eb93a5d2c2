"""The framework's web pages and their tagged PDFs, in the committee paper's style.

A document family renders its body with its own template (autoescaped: every config and
officer text is escaped), then ``page`` wraps it in one self-contained, accessible page
(lang, title, one main landmark) and ``write_page`` writes it with a PDF/UA-1 copy made by
the report's own export (WeasyPrint, SOURCE_DATE_EPOCH fixed: same HTML, same PDF bytes).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from pipeline import paths
from pipeline.framework import files


@cache
def environment() -> jinja2.Environment:
    """Templates under pipeline/templates/framework/, autoescaped, nothing undefined."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(paths.TEMPLATES_DIR / "framework"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> Markup:
    """A document's body from its template (framework/<template>), escaped."""
    return Markup(environment().get_template(template).render(**context))


def page(title: str, body: Markup) -> str:
    """One whole page: the committee stylesheet, the title, and the body inside <main>.
    The body starts with the document's one <h1>."""
    styles = paths.TEMPLATES_DIR / "committee" / "committee.css"
    extra = paths.TEMPLATES_DIR / "framework" / "framework.css"
    return (
        environment()
        .get_template("page.html.j2")
        .render(
            title=title,
            body=body,
            committee_css=Markup(styles.read_text(encoding="utf-8")),
            framework_css=Markup(extra.read_text(encoding="utf-8")),
        )
    )


def write_page(html: str, path: Path, *, pdf: bool = True) -> list[Path]:
    """Write the page (and, by default, its tagged PDF beside it, same name, .pdf)."""
    from pipeline.report import export

    written = [files.write_text(html, path)]
    if pdf:
        written.append(export.export_pdf(path, path.with_suffix(".pdf")))
    return written
