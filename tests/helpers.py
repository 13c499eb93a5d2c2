"""Shared by the report tests (test_report_metrics, test_report_sections): the pinned toolkit
they read and a way to add an action to it; and names the registry and stage tests share.

A plain module, not a test module, so that importing it collects no tests. KIT starts from
the pinned toolkit (tests/backtest/config/toolkit.yaml), never config/toolkit.yaml, so that
tuning the live toolkit does not change what these tests expect; the settings the tests'
hand-made frames rely on (two principles, the labels, the actions) are
then set here explicitly.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path

from pipeline import protocol, toolkit
from pipeline.toolkit import Action, Band, Domain

PINNED = Path(__file__).parent / "backtest"  # holds config/toolkit.yaml, the pinned copy
PROTOCOL = protocol.load()

_PINNED_KIT = toolkit.load(PINNED, PROTOCOL)
_BANDS = (
    Band(start=1, label="Concern", means="concern"),
    Band(start=3.0, label="Borderline", means="borderline"),
    Band(start=4.0, label="Strength", means="strength"),
)
KIT = dataclasses.replace(
    _PINNED_KIT,
    instrument=_PINNED_KIT.instrument.model_copy(
        update={
            "domains": {
                "P1": Domain(name="Purpose", weight=1),
                "P2": Domain(name="Trust", weight=1),
            },
            "domain_bands": _BANDS,
            "overall_bands": _BANDS,
            "not_enough_answers": "Not enough answers",
            "disagree_from": 2.0,
        }
    ),
    risk_order=("Low", "Medium", "High"),
    impact_assessment_question="equality_impact_assessment",
    actions={
        "exit": Action(label="Exit", colour="#12436D", attention=True),
        "review": Action(label="Review", colour="#12436D", attention=True),
        "develop": Action(label="Develop", colour="#12436D"),
        "continue": Action(label="Continue", colour="#12436D"),
    },
)

# Set by .ci/run: the accessibility and PDF/UA checks fail, not skip, when their tools are
# missing, so that CI can never pass without running them.
REQUIRE_ALL_CHECKS = os.environ.get("REQUIRE_ALL_CHECKS") == "1"


def with_action(kit: toolkit.Toolkit, name: str, action: Action, before: str) -> toolkit.Toolkit:
    """The toolkit with one more action, listed just before ``before``."""
    actions: dict[str, Action] = {}
    for existing, value in kit.actions.items():
        if existing == before:
            actions[name] = action
        actions[existing] = value
    return dataclasses.replace(kit, actions=actions)


# Two spellings of one partnership, each close to another partnership's name (the sample's
# "Northmoor Housing Partnership" against "Supported"/"Supporetd Housing Programme"); the
# other names give the words their weight among the year's names.
HOUSING_NAMES = [
    "Northmoor Housing Partnership",
    "Northmoor Supported Housing Programme",
    "Northmoor Supporetd Housing Programme",
    *(
        f"Northmoor {words}"
        for words in [
            "Schools Forum",
            "Flood Risk Board",
            "Tourism Alliance",
            "Museums Trust",
            "Libraries Network",
            "Coroners Panel",
            "Airport Consultative Committee",
            "Rail Users Group",
            "Waste Strategy Board",
            "Archives Service",
            "Music Hub",
            "Sports Partnership",
            "Arts Council Panel",
            "Bus Operators Forum",
            "Canal Restoration Trust",
            "Heritage Lottery Panel",
        ]
    ),
]


def recommendation_facts(**changes: object) -> dict[str, object]:
    """The facts a recommendation rule tests, for a calm discretionary partnership that no
    rule of the pinned toolkit picks out; ``changes`` set the facts a test is about."""
    facts: dict[str, object] = {
        "statutory": False,
        "full_cost": 5000.0,
        "risk_level": "Low",
        "priority_count": 1,
        "council_role": "Member",
        "overall_band": "Strength",
        "governance_band": "Strength",
        "leverage": None,
        "principles_of_concern": 0,
        "officer_exit_share": 0.0,
        "uncontrolled_risk": False,
        "vfm_judgement": "Adequate",
    }
    return facts | changes


def year_files(root: Path, year: int) -> dict[str, str]:
    """Every file of a year's data/processed/<year> and outputs/<year> (the manifest too) by
    its path under the root, with its SHA-256: two equal results mean every byte is equal."""
    from pipeline import paths, provenance

    folders = (paths.processed_dir(year, root), paths.outputs_dir(year, root))
    return {
        f.relative_to(root).as_posix(): provenance.sha256(f)
        for folder in folders
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


# --- accessibility: axe-core in Debian's Chromium (tests/test_accessibility.py) ---------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def axe_violations(page_path):
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
