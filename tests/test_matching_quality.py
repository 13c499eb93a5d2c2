"""Pairwise precision and recall of a clustering of returns, on hand-worked examples."""

import pandas as pd
import pytest

from pipeline.errors import PipelineError
from pipeline.matching_quality import pair_counts, pairwise_scores


def test_a_perfect_clustering_scores_one_whatever_its_labels():
    truth = pd.Series(["a", "a", "b", "b", "b"])
    predicted = pd.Series(["P2", "P2", "P1", "P1", "P1"])

    assert pairwise_scores(truth, predicted) == (1.0, 1.0)


def test_a_split_lowers_recall_only():
    # truly together: a has 3 returns -> 3 pairs; the pipeline splits them 2 + 1 -> 1 pair
    truth = pd.Series(["a", "a", "a", "b"])
    predicted = pd.Series([1, 1, 2, 3])

    assert pair_counts(truth, predicted) == (1, 1, 3)
    assert pairwise_scores(truth, predicted) == (1.0, pytest.approx(1 / 3))


def test_a_wrong_merge_lowers_precision_only():
    # a (2 returns) and b (2 returns) merged: 6 pairs put together, 2 of them truly together
    truth = pd.Series(["a", "a", "b", "b"])
    predicted = pd.Series(["x", "x", "x", "x"])

    assert pair_counts(truth, predicted) == (2, 6, 2)
    assert pairwise_scores(truth, predicted) == (pytest.approx(1 / 3), 1.0)


def test_split_and_merge_together():
    # truth a:3, b:2; predicted {a,a}, {a,b,b}: together-and-true 1 + 1 = 2,
    # put together 1 + 3 = 4, truly together 3 + 1 = 4
    truth = pd.Series(["a", "a", "a", "b", "b"])
    predicted = pd.Series([1, 1, 2, 2, 2])

    assert pair_counts(truth, predicted) == (2, 4, 4)
    assert pairwise_scores(truth, predicted) == (0.5, 0.5)


def test_singletons_only_score_one_by_convention():
    truth = pd.Series(["a", "b"])

    assert pairwise_scores(truth, pd.Series([1, 2])) == (1.0, 1.0)


def test_labels_must_cover_the_same_returns():
    with pytest.raises(PipelineError, match="same"):
        pairwise_scores(pd.Series(["a"], index=[1]), pd.Series([1], index=[2]))
    with pytest.raises(PipelineError, match="without"):
        pairwise_scores(pd.Series(["a", None]), pd.Series([1, 1]))


def test_two_hundred_thousand_returns_score_quickly():
    truth = pd.Series([n % 5_000 for n in range(200_000)])
    predicted = truth.where(truth % 2 == 0, truth + 1)  # odd ones merged into the next

    precision, recall = pairwise_scores(truth, predicted)

    assert recall == 1.0
    assert precision == pytest.approx(0.5, abs=0.01)
