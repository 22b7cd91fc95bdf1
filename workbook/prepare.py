"""Planning the 评议票 header (rows 1–2) from 述职人 × 评议项目: pure decisions, no file.

The rule (TEMPLATE.md section 2): nothing typed is ever moved or lost. While no grade
is typed the header is laid out afresh in 述职人 × 评议项目 order. Once grades are
typed, every column up to the last one holding a grade stays exactly where it is, and
a late reporter or item goes to the right end; a column with typed grades whose
reporter or item is gone (or that has no header) is refused with what to do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from . import schema as S
from .cells import col_name
from .issues import Issue, Source, error
from .layout import BallotColumn, grid_columns
from .model import Item, Reporter
from .normalize import clean_text
from .parse import label_key, map_ballot_columns


@dataclass
class LayoutPlan:
    sheet: str
    columns: list[BallotColumn]
    kept: int = 0                                              # columns D… kept as typed
    appended: list[BallotColumn] = field(default_factory=list)  # late additions at the right
    issues: list[Issue] = field(default_factory=list)
    forms: int = 0                                             # rows with anything typed

    @property
    def refused(self) -> bool:
        return any(i.is_error for i in self.issues)

    @property
    def last_col(self) -> int:
        return S.BALLOT_FIRST_GRADE_COL + len(self.columns) - 1

    def header_rows(self) -> list[list[Any]]:
        """Rows 1–2 as values: 票号/评议人类别/作废, each reporter's label over its first
        column, the item names below (what every writer of the header writes)."""
        from .layout import group_columns

        top = list(S.BALLOT_FIXED) + [None] * len(self.columns)
        second: list[Any] = [None] * len(top)
        for group in group_columns(self.columns):
            top[group.first_col] = group.label
            second[group.first_col:group.last_col + 1] = group.items
        return [top, second]


def _header_texts(header: Sequence[Sequence[Any]], col: int) -> tuple[str, str]:
    """The reporter label over a column (carried from the merged cell's left end) and
    its item text."""
    top = header[0] if header else []
    second = header[1] if len(header) > 1 else []
    label = ""
    for c in range(min(col, len(top) - 1), S.BALLOT_FIRST_GRADE_COL - 1, -1):
        label = clean_text(top[c]) if c < len(top) else ""
        if label:
            break
    item = clean_text(second[col]) if col < len(second) else ""
    return label, item


def _why_unusable(label: str, item: str, reporters: Sequence[Reporter], items: Sequence[Item]) -> str:
    """Why a column's header matches nothing we lay out, and what the clerk can do."""
    if not label:
        return "这些列没有述职人表头。请在第 1 行补上“编号 姓名”，或把这些评价移到正确的列"
    if label_key(label) not in {label_key(S.ballot_reporter_label(r.id, r.name)) for r in reporters}:
        return (f"“述职人”表中已没有“{label}”（编号或姓名被改动，或这一行被删除）。"
                "请恢复“述职人”表中的这一行，使编号、姓名与表头一致；确需删除此人，请先清空这些列已录入的评价")
    if not item:
        return "这些列没有评议项目名称。请在第 2 行补上项目名称"
    if item not in {i.name for i in items}:
        return (f"“评议项目”表中已没有“{item}”（项目被改名或删除）。"
                "请恢复“评议项目”表中的这一项；确需删除，请先清空这些列已录入的评价")
    return "它与左边的另一列是同一述职人的同一项目（重复）。请核对后把评价并入一列"


def _refusals(sheet: str, unusable: list[tuple[int, int]], header: Sequence[Sequence[Any]],
              reporters: Sequence[Reporter], items: Sequence[Item]) -> list[Issue]:
    """One issue per run of adjacent columns that fail for the same reason."""
    runs: list[tuple[str, list[int], int, str]] = []
    for col, count in unusable:
        label, item = _header_texts(header, col)
        why = _why_unusable(label, item, reporters, items)
        if runs and runs[-1][0] == why and runs[-1][1][-1] == col - 1:
            runs[-1][1].append(col)
            runs[-1] = (why, runs[-1][1], runs[-1][2] + count, label)
        else:
            runs.append((why, [col], count, label))
    issues = []
    for why, cols, count, label in runs:
        span = col_name(cols[0]) if len(cols) == 1 else f"{col_name(cols[0])}–{col_name(cols[-1])}"
        whose = f"（{label}）" if label else ""
        typed = f"已录入 {count} 个评价" if count else "没有录入评价，但夹在已录入评价的列之间"
        issues.append(error("PREPARE_WOULD_MOVE_TYPED", Source(sheet, 0, cols[0]),
                            f"第 {span} 列{whose}{typed}，但{why}。为免移动或丢失已录入的内容，评议票未做任何改动。",
                            label=label))
    return issues


def plan_ballot_layout(sheet: str, reporters: Sequence[Reporter], items: Sequence[Item],
                       header: Sequence[Sequence[Any]], typed: dict[int, int],
                       wanted: Sequence[BallotColumn] | None = None) -> LayoutPlan:
    """`header` is rows 1–2 as read; `typed` maps a grade column to how many grades
    are typed in it (rows 3 on). `wanted` is the layout of a fresh sheet (默认
    述职人 × 评议项目; 评议票(复核) is given 评议票's, so both are typed alike)."""
    if wanted is None:
        wanted = grid_columns([(r.id, r.name) for r in reporters], [i.name for i in items])
    wanted = list(wanted)
    grade_cols = [c for c, n in typed.items() if c >= S.BALLOT_FIRST_GRADE_COL and n]
    if not grade_cols:
        return LayoutPlan(sheet, wanted)
    mapping, _ = map_ballot_columns(sheet, header, reporters, items)
    by_key = {(column.reporter, column.item): column for column in wanted}
    kept: list[BallotColumn] = []
    taken: set[tuple[int, str]] = set()
    unusable: list[tuple[int, int]] = []
    for col in range(S.BALLOT_FIRST_GRADE_COL, max(grade_cols) + 1):
        pair = mapping.get(col)
        key = (pair[0], items[pair[1]].name) if pair else None
        if key is None or key in taken or key not in by_key:
            unusable.append((col, typed.get(col, 0)))
            continue
        taken.add(key)
        kept.append(by_key[key])
    appended = [column for column in wanted if (column.reporter, column.item) not in taken]
    issues = _refusals(sheet, unusable, header, reporters, items)
    return LayoutPlan(sheet, kept + appended, kept=len(kept), appended=appended, issues=issues)


def describe_plan(plan: LayoutPlan, reporters: int, items: int) -> list[str]:
    """What a clerk is told about one laid-out sheet."""
    first, last = col_name(S.BALLOT_FIRST_GRADE_COL), col_name(plan.last_col)
    lines = [f"“{plan.sheet}”：{reporters} 位述职人 × {items} 个评议项目，共 {len(plan.columns)} 列（{first}–{last}）"
             + (f"；已录入的 {plan.forms} 张票原样保留" if plan.forms else "")]
    if plan.kept and plan.appended:
        start = col_name(S.BALLOT_FIRST_GRADE_COL + plan.kept)
        added: dict[str, list[str]] = {}
        for column in plan.appended:
            added.setdefault(column.label, []).append(column.item)
        lines.append(f"  在右端（{start}–{last} 列）追加：" + "；".join(
            f"“{label}”的 {'、'.join(names)}" for label, names in added.items()))
    return lines
