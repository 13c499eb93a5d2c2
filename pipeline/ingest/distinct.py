"""Reading a column by its distinct cells: each different cell is read once (issue 20).

A survey column holds few different answers (options, agreement labels, the same amounts
typed the same way), so reading each distinct cell once and spreading the readings back
over the rows gives exactly what reading every cell would, at the cost of a hash per cell
(pandas' factorize, in C) instead of a Python call per cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

Cells: TypeAlias = Sequence[Any] | np.ndarray


def object_array(cells: Cells) -> np.ndarray:
    """Cells as a one-dimensional object array (never split into a second dimension)."""
    if isinstance(cells, np.ndarray):
        return cells.astype(object)
    array = np.array(cells, dtype=object)
    if array.ndim != 1:  # cells that are sequences themselves: place them one by one
        array = np.empty(len(cells), dtype=object)
        array[:] = list(cells)
    return array


def distinct(cells: Cells) -> tuple[np.ndarray, list[Any]]:
    """Each cell's code into the list of distinct cells, first seen first; -1 for None and
    NaN. Cells equal in Python but of different types (1, 1.0 and True; a spreadsheet's
    number beside its text) are kept apart: a reader may read them differently."""
    array = object_array(cells)
    codes, uniques = pd.factorize(array)
    found = list(uniques)
    if all(type(cell) is str for cell in found):
        return codes, found
    pairs = np.fromiter(zip(map(type, array), array, strict=True), dtype=object, count=len(array))
    typed_codes, typed = pd.factorize(pairs)
    typed_codes[codes < 0] = -1
    return typed_codes, [cell for _, cell in typed]


def spread(codes: np.ndarray, per_distinct: Sequence[Any], blank: Any = None) -> np.ndarray:
    """The value of each row's distinct cell (``blank`` where the code is -1)."""
    table = np.empty(len(per_distinct) + 1, dtype=object)
    for position, value in enumerate(per_distinct):
        table[position] = value
    table[-1] = blank
    return table[codes]


def map_distinct(cells: Cells, read: Callable[[Any], Any]) -> np.ndarray:
    """``read`` of every cell, calling it once per distinct cell (and once for blanks)."""
    codes, found = distinct(cells)
    return spread(codes, [read(cell) for cell in found], read(None))


def spread_bool(codes: np.ndarray, per_distinct: list[bool], blank: bool = False) -> np.ndarray:
    """A true or false per row from its distinct cell's (``blank`` where the code is -1)."""
    return np.array([*per_distinct, blank], dtype=bool)[codes]


def count_where(cells: Cells, holds: Callable[[Any], bool]) -> int:
    """How many cells ``holds`` is true of (None and NaN counted as ``holds(None)``)."""
    codes, found = distinct(cells)
    table = np.array([holds(cell) for cell in found] + [holds(None)], dtype=bool)
    return int(table[codes].sum())


def truthy(values: Cells) -> np.ndarray:
    """``bool(value)`` of each value, worked out once per distinct value."""
    codes, found = distinct(values)
    table = np.array([bool(value) for value in found] + [False], dtype=bool)
    return table[codes]


def joined(pieces: list[np.ndarray], length: int, separator: str = " | ") -> np.ndarray:
    """Each row's pieces (None: no piece) joined in order, or None when it has none."""
    result = np.full(length, None, dtype=object)
    has = np.zeros(length, dtype=bool)
    for piece in pieces:
        given = pd.notna(piece)
        first = given & ~has
        more = given & has
        result[first] = piece[first]
        if more.any():
            result[more] = result[more] + separator + piece[more]
        has |= given
    return result
