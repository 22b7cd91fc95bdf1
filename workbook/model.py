"""Plain records read from a workbook; each carries the `Source` it was read from."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .issues import Source

if TYPE_CHECKING:  # numpy arrays in BallotSheet; the module imports numpy lazily
    import numpy as np

    from .rules import Condition


@dataclass(frozen=True)
class Meeting:
    title: str = ""
    year: str = ""
    date: _dt.date | str | None = None
    organizer: str = ""
    doc_number: str = ""
    deadline_days: int | None = None
    contact: str = ""
    phone: str = ""
    typed_title: str = ""      # as typed (full-width brackets kept) for printed papers
    bulletin_number: str = ""  # 通报发文字号: the bulletin's own number

    @property
    def shown_title(self) -> str:
        """The title papers print: as the clerk typed it. `title` (NFKC) is for the JSON."""
        return self.typed_title or self.title


@dataclass(frozen=True)
class Reporter:
    id: str
    organization: str
    name: str
    title: str
    mode: str | None
    email: str
    note: str
    source: Source

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}"


@dataclass(frozen=True)
class Item:
    name: str
    kind: str | None
    weight: Fraction | None
    source: Source
    weight_typed: bool = False  # something was typed (a bad value leaves weight None)


@dataclass(frozen=True)
class Category:
    name: str
    weight: Fraction | None
    issued: int | None
    source: Source
    weight_typed: bool = False


@dataclass(frozen=True)
class Params:
    points: tuple[Fraction, Fraction, Fraction, Fraction] = (
        Fraction(100), Fraction(80), Fraction(60), Fraction(40))
    min_votes: int = 5
    decimals: int = 2
    bulletin_rates: bool = False
    notice_rank: bool = False
    bulletin_order: str = ""
    notice_numbers: str = "共用"      # 通知发文字号: 共用 / 按单位编号
    paper: str = "A4"                 # 打印纸张 of the summary workbook


@dataclass(frozen=True)
class Cap:
    """名额上限: a count, or a share of all reporters (rounded down, at least 1)."""

    count: int | None = None
    share: Fraction | None = None

    def limit(self, reporters: int) -> int:
        if self.count is not None:
            return self.count
        assert self.share is not None
        return max(1, int(self.share * reporters))

    def describe(self) -> str:
        if self.count is not None:
            return f"{self.count}名"
        assert self.share is not None
        return f"{float(self.share * 100):g}%"


@dataclass(frozen=True)
class Rule:
    order: Fraction
    grade: str
    condition_text: str
    condition: "Condition | None"  # None = always holds (blank 条件)
    cap: Cap | None
    source: Source


@dataclass(frozen=True)
class BallotSheet:
    """评议票 as arrays: one row per returned form (fully empty rows are skipped).

    grades[f, r, i] is a CODE_* of schema for form f, reporter r, item i; `columns`
    maps (r, i) to the sheet column so every figure can point back at its cell.
    """

    sheet: str
    grades: "np.ndarray"            # int8, (forms, reporters, items)
    rows: "np.ndarray"              # int, 0-based sheet row of each form
    ballot_ids: tuple[str, ...]     # 票号 as typed (row number when blank)
    category: "np.ndarray"          # int, index into Book.categories, -1 unknown
    void: "np.ndarray"              # bool
    columns: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def forms(self) -> int:
        return int(self.grades.shape[0])


@dataclass(frozen=True)
class Comment:
    reporter_id: str
    area: str
    achievements: str
    problems: str
    expectations: str
    commenter: str
    source: Source


@dataclass(frozen=True)
class RectificationRow:
    problem_id: str
    reporter_id: str
    organization: str
    area: str
    description: str
    measures: str
    owner: str
    deadline: Any
    status: str
    done_date: Any
    evidence: str
    note: str
    source: Source
    approver: str = ""          # 销号审批人
    approved_on: Any = None     # 销号日期


@dataclass(frozen=True)
class Adjudication:
    ballot_id: str
    category: str
    cell: str
    original: str
    decision: str
    reason: str
    scrutineer: str
    source: Source


@dataclass(frozen=True)
class Book:
    path: str
    sheet_names: tuple[str, ...]
    meeting: Meeting
    reporters: tuple[Reporter, ...]
    items: tuple[Item, ...]
    categories: tuple[Category, ...]
    params: Params
    rules: tuple[Rule, ...]
    ballots: BallotSheet | None
    comments: tuple[Comment, ...] = ()
    rectifications: tuple[RectificationRow, ...] = ()
    mail: dict[str, Any] = field(default_factory=dict)
    adjudications: tuple[Adjudication, ...] = ()
    recheck: BallotSheet | None = None
    adjudicated: tuple = ()         # adjudicate.AppliedDecision, in 疑问票处理 order
    totals: Any = None              # totals.TotalsSheet when 计票录入 holds 唱票 totals (issue #22)

    @property
    def overall_item(self) -> int | None:
        from .schema import ITEM_OVERALL

        for index, item in enumerate(self.items):
            if item.kind == ITEM_OVERALL:
                return index
        return None
