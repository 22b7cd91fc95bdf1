"""A1 addresses at the edges; 0-based (row, col) everywhere inside."""
from __future__ import annotations

import re

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")


def col_name(col: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    if col < 0:
        raise ValueError(f"negative column {col}")
    name = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name


def col_index(name: str) -> int:
    index = 0
    for ch in name.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not a column name: {name!r}")
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def a1(row: int, col: int) -> str:
    """(0, 0) -> 'A1'."""
    return f"{col_name(col)}{row + 1}"


def parse_a1(text: str) -> tuple[int, int]:
    """'F7' -> (6, 5); raises ValueError on anything else."""
    match = _A1.match(text.strip())
    if not match:
        raise ValueError(f"not a cell address: {text!r}")
    return int(match.group(2)) - 1, col_index(match.group(1))


def parse_range(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """'D1:F1' -> ((0, 3), (0, 5)); a single cell is a 1x1 range."""
    first, _, last = text.partition(":")
    start = parse_a1(first)
    return start, parse_a1(last) if last else start


def quote_sheet(name: str) -> str:
    """Sheet names are always quoted: Chinese names need it and it is never wrong."""
    return "'" + name.replace("'", "''") + "'"


def cell_ref(sheet: str, row: int | None, col: int | None) -> str:
    """"'评议票'!F7", or just the quoted sheet when there is no cell."""
    if row is None:
        return quote_sheet(sheet)
    if col is None:
        return f"{quote_sheet(sheet)}!{row + 1}:{row + 1}"
    return f"{quote_sheet(sheet)}!{a1(row, col)}"
