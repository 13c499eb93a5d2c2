"""Stages 01-03 in process, calling what the notebooks call in their order, on small exports:
fast checks of what passes from one stage to the next through the processed tables."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import HOUSING_NAMES

from pipeline import ingest, paths, registry, run, settings, tables, toolkit, validate
from pipeline.report import sections

YEAR = 2025
PINNED_CONFIG = Path(__file__).parent / "backtest" / "config"


def run_stages(root: Path, year: int = YEAR) -> settings.Settings:
    """01_ingest, 02_validate and 03_evaluate as their notebooks run them, without papermill."""
    config = settings.load(root)
    questionnaire, kit = config.protocol, config.toolkit
    ingested = ingest.ingest_exports(ingest.read_exports(year, root), questionnaire, year)
    ingest.write_ingested(ingested, year, root, questionnaire)

    returns = ingest.load_returns(year, root, questionnaire)
    closing = validate.closing_date(returns, year, config.council)
    result = validate.validate_returns(returns, questionnaire, closing)
    validate.write_validation(result, closing, year, root, questionnaire, config.council)

    answers = questionnaire.by_keys(validate.load_valid(year, root, questionnaire))
    matching = registry.match_year(answers, config, year, root)
    assigned = registry.assign_partnerships(answers, matching)
    register, disagreements = registry.consolidate_returns(assigned, questionnaire, kit)
    evaluation = toolkit.evaluate_partnerships(
        register,
        assigned,
        questionnaire,
        kit,
        as_of=validate.read_closing_date(year, root),
        asked=ingest.load_asked_by_file(year, root, questionnaire),
    )
    changes = toolkit.changes_since(toolkit.load_previous_evaluation(year, root), evaluation, kit)
    registry.write_registry(register, matching, disagreements, year, root)
    awaiting = registry.pairs_awaiting_decision(matching.unsure_pairs)
    toolkit.write_evaluation(evaluation, changes, awaiting, year, root)
    return config


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project root with the live protocol and council and the pinned toolkit."""
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    shutil.copy2(PINNED_CONFIG / "toolkit.yaml", paths.toolkit_file(tmp_path))
    paths.raw_dir(YEAR, tmp_path).mkdir(parents=True)
    return tmp_path


def test_bad_rows_are_quarantined_and_the_rest_go_through_to_the_registry(root):
    pd.DataFrame(
        {
            "Q6": ["Northmoor LRF", "Northmoor LRF", "Northmoor HWB"],
            "Q20": ["£1,000", "lots", "2k"],
            "Q43": ["Low", "Huge", "High"],
            "Q29": ["Agree", "Agree", "Disagree"],
            "Q30": ["Agree", "Agree", "Agree"],
        }
    ).to_csv(paths.raw_dir(YEAR, root) / "export.csv", index=False)

    config = run_stages(root)

    quarantine = tables.read("quarantine", YEAR, root, config.protocol)
    assert list(quarantine["source_row"]) == [3]
    assert "could not read 'lots' as money" in quarantine["quarantine_reasons"].item()
    assert "'Huge'" in quarantine["quarantine_reasons"].item()
    evaluation = tables.read("evaluation", YEAR, root).set_index("name")
    # named as the analyst's aliases name them (config/aliases.yaml: HWB, LRF)
    assert evaluation["returns"].to_dict() == {
        "Northmoor Health and Wellbeing Board": 1,
        "Northmoor Local Resilience Forum": 1,
    }
    assert evaluation.loc["Northmoor Local Resilience Forum", "cash"] == 1000.0
    assert evaluation.loc["Northmoor Health and Wellbeing Board", "cash"] == 2000.0
    assert evaluation.loc["Northmoor Health and Wellbeing Board", "risk_level"] == "High"
    assert tables.read_dq_summary(YEAR, root)["quarantined"] == 1


def test_the_summary_and_the_report_count_pairs_of_partnerships_not_pairs_of_names(root):
    pd.DataFrame({"Q6": HOUSING_NAMES, "Q43": ["Low"] * len(HOUSING_NAMES)}).to_csv(
        paths.raw_dir(YEAR, root) / "export.csv", index=False
    )

    run_stages(root)

    assert len(tables.read("unsure_pairs", YEAR, root)) == 2  # two spellings, one decision
    assert tables.read_summary("03_evaluate", YEAR, root).endswith(
        "1 pair(s) of partnerships to confirm"
    )
    assert sections.load(YEAR, root).unsure_pairs == 1


def test_a_years_registry_ids_carry_into_the_next_year_in_process(root):
    export = paths.raw_dir(YEAR, root) / "export.csv"
    pd.DataFrame({"Q6": ["Alpha Board", "Beta Forum"], "Q43": ["Low", "Low"]}).to_csv(
        export, index=False
    )
    run_stages(root)
    paths.raw_dir(YEAR + 1, root).mkdir()
    pd.DataFrame({"Q6": ["Gamma Group", "Beta Forum"], "Q43": ["Low", "High"]}).to_csv(
        paths.raw_dir(YEAR + 1, root) / "export.csv", index=False
    )

    run_stages(root, YEAR + 1)

    before = tables.read("registry", YEAR, root).set_index("name")["partnership_id"]
    after = tables.read("registry", YEAR + 1, root).set_index("name")["partnership_id"]
    assert after["Beta Forum"] == before["Beta Forum"]
    assert after["Gamma Group"] == "PSH-0003"  # numbered after last year's highest
    changes = tables.read("changes", YEAR + 1, root).set_index("name")
    assert changes["change"].to_dict() == {
        "Gamma Group": "new",
        "Alpha Board": "ended",
        "Beta Forum": "changed",
    }
    # the exports ask no governance question, so governance is "not asked" (no band of
    # concern, no uncontrolled risk) and the action stays continue: only the risk changed
    assert changes.loc["Beta Forum", "what_changed"] == "risk: Low to High"


def _two_forms(root: Path) -> None:
    """Two exports in one year: one on the new form (the performance framework question,
    Q47) and paper returns typed up on the older form without it, which asks instead
    whether partners agree why the partnership exists (Q30)."""
    raw = paths.raw_dir(YEAR, root)
    pd.DataFrame(
        {
            "Q6": ["Alpha Board", "Beta Forum"],
            "Q43": ["Low", "Low"],
            "Q47": ["Yes", "No"],
        }
    ).to_csv(raw / "forms.csv", index=False)
    pd.DataFrame(
        {
            "Q6": ["Beta Forum", "Gamma Group"],
            "Q43": ["Low", "Low"],
            "Q30": ["Strongly agree", "Don't know"],
        }
    ).to_csv(raw / "paper.csv", index=False)


def test_a_question_is_not_asked_of_a_partnership_none_of_whose_returns_had_it(root):
    _two_forms(root)

    config = run_stages(root)

    asked = ingest.load_asked_by_file(YEAR, root, config.protocol)
    assert "performance_framework" in asked["forms.csv"]
    assert "performance_framework" not in asked["paper.csv"]
    register = tables.read("registry", YEAR, root).set_index("name")
    # the paper return's blank (no column) is no answer: Beta keeps the form's No
    assert register["performance_framework"].to_dict() == {
        "Alpha Board": "Yes",
        "Beta Forum": "No",
        "Gamma Group": None,
    }
    evaluation = tables.read("evaluation", YEAR, root).set_index("name")
    performance = evaluation["governance_performance_management_completeness"]
    assert performance["Alpha Board"] == 1.0  # the only item its file asked, evidenced
    assert performance["Beta Forum"] == 0.0  # asked by forms.csv and answered No
    assert pd.isna(performance["Gamma Group"])  # only on the older form: not asked
    assert evaluation["governance_asked"].to_dict() == {
        "Alpha Board": 1,  # performance framework
        "Beta Forum": 2,  # performance framework, and purpose from its paper return
        "Gamma Group": 1,  # purpose only
    }
    missing = evaluation["governance_missing"]
    assert missing["Beta Forum"] == "no performance framework with agreed targets"
    assert pd.isna(missing["Alpha Board"])
    # Gamma's officer answered Don't know: no one rated it, which is not a "no"
    assert missing["Gamma Group"] == "no officer rated whether partners agree why it exists"
    assert evaluation.loc["Gamma Group", "governance_evidenced"] == 0


@pytest.mark.e2e
def test_the_evaluate_notebook_reads_each_export_file_as_asking_its_own_questions(root):
    _two_forms(root)
    config = run_stages(root)
    in_process = tables.read("evaluation", YEAR, root)

    run.execute_stage(
        "03_evaluate", YEAR, root, run.ensure_kernel(), config.council.council_name, root=root
    )

    notebook = tables.read("evaluation", YEAR, root)
    pd.testing.assert_frame_equal(notebook, in_process)
    gamma = notebook.set_index("name").loc["Gamma Group"]
    assert pd.isna(gamma["governance_performance_management_completeness"])
