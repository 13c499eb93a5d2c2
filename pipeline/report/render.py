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
from dataclasses import dataclass
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from pipeline import paths
from pipeline.report import formats

TEMPLATE_DIR = paths.TEMPLATES_DIR / "report"

# A table column: (frame column, header), (frame column, header, format) or (frame column,
# header, format, blank): the format a filter's name, a function of the cell, a mapping from
# value to text, or None (a number's own format by the column's type, else text); blank
# what an empty cell of the column reads as ("None", "Not answered", "not asked" ...).
Format = str | Callable[[Any], str] | Mapping[Any, str] | None
Column = tuple[str, str] | tuple[str, str, Format] | tuple[str, str, Format, str]

# What an empty cell reads as when its column does not say (decision D30): a table never
# prints an empty cell, which a reader cannot tell from a value lost in printing.
BLANK = "n/a"
# A cell of text that is a number as written ("4", "0.500", "£100,000", "-3", "50%"): a
# column of such cells (the method's settings tables) is right-aligned like a typed one.
_NUMBER_TEXT = re.compile(r"^[-−]?£?\d[\d,]*(\.\d+)?%?$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "table"


def _formatter(kind: Format) -> Callable[[Any], str]:
    if kind is None:
        return formats.text
    if isinstance(kind, str):
        return formats.FILTERS[kind]
    if isinstance(kind, Mapping):
        mapping = kind
        return lambda value: formats.text(mapping.get(value, value))
    return kind


def _typed_format(values: pd.Series) -> Format:
    """The format of a column given none: a count for whole numbers (thousands separators),
    a number for other numbers, else text. True/false is not a number."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    return "count" if pd.api.types.is_integer_dtype(values) else "number"


@dataclass(frozen=True)
class ShownColumn:
    """One column as a table prints it: header, cells as text (never empty) and whether it
    holds numbers (right-aligned)."""

    header: str
    cells: tuple[str, ...]
    numeric: bool


def shown_column(
    values: pd.Series, header: str, kind: Format = None, blank: str = BLANK
) -> ShownColumn:
    """A column's cells formatted as text, an empty one reading as ``blank``. It holds
    numbers when its format writes one (formats.NUMERIC), when it is typed as numbers and
    given no format, or when every cell that is not blank is a number as written."""
    if kind is None:
        kind = _typed_format(values)
    texts = [_formatter(kind)(value) for value in values]
    written = [text for text in texts if text.strip()]
    numeric = (isinstance(kind, str) and kind in formats.NUMERIC) or (
        bool(written) and all(_NUMBER_TEXT.match(text.strip()) for text in written)
    )
    cells = tuple(text if text.strip() else blank for text in texts)
    return ShownColumn(header, cells, numeric)


def shown_columns(
    frame: pd.DataFrame, columns: Sequence[Sequence[Any]] | None = None
) -> list[ShownColumn]:
    """The columns a table shows (every column of the frame, under its own name, when
    ``columns`` is None), each formatted and with its blanks filled."""
    if columns is None:
        return [shown_column(frame[name], str(name)) for name in frame.columns]
    shown = []
    for spec in columns:
        kind = spec[2] if len(spec) > 2 else None
        blank = spec[3] if len(spec) > 3 else BLANK
        shown.append(shown_column(frame[spec[0]], str(spec[1]), kind, blank))
    return shown


def shown(frame: pd.DataFrame, columns: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The columns a table shows, under their headers, each cell formatted as text."""
    listed = shown_columns(frame, columns)
    return pd.DataFrame(
        {column.header: list(column.cells) for column in listed},
        columns=[column.header for column in listed],
        index=frame.index,
    )


def _cell(tag: str, text: str, classes: Sequence[str], scope: str = "") -> str:
    attributes = f' scope="{scope}"' if scope else ""
    if classes:
        attributes += f' class="{" ".join(classes)}"'
    return f"<{tag}{attributes}>{escape(text)}</{tag}>"


def table(
    frame: pd.DataFrame,
    caption: str,
    columns: Sequence[Sequence[Any]] | None = None,
    rag: Sequence[str] = (),
    meanings: Mapping[str, str] | None = None,
) -> Markup:
    """An accessible table that prints (decision D30): a caption, a header row that repeats
    on each PDF page, no index, every cell escaped and none empty.

    ``columns`` chooses, names and formats the frame's columns (all of them, numbers by
    their type and the rest as text, when None). A column of numbers has the class "num"
    on its cells and its header (right-aligned, tabular figures); an empty cell reads as
    its column's blank word, else ``BLANK``. RAG columns (by header) carry the band's word
    and a class for its colour (word as well as colour): the class names what the band
    means (``meanings``: label -> strength, borderline or concern), else the word itself.
    A table of more than four columns has the class "wide" (smaller type, full width).
    """
    means = meanings or {}
    listed = shown_columns(frame, columns)

    def classes(column: ShownColumn, text: str | None = None) -> list[str]:
        found = ["num"] if column.numeric else []
        if text is not None and column.header in rag:
            found += ["rag", f"rag-{_slug(str(means.get(text, text)))}"]
        return found

    wide = ' class="wide"' if len(listed) > 4 else ""
    lines = [
        f'<table id="T_{_slug(str(caption))}"{wide}>',
        f"<caption>{escape(caption)}</caption>",
        "<thead>",
        "<tr>" + "".join(_cell("th", c.header, classes(c), "col") for c in listed) + "</tr>",
        "</thead>",
        "<tbody>",
    ]
    for row in range(len(frame)):
        cells = (_cell("td", c.cells[row], classes(c, c.cells[row])) for c in listed)
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return Markup("\n".join(lines))  # every cell, header and the caption escaped above


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
