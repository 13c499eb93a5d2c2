"""The scaled generator (benchmarks, issue 20): many realistic returns, fast and repeatable."""

import pytest

from pipeline import ingest, protocol, sample
from pipeline.sample import scaled

PROTOCOL = protocol.load()
YEAR = 2025
# More than the pool of generator blocks holds, so the second round (slips, new emails) shows.
ROWS = scaled.POOL_BLOCKS * 330 + 1_500
POOL = len(scaled.generator_pool(ROWS, YEAR, PROTOCOL, seed=2025))


@pytest.fixture(scope="module")
def returns() -> list[sample.SampleReturn]:
    return list(sample.scaled_returns(ROWS, YEAR, PROTOCOL))


@pytest.fixture(scope="module")
def exports(tmp_path_factory, returns):
    return sample.write_scaled_exports(ROWS, YEAR, PROTOCOL, tmp_path_factory.mktemp("scaled"))


def test_scaled_returns_gives_the_rows_asked_for_numbered_in_order(returns):
    assert len(returns) == ROWS
    assert [r.response_id for r in returns] == list(range(1, ROWS + 1))


def test_scaled_returns_is_the_same_for_the_same_rows_and_seed(returns):
    again = list(sample.scaled_returns(ROWS, YEAR, PROTOCOL))

    assert again == returns


def test_scaled_returns_differs_for_another_seed(returns):
    other = list(sample.scaled_returns(400, YEAR, PROTOCOL, seed=7))

    assert [r.answers for r in other] != [r.answers for r in returns[:400]]


def test_scaled_returns_keeps_the_mess_of_real_returns(returns):
    money = [r.answers["Q20"] for r in returns]
    names = {r.answers["Q6"] for r in returns}
    copies: dict[tuple, int] = {}
    for r in returns:
        key = (r.respondent_email, tuple(r.answers.items()))
        copies[key] = copies.get(key, 0) + 1

    assert any(isinstance(v, str) and v.startswith("£") for v in money)
    assert any(isinstance(v, str) and v.lower().endswith("k") for v in money)
    assert None in money
    assert len(names) > 800  # typed variants and slips of ~100 partnerships
    assert len({r.true_partnership for r in returns}) < 120
    assert sum(count > 1 for count in copies.values()) >= scaled.POOL_BLOCKS  # resubmitted


def test_scaled_returns_officer_answers_for_a_partnership_once_bar_copies(returns):
    copies: dict[tuple, int] = {}
    for r in returns:
        key = (r.respondent_email, tuple(r.answers.items()))
        copies[key] = copies.get(key, 0) + 1
    extra = sum(count - 1 for count in copies.values())

    officer_partnerships = {(r.respondent_email, r.true_partnership) for r in returns}

    assert len(officer_partnerships) == ROWS - extra


def test_scaled_returns_slips_add_names_no_pool_row_typed(returns):
    first, second = returns[:POOL], returns[POOL:]

    slipped = {r.answers["Q6"] for r in second} - {r.answers["Q6"] for r in first}

    assert 150 < len(slipped) < 600


def test_with_slip_drops_doubles_or_swaps_one_letter():
    typed = {scaled.with_slip("Safer Roads", draw) for draw in range(60)}

    assert "Safr Roads" in typed
    assert "Saffer Roads" in typed
    assert "Sfaer Roads" in typed
    assert all(t[0] == "S" and abs(len(t) - len("Safer Roads")) <= 1 for t in typed)


def test_write_scaled_exports_writes_what_the_layout_writer_writes(tmp_path, returns, exports):
    expected = sample.write_ms_forms_csv(returns, PROTOCOL, tmp_path / "expected.csv", YEAR)

    assert len(exports) == 1
    assert exports[0].read_bytes() == expected.read_bytes()


def test_write_scaled_exports_splits_into_files_under_the_size_limit(tmp_path):
    files = sample.write_scaled_exports(2_500, YEAR, PROTOCOL, tmp_path, rows_per_file=1_000)

    read = ingest.ingest_exports(files, PROTOCOL, YEAR).returns

    assert [f.name for f in files] == [
        f"partnership_survey_{YEAR}_msforms_part{n:03d}.csv" for n in (1, 2, 3)
    ]
    assert len(read) == 2_500
    assert read["response_id"].is_unique


def test_scaled_export_ingests_every_column_and_finds_the_copies(exports):
    ingested = ingest.ingest_exports(exports, PROTOCOL, YEAR)

    assert len(ingested.returns) == ROWS
    assert ingest.unmapped_columns(ingested.column_map).empty
    assert ingest.missing_questions(ingested.column_map, PROTOCOL).empty
    assert ingested.returns["duplicate_of"].notna().sum() >= scaled.POOL_BLOCKS
