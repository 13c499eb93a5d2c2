"""The toolkit's method for members, written from the toolkit in force (must-have 9).

Every measure, band and rule of config/toolkit.yaml in plain English with its formula and
the numbers loaded from the file: docs/toolkit.md (``make toolkit-doc``) and the report's
method section print the same ``explain`` parts, as Markdown and as HTML. Nothing here
holds a number: each is read from the ``Toolkit`` (and the measures' own ``describe()``),
so a changed number in toolkit.yaml changes the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import paths
from pipeline.protocol import Protocol
from pipeline.toolkit import governance
from pipeline.toolkit.model import Band, Condition, KeyCriterion, Toolkit
from pipeline.toolkit.new_partnership import ProposalCondition, form_questions

# A recommendation rule's fields in members' words (FACT_KINDS in model.py); a field not
# listed here is shown by its name.
_FACT_WORDS = {
    "overall_band": "the overall principles band",
    "governance_band": "the governance band",
    "risk_level": "the risk (the highest any officer reported)",
    "full_cost": "the full annual cost (£)",
    "leverage": "leverage (external funding per £1 of full cost)",
    "principles_of_concern": "the number of principles of concern",
    "officer_exit_share": "the share of its officers recommending exit",
    "vfm_judgement": "the value-for-money judgement",
    "vfm_economy_band": "the economy band",
    "vfm_efficiency_band": "the efficiency band",
    "vfm_effectiveness_band": "the effectiveness band",
    "vfm_equity_band": "the equity band",
    # value for money's judgement rules (value_model.JUDGEMENT_FACTS)
    "economy": "economy",
    "efficiency": "efficiency",
    "effectiveness": "effectiveness",
    "equity": "equity",
    "good_headings": "the number of headings judged good",
    "adequate_headings": "the number of headings judged adequate",
    "poor_headings": "the number of headings judged poor",
    "unknown_headings": "the number of headings without enough evidence",
}
# A true-or-false field: what it says when true, and when false.
_BOOL_WORDS = {
    "statutory": ("required by law", "not required by law"),
    "uncontrolled_risk": ("an uncontrolled risk", "no uncontrolled risk"),
    "cost_known": ("the full cost is known", "the full cost is not known"),
}
# What a stale date's words show for their {date} (the month an officer reported).
DATE_SHOWN = "[the month last reviewed]"
_OPERATOR_WORDS = {
    "eq": "is",
    "ne": "is not",
    "in": "is one of",
    "lt": "is below",
    "le": "is at most",
    "gt": "is above",
    "ge": "is at least",
}


@dataclass(frozen=True)
class Table:
    """A table of the method: its caption, column headers and rows of text."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def frame(self) -> pd.DataFrame:
        """The table as a frame of text, for the report's accessible ``table``."""
        return pd.DataFrame(list(self.rows), columns=list(self.header), dtype=object)


@dataclass(frozen=True)
class Part:
    """One part of the method: a heading, paragraphs of plain text, then tables."""

    title: str
    paragraphs: tuple[str, ...]
    tables: tuple[Table, ...] = ()


def _share(value: float) -> str:
    """A share as a percentage (0.5 is 50%), never rounded away."""
    return f"{value * 100:g}%"


def _number(value: Any) -> str:
    """A number as the toolkit writes it, whole numbers with thousands separators
    (100000 is "100,000", 0.5 is "0.5"); anything else as written."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,g}"


def _value(value: Any) -> str:
    """A condition's value as members read it: yes/no, lists joined with "or"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return " or ".join(_value(v) for v in value)
    return _number(value)


def condition_words(condition: Condition) -> str:
    """One condition of a rule in plain words ("the overall principles band is Concern")."""
    if condition.field in _BOOL_WORDS and isinstance(condition.value, bool):
        said = condition.value == (condition.op == "eq")
        true_words, false_words = _BOOL_WORDS[condition.field]
        return true_words if said else false_words
    subject = _FACT_WORDS.get(condition.field, condition.field)
    return f"{subject} {_OPERATOR_WORDS[condition.op]} {_value(condition.value)}"


def _band_rows(bands: tuple[Band, ...], none_label: str) -> tuple[tuple[str, ...], ...]:
    rows: list[tuple[str, ...]] = []
    for index, band in enumerate(bands):
        upper = f"below {bands[index + 1].start:g}" if index + 1 < len(bands) else "the top"
        rows.append((band.label, band.means, f"from {band.start:g} up to {upper}"))
    rows.append((none_label, "none", "too few answers: no score"))
    return tuple(rows)


def _not_evidence_words(item: governance.EvidenceItem) -> str:
    """The words shown when an item's answer is not evidence; an item whose every answer is
    evidence (only a blank is a gap) says so rather than leave the cell empty."""
    if item.missing:
        return item.missing
    if item.stale:
        return item.stale.replace("{date}", DATE_SHOWN)
    return "none: any answer is evidence"


def _question(protocol: Protocol, key: str) -> str:
    """A question as the docs name it: its ID and wording (IDs change; the key is stable)."""
    try:
        question = protocol.by_key(key)
    except KeyError:
        return key
    return f'{question.id} "{question.text.rstrip(".")}"'


def _instrument(kit: Toolkit, protocol: Protocol) -> Part:
    instrument = kit.instrument
    described = instrument.describe()
    statements = protocol.principles
    domains = tuple(
        (
            code,
            domain.name,
            f"{domain.weight:g}",
            f"{instrument.weights[code]:.3f}",
            str(len(statements.get(code, []))),
        )
        for code, domain in instrument.domains.items()
    )
    return Part(
        "The principles instrument",
        (
            f"Officers rate statements on the {instrument.scale} scale (Strongly disagree 1 to "
            "Strongly agree 5; Don't know is no answer). The statements of each domain (a "
            "principle of partnership working) are listed in docs/questionnaire.md.",
            f"Domain score: {described['domain score']}",
            f"Overall score: {described['overall score']}",
            "Bands are half-open: a score is in the last band whose lower limit it reaches. "
            "A domain's score is banded unrounded; the overall score is rounded to 9 decimal "
            "places first (float noise); scores are shown to 2 places (decision D8).",
            f"Officers disagree: {described['officers disagree']} The spread is shown beside "
            "the mean (decision D17).",
            "Principles of concern: the number of domains whose band means concern.",
        ),
        (
            Table(
                "Domains, their weight and share of the overall score",
                ("Domain", "Name", "Weight", "Share of overall", "Statements"),
                domains,
            ),
            Table(
                "Domain bands",
                ("Band", "Means", "Score"),
                _band_rows(instrument.domain_bands, instrument.not_enough_answers),
            ),
            Table(
                "Overall bands",
                ("Band", "Means", "Score"),
                _band_rows(instrument.overall_bands, instrument.not_enough_answers),
            ),
        ),
    )


def _equality(kit: Toolkit, protocol: Protocol) -> Part:
    return Part(
        "Equality",
        (
            "Equality score: the mean of the officers' answers (1-5) to "
            f"{_question(protocol, kit.equality_question)}, from at least "
            f"{kit.equality_min_answers} answer(s) (a one-statement measure is scored from "
            "one answer, decision D17); banded as below.",
            "The equality impact assessment is read from "
            f"{_question(protocol, kit.impact_assessment_question)}.",
        ),
        (
            Table(
                "Equality bands",
                ("Band", "Means", "Score"),
                _band_rows(kit.equality_bands, kit.instrument.not_enough_answers),
            ),
        ),
    )


def _governance(kit: Toolkit, protocol: Protocol) -> Part:
    rules = kit.governance
    items = tuple(
        (
            rules.headings[heading].name,
            _question(protocol, item.question),
            item.describe(),
            _not_evidence_words(item),
            item.unanswered,
        )
        for heading, item in rules.items()
    )
    return Part(
        "Governance by heading",
        (
            "The Audit Commission's headings for governing partnerships (Governing "
            "partnerships, 2005), each with its evidence items. An item counts when the "
            "partnership's answer (decision D7) is evidence as stated below; Don't know is "
            'never evidence. A question the year\'s survey did not ask reads "not asked": '
            "it is neither evidence nor a gap, and is left out of completeness (decision D8).",
            "Heading completeness = items evidenced / items asked under the heading. Overall "
            "completeness = the mean of the headings' completeness (each heading counts "
            "equally).",
            f"Governance band: {kit.band_labels['strength']} when overall completeness is at "
            f"least {rules.strength_from:g}; {kit.band_labels['concern']} below "
            f"{rules.concern_below:g}; {kit.band_labels['borderline']} in between; "
            f"{kit.band_labels['none']} when nothing was asked.",
            "Missing evidence is listed in the plain words below; a review date is "
            "counted back from the survey's closing date. An item no officer answered is "
            'not evidence either, but it is worded as unanswered ("no review date given"), '
            'never as a "no". An item is read over the returns from export files that '
            "asked its question; when none of a partnership's returns came from such a "
            'file, it is "not asked" for that partnership.',
        ),
        (
            Table(
                "Governance evidence items: what counts, and the words shown when it is not "
                "evidenced",
                (
                    "Heading",
                    "Question",
                    "Counts as evidence when",
                    "Shown when the answer is not evidence",
                    "Shown when no officer answered",
                ),
                items,
            ),
            Table(
                "Governance measures in the evaluation",
                ("Measure", "What it is"),
                tuple(governance.MEASURES.items()),
            ),
        ),
    )


def _risk(kit: Toolkit, protocol: Protocol) -> Part:
    risk = kit.risk
    return Part(
        "Risk and uncontrolled risk",
        (
            f"Risk levels, lowest first: {', '.join(risk.order)}. A partnership takes the "
            "highest risk any of its officers reported.",
            f"Uncontrolled risk: a risk of {' or '.join(risk.uncontrolled.levels)} without "
            f"every one of these controls: {', '.join(risk.uncontrolled.controls)} (each "
            "judged as its governance evidence item; a control not asked is no gap).",
            "The main risks officers typed ("
            f"{_question(protocol, risk.main_risks)}) are shown for high-risk and key "
            "partnerships.",
        ),
    )


def _finance(kit: Toolkit) -> Part:
    return Part(
        "Finance",
        (
            f"Officer time cost = officer hours a month x {kit.months_per_year} x "
            f"£{kit.officer_hourly_cost:,.2f} an hour.",
            "Full annual cost to the council = cash + in kind + officer time cost.",
            "Leverage = external funding / full cost (blank when the cost is 0 or the "
            "funding unknown), rounded to 2 places.",
        ),
    )


def _value_for_money(kit: Toolkit) -> Part:
    vfm = kit.value_for_money
    measures = tuple((m.heading, m.name, m.description, m.formula) for m in vfm.describe())
    minimums = tuple(
        (heading, str(getattr(vfm, heading).min_measures))
        for heading in ("economy", "efficiency", "effectiveness", "equity")
    )
    judgement = vfm.judgement
    rules = tuple(
        (
            str(number),
            "; and ".join(condition_words(Condition(c.field, c.op, c.value)) for c in rule.when),
            rule.judgement,
            rule.reason,
        )
        for number, rule in enumerate(judgement.rules, start=1)
    )
    rules += (("default", "no rule holds", judgement.default.judgement, judgement.default.reason),)
    return Part(
        "Value for money",
        (
            "The National Audit Office's four headings: economy, efficiency, effectiveness "
            "and equity (decision D18). Each measure is banded "
            f"{vfm.labels.good}, {vfm.labels.adequate} or {vfm.labels.poor}, or is not "
            "judged when its evidence is missing (never counted as poor).",
            "The overall judgement is the first rule below whose conditions all hold, else "
            "the default; the rule that fired is kept with it.",
        ),
        (
            Table(
                "Value-for-money measures and their formulas",
                ("Heading", "Measure", "What it is", "Formula"),
                measures,
            ),
            Table("Judged measures each heading needs", ("Heading", "Fewest measures"), minimums),
            Table(
                "Value-for-money judgement rules, in order",
                ("Rule", "When", "Judgement", "Reason"),
                rules,
            ),
        ),
    )


def _counting(kit: Toolkit) -> Part:
    held = kit.money_held
    return Part(
        "Counting rules",
        (
            "One partnership's answers come from several officers' returns (decision D7). "
            "A Council Plan priority counts for a partnership when at least "
            f"{_share(kit.named_share)} of its returns that name any priority name it (exactly "
            "that share is enough), or its lead officers' returns do by the same share; so "
            "the count does not grow with the number of returns. Lead officers are those "
            f"whose council role is {' or '.join(kit.lead_roles)}. The priorities any "
            "officer named are kept apart (council_plan_priorities_named_by_any in the open data).",
            f"On a tie between single-choice answers the first of {', '.join(kit.cautious_first)}"
            " wins (the cautious side); otherwise the questionnaire's option order.",
            f"The share of officers recommending exit counts the answer {kit.exit_answer}.",
            f"Money held for others: a partnership has a pooled budget ({held.pooled_budget}) "
            f"or the council is the accountable body for its funds ({held.accountable_body}) "
            f"when the answer {held.held_answer} is given by the same counting rule; else the "
            "most common answer.",
            "Shared services: the partnerships of type "
            f"{' or '.join(held.shared_service_types)}, reported as their own group with "
            "their partners, governance arrangement and full cost.",
        ),
    )


def _criterion_setting(criterion: KeyCriterion, protocol: Protocol) -> str:
    """A key-partnership criterion's setting in force, as written in toolkit.yaml; the
    statutory criterion has none there: it counts the protocol's answers that start with
    its statutory prefix, named here."""
    if criterion.settings:
        return "; ".join(
            f"{name}: {_value(value)}" for name, value in sorted(criterion.settings.items())
        )
    if criterion.name == "statutory":
        question = protocol.question(protocol.statutory_condition_question)
        counted = [o for o in question.options if o.startswith(protocol.statutory_condition_prefix)]
        return (
            f"none in toolkit.yaml: {_question(protocol, question.key)} answered "
            f"{' or '.join(counted) or 'none of its options'} (protocol.yaml)"
        )
    return "none"


def _key_partnerships(kit: Toolkit, protocol: Protocol) -> Part:
    return Part(
        "Key partnerships",
        (
            f"A partnership is key when it meets at least {kit.key_min_criteria} of the "
            f"{len(kit.key_criteria)} criteria below; the criteria each one met are listed "
            "in the report and the open data.",
        ),
        (
            Table(
                "Key-partnership criteria",
                ("Criterion", "Met when", "Setting in force"),
                tuple((c.name, c.label, _criterion_setting(c, protocol)) for c in kit.key_criteria),
            ),
        ),
    )


def _recommendation(kit: Toolkit) -> Part:
    rules = tuple(
        (
            str(number),
            "; and ".join(condition_words(c) for c in rule.when),
            kit.actions[rule.action].label,
            rule.reason,
        )
        for number, rule in enumerate(kit.rules, start=1)
    )
    default = kit.actions[kit.default_action].label
    rules += (("default", "no rule holds", default, kit.default_reason),)
    return Part(
        "Recommended action",
        (
            "Each partnership's action is the first rule below whose conditions all hold, "
            "else the default; the rule that produced it is kept with it.",
        ),
        (
            Table(
                "Recommendation rules, in order",
                ("Rule", "When", "Action", "Reason"),
                rules,
            ),
            Table(
                "Actions, most urgent first",
                ("Action", "Colour in charts", "Listed for members' attention"),
                tuple(
                    (action.label, action.colour, "yes" if action.attention else "no")
                    for action in kit.actions.values()
                ),
            ),
        ),
    )


def _changes(kit: Toolkit) -> Part:
    return Part(
        "Changes since last year",
        (
            "Partnerships are matched across years by their stable IDs. A partnership in "
            "both years is materially changed when its recommended action, principles band "
            "or risk changed, or its full cost moved by at least "
            f"{_share(kit.material_cost_change)} of last year's cost.",
        ),
    )


def _matching(kit: Toolkit) -> Part:
    evidence, real = kit.name_evidence, kit.real_words
    return Part(
        "Name matching",
        (
            "Officers' partnership names are compared word by word (0-100, decision D7). "
            f"At or above {kit.same_at:g} two names are one partnership; from "
            f"{kit.unsure_from:g} up to that they are listed for an analyst to confirm and "
            "kept apart.",
            f"Generic words weigh {kit.generic_weight:g}; every other word weighs by how "
            f"rare it is among the year's names. Two words of 4 or more letters are one "
            f"word typed with a slip at a similarity of {kit.typo_similarity:g} or when two "
            "neighbouring letters are swapped, but never when both are common English words "
            f"(zipf frequency at least {real.zipf_from:g}) or both typed as a word by at "
            f"least {real.officers_from} officers.",
            f"From a word score of {evidence.applies_from:g} up to {kit.same_at:g} the "
            f"other answers move it: +{evidence.partners:g} x the share of partners named "
            f"under both; with a partner in common, +{evidence.directorate:g} for one "
            f"directorate and +{evidence.service:g} for one service (alone they are no "
            f"sign: a directorate reports many partnerships); -{evidence.against:g} when "
            "they share no directorate and no partner.",
            f"Ignored words: {', '.join(kit.ignore_words) or 'none'}. Generic words: "
            f"{', '.join(kit.generic_words)}. Names that each contain a different word of "
            "one of these sets are never one partnership: "
            f"{'; '.join(', '.join(words) for words in kit.never_merge) or 'none'}.",
            f"IDs are numbered {kit.id_prefix}0001 onwards.",
        ),
        (
            Table(
                "Acronyms expanded before names are compared",
                ("Acronym", "Expanded to"),
                tuple((a.upper(), name) for a, name in kit.acronyms.items()),
            ),
            Table(
                "Words written two ways",
                ("Word", "Read as"),
                tuple(kit.synonyms.items()),
            ),
        ),
    )


# The decision aid's computed facts in members' words (new_partnership.COMPUTED_FACTS).
_PROPOSAL_FACT_WORDS = {
    "full_cost": "the full annual cost to the council (£, as under Finance)",
    "leverage": "leverage (external funding per £1 of full cost)",
    "priority_count": "the number of Council Plan priorities it serves",
    "partner_count": "the number of partner organisations named",
}


def proposal_condition_words(condition: ProposalCondition, kit: Toolkit, protocol: Protocol) -> str:
    """A decision-aid condition in plain words: a question's fact by its ID and wording
    ('N10 "Will the partners pool money into one budget?" is Yes')."""
    questions = {q.key: q for q in form_questions(kit.new_partnership, protocol)}
    asked = questions.get(condition.field)
    if condition.field == "statutory" and isinstance(condition.value, bool):
        return condition_words(Condition("statutory", condition.op, condition.value))
    if asked is None:
        subject = _PROPOSAL_FACT_WORDS.get(condition.field, condition.field)
        return f"{subject} {_OPERATOR_WORDS[condition.op]} {_value(condition.value)}"
    subject = f'{asked.id} "{asked.text}"'
    if asked.type == "text" and isinstance(condition.value, bool):
        answered = condition.value == (condition.op == "eq")
        return f"{subject} is {'answered' if answered else 'not answered'}"
    return f"{subject} {_OPERATOR_WORDS[condition.op]} {_value(condition.value)}"


def proposal_criterion_words(
    alternatives: tuple[tuple[ProposalCondition, ...], ...], kit: Toolkit, protocol: Protocol
) -> str:
    """A criterion's conditions: "a; and b", or with alternatives "either (a) or (b; and c)"."""
    said = [
        "; and ".join(proposal_condition_words(c, kit, protocol) for c in alternative)
        for alternative in alternatives
    ]
    return said[0] if len(said) == 1 else "either " + " or ".join(f"({s})" for s in said)


def new_partnership_part(kit: Toolkit, protocol: Protocol) -> Part:
    """The decision aid (D37): its criteria, verdict, model rules and models, from config."""
    section = kit.new_partnership
    verdict = section.verdict
    required = set(verdict.must_meet)
    criteria = tuple(
        (
            criterion.label,
            proposal_criterion_words(criterion.alternatives, kit, protocol),
            "yes" if name in required else "no: advice",
            criterion.reason,
        )
        for name, criterion in section.criteria.items()
    )
    rules = tuple(
        (
            str(number),
            "; and ".join(proposal_condition_words(c, kit, protocol) for c in rule.when),
            section.models[rule.model].label,
            rule.reason,
        )
        for number, rule in enumerate(section.model_rules.rules, start=1)
    )
    default = section.model_rules.default
    rules += (("default", "no rule holds", section.models[default.model].label, default.reason),)
    unknown = " or ".join(section.unknown_answers) or "none"
    words = ", ".join(
        f'"{w}"' for w in (*protocol.money_missing_words[:3], *protocol.money_zero_words[:1])
    )
    zero = " or ".join(f'"{w}"' for w in protocol.money_zero_words[:2])
    return Part(
        "Deciding on a new partnership",
        (
            "The decision aid (decision D37) judges a proposed partnership by the protocol's "
            "criteria for entering one, whether it is necessary or advantageous, and "
            "chooses the model that fits. An officer fills in new_partnership_form (Word, "
            "spreadsheet or CSV, written with the framework) and runs `python -m pipeline "
            "propose FILE`. The survey's questions keep their IDs and wording; the "
            "proposal's own are listed in the form.",
            "A criterion is met when its conditions hold (or, with alternatives, when every "
            "condition of one of them holds). A condition on a question not answered (blank, "
            f"or answered {unknown}; a free text answered only with one of these or a word "
            f"protocol.yaml's money conventions read as missing or none, such as {words}) is "
            "neither true nor false: the criterion reads not answered, never met, and a "
            "model rule that needs it does not fire. Partners answered only "
            f"{zero} name no partner: the partner count is 0.",
            f'Verdict: "{verdict.not_met}" when any criterion that must be met is not met; '
            f'else "{verdict.not_enough}" when any of them is not answered; else '
            f'"{verdict.met}".',
            "The model is the first rule below whose conditions all hold, else the default.",
        ),
        (
            Table(
                "Criteria for entering a partnership",
                ("Criterion", "Met when", "Must be met", "Why"),
                criteria,
            ),
            Table("Model rules, in order", ("Rule", "When", "Model", "Reason"), rules),
            Table(
                "Partnership models and what each needs",
                ("Model", "What it needs"),
                tuple((m.label, m.needs) for m in section.models.values()),
            ),
        ),
    )


def explain(kit: Toolkit, protocol: Protocol) -> list[Part]:
    """Every measure, band and rule of the toolkit in force, in the order members meet them."""
    return [
        _instrument(kit, protocol),
        _equality(kit, protocol),
        _governance(kit, protocol),
        _risk(kit, protocol),
        _finance(kit),
        _value_for_money(kit),
        _counting(kit),
        _key_partnerships(kit, protocol),
        _recommendation(kit),
        _changes(kit),
        _matching(kit),
        new_partnership_part(kit, protocol),
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_table(table: Table) -> Iterable[str]:
    yield f"*{table.caption}*"
    yield ""
    yield "| " + " | ".join(table.header) + " |"
    yield "|" + "|".join("---" for _ in table.header) + "|"
    for row in table.rows:
        yield "| " + " | ".join(_cell(cell) for cell in row) + " |"
    yield ""


def render_markdown(kit: Toolkit, protocol: Protocol) -> str:
    """docs/toolkit.md: the method, as Markdown."""
    lines = [
        f"# The evaluation toolkit: method (toolkit version {kit.version})",
        "",
        "Written from `config/toolkit.yaml` by `make toolkit-doc`; do not edit by hand. "
        "Every number below is the one in force; the annual report's method section prints "
        "the same text.",
        "",
    ]
    for part in explain(kit, protocol):
        lines += [f"## {part.title}", ""]
        for paragraph in part.paragraphs:
            lines += [paragraph, ""]
        for table in part.tables:
            lines += list(_markdown_table(table))
    return "\n".join(lines).rstrip() + "\n"


def write_toolkit_doc(text: str, root: Path | str | None = None) -> Path:
    path = paths.toolkit_doc_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
