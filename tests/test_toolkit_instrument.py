"""The instrument is configuration (issue #15, must-have 8): a second, differently shaped
instrument, configured in a temporary project root with no code change, is scored by the
real loaders and scoring functions.

The second instrument is shaped like the VicHealth Partnerships Analysis Tool: seven
domains of five agree5 statements each, a domain's statements summed (5-25), the seven
domain totals summed (35-175) and banded 35-84 / 85-126 / 127-175.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import paths, protocol, toolkit
from pipeline.report import figures

DOMAINS = [f"D{number}" for number in range(1, 8)]
STATEMENTS = {code: [f"{code.lower()}_statement_{n}" for n in range(1, 6)] for code in DOMAINS}

_INSTRUMENT = """instrument:
  scale: agree5
  statements: sum
  overall: sum
  min_answers: 5
  disagree_from: 2
  domains:
{domains}
  domain_bands:
    - {{from: 5, label: Needs work, means: concern}}
    - {{from: 12, label: Getting there, means: borderline}}
    - {{from: 19, label: Working well, means: strength}}
  overall_bands:
    - {{from: 35, label: Early stage, means: concern}}
    - {{from: 85, label: Developing, means: borderline}}
    - {{from: 127, label: Well developed, means: strength}}
  not_enough_answers: Too few answers

"""


def _second_protocol(text: str) -> str:
    """protocol.yaml with the six principles' twelve statements replaced by 35 statements
    in seven domains of five."""
    statements = re.compile(r'  - \{id: Q\d+, key: \w+, section: "Principles:[^\n]*\n[^\n]*\}\n')
    assert len(statements.findall(text)) == 12
    new = "".join(
        f"  - {{id: V{code[1:]}{n}, key: {key}, section: Domain {code}, type: agree5, "
        f"principle: {code},\n     text: Statement {n} of domain {code}.}}\n"
        for code, keys in STATEMENTS.items()
        for n, key in enumerate(keys, start=1)
    )
    first = statements.search(text)
    assert first is not None
    return (
        statements.sub("", text[: first.start()]) + new + statements.sub("", text[first.start() :])
    )


def _second_toolkit(text: str) -> str:
    """toolkit.yaml with the VicHealth-shaped instrument, the equality statement banded on
    its own scale (the domain bands run 5-25), and the rules naming the new labels."""
    start, end = text.index("instrument:\n"), text.index("# Governance by heading")
    domains = "\n".join(f"    {code}: {{name: Domain {code}, weight: 1}}" for code in DOMAINS)
    text = text[:start] + _INSTRUMENT.format(domains=domains) + text[end:]
    text = text.replace(
        "  min_answers: 1\n",
        "  min_answers: 1\n"
        "  bands:\n"
        "    - {from: 1, label: Not considered, means: concern}\n"
        "    - {from: 3, label: Partly considered, means: borderline}\n"
        "    - {from: 4, label: Considered, means: strength}\n",
    )
    text = text.replace(
        "{field: overall_band, op: eq, value: Concern}",
        "{field: overall_band, op: eq, value: Early stage}",
    )
    text = text.replace(
        "{field: overall_band, op: eq, value: Borderline}",
        "{field: overall_band, op: eq, value: Developing}",
    )
    text = text.replace(
        "{field: governance_band, op: eq, value: Concern}",
        "{field: governance_band, op: eq, value: Needs work}",
    )
    # Governance evidence and value for money name principle statements and a principle:
    # they name the new instrument's instead (configuration, no code).
    new_keys = [key for keys in STATEMENTS.values() for key in keys]
    old_keys = [key for keys in protocol.load().principles.values() for key in keys]
    for old, new in zip(old_keys, new_keys, strict=False):
        text = re.sub(rf"\b{old}\b", new, text)
    return text.replace("monitoring: {principle: P6}", "monitoring: {principle: D6}")


@pytest.fixture(scope="module")
def second(tmp_path_factory) -> tuple[protocol.Protocol, toolkit.Toolkit]:
    """The second instrument's protocol and toolkit, loaded from a temporary project root."""
    root = tmp_path_factory.mktemp("second_instrument")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    for name, rewrite in (("protocol.yaml", _second_protocol), ("toolkit.yaml", _second_toolkit)):
        target = paths.config_dir(root) / name
        target.write_text(rewrite(target.read_text(encoding="utf-8")), encoding="utf-8")
    questions = protocol.load(root)
    return questions, toolkit.load(root, questions)


def _officer(total: int) -> dict[str, int]:
    """One officer's answers to the 35 statements adding up to ``total`` (35-175): every
    answer is total // 35, and the first total % 35 statements one more."""
    keys = [key for keys in STATEMENTS.values() for key in keys]
    base, extra = divmod(total, len(keys))
    return {key: base + (index < extra) for index, key in enumerate(keys)}


def _returns(*officers: dict[str, int | None], partnership: str = "A") -> pd.DataFrame:
    return pd.DataFrame([{"partnership_id": partnership, **answers} for answers in officers])


def test_second_instrument_loads_with_its_own_domains_and_bands(second):
    questions, kit = second

    assert list(questions.principles) == DOMAINS
    assert all(len(keys) == 5 for keys in questions.principles.values())
    assert kit.principles == {code: f"Domain {code}" for code in DOMAINS}
    assert kit.band_labels == {
        "strength": "Working well",
        "borderline": "Getting there",
        "concern": "Needs work",
        "none": "Too few answers",
    }


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (35, "Early stage"),
        (84, "Early stage"),
        (85, "Developing"),
        (126, "Developing"),
        (127, "Well developed"),
        (175, "Well developed"),
    ],
)
def test_second_instrument_sums_domains_and_bands_the_total_at_its_boundaries(second, total, band):
    questions, kit = second

    scores = toolkit.score_principles(_returns(_officer(total)), questions, kit).iloc[0]

    assert scores["overall_score"] == total
    assert scores["overall_band"] == band
    assert sum(scores[f"{code}_score"] for code in DOMAINS) == total


@pytest.mark.parametrize(
    ("answers", "score", "band"),
    [
        ((1, 1, 1, 1, 1), 5, "Needs work"),
        ((3, 2, 2, 2, 2), 11, "Needs work"),
        ((3, 3, 2, 2, 2), 12, "Getting there"),
        ((4, 4, 4, 3, 3), 18, "Getting there"),
        ((4, 4, 4, 4, 3), 19, "Working well"),
        ((5, 5, 5, 5, 5), 25, "Working well"),
    ],
)
def test_second_instrument_bands_each_domain_total_at_its_boundaries(second, answers, score, band):
    questions, kit = second
    officer = _officer(35) | dict(zip(STATEMENTS["D3"], answers, strict=True))

    scores = toolkit.score_principles(_returns(officer), questions, kit).iloc[0]

    assert (scores["D3_score"], scores["D3_band"]) == (score, band)
    assert scores["principles_of_concern"] == (6 if band != "Needs work" else 7)


def test_second_instrument_total_of_two_officers_is_the_mean_of_their_totals(second):
    questions, kit = second

    scores = toolkit.score_principles(_returns(_officer(175), _officer(35)), questions, kit).iloc[0]

    # each domain: (25 + 5) / 2 = 15; overall (175 + 35) / 2 = 105
    assert [scores[f"{code}_score"] for code in DOMAINS] == [15.0] * 7
    assert (scores["overall_score"], scores["overall_band"]) == (105.0, "Developing")
    assert scores["officers_disagree_count"] == 7  # officer means 5 and 1: 4 points apart


def test_second_instrument_domain_below_its_minimum_answers_leaves_no_total(second):
    questions, kit = second
    officer = _officer(175) | {STATEMENTS["D7"][0]: None}  # D7 has 4 answers, needs 5

    scores = toolkit.score_principles(_returns(officer), questions, kit).iloc[0]

    assert scores["D6_score"] == 25 and scores["D7_score"] is None
    assert scores["D7_band"] == "Too few answers"
    assert (scores["overall_score"], scores["overall_band"]) == (None, "Too few answers")


@pytest.mark.parametrize(("answer", "band"), [(2, "Not considered"), (3, "Partly considered")])
def test_second_instrument_bands_equality_on_its_own_scale(second, answer, band):
    questions, kit = second
    returns = _returns(_officer(35)).assign(equality_considered=[answer])

    scores = toolkit.score_equality(returns, kit).iloc[0]

    assert (scores["equality_score"], scores["equality_band"]) == (answer, band)


def test_second_instrument_names_its_labels_in_the_recommendation_rules(second):
    _, kit = second

    facts = {"overall_band": "Early stage", "statutory": True, "officer_exit_share": 0.0}

    assert toolkit.recommend(facts, kit)[1] == "Overall principles score of concern"


def test_config_toolkit_yaml_is_the_current_instrument_in_the_new_form():
    kit = toolkit.load(Path(__file__).parent / "backtest", protocol.load())

    assert (kit.instrument.statements, kit.instrument.overall) == ("mean", "weighted_mean")
    assert (kit.borderline_from, kit.strength_from, kit.min_answers) == (3.0, 4.0, 2)
    assert kit.instrument.domain_bands == kit.instrument.overall_bands


def test_principle_chart_spans_the_summed_range_with_the_second_instruments_bands(second):
    questions, kit = second
    evaluation = pd.DataFrame(
        {
            "partnership_id": ["A", "B"],
            **{f"{code}_score": [20.0, 10.0] for code in DOMAINS},
            **{f"{code}_band": ["Working well", "Needs work"] for code in DOMAINS},
            "officers_disagree_on": [None, None],
        }
    )

    figure = figures.principle_chart(evaluation, kit, questions)

    axes = figure.axes[0]
    assert axes.get_xlim() == (5.0, 25.0)  # five statements of 1-5, summed
    assert [(line.get_xdata()[0], line.get_label()) for line in axes.lines] == [
        (12.0, "Getting there from 12"),
        (19.0, "Working well from 19"),
    ]
    assert "5-25: a principle's statements summed" in axes.get_xlabel()
    assert [bar.get_width() for bar in axes.patches] == [15.0] * 7  # each domain's mean
