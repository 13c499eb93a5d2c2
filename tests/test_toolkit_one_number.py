"""Changing one number in toolkit.yaml changes exactly the figures that depend on it and
nothing else, checked by running the evaluation twice (issue #15, must-have 10).

The sample's 2025 exports go through 01_ingest and 02_validate once; 03_evaluate (name
matching, consolidation, evaluate_partnerships) then runs on them with the pinned toolkit
and with a copy of it in which one number is changed. Which partnerships each dependent
column must change for is worked out from the data; every other column stays identical.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pipeline import ingest, paths, registry, settings, toolkit, validate
from pipeline.toolkit import governance

YEAR = 2025
PINNED = Path(__file__).parent / "backtest" / "config" / "toolkit.yaml"


@dataclass(frozen=True)
class Accepted:
    """The sample's accepted returns (by key) and what 03_evaluate reads beside them."""

    config: settings.Settings
    answers: pd.DataFrame
    as_of: dt.date
    asked: dict[str, frozenset[str]]
    evaluation: pd.DataFrame  # 03_evaluate with the pinned toolkit


def _evaluate(
    config: settings.Settings,
    answers: pd.DataFrame,
    as_of: dt.date,
    asked: dict[str, frozenset[str]],
    kit: toolkit.Toolkit,
) -> pd.DataFrame:
    """03_evaluate in process: match names, consolidate, evaluate (a first year)."""
    matching = registry.match_names(answers, kit, config.aliases, None, council=config.council)
    assigned = registry.assign_partnerships(answers, matching)
    register, _ = registry.consolidate_returns(assigned, config.protocol, kit)
    evaluation = toolkit.evaluate_partnerships(
        register, assigned, config.protocol, kit, as_of=as_of, asked=asked
    )
    return evaluation.set_index("partnership_id").sort_index()


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory, sample_stages: Path) -> Accepted:
    """The 2025 sample as 01_ingest and 02_validate accepted it (the session's run of the
    stages, conftest.py: validation reads no toolkit), with the pinned toolkit in force."""
    root = tmp_path_factory.mktemp("one_number")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    shutil.copy2(PINNED, paths.toolkit_file(root))
    config = settings.load(root)
    questionnaire = config.protocol
    answers = questionnaire.by_keys(validate.load_valid(YEAR, sample_stages, questionnaire))
    as_of = validate.read_closing_date(YEAR, sample_stages)
    asked = ingest.load_asked_by_file(YEAR, sample_stages, questionnaire)
    evaluation = _evaluate(config, answers, as_of, asked, config.toolkit)
    return Accepted(config, answers, as_of, asked, evaluation)


def _twice(accepted: Accepted, tmp_path: Path, written: str, changed: str):
    """The evaluation with the pinned toolkit, and with ``written`` (once in it) changed."""
    text = PINNED.read_text(encoding="utf-8")
    assert text.count(written) == 1, written
    paths.toolkit_file(tmp_path).parent.mkdir(parents=True)
    paths.toolkit_file(tmp_path).write_text(text.replace(written, changed), encoding="utf-8")
    before_kit = accepted.config.toolkit  # the pinned toolkit
    after_kit = toolkit.load(tmp_path, accepted.config.protocol)
    after = _evaluate(accepted.config, accepted.answers, accepted.as_of, accepted.asked, after_kit)
    return accepted.evaluation, after, before_kit, after_kit


def _changed(before: pd.DataFrame, after: pd.DataFrame, column: str) -> set[str]:
    """The partnerships whose value in ``column`` differs (blank equals blank)."""
    old, new = before[column], after[column]
    same = (old == new) | (old.isna() & new.isna())
    return set(before.index[~same.to_numpy()])


def _assert_changes_only(
    before: pd.DataFrame,
    after: pd.DataFrame,
    exactly: dict[str, set[str]],
    at_most: dict[str, set[str]],
) -> None:
    """Columns in ``exactly`` change for exactly those partnerships, columns in ``at_most``
    for some of those, and every other column for none."""
    assert list(before.columns) == list(after.columns)
    assert list(before.index) == list(after.index)
    for column in before.columns:
        changed = _changed(before, after, column)
        if column in exactly:
            assert changed == exactly[column], column
        elif column in at_most:
            assert changed <= at_most[column], column
        else:
            assert not changed, f"{column} changed for {sorted(changed)}"
            pd.testing.assert_series_equal(before[column], after[column])


# The value-for-money columns built on the full cost (value_for_money.py): economy and
# efficiency, the measures listed, and the judgement.
_COST_BUILT = (
    "vfm_cash_share",
    "vfm_in_kind_share",
    "vfm_officer_time_share",
    "vfm_type_median_cost",
    "vfm_cost_ratio",
    "vfm_economy_score",
    "vfm_economy_band",
    "vfm_cost_per_priority",
    "vfm_efficiency_score",
    "vfm_efficiency_band",
    "vfm_measures",
    "vfm_judgement",
    "vfm_reason",
    "vfm_rule",
)
_ACTION = ("action", "action_reason", "action_rule")
# The evaluation columns a recommendation rule can test (model.FACT_KINDS).
_FACTS = [fact for fact in toolkit.FACT_KINDS if fact != "statutory"]


def _rows_whose_facts_changed(before: pd.DataFrame, after: pd.DataFrame) -> set[str]:
    return set().union(*(_changed(before, after, fact) for fact in _FACTS))


def test_the_hourly_officer_cost_changes_only_costs_and_what_is_built_on_them(accepted, tmp_path):
    before, after, _, kit = _twice(
        accepted, tmp_path, "officer_hourly_cost: 38.50", "officer_hourly_cost: 77.00"
    )

    with_hours = set(before.index[(before["officer_hours"] > 0).to_numpy()])
    assert with_hours  # the sample has officer time to cost
    costed = set(before.index[before["vfm_cost_known"].to_numpy()])
    types = set(before.loc[sorted(with_hours & costed), "partnership_type"])
    same_type = set(before.index[before["partnership_type"].isin(types).to_numpy()])
    threshold = next(c for c in kit.key_criteria if c.name == "cost").settings["min_full_cost"]
    crossed = set(
        before.index[
            ((before["full_cost"] >= threshold) != (after["full_cost"] >= threshold)).to_numpy()
        ]
    )
    met_before = before["key_criteria"].fillna("").map(lambda text: len(text.split("; ")) - 1)
    met_before += before["key_criteria"].notna()
    met_after = met_before + (after["full_cost"] >= threshold) - (before["full_cost"] >= threshold)
    key_flips = set(
        before.index[
            ((met_before >= kit.key_min_criteria) != (met_after >= kit.key_min_criteria)).to_numpy()
        ]
    )
    _assert_changes_only(
        before,
        after,
        exactly={
            "officer_time_cost": with_hours,
            "full_cost": with_hours,
            "key_criteria": crossed,
            "key_partnership": key_flips,
        },
        at_most={
            "leverage": with_hours,
            **dict.fromkeys(_COST_BUILT, with_hours | same_type),
            **dict.fromkeys(_ACTION, _rows_whose_facts_changed(before, after)),
        },
    )


def test_the_disagreement_threshold_changes_only_the_disagreement_columns(accepted, tmp_path):
    before, after, _, kit = _twice(accepted, tmp_path, "disagree_from: 2\n", "disagree_from: 1.5\n")

    spreads = before[[f"{code}_officer_spread" for code in kit.instrument.domains]]
    newly = set(before.index[((spreads >= 1.5) & (spreads < 2)).any(axis=1).to_numpy()])
    assert newly  # some officers are 1.5 points apart on the sample
    _assert_changes_only(
        before,
        after,
        exactly={"officers_disagree_on": newly, "officers_disagree_count": newly},
        at_most={},
    )


def test_the_review_period_changes_only_that_headings_completeness_and_what_follows(
    accepted, tmp_path
):
    before, after, _, kit = _twice(
        accepted,
        tmp_path,
        "{question: last_reviewed, kind: within_months, months: 24,",
        "{question: last_reviewed, kind: within_months, months: 12,",
    )

    reviewed = pd.to_datetime(before["last_reviewed"], errors="coerce")
    older = pd.Timestamp(governance.months_before(accepted.as_of, 24))
    newer = pd.Timestamp(governance.months_before(accepted.as_of, 12))
    stale = set(before.index[((reviewed >= older) & (reviewed < newer)).to_numpy()])
    assert stale  # some reviews are 12 to 24 months old on the sample
    heading = kit.governance.column("performance_management")
    _assert_changes_only(
        before,
        after,
        exactly={
            heading: stale,
            "governance_completeness": stale,
            "governance_evidenced": stale,
            "governance_missing": stale,
        },
        at_most={
            "governance_band": stale,
            **dict.fromkeys(_ACTION, _rows_whose_facts_changed(before, after)),
        },
    )
    assert set(after.loc[sorted(stale), "governance_missing"].str.contains("not reviewed since"))
