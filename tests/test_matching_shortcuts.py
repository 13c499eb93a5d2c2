"""The shortcuts of name matching's second round (D51) give what the plain code gave.

Each shortcut is checked against the code it replaced, kept here as the reference:
normalising (the ASCII reading of words, the memo on typed words, skipping council phrases
and never_merge members no word may begin, the typo reading of known words through
rapidfuzz) on adversarial names (hypothesis: accents, full-width letters, zero-width and
format characters, brackets, "&", apostrophes, hyphens, slips of the council's names and of
known words, numbers) and on generated ones; the candidate pairs and blocking keys; and
the officers, the officers per word, the answers per name and the spellings' counts
(numpy codes instead of pandas frames) on generated returns with blank and missing
addresses, IDs and answers.
"""

from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import council, matching, protocol, registry, tables, toolkit
from pipeline.sample import labelled, scaled
from pipeline.toolkit.model import STOP_WORDS

PROTOCOL = protocol.load()
COUNCIL = council.load()
KITS = (toolkit.load(None, PROTOCOL), toolkit.load(Path(__file__).parent / "backtest", PROTOCOL))
FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None)

WORDS = (
    "Northmoor Northmor Nothmoor County Council NCC CSP HWB LSCP Safeguarding Saefguarding "
    "Adults Children's Childrens Learning Disability Disabilities Disabilites Mental Health "
    "Board Boad Boards Partnership Partnershp Group Forum Youth South Flood Food Well-being "
    "Child Care Childcare 1 2 3 Café Cafe Tân the THE of & and (North) (South) [Prevent] "
    "Ltd Limited H.W.B. ＣＳＰ Ｂｏａｒｄ naïve Ｎｏｒｔｈｍｏｏｒ"
).split()
MESS = ("", " ", "  ", "-", ".", "'", "\u2019", "\u200b", "\u00ad", "\ufeff", "!", "(", ")")


@st.composite
def _typed(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=6))
    glue = draw(st.lists(st.sampled_from(MESS), min_size=len(words), max_size=len(words)))
    text = "".join(w + g + " " for w, g in zip(words, glue, strict=True))
    return draw(st.sampled_from((text, text.upper(), text.lower(), text.strip())))


def _reference_typed_words(text: str, synonyms) -> list[tuple[str, str]]:
    """``_typed_words`` before D51: every text through ``_folded``, character by character."""
    folded = matching._folded(str(text).replace("\u2019", "'").replace("&", " and "))
    folded = matching._JOINER.sub("", folded.replace("'", ""))
    words = "".join(c if matching._in_word(c) else " " for c in folded).split()
    pairs = []
    for word in words:
        plain = matching._unaccented(word)
        compared = synonyms.get(plain, plain)
        pairs.append((compared, word if compared == plain else compared))
    return pairs


def _reference_drop(words: list[str], phrases, typo: float) -> list[str]:
    out, i = [], 0
    while i < len(words):
        for phrase in phrases:
            typed = words[i : i + len(phrase)]
            if len(typed) == len(phrase) and all(
                matching.same_word(w, p, typo) for w, p in zip(typed, phrase, strict=True)
            ):
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _reference_known(word: str, rules: matching.Rules) -> str:
    if word in rules.known_words or len(word) < 4 or word.isdigit():
        return word
    typo = rules.typo_similarity
    return next((k for k in rules.known_words if matching.same_word(word, k, typo)), word)


def _reference_normalise(text: str, rules: matching.Rules) -> matching.Name:
    """``normalise`` before D51: no memo, every phrase and member tried at every word."""
    raw = str(text)
    bracketed = " ".join(matching._BRACKETS.findall(raw))
    main = matching._BRACKETS.sub(" ", raw)
    typo = rules.typo_similarity
    typed = _reference_typed_words(main, rules.synonyms)
    typed_optional = _reference_typed_words(bracketed, rules.synonyms)
    every = [compared for compared, _ in typed]
    words = _reference_drop(every, rules.council_phrases, typo)
    words = [w for w in words if w not in rules.ignore_words] or every
    expanded: list[str] = []
    for word in words:
        expanded.extend(rules.acronyms.get(word, (word,)))
    tokens = tuple(w for w in expanded if w not in STOP_WORDS) or tuple(expanded)
    tokens = tuple(_reference_known(t, rules) for t in tokens)
    optional = tuple(
        _reference_known(w, rules)
        for w in _reference_drop([c for c, _ in typed_optional], rules.council_phrases, typo)
        if w not in STOP_WORDS and w not in rules.ignore_words
    )
    acronym: tuple[str, ...] = ()
    if (
        len(tokens) == 1
        and tokens[0].isascii()
        and tokens[0].isalpha()
        and 2 <= len(tokens[0]) <= 5
    ):
        word = tokens[0]
        stripped = [word[len(i) :] for i in rules.council_initials if word.startswith(i)]
        stripped += [
            word[1:] for c in rules.council_letters if word[0] == c and word[1:] in rules.acronyms
        ]
        acronym = tuple(dict.fromkeys([word, *(s for s in stripped if len(s) >= 2)]))

    def joined(main_words, bracketed_words) -> str:
        qualifier = f" ({' '.join(bracketed_words)})" if bracketed_words else ""
        return " ".join(main_words) + qualifier

    return matching.Name(
        key=joined(matching._as_typed(tokens, typed), matching._as_typed(optional, typed_optional)),
        compared=joined(tokens, optional),
        tokens=tokens,
        optional=optional,
        acronym=acronym,
        initials="".join(t[0] for t in tokens) if len(tokens) >= 2 else "",
        short_initials=matching._short_initials(tokens, rules.generic_words),
        numbers=frozenset(t for t in (*tokens, *optional) if t.isdigit()),
        marks=tuple(
            frozenset(
                " ".join(m).removesuffix("s")
                for m in members
                if matching._contains(tokens, m, typo) or matching._contains(optional, m, typo)
            )
            for members in rules.never_merge
        ),
    )


def _rules(kit: toolkit.Toolkit) -> matching.Rules:
    return matching.rules_for(kit, registry._council_forms(COUNCIL))


def test_ascii_reads_as_folded_and_broken_character_by_character():
    for code in range(128):
        char = chr(code)
        assert matching._folded(char) == char.lower()
        assert char.translate(matching._ASCII_BREAKS) == (char if matching._in_word(char) else " ")


@FAST
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_folds_to_its_lower_case(text):
    assert matching._folded(text) == text.lower()
    assert matching._typed_words(text, {}) == _reference_typed_words(text, {})


@FAST
@given(st.lists(_typed(), min_size=1, max_size=8), st.sampled_from(range(len(KITS))))
def test_normalise_gives_the_reference_name_in_any_order_and_memo(texts, kit):
    shared = _rules(KITS[kit])
    for text in [*texts, *reversed(texts)]:  # the second time from the memo
        expected = _reference_normalise(text, _rules(KITS[kit]))
        assert matching.normalise(text, shared) == expected
        assert matching.normalise(text, _rules(KITS[kit])) == expected


@pytest.mark.parametrize("kit", range(len(KITS)))
def test_normalise_gives_the_reference_name_on_generated_and_labelled_names(kit):
    typed = {r.answers.get("Q6") for r in scaled.scaled_returns(4_000, 2025, PROTOCOL, seed=7)}
    typed |= {r.answers.get("Q6") for r in labelled.generate_labelled_set(PROTOCOL).returns}
    rules, fresh = _rules(KITS[kit]), _rules(KITS[kit])
    texts = sorted(t for t in typed if isinstance(t, str))

    assert [matching.normalise(t, rules) for t in texts] == [
        _reference_normalise(t, fresh) for t in texts
    ]


def _reference_index_keys(name: matching.Name, rules: matching.Rules) -> set[str]:
    keys: set[str] = set()
    for token in (*name.tokens, *name.optional):
        if token in rules.generic_words or token.isdigit():
            continue
        keys.add(f"w:{token}")
        if len(token) >= 5:
            keys.update((f"p:{token[:4]}", f"s:{token[-4:]}"))
        if len(token) >= 4:
            keys.add(f"d:{token}")
            keys.update(f"d:{token[:k]}{token[k + 1 :]}" for k in range(len(token)))
    return keys


def _reference_candidate_pairs(names, rules) -> set[tuple[int, int]]:
    """``candidate_pairs`` before D51: each block's pairs by ``combinations``."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        for key in _reference_index_keys(name, rules):
            postings[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for key, members in postings.items():
        if 1 < len(members) <= matching.MAX_BLOCK:
            pairs.update(combinations(members, 2))
        elif len(members) > matching.MAX_BLOCK and key.startswith("w:"):
            pairs.update(matching._neighbours(key, members, names))
    initials = matching._initials_index(names)
    for i, name in enumerate(names):
        pairs.update(
            (min(i, j), max(i, j)) for j in matching._acronym_hits(name, initials) if j != i
        )
    return pairs


@FAST
@given(st.lists(_typed(), min_size=0, max_size=30), st.sampled_from(range(len(KITS))))
def test_candidate_pairs_are_the_reference_pairs(texts, kit):
    rules = _rules(KITS[kit])
    names = list({n.key: n for n in (matching.normalise(t, rules) for t in texts)}.values())

    assert matching.candidate_pairs(names, rules) == _reference_candidate_pairs(names, rules)
    for name in names:
        assert matching.index_keys(name, rules) == _reference_index_keys(name, rules)


def test_candidate_pairs_are_the_reference_pairs_on_generated_names():
    rows = scaled.scaled_returns(20_000, 2025, PROTOCOL, seed=3)
    typed = sorted({t for r in rows if isinstance(t := r.answers.get("Q6"), str)})
    rules = _rules(KITS[0])
    names = list({n.key: n for n in (matching.normalise(t, rules) for t in typed)}.values())
    pairs = matching.candidate_pairs(names, rules)

    assert pairs == _reference_candidate_pairs(names, rules)
    assert len(pairs) > 10 * len(names)  # blocks of many sizes, not a handful of pairs


def test_the_memo_is_no_part_of_the_rules_value():
    a, b = _rules(KITS[0]), _rules(KITS[0])
    matching.normalise("Northmoor Community Safety Partnership", a)

    assert a == b and a.memo is not b.memo and "memo" not in repr(a)


# --- officers and answers per name (registry) ---------------------------------------------


def _reference_officers(returns: pd.DataFrame) -> pd.Series:
    fallback = "#" + pd.Series(range(len(returns)), index=returns.index).astype(str)
    for column in ("response_id", "respondent_email"):
        if column in returns:
            given = tables.map_distinct(
                returns[column], lambda v: None if pd.isna(v) else str(v).casefold()
            )
            fallback = given.where(given.notna() & (given != ""), fallback)
    return fallback


def _reference_word_officers(returns, keys, by_key) -> dict[str, int]:
    filed = pd.DataFrame({"key": keys.to_numpy(), "officer": _reference_officers(returns)})
    filed = filed.drop_duplicates()
    words = {k: sorted({*n.tokens, *n.optional}) for k, n in by_key.items()}
    filed = filed.assign(word=filed["key"].map(words)).explode("word").dropna(subset="word")
    counts = filed.drop_duplicates(["word", "officer"])["word"].value_counts()
    return {str(w): int(n) for w, n in counts.items()}


def _reference_answer_sets(keys, answers, split) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for key, answer in zip(keys, answers, strict=True):
        if pd.isna(answer):
            continue
        items = registry._LIST_SPLIT.split(str(answer)) if split else [str(answer)]
        found[key].update(p for p in map(matching.plain_key, items) if p)
    return {k: frozenset(v) for k, v in found.items() if v}


def _messy_returns() -> pd.DataFrame:
    rows = list(scaled.scaled_returns(3_000, 2025, PROTOCOL, seed=11))
    returns = PROTOCOL.by_keys(
        pd.DataFrame([{"response_id": str(r.response_id), **r.answers} for r in rows])
    )
    every = np.arange(len(returns))
    email = returns["respondent_email"].astype(object).copy()
    email[every % 7 == 0] = None
    email[every % 11 == 0] = ""
    email[every % 13 == 0] = email[every % 13 == 0].str.upper()
    ids = returns["response_id"].astype(object).copy()
    ids[every % 5 == 0] = None
    partners = returns["partners"].astype(object).copy()
    partners[every % 17 == 0] = " ; ,, "
    partners[every % 19 == 0] = np.nan
    return returns.assign(respondent_email=email, response_id=ids, partners=partners)


def test_officers_words_and_answers_are_the_reference_ones():
    returns = _messy_returns()
    rules = _rules(KITS[0])
    typed = registry._typed_names(returns)
    normal = {t: matching.normalise(t, rules) for t in sorted(set(typed))}
    keys = typed.map({t: n.key for t, n in normal.items()})
    by_key = {n.key: n for n in normal.values()}

    officers = registry._officers(returns)
    assert officers.tolist() == _reference_officers(returns).tolist()
    assert officers.str.startswith("#").any()  # some returns give neither address nor ID
    assert registry._word_officers(returns, keys, by_key) == _reference_word_officers(
        returns, keys, by_key
    )
    for column, split in (("partners", True), ("directorate", False), ("service", False)):
        coded = pd.factorize(keys.to_numpy(dtype=object))
        assert registry._answer_sets(coded, returns[column], split) == _reference_answer_sets(
            keys, returns[column], split
        ), column


def test_officers_fall_back_to_the_id_then_the_row_without_an_address_column():
    returns = pd.DataFrame({"response_id": ["A7", None, "", "b8"]})

    assert registry._officers(returns).tolist() == ["a7", "#1", "#2", "b8"]
    assert registry._officers(pd.DataFrame(index=range(2))).tolist() == ["#0", "#1"]


def test_typed_times_are_the_groupby_counts():
    returns = _messy_returns()
    typed = registry._typed_names(returns)
    leading = returns["council_role"].isin(KITS[0].lead_roles).to_numpy()
    frame = pd.DataFrame({"typed": typed.to_numpy(), "leading": leading})
    counted = frame.groupby(["typed", "leading"], sort=True).size()
    by_text = frame.groupby("typed", sort=True).size()

    assert registry._typed_times(typed, leading) == [
        (text, bool(lead), int(n))
        for (text, lead), n in zip(counted.index, counted.tolist(), strict=True)
    ]
    assert registry._typed_times(typed) == [
        (text, False, int(n)) for text, n in zip(by_text.index, by_text.tolist(), strict=True)
    ]
    assert leading.any() and not leading.all()
