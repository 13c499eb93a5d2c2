"""The report's outline, ids and in-page links: pure checks on planted pages, and the real report.

export_html refuses a page with any of these problems, so a broken report never ships.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from pipeline import paths
from pipeline.errors import PipelineError
from pipeline.report import export, structure

YEAR = 2025


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><title>T</title></head>'
        f"<body><main>{body}</main></body></html>"
    )


SOUND = _page(
    '<h1 id="title">Report</h1>'
    '<nav><a href="#summary">Summary</a> <a href="#fin%C2%A3">Money</a></nav>'
    '<h2 id="summary">1. Summary</h2><h3 id="s-a">1.1 A</h3><h4>Detail</h4>'
    '<h2 id="fin£">2. Money</h2><p><a name="old-anchor">x</a><a href="#old-anchor">y</a></p>'
)


def test_a_sound_page_has_no_structure_problems() -> None:
    assert structure.structure_problems(SOUND) == []


def test_a_page_without_an_h1_is_named() -> None:
    problems = structure.heading_problems(_page("<h2>Summary</h2>"))

    assert problems[0] == "0 h1 headings (a report has exactly one)"
    assert problems[1] == "h2 'Summary' skips a level as the first heading"


def test_a_page_with_two_h1_names_both() -> None:
    problems = structure.heading_problems(_page("<h1>Report</h1><h1>Appendix <em>A</em></h1>"))

    assert problems == ["2 h1 headings (a report has exactly one): h1 'Report', h1 'Appendix A'"]


def test_a_heading_that_skips_a_level_is_named_with_the_one_before() -> None:
    page = _page("<h1>Report</h1><h2>4. Findings</h2><h4>Cost</h4><h2>5. Next</h2><h3>5.1</h3>")

    assert structure.heading_problems(page) == ["h4 'Cost' skips a level after h2 '4. Findings'"]


def test_a_long_heading_is_shortened_in_the_problem() -> None:
    page = _page("<h1>Report</h1><h3>" + "word " * 40 + "</h3>")

    (problem,) = structure.heading_problems(page)

    assert problem.startswith("h3 'word word")
    assert "…'" in problem
    assert len(problem) < 120


def test_a_duplicate_id_is_named_with_its_count() -> None:
    page = _page(
        '<h1 id="r">Report</h1><h2 id="governance">Governance</h2><h2 id="governance">Governance'
        '</h2><p id="governance">x</p><p id="r2">y</p>'
    )

    assert structure.id_problems(page) == ['id "governance" is used 3 times']


def test_an_in_page_link_without_its_target_is_named() -> None:
    page = _page(
        '<h1>Report</h1><a href="#appendix-b">B</a><a href="#appendix-b">B again</a>'
        '<a href="#">top</a><a href="other.html#x">elsewhere</a><h2 id="appendix-a">A</h2>'
    )

    assert structure.link_problems(page) == ['link to "#appendix-b" has no element with that id']


def test_structure_problems_lists_every_kind() -> None:
    page = _page('<h2 id="a">A</h2><h2 id="a">B</h2><a href="#c">C</a>')

    problems = structure.structure_problems(page)

    assert len(problems) == 4  # no h1, first heading skips, duplicate id, broken link


def test_export_html_refuses_a_report_with_a_broken_structure(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Report\n\n#### Too deep\n\n[Nowhere](#nowhere)")]
    )
    source = tmp_path / "report.ipynb"
    nbformat.write(notebook, source)
    html_path = tmp_path / "annual_report.html"

    with pytest.raises(PipelineError) as raised:
        export.export_html(source, html_path, title="Report")

    message = str(raised.value)
    assert "h4 'Too deep' skips a level after h1 'Report'" in message
    assert 'link to "#nowhere" has no element with that id' in message
    assert "\n" not in message
    assert not html_path.exists()


@pytest.mark.e2e
def test_the_report_has_one_h1_ordered_headings_unique_ids_and_links_that_land(
    shared_run,
) -> None:
    html = paths.report_html(YEAR, shared_run.root).read_text(encoding="utf-8")

    assert structure.structure_problems(html) == []
    assert len(re.findall(r"<h2[\s>]", html)) >= 5  # the checks saw the report's sections
