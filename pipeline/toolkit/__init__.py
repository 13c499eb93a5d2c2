"""Evaluate stage: the toolkit (config/toolkit.yaml) and the scoring it drives.

``model`` loads and checks the toolkit; ``scoring`` applies it to the registry.
"""

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
    band,
    evaluate_partnerships,
    full_cost,
    governance_band,
    governance_items,
    key_criteria_met,
    recommend,
    score_equality,
    score_principles,
)

__all__ = [
    "FACT_KINDS",
    "Action",
    "Condition",
    "KeyCriterion",
    "RecommendationRule",
    "Toolkit",
    "band",
    "evaluate_partnerships",
    "full_cost",
    "governance_band",
    "governance_items",
    "key_criteria_met",
    "load",
    "recommend",
    "score_equality",
    "score_principles",
]
