"""Nothing in the report's PDF runs off the page: every character lies between the margins.

A table wider than the page is cut off in print (WeasyPrint does not shrink it), so the
clerk's paper would lose the last columns without a word. pypdfium2 reads where each
character was drawn; the margins are the committee stylesheet's @page margins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import paths

YEAR = 2025
POINTS_PER_MM = 72 / 25.4
TOLERANCE_POINTS = 2.0  # a glyph's side bearing may poke a little past the text's edge
SHOWN_TEXT = 50  # characters of a piece of text that runs off, quoted in a problem
SHOWN_PIECES = 3  # pieces of text quoted for one page
COMMITTEE_CSS = paths.report_template_dir() / "committee" / "committee.css"


@dataclass(frozen=True)
class SideMargins:
    """The page's left and right margins, in PDF points."""

    left: float
    right: float


def _side_margins(css: str) -> SideMargins:
    """The left and right margins of the stylesheet's first @page rule (mm, 1 to 4 values)."""
    page_rule = re.search(r"@page\s*\{[^}]*?\bmargin\s*:\s*([^;]+);", css)
    assert page_rule, "the committee stylesheet has no @page { margin: ... } rule"
    values = page_rule.group(1).split()
    assert all(value.endswith("mm") for value in values), f"@page margin not in mm: {values}"
    millimetres = [float(value.removesuffix("mm")) for value in values]
    right = millimetres[1] if len(millimetres) > 1 else millimetres[0]
    left = millimetres[3] if len(millimetres) == 4 else right
    return SideMargins(left=left * POINTS_PER_MM, right=right * POINTS_PER_MM)


def _texts_off(characters: list[tuple[str, float | None]]) -> list[tuple[str, float]]:
    """The page's pieces of text drawn past a margin, each with how far past (points).

    ``characters`` is the page's text in order, each character with how far it lies past the
    margin (None: inside). Spaces between two such characters join one piece: a line of a
    table cut off at the page's edge is one piece, not one per word.
    """
    pieces: list[tuple[str, float]] = []
    text, furthest, pending_spaces = "", 0.0, ""
    for character, beyond in characters:
        if beyond is not None:
            text += (pending_spaces if text else "") + character
            furthest = max(furthest, beyond)
            pending_spaces = ""
        elif character.isspace() and text:
            pending_spaces = " "
        elif text:
            pieces.append((text, furthest))
            text, furthest, pending_spaces = "", 0.0, ""
    if text:
        pieces.append((text, furthest))
    return pieces


def _shown(text: str) -> str:
    return repr(text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…")


def characters_off_the_page(
    pdf_path: Path, margins: SideMargins, tolerance: float = TOLERANCE_POINTS
) -> list[str]:
    """One line per page with text drawn past its left or right margin: how many pieces of
    text, how far the furthest goes, and the first few of them."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    problems = []
    pdf = pypdfium2.PdfDocument(pdf_path)
    try:
        for number, page in enumerate(pdf, start=1):
            lowest = margins.left - tolerance
            highest = page.get_width() - margins.right + tolerance
            text_page = page.get_textpage()
            characters: list[tuple[str, float | None]] = []
            for index in range(text_page.count_chars()):
                character = chr(pdfium_c.FPDFText_GetUnicode(text_page.raw, index))
                beyond = None
                if not character.isspace():
                    left, _, right, _ = text_page.get_charbox(index)
                    past = max(lowest - left, right - highest)
                    beyond = past if past > 0 else None
                characters.append((character, beyond))
            pieces = _texts_off(characters)
            if pieces:
                furthest = max(beyond for _, beyond in pieces)
                examples = ", ".join(_shown(text) for text, _ in pieces[:SHOWN_PIECES])
                more = " …" if len(pieces) > SHOWN_PIECES else ""
                problems.append(
                    f"page {number}: {len(pieces)} piece(s) of text up to {furthest:.0f} pt "
                    f"past the margin: {examples}{more}"
                )
    finally:
        pdf.close()
    return problems


def test_side_margins_come_from_the_page_rule() -> None:
    margins = _side_margins("@page {\n  size: A4;\n  margin: 20mm 18mm 22mm 15mm;\n}")

    assert margins.left == pytest.approx(15 * POINTS_PER_MM)
    assert margins.right == pytest.approx(18 * POINTS_PER_MM)


def test_a_wide_unbreakable_table_is_found_off_the_page(tmp_path: Path) -> None:
    from weasyprint import HTML

    hash_cell = "<td>" + "9f86d081884c7d659a2feaa0c55ad015" * 2 + "</td>"
    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>Wide</title><style>'
        "@page { size: A4; margin: 20mm 18mm 22mm 18mm }</style></head><body>"
        "<h1>Inputs</h1><p>Every file the run read.</p>"
        f"<table><tr><th>File</th><th>SHA-256</th></tr><tr><td>returns.csv</td>{hash_cell}</tr>"
        "</table></body></html>"
    )
    pdf_path = tmp_path / "wide.pdf"
    HTML(string=page).write_pdf(pdf_path)

    problems = characters_off_the_page(
        pdf_path, SideMargins(18 * POINTS_PER_MM, 18 * POINTS_PER_MM)
    )

    assert len(problems) == 1, problems
    assert problems[0].startswith("page 1: 1 piece(s) of text up to ")
    assert "pt past the margin: '" in problems[0]
    assert problems[0].split("'")[1] in hash_cell  # the tail of the hash, quoted


def test_words_cut_off_on_one_line_are_one_piece_of_text() -> None:
    line = [("a", None), (" ", None), ("R", 3.0), ("u", 4.0), (" ", None), ("l", 9.0), ("e", 1.0)]

    assert _texts_off(line + [(" ", None), ("b", None), ("x", 2.0)]) == [
        ("Ru le", 9.0),
        ("x", 2.0),
    ]


def test_a_page_within_its_margins_has_nothing_off_it(tmp_path: Path) -> None:
    from weasyprint import HTML

    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>Narrow</title><style>'
        "@page { size: A4; margin: 20mm 18mm 22mm 18mm }</style></head><body>"
        "<h1>Inputs</h1><table><tr><th>File</th><th>SHA-256</th></tr>"
        "<tr><td>returns.csv</td><td>9f86d081</td></tr></table></body></html>"
    )
    pdf_path = tmp_path / "narrow.pdf"
    HTML(string=page).write_pdf(pdf_path)

    assert (
        characters_off_the_page(pdf_path, SideMargins(18 * POINTS_PER_MM, 18 * POINTS_PER_MM)) == []
    )


@pytest.mark.e2e
def test_nothing_in_the_report_pdf_runs_off_the_page(shared_run) -> None:
    margins = _side_margins(COMMITTEE_CSS.read_text(encoding="utf-8"))

    problems = characters_off_the_page(paths.report_pdf(YEAR, shared_run.root), margins)

    assert problems == [], "\n".join(problems)


def _committee_page(body: str) -> str:
    css = COMMITTEE_CSS.read_text(encoding="utf-8")
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><title>Paper</title>'
        f"<style>{css}</style></head><body><main>{body}</main></body></html>"
    )


def test_a_long_first_cell_of_a_narrow_table_wraps_within_the_page(tmp_path: Path) -> None:
    from weasyprint import HTML

    title = "Partnership survey returns for the year, with respondents' details, " * 3
    page = _committee_page(
        "<h1>Background papers</h1><table><caption>Background papers</caption><thead><tr>"
        '<th scope="col">Document</th><th scope="col">Held by</th></tr></thead><tbody>'
        f"<tr><td>{title}</td><td>Policy and Partnerships team</td></tr></tbody></table>"
    )
    pdf_path = tmp_path / "papers.pdf"
    HTML(string=page).write_pdf(pdf_path)

    margins = _side_margins(COMMITTEE_CSS.read_text(encoding="utf-8"))
    assert characters_off_the_page(pdf_path, margins) == []
