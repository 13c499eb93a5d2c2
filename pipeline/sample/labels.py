"""The protocol's answer labels for the sample vocabulary's codes, checked before any draw."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.sample.vocabulary import Vocabulary


@dataclass(frozen=True)
class Labels:
    """The protocol's labels for the catalogue's codes, and the scales answers move along."""

    directorates: dict[str, str]  # Q4 code -> label
    types: dict[str, str]  # Q8
    law: dict[str, str]  # Q10
    roles: dict[str, str]  # Q12
    priorities: dict[str, str]  # Q26
    meetings: tuple[str, ...]  # Q19 options
    evidence: tuple[str, ...]  # Q28 options
    equality_impact: tuple[str, ...]  # Q41 options
    risks: tuple[str, ...]  # Q43 options


def resolve_labels(vocabulary: Vocabulary, protocol: Protocol) -> Labels:
    """The protocol's labels for the vocabulary's codes, failing clearly if the protocol no
    longer offers an answer the vocabulary gives (or now offers a planted off-option one)."""
    problems: list[str] = []
    coded: dict[str, dict[str, str]] = {}
    for qid, codes in vocabulary.catalogue.option_codes.items():
        options = protocol.question(qid).options
        if len(codes) != len(options):
            problems.append(
                f"catalogue.yaml option_codes.{qid} has {len(codes)} codes for {len(options)} "
                "options (one per option, in the protocol's order)"
            )
        coded[qid] = {c: o for c, o in zip(codes, options, strict=False) if c is not None}
    answering = vocabulary.answering
    yes_no = (answering.yes, answering.no, answering.dont_know)
    expected: list[tuple[str, str, list[str]]] = [
        ("answers.yaml", qid, list(yes_no)) for qid in ("Q13", "Q14", "Q16", "Q17", "Q24", "Q25")
    ]
    expected += [
        ("answers.yaml", "Q9", [answering.incorporated, answering.unincorporated]),
        ("answers.yaml", "Q9", [answering.dont_know]),
        ("answers.yaml", "Q10", [answering.dont_know]),
        ("answers.yaml", "Q19", [k for w in answering.meetings.values() for k in w]),
        ("answers.yaml", "Q19", list(answering.rare_meetings)),
        ("answers.yaml", "Q28", [k for w in answering.evidence.values() for k in w]),
        ("answers.yaml", "Q41", [k for w in answering.equality_impact.values() for k in w]),
        ("answers.yaml", "Q43", [k for w in answering.risk.values() for k in w]),
        ("answers.yaml", "Q43", list(answering.risk_money_at_stake)),
        ("answers.yaml", "Q45", [k for w in answering.advice.values() for k in w]),
    ]
    for name, qid, labels in expected:
        options = protocol.question(qid).options
        problems += [f"{name} {qid} '{label}'" for label in labels if label not in options]
    defects = vocabulary.defects
    ids = {question.id for question in protocol.questions}
    for qid, _ in (
        *defects.unreadable,
        *defects.approximate,
        *defects.off_option,
        *defects.free_text,
    ):
        if qid not in ids:
            problems.append(f"defects.yaml names question {qid}, which the protocol lacks")
    for qid, typed in defects.off_option:
        if qid not in ids:
            continue
        question = protocol.question(qid)
        labels = typed.split("; ") if question.type == "multi" else [typed]
        if all(label in question.options for label in labels):
            problems.append(f"defects.yaml off_option {qid} '{typed}' is an option")
    if problems:
        raise PipelineError(
            f"{vocabulary.folder}: the sample generator's vocabulary no longer agrees with "
            f"config/protocol.yaml: {'; '.join(problems)}. Update the data files or the protocol."
        )
    return Labels(
        directorates=coded["Q4"],
        types=coded["Q8"],
        law=coded["Q10"],
        roles=coded["Q12"],
        priorities=coded["Q26"],
        meetings=tuple(protocol.question("Q19").options),
        evidence=tuple(protocol.question("Q28").options),
        equality_impact=tuple(protocol.question("Q41").options),
        risks=tuple(protocol.question("Q43").options),
    )
