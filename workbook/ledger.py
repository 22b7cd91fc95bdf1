"""整改台账 both ways with the units, and carrying unfinished items into the next year.

`split`: each unit gets a small workbook with only its own 整改清单 rows (need-to-know).
`merge`: what a unit sends back is taken only for its own rows and only in the fields a
unit may fill (schema.RECT_UNIT_FIELDS); a value the clerk typed is never overwritten —
the difference is listed as a conflict. What was merged last time is remembered (sheet
台账合并记录), so a unit's later update of its own earlier answer is not a conflict.
销号 is the organiser's act: a unit cannot set 已销号.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Sequence

from . import schema as S
from .model import Book, RectificationRow
from .normalize import clean_text

SHEET_UNIT_LEDGER = "整改台账"
SHEET_UNIT_INFO = "说明"
UNIT_ID_LABEL = "单位编号"
SHEET_MERGE_LOG = "台账合并记录"     # hidden: the values the tool itself wrote (rectify, merge)
MERGE_LOG_HEADER = ("问题编号", "字段", "值", "来源文件", "合并时间")
UNIT_COLUMNS = ("问题编号", "方面", "问题描述", "整改时限", *S.RECT_UNIT_FIELDS)
UNIT_STATUSES = (S.RECT_NOT_STARTED, S.RECT_IN_PROGRESS, S.RECT_DONE)


def unit_rows(book: Book, reporter_id: str) -> list[RectificationRow]:
    return [row for row in book.rectifications if row.reporter_id == reporter_id and row.problem_id]


def field_value(row: RectificationRow, name: str) -> Any:
    return {"整改措施": row.measures, "责任人": row.owner, "整改状态": row.status, "完成日期": row.done_date,
            "佐证材料": row.evidence, "问题编号": row.problem_id, "方面": row.area, "问题描述": row.description,
            "整改时限": row.deadline}[name]


def comparable(value: Any) -> Any:
    """Dates as dates, text trimmed, blank as None: what "the same value" means here."""
    if isinstance(value, _dt.datetime):
        return value.date() if value.time() == _dt.time(0) else value
    if isinstance(value, _dt.date) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value)
    return text or None


@dataclass(frozen=True)
class ReturnedRow:
    problem_id: str
    reporter_id: str                # the unit of the file it came from
    values: dict[str, Any]          # field -> value, for every UNIT_COLUMNS header found
    file: str
    row: int                        # 1-based row in the returned file


@dataclass(frozen=True)
class Conflict:
    problem_id: str
    field: str
    clerk: Any
    unit: Any
    file: str
    why: str


@dataclass
class MergePlan:
    updates: dict[tuple[int, str], Any] = field(default_factory=dict)   # (0-based sheet row, field) -> value
    conflicts: list[Conflict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)                     # foreign or unknown rows, in words
    ignored: list[str] = field(default_factory=list)                     # edits outside the unit's fields
    log: list[tuple[str, str, Any, str]] = field(default_factory=list)   # (问题编号, 字段, 值, 文件) merged

    @property
    def changes(self) -> bool:
        return bool(self.updates or self.log)


def _shown(value: Any) -> str:
    value = comparable(value)
    if isinstance(value, _dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return "（空白）" if value is None else str(value)


def plan_merge(book: Book, returned: Sequence[ReturnedRow], last_merged: dict[tuple[str, str], Any]) -> MergePlan:
    plan = MergePlan()
    by_id = {row.problem_id: row for row in book.rectifications if row.problem_id}
    for item in returned:
        where = f"{item.file} 第{item.row}行"
        mine = by_id.get(item.problem_id)
        if mine is None:
            plan.refused.append(f"{where}：问题编号“{item.problem_id}”不在整改清单中，未采纳")
            continue
        if mine.reporter_id != item.reporter_id:
            plan.refused.append(f"{where}：问题“{item.problem_id}”属于编号 {mine.reporter_id}，"
                                f"不是本单位（{item.reporter_id}）的问题，未采纳")
            continue
        for name in ("方面", "问题描述", "整改时限"):
            if name in item.values and comparable(item.values[name]) != comparable(field_value(mine, name)):
                plan.ignored.append(f"{where}：单位改动了“{name}”，这一栏由组织部掌握，未采纳")
        for name in S.RECT_UNIT_FIELDS:
            new = comparable(item.values.get(name))
            if new is None:
                continue
            if name == "整改状态" and new not in UNIT_STATUSES:
                why = ("销号须由组织部审批，单位不能自行销号" if new == S.RECT_CLOSED
                       else f"不是有效的整改状态（应为 {'/'.join(UNIT_STATUSES)}）")
                plan.conflicts.append(Conflict(item.problem_id, name, _shown(field_value(mine, name)),
                                               _shown(new), item.file, why))
                continue
            current = comparable(field_value(mine, name))
            if current == new:
                plan.log.append((item.problem_id, name, new, item.file))
                continue
            last = last_merged.get((item.problem_id, name))
            untouched = last is not None and comparable(last) == current
            # before any record existed, rectify's own starting status is no clerk's word
            default = last is None and name == "整改状态" and current == S.RECT_NOT_STARTED
            if current is None or untouched or default:
                plan.updates[(mine.source.row, name)] = new
                plan.log.append((item.problem_id, name, new, item.file))
            else:
                plan.conflicts.append(Conflict(item.problem_id, name, _shown(current), _shown(new), item.file,
                                               "整改清单中已录入了不同的内容，未覆盖；请核实后手工修改"))
    return plan


# --- carry-over ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CarriedRow:
    values: list[Any]               # in 整改清单 column order
    problem_id: str


def carry_id(year: str, problem_id: str) -> str:
    return f"{year}-{problem_id}" if year else f"上年-{problem_id}"


def plan_carry(old: Book, new: Book) -> list[CarriedRow]:
    """Rows of last year's 整改清单 not yet 已销号, for the new workbook, with their history
    in 备注; rows carried before (same carried 问题编号) are not carried twice."""
    year = old.meeting.year or ""
    present = {row.problem_id for row in new.rectifications}
    carried = []
    for row in old.rectifications:
        if not row.problem_id or row.status == S.RECT_CLOSED:
            continue
        problem_id = carry_id(year, row.problem_id)
        if problem_id in present:
            continue
        deadline = _shown(row.deadline) if row.deadline not in (None, "") else "未定"
        history = (f"{year or '上'}年度结转：原问题编号{row.problem_id}，原整改时限{deadline}，"
                   f"结转时状态{row.status or S.RECT_NOT_STARTED}")
        note = f"{history}；{row.note}" if row.note else history
        carried.append(CarriedRow([problem_id, row.reporter_id, row.organization, row.area, row.description,
                                   row.measures or None, row.owner or None, None,
                                   row.status or S.RECT_NOT_STARTED, row.done_date or None, row.evidence or None,
                                   note], problem_id))
    return carried
