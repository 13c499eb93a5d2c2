"""The exported report meets WCAG 2.2 AA as far as axe-core can tell, in a real browser.

Chromium comes from Debian (.ci/run installs it); Playwright drives it without
downloading a browser of its own, and axe-core comes bundled in axe-playwright-python.
"""

import re
import shutil

import pytest

from pipeline import paths

YEAR = 2025
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        CHROMIUM is None, reason="needs Chromium: apt-get install -y chromium (CI installs it)"
    ),
]


def _axe_violations(page_path):
    """axe-core's WCAG A/AA results for one local page in headless Chromium, offline."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline page
        page.goto(page_path.as_uri())
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        browser.close()
    return results


def test_axe_check_finds_a_planted_violation(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body><main>"
        '<img src="x.png"></main></body></html>',
        encoding="utf-8",
    )

    assert _axe_violations(page).violations_count >= 2  # no lang, no alt


def test_report_html_has_no_axe_violations_at_wcag_22_aa(shared_run):
    results = _axe_violations(paths.report_html(YEAR, shared_run.root))

    assert results.violations_count == 0, results.generate_report()


def test_data_docs_page_has_no_axe_violations_at_wcag_22_aa(shared_run):
    results = _axe_violations(paths.data_docs_page(YEAR, shared_run.root))

    assert results.violations_count == 0, results.generate_report()
    assert len(results.response["passes"]) >= 10  # axe ran its checks on the page
