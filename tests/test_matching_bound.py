"""The prefilter of name matching (D47): it drops a pair only when the exact word score
(``matching.score``) is below the floor, on realistic names and on adversarial ones
(hypothesis: slips, swaps, fused words, brackets, acronyms, numbers, accents), and the
registry's matching is the same with and without it.

Uses the repository's toolkit and the pinned one (tests/backtest), the council's names.
"""

from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import council, matching, matching_bound, protocol, registry, toolkit
from pipeline.sample import labelled, scaled

PROTOCOL = protocol.load()
COUNCIL = council.load()
TOOLKITS = {
    "repository": toolkit.load(None, PROTOCOL),
    "pinned": toolkit.load(Path(__file__).parent / "backtest", PROTOCOL),
}
RULES = {
    name: matching.rules_for(kit, registry._council_forms(COUNCIL))
    for name, kit in TOOLKITS.items()
}
FLOORS = (50.0, 80.0, 92.0)
FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None)

# words officers type, with the hard cases: real words a letter apart (flood/food,
# police/policy, youth/south), plurals and longer forms, never_merge members, acronyms,
# the council's names, numbers, accents, fused and split words, generic words
WORDS = (
    "safeguarding adults children childrens community safety health wellbeing well being "
    "housing homes flood food police policy youth south learning disability disabilities "
    "child care childcare drug alcohol locality northmoor ncc csp hwb lscp lsip 1 2 3 "
    "café cafe tân tan board partnership group forum service services ltd limited the and "
    "of for trust network panel executive steering joint abcd acxd acbd integrated "
    "commissioning carers domestic abuse violence prevent channel skills improvement plan"
).split()


def _slip(word: str, draw: int) -> str:
    """One slip: a letter dropped, doubled, replaced or swapped with the next, or two
    letters replaced (a long word stays similar)."""
    if len(word) < 2:
        return word
    at = 1 + draw % (len(word) - 1)
    kind = (draw // len(word)) % 5
    if kind == 0:
        return word[:at] + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at] + word[at:]
    if kind == 2:
        return word[:at] + "x" + word[at + 1 :]
    if kind == 3 and at + 1 < len(word):
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[: at - 1] + "zq" + word[at + 1 :]


@st.composite
def _typed_name(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
    slips = draw(st.lists(st.integers(0, 10_000), max_size=2))
    for draw_at in slips:
        i = draw_at % len(words)
        words[i] = _slip(words[i], draw_at // len(words))
    text = " ".join(words)
    shape = draw(st.sampled_from(("plain", "upper", "bracket", "amp", "hyphen")))
    if shape == "upper":
        return text.upper()
    if shape == "bracket":
        return f"{text} ({draw(st.sampled_from(WORDS))})"
    if shape == "amp":
        return text.replace(" and ", " & ")
    if shape == "hyphen":
        return text.replace(" ", "-", 1)
    return text


def _kept_all_reaching(names, pairs, weights, floor):
    kept = set(matching_bound.reachable_pairs(names, pairs, weights, floor))
    missed = [
        (names[i].key, names[j].key, matching.score(names[i], names[j], weights))
        for i, j in pairs
        if (i, j) not in kept and matching.score(names[i], names[j], weights) >= floor
    ]
    return kept, missed


@FAST
@given(
    st.lists(_typed_name(), min_size=2, max_size=12, unique=True),
    st.sampled_from(sorted(RULES)),
    st.sampled_from(FLOORS),
    st.integers(0, 3),
)
def test_the_prefilter_never_drops_a_pair_reaching_the_floor(typed, kit, floor, common):
    rules = RULES[kit]
    names = list({n.key: n for n in (matching.normalise(t, rules) for t in typed)}.values())
    # words typed by many officers are words of their own (never a slip of another)
    officers = {w: common * 2 for n in names for w in n.tokens}
    weights = matching.Weights(names, rules, officers)
    every_pair = list(combinations(range(len(names)), 2))

    _, missed = _kept_all_reaching(names, every_pair, weights, floor)

    assert missed == []


def _generated_names() -> list[str]:
    """The distinct names typed in 6,000 generated returns (slips included) and in the
    labelled set (council initials, acronyms, extra words, typos, mess)."""
    typed = {r.answers.get("Q6") for r in scaled.scaled_returns(6_000, 2025, PROTOCOL, seed=2025)}
    typed |= {r.answers.get("Q6") for r in labelled.generate_labelled_set(PROTOCOL).returns}
    return sorted(t for t in typed if isinstance(t, str))


@pytest.mark.parametrize("kit", sorted(RULES))
def test_the_prefilter_keeps_every_generated_pair_reaching_the_floor_and_drops_most(kit):
    rules = RULES[kit]
    names = list(
        {n.key: n for n in (matching.normalise(t, rules) for t in _generated_names())}.values()
    )
    weights = matching.Weights(names, rules)
    pairs = sorted(matching.candidate_pairs(names, rules))

    kept, missed = _kept_all_reaching(names, pairs, weights, 80.0)

    assert missed == []
    assert len(kept) < len(pairs) / 2  # it does drop: the bound is not vacuous


def test_match_names_is_the_same_with_and_without_the_prefilter(monkeypatch):
    rows = list(scaled.scaled_returns(6_000, 2025, PROTOCOL, seed=2025))
    returns = PROTOCOL.by_keys(
        pd.DataFrame([{"response_id": str(r.response_id), **r.answers} for r in rows])
    )
    kit = TOOLKITS["repository"]

    filtered = registry.match_names(returns, kit, council=COUNCIL)
    monkeypatch.setattr(matching_bound, "reachable_pairs", lambda n, pairs, w, f: list(pairs))
    every = registry.match_names(returns, kit, council=COUNCIL)

    for part in ("names", "unsure_pairs", "returns", "id_history"):
        pd.testing.assert_frame_equal(getattr(filtered, part), getattr(every, part))
    assert len(filtered.unsure_pairs) > 0
