"""Pure layout decisions shared by every writer: the 评议票 header, text widths."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Sequence

from . import schema as S


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
class BallotGroup:
    """One reporter's block of grade columns in 评议票 (0-based, inclusive)."""

    label: str
    first_col: int
    last_col: int
    shaded: bool


def ballot_groups(reporters: Sequence[tuple[str, str]], items: Sequence[str]) -> list[BallotGroup]:
    """Reporters (编号, 姓名) × items laid out from column D, alternate blocks shaded."""
    groups = []
    col = S.BALLOT_FIRST_GRADE_COL
    for index, (reporter_id, name) in enumerate(reporters):
        groups.append(BallotGroup(S.ballot_reporter_label(reporter_id, name), col,
                                  col + len(items) - 1, index % 2 == 1))
        col += len(items)
    return groups
