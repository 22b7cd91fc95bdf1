"""Pure layout decisions shared by every writer: the 评议票 header, text widths."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Sequence

from . import schema as S


# Drop-downs of 评议票 (the same in the template and in what `prepare` lays out).
BALLOT_VALIDATION_ROWS = 3000
GRADE_LIST = ",".join(S.BALLOT_DROPDOWN)
VOID_LIST = ",".join(S.VOID_DROPDOWN)
CATEGORY_LIST_SOURCE = f"'{S.SHEET_CATEGORIES}'!$A$2:$A$50"


def text_width(text: object) -> int:
    """Display width in Excel character units: CJK and full-width count double."""
    width = 0
    for ch in str(text):
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def fit_width(values: Sequence[object], minimum: float = 6, maximum: float = 60) -> float:
    widest = max((text_width(v) for v in values if v is not None), default=0)
    return max(minimum, min(maximum, widest + 2))


@dataclass(frozen=True)
class BallotColumn:
    """One grade column of 评议票: whose (述职人 position and row-1 label) and which item."""

    reporter: int
    label: str
    item: str


@dataclass(frozen=True)
class BallotGroup:
    """A run of adjacent columns of one reporter (0-based, inclusive), merged in row 1."""

    label: str
    first_col: int
    last_col: int
    shaded: bool
    items: tuple[str, ...]


def grid_columns(reporters: Sequence[tuple[str, str]], items: Sequence[str]) -> list[BallotColumn]:
    """Reporters (编号, 姓名) × items, in 述职人 order: the layout of a fresh 评议票."""
    return [BallotColumn(index, S.ballot_reporter_label(rid, name), item)
            for index, (rid, name) in enumerate(reporters) for item in items]


def group_columns(columns: Sequence[BallotColumn]) -> list[BallotGroup]:
    """Adjacent columns of one reporter form a block from column D. Shading follows the
    reporter, not the block, so a late item appended at the right end has its
    reporter's colour."""
    groups: list[BallotGroup] = []
    col = S.BALLOT_FIRST_GRADE_COL
    for column in columns:
        last = groups[-1] if groups else None
        if last is not None and last.label == column.label and last.last_col == col - 1:
            groups[-1] = BallotGroup(last.label, last.first_col, col, last.shaded, (*last.items, column.item))
        else:
            groups.append(BallotGroup(column.label, col, col, column.reporter % 2 == 1, (column.item,)))
        col += 1
    return groups


def ballot_groups(reporters: Sequence[tuple[str, str]], items: Sequence[str]) -> list[BallotGroup]:
    return group_columns(grid_columns(reporters, items))
