"""Partnership names: normalisation, evidence scoring and candidate pairs (decision D7).

Pure functions, no pandas. The registry (pipeline/registry.py) groups names with them.

Rules, in the order they apply to a typed name:

1. Text: Unicode NFKC, case folded, zero-width/format characters (Cf) dropped; every
   script's letters, marks and digits make words (decision D25). The key keeps them as typed
   ("Tân" stays "tân"); words are compared with the accents of Latin letters off, so "Môn"
   and "Mon" are one word and two names differing only so score 100; other scripts' marks
   are part of their letters and count. "&" read as "and", apostrophes
   dropped ("Children's" = "Childrens"), a hyphen or dot between two letters dropped
   ("Well-being" = "Wellbeing", "H.W.B." = "HWB"), other punctuation a word break, the
   toolkit's synonyms applied ("limited" -> "ltd"), the toolkit's ignore words ("the") and
   the council's own names (council.yaml: full name, short names, initials) removed, also
   when typed with a slip ("Northmor"), so "Northmoor CSP", "NCC CSP" and "CSP" are alike.
   A typo of a generic or never_merge word is read as that word ("Boad" -> "board"). A
   name with no letters or digits left ("😀", "!!!", zero-width spaces) is blank (key "").
2. Bracketed text ("(Prevent)") is a qualifier. Its never_merge words and numbers count
   like any others ("Board (North)"/"(South)" conflict). When only one name has bracketed
   text it is optional: it counts when the other name has the word too, never against a
   match; when both have, their bracketed words are scored as ordinary words.
3. The toolkit's acronyms are expanded ("CSP" -> community safety partnership). A name that
   is then one short word (2-5 letters) is an acronym, matched to the initials of other
   names' words, with or without the council's initials ("NCCDAB") or, before a configured
   acronym only, a lone council letter ("NCSP" = N + CSP; "NHS" is never N + HS).
4. Stop words ("and", "of", "for", "the", "on", "in", "to", "a") are dropped.

Score of two names, 0-100 (``score``):

* 0 when they conflict: each contains a different member of one ``never_merge`` set
  (each word read with plurals and typos aside: "Learning Disabilities" is "learning
  disability") or both carry numbers and the numbers differ ("Locality Board 1"/"2").
* 100 when one is an acronym equal to the other's initials.
* Otherwise the weighted overlap of their words. A generic word (``generic_words``) weighs
  ``generic_weight``; any other word weighs 1 + ln(N / df), df being the number of the
  year's N distinct names that contain it. Two words are the same when equal or, for words
  of 4+ letters, when rapidfuzz ``ratio`` >= ``typo_similarity`` or two neighbouring
  letters are swapped or, for words of 5+ letters with one first letter, one letter is
  wrong, missing or extra; but never two real words (``real_words``): both common English
  words (wordfreq zipf >= ``zipf_from``: "Flood"/"Food", "Police"/"Policy") or both typed
  as a word by ``officers_from`` officers this year, unless one is the other's plural or
  longer form ("Service"/"Services", "Health"/"Healthy"). Two neighbouring words are one
  word when the other name has them joined ("Child Care" = "Childcare"). With S the shared
  weight and A <= B the two names' weights:
  ``score = 100 * (0.75 * S / A + 0.25 * S / B)``: a name wholly inside the other scores
  at least 75, and every extra distinguishing word on the longer side lowers it.

Evidence beside the words (``support``): a pair whose word score is from
``evidence.applies_from`` up to ``same_at`` is moved by the other answers under the two
names: ``partners`` x the share of partner organisations named under both (Jaccard), plus,
with a partner in common, ``directorate`` and ``service`` when officers of one directorate
or service reported both (alone they are no sign: a directorate reports many partnerships);
less ``against`` when both were given partners and directorates but share none. Never
above 100 or below 0; a pair outside that band keeps its word score, so evidence alone never
joins two names and never splits names the words join.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Hamming
from wordfreq import zipf_frequency

from pipeline.toolkit import NameEvidence, Toolkit
from pipeline.toolkit.model import STOP_WORDS

CONTAINED_SHARE = 0.75  # weight of S/A (the smaller side) in the score; S/B gets the rest
ACRONYM_SCORE = 100.0
MAX_BLOCK = 400  # an index key shared by more names than this is too common to pair in full
WINDOW = 10  # in a word block larger than MAX_BLOCK, each name meets its 10 nearest each way
_BRACKETS = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
# a hyphen or dot between two letters joins them: "well-being" = "wellbeing", "h.w.b" = "hwb"
_JOINER = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011.](?=[^\W\d_])")


class _Memo:
    """What normalising has worked out under one ``Rules`` (D51): each typed text's Name,
    each list of typed words' Name, and each word's readings. Every entry is a pure function
    of its key and the rules, which never change, so a hit is what computing again gives."""

    def __init__(self) -> None:
        self.names: dict[str, Name] = {}  # the text as typed -> its Name
        self.by_words: dict[tuple[_TypedWords, _TypedWords], Name] = {}  # (main, bracketed)
        self.known: dict[str, str] = {}  # word -> ``_known`` of it
        self.starts_phrase: dict[str, bool] = {}  # word -> may begin a council phrase
        self.opens: dict[str, frozenset[tuple[str, ...]]] = {}  # word -> members it may begin
        self.index_keys: dict[str, frozenset[str]] = {}  # word -> its blocking keys


_TypedWords = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Rules:
    """The matching settings in force: the toolkit's ``matching`` section and the council's
    names, all normalised. ``memo`` is normalising's memory under these rules (D51): not
    compared, not given, a fresh one for each Rules."""

    same_at: float
    unsure_from: float
    synonyms: Mapping[str, str]
    ignore_words: frozenset[str]
    generic_words: frozenset[str]
    generic_weight: float
    typo_similarity: float
    acronyms: Mapping[str, tuple[str, ...]]
    never_merge: tuple[tuple[tuple[str, ...], ...], ...]
    council_phrases: tuple[tuple[str, ...], ...]
    council_initials: tuple[str, ...]
    real_word_zipf: float  # two words both this common in English are never a typo
    real_word_officers: int  # two words both typed by this many officers are never a typo
    council_letters: tuple[str, ...] = ()  # first letters of the council's names
    known_words: tuple[str, ...] = ()  # generic and never_merge words: a typo of one is it
    memo: _Memo = field(default_factory=_Memo, init=False, compare=False, repr=False)


def _folded(text: str) -> str:
    """Unicode's rules for comparing text: NFKC (full-width and compatibility forms read as
    the letters they are), case folded, format characters (category Cf: zero-width space,
    joiners, soft hyphen, byte order mark) dropped. Every script's letters and marks stay."""
    kept = "".join(
        c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf"
    )
    return unicodedata.normalize("NFKC", kept.casefold())


@functools.lru_cache(maxsize=1 << 16)
def _unaccented(word: str) -> str:
    """A word with the accents of its Latin letters taken off ("tân" -> "tan", "café" ->
    "cafe"): the form names are compared in, as officers type a name with and without them.
    Marks on other scripts' letters are part of those letters (Devanagari vowel signs,
    Arabic and Hebrew points) and stay."""
    if word.isascii():
        return word
    out: list[str] = []
    for char in unicodedata.normalize("NFD", word):
        if (
            unicodedata.combining(char)
            and out
            and unicodedata.name(out[-1], "").startswith("LATIN")
        ):
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


@functools.lru_cache(maxsize=4096)
def _in_word(char: str) -> bool:
    """Letters, marks and digits of any script make words; anything else breaks them."""
    return unicodedata.category(char)[0] in "LMN"


# ASCII characters that break words (``_in_word`` false): what ``_typed_words`` reads as a
# space in ASCII text, one ``str.translate`` instead of a look-up per character
_ASCII_BREAKS = str.maketrans({c: " " for c in map(chr, range(128)) if not _in_word(c)})


def _typed_words(text: str, synonyms: Mapping[str, str]) -> list[tuple[str, str]]:
    """Each word of the text as compared (accents off, synonyms applied) beside the word as
    typed once folded (accents kept): rule 1 of the module docstring. ASCII text takes a
    shortcut with the same result: ``_folded`` of it is its lower case (NFKC leaves ASCII
    as it is, no ASCII character is a format character, and ASCII case folds as it lowers),
    and its word breaks are ``_ASCII_BREAKS``."""
    raw = str(text)
    if raw.isascii():
        folded = raw.replace("&", " and ").lower().replace("'", "")
    else:
        folded = _folded(raw.replace("\u2019", "'").replace("&", " and ")).replace("'", "")
    folded = _JOINER.sub("", folded)
    if folded.isascii():
        words = folded.translate(_ASCII_BREAKS).split()
    else:
        words = "".join(c if _in_word(c) else " " for c in folded).split()
    pairs = []
    for word in words:
        plain = _unaccented(word)
        compared = synonyms.get(plain, plain)
        pairs.append((compared, word if compared == plain else compared))
    return pairs


def _words(text: str, synonyms: Mapping[str, str]) -> list[str]:
    return [compared for compared, _ in _typed_words(text, synonyms)]


def _as_typed(words: Sequence[str], typed: Sequence[tuple[str, str]]) -> list[str]:
    """The words with their typed letters back (accents kept): each word that was typed
    takes the next typed form compared like it; a word the rules put in is kept."""
    forms: dict[str, list[str]] = defaultdict(list)
    for compared, kept in typed:
        forms[compared].append(kept)
    return [forms[w].pop(0) if forms.get(w) else w for w in words]


def plain_key(text: str) -> str:
    """A name compared without any toolkit: case, accents, punctuation and spacing aside."""
    return " ".join(_words(text, {}))


def rules_for(toolkit: Toolkit, council_names: Iterable[str] = ()) -> Rules:
    """The rules from the toolkit and the council's names (``Council.name_forms()``)."""
    synonyms = dict(toolkit.synonyms)
    phrases = {tuple(_words(n, synonyms)) for n in council_names}
    phrases.discard(())
    # "ncc": stripped from an acronym ("NCCDAB"); a lone letter ("n" of "northmoor") only
    # before a configured acronym ("NCSP" = N + CSP), never "NHS" = N + HS
    initials = {p[0] for p in phrases if len(p) == 1 and 2 <= len(p[0]) <= 4}
    letters = {p[0][0] for p in phrases}
    generic = frozenset(w for g in toolkit.generic_words for w in _words(g, synonyms))
    never_merge = tuple(
        tuple(tuple(_words(m, synonyms)) for m in members) for members in toolkit.never_merge
    )
    known = generic | {m[0] for members in never_merge for m in members if len(m) == 1}
    return Rules(
        same_at=toolkit.same_at,
        unsure_from=toolkit.unsure_from,
        synonyms=synonyms,
        ignore_words=frozenset(toolkit.ignore_words),
        generic_words=generic,
        generic_weight=toolkit.generic_weight,
        typo_similarity=toolkit.typo_similarity,
        acronyms={
            k.casefold(): tuple(w for w in _words(v, synonyms) if w not in STOP_WORDS)
            for k, v in toolkit.acronyms.items()
        },
        never_merge=never_merge,
        council_phrases=tuple(sorted(phrases, key=lambda p: (-len(p), p))),
        council_initials=tuple(sorted(initials, key=lambda i: (-len(i), i))),
        real_word_zipf=toolkit.real_words.zipf_from,
        real_word_officers=toolkit.real_words.officers_from,
        council_letters=tuple(sorted(letters)),
        known_words=tuple(sorted(known)),
    )


@dataclass(frozen=True)
class Name:
    """A typed name, normalised: what the score compares."""

    key: str  # the normalised text, letters as typed: two typed names with one key are one name
    tokens: tuple[str, ...]  # the words that count, in order
    optional: tuple[str, ...] = ()  # bracketed qualifier words
    acronym: tuple[str, ...] = ()  # when the name is an acronym: the initials it may stand for
    initials: str = ""  # first letters of the words (2+ words), for acronyms typed elsewhere
    short_initials: str = ""  # the same without trailing generic words ("LSIP ... Group")
    numbers: frozenset[str] = frozenset()
    marks: tuple[frozenset[str], ...] = field(default=())  # never_merge members, per set
    compared: str = ""  # the key with accents off: names alike here score 100 (D25)


def _starts_phrase(word: str, rules: Rules) -> bool:
    """The word is ``same_word`` as the first word of one of the council's phrases (once per
    word and rules: ``rules.memo``)."""
    found = rules.memo.starts_phrase.get(word)
    if found is None:
        found = rules.memo.starts_phrase[word] = any(
            same_word(word, phrase[0], rules.typo_similarity) for phrase in rules.council_phrases
        )
    return found


def _without_council(words: Sequence[str], rules: Rules) -> list[str]:
    """The words without the council's phrases (its names), each phrase word matched as
    same_word matches words: "Eastvalle" is the council's name typed with a slip. Phrases
    are tried in order at each word that may begin one (``_starts_phrase``); at any other
    word none matches, as a phrase matches only where its first word does (D51)."""
    typo = rules.typo_similarity
    out: list[str] = []
    i = 0
    while i < len(words):
        if _starts_phrase(words[i], rules):
            for phrase in rules.council_phrases:
                typed = words[i : i + len(phrase)]
                if len(typed) == len(phrase) and all(
                    same_word(w, p, typo) for w, p in zip(typed, phrase, strict=True)
                ):
                    i += len(phrase)
                    break
            else:
                out.append(words[i])
                i += 1
        else:
            out.append(words[i])
            i += 1
    return out


def _known(word: str, rules: Rules) -> str:
    """A typo of a generic or never_merge word read as that word ("Boad" -> "board"), so a
    slip never turns a word of little evidence into a rare, heavy one (once per word and
    rules: ``rules.memo``)."""
    found = rules.memo.known.get(word)
    if found is None:
        if word in rules.known_words or len(word) < 4 or word.isdigit():
            found = word
        else:
            found = _known_as(word, rules.known_words, rules.typo_similarity)
        rules.memo.known[word] = found
    return found


@functools.lru_cache(maxsize=1 << 16)
def _known_as(word: str, known_words: tuple[str, ...], typo_similarity: float) -> str:
    """``_known`` once per word and rules: the same words recur in many names. The first
    known word ``same_word`` accepts, asked only of those rapidfuzz says it could accept
    (ratio from just below typo_similarity, OSA distance 1, or two letters differing at
    equal length, which covers ``_transposed``), in their order (D51)."""
    if not known_words:
        return word
    cutoff = typo_similarity - 1
    ratio = process.cdist([word], known_words, scorer=fuzz.ratio, score_cutoff=cutoff)[0]
    osa = process.cdist([word], known_words, scorer=OSA.distance, score_cutoff=1)[0]
    letters = process.cdist([word], known_words, scorer=Hamming.distance, score_cutoff=2)[0]
    alike = np.fromiter(map(len, known_words), np.int64, len(known_words)) == len(word)
    maybe = np.flatnonzero((ratio >= cutoff) | (osa <= 1) | (alike & (letters <= 2)))
    hits = (known_words[i] for i in maybe.tolist())
    return next((k for k in hits if same_word(word, k, typo_similarity)), word)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _contains(tokens: Sequence[str], phrase: tuple[str, ...], typo: float) -> bool:
    """The phrase (a never_merge member) is in the words, each word read with the plural and
    typo rules of single words ("Learning Disabilities" has "learning disability")."""
    n = len(phrase)
    if n == 1:  # a one-word member is exact: _known already read a typo of it as it
        return phrase[0] in tokens
    return any(
        all(
            t == p or _singular(t) == _singular(p) or same_word(t, p, typo)
            for t, p in zip(tokens[i : i + n], phrase, strict=True)
        )
        for i in range(len(tokens) - n + 1)
    )


def _opens(word: str, rules: Rules) -> frozenset[tuple[str, ...]]:
    """The never_merge members of two or more words whose first word ``_contains`` may read
    this word as (once per word and rules: ``rules.memo``)."""
    found = rules.memo.opens.get(word)
    if found is None:
        found = rules.memo.opens[word] = frozenset(
            member
            for members in rules.never_merge
            for member in members
            if len(member) >= 2
            and (
                word == member[0]
                or _singular(word) == _singular(member[0])
                or same_word(word, member[0], rules.typo_similarity)
            )
        )
    return found


def _has(
    member: tuple[str, ...],
    tokens: Sequence[str],
    optional: Sequence[str],
    opened: set[tuple[str, ...]],
    typo: float,
) -> bool:
    """``_contains(tokens, member) or _contains(optional, member)``, skipping a member of
    two or more words that no word may begin (``_opens``): ``_contains`` finds one only at a
    word its first word matches."""
    if len(member) == 1:  # as _contains reads a one-word member
        return member[0] in tokens or member[0] in optional
    if member and member not in opened:
        return False
    return _contains(tokens, member, typo) or _contains(optional, member, typo)


def _marks(
    tokens: Sequence[str], optional: Sequence[str], rules: Rules
) -> tuple[frozenset[str], ...]:
    """The never_merge members in the words (``_contains``), per set."""
    opened = {m for word in (*tokens, *optional) for m in _opens(word, rules)}
    typo = rules.typo_similarity
    return tuple(
        frozenset(
            " ".join(m).removesuffix("s")
            for m in members
            if _has(m, tokens, optional, opened, typo)
        )
        for members in rules.never_merge
    )


def normalise(text: str, rules: Rules) -> Name:
    """The rules 1-4 of the module docstring applied to one typed name. Each text is
    normalised once per rules, and texts with the same typed words once between them
    (``rules.memo``: the Name is a function of the words ``_typed_words`` reads, D51)."""
    raw = str(text)
    found = rules.memo.names.get(raw)
    if found is None:
        bracketed = " ".join(_BRACKETS.findall(raw))
        main = _BRACKETS.sub(" ", raw)
        words = (
            tuple(_typed_words(main, rules.synonyms)),
            tuple(_typed_words(bracketed, rules.synonyms)),
        )
        found = rules.memo.by_words.get(words)
        if found is None:
            found = rules.memo.by_words[words] = _from_words(*words, rules)
        rules.memo.names[raw] = found
    return found


def _from_words(typed: _TypedWords, typed_optional: _TypedWords, rules: Rules) -> Name:
    """``normalise`` from the typed words of the name and of its brackets."""
    every = [compared for compared, _ in typed]
    words = _without_council(every, rules)
    words = [w for w in words if w not in rules.ignore_words] or every
    expanded: list[str] = []
    for word in words:
        expanded.extend(rules.acronyms.get(word, (word,)))
    tokens = tuple(w for w in expanded if w not in STOP_WORDS) or tuple(expanded)
    tokens = tuple(_known(t, rules) for t in tokens)
    optional = tuple(
        _known(w, rules)
        for w in _without_council([c for c, _ in typed_optional], rules)
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

    def joined(main_words: Sequence[str], bracketed_words: Sequence[str]) -> str:
        qualifier = f" ({' '.join(bracketed_words)})" if bracketed_words else ""
        return " ".join(main_words) + qualifier

    # A name with no letters or digits ("😀", "!!!", zero-width spaces) is blank: key "".
    return Name(
        key=joined(_as_typed(tokens, typed), _as_typed(optional, typed_optional)),
        compared=joined(tokens, optional),
        tokens=tokens,
        optional=optional,
        acronym=acronym,
        initials="".join(t[0] for t in tokens) if len(tokens) >= 2 else "",
        short_initials=_short_initials(tokens, rules.generic_words),
        numbers=frozenset(t for t in (*tokens, *optional) if t.isdigit()),
        marks=_marks(tokens, optional, rules),
    )


def _short_initials(tokens: Sequence[str], generic: frozenset[str]) -> str:
    """Initials without the trailing generic words ("local skills improvement plan group"
    -> "lsip"), when that leaves two or more words and drops at least one."""
    end = len(tokens)
    while end > 0 and tokens[end - 1] in generic:
        end -= 1
    return "".join(t[0] for t in tokens[:end]) if 2 <= end < len(tokens) else ""


def conflict(a: Name, b: Name) -> bool:
    """Never one partnership: a different member of one never_merge set each, or different
    numbers."""
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return True
    return any(x and y and x != y for x, y in zip(a.marks, b.marks, strict=True))


def is_acronym_of(a: Name, b: Name) -> bool:
    """One name is an acronym of the other's initials (with or without its trailing generic
    words: "LSIP" = "Local Skills Improvement Plan Group")."""

    def stands_for(short: Name, full: Name) -> bool:
        forms = {full.initials, full.short_initials} - {""}
        return bool(short.acronym and forms & set(short.acronym))

    return stands_for(a, b) or stands_for(b, a)


@functools.lru_cache(maxsize=1 << 16)
def _zipf(word: str) -> float:
    return float(zipf_frequency(word, "en"))


def _forms_of_one_word(a: str, b: str) -> bool:
    """A plural or a longer form of one word ("service"/"services", "health"/"healthy")."""
    return _singular(a) == _singular(b) or a.startswith(b) or b.startswith(a)


def real_words(a: str, b: str, zipf_from: float) -> bool:
    """Two different words that are both common English words (wordfreq zipf frequency at
    or above ``zipf_from``): "flood" and "food" are two words, never a slip of one another.
    A plural or a longer form of one word is not two words."""
    if a == b or _forms_of_one_word(a, b):
        return False
    return _zipf(a) >= zipf_from and _zipf(b) >= zipf_from


class Weights:
    """How much each word tells names apart, from the year's distinct names, and which
    words the year's officers typed often enough to be words of their own."""

    def __init__(
        self, names: Iterable[Name], rules: Rules, officers: Mapping[str, int] | None = None
    ) -> None:
        distinct = {n.compared: n for n in names}.values()  # accents aside, as compared
        self.count = max(len(distinct), 1)
        self.df = Counter(t for n in distinct for t in set(n.tokens))
        self.rules = rules
        self.officers = dict(officers or {})  # word -> officers who typed it in a name
        self._weight: dict[str, float] = {}  # memo: a word is weighed once a year
        self._same: dict[tuple[str, str], bool] = {}  # memo: a pair of words compared once

    def two_words(self, a: str, b: str) -> bool:
        """Two real words (module docstring): both common English words, or both typed as a
        word by ``real_word_officers`` officers this year; never a plural or longer form."""
        if a == b or _forms_of_one_word(a, b):
            return False
        least = self.rules.real_word_officers
        if self.officers.get(a, 0) >= least and self.officers.get(b, 0) >= least:
            return True
        return real_words(a, b, self.rules.real_word_zipf)

    def same(self, a: str, b: str) -> bool:
        """One word, perhaps typed with a slip, and not two real words."""
        found = self._same.get((a, b))
        if found is None:
            found = same_word(a, b, self.rules.typo_similarity) and not self.two_words(a, b)
            self._same[(a, b)] = found
        return found

    def of(self, token: str) -> float:
        """generic_weight for a generic word, else 1 + ln(N / df)."""
        weight = self._weight.get(token)
        if weight is None:
            if token in self.rules.generic_words:
                weight = self.rules.generic_weight
            else:
                weight = 1.0 + math.log(self.count / max(self.df.get(token, 0), 1))
            self._weight[token] = weight
        return weight


def _transposed(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


@functools.lru_cache(maxsize=1 << 18)  # normalising compares each word to the council's
def same_word(a: str, b: str, typo_similarity: float) -> bool:
    """Equal, or (both 4+ letters, not numbers) a typo of one another: similar enough,
    two neighbouring letters swapped or, both 5+ letters with one first letter, one letter
    wrong, missing or extra ("Adulys", "Wsste": a slip in a short word is a large share of
    it; a different first letter, "Youth"/"South", "Health"/"Wealth", is another word)."""
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4 or a.isdigit() or b.isdigit():
        return False
    if _transposed(a, b) or fuzz.ratio(a, b) >= typo_similarity:
        return True
    return a[0] == b[0] and min(len(a), len(b)) >= 5 and OSA.distance(a, b, score_cutoff=1) <= 1


def _fused(words: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
    """The words with two neighbours joined where the other name has them as one word
    ("child care" -> "childcare")."""
    if len(words) < 2:
        return words
    single = set(other)
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and words[i] + words[i + 1] in single:
            out.append(words[i] + words[i + 1])
            i += 2
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


def score(a: Name, b: Name, weights: Weights) -> float:
    """The evidence that two names are one partnership, 0-100 (module docstring)."""
    if a.key == b.key or a.compared == b.compared:  # one name, perhaps accents aside
        return 100.0
    if conflict(a, b):
        return 0.0
    if is_acronym_of(a, b):
        return ACRONYM_SCORE
    both = bool(a.optional and b.optional)  # both qualified: the qualifiers are words too
    words_a = (*a.tokens, *(a.optional if both else ()))
    words_b = (*b.tokens, *(b.optional if both else ()))
    words_a, words_b = _fused(words_a, words_b), _fused(words_b, words_a)
    wa = {t: weights.of(t) for t in words_a}
    wb = {t: weights.of(t) for t in words_b}
    total_a, total_b = sum(wa.values()), sum(wb.values())
    unmatched = dict(wb)
    shared = 0.0
    for token in sorted(wa, key=lambda t: (-wa[t], t)):
        hit = next((u for u in unmatched if weights.same(token, u)), None)
        if hit is not None:
            shared += (wa[token] + unmatched.pop(hit)) / 2
    for token in set() if both else set(a.optional) | set(b.optional):
        in_a = token in wa or token in a.optional
        in_b = token in wb or token in b.optional
        if in_a and in_b and not (token in wa and token in wb):
            weight = weights.of(token)
            shared += weight
            total_a += weight if token not in wa else 0.0
            total_b += weight if token not in wb else 0.0
    small, large = sorted((total_a, total_b))
    if small <= 0:
        return 0.0
    value = CONTAINED_SHARE * shared / small + (1 - CONTAINED_SHARE) * shared / large
    return round(min(100.0, 100.0 * value), 1)


def index_keys(name: Name, rules: Rules) -> set[str]:
    """Blocking keys: each distinguishing word, its first and last four letters and, for a
    word of 4+ letters, the word with any one letter deleted (a slip of one letter, missing,
    extra, wrong or two swapped, leaves one of them the same). Initials are not keys:
    acronyms meet the names they stand for by ``_initials_index``. Each word's keys are
    worked out once per rules (``rules.memo``, D51)."""
    keys: set[str] = set()
    for token in (*name.tokens, *name.optional):
        keys.update(_word_keys(token, rules))
    return keys


def _word_keys(token: str, rules: Rules) -> frozenset[str]:
    """``index_keys`` of one word (none for a generic word or a number)."""
    found = rules.memo.index_keys.get(token)
    if found is None:
        keys: set[str] = set()
        if token not in rules.generic_words and not token.isdigit():
            keys.add(f"w:{token}")
            if len(token) >= 5:
                keys.update((f"p:{token[:4]}", f"s:{token[-4:]}"))
            if len(token) >= 4:
                keys.add(f"d:{token}")
                keys.update(f"d:{token[:k]}{token[k + 1 :]}" for k in range(len(token)))
        found = rules.memo.index_keys[token] = frozenset(keys)
    return found


def _initials_index(names: Sequence[Name]) -> dict[str, list[int]]:
    """Names by their initials (2+ words), which an acronym name looks up."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        for form in dict.fromkeys((name.initials, name.short_initials)):
            if form:
                index[form].append(i)
    return index


def _acronym_hits(name: Name, initials: Mapping[str, list[int]]) -> set[int]:
    """The names whose initials the acronym name may stand for (none for other names)."""
    return {j for form in name.acronym for j in initials.get(form, ())}


def _rest(word: str, name: Name) -> str:
    return " ".join(t for t in (*name.tokens, *name.optional) if t != word)


def _sorted_neighbours(rests: Sequence[tuple[str, int]]) -> set[tuple[int, int]]:
    """Pairs of positions in ``rests`` within WINDOW of each other, in the order of the
    text and of the text spelt backwards (a slip early or late keeps a name near)."""
    pairs: set[tuple[int, int]] = set()
    for spelt in (lambda t: t, lambda t: t[::-1]):
        order = sorted(range(len(rests)), key=lambda p: (spelt(rests[p][0]), rests[p][1]))
        for at, p in enumerate(order):
            for q in order[at + 1 : at + 1 + WINDOW]:
                pairs.add((min(p, q), max(p, q)))
    return pairs


def _neighbours(key: str, members: Sequence[int], names: Sequence[Name]) -> set[tuple[int, int]]:
    """Pairs within a word block too large to pair in full (more than MAX_BLOCK names):
    each name with its WINDOW nearest in the order of the rest of its words, forwards and
    backwards spelt."""
    word = key.removeprefix("w:")
    rests = [(_rest(word, names[i]), i) for i in members]
    return {
        (min(members[p], members[q]), max(members[p], members[q]))
        for p, q in _sorted_neighbours(rests)
    }


def _block_pairs(blocks: Sequence[list[int]], count: int) -> set[tuple[int, int]]:
    """Every pair of two members of one block (members ascending: ``combinations``), the
    blocks of one size at once (numpy: a row per block, the upper triangle's columns)."""
    by_size: dict[int, list[list[int]]] = defaultdict(list)
    for members in blocks:
        by_size[len(members)].append(members)
    codes = [np.empty(0, np.int64)]
    for size, same in sorted(by_size.items()):
        rows = np.array(same, dtype=np.int64)
        left, right = np.triu_indices(size, k=1)
        codes.append((rows[:, left] * count + rows[:, right]).ravel())
    ordered = np.sort(np.concatenate(codes))
    found = (
        ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if ordered.size else ordered
    )
    return set(zip((found // count).tolist(), (found % count).tolist(), strict=True))


def candidate_pairs(names: Sequence[Name], rules: Rules) -> set[tuple[int, int]]:
    """Index pairs (i < j) of names sharing a blocking key, from an inverted index, and each
    acronym name with the names whose initials it may stand for. A word shared by more than
    MAX_BLOCK names pairs each only with its nearest neighbours (``_neighbours``); a more
    common prefix or suffix key is skipped. Never every pair of names."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        for key in index_keys(name, rules):
            postings[key].append(i)
    pairs = _block_pairs([m for m in postings.values() if 1 < len(m) <= MAX_BLOCK], len(names))
    for key, members in postings.items():
        if len(members) > MAX_BLOCK and key.startswith("w:"):
            pairs.update(_neighbours(key, members, names))
    initials = _initials_index(names)
    for i, name in enumerate(names):
        pairs.update((min(i, j), max(i, j)) for j in _acronym_hits(name, initials) if j != i)
    return pairs


def cross_pairs(
    names: Sequence[Name], others: Sequence[Name], rules: Rules
) -> set[tuple[int, int]]:
    """Pairs (i in names, j in others) sharing a blocking key (last year's names; a word
    on more than MAX_BLOCK of them by nearest neighbours), or an acronym on either side and
    the other side's names with its initials."""
    postings: dict[str, list[int]] = defaultdict(list)
    for j, other in enumerate(others):
        for key in index_keys(other, rules):
            postings[key].append(j)
    pairs: set[tuple[int, int]] = set()
    mine = _initials_index(others)
    crowded: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        for key in index_keys(name, rules):
            found = postings.get(key, [])
            if len(found) <= MAX_BLOCK:
                pairs.update((i, j) for j in found)
            elif key.startswith("w:"):
                crowded[key].append(i)
        pairs.update((i, j) for j in _acronym_hits(name, mine))
    for key, members in crowded.items():  # as candidate_pairs: nearest neighbours only
        word = key.removeprefix("w:")
        rests = [(_rest(word, names[i]), i) for i in members]
        rests += [(_rest(word, others[j]), -1 - j) for j in postings[key]]
        for p, q in _sorted_neighbours(rests):
            a, b = rests[p][1], rests[q][1]
            if (a < 0) != (b < 0):  # one name of each year
                i, j = (a, -1 - b) if b < 0 else (b, -1 - a)
                pairs.add((i, j))
    theirs = _initials_index(names)
    for j, other in enumerate(others):
        pairs.update((i, j) for i in _acronym_hits(other, theirs))
    return pairs


# Characters that never show in a name (zero-width space, word joiner, byte order mark, soft
# hyphen); the zero-width joiners that shape Persian and Indic words are kept.
_UNSEEN = str.maketrans(dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad")))


def clean_spelling(typed: str) -> str:
    """A typed name with trivial mess removed: spacing, characters that never show,
    trailing punctuation, a leading "The"."""
    text = " ".join(str(typed).translate(_UNSEEN).split()).rstrip(" .,;:-")
    return re.sub(r"^the\s+", "", text, flags=re.IGNORECASE) or text


# --- Evidence beside the words ------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What the officers who typed one name answered besides it: the partner organisations
    they named (``plain_key`` of each), their directorates and services."""

    partners: frozenset[str] = frozenset()
    directorates: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()  # "directorate / service", case aside


@dataclass(frozen=True)
class Support:
    """A pair's score after the evidence, and the evidence for and against."""

    score: float
    partners_in_common: int
    partner_share: float  # Jaccard of the two names' partner organisations
    same_directorate: bool
    same_service: bool
    evidence_for: str  # e.g. "3 partner(s) in common (0.60): +2.4; same directorate: +1"
    evidence_against: str  # e.g. "no directorate or partner in common: -6"


def _signed(amount: float) -> str:
    return f"{'-' if amount < 0 else '+'}{abs(round(amount, 2)):g}"


def support(
    word_score: float, a: Evidence, b: Evidence, settings: NameEvidence, same_at: float
) -> Support:
    """The pair's word score moved by the evidence (module docstring), only when the words
    alone leave it from ``settings.applies_from`` up to ``same_at``. The evidence for and
    against says what each item added or took off ("same directorate: +1"), or why it was
    not counted (a directorate without a partner in common; a word score outside the band)."""
    shared = a.partners & b.partners
    named = a.partners | b.partners
    share = len(shared) / len(named) if named else 0.0
    same_directorate = bool(a.directorates & b.directorates)
    same_service = bool(a.services & b.services)
    answered = bool(a.partners and b.partners and a.directorates and b.directorates)
    apart = answered and not shared and not same_directorate
    # (what was found, what it adds; None: found but no sign alone)
    items: list[tuple[str, float | None]] = []
    if shared:
        items.append(
            (f"{len(shared)} partner(s) in common ({share:.2f})", settings.partners * share)
        )
    # a directorate or service reports many partnerships: alone it is no sign of one
    if same_directorate:
        items.append(("same directorate", settings.directorate if shared else None))
    if same_service:
        items.append(("same service", settings.service if shared else None))
    against = ("no directorate or partner in common", -settings.against) if apart else None
    value = word_score
    if settings.applies_from <= word_score < same_at:
        value += sum(amount or 0.0 for _, amount in items) + (against[1] if against else 0.0)
        found = "; ".join(
            f"{text}: {_signed(amount)}"
            if amount is not None
            else f"{text} (no partner in common: not counted)"
            for text, amount in items
        )
        lost = f"{against[0]}: {_signed(against[1])}" if against else ""
    else:
        side = "below" if word_score < settings.applies_from else "at or above"
        bound = settings.applies_from if word_score < settings.applies_from else same_at
        note = f"not counted (word score {side} {bound:g}): "
        found = note + "; ".join(text for text, _ in items) if items else ""
        lost = note + against[0] if against else ""
    return Support(
        score=round(min(100.0, max(0.0, value)), 1),
        partners_in_common=len(shared),
        partner_share=round(share, 3),
        same_directorate=same_directorate,
        same_service=same_service,
        evidence_for=found,
        evidence_against=lost,
    )
