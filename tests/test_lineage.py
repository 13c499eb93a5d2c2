"""Stable IDs across years (issue 14, must-have 7): every earlier registry is evidence, most
recent year first; the analyst's splits and merges (config/aliases.yaml) win and are carried
forward; an ID is never reused; id_history records how each ID came.

Tests use the pinned toolkit (tests/backtest/config/toolkit.yaml: same_at 92, never_merge
adults/children and north/south, id_prefix PSH-) and the Northmoor council's names.
"""

from pathlib import Path

import pandas as pd
import pytest

from pipeline import council, protocol, registry, tables, toolkit
from pipeline.errors import PipelineError
from pipeline.lineage import History, Lineage, Merge, Split

PROTOCOL = protocol.load()
TOOLKIT = toolkit.load(Path(__file__).parent / "backtest", PROTOCOL)  # the pinned toolkit
COUNCIL = council.load()


def _returns(names):
    rows = [{key: None for key in PROTOCOL.keys} | {"partnership_name": n} for n in names]
    frame = pd.DataFrame(rows)
    return frame.astype(object).where(frame.notna(), None)


def _registry(rows):
    """A registry of (partnership_id, name[, names_reported]) rows."""
    return pd.DataFrame(
        [(r + (None,))[:3] for r in rows], columns=["partnership_id", "name", "names_reported"]
    )


def _match(names, history, year, splits=(), merges=(), issued=()):
    decisions = registry.Decisions(lineage=Lineage(tuple(splits), tuple(merges)))
    return registry.match_names(
        _returns(names), TOOLKIT, decisions, history, council=COUNCIL, issued=issued, year=year
    )


def _ids(matching):
    return matching.names.set_index("typed_name")["partnership_id"].to_dict()


def _events(matching):
    """partnership_id -> (event, related_id, decided_by)."""
    history = matching.id_history.set_index("partnership_id")
    return {pid: (row.event, row.related_id, row.decided_by) for pid, row in history.iterrows()}


# --- gap years -------------------------------------------------------------------------------

THREE_YEARS = History(
    {
        2023: _registry([("PSH-0001", "Alpha Board"), ("PSH-0002", "Beta Forum")]),
        2024: _registry([("PSH-0001", "Alpha Board"), ("PSH-0003", "Gamma Group")]),
    }
)


def test_a_partnership_absent_for_a_year_keeps_its_id_when_it_returns():
    matching = _match(["Alpha Board", "Beta Forum", "Delta Network"], THREE_YEARS, 2025)

    assert _ids(matching) == {
        "Alpha Board": "PSH-0001",
        "Beta Forum": "PSH-0002",  # not reported in 2024, back in 2025
        "Delta Network": "PSH-0004",  # after the highest ever issued, Gamma's PSH-0003
    }
    history = matching.id_history.set_index("partnership_id")
    assert history.loc["PSH-0002", ["event", "earlier_year"]].tolist() == ["carried", 2023]
    assert history.loc["PSH-0001", "earlier_year"] == 2024
    assert history.loc["PSH-0004", "event"] == "new"


def test_a_name_takes_the_id_of_the_most_recent_year_that_matches_it():
    history = History(
        {
            2023: _registry([("PSH-0001", "Carers Partnership Board")]),
            2024: _registry([("PSH-0002", "Carers Partnership")]),
        }
    )

    ids = _ids(_match(["Carers Partnership Board"], history, 2025))

    # exact in 2023, but the 2024 registry also matches it: the more recent year wins
    assert ids == {"Carers Partnership Board": "PSH-0002"}


def test_earlier_registries_are_read_from_every_processed_year(tmp_path):
    for year, registry_rows in ((2023, [("PSH-0001", "Beta Forum")]), (2024, [])):
        frame = _registry(registry_rows)
        full = pd.DataFrame(
            {c: frame[c] if c in frame else None for c in tables.table("registry").columns}
        )
        tables.write("registry", full, year, tmp_path)

    history = registry.load_history(2025, tmp_path)
    matching = _match(
        ["Beta Forum"], history, 2025, issued=registry.ids_issued_before(2025, tmp_path)
    )

    assert sorted(history.registries) == [2023, 2024]
    assert _ids(matching) == {"Beta Forum": "PSH-0001"}


# --- renames ---------------------------------------------------------------------------------


def test_a_rename_keeps_the_id_and_is_recorded_with_the_earlier_name():
    history = History(
        {
            2024: _registry(
                [
                    (
                        "PSH-0004",
                        "Northmoor Youth Offending Board",
                        "Northmoor Youth Offending Board; Youth Justice Board",
                    )
                ]
            )
        }
    )

    matching = _match(["Youth Justice Board", "Youth Justice Board"], history, 2025)

    row = matching.id_history.set_index("partnership_id").loc["PSH-0004"]
    assert (row["event"], row["name"], row["earlier_name"]) == (
        "renamed",
        "Youth Justice Board",
        "Northmoor Youth Offending Board",
    )
    assert row["decided_by"] == "evidence"


# --- splits ----------------------------------------------------------------------------------

LOCALITY = History(
    {
        2024: _registry(
            [
                (
                    "PSH-0005",
                    "Locality Board",
                    "Locality Board; Locality Board (North); Locality Board (South)",
                )
            ]
        )
    }
)
NAMES = ["Locality Board (North)", "Locality Board (South)"]


def test_without_a_decision_the_best_part_keeps_the_id_and_the_other_is_recorded_split():
    matching = _match(NAMES, LOCALITY, 2025)

    assert _ids(matching) == {
        "Locality Board (North)": "PSH-0005",
        "Locality Board (South)": "PSH-0006",
    }
    assert _events(matching)["PSH-0006"] == ("split_from", "PSH-0005", "evidence")


def test_the_analysts_split_says_which_part_keeps_the_id():
    split = Split(
        year=2025, id="PSH-0005", keeps="Locality Board (South)", new=("Locality Board (North)",)
    )

    matching = _match(NAMES, LOCALITY, 2025, splits=[split])

    assert _ids(matching) == {
        "Locality Board (North)": "PSH-0006",
        "Locality Board (South)": "PSH-0005",
    }
    assert _events(matching) == {
        "PSH-0005": ("renamed", None, "analyst"),  # named as this year's part
        "PSH-0006": ("split_from", "PSH-0005", "analyst"),
    }


def test_a_split_keeps_apart_names_the_matcher_would_join():
    history = History({2024: _registry([("PSH-0003", "Carers Partnership")])})
    names = ["Carers Partnership", "Carers Partnership Board"]
    assert len(set(_ids(_match(names, history, 2025)).values())) == 1  # one partnership

    split = Split(
        year=2025, id="PSH-0003", keeps="Carers Partnership", new=("Carers Partnership Board",)
    )
    ids = _ids(_match(names, history, 2025, splits=[split]))

    assert ids == {"Carers Partnership": "PSH-0003", "Carers Partnership Board": "PSH-0004"}


def test_a_split_is_carried_into_the_next_year():
    split = Split(
        year=2025, id="PSH-0005", keeps="Locality Board (South)", new=("Locality Board (North)",)
    )
    first = _match(NAMES, LOCALITY, 2025, splits=[split])
    register = first.names.groupby("partnership_id", as_index=False).agg(
        name=("name", "first"), names_reported=("typed_name", "; ".join)
    )
    history = History({**LOCALITY.registries, 2025: register})

    # 2026: the North part typed as the whole board was in 2024; the split is still in force
    later = _match(
        ["Locality Board (North)", "Locality Board (South)"], history, 2026, splits=[split]
    )

    assert _ids(later) == _ids(first)
    assert set(later.id_history["event"]) == {"carried"}
    assert set(later.id_history["decided_by"]) == {"evidence", "analyst"}


def test_a_split_naming_a_partnership_nobody_reported_is_one_line():
    split = Split(
        year=2025, id="PSH-0005", keeps="Locality Board (East)", new=("Locality Board (North)",)
    )

    with pytest.raises(
        PipelineError,
        match=r"aliases\.yaml: splits\[0\]\.keeps: 'Locality Board \(East\)' is not a "
        r"partnership name reported in 2025",
    ) as raised:
        _match(NAMES, LOCALITY, 2025, splits=[split])
    assert "\n" not in str(raised.value)


def test_a_split_of_an_id_no_earlier_registry_has_is_refused():
    split = Split(
        year=2025, id="PSH-0099", keeps="Locality Board (South)", new=("Locality Board (North)",)
    )

    with pytest.raises(PipelineError, match=r"splits\[0\]\.id: 'PSH-0099' is in no earlier"):
        _match(NAMES, LOCALITY, 2025, splits=[split])


def test_a_split_decided_for_a_later_year_does_not_apply_yet():
    split = Split(
        year=2026, id="PSH-0005", keeps="Locality Board (South)", new=("Locality Board (North)",)
    )

    assert _ids(_match(NAMES, LOCALITY, 2025, splits=[split])) == _ids(
        _match(NAMES, LOCALITY, 2025)
    )


# --- merges ----------------------------------------------------------------------------------

SAFEGUARDING = History(
    {
        2024: _registry(
            [
                ("PSH-0001", "Adults Safeguarding Board"),
                ("PSH-0002", "Childrens Safeguarding Board"),
                ("PSH-0003", "Schools Forum"),
            ]
        )
    }
)
MERGE = Merge(year=2025, ids=("PSH-0001", "PSH-0002"), keeps="PSH-0002")
BOARDS = ["Adults Safeguarding Board", "Childrens Safeguarding Board", "Schools Forum"]


def test_the_analysts_merge_joins_the_partnerships_and_retires_the_other_id():
    matching = _match(BOARDS, SAFEGUARDING, 2025, merges=[MERGE])

    ids = _ids(matching)
    assert ids["Adults Safeguarding Board"] == ids["Childrens Safeguarding Board"] == "PSH-0002"
    events = _events(matching)
    assert events["PSH-0001"] == ("merged_into", "PSH-0002", "analyst")
    assert events["PSH-0002"][2] == "analyst"
    assert events["PSH-0003"] == ("carried", None, "evidence")


def test_a_retired_id_is_never_used_again_in_a_later_year():
    # 2026: the merge is in 2025's id_history (not in aliases.yaml any more); a name only
    # the retired ID had is evidence for the ID it was merged into, and new IDs come after
    history = History(SAFEGUARDING.registries, merged={"PSH-0001": "PSH-0002"})

    matching = _match(["Adults Safeguarding Board", "Carers Forum"], history, 2026)

    assert _ids(matching) == {"Adults Safeguarding Board": "PSH-0002", "Carers Forum": "PSH-0004"}
    assert "PSH-0001" not in set(matching.id_history["partnership_id"])


def test_a_merge_read_back_from_id_history_still_joins_the_names():
    history = History(SAFEGUARDING.registries, merged={"PSH-0001": "PSH-0002"})

    ids = _ids(_match(BOARDS, history, 2026))

    assert ids["Adults Safeguarding Board"] == ids["Childrens Safeguarding Board"] == "PSH-0002"


def test_id_history_read_back_retires_only_the_analysts_merges(tmp_path):
    events = pd.DataFrame(
        {
            "partnership_id": ["PSH-0001", "PSH-0007"],
            "year": [2025, 2025],
            "event": ["merged_into", "merged_into"],
            "related_id": ["PSH-0002", "PSH-0003"],
            "decided_by": ["analyst", "evidence"],
            "name": [None, None],
            "earlier_name": [None, None],
            "earlier_year": [2024, 2024],
        }
    )
    tables.write("id_history", events, 2025, tmp_path)

    assert registry.load_history(2026, tmp_path).merged == {"PSH-0001": "PSH-0002"}


def test_an_earlier_id_whose_names_join_another_partnership_is_recorded_merged_by_evidence():
    history = History(
        {
            2024: _registry(
                [("PSH-0001", "Carers Partnership"), ("PSH-0002", "Carers Partnership Board")]
            )
        }
    )

    matching = _match(["Carers Partnership", "Carers Partnership Board"], history, 2025)

    assert set(_ids(matching).values()) == {"PSH-0001"}
    assert _events(matching)["PSH-0002"] == ("merged_into", "PSH-0001", "evidence")


# --- the decisions in config/aliases.yaml ----------------------------------------------------


def _aliases_file(tmp_path, text):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "aliases.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_splits_and_merges_are_read_from_aliases_yaml(tmp_path):
    root = _aliases_file(
        tmp_path,
        "aliases: {}\n"
        "splits:\n"
        "  - year: 2025\n"
        "    id: PSH-0005\n"
        "    keeps: Locality Board (South)\n"
        "    new: [Locality Board (North)]\n"
        "merges:\n"
        "  - {year: 2025, ids: [PSH-0001, PSH-0002], keeps: PSH-0002}\n",
    )

    decided = registry.load_decisions(root, TOOLKIT, COUNCIL).lineage

    assert decided.splits == (
        Split(
            year=2025,
            id="PSH-0005",
            keeps="Locality Board (South)",
            new=("Locality Board (North)",),
        ),
    )
    assert decided.merges == (MERGE,)
    assert decided.lines[("splits", 0, "keeps")] == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "merges:\n  - year: 2025\n    ids: [PSH-0001, PSH-0002]\n    keeps: PSH-0003\n",
            r"merges\[0\]\.keeps \(line 4\): 'PSH-0003' is not one of the merge's ids",
        ),
        (
            "merges:\n  - {year: 2025, ids: [PSH-0001, PSH-0002], keeps: PSH-0002}\n"
            "  - {year: 2025, ids: [PSH-0001, PSH-0003], keeps: PSH-0003}\n",
            r"merges\[1\]\.ids\[0\] \(line 3\): 'PSH-0001' is already merged into PSH-0002",
        ),
        (
            "merges:\n  - {year: 2025, ids: [PSH-0001, PSH-0002], keeps: PSH-0002}\n"
            "  - {year: 2026, ids: [PSH-0001, PSH-0004], keeps: PSH-0001}\n",
            r"merges\[1\]\.ids\[0\] \(line 3\): 'PSH-0001' was merged into PSH-0002 in 2025",
        ),
        (
            "merges:\n  - {year: 2025, ids: [PSH-1, PSH-0002], keeps: PSH-0002}\n",
            r"merges\[0\]\.ids\[0\] \(line 2\): 'PSH-1' is not a partnership ID",
        ),
        (
            "splits:\n  - year: 2025\n    id: PSH-0005\n    keeps: The Locality Board.\n"
            "    new: [locality board]\n",
            r"splits\[0\]\.new\[0\] \(line 5\): 'locality board' is one partnership with "
            r"splits\[0\]\.keeps",
        ),
        (
            "aliases:\n  LB North: Locality Board\n"
            "splits:\n  - year: 2025\n    id: PSH-0005\n    keeps: Locality Board\n"
            "    new: [LB North]\n",
            r"splits\[0\]\.new\[0\] \(line 7\): 'LB North' is one partnership",
        ),
        (
            "splits:\n  - year: 2025\n    id: PSH-0005\n    keep: Locality Board\n"
            "    new: [Locality Board (North)]\n",
            r"splits\[0\]\.keep \(line 4\): unknown key",
        ),
        (
            "splits:\n  - {year: 2025, id: PSH-0005, keeps: Locality Board, new: []}\n",
            r"splits\[0\]\.new \(line 2\)",
        ),
    ],
)
def test_a_split_or_merge_that_contradicts_itself_is_one_line(tmp_path, text, message):
    root = _aliases_file(tmp_path, text)

    with pytest.raises(PipelineError, match=r"aliases\.yaml: " + message) as raised:
        registry.load_decisions(root, TOOLKIT, COUNCIL)
    assert "\n" not in str(raised.value)


# --- through the processed tables, year after year -------------------------------------------


def _build_year(root, year, names, text="aliases: {}\n"):
    """What 03_evaluate does for the registry, reading earlier years and aliases.yaml from
    ``root`` and writing the year's tables there."""
    (root / "config").mkdir(exist_ok=True)
    (root / "config" / "aliases.yaml").write_text(text, encoding="utf-8")
    returns = _returns(names)
    matching = registry.match_names(
        returns,
        TOOLKIT,
        registry.load_decisions(root, TOOLKIT, COUNCIL),
        registry.load_history(year, root),
        council=COUNCIL,
        issued=registry.ids_issued_before(year, root),
        year=year,
    )
    assigned = registry.assign_partnerships(returns, matching)
    register, disagreements = registry.consolidate_returns(assigned, PROTOCOL, TOOLKIT)
    registry.write_registry(register, matching, disagreements, year, root)
    return tables.read("registry", year, root).set_index("name")["partnership_id"].to_dict()


def test_ids_survive_a_gap_year_and_an_analysts_merge_is_carried_forward(tmp_path):
    boards = ["Adults Safeguarding Board", "Childrens Safeguarding Board"]
    merge = "merges:\n  - {year: 2024, ids: [PSH-0001, PSH-0004], keeps: PSH-0004}\n"

    first = _build_year(tmp_path, 2023, ["Alpha Board", "Beta Forum", *boards])
    # 2024: Beta Forum sends no return; the analyst merges the two boards
    second = _build_year(tmp_path, 2024, ["Alpha Board", *boards], merge)
    # 2025: the merge is no longer in aliases.yaml; 2024's id_history.csv holds it
    third = _build_year(tmp_path, 2025, ["Alpha Board", "Beta Forum", boards[0], "Gamma Group"])

    assert first == {
        "Adults Safeguarding Board": "PSH-0001",
        "Alpha Board": "PSH-0002",
        "Beta Forum": "PSH-0003",
        "Childrens Safeguarding Board": "PSH-0004",
    }
    assert second == {"Adults Safeguarding Board": "PSH-0004", "Alpha Board": "PSH-0002"}
    assert third == {
        "Adults Safeguarding Board": "PSH-0004",  # never PSH-0001 again
        "Alpha Board": "PSH-0002",
        "Beta Forum": "PSH-0003",  # its 2023 ID, after a year without returns
        "Gamma Group": "PSH-0005",
    }
    merged = tables.read("id_history", 2024, tmp_path).set_index("partnership_id")
    assert merged.loc["PSH-0001", ["event", "related_id", "decided_by"]].tolist() == [
        "merged_into",
        "PSH-0004",
        "analyst",
    ]
    assert merged.loc["PSH-0004", "event"] == "renamed"  # Childrens to Adults (alphabetical)
    later = tables.read("id_history", 2025, tmp_path).set_index("partnership_id")
    assert later.loc["PSH-0003", ["event", "earlier_year"]].tolist() == ["carried", 2023]
    assert later.loc["PSH-0004", ["event", "earlier_year"]].tolist() == ["carried", 2024]
    assert "PSH-0001" not in later.index  # retired: its 2023 names count for PSH-0004
