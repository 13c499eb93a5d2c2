"""The published report as a committee paper (decision D28), on the session's shared run:
the contents list names every section and profile and each entry lands on its heading,
the PDF's bookmarks list the sections and every profile, each appendix and profile
starts a page, and every page after the first carries the title and its number."""

from __future__ import annotations

import re

import pikepdf
import pypdfium2
import pytest

from pipeline import paths
from pipeline.report import outline

YEAR = 2025
TITLE = f"Annual Report on Key Partnerships {YEAR}"

pytestmark = pytest.mark.e2e


def _page_texts(root) -> list[str]:
    pdf = pypdfium2.PdfDocument(paths.report_pdf(YEAR, root))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def test_contents_link_every_section_and_profile_to_its_heading(shared_run):
    page = paths.report_html(YEAR, shared_run.root).read_text(encoding="utf-8")
    contents = re.search(r'<nav[^>]*class="contents".*?</nav>', page, re.DOTALL).group(0)
    links = re.findall(r'<a href="#([^"]+)">', contents)
    profiles = re.findall(r'<section[^>]*class="profile"[^>]*id="([^"]+)"', page)

    assert [a for a in links if not a.startswith("profile-")] == [
        s.anchor for s in outline.OUTLINE if s.anchor != "contents"
    ]
    assert sorted(a for a in links if a.startswith("profile-")) == sorted(profiles)
    assert len(profiles) >= 18  # every key partnership, and those for review or exit
    for anchor in links:
        assert page.count(f'id="{anchor}"') == 1, anchor


def test_pdf_bookmarks_list_the_sections_and_every_profile(shared_run):
    page = paths.report_html(YEAR, shared_run.root).read_text(encoding="utf-8")
    headings = re.findall(r'<section[^>]*class="profile"[^>]*>\s*<h3[^>]*>([^<]+)</h3>', page)
    with pikepdf.open(paths.report_pdf(YEAR, shared_run.root)) as pdf:
        with pdf.open_outline() as tree:
            titles: list[str] = []
            stack = list(tree.root)
            while stack:
                item = stack.pop(0)
                titles.append(str(item.title))
                stack[:0] = list(item.children)

    for section in outline.OUTLINE:
        if section.level == 2 and not section.anchor.startswith("appendix-b"):
            assert section.text() in titles, section.text()
    assert len(headings) >= 18
    for heading in headings:
        assert " ".join(heading.split()).replace("&amp;", "&") in titles
    assert not any(t in {"Money", "Governance", "Purpose"} for t in titles)  # profiles' parts


def test_each_appendix_and_profile_starts_a_page_and_every_page_names_the_report(shared_run):
    texts = _page_texts(shared_run.root)
    # pdfium gives a page's body first and its margin boxes (running title, number) last
    first_lines = [text.lstrip().splitlines()[0] for text in texts]

    assert first_lines[0] == "Northmoor County Council"
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        if number > 1:
            assert TITLE in text, f"page {number} has no running title"
    for letter in "ACDE":
        assert any(line.startswith(f"Appendix {letter}:") for line in first_lines), letter
    assert sum(bool(re.match(r"A\d+\. ", line)) for line in first_lines) >= 18
