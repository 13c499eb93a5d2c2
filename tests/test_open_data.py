"""Open data: cells a spreadsheet would run as a formula are published as text."""

from pipeline.report.open_data import neutralise


def test_neutralise_quotes_formula_like_text():
    assert [neutralise(v) for v in ["=SUM(A1)", "+44", "-", "@x", "Fine", 5]] == [
        "'=SUM(A1)",
        "'+44",
        "'-",
        "'@x",
        "Fine",
        5,
    ]
