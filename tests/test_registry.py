"""Registry: officers' names for one partnership matched into one row with a stable ID.

Tests use the pinned toolkit (tests/backtest/config/toolkit.yaml): same_at 92, unsure_from
80, ignore word "the", generic words, acronyms, never_merge, lead roles, cautious_first,
material change 0.25; the council's names are passed as COUNCIL.
"""

import random
from pathlib import Path

import pandas as pd
import pytest
from helpers import HOUSING_NAMES
from wordfreq import zipf_frequency

from pipeline import council, ingest, matching, protocol, registry, tables, toolkit
from pipeline.errors import PipelineError

PROTOCOL = protocol.load()
# the pinned toolkit (tests/backtest/config/toolkit.yaml), never config/toolkit.yaml
TOOLKIT = toolkit.load(Path(__file__).parent / "backtest", PROTOCOL)
COUNCIL = council.load()  # Northmoor County Council: Northmoor, NCC


def _returns(rows):
    """Returns by key (as Protocol.by_keys gives them): every question, blank unless given."""
    frame = pd.DataFrame([{key: None for key in PROTOCOL.keys} | row for row in rows])
    return frame.astype(object).where(frame.notna(), None)


def test_normalise_name_ignores_case_punctuation_ampersand_and_council_name():
    assert registry.normalise_name("The Northmoor Homes Limited ", TOOLKIT, COUNCIL) == (
        registry.normalise_name("homes ltd", TOOLKIT, COUNCIL)
    )
    assert registry.normalise_name("Health & Wellbeing Board", TOOLKIT) == (
        "health wellbeing board"
    )


def test_match_names_recovers_the_sample_partnerships(generated_once, sample_returns):
    ingested = ingest.ingest_exports(generated_once.exports, PROTOCOL, 2025).returns
    returns = PROTOCOL.by_keys(ingested)
    truth = {r.response_id: r.true_partnership for r in sample_returns}

    matching = registry.match_names(returns, TOOLKIT, registry.load_decisions(), council=COUNCIL)
    assigned = registry.assign_partnerships(returns, matching)

    pairs = assigned.assign(truth=assigned["response_id"].astype(int).map(truth))
    assert pairs.groupby("partnership_id")["truth"].nunique().max() == 1  # nothing merged wrongly
    assert pairs.groupby("truth")["partnership_id"].nunique().max() == 1  # nothing split
    assert assigned["partnership_id"].nunique() == len(set(truth.values()))


def test_match_names_lists_close_names_for_the_analyst_and_keeps_them_apart():
    returns = _returns(
        [
            {"partnership_name": "Northmoor Youth Justice Board"},
            {"partnership_name": "Northmoor Youth Justice Management Board"},
        ]
    )

    matching = registry.match_names(returns, TOOLKIT, aliases={}, council=COUNCIL)

    assert matching.names["partnership_id"].nunique() == 2
    assert len(matching.unsure_pairs) == 1


def test_match_names_uses_the_analysts_alias():
    returns = _returns(
        [{"partnership_name": "LRF"}, {"partnership_name": "Northmoor Local Resilience Forum"}]
    )

    matching = registry.match_names(
        returns, TOOLKIT, aliases={"LRF": "Northmoor Local Resilience Forum"}
    )

    assert matching.names["partnership_id"].nunique() == 1
    assert set(matching.names["method"]) == {"alias", "exact"}


def test_ids_are_carried_from_last_years_registry_and_new_ones_numbered_after():
    previous = pd.DataFrame(
        {
            "partnership_id": ["PSH-0007", "PSH-0012"],
            "name": ["Northmoor Housing Partnership", "Old Forum"],
        }
    )
    returns = _returns(
        [
            {"partnership_name": "Northmoor Housing Partnership"},
            {"partnership_name": "Brand New Board"},
        ]
    )

    names = registry.match_names(returns, TOOLKIT, {}, previous).names.set_index("typed_name")

    assert names.loc["Northmoor Housing Partnership", "partnership_id"] == "PSH-0007"
    assert names.loc["Brand New Board", "partnership_id"] == "PSH-0013"


def test_ids_do_not_depend_on_row_order():
    rows = [
        {"partnership_name": "Alpha Board"},
        {"partnership_name": "Beta Forum"},
        {"partnership_name": "alpha board"},
    ]

    forward = registry.match_names(_returns(rows), TOOLKIT, {}).names
    backward = registry.match_names(_returns(rows[::-1]), TOOLKIT, {}).names

    pd.testing.assert_frame_equal(forward, backward)


@pytest.fixture
def two_officers():
    rows = [
        {
            "partnership_name": "Northmoor LRF",
            "directorate": "Resources",
            "service": "Emergency Planning",
            "council_role": "Member",
            "terms_of_reference": "Yes",
            "cash": 1000.0,
            "in_kind": None,
            "officer_hours": 2.0,
            "external_funding": 100.0,
            "risk_level": "Low",
            "priorities": "Better lives for all",
        },
        {
            "partnership_name": "Northmoor LRF",
            "directorate": "Public Health",
            "service": "Health Protection",
            "council_role": "Lead partner",
            "terms_of_reference": "No",
            "cash": 500.0,
            "in_kind": 50.0,
            "officer_hours": 3.0,
            "external_funding": 300.0,
            "risk_level": "High",
            "priorities": "Stronger communities",
        },
    ]
    returns = _returns(rows)
    matching = registry.match_names(returns, TOOLKIT, {})
    return registry.assign_partnerships(returns, matching)


def test_consolidate_sums_contributions_and_takes_median_external_funding(two_officers):
    register, _ = registry.consolidate_returns(two_officers, PROTOCOL, TOOLKIT)

    row = register.iloc[0]
    assert (row["cash"], row["in_kind"], row["officer_hours"]) == (1500.0, 50.0, 5.0)
    assert row["in_kind_missing"] == 1
    assert row["cost_missing_returns"] == 1
    assert row["external_funding"] == 200.0


def test_consolidate_ties_go_to_the_cautious_side_and_risk_to_the_highest(two_officers):
    register, disagreements = registry.consolidate_returns(two_officers, PROTOCOL, TOOLKIT)

    row = register.iloc[0]
    assert row["terms_of_reference"] == "No"
    assert row["risk_level"] == "High"
    assert row["directorate"] == "Public Health"  # the lead partner's officer
    assert row["priorities"] == "Better lives for all; Stronger communities"
    assert row["priority_count"] == 2
    assert {"terms_of_reference", "risk_level"} <= set(disagreements["question"])


def test_consolidate_flags_two_returns_from_one_service(two_officers):
    same_service = two_officers.assign(directorate="Resources", service="Emergency Planning")

    register, _ = registry.consolidate_returns(same_service, PROTOCOL, TOOLKIT)

    assert register.iloc[0]["possible_double_count"] == "Resources / emergency planning"


def _evaluated(rows):
    columns = ["partnership_id", "name", "full_cost", "action", "overall_band", "risk_level"]
    return pd.DataFrame(rows, columns=columns)


def test_changes_since_lists_new_ended_and_material_changes_only():
    before = _evaluated(
        [
            ("PSH-0001", "Alpha", 1000.0, "continue", "Strength", "Low"),
            ("PSH-0002", "Beta", 1000.0, "continue", "Strength", "Low"),
            ("PSH-0003", "Gamma", 1000.0, "continue", "Strength", "Low"),
            ("PSH-0004", "Delta", 1000.0, "continue", "Strength", "Low"),
        ]
    )
    now = _evaluated(
        [
            ("PSH-0001", "Alpha", 1100.0, "continue", "Strength", "Low"),  # +10%: not material
            ("PSH-0002", "Beta", 1300.0, "continue", "Strength", "Low"),  # +30%: material
            ("PSH-0003", "Gamma", 1000.0, "review", "Concern", "High"),
            ("PSH-0005", "Epsilon", 50.0, "develop", "Borderline", "Medium"),
        ]
    )

    changes = toolkit.changes_since(before, now, TOOLKIT).set_index("partnership_id")

    assert changes["change"].to_dict() == {
        "PSH-0005": "new",
        "PSH-0004": "ended",
        "PSH-0002": "changed",
        "PSH-0003": "changed",
    }
    assert changes.loc["PSH-0002", "what_changed"] == "full cost: £1,000 to £1,300"
    assert changes.loc["PSH-0003", "what_changed"] == (
        "recommended action: continue to review; principles band: Strength to Concern; "
        "risk: Low to High"
    )


def test_changes_since_is_empty_in_the_first_year():
    assert toolkit.changes_since(None, _evaluated([]), TOOLKIT).empty


def _ids(names, aliases=None, previous=None):
    """Each typed name's partnership ID, matched with the Northmoor council's names."""
    returns = _returns([{"partnership_name": n} for n in names])
    matching = registry.match_names(returns, TOOLKIT, aliases or {}, previous, council=COUNCIL)
    return matching.names.set_index("typed_name")["partnership_id"].to_dict()


def _same(*names):
    return len(set(_ids([*names, "Northmoor Schools Forum"]).values())) == 2


def test_a_name_without_the_council_name_is_the_same_partnership():
    assert _same("Northmoor Community Safety Partnership", "Community Safety Partnership")


def test_a_name_with_the_councils_initials_is_the_same_partnership():
    assert _same("Northmoor Community Safety Partnership", "NCC Community Safety Partnership")


def test_an_acronym_matches_the_initials_of_the_full_name():
    assert _same("Northmoor Domestic Abuse Board", "DAB")


def test_a_full_name_matches_an_acronym_typed_with_the_council_name():
    assert _same("Northmoor DAB", "Domestic Abuse Board")


def test_a_generic_word_added_or_dropped_is_the_same_partnership():
    assert _same("Northmoor Heritage Forum", "Northmoor Heritage")


def test_a_bracketed_qualifier_does_not_split_a_partnership():
    assert _same("Northmoor Channel Panel", "Northmoor Channel Panel (Prevent)")


def test_a_typo_is_the_same_partnership():
    assert _same("Northmoor Homes Ltd", "Northmoor Hmoes Ltd")


def test_the_council_name_typed_with_a_slip_is_still_the_councils_name():
    assert _same("Northmoor Homes Ltd", "Northmor Homes Ltd")


def test_a_typo_in_a_generic_word_is_still_a_generic_word():
    assert _same("Northmoor Heritage Forum", "Northmoor Heritage Forum Partnershp")


def test_one_wrong_letter_in_a_short_word_is_a_typo():
    assert _same("Northmoor Safeguarding Adults Board", "Northmoor Safeguarding Adulys Board")


def test_a_different_first_letter_is_another_word():
    assert not _same("Northmoor Youth Justice Board", "Northmoor South Justice Board")


def test_north_and_south_are_never_merged():
    assert not _same("North Community Safety Partnership", "South Community Safety Partnership")


def test_adults_and_children_are_never_merged():
    assert not _same("Northmoor Safeguarding Adults Board", "Northmoor Safeguarding Children Board")


def test_different_numbers_are_never_merged():
    assert not _same("Locality Board 1", "Locality Board 2")


def test_the_prevent_board_is_not_the_send_board():
    assert not _same("Northmoor Prevent Board", "Northmoor SEND Improvement Board")


def test_the_analysts_different_decision_wins_over_the_score():
    names = ["Northmoor Homes Ltd", "Northmoor Hmoes Ltd"]
    decisions = registry.Decisions(different=(("Northmoor Homes Ltd", "Northmoor Hmoes Ltd"),))

    assert len(set(_ids(names, decisions).values())) == 2


def test_the_analysts_alias_wins_over_the_score():
    names = ["Northmoor Prevent Board", "Northmoor SEND Improvement Board"]

    ids = _ids(names, {"Northmoor Prevent Board": "Northmoor SEND Improvement Board"})

    assert len(set(ids.values())) == 1


def test_the_registry_name_is_a_clean_spelling():
    returns = _returns(
        [
            {"partnership_name": "The Northmoor Heritage Forum."},
            {"partnership_name": "The Northmoor Heritage Forum."},
            {"partnership_name": "northmoor  heritage forum"},
        ]
    )

    names = registry.match_names(returns, TOOLKIT, {}, council=COUNCIL).names

    assert set(names["name"]) == {"Northmoor Heritage Forum"}


def test_the_registry_name_drops_characters_that_never_show():
    returns = _returns(
        [{"partnership_name": "\u200bNorthmoor\u00ad Heritage\u2060 Forum\ufeff"}] * 2
    )

    names = registry.match_names(returns, TOOLKIT, {}, council=COUNCIL).names

    assert names["name"].tolist() == ["Northmoor Heritage Forum"]


def test_each_returns_partnership_is_written(tmp_path):
    returns = _returns(
        [
            {"response_id": "1", "row_key": "a.csv:2", "partnership_name": "Alpha Board"},
            {"response_id": "2", "row_key": "a.csv:3", "partnership_name": "alpha board"},
        ]
    )
    matching = registry.match_names(returns, TOOLKIT, {})
    register, disagreements = registry.consolidate_returns(
        registry.assign_partnerships(returns, matching), PROTOCOL, TOOLKIT
    )

    registry.write_registry(register, matching, disagreements, 2025, tmp_path)

    written = tables.read("return_partnerships", 2025, tmp_path)
    assert written.to_dict("list") == {
        "response_id": ["1", "2"],
        "row_key": ["a.csv:2", "a.csv:3"],
        "partnership_id": ["PSH-0001", "PSH-0001"],
    }


def test_a_renamed_partnership_keeps_its_id_by_a_spelling_reported_last_year():
    previous = pd.DataFrame(
        {
            "partnership_id": ["PSH-0004"],
            "name": ["Northmoor Youth Offending Board"],
            "names_reported": ["Northmoor Youth Justice Board; Northmoor Youth Offending Board"],
        }
    )

    ids = _ids(["Youth Justice Board"], previous=previous)

    assert ids == {"Youth Justice Board": "PSH-0004"}


def test_an_id_is_never_reused():
    previous = pd.DataFrame(
        {"partnership_id": ["PSH-0009"], "name": ["Northmoor Twinning Association"]}
    )

    ids = _ids(["Northmoor Rural Partnership"], previous=previous)

    assert ids == {"Northmoor Rural Partnership": "PSH-0010"}


def test_an_id_that_ended_years_ago_is_never_given_again(tmp_path):
    # 2023 had PSH-0012, which ended before 2024; 2024's highest is PSH-0010
    for year, ids in ((2023, ["PSH-0012"]), (2024, ["PSH-0010"])):
        tables.write(
            "registry",
            pd.DataFrame({c: [None] * len(ids) for c in tables.table("registry").columns}).assign(
                partnership_id=ids, name=[f"Partnership {i}" for i in ids]
            ),
            year,
            tmp_path,
        )
    issued = registry.ids_issued_before(2025, tmp_path)

    matching = registry.match_names(
        _returns([{"partnership_name": "Eastfield Rural Partnership"}]),
        TOOLKIT,
        {},
        registry.load_previous_registry(2025, tmp_path),
        issued=issued,
    )

    assert issued == ["PSH-0010", "PSH-0012"]
    assert matching.names["partnership_id"].tolist() == ["PSH-0013"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Locality Board (North)", "Locality Board (South)"),
        ("Safeguarding Board (Adults)", "Safeguarding Board (Children)"),
        ("Locality Board (1)", "Locality Board (2)"),
        ("Section 75 Agreement (Mental Health)", "Section 75 Agreement (Learning Disabilities)"),
        ("Shared Service (Legal)", "Shared Service (Audit)"),
    ],
)
def test_different_bracketed_qualifiers_on_both_sides_are_never_merged(a, b):
    assert not _same(a, b)


def test_a_bracketed_qualifier_on_one_side_only_stays_optional():
    assert _same("Locality Board (North)", "Locality Board")


def test_names_in_other_scripts_are_each_their_own_partnership():
    names = [
        "Здравоохранение",
        "Образование",
        "委员会",
        "شراكة السلامة المجتمعية",
        "شراكة الصحة",
        "שותפות בטיחות קהילתית",
        "שותפות בריאות",
        "Συμβούλιο Υγείας",
        "हिन्दी मंच",
        "हिंदी मंच",  # another spelling of the word: two names, as typed
    ]

    assert len(set(_ids(names).values())) == len(names)


@pytest.mark.parametrize(
    "blank", ["😀", "🎉🎉", "\u200b", "\u200b\u2060\ufeff", "!!!", "\u00ad", ""]
)
def test_a_name_with_no_letters_or_digits_is_blank(blank):
    assert registry.normalise_name(blank, TOOLKIT) == ""


def test_emoji_only_names_are_one_blank_name_beside_arabic_and_hebrew_names():
    ids = _ids(["😀", "🎉", "!!!", "شراكة السلامة", "שותפות בטיחות"])

    assert ids["😀"] == ids["🎉"] == ids["!!!"]
    assert len({ids["😀"], ids["شراكة السلامة"], ids["שותפות בטיחות"]}) == 3


def test_accents_and_zero_width_characters_do_not_split_a_partnership():
    assert _same("Café Forum", "Cafe Forum")
    assert _same("Ynys Môn Heritage Partnership", "Ynys Mon Heritage Partnership")
    assert _same("Heritage\u200b Forum", "Heritage Forum")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Bwrdd Iechyd Môn", "bwrdd iechyd môn"),
        ("Partneriaeth Gwasanaethau Tân", "partneriaeth gwasanaethau tân"),
        ("Gŵyl Fwyd Ŷ Cwm", "gŵyl fwyd ŷ cwm"),
        ("Conseil de Santé Mentale", "conseil de santé mentale"),
        ("Здравоохранение", "здравоохранение"),
        ("ＮＨＳ　Ｂｏａｒｄ", "nhs board"),  # full-width letters and space: NFKC
        ("Straße Forum", "strasse forum"),  # case folding
        ("Heritage\u200b Forum\u00ad", "heritage forum"),
    ],
)
def test_a_name_keeps_its_letters_in_any_script_under_unicode_rules(typed, key):
    assert registry.normalise_name(typed, TOOLKIT) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Partneriaeth Gwasanaethau Tân", "Partneriaeth Gwasanaethau Tan"),
        ("Gŵyl Fwyd Cymru", "Gwyl Fwyd Cymru"),
        ("Conseil de Santé", "Conseil de Sante"),
        ("Ynys Môn Heritage Partnership", "Ynys Mon Heritag Partnership"),  # and a slip
    ],
)
def test_a_name_typed_without_its_accents_is_the_same_partnership(a, b):
    assert _same(a, b)


def test_accented_names_that_differ_by_more_than_accents_stay_apart():
    assert not _same("Bwrdd Iechyd Môn", "Bwrdd Iechyd Mynwy")
    assert not _same("Locality Board (Pénrhyn)", "Locality Board (Ponty)")


@pytest.mark.parametrize(
    ("short", "full"),
    [("NHS", "Homelessness Strategy"), ("NEST", "Employment Skills Training")],
)
def test_a_lone_council_letter_does_not_make_a_word_a_loose_acronym(short, full):
    assert not _same(short, full)


def test_a_council_letter_before_a_configured_acronym_is_the_council():
    assert _same("NCSP", "Community Safety Partnership")  # N + CSP (configured)


def test_the_analysts_alias_of_ncsp_wins_over_the_acronym():
    names = [
        "NCSP",
        "Northmoor Children's Safeguarding Partnership",
        "Community Safety Partnership",
    ]

    ids = _ids(names, registry.load_decisions().aliases)

    assert ids["NCSP"] == ids["Northmoor Children's Safeguarding Partnership"]
    assert ids["NCSP"] != ids["Community Safety Partnership"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Health & Well-being Board", "Health and Wellbeing Board"),
        ("Multi-Agency Safeguarding Hub", "Multiagency Safeguarding Hub"),
        ("H.W.B.", "HWB"),
        ("Early Years Child Care Forum", "Early Years Childcare Forum"),
    ],
)
def test_a_hyphenated_dotted_or_split_word_is_the_same_word(a, b):
    assert _same(a, b)


def test_a_hyphen_between_numbers_still_separates_them():
    assert _same("Local Plan 2024-25", "Local Plan 2024/25")


def _h_words(count):
    rng = random.Random(7)
    found: set[str] = set()
    while len(found) < count:
        word = "h" + "".join(rng.choice("bcdfgkmnprstvwxyz") for _ in range(6))
        found.add(word)
    return sorted(found)


def test_a_typo_meets_its_name_inside_a_block_of_more_than_max_block_names():
    crowd = [f"{w.title()} and Wellbeing Board" for w in _h_words(420)]
    names = [*crowd, "Health and Wellbeing Board", "Helath and Wellbeing Board"]

    ids = _ids(names)

    assert ids["Health and Wellbeing Board"] == ids["Helath and Wellbeing Board"]
    assert len(set(ids.values())) == len(crowd) + 1


def test_names_sharing_initials_are_not_all_candidate_pairs():
    rules = matching.rules_for(TOOLKIT, COUNCIL.name_forms())
    words = _h_words(2000)
    names = [matching.normalise(f"Community Safety {w} Partnership", rules) for w in words]
    acronym = matching.normalise("CSHP", rules)

    pairs = matching.candidate_pairs([*names, acronym], rules)

    assert len(pairs) < 40 * len(names)
    assert all((i, len(names)) in pairs for i in range(len(names)))  # the acronym meets each


def test_a_multi_word_never_merge_member_is_read_through_plurals_and_typos():
    rules = matching.rules_for(TOOLKIT, COUNCIL.name_forms())
    disabilities = matching.normalise("Learning Disabilities Board", rules)
    health = matching.normalise("Mental Helath Board", rules)

    assert "learning disability" in disabilities.marks[2]
    assert matching.conflict(disabilities, health)
    assert not _same("Learning Disabilities Partnership Board", "Mental Health Partnership Board")


def test_a_different_pair_aliased_to_one_registry_name_is_refused(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "aliases.yaml").write_text(
        "aliases:\n  A Board: T Board\n  b board.: T Board\ndifferent:\n  - [A Board, B Board]\n"
    )

    with pytest.raises(PipelineError, match=r"aliases\.yaml.*A Board.*B Board") as raised:
        registry.load_decisions(tmp_path)
    assert "\n" not in str(raised.value)


def _write_aliases(root, text):
    (root / "config").mkdir(exist_ok=True)
    (root / "config" / "aliases.yaml").write_text(text)


def test_a_different_pair_aliased_to_one_registry_name_names_its_line(tmp_path):
    _write_aliases(
        tmp_path,
        "aliases:\n  A Board: T Board\ndifferent:\n  - [X Board, Y Board]\n"
        "  - [A Board, Northmoor T Board]\n",
    )

    with pytest.raises(PipelineError) as raised:
        registry.load_decisions(tmp_path, TOOLKIT, COUNCIL)

    assert str(raised.value).startswith(
        f"{tmp_path / 'config' / 'aliases.yaml'}: different[1] (line 5): "
        "['A Board', 'Northmoor T Board'] names one partnership"
    )


def test_a_different_pair_of_one_normalised_name_is_refused(tmp_path):
    _write_aliases(tmp_path, "different:\n  - [HWB, Health & Wellbeing Board]\n")

    with pytest.raises(PipelineError, match=r"different\[0\] \(line 2\): .*one name once"):
        registry.load_decisions(tmp_path, TOOLKIT, COUNCIL)


@pytest.mark.parametrize(
    "other",
    [
        "hwb",  # the same key in another case
        "Health & Wellbeing Board",  # the acronym's expansion
    ],
)
def test_two_aliases_alike_once_normalised_with_different_targets_are_refused(tmp_path, other):
    _write_aliases(
        tmp_path,
        "aliases:\n  HWB: Health and Wellbeing Board\n"
        f"  {other}: Northmoor Local Resilience Forum\n",
    )

    with pytest.raises(PipelineError) as raised:
        registry.load_decisions(tmp_path, TOOLKIT, COUNCIL)

    message = str(raised.value)
    assert f"aliases.{other} (line 3): '{other}' is the same name as 'HWB'" in message
    assert "(aliases.HWB, line 2)" in message
    assert "\n" not in message


def test_two_aliases_alike_with_one_target_are_accepted(tmp_path):
    _write_aliases(
        tmp_path,
        "aliases:\n  HWB: Health and Wellbeing Board\n  hwb: Northmoor Health & Wellbeing Board\n",
    )

    decisions = registry.load_decisions(tmp_path, TOOLKIT, COUNCIL)

    assert len(decisions.aliases) == 2


def test_conflicting_aliases_never_merge_two_partnerships():
    decisions = registry.Decisions(
        aliases={
            "HWB": "Health and Wellbeing Board",
            "hwb": "Northmoor Local Resilience Forum",
        }
    )

    with pytest.raises(PipelineError, match="same name as 'HWB'"):
        _ids(["Health and Wellbeing Board", "Northmoor Local Resilience Forum"], decisions)


def test_a_chain_of_aliases_is_refused_with_the_alias_to_write(tmp_path):
    _write_aliases(tmp_path, "aliases:\n  A Board: B Board\n  B Board: C Board\n")

    with pytest.raises(PipelineError) as raised:
        registry.load_decisions(tmp_path, TOOLKIT, COUNCIL)

    message = str(raised.value)
    assert "aliases.A Board (line 2): its registry name 'B Board' is itself aliased" in message
    assert "'B Board': 'C Board', aliases.B Board, line 3)" in message
    assert "Write 'A Board: C Board'" in message


def test_a_loop_of_aliases_is_refused(tmp_path):
    _write_aliases(tmp_path, "aliases:\n  A Board: B Board\n  b board: A Board\n")

    with pytest.raises(PipelineError, match=r"aliases\.A Board \(line 2\): .*aliased back"):
        registry.load_decisions(tmp_path, TOOLKIT, COUNCIL)


def test_an_alias_to_its_own_spelling_is_no_chain(tmp_path):
    _write_aliases(
        tmp_path,
        "aliases:\n  HWB: Health & Wellbeing Board\n"
        "  Health and Wellbeing Board: Health & Wellbeing Board\n",
    )

    decisions = registry.load_decisions(tmp_path, TOOLKIT, COUNCIL)

    assert len(decisions.aliases) == 2


def test_match_names_refuses_contradictory_decisions():
    decisions = registry.Decisions(
        aliases={"Northmoor A Board": "T Board", "B Board": "T Board"},
        different=(("Northmoor A Board", "B Board"),),
    )

    with pytest.raises(PipelineError, match="aliases"):
        _ids(["A Board", "B Board"], decisions)


def test_two_spellings_against_one_partnership_are_one_decision():
    returns = _returns([{"partnership_name": n} for n in HOUSING_NAMES])

    matched = registry.match_names(returns, TOOLKIT, {}, council=COUNCIL)

    pairs = matched.unsure_pairs
    assert len(pairs) == 2  # the list keeps each typed pair
    assert len(pairs[["partnership_a", "partnership_b"]].drop_duplicates()) == 1
    assert registry.pairs_awaiting_decision(pairs) == 1


def test_a_different_pair_settles_every_spelling_of_the_two_partnerships():
    returns = _returns([{"partnership_name": n} for n in HOUSING_NAMES])
    decided = registry.Decisions(different=((HOUSING_NAMES[0], HOUSING_NAMES[1]),))

    matched = registry.match_names(returns, TOOLKIT, decided, council=COUNCIL)

    assert matched.unsure_pairs.empty
    assert (
        matched.names.set_index("typed_name")["partnership_id"].nunique() == len(HOUSING_NAMES) - 1
    )


def test_pairs_awaiting_decision_counts_distinct_pairs_of_partnerships_either_way():
    pairs = pd.DataFrame(
        {
            "partnership_a": ["PSH-0001", "PSH-0002", "PSH-0001", "PSH-0001"],
            "partnership_b": ["PSH-0002", "PSH-0001", "PSH-0003", "PSH-0002"],
        }
    )

    assert registry.pairs_awaiting_decision(pairs) == 2
    assert registry.pairs_awaiting_decision(pairs.iloc[:0]) == 0


def test_a_missing_or_numeric_name_is_its_own_partnership():
    names = ["Northmoor Homes Ltd", None, float("nan"), 3.5, "Nan", "None"]
    returns = _returns([{"partnership_name": n} for n in names])

    matching = registry.match_names(returns, TOOLKIT, {}, council=COUNCIL)
    assigned = registry.assign_partnerships(returns, matching)

    ids = matching.names.set_index("typed_name")["partnership_id"]
    assert set(ids.index) == {"Northmoor Homes Ltd", "", "3.5", "Nan", "None"}
    assert ids.nunique() == 5
    assert assigned["partnership_id"].notna().all()


def test_a_typo_keeps_last_years_id_when_every_key_of_the_typo_is_crowded():
    crowd = [f"Community Safety {w.title()} Partnership" for w in _h_words(420)]
    previous = pd.DataFrame(
        {
            "partnership_id": [f"PSH-{n:04d}" for n in range(1, len(crowd) + 2)],
            "name": [*crowd, "Community Safety Partnership"],
        }
    )

    ids = _ids(["Comunity Safety Partnership"], previous=previous)

    assert ids == {"Comunity Safety Partnership": f"PSH-{len(crowd) + 1:04d}"}


def test_a_typo_meets_its_name_when_every_key_of_the_typo_is_crowded():
    crowd = [f"Community Safety {w.title()} Partnership" for w in _h_words(420)]
    names = [*crowd, "Community Safety Partnership", "Comunity Safety Partnership"]

    ids = _ids(names)

    assert ids["Community Safety Partnership"] == ids["Comunity Safety Partnership"]


# --- Real words are never typos (toolkit matching.real_words) --------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Northmoor Flood Partnership", "Northmoor Food Partnership"),
        ("Northmoor Carers Partnership", "Northmoor Careers Partnership"),
        ("Northmoor Police Forum", "Northmoor Policy Forum"),
    ],
)
def test_two_common_english_words_are_not_a_typo_of_one_another(a, b):
    assert not _same(a, b)


def test_a_plural_of_a_common_word_is_still_the_same_word():
    assert _same("Northmoor Carers Partnership", "Northmoor Carer Partnership")


def test_the_zipf_threshold_decides_whether_two_words_are_both_common():
    shard = zipf_frequency("shard", "en")  # the rarer of the two; "shared" is far above

    assert matching.real_words("shard", "shared", zipf_from=shard)
    assert not matching.real_words("shard", "shared", zipf_from=shard + 0.01)


def _typed_by(counts):
    """Returns typing each name, each by its own officer (a distinct e-mail address)."""
    rows = []
    for name, officers in counts.items():
        rows += [
            {"partnership_name": name, "respondent_email": f"{name[-7:]}{n}@x.example"}
            for n in range(officers)
        ]
    return _returns(rows)


def test_two_words_each_typed_by_enough_officers_are_two_words():
    least = TOOLKIT.real_words.officers_from
    names = {"Northmoor Brackley Forum": least, "Northmoor Brackly Forum": least}

    ids = registry.match_names(_typed_by(names), TOOLKIT, {}, council=COUNCIL).names

    assert ids["partnership_id"].nunique() == 2


def test_a_word_typed_by_one_officer_fewer_is_read_as_a_slip():
    least = TOOLKIT.real_words.officers_from
    names = {"Northmoor Brackley Forum": least, "Northmoor Brackly Forum": least - 1}

    ids = registry.match_names(_typed_by(names), TOOLKIT, {}, council=COUNCIL).names

    assert ids["partnership_id"].nunique() == 1


def test_one_officer_typing_a_word_twice_counts_once():
    least = TOOLKIT.real_words.officers_from
    returns = _typed_by({"Northmoor Brackley Forum": least, "Northmoor Brackly Forum": 1})
    again = returns.iloc[[-1] * least].reset_index(drop=True)

    ids = registry.match_names(
        pd.concat([returns, again], ignore_index=True), TOOLKIT, {}, council=COUNCIL
    ).names

    assert ids["partnership_id"].nunique() == 1


# --- Evidence beside the words (toolkit matching.evidence) -----------------------------------

SETTINGS = toolkit.NameEvidence(
    applies_from=80, partners=4, directorate=1, service=1, against=6
)  # pinned here: the arithmetic below depends on them


def _evidence(partners=(), directorates=(), services=()):
    return matching.Evidence(frozenset(partners), frozenset(directorates), frozenset(services))


def test_evidence_adds_the_partner_share_and_a_directorate_and_service_in_common():
    a = _evidence(["police", "fire", "nhs", "probation"], ["Resources"], ["Resources / ict"])
    b = _evidence(["police", "fire"], ["Resources"], ["Resources / ict"])

    found = matching.support(85.0, a, b, SETTINGS, same_at=92)

    assert found.score == 85.0 + 4 * 0.5 + 1 + 1
    assert (found.partners_in_common, found.same_directorate, found.same_service) == (2, True, True)
    assert found.evidence_for == (
        "2 partner(s) in common (0.50): +2; same directorate: +1; same service: +1"
    )


def test_a_directorate_in_common_without_a_partner_in_common_adds_nothing():
    a = _evidence(["police"], ["Resources"], ["Resources / ict"])
    b = _evidence(["nhs"], ["Resources"], ["Resources / ict"])

    found = matching.support(85.0, a, b, SETTINGS, same_at=92)

    assert found.score == 85.0
    assert found.evidence_for == (
        "same directorate (no partner in common: not counted); "
        "same service (no partner in common: not counted)"
    )


@pytest.mark.parametrize(
    ("word", "why"), [(79.9, "word score below 80"), (92.0, "word score at or above 92")]
)
def test_evidence_outside_the_band_is_listed_as_not_counted(word, why):
    a = _evidence(["police", "nhs"], ["Resources"])
    b = _evidence(["police"], ["Resources"])

    found = matching.support(word, a, b, SETTINGS, same_at=92)

    assert found.score == word
    assert (
        found.evidence_for
        == f"not counted ({why}): 1 partner(s) in common (0.50); same directorate"
    )


def test_evidence_against_outside_the_band_is_listed_as_not_counted():
    a, b = _evidence(["police"], ["Resources"]), _evidence(["nhs"], ["Public Health"])

    found = matching.support(79.0, a, b, SETTINGS, same_at=92)

    assert found.score == 79.0
    assert found.evidence_against == (
        "not counted (word score below 80): no directorate or partner in common"
    )


def test_no_directorate_and_no_partner_in_common_lowers_the_pair():
    a, b = _evidence(["police"], ["Resources"]), _evidence(["nhs"], ["Public Health"])

    found = matching.support(85.0, a, b, SETTINGS, same_at=92)

    assert found.score == 85.0 - 6
    assert found.evidence_against == "no directorate or partner in common: -6"


def test_names_whose_officers_gave_no_partners_are_not_lowered():
    a, b = _evidence([], ["Resources"]), _evidence(["nhs"], ["Public Health"])

    assert matching.support(85.0, a, b, SETTINGS, same_at=92).score == 85.0


@pytest.mark.parametrize(("word", "moved"), [(79.9, False), (80.0, True), (91.9, True)])
def test_evidence_moves_only_a_pair_from_applies_from_up_to_same_at(word, moved):
    a = b = _evidence(["police"], ["Resources"])

    found = matching.support(word, a, b, SETTINGS, same_at=92)

    assert (found.score != word) is moved


def test_evidence_never_lowers_a_pair_the_words_join():
    a, b = _evidence(["police"], ["Resources"]), _evidence(["nhs"], ["Public Health"])

    assert matching.support(92.0, a, b, SETTINGS, same_at=92).score == 92.0


GREY = ("Northmoor Youth Justice Board", "Northmoor Youth Justice Management Board")


def _with_answers(names, partners, directorates):
    rows = [
        {
            "partnership_name": name,
            "partners": p,
            "directorate": d,
            "service": "Youth Services",
            "respondent_email": f"officer{n}@x.example",
        }
        for n, (name, p, d) in enumerate(zip(names, partners, directorates, strict=True))
    ]
    return _returns(rows)


def _word_score(a, b):
    rules = matching.rules_for(TOOLKIT, COUNCIL.name_forms())
    names = [matching.normalise(a, rules), matching.normalise(b, rules)]
    return matching.score(*names, matching.Weights(names, rules))


def test_partners_and_directorate_in_common_join_a_grey_band_pair():
    word = _word_score(*GREY)
    partners = "Northmoor Police; Northmoor Probation Service"
    returns = _with_answers(GREY, [partners, partners], ["Children and Families"] * 2)

    matched = registry.match_names(returns, TOOLKIT, {}, council=COUNCIL)

    assert TOOLKIT.name_evidence.applies_from <= word < TOOLKIT.same_at
    assert matched.names["partnership_id"].nunique() == 1
    assert "evidence" in set(matched.names["method"])
    assert matched.unsure_pairs.empty


def test_a_grey_band_pair_without_evidence_is_listed_with_its_score_before_and_after():
    returns = _with_answers(
        GREY, ["Northmoor Police", "Northmoor Youth Trust"], ["Children and Families", "Resources"]
    )

    matched = registry.match_names(returns, TOOLKIT, {}, council=COUNCIL)

    pair = matched.unsure_pairs.iloc[0]
    assert matched.names["partnership_id"].nunique() == 2
    assert pair["word_score"] == _word_score(*GREY)
    assert pair["score"] == pair["word_score"] - TOOLKIT.name_evidence.against
    assert pair["evidence_against"] == (
        f"no directorate or partner in common: -{TOOLKIT.name_evidence.against:g}"
    )
    assert list(matched.unsure_pairs.columns) == list(tables.table("unsure_pairs").columns)


def test_evidence_never_joins_names_a_never_merge_word_keeps_apart():
    names = ("North Community Safety Partnership", "South Community Safety Partnership")
    returns = _with_answers(names, ["Northmoor Police"] * 2, ["Resources"] * 2)

    matched = registry.match_names(returns, TOOLKIT, {}, council=COUNCIL)

    assert matched.names["partnership_id"].nunique() == 2


def test_evidence_never_joins_names_with_too_little_word_evidence():
    names = ("Northmoor Youth Justice Board", "Northmoor Youth Offending Panel")
    returns = _with_answers(names, ["Northmoor Police"] * 2, ["Resources"] * 2)

    matched = registry.match_names(returns, TOOLKIT, {}, council=COUNCIL)

    assert _word_score(*names) < TOOLKIT.name_evidence.applies_from
    assert matched.names["partnership_id"].nunique() == 2


# --- the counting rule (decision D7): named by a share of returns, or by the lead officer ---


def _partnership(rows):
    """Returns about one partnership (each row a return's answers by key), with its ID."""
    returns = _returns([{"partnership_name": "Northmoor LRF"} | row for row in rows])
    return registry.assign_partnerships(returns, registry.match_names(returns, TOOLKIT, {}))


def _counted(answers, roles=None, share=0.5):
    roles = roles or ["Member"] * len(answers)
    leading = pd.Series([role in TOOLKIT.lead_roles for role in roles])
    return registry.named_by_enough(pd.Series(answers, dtype=object), leading, share)


def test_an_option_named_by_exactly_the_share_of_returns_counts():
    assert _counted(["Economic ambition", "Better lives for all"]) == {
        "Economic ambition",
        "Better lives for all",
    }


def test_an_option_named_by_less_than_the_share_of_returns_does_not_count():
    counted = _counted(["Economic ambition", "Better lives for all", "Better lives for all"])

    assert counted == {"Better lives for all"}


def test_the_share_is_read_from_the_toolkit_not_fixed_at_a_half():
    answers = ["A", "A", "A", "B"]

    assert _counted(answers, share=0.75) == {"A"}
    assert _counted(answers[1:], share=0.75) == set()  # 2 of 3 is under three quarters


def test_the_lead_officers_return_alone_makes_an_option_count():
    counted = _counted(
        ["Economic ambition", "Better lives for all", "Better lives for all"],
        ["Lead partner", "Member", "Member"],
    )

    assert counted == {"Economic ambition", "Better lives for all"}


def test_several_lead_officers_count_together_by_the_same_share():
    answers = ["A", "B", "B", "C"]

    half_of_leads = _counted(answers, ["Lead partner", "Accountable body", "Member", "Member"])
    a_third_of_leads = _counted(
        answers, ["Lead partner", "Accountable body", "Accountable body", "Member"]
    )

    assert half_of_leads == {"A", "B"}  # A: one of two lead returns
    assert a_third_of_leads == {"B"}  # A: one of three lead returns, one of four in all


def test_a_return_that_leaves_the_question_blank_does_not_count_either_way():
    assert _counted(["A", None, "", "B; C"]) == {"A", "B", "C"}  # each one of two answering
    assert _counted([None, None]) == set()


def test_priorities_count_by_the_rule_and_the_union_is_kept_apart():
    returns = _partnership(
        [
            {"council_role": "Member", "priorities": "Better lives for all; Economic ambition"},
            {"council_role": "Member", "priorities": "Better lives for all"},
            {"council_role": "Member", "priorities": "Better lives for all; Stronger communities"},
        ]
    )

    register, _ = registry.consolidate_returns(returns, PROTOCOL, TOOLKIT)

    row = register.iloc[0]
    assert row["priorities"] == "Better lives for all"
    assert row["priority_count"] == 1
    assert row["priorities_named_by_any"] == (
        "Better lives for all; Economic ambition; Stronger communities"
    )


def test_more_returns_saying_the_same_never_add_a_priority():
    answers = [
        {"council_role": "Member", "priorities": "Better lives for all; Economic ambition"},
        {"council_role": "Member", "priorities": "Better lives for all; Stronger communities"},
        {"council_role": "Member", "priorities": "Better lives for all"},
    ]

    few, _ = registry.consolidate_returns(_partnership(answers), PROTOCOL, TOOLKIT)
    many, _ = registry.consolidate_returns(_partnership(answers * 4), PROTOCOL, TOOLKIT)

    assert many.iloc[0]["returns"] == 12
    assert many.iloc[0]["priority_count"] == few.iloc[0]["priority_count"] == 1


@pytest.mark.parametrize(
    ("answers", "roles", "expected"),
    [
        (
            ["Yes", "No"],
            ["Member", "Member"],
            "Yes",
        ),  # exactly half: the cautious tie does not apply
        (["Yes", "No", "No"], ["Member", "Member", "Member"], "No"),
        (["Yes", "No", "No"], ["Accountable body", "Member", "Member"], "Yes"),  # the lead knows
        (["No", "Don't know", "Don't know"], ["Member", "Member", "Member"], "Don't know"),
        (["Yes", None, None], ["Member", "Member", "Member"], "Yes"),  # the only answer
    ],
)
def test_money_held_for_others_is_consolidated_by_the_counting_rule(answers, roles, expected):
    returns = _partnership(
        [
            {"council_role": role, "pooled_budget": answer, "accountable_body_funds": answer}
            for answer, role in zip(answers, roles, strict=True)
        ]
    )

    register, disagreements = registry.consolidate_returns(returns, PROTOCOL, TOOLKIT)

    assert register.iloc[0]["pooled_budget"] == expected
    assert register.iloc[0]["accountable_body_funds"] == expected
    listed = disagreements[disagreements["question"] == "pooled_budget"]
    assert listed["chosen"].tolist() == ([expected] if len(set(answers) - {None}) > 1 else [])


def test_answer_counts_of_many_questions_are_each_questions_counts_in_the_same_order():
    returns = pd.DataFrame(
        {
            "partnership_id": pd.Series(["B", "A", "B", None, "A", "B", "A"], dtype="str"),
            "risk_level": pd.Series(
                ["High", "Low", None, "High", "Low", "Low", "High"], dtype="str"
            ),
            "reporting_line": pd.Series(["x", "y", "x", "y", None, "z", "y"], dtype=object),
            "held": pd.Series([None] * 7, dtype=object),
            "numbers": [1, 2, 1, 2, 1, 2, 3],
        }
    )
    keys = ["risk_level", "reporting_line", "held", "numbers"]

    found = registry._answer_counts_of(returns, keys)

    for key in keys:
        expected = registry._answer_counts(returns, key)
        assert {p: list(c.items()) for p, c in found[key].items()} == {
            p: list(c.items()) for p, c in expected.items()
        }
    assert list(found["risk_level"]["B"].items()) == [("High", 1), ("Low", 1)]
