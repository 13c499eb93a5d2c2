"""Evaluate stage: the toolkit (config/toolkit.yaml) and the scoring it drives.

``model`` loads and checks the toolkit; ``scoring`` applies it to the registry and writes
the evaluation; ``changes`` compares it with last year's.
"""

from pipeline.toolkit.changes import changes_since, load_previous_evaluation
from pipeline.toolkit.model import (
    FACT_KINDS,
    MEANINGS,
    Action,
    Band,
    Condition,
    Domain,
    Instrument,
    KeyCriterion,
    MoneyHeld,
    NameEvidence,
    RealWords,
    RecommendationRule,
    Toolkit,
    load,
)
from pipeline.toolkit.scoring import (
    band,
    evaluate_partnerships,
    full_cost,
    governance_band,
    key_criteria_met,
    officer_spread,
    recommend,
    score_equality,
    score_principles,
    summary_line,
    write_evaluation,
)
from pipeline.toolkit.value_for_money import value_for_money
from pipeline.toolkit.value_model import ValueForMoney

__all__ = [
    "FACT_KINDS",
    "MEANINGS",
    "Action",
    "Band",
    "Condition",
    "Domain",
    "Instrument",
    "KeyCriterion",
    "NameEvidence",
    "RealWords",
    "MoneyHeld",
    "RecommendationRule",
    "Toolkit",
    "ValueForMoney",
    "band",
    "changes_since",
    "evaluate_partnerships",
    "full_cost",
    "governance_band",
    "key_criteria_met",
    "load",
    "load_previous_evaluation",
    "officer_spread",
    "recommend",
    "score_equality",
    "score_principles",
    "summary_line",
    "value_for_money",
    "write_evaluation",
]
