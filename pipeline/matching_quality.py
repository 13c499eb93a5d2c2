"""How well the registry's name matching groups returns: pairwise precision and recall.

A clustering of returns is judged by pairs of returns. A pair is *put together* when the
pipeline gives both returns the same partnership, and *truly together* when they report the
same true partnership. Precision is the share of pairs put together that are truly together
(wrong merges lower it); recall is the share of pairs truly together that were put together
(splits lower it). Both come from contingency counts, never by listing pairs, so 200,000
returns take well under a second.
"""

from __future__ import annotations

import pandas as pd

from pipeline.errors import PipelineError


def _pairs(counts: pd.Series) -> int:
    """Pairs within groups of the given sizes: the sum of n choose 2."""
    sizes = counts.astype("int64")
    return int((sizes * (sizes - 1) // 2).sum())


def pair_counts(truth: pd.Series, predicted: pd.Series) -> tuple[int, int, int]:
    """(pairs put together and truly together, pairs put together, pairs truly together).

    ``truth`` and ``predicted`` hold one label per return on the same index (a return's true
    partnership and the partnership the pipeline gave it); labels only need to be equal
    within a clustering, never across the two.
    """
    if not truth.index.equals(predicted.index):
        raise PipelineError(
            "pairwise_scores needs the truth and the predicted partnerships on the same "
            f"returns (index): {len(truth)} truth labels, {len(predicted)} predicted."
        )
    missing = int(truth.isna().sum() + predicted.isna().sum())
    if missing:
        raise PipelineError(
            f"pairwise_scores found {missing} returns without a truth or predicted label."
        )
    frame = pd.DataFrame({"truth": truth.to_numpy(), "predicted": predicted.to_numpy()})
    both = _pairs(frame.groupby(["truth", "predicted"], sort=False).size())
    put_together = _pairs(frame.groupby("predicted", sort=False).size())
    truly_together = _pairs(frame.groupby("truth", sort=False).size())
    return both, put_together, truly_together


def pairwise_scores(truth: pd.Series, predicted: pd.Series) -> tuple[float, float]:
    """Pairwise (precision, recall) of ``predicted`` against ``truth`` (see pair_counts).

    With no pair put together precision is 1.0 (nothing merged wrongly); with no pair truly
    together recall is 1.0 (nothing to find).
    """
    both, put_together, truly_together = pair_counts(truth, predicted)
    precision = both / put_together if put_together else 1.0
    recall = both / truly_together if truly_together else 1.0
    return precision, recall
