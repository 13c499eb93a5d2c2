"""The exported report passes every axe-core rule, in a real browser.

Every rule axe runs by default: WCAG 2.0-2.2 A and AA and axe's best practices (one main
landmark, headings in order, a region for all content and the like), minor or not: no
`runOnly` (decision D31). Chromium comes from Debian (.ci/run installs it); Playwright
drives it without downloading a browser of its own, and axe-core comes bundled in
axe-playwright-python.
"""

import re
import shutil

import pytest
from helpers import REQUIRE_ALL_CHECKS

from pipeline import paths

YEAR = 2025
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        CHROMIUM is None and not REQUIRE_ALL_CHECKS,
        reason="needs Chromium: apt-get install -y chromium (CI installs it)",
    ),
]


def _axe_violations(page_path):
    """axe-core's results, every rule, for one local page in headless Chromium, offline."""
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
        results = Axe().run(page)  # every rule: no runOnly
        browser.close()
    return results


def test_axe_check_finds_a_planted_violation(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body><main>"
        '<img src="x.png"></main></body></html>',
        encoding="utf-8",
    )

    results = _axe_violations(page)

    assert results.violations_count >= 3, results.generate_report()  # no lang, no alt, no h1
    rules = {violation["id"] for violation in results.response["violations"]}
    assert {"html-has-lang", "image-alt", "page-has-heading-one"} <= rules  # best practice too


def test_report_html_has_no_axe_violations_of_any_rule(shared_run):
    results = _axe_violations(paths.report_html(YEAR, shared_run.root))

    assert results.violations_count == 0, results.generate_report()


def test_data_docs_page_has_no_axe_violations_of_any_rule(shared_run):
    results = _axe_violations(paths.data_docs_page(YEAR, shared_run.root))

    assert results.violations_count == 0, results.generate_report()
    assert len(results.response["passes"]) >= 10  # axe ran its checks on the page
