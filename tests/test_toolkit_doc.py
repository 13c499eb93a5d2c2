"""docs/toolkit.md, the toolkit's method for members, is written from config/toolkit.yaml
(`make toolkit-doc`) and kept in step with it: its numbers are the ones in force."""

import difflib
import shutil

from pipeline import paths, protocol, toolkit
from pipeline.toolkit import Condition, explain

PROTOCOL = protocol.load()


def _rendered(root=None) -> str:
    return explain.render_markdown(toolkit.load(root, PROTOCOL), PROTOCOL)


def test_committed_toolkit_doc_is_what_the_toolkit_renders():
    rendered = _rendered()

    assert paths.toolkit_doc_file().read_text(encoding="utf-8") == rendered, (
        "docs/toolkit.md is out of date: run `make toolkit-doc`"
    )


def test_changing_one_number_in_toolkit_yaml_changes_only_the_text_that_states_it(tmp_path):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    live = paths.toolkit_file(tmp_path).read_text(encoding="utf-8")
    assert live.count("officer_hourly_cost: 38.50") == 1
    paths.toolkit_file(tmp_path).write_text(
        live.replace("officer_hourly_cost: 38.50", "officer_hourly_cost: 41.25"), encoding="utf-8"
    )

    before, after = _rendered(), _rendered(tmp_path)

    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == [
        "-Officer time cost = officer hours a month x 12 x £38.50 an hour.",
        "+Officer time cost = officer hours a month x 12 x £41.25 an hour.",
    ]


def test_changing_a_threshold_changes_every_place_that_quotes_it(tmp_path):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    live = paths.toolkit_file(tmp_path).read_text(encoding="utf-8")
    assert live.count("disagree_from: 2\n") == 1
    paths.toolkit_file(tmp_path).write_text(
        live.replace("disagree_from: 2\n", "disagree_from: 1.5\n"), encoding="utf-8"
    )

    rendered = _rendered(tmp_path)

    assert "at least 1.5 points apart" in rendered
    assert "at least 2 points apart" not in rendered


def test_the_method_explains_every_part_of_the_toolkit_with_its_numbers():
    kit = toolkit.load(protocol=PROTOCOL)

    rendered = explain.render_markdown(kit, PROTOCOL)

    for heading in kit.governance.headings.values():
        for item in heading.items:
            shown = item.gap().replace("{date}", explain.DATE_SHOWN)  # no raw placeholder
            assert shown in rendered and item.unanswered in rendered
    for measure in kit.value_for_money.describe():
        assert measure.formula in rendered
    assert "{date}" not in rendered
    for criterion in kit.key_criteria:
        assert criterion.label in rendered
    for rule in kit.rules:
        assert rule.reason in rendered
    for rule in kit.value_for_money.judgement.rules:
        assert rule.reason in rendered
    for code, domain in kit.instrument.domains.items():
        assert f"| {code} | {domain.name} |" in rendered
    assert f"{kit.same_at:g} two names are one partnership" in rendered
    assert f"{kit.governance.strength_from:g}" in rendered


def test_a_rules_conditions_read_as_plain_words():
    said = [
        explain.condition_words(Condition("statutory", "eq", False)),
        explain.condition_words(Condition("uncontrolled_risk", "ne", False)),
        explain.condition_words(Condition("officer_exit_share", "ge", 0.5)),
        explain.condition_words(Condition("risk_level", "in", ["Medium", "High"])),
    ]

    assert said == [
        "not required by law",
        "an uncontrolled risk",
        "the share of its officers recommending exit is at least 0.5",
        "the risk (the highest any officer reported) is one of Medium or High",
    ]
