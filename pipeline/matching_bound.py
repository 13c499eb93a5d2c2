"""Name matching: a vectorised upper bound on the word score of candidate pairs (D47).

``matching.score`` is exact and written word by word in Python; at 200,000 returns the
inverted index gives about 440,000 candidate pairs, nine in ten of which score far below
the lowest score the registry ever looks at. ``reachable_pairs`` drops only the pairs whose
score provably stays below that floor, from whole-array arithmetic (numpy, rapidfuzz's
``process.cpdist``), so that the exact score runs on the rest only.

The bound, for a pair of "plain" names (neither has bracketed words, is an acronym, or has
two neighbouring words that are a word of some name, so ``score`` neither fuses words nor
reads qualifiers nor matches initials): ``score`` pairs each word of A with at most one of
B and adds (w_a + w_b) / 2 to S for each pair it makes, and only for two words that are
``Weights.same``. So S <= (M_A + M_B) / 2, M_A being the weight of A's words that are the
same as some word of B (and M_B the other way), and the score, 100 x (0.75 S / small +
0.25 S / large) rounded, is at most 100 x (M_A + M_B) / 2 x (0.75 / small + 0.25 / large).
A word pair counts as the same here when ``Weights.same`` holds either way round, a
superset of what ``score`` asks. Every other pair is kept for the exact score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Hamming

from pipeline.matching import CONTAINED_SHARE, Name, Weights

MARGIN = 0.1  # score points kept below the floor: the rounding to 0.1 and float error
CHUNK = 1 << 20  # word pairs compared at once (memory stays a few tens of MB)


def _plain(name: Name, vocabulary: set[str]) -> bool:
    """A name ``score`` treats word by word only: no bracketed words, not an acronym, some
    words, and no two neighbouring words that fuse into a word of any name."""
    words = (*name.tokens, *name.optional)
    fuses = any(words[i] + words[i + 1] in vocabulary for i in range(len(words) - 1))
    return bool(name.tokens) and not name.optional and not name.acronym and not fuses


def _similar_codes(
    codes: np.ndarray, words: Sequence[str], weights: Weights, count: int
) -> np.ndarray:
    """Of the word pairs ``codes`` (x * count + y, x < y), those ``Weights.same`` either way
    round, sorted. rapidfuzz first keeps every pair ``same_word`` could accept (ratio from
    just below typo_similarity, OSA distance 1, or two letters differing at equal length,
    which covers a swap of neighbours); ``Weights.same`` decides on those few."""
    if codes.size == 0:
        return codes
    left = [words[x] for x in (codes // count).tolist()]
    right = [words[y] for y in (codes % count).tolist()]
    cutoff = weights.rules.typo_similarity - 1
    ratio = process.cpdist(left, right, scorer=fuzz.ratio, score_cutoff=cutoff, workers=1)
    osa = process.cpdist(left, right, scorer=OSA.distance, score_cutoff=1, workers=1)
    swaps = process.cpdist(left, right, scorer=Hamming.distance, score_cutoff=2, workers=1)
    lengths = np.fromiter(map(len, left), np.int64, len(left)) == np.fromiter(
        map(len, right), np.int64, len(right)
    )
    maybe = np.flatnonzero((ratio >= cutoff) | (osa <= 1) | (lengths & (swaps <= 2)))
    same = [
        i
        for i in maybe.tolist()
        if weights.same(left[i], right[i]) or weights.same(right[i], left[i])
    ]
    return np.sort(codes[np.asarray(same, dtype=np.int64)])


def _segments(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of these lengths laid end to end: each item's segment and its place in
    it."""
    starts = np.cumsum(lengths) - lengths
    owner = np.repeat(np.arange(lengths.size), lengths)
    return owner, np.arange(owner.size) - starts[owner]


def _distinct(values: np.ndarray) -> np.ndarray:
    ordered = np.sort(values)
    return (
        ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if ordered.size else ordered
    )


def _within(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Which values are in the sorted array."""
    if not ordered.size:
        return np.zeros(values.size, dtype=bool)
    at = np.searchsorted(ordered, values).clip(max=ordered.size - 1)
    return ordered[at] == values


class _Covered:
    """The shared-weight bound of many pairs of plain names at once, remembering the word
    pairs compared on the way (each pair of words is compared once)."""

    def __init__(
        self, offsets: np.ndarray, flat: np.ndarray, weight: np.ndarray, words: Sequence[str]
    ) -> None:
        self.offsets, self.flat, self.weight, self.words = offsets, flat, weight, words
        self.lengths = np.diff(offsets)
        self.similar = np.empty(0, np.int64)  # sorted codes of similar word pairs
        self.seen = np.empty(0, np.int64)  # sorted codes of word pairs already compared

    def _same(self, x: np.ndarray, y: np.ndarray, weights: Weights) -> np.ndarray:
        """Each word pair (x[i], y[i]) equal or ``Weights.same`` either way round."""
        count = len(self.words)
        codes = np.minimum(x, y) * count + np.maximum(x, y)
        fresh = _distinct(codes[x != y])
        fresh = fresh[~_within(fresh, self.seen)]
        if fresh.size:
            found = _similar_codes(fresh, self.words, weights, count)
            self.seen = np.sort(np.concatenate((self.seen, fresh)))
            self.similar = np.sort(np.concatenate((self.similar, found)))
        return (x == y) | _within(codes, self.similar)

    def shared(self, a: np.ndarray, b: np.ndarray, weights: Weights) -> np.ndarray:
        """For each pair (a[p], b[p]): (M_A + M_B) / 2 (module docstring)."""
        own, other = self.lengths[a], self.lengths[b]
        pair, k = _segments(own)  # one item per (pair, word of a)
        word_a = self.flat[self.offsets[a][pair] + k]
        item, m = _segments(other[pair])  # one per (pair, word of a, word of b)
        at_b = (np.cumsum(other) - other)[pair[item]] + m  # that word of b among all b's
        side_b, n = _segments(other)  # one item per (pair, word of b)
        word_b = self.flat[self.offsets[b][side_b] + n]
        same = self._same(word_a[item], word_b[at_b], weights)
        covered_a = np.logical_or.reduceat(same, np.cumsum(other[pair]) - other[pair])
        covered_b = np.zeros(word_b.size, dtype=bool)
        np.logical_or.at(covered_b, at_b, same)
        count = a.size
        m_a = np.bincount(pair, weights=self.weight[word_a] * covered_a, minlength=count)
        m_b = np.bincount(side_b, weights=self.weight[word_b] * covered_b, minlength=count)
        return (m_a + m_b) / 2

    def totals(self) -> np.ndarray:
        """Each name's weight: its distinct words' (0 for a name that is not plain)."""
        owner, _ = _segments(self.lengths)
        return np.bincount(owner, weights=self.weight[self.flat], minlength=self.lengths.size)


def reachable_pairs(
    names: Sequence[Name],
    pairs: Iterable[tuple[int, int]],
    weights: Weights,
    floor: float,
) -> list[tuple[int, int]]:
    """The candidate pairs (indices into ``names``) whose ``matching.score`` may reach
    ``floor``: every pair is kept except plain pairs whose bound (module docstring) is
    below ``floor`` by more than MARGIN. In the order given."""
    given = list(pairs)
    if not given or floor <= MARGIN:
        return given
    vocabulary = sorted({w for n in names for w in (*n.tokens, *n.optional)})
    ids = {w: i for i, w in enumerate(vocabulary)}
    known = set(vocabulary)
    plain = np.array([_plain(n, known) for n in names], dtype=bool)
    keys = {n.key: i for i, n in enumerate(names)}
    compared = {n.compared: i for i, n in enumerate(names)}
    key_id = np.array([keys[n.key] for n in names], dtype=np.int64)
    compared_id = np.array([compared[n.compared] for n in names], dtype=np.int64)
    distinct = [sorted({ids[t] for t in n.tokens}) if plain[i] else [] for i, n in enumerate(names)]
    lengths = np.fromiter(map(len, distinct), np.int64, len(distinct))
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    flat = np.fromiter((w for d in distinct for w in d), np.int64, int(offsets[-1]))
    weight = np.array([weights.of(w) for w in vocabulary], dtype=np.float64)
    covered = _Covered(offsets, flat, weight, vocabulary)

    both = np.array(given, dtype=np.int64).reshape(-1, 2)
    first, second = both[:, 0], both[:, 1]
    keep = ~(plain[first] & plain[second])
    keep |= key_id[first] == key_id[second]
    keep |= compared_id[first] == compared_id[second]
    bounded = np.flatnonzero(~keep)
    share = CONTAINED_SHARE
    total = covered.totals()
    cost = lengths[first[bounded]] * lengths[second[bounded]]
    chunk_of = np.cumsum(cost) // CHUNK
    for chunk in np.unique(chunk_of):
        rows = bounded[chunk_of == chunk]
        a, b = first[rows], second[rows]
        shared = covered.shared(a, b, weights)
        small = np.minimum(total[a], total[b])
        large = np.maximum(total[a], total[b])
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = 100.0 * shared * (share / small + (1 - share) / large)
        keep[rows] = (small <= 0) | ~(bound < floor - MARGIN)
    return [pair for pair, kept in zip(given, keep.tolist(), strict=True) if kept]
