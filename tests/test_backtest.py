"""Back test: a small committed set of accepted returns through consolidation and scoring,
compared with committed expected outputs (tests/backtest/README.md).

Runs what notebooks/03_evaluate.ipynb runs, in its order, without papermill, with the
pinned toolkit (tests/backtest/config/toolkit.yaml) and a fixed alias list. A difference is
either a bug or a deliberate change of method: regenerate the expected files only for the
second, after review (`pytest tests/test_backtest.py --regenerate-backtest`).
"""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import protocol, registry, tables, toolkit, validate

BACKTEST = Path(__file__).parent / "backtest"
YEAR = 2025
ALIASES = {"WCSP": "Westbrook Community Safety Partnership"}
COUNCIL = ("Northmoor",)  # the council's names, pinned like the aliases (never evidence)
OUTPUTS = ("registry", "evaluation")


def evaluate(valid: pd.DataFrame, questions: protocol.Protocol, kit: toolkit.Toolkit):
    """by_keys -> match_names -> assign_partnerships -> consolidate_returns ->
    evaluate_partnerships, as 03_evaluate does (a first year: no previous registry)."""
    answers = questions.by_keys(valid)
    matching = registry.match_names(answers, kit, ALIASES, previous=None, council=COUNCIL)
    assigned = registry.assign_partnerships(answers, matching)
    register, _ = registry.consolidate_returns(assigned, questions, kit)
    evaluation = toolkit.evaluate_partnerships(
        register, assigned, questions, kit, as_of=validate.closing_date(valid, YEAR)
    )
    return {"registry": register, "evaluation": evaluation}


def _as_processed(root: Path, name: str, source: Path) -> None:
    """Put a CSV where tables.read looks for ``name`` under ``root``."""
    target = tables.path(name, YEAR, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """The outputs computed now from tests/backtest/valid.csv, written and read back
    through the processed-data contract: (root, protocol)."""
    questions = protocol.load()
    kit = toolkit.load(BACKTEST, questions)
    root = tmp_path_factory.mktemp("backtest")
    _as_processed(root, "valid", BACKTEST / "valid.csv")
    valid = tables.read("valid", YEAR, root, questions)
    for name, frame in evaluate(valid, questions, kit).items():
        tables.write(name, frame, YEAR, root)
    return root, questions


def test_backtest_input_is_a_valid_table_in_the_returns_layout(fresh):
    root, questions = fresh

    valid = tables.read("valid", YEAR, root, questions)

    assert list(valid.columns) == tables.returns_columns(questions)
    assert 12 <= len(valid) <= 20 and valid["row_key"].is_unique


@pytest.mark.parametrize("name", OUTPUTS)
def test_backtest_output_equals_the_committed_expected_output(fresh, name, request, tmp_path):
    root, _ = fresh
    expected = BACKTEST / f"expected_{name}.csv"
    if request.config.getoption("regenerate_backtest"):
        shutil.copyfile(tables.path(name, YEAR, root), expected)
        pytest.skip(f"wrote {expected}: review `git diff {expected}` before committing it")
    _as_processed(tmp_path, name, expected)

    pd.testing.assert_frame_equal(
        tables.read(name, YEAR, root), tables.read(name, YEAR, tmp_path), obj=name
    )
