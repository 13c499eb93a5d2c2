"""Evaluate stage: the toolkit (config/toolkit.yaml) and the scoring it drives.

``model`` loads and checks the toolkit; ``scoring`` applies it to the registry and writes
the evaluation; ``changes`` compares it with last year's.
"""

from pipeline.toolkit.changes import changes_since, load_previous_evaluation
from pipeline.toolkit.model import (
    FACT_KINDS,
    Action,
    Condition,
    KeyCriterion,
    RecommendationRule,
    Toolkit,
    load,
)
from pipeline.toolkit.scoring import (
    assess_governance,
    band,
    evaluate_partnerships,
    full_cost,
    governance_band,
    key_criteria_met,
    recommend,
    score_equality,
    score_principles,
    summary_line,
    write_evaluation,
)

__all__ = [
    "FACT_KINDS",
    "Action",
    "Condition",
    "KeyCriterion",
    "RecommendationRule",
    "Toolkit",
    "assess_governance",
    "band",
    "changes_since",
    "evaluate_partnerships",
    "full_cost",
    "governance_band",
    "key_criteria_met",
    "load",
    "load_previous_evaluation",
    "recommend",
    "score_equality",
    "score_principles",
    "summary_line",
    "write_evaluation",
]
