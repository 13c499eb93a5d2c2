"""Judging a proposed partnership by the decision aid in toolkit.yaml (decision D37).

A proposal's answers (by question key, already read as ingest reads them) become facts;
each entry criterion is met, not met or not answered; the verdict and the model follow
from toolkit.yaml's rules. A condition on a fact that was not answered is neither true nor
false, so a criterion that depends on it is "not answered", never "met".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.protocol import Protocol
from pipeline.toolkit.model import Condition, Toolkit
from pipeline.toolkit.new_partnership import ProposalCondition, form_questions
from pipeline.toolkit.scoring import full_cost

Status = Literal["met", "not met", "not answered"]
_PARTNER_BREAK = re.compile(r"[;,\n]+")


@dataclass(frozen=True)
class CriterionResult:
    """One entry criterion judged: met, not met or not answered (naming the facts missing)."""

    name: str
    label: str
    reason: str
    status: Status
    unanswered: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelChoice:
    """The model chosen, by which rule (1-based; None for the default), and the earlier
    rules that could not be judged because a fact they test was not answered."""

    model: str
    label: str
    needs: str
    reason: str
    rule: int | None
    undecided: tuple[int, ...] = ()


@dataclass(frozen=True)
class Judgement:
    """A proposal judged: each criterion, the verdict (its kind and words) and the model."""

    criteria: tuple[CriterionResult, ...]
    verdict: Literal["met", "not_met", "not_enough"]
    verdict_words: str
    model: ModelChoice


def _said(text: str) -> str:
    """A typed word as the no-answer words are compared: trimmed, in lower case, with a
    typographic apostrophe read as a plain one ("Don’t know")."""
    return " ".join(text.replace("\u2019", "'").split()).casefold()


def no_answer_words(kit: Toolkit, protocol: Protocol) -> tuple[frozenset[str], frozenset[str]]:
    """(words that say nothing is known, words that say there is none), as typed free text is
    compared (decision D37): the first are toolkit.yaml's new_partnership.unknown_answers and
    protocol.yaml's money missing_words ("Don't know", "TBC", "n/a", "-"...), the second the
    money zero_words ("none", "nil"...). Either makes a free-text answer no answer."""
    unknown = {
        _said(w) for w in (*kit.new_partnership.unknown_answers, *protocol.money_missing_words)
    }
    return frozenset(unknown), frozenset(_said(w) for w in protocol.money_zero_words)


def partner_count(text: str | None, unknown: frozenset[str], none: frozenset[str]) -> int | None:
    """The partner organisations named, split on ; , or new lines. A name that is a no-answer
    word ("TBC", "n/a", "none") names no one; when no one is named, "none" or "nil" say there
    are no partners (0: the criterion is not met) and anything else is not answered (None)."""
    parts = [_said(p) for p in _PARTNER_BREAK.split(text or "") if p.strip()]
    named = [p for p in parts if p not in unknown and p not in none]
    if named:
        return len(named)
    return 0 if any(p in none for p in parts) else None


def proposal_facts(answers: Mapping[str, Any], kit: Toolkit, protocol: Protocol) -> dict[str, Any]:
    """The facts a criterion or model rule tests, from the answers by key (a missing key or
    None is not answered): a single choice's answer (an unknown answer is none), a free
    text's "answered" (true, or none: a blank, or only a no-answer word such as "Don't
    know", "n/a" or "none"), an amount, and the computed facts."""
    section = kit.new_partnership
    unknown = set(section.unknown_answers)
    unknown_words, none_words = no_answer_words(kit, protocol)
    facts: dict[str, Any] = {}
    for q in form_questions(section, protocol):
        value = answers.get(q.key)
        if value is None:
            facts[q.key] = None
        elif q.type == "single":
            facts[q.key] = None if value in unknown else value
        elif q.type == "text":
            said = _said(str(value))
            facts[q.key] = None if said in unknown_words or said in none_words else True
        elif q.type == "multi":
            facts[q.key] = True
        else:
            facts[q.key] = float(value)
    statutory = protocol.question(protocol.statutory_condition_question).key
    answer = facts.get(statutory)
    facts["statutory"] = (
        None if answer is None else answer.startswith(protocol.statutory_condition_prefix)
    )
    cash, in_kind, hours = (facts.get(key) for key in ("cash", "in_kind", "officer_hours"))
    cost: float | None = None
    if cash is not None and in_kind is not None and hours is not None:
        cost = full_cost(cash, in_kind, hours, kit)
    facts["full_cost"] = cost
    external = facts.get("external_funding")
    facts["leverage"] = None if not cost or external is None else round(external / cost, 2)
    priorities = answers.get("priorities")
    facts["priority_count"] = None if priorities is None else len(priorities)
    facts["partner_count"] = partner_count(answers.get("partners"), unknown_words, none_words)
    return facts


def _truth(condition: ProposalCondition, facts: Mapping[str, Any]) -> bool | None:
    if facts.get(condition.field) is None:
        return None
    return Condition(condition.field, condition.op, condition.value).holds(dict(facts))


def _all_hold(conditions: Iterable[ProposalCondition], facts: Mapping[str, Any]) -> bool | None:
    """True when every condition holds, False when one does not, else None (not answered)."""
    truths = [_truth(c, facts) for c in conditions]
    if False in truths:
        return False
    return None if None in truths else True


def _unanswered(conditions: Iterable[ProposalCondition], facts: Mapping[str, Any]) -> list[str]:
    return [c.field for c in conditions if facts.get(c.field) is None]


def judge(facts: Mapping[str, Any], kit: Toolkit) -> Judgement:
    """The entry criteria, the verdict and the model for one proposal's facts."""
    section = kit.new_partnership
    results = []
    for name, criterion in section.criteria.items():
        truths = [_all_hold(alternative, facts) for alternative in criterion.alternatives]
        status: Status = (
            "met" if True in truths else "not answered" if None in truths else "not met"
        )
        missing: list[str] = []
        if status == "not answered":
            for alternative in criterion.alternatives:
                missing += _unanswered(alternative, facts)
        results.append(
            CriterionResult(
                name, criterion.label, criterion.reason, status, tuple(dict.fromkeys(missing))
            )
        )
    required = [r for r in results if r.name in section.verdict.must_meet]
    if any(r.status == "not met" for r in required):
        verdict: Literal["met", "not_met", "not_enough"] = "not_met"
    elif any(r.status == "not answered" for r in required):
        verdict = "not_enough"
    else:
        verdict = "met"
    return Judgement(
        tuple(results), verdict, getattr(section.verdict, verdict), choose_model(facts, kit)
    )


def choose_model(facts: Mapping[str, Any], kit: Toolkit) -> ModelChoice:
    """The first model rule whose conditions all hold, else the default; a rule with a fact
    not answered does not fire and is named as undecided."""
    rules = kit.new_partnership.model_rules
    models = kit.new_partnership.models
    undecided: list[int] = []
    for number, rule in enumerate(rules.rules, start=1):
        holds = _all_hold(rule.when, facts)
        if holds:
            chosen = models[rule.model]
            return ModelChoice(
                rule.model, chosen.label, chosen.needs, rule.reason, number, tuple(undecided)
            )
        if holds is None:
            undecided.append(number)
    default = models[rules.default.model]
    return ModelChoice(
        rules.default.model,
        default.label,
        default.needs,
        rules.default.reason,
        None,
        tuple(undecided),
    )
