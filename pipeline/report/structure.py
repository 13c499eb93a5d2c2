"""Report export: the structure a reader (and a screen reader) navigates by, checked in the HTML.

A committee paper has one title (h1), headings that never skip a level (a member's screen
reader lists them as the paper's outline, and the PDF's bookmarks are built from them),
unique ids, and in-page links that land somewhere (the contents list is made of them).
These are pure functions on the HTML text: export_html refuses a report that breaks them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote

_HEADING = re.compile(r"^h([1-6])$")
_SHOWN_TEXT = 60  # characters of a heading's text quoted in a problem


@dataclass
class _Heading:
    level: int
    text: str = ""


@dataclass
class _Outline:
    """What the checks need from a page: its headings in order, its ids, its in-page links."""

    headings: list[_Heading] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    anchor_names: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)


class _OutlineParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outline = _Outline()
        self._open_heading: _Heading | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        element_id = attributes.get("id")
        if element_id is not None:
            self.outline.ids.append(element_id)
        if tag == "a":
            name = attributes.get("name")
            if name:
                self.outline.anchor_names.append(name)  # HTML still lets <a name> be a target
            href = attributes.get("href") or ""
            if href.startswith("#") and len(href) > 1:
                self.outline.fragments.append(href[1:])
        heading = _HEADING.match(tag)
        if heading is not None:
            self._open_heading = _Heading(level=int(heading.group(1)))
            self.outline.headings.append(self._open_heading)

    def handle_endtag(self, tag: str) -> None:
        if _HEADING.match(tag):
            self._open_heading = None

    def handle_data(self, data: str) -> None:
        if self._open_heading is not None:
            self._open_heading.text += data


def _outline(html: str) -> _Outline:
    parser = _OutlineParser()
    parser.feed(html)
    parser.close()
    return parser.outline


def _shown(heading: _Heading) -> str:
    text = " ".join(heading.text.split())
    if len(text) > _SHOWN_TEXT:
        text = text[: _SHOWN_TEXT - 1] + "…"
    return f"h{heading.level} {text!r}"


def _heading_problems(outline: _Outline) -> list[str]:
    headings = outline.headings
    problems = []
    titles = [heading for heading in headings if heading.level == 1]
    if len(titles) != 1:
        named = ", ".join(_shown(heading) for heading in titles)
        problems.append(
            f"{len(titles)} h1 headings (a report has exactly one){': ' + named if named else ''}"
        )
    previous: _Heading | None = None
    for heading in headings:
        previous_level = previous.level if previous is not None else 0
        if heading.level > previous_level + 1:
            after = f"after {_shown(previous)}" if previous is not None else "as the first heading"
            problems.append(f"{_shown(heading)} skips a level {after}")
        previous = heading
    return problems


def _id_problems(outline: _Outline) -> list[str]:
    counts = Counter(outline.ids)
    return [
        f'id "{name}" is used {count} times' for name, count in sorted(counts.items()) if count > 1
    ]


def _link_problems(outline: _Outline) -> list[str]:
    targets = set(outline.ids) | set(outline.anchor_names)
    broken = sorted(
        {
            fragment
            for fragment in outline.fragments
            if fragment not in targets and unquote(fragment) not in targets
        }
    )
    return [f'link to "#{fragment}" has no element with that id' for fragment in broken]


def heading_problems(html: str) -> list[str]:
    """Not exactly one h1, and every heading more than one level below the one before it.

    The first heading counts as following level 0: a page that opens on an h2 skips the h1.
    """
    return _heading_problems(_outline(html))


def id_problems(html: str) -> list[str]:
    """Every id used more than once (a link or a label can reach only one of them)."""
    return _id_problems(_outline(html))


def link_problems(html: str) -> list[str]:
    """Every in-page link (href="#x") with no element of that id (or a name) to land on."""
    return _link_problems(_outline(html))


def structure_problems(html: str) -> list[str]:
    """Everything wrong with the report's outline, ids and in-page links; empty when sound."""
    outline = _outline(html)
    return _heading_problems(outline) + _id_problems(outline) + _link_problems(outline)
