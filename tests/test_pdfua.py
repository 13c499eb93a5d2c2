"""The report's PDF passes veraPDF's PDF/UA-1 rules, and the check fails a PDF that does not.

veraPDF runs in a JVM started once for the session (tests/pdfua.py, the ``pdfua`` fixture):
these tests are marked ``e2e`` with the browser and notebook tests, so `make test-fast`
leaves them out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfua import PdfUaChecker

from pipeline import paths

YEAR = 2025
# A one-pixel PNG: an image that needs an alt text and has none.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

pytestmark = pytest.mark.e2e


def _weasyprint_pdf(html: str, pdf_path: Path, variant: str | None) -> Path:
    """``html`` rendered by WeasyPrint directly (not through the export, which refuses it)."""
    from weasyprint import HTML

    HTML(string=html).write_pdf(pdf_path, pdf_variant=variant)
    return pdf_path


def test_pdfua_fails_a_tagged_pdf_without_alt_text_or_language(
    pdfua: PdfUaChecker, tmp_path: Path
) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Bad</title></head><body>"
        f'<h1>Bad</h1><p>An image.</p><img src="{PIXEL}"></body></html>'
    )
    pdf = _weasyprint_pdf(page, tmp_path / "no-alt.pdf", "pdf/ua-1")

    verdict = pdfua.validate(pdf)

    assert not verdict.compliant
    assert verdict.failed_rules == ["7.2-29", "7.3-1"], verdict.summary()  # lang, figure alt
    figure = verdict.failed[1]
    assert figure.count == 1
    assert "Figure tags shall include an alternative representation" in figure.description


def test_pdfua_fails_an_untagged_pdf_on_several_rules(pdfua: PdfUaChecker, tmp_path: Path) -> None:
    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>Plain</title></head><body>'
        "<h1>Plain</h1><p>No structure tree.</p></body></html>"
    )
    pdf = _weasyprint_pdf(page, tmp_path / "untagged.pdf", None)

    verdict = pdfua.validate(pdf)

    assert not verdict.compliant
    assert len(verdict.failed) >= 3, verdict.summary()
    assert all(check.description for check in verdict.failed)


def test_pdfua_loads_the_whole_profile(pdfua: PdfUaChecker) -> None:
    assert pdfua.rule_count >= 100  # veraPDF's PDF/UA-1 profile: 106 rules in 1.31


def test_report_pdf_passes_every_pdfua_rule(pdfua: PdfUaChecker, shared_run) -> None:
    verdict = pdfua.validate(paths.report_pdf(YEAR, shared_run.root))

    assert verdict.compliant, verdict.summary()
    assert verdict.failed == ()
