"""Benchmark: consolidation's pairwise precision and recall, and the name matcher's time.

Issue 14. Prints precision and recall of the partnerships found against the truth on the
labelled set (Eastvale, pipeline/sample/labelled.py) and on the committed 2025 sample, both
through ingest, validation and registry.match_names with the repository's config/ (the
figures tests/test_name_matching_quality.py asserts), then times registry.match_names on
20,000 and 200,000 returns built by repeating the labelled set's returns with distinct
response IDs. The 200,000 run has MATCH_LIMIT seconds in a child process; past that it is
stopped and the 20,000 time stands. Last, the same with every repeat's names made distinct
(2,000 and 20,000 returns, DISTINCT_LIMIT seconds each), which shows how the matcher grows
with the number of distinct names rather than of returns.

Run: `.venv/bin/python benchmarks/bench_matching.py`.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from pipeline import ingest, matching_quality, paths, registry, sample, settings, validate
from pipeline.sample import labelled

YEAR = 2025
SIZES = (20_000, 200_000)
MATCH_LIMIT = 120.0  # seconds for match_names on the largest size
DISTINCT_SIZES = (2_000, 20_000)
DISTINCT_LIMIT = 60.0


def _repeated(answers: pd.DataFrame, rows: int) -> pd.DataFrame:
    """The labelled set's accepted returns (by key) repeated to ``rows``, IDs distinct."""
    repeats = -(-rows // len(answers))
    big = pd.concat([answers] * repeats, ignore_index=True).iloc[:rows].copy()
    big["response_id"] = [str(n) for n in range(1, rows + 1)]
    return big


def _distinct(answers: pd.DataFrame, rows: int) -> pd.DataFrame:
    """As _repeated, each repeat's names suffixed with its number: every name is new, so
    the matcher's work per distinct name shows (a stress, not a survey)."""
    big = _repeated(answers, rows)
    repeat = pd.Series(range(rows)) // len(answers)
    big["partnership_name"] = big["partnership_name"].astype(str) + " r" + repeat.astype(str)
    return big


def _time_match(answers: pd.DataFrame, root: Path, out: multiprocessing.Queue) -> None:
    config = settings.load(root)
    started = time.perf_counter()
    matching = registry.match_names(answers, config.toolkit, config.aliases, council=config.council)
    out.put((time.perf_counter() - started, matching.names["partnership_id"].nunique()))


def _timed(answers: pd.DataFrame, root: Path, limit: float) -> tuple[float, int] | None:
    """match_names' seconds and partnerships found, or None when stopped at ``limit``."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_time_match, args=(answers, root, results))
    child.start()
    child.join(limit + 30)  # the child also reads config and pickles the frame
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return results.get() if not results.empty() else None


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        labelled_root = Path(folder) / "labelled"
        made = labelled.write_labelled_set(labelled_root, YEAR)
        found = matching_quality.match_in_process(YEAR, labelled_root)
        labelled_scores = matching_quality.score(made.truth_series().reindex(found.index), found)

        sample_root = Path(folder) / "sample"
        shutil.copytree(paths.config_dir(), paths.config_dir(sample_root))
        shutil.copytree(paths.raw_dir(YEAR), paths.raw_dir(YEAR, sample_root))
        truth = pd.Series(
            {
                str(r.response_id): r.true_partnership
                for r in sample.generate_returns(YEAR, settings.load(sample_root).protocol)
            }
        )
        found = matching_quality.match_in_process(YEAR, sample_root)
        sample_scores = matching_quality.score(truth.reindex(found.index), found)

        print(f"{'set':10} {'returns':>8} {'true':>5} {'found':>6} {'precision':>10} {'recall':>7}")
        for name, scores in (("labelled", labelled_scores), ("sample", sample_scores)):
            print(
                f"{name:10} {scores.returns:>8,} {scores.true_partnerships:>5} "
                f"{scores.predicted_partnerships:>6} {scores.precision:>10.3f} "
                f"{scores.recall:>7.3f}"
            )

        config = settings.load(labelled_root)
        exports = ingest.read_exports(YEAR, labelled_root)
        raw = ingest.ingest_exports(exports, config.protocol, YEAR).returns
        valid = validate.validate_returns(
            raw, config.protocol, validate.closing_date(raw, YEAR, config.council)
        )
        answers = config.protocol.by_keys(valid.valid)
        print(f"\nregistry.match_names on the labelled set's {len(answers)} returns repeated:")
        print(f"{'returns':>8} {'seconds':>8} {'partnerships':>13}")
        for rows in SIZES:
            timed = _timed(_repeated(answers, rows), labelled_root, MATCH_LIMIT)
            if timed is None or (rows == SIZES[-1] and timed[0] > MATCH_LIMIT):
                print(
                    f"{rows:>8,} stopped after {MATCH_LIMIT:.0f} s: the time at "
                    f"{SIZES[0]:,} above stands"
                )
                break
            print(f"{rows:>8,} {timed[0]:>8.1f} {timed[1]:>13}")
        print("\nthe same with every repeat's names made distinct (a stress):")
        for rows in DISTINCT_SIZES:
            timed = _timed(_distinct(answers, rows), labelled_root, DISTINCT_LIMIT)
            if timed is None or timed[0] > DISTINCT_LIMIT:
                print(f"{rows:>8,} stopped after {DISTINCT_LIMIT:.0f} s")
                break
            print(f"{rows:>8,} {timed[0]:>8.1f} {timed[1]:>13}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
