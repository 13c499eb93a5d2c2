"""Export of an executed report notebook to the committee HTML and the tagged PDF.

Every test that reads the exported HTML or PDF needs ``executed_notebook``, which runs a
small notebook with papermill: those are marked ``e2e`` (left out by `make test-fast`).
The test of the missing-WeasyPrint message runs no notebook and stays a unit test.
"""

from __future__ import annotations

import base64
import html
import os
import re
import sys
from pathlib import Path

import nbformat
import papermill
import pikepdf
import pytest

from pipeline.errors import PipelineError
from pipeline.report import export

TITLE = "Partnerships annual report 2025"
HEADING = "Partnerships in 2025"
ALT_TEXT = (
    "Bar chart of council cost by directorate showing Adults cost most: Adults £120,000; "
    "Children £80,000."
)
CHART_TITLE = "Adults cost the council most"
STDERR_TEXT = "STDERR-MARKER this warning is for auditors"

OFFICER_TEXT = "<script>alert(1)</script> & Partners"

TABLE_CELL = f"""\
import pandas as pd
from IPython.display import HTML, display

from pipeline.report.render import table

costs = pd.DataFrame(
    {{"Directorate": ["Adults", {OFFICER_TEXT!r}], "Cost (£)": [120000, 80000]}}
)
display(HTML(table(costs, "Cost by directorate", [("Directorate", "Directorate"),
                                                  ("Cost (£)", "Cost", "money")])))
"""

CHART_CELL = f"""\
import pandas as pd
from IPython.display import display

from pipeline.report import charts

figure = charts.new_figure(4, 2.5)
axes = figure.add_subplot()
axes.bar(["Adults", "Children"], [120, 80], color="#12436D")
for x, v in enumerate([120, 80]):
    axes.text(x, v, f"£{{v}},000", ha="center", va="bottom")
charts.frame(figure, {CHART_TITLE!r}, "Cost, £ thousand, 2025", "Source: a test")
display(
    charts.Chart(
        key="cost",
        kind="Bar chart",
        figure=figure,
        alt={ALT_TEXT!r},
        title={CHART_TITLE!r},
        subtitle="Cost, £ thousand, 2025",
        source="Source: a test",
        data=pd.DataFrame({{"Directorate": ["Adults", "Children"], "Cost": [120000, 80000]}}),
        caption="cost by directorate",
    )
)
"""

STDERR_CELL = f"""\
import sys

print({STDERR_TEXT!r}, file=sys.stderr)
"""


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small report notebook run for real by papermill: prose, a table, a chart, stderr."""
    folder = tmp_path_factory.mktemp("report")
    source = folder / "report.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                f"# {HEADING}\n\nThe council took part in two partnerships this year."
            ),
            nbformat.v4.new_code_cell(TABLE_CELL),
            nbformat.v4.new_code_cell(CHART_CELL),
            nbformat.v4.new_code_cell(STDERR_CELL),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, source)
    executed = folder / "report.executed.ipynb"
    papermill.execute_notebook(
        str(source), str(executed), kernel_name="python3", progress_bar=False, cwd=str(folder)
    )
    return executed


@pytest.fixture(scope="module")
def html_text(executed_notebook: Path) -> str:
    html_path = export.export_html(
        executed_notebook, executed_notebook.parent / "annual_report.html", title=TITLE
    )
    return html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf_path(executed_notebook: Path, html_text: str) -> Path:
    html_path = executed_notebook.parent / "annual_report.html"
    return export.export_pdf(html_path, executed_notebook.parent / "annual_report.pdf")


@pytest.mark.e2e
def test_export_html_declares_british_english_and_title(html_text: str) -> None:
    assert '<html lang="en-GB">' in html_text
    assert f"<title>{TITLE}</title>" in html_text


@pytest.mark.e2e
def test_export_html_loads_no_scripts(html_text: str) -> None:
    assert "<script" not in html_text
    assert "cdn" not in html_text.lower()


@pytest.mark.e2e
def test_export_html_has_no_code_or_prompts(html_text: str) -> None:
    assert "In&nbsp;[" not in html_text
    assert "Out[" not in html_text
    for source_text in ("render import table", "plt.subplots", "savefig", "file=sys.stderr"):
        assert source_text not in html_text


@pytest.mark.e2e
def test_export_html_keeps_officer_text_escaped_as_the_report_table_wrote_it(
    html_text: str,
) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Partners" in html_text
    assert re.search(r"<td[^>]*>\s*£120,000\s*</td>", html_text)


@pytest.mark.e2e
def test_export_html_drops_stderr(html_text: str) -> None:
    assert "STDERR-MARKER" not in html_text


@pytest.mark.e2e
def test_export_html_keeps_prose_and_table_headers(html_text: str) -> None:
    assert HEADING in html_text
    assert "two partnerships this year" in html_text
    assert re.search(r"<th[^>]*>\s*Directorate\s*</th>", html_text)


@pytest.mark.e2e
def test_export_html_embeds_chart_with_its_alt_text(html_text: str) -> None:
    images = re.findall(r"<img[^>]*>", html_text)

    assert len(images) == 1
    assert 'src="data:image/png;base64,' in images[0]
    assert f'alt="{html.escape(ALT_TEXT, quote=False)}"' in images[0]
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', images[0]).group(1)
    assert base64.b64decode(encoded).startswith(b"\x89PNG")
    figure = re.search(r'<figure class="chart" id="chart-cost">.*?</figure>', html_text, re.DOTALL)
    assert figure and CHART_TITLE in figure.group(0) and "Source: a test" in figure.group(0)
    assert "<caption>Data for the chart: cost by directorate</caption>" in html_text


@pytest.mark.e2e
def test_export_html_is_byte_identical_when_repeated(executed_notebook: Path) -> None:
    first = export.export_html(executed_notebook, executed_notebook.parent / "a.html", title=TITLE)
    second = export.export_html(executed_notebook, executed_notebook.parent / "b.html", title=TITLE)

    assert first.read_bytes() == second.read_bytes()


@pytest.mark.e2e
def test_export_pdf_is_tagged_with_title_language_and_bookmarks(pdf_path: Path) -> None:
    assert pdf_path.read_bytes().startswith(b"%PDF")

    with pikepdf.open(pdf_path) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root
        assert root.MarkInfo.Marked
        assert str(root.Lang) == "en-GB"
        assert str(pdf.docinfo.Title) == TITLE
        with pdf.open_outline() as outline:
            assert [item.title for item in outline.root] == [HEADING]


@pytest.mark.e2e
def test_export_pdf_gives_the_chart_its_alt_text(pdf_path: Path) -> None:
    with pikepdf.open(pdf_path) as pdf:
        alts = [
            str(obj.Alt)
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure" and "/Alt" in obj
        ]

    assert alts == [ALT_TEXT]


@pytest.mark.e2e
def test_export_pdf_is_byte_identical_when_repeated(pdf_path: Path) -> None:
    html_path = pdf_path.with_suffix(".html")

    again = export.export_pdf(html_path, pdf_path.with_name("again.pdf"))

    assert again.read_bytes() == pdf_path.read_bytes()


@pytest.mark.e2e
def test_export_pdf_leaves_the_environment_as_it_found_it(pdf_path: Path) -> None:
    had_epoch = "SOURCE_DATE_EPOCH" in os.environ

    export.export_pdf(pdf_path.with_suffix(".html"), pdf_path.with_name("env.pdf"))

    assert ("SOURCE_DATE_EPOCH" in os.environ) == had_epoch


def test_export_pdf_names_the_apt_line_when_weasyprint_cannot_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html_path = tmp_path / "report.html"
    html_path.write_text("<html lang='en-GB'><title>T</title><p>x</p></html>", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError

    with pytest.raises(PipelineError, match=re.escape(export.WEASYPRINT_APT_LINE)):
        export.export_pdf(html_path, tmp_path / "report.pdf")


def test_export_pdf_resolves_links_where_the_report_is_published_not_where_it_was_built(
    tmp_path: Path,
) -> None:
    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>Report</title></head><body>'
        '<p><a href="data_docs/index.html">Data Docs</a></p></body></html>'
    )
    pdfs = []
    for folder in ("staging", "verify"):
        html_path = tmp_path / folder / "annual_report.html"
        html_path.parent.mkdir()
        html_path.write_text(page, encoding="utf-8")
        pdfs.append(
            export.export_pdf(
                html_path,
                html_path.with_suffix(".pdf"),
                published_as=tmp_path / "published" / "annual_report.html",
            )
        )

    links = [
        str(annotation.A.URI)
        for page in pikepdf.open(pdfs[0]).pages
        for annotation in page.get("/Annots") or []
    ]
    assert links == [(tmp_path / "published" / "data_docs" / "index.html").as_uri()]
    assert pdfs[0].read_bytes() == pdfs[1].read_bytes()


def test_export_pdf_fails_on_weasyprints_own_error_and_writes_no_pdf(tmp_path: Path) -> None:
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    html_path = tmp_path / "report.html"
    html_path.write_text(
        '<!DOCTYPE html><html lang="en-GB"><head><title>T</title></head><body>'
        f'<h1>T</h1><p>A chart with no alt text:</p><img src="{pixel}"></body></html>',
        encoding="utf-8",
    )
    pdf_path = tmp_path / "report.pdf"

    with pytest.raises(PipelineError) as raised:
        export.export_pdf(html_path, pdf_path)

    message = str(raised.value)
    assert "WeasyPrint reported 1 error(s)" in message
    assert "no required alt description" in message
    assert "\n" not in message
    assert not pdf_path.exists()


def test_export_pdf_leaves_weasyprints_logger_without_its_error_catcher(tmp_path: Path) -> None:
    import logging

    handlers_before = list(logging.getLogger("weasyprint").handlers)
    html_path = tmp_path / "report.html"
    html_path.write_text(
        "<!DOCTYPE html><html lang='en-GB'><title>T</title><h1>T</h1><p>x</p></html>",
        encoding="utf-8",
    )

    export.export_pdf(html_path, tmp_path / "report.pdf")

    assert logging.getLogger("weasyprint").handlers == handlers_before
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def _multi_page_html(tmp_path: Path) -> Path:
    """A tagged page of several A4 pages: headings, a table, links between pages."""
    rows = "".join(f"<tr><th scope='row'>Row {n}</th><td>{n * 7}</td></tr>" for n in range(150))
    sections = "".join(
        f"<h2 id='s{n}'>Part {n}</h2><p>{'Words of the part. ' * 60}</p>"
        f"<p><a href='#s{(n + 1) % 6}'>Next part</a></p>"
        for n in range(6)
    )
    html_path = tmp_path / "pages.html"
    html_path.write_text(
        "<!DOCTYPE html><html lang='en-GB'><head><title>Pages</title></head><body>"
        f"<h1>Pages</h1>{sections}<table><caption>Numbers</caption>"
        f"<thead><tr><th scope='col'>Row</th><th scope='col'>Value</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>",
        encoding="utf-8",
    )
    return html_path


def test_page_references_are_kept_per_page_count_with_the_same_values() -> None:
    import pydyf

    export._load_weasyprint_html()  # installs the kept page references (D52)
    kept = pydyf.PDF.page_references
    assert getattr(kept.fget, "_kept_per_page_count", False)
    build = kept.fget.__wrapped__
    pdf = pydyf.PDF()
    for count in range(1, 5):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        first = pdf.page_references
        assert first == build(pdf)
        assert len(first) == count
        assert pdf.page_references is first  # read again: the same tuple, not rebuilt


def test_export_pdf_is_the_same_bytes_with_pydyfs_own_page_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pydyf

    html_path = _multi_page_html(tmp_path)
    kept = export.export_pdf(html_path, tmp_path / "kept.pdf")
    original = pydyf.PDF.page_references.fget.__wrapped__
    monkeypatch.setattr(pydyf.PDF, "page_references", property(original))
    monkeypatch.setattr(export, "_keep_page_references", lambda: None)

    rebuilt = export.export_pdf(html_path, tmp_path / "rebuilt.pdf")

    assert len(pikepdf.open(kept).pages) > 3
    assert kept.read_bytes() == rebuilt.read_bytes()
