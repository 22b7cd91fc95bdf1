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


# --- printing (pure estimates; the writers set the page up from them) -------------------------
# Excel and LibreOffice measure a column width in characters of the workbook's default font
# (Calibri 11: 7 pixels each plus 5 of padding, at 96 pixels to the inch). Where Calibri is
# missing (LibreOffice on Linux without Carlito) a wider font takes its place: 9 pixels a
# character, so the estimate holds for both.
PAPERS = {"A4": (9, 210.0, 297.0), "A3": (8, 297.0, 420.0)}     # Excel's paper code, mm wide, mm high
MARGIN_SIDE_IN, MARGIN_TOP_IN, MARGIN_BOTTOM_IN = 0.5, 0.8, 0.7
PIXELS_PER_CHAR = 9
ROW_POINTS = 16.0          # a row of 11 pt text (15 pt in Excel and LibreOffice), with room to spare
BODY_POINTS = 11
MIN_PRINTED_POINTS = 9     # issue #19.11: printed body text is never smaller than this
PORTRAIT_MIN_SCALE = 90    # stacked tables go across the page rather than print smaller


def column_pixels(widths: Sequence[float]) -> float:
    return sum(w * PIXELS_PER_CHAR + 5 for w in widths)


def printable_pixels(paper: str = "A4", landscape: bool = False) -> float:
    _, short, long_ = PAPERS.get(paper, PAPERS["A4"])
    across = long_ if landscape else short
    return (across / 25.4 - 2 * MARGIN_SIDE_IN) * 96


def print_scale(widths: Sequence[float], paper: str = "A4", landscape: bool = False) -> int:
    """The largest scale (percent, ≤ 100) at which the columns fit the page width."""
    room = 0.95 * printable_pixels(paper, landscape)
    return max(10, min(100, int(100 * room / max(column_pixels(widths), 1))))


def rows_per_page(paper: str = "A4", landscape: bool = False, scale: int = 100) -> int:
    """How many rows of 11 pt text a page holds at `scale` percent (a conservative count)."""
    _, short, long_ = PAPERS.get(paper, PAPERS["A4"])
    down = short if landscape else long_
    return int((down / 25.4 - MARGIN_TOP_IN - MARGIN_BOTTOM_IN) * 72 * 100 / scale // ROW_POINTS)


def pack_pages(heights: Sequence[int], per_page: int) -> list[int]:
    """Blocks of `heights` rows laid out in order: the indices of the blocks that start a
    new page because they would not fit on what is left of the current one."""
    breaks, used = [], 0
    for index, height in enumerate(heights):
        if used and used + height > per_page:
            breaks.append(index)
            used = 0
        used += height
    return breaks
