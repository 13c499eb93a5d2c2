"""Per-partnership sums, means, medians and lists over a whole table at once (issue 20).

Consolidation and scoring read every partnership's returns. Slicing a DataFrame per
partnership costs pandas' overhead thousands of times; here the rows are sorted by
partnership once and each measure is one pass over the sorted arrays. Each function gives,
bit for bit, what pandas gives on one partnership's rows (``Series.sum``, ``.mean``,
``.median``), so that moving a stage onto these never changes an output byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Whole numbers below 2**53 add up exactly in a float64 in any order.
_EXACT_LIMIT = float(2**53)


@dataclass(frozen=True)
class Groups:
    """Rows grouped by a label as ``groupby(label, sort=True)`` groups them (a blank
    label is in no group): each group's label, and its rows' positions in row order."""

    labels: np.ndarray  # each group's label, sorted
    codes: np.ndarray  # each row's group (-1: blank label)
    order: np.ndarray  # row positions, group after group, each group in row order
    bounds: np.ndarray  # group g's rows are order[bounds[g]:bounds[g + 1]]

    @property
    def sizes(self) -> np.ndarray:
        """How many rows each group has."""
        return np.diff(self.bounds)

    def first(self, values: np.ndarray) -> np.ndarray:
        """Each group's value in its first row."""
        return values[self.order[self.bounds[:-1]]]

    def count(self, flags: np.ndarray) -> np.ndarray:
        """How many rows of each group are flagged."""
        within = self.codes >= 0
        return np.bincount(
            self.codes[within], weights=flags[within].astype(float), minlength=len(self.labels)
        ).astype(np.int64)

    def any(self, flags: np.ndarray) -> np.ndarray:
        """Whether any row of each group is flagged."""
        return self.count(flags) > 0

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Each group's sum as ``Series.sum`` gives it (blanks count as 0)."""
        ordered = values[self.order].astype(float)
        return _segment_sums(np.where(np.isnan(ordered), 0.0, ordered), self.bounds)

    def means(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each group's mean of its numbers as ``Series.dropna().mean()`` gives it (NaN
        when it has none), and how many numbers it has."""
        ordered, bounds = self._numbers(values)
        counts = np.diff(bounds)
        totals = _segment_sums(ordered, bounds)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)
        return means, counts

    def medians(self, values: np.ndarray) -> np.ndarray:
        """Each group's median of its numbers as ``Series.dropna().median()`` gives it (NaN
        when it has none)."""
        ordered, bounds = self._numbers(values)
        counts = np.diff(bounds)
        if (ordered == 0).any() and np.signbit(ordered[ordered == 0]).any():
            # numpy's mean of the middle two keeps a -0.0 its own way: ask numpy itself
            return np.array(
                [np.median(ordered[a:b]) if b > a else np.nan for a, b in _pairs(bounds)]
            )
        segment = np.repeat(np.arange(len(counts)), counts)
        ordered = ordered[np.lexsort((ordered, segment))]  # each group's numbers ascending
        low = bounds[:-1] + (counts - 1) // 2
        high = bounds[:-1] + counts // 2
        padded = np.append(ordered, np.nan)  # a group without numbers reads the NaN
        empty = counts == 0
        lower = padded[np.where(empty, len(ordered), low)]
        upper = padded[np.where(empty, len(ordered), high)]
        return np.where(counts % 2 == 1, lower, (lower + upper) / 2)

    def joined(
        self,
        texts: np.ndarray,
        keep: np.ndarray,
        separator: str,
        arrange: Callable[[list[Any]], Sequence[Any]] = list,
    ) -> list[str | None]:
        """Each group's kept texts (in row order, then ``arrange``d) joined by
        ``separator``; None for a group with none kept."""
        kept = keep[self.order]
        chosen = texts[self.order][kept]
        ends = np.concatenate([[0], np.cumsum(kept)])[self.bounds]
        return [
            separator.join(arrange(chosen[a:b].tolist())) if b > a else None
            for a, b in _pairs(ends)
        ]

    def _numbers(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The groups' numbers (NaN dropped), group after group in row order, and where
        each group's numbers begin."""
        ordered = values[self.order].astype(float)
        present = ~np.isnan(ordered)
        ends = np.concatenate([[0], np.cumsum(present)])[self.bounds]
        return ordered[present], ends


def group_rows(labels: pd.Series | np.ndarray) -> Groups:
    """Rows grouped by ``labels`` (partnership_id), the groups in sorted order as
    ``groupby(sort=True)`` has them; a blank label's rows are in no group."""
    codes, distinct = pd.factorize(np.asarray(labels, dtype=object), sort=True)
    codes = np.asarray(codes, dtype=np.intp)
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    sizes = np.bincount(codes[codes >= 0], minlength=len(distinct))
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
    return Groups(np.asarray(distinct, dtype=object), codes, order, bounds)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row of ``frame`` as a dict of column to value, as ``frame.values`` holds it,
    without building a Series per row. That is what ``iterrows`` gives for a frame with a
    number or boolean column (the evaluation's and value for money's tables); for a frame of
    text only, iterrows would give NaN where this keeps None."""
    if not frame.columns.is_unique:
        raise ValueError("rows as records need unique column names")
    columns = frame.columns.tolist()
    return [dict(zip(columns, values, strict=True)) for values in frame.values]


def numbers(values: pd.Series) -> np.ndarray:
    """A column as float64, anything that is not a number NaN (``pd.to_numeric`` with
    errors="coerce")."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _pairs(bounds: np.ndarray) -> list[tuple[int, int]]:
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _segment_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """``np.sum`` of each ``values[bounds[g]:bounds[g + 1]]``, bit for bit. numpy adds
    pairwise, so a sum in another order can differ in its last bit; whole numbers (no
    -0.0) whose magnitudes total under 2**53 add up exactly in any order, and are summed
    at once."""
    sizes = np.diff(bounds)
    negative_zero = ((values == 0) & np.signbit(values)).any()
    whole = np.array_equal(values, np.floor(values)) and not negative_zero
    if whole and float(np.abs(values).sum()) < _EXACT_LIMIT:
        segment = np.repeat(np.arange(len(sizes)), sizes)
        return np.bincount(segment, weights=values, minlength=len(sizes))
    return np.array([np.add.reduce(values[a:b]) for a, b in _pairs(bounds)], dtype=float)
