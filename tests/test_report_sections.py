"""Report sections: numbers members read, computed from processed tables."""

import pandas as pd

from pipeline import council
from pipeline.report import sections

SETTINGS = council.load()


def test_response_coverage_counts_officers_once_and_anonymous_returns_apart():
    valid = pd.DataFrame(
        {
            "Q4": ["Resources", "Resources", "Resources", "Public Health"],
            "Q2": ["a@x.example", "A@x.example ", None, None],
            "Q1": ["Ann", "Ann", None, "Bo"],
        }
    )

    coverage = sections.response_coverage(valid, SETTINGS).set_index("Directorate")

    assert coverage.loc["Resources", "Officers who responded"] == 1
    assert coverage.loc["Resources", "Anonymous returns"] == 1
    assert coverage.loc["Public Health", "Officers who responded"] == 1
    assert coverage.loc["Children and Families", "Coverage"] == "0%"


def test_tables_escape_cells_and_headers():
    frame = pd.DataFrame({"<b>Name</b>": ["<script>alert(1)</script>"]})

    html = sections.table(frame, "Caption & more")

    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "Caption &amp; more" in html


def test_read_with_caveats_counts_returns_by_question():
    from pipeline import protocol

    valid = pd.DataFrame(
        {
            "parse_warnings": [
                "Q20: approximate amount 'approx £3000' | Q26: 'Parks' is not one of the options",
                None,
                "Q20: approximate amount 'c. 5k'",
            ]
        }
    )

    caveats = sections.read_with_caveats(valid, protocol.load())

    assert caveats["Returns"].tolist() == [2, 1]
    assert caveats["Question"].iloc[0].startswith("Q20 Annual cash contribution")
