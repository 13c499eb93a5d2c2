"""The report's Jinja2 environment: templates under pipeline/templates/report/, the number
formats as filters, and ``table`` for accessible tables.

HTML templates (``*.html.j2``) and Markdown ones (``*.md.j2``) escape every value they are
given, so officer-typed text cannot become markup; only ``table``'s output is marked safe,
because it escapes every cell itself. Plain-text templates (``*.txt.j2``: chart titles and
alt text) are not escaped here: nbconvert escapes alt text when it writes the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from pipeline import paths
from pipeline.report import formats

TEMPLATE_DIR = paths.TEMPLATES_DIR / "report"

# A table column: (frame column, header) or (frame column, header, format), the format
# being a filter's name, a function of the cell, or a mapping from value to text.
Format = str | Callable[[Any], str] | Mapping[Any, str]
Column = tuple[str, str] | tuple[str, str, Format]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "table"


def _formatter(kind: Format | None) -> Callable[[Any], str]:
    if kind is None:
        return formats.text
    if isinstance(kind, str):
        return formats.FILTERS[kind]
    if isinstance(kind, Mapping):
        mapping = kind
        return lambda value: formats.text(mapping.get(value, value))
    return kind


def shown(frame: pd.DataFrame, columns: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The columns a table shows, under their headers, each cell formatted as text."""
    data = {}
    for spec in columns:
        source, header = spec[0], spec[1]
        format_cell = _formatter(spec[2] if len(spec) > 2 else None)
        data[header] = [format_cell(value) for value in frame[source]]
    return pd.DataFrame(data, columns=[spec[1] for spec in columns])


def table(
    frame: pd.DataFrame,
    caption: str,
    columns: Sequence[Sequence[Any]] | None = None,
    rag: Sequence[str] = (),
    meanings: Mapping[str, str] | None = None,
) -> Markup:
    """An accessible table: a caption, header cells, no index, every cell escaped.

    ``columns`` chooses, names and formats the frame's columns (all of them, as text, when
    None). RAG columns (by header) carry the band's word and a class for its colour (word
    as well as colour): the class names what the band means (``meanings``: label ->
    strength, borderline or concern), else the word itself.
    """
    means = meanings or {}
    cells = (
        shown(frame, columns)
        if columns is not None
        else frame.astype(object).map(formats.text)
        if len(frame.columns)
        else frame
    )
    styler = (
        cells.style.hide(axis="index")
        .set_caption(str(escape(caption)))
        .set_uuid(_slug(str(caption)))
        .format(escape="html")
        .format_index(escape="html", axis=1)
    )
    if len(cells.columns) > 4:
        styler = styler.set_table_attributes('class="wide"')
    if rag:
        classes = pd.DataFrame("", index=cells.index, columns=cells.columns)
        for column in rag:
            classes[column] = cells[column].map(lambda v: f"rag rag-{_slug(str(means.get(v, v)))}")
        styler = styler.set_td_classes(classes)
    return Markup(styler.to_html())  # every cell, header and the caption escaped above


@jinja2.pass_context
def _table_in_template(context: jinja2.runtime.Context, *args: Any, **kwargs: Any) -> Markup:
    """``table`` for templates: a template given the toolkit (``kit``) colours its bands by
    what they mean, whatever the instrument calls them."""
    kit = context.get("kit")
    if kit is not None and "meanings" not in kwargs:
        kwargs["meanings"] = kit.band_meanings()
    return table(*args, **kwargs)


def _autoescape(name: str | None) -> bool:
    return name is None or not name.endswith(".txt.j2")


ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=_autoescape,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
ENVIRONMENT.filters.update(formats.FILTERS)
ENVIRONMENT.globals["table"] = _table_in_template


def render(name: str, **context: Any) -> str:
    """A template under pipeline/templates/report/, rendered with ``context``."""
    return ENVIRONMENT.get_template(name).render(**context).strip()


def macros(name: str) -> Any:
    """A template's macros and top-level variables (chart wording in figures.txt.j2)."""
    return ENVIRONMENT.get_template(name).module
