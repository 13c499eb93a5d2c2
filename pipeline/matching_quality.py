"""How well the registry's name matching groups returns: pairwise precision and recall.

A clustering of returns is judged by pairs of returns. A pair is *put together* when the
pipeline gives both returns the same partnership, and *truly together* when they report the
same true partnership. Precision is the share of pairs put together that are truly together
(wrong merges lower it); recall is the share of pairs truly together that were put together
(splits lower it). Both come from contingency counts, never by listing pairs, so 200,000
returns take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import ingest, registry, settings, tables, validate
from pipeline import protocol as protocol_module
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol


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


@dataclass(frozen=True)
class Scores:
    """Pairwise precision and recall of one clustering, with what they were counted from."""

    precision: float
    recall: float
    returns: int
    true_partnerships: int
    predicted_partnerships: int

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"({self.returns} returns, {self.true_partnerships} true partnerships, "
            f"{self.predicted_partnerships} found)"
        )


def score(truth: pd.Series, predicted: pd.Series) -> Scores:
    """:func:`pairwise_scores` with the counts beside them (same arguments)."""
    precision, recall = pairwise_scores(truth, predicted)
    return Scores(precision, recall, len(truth), truth.nunique(), predicted.nunique())


def predicted_partnerships(
    year: int, root: Path | str | None, protocol: Protocol | None = None
) -> pd.Series:
    """Each accepted return's partnership_id from a run's tables (03_evaluate's output).

    The accepted returns (valid.csv) by response ID as text, mapped through name_matches.csv
    from the name typed to the partnership it was matched to.
    """
    protocol = protocol or protocol_module.load(root)
    valid = tables.read("valid", year, root, protocol)
    matches = tables.read("name_matches", year, root)
    lookup = matches.drop_duplicates("typed_name").set_index("typed_name")["partnership_id"]
    typed = valid[protocol.by_key("partnership_name").id].astype(str)
    predicted = pd.Series(
        typed.map(lookup).to_numpy(),
        index=valid["response_id"].astype(str).to_numpy(),
        name="partnership_id",
    )
    unmatched = typed[predicted.isna().to_numpy()]
    if not unmatched.empty:
        raise PipelineError(
            f"name_matches.csv has no partnership for {len(unmatched)} accepted returns' "
            f"names, e.g. {unmatched.iloc[0]!r}."
        )
    return predicted


def returns_partnerships(year: int, root: Path | str | None) -> pd.Series:
    """Each accepted return's partnership_id as 03_evaluate wrote it
    (return_partnerships.csv), indexed by response ID as text."""
    assigned = tables.read("return_partnerships", year, root)
    return pd.Series(
        assigned["partnership_id"].to_numpy(),
        index=assigned["response_id"].astype(str).to_numpy(),
        name="partnership_id",
    )


def score_run(
    truth: pd.Series, year: int, root: Path | str | None, protocol: Protocol | None = None
) -> Scores:
    """Score a run's consolidation against ``truth`` (response ID as text -> partnership).

    Only accepted returns are scored; a truth for a return the run quarantined is ignored.
    """
    predicted = predicted_partnerships(year, root, protocol).sort_index()
    return score(truth.reindex(predicted.index), predicted)


def match_in_process(year: int, root: Path | str | None) -> pd.Series:
    """Each accepted return's partnership_id, from the root's exports, without writing.

    What stages 01-03 do up to the registry's name matching, with the root's config/ (its
    toolkit and aliases): ingest, validation, ``registry.match_year`` and
    ``assign_partnerships``. Indexed by response ID as text, like
    :func:`predicted_partnerships`, which reads the same from a run's tables.
    """
    config = settings.load(root)
    questionnaire = config.protocol
    returns = ingest.ingest_exports(ingest.read_exports(year, root), questionnaire, year).returns
    closing = validate.closing_date(returns, year, config.council)
    valid = validate.validate_returns(returns, questionnaire, closing).valid
    answers = questionnaire.by_keys(valid)
    matching = registry.match_year(answers, config, year, root)
    assigned = registry.assign_partnerships(answers, matching)
    return pd.Series(
        assigned["partnership_id"].to_numpy(),
        index=assigned["response_id"].astype(str).to_numpy(),
        name="partnership_id",
    )
