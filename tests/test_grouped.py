"""pipeline.grouped: each measure bit for bit what pandas gives partnership by partnership."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import grouped

_LABELS = st.sampled_from(["P-2", "P-1", "P-10", None])
_NUMBERS = st.one_of(
    st.none(),
    st.integers(-5, 5).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.1, 0.2, 0.3, 1e16, -0.0, 1234.56]),
)
_ROWS = st.lists(st.tuples(_LABELS, _NUMBERS), min_size=1, max_size=300)


def _bits(values: list[float]) -> list[int]:
    return np.array(values, dtype=float).view(np.int64).tolist()


def _by_pandas(rows: list[tuple[str | None, float | None]], measure: str) -> list[float]:
    table = pd.DataFrame(rows, columns=["partnership_id", "value"]).astype({"value": float})
    out = []
    for _, group in table.groupby("partnership_id", sort=True):
        given_values = group["value"].dropna()
        if measure == "sum":
            out.append(float(group["value"].sum()))
        elif given_values.empty:
            out.append(np.nan)
        else:
            out.append(float(getattr(given_values, measure)()))
    return out


@settings(max_examples=300, deadline=None)
@given(_ROWS)
def test_sums_means_and_medians_are_pandas_bit_for_bit(rows):
    labels = pd.Series([label for label, _ in rows], dtype=object)
    values = np.array([np.nan if v is None else v for _, v in rows], dtype=float)

    groups = grouped.group_rows(labels)

    assert _bits(groups.sums(values).tolist()) == _bits(_by_pandas(rows, "sum"))
    assert _bits(groups.means(values)[0].tolist()) == _bits(_by_pandas(rows, "mean"))
    assert _bits(groups.medians(values).tolist()) == _bits(_by_pandas(rows, "median"))


def test_sums_of_pennies_follow_numpys_pairwise_order():
    values = np.array([0.1] * 200 + [0.7] * 13 + [1e16, 1.0, -1e16], dtype=float)
    labels = pd.Series(["A"] * 150 + ["B"] * 66)

    sums = grouped.group_rows(labels).sums(values)

    assert sums.tolist() == [float(pd.Series(values[:150]).sum()), pd.Series(values[150:]).sum()]


def test_group_rows_orders_groups_as_groupby_and_keeps_row_order_within():
    labels = pd.Series(["b", "a", None, "b", "a"])

    groups = grouped.group_rows(labels)

    assert groups.labels.tolist() == ["a", "b"]
    assert groups.order.tolist() == [1, 4, 0, 3]
    assert groups.sizes.tolist() == [2, 2]
    assert groups.first(np.array(["v0", "v1", "v2", "v3", "v4"], dtype=object)).tolist() == [
        "v1",
        "v0",
    ]


def test_joined_keeps_row_order_and_gives_none_for_a_group_with_nothing_kept():
    labels = pd.Series(["a", "b", "a", "a"])
    texts = np.array(["x", "y", "z", "w"], dtype=object)

    joined = grouped.group_rows(labels).joined(texts, np.array([True, False, True, True]), "; ")

    assert joined == ["x; z; w", None]


def test_counts_and_any_count_flagged_rows_per_group():
    groups = grouped.group_rows(pd.Series(["a", "b", "a", None]))
    flags = np.array([True, False, True, True])

    assert groups.count(flags).tolist() == [2, 0]
    assert groups.any(flags).tolist() == [True, False]


def test_records_hold_the_values_iterrows_gives_kind_for_kind():
    frame = pd.DataFrame(
        {
            "id": pd.Series(["A", None], dtype="str"),
            "count": [1, 2],
            "cost": [1.5, np.nan],
            "flag": [True, False],
            "mixed": pd.Series([1, "one"], dtype=object),
        }
    )

    records = grouped.records(frame)

    expected = [{k: row[k] for k in frame.columns} for _, row in frame.iterrows()]
    assert [[(k, repr(v), type(v)) for k, v in r.items()] for r in records] == [
        [(k, repr(v), type(v)) for k, v in r.items()] for r in expected
    ]


def test_records_of_numbers_only_are_numpy_numbers_as_iterrows_gives_them():
    frame = pd.DataFrame({"count": [1, 2], "cost": [1.5, 2.0]})

    records = grouped.records(frame)

    expected = [{k: row[k] for k in frame.columns} for _, row in frame.iterrows()]
    assert [type(v) for v in records[0].values()] == [np.float64, np.float64]
    assert [[type(v) for v in r.values()] for r in expected] == [[np.float64] * 2] * 2
    assert records == expected
