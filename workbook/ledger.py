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
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Sequence

from . import schema as S
from .comments import problem_key
from .model import Book, RectificationRow
from .normalize import clean_text

SHEET_UNIT_LEDGER = "整改台账"
SHEET_UNIT_INFO = "说明"
UNIT_ID_LABEL = "单位编号"
SHEET_MERGE_LOG = "台账合并记录"     # hidden: the values the tool itself wrote (rectify, merge)
MERGE_LOG_HEADER = ("问题编号", "字段", "值", "来源文件", "合并时间")
UNIT_COLUMNS = ("问题编号", "方面", "问题描述", "整改时限", *S.RECT_UNIT_FIELDS)
UNIT_STATUSES = (S.RECT_NOT_STARTED, S.RECT_IN_PROGRESS, S.RECT_DONE)
# how far a problem has got: a returned status below the current one is a step back
STATUS_RANK = {S.RECT_NOT_STARTED: 0, S.RECT_IN_PROGRESS: 1, S.RECT_DONE: 2, S.RECT_CLOSED: 3}


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
    organization: str = ""          # 党组织 as the file's 说明 sheet says
    formulas: tuple[str, ...] = ()  # fields holding a formula with no computed value (read as blank)


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

    remembered: dict[tuple[str, str], Any] = field(default_factory=dict)  # last_merged, as planned against

    @property
    def changes(self) -> bool:
        """A cell to update, or a value to remember that the merge record does not hold yet
        (a merge of the same file again changes nothing, and writes nothing)."""
        return bool(self.updates) or any(
            comparable(self.remembered.get((pid, name))) != comparable(value)
            for pid, name, value, _ in self.log)


def _shown(value: Any) -> str:
    """A value as quoted to the clerk: dates in words, text exactly as typed."""
    if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
        value = value.date()
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return "（空白）"
    return str(value)


_PLAIN_ID = re.compile(r"^(?P<unit>.+)-(?P<serial>\d+)$")
_CARRIED_ID = re.compile(r"^(?:\d{4}|上年)-")


def done_date(value: Any) -> _dt.date | None:
    """A 完成日期 as a date: a date cell, or text naming a full date (2025-03-10, 2025年3月10日)."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?\s*",
                             unicodedata.normalize("NFKC", value))
        if match:
            try:
                return _dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    return None


def _date_problem(value: Any, today: _dt.date) -> str:
    """Why a typed 完成日期 cannot be taken ("" when it can)."""
    day = done_date(value)
    if isinstance(value, (_dt.time, _dt.timedelta)):   # a negative number in a date cell reads as a time
        return f"完成日期不是日期（单元格里是负数或时间，请填写如 {today.isoformat()} 的日期）"
    if day is None:
        return f"完成日期“{_shown(value)}”不是日期（请填写如 {today.isoformat()} 的日期）"
    if day > today:
        return f"完成日期“{_shown(value)}”晚于今天（{today.isoformat()}），整改不能在将来完成"
    return ""


def _row_problem(book: Book, mine: RectificationRow, item: ReturnedRow) -> str:
    """Why a returned row is not this unit's ("" when it is): the owner of the problem, the
    prefix of its 问题编号, its text, and the 党组织 its file says it is from."""
    unit = item.reporter_id
    if mine.reporter_id != unit:
        return f"问题“{item.problem_id}”属于编号 {mine.reporter_id}，不是本单位（{unit}）的问题"
    match = _PLAIN_ID.match(item.problem_id)
    if match and not _CARRIED_ID.match(item.problem_id) and match["unit"] != unit:
        return f"问题编号“{item.problem_id}”不是本单位（{unit}）的编号"
    if "问题描述" in item.values and problem_key(clean_text(item.values["问题描述"])) != problem_key(
            clean_text(mine.description)):
        return (f"问题描述与整改清单中“{item.problem_id}”的问题不同（可能是别的单位的台账、改动了问题编号，"
                f"或整改清单中的描述已修改——如是后者请重新分发台账）")
    owner = next((r for r in book.reporters if r.id == unit), None)
    if item.organization and owner is not None and problem_key(item.organization) != problem_key(owner.organization):
        return f"台账“说明”中的党组织“{item.organization}”与单位编号 {unit} 的“{owner.organization}”不符"
    return ""


def plan_merge(book: Book, returned: Sequence[ReturnedRow], last_merged: dict[tuple[str, str], Any],
               today: _dt.date | None = None) -> MergePlan:
    """What the units sent back, decided value by value. Values are compared normalised
    (comparable) but written exactly as the unit typed them."""
    plan = MergePlan(remembered=dict(last_merged))
    today = today or _dt.date.today()
    by_id = {row.problem_id: row for row in book.rectifications if row.problem_id}
    accepted: list[tuple[ReturnedRow, RectificationRow]] = []
    for item in returned:
        where = f"{item.file} 第{item.row}行"
        mine = by_id.get(item.problem_id)
        if mine is None:
            plan.refused.append(f"{where}：问题编号“{item.problem_id}”不在整改清单中，未采纳")
            continue
        problem = _row_problem(book, mine, item)
        if problem:
            plan.refused.append(f"{where}：{problem}，未采纳")
            continue
        accepted.append((item, mine))
    # two returns of one unit in one run: where they differ, neither wins
    files_of: dict[str, list[str]] = {}
    for item, _ in accepted:
        if item.file not in files_of.setdefault(item.reporter_id, []):
            files_of[item.reporter_id].append(item.file)
    answers: dict[tuple[str, str], dict[str, Any]] = {}
    for item, _ in accepted:
        if len(files_of[item.reporter_id]) > 1:
            for name in S.RECT_UNIT_FIELDS:
                answers.setdefault((item.problem_id, name), {})[item.file] = item.values.get(name)
    done: set[tuple[str, str]] = set()
    for item, mine in accepted:
        where = f"{item.file} 第{item.row}行"
        for name in item.formulas:
            plan.refused.append(f"{where}：{item.problem_id} 的“{name}”单位填写的是公式，文件中没有它的计算结果，"
                                "未采纳；请单位改为直接填写文字")
        for name in ("方面", "整改时限"):
            if name in item.values and comparable(item.values[name]) != comparable(field_value(mine, name)):
                plan.ignored.append(f"{where}：单位改动了“{name}”，这一栏由组织部掌握，未采纳")
        for name in S.RECT_UNIT_FIELDS:
            key = (item.problem_id, name)
            if key in done:
                continue
            several = answers.get(key, {})
            if len({repr(comparable(v)) for v in several.values()}) > 1:
                done.add(key)
                files = "、".join(several)
                plan.conflicts.append(Conflict(item.problem_id, name, _shown(field_value(mine, name)),
                                               " / ".join(_shown(v) for v in several.values()), files,
                                               f"同一单位（{item.reporter_id}）本次发回了多份台账（{files}），"
                                               f"内容不同，均未采纳；请与单位核实后手工填写"))
                continue
            typed = item.values.get(name)
            new = comparable(typed)
            if new is None:
                continue
            done.add(key)
            if name == "完成日期":
                problem = _date_problem(typed, today)
                if problem:
                    plan.refused.append(f"{where}：{item.problem_id} {problem}，未采纳")
                    continue
            if name == "整改状态" and new not in UNIT_STATUSES:
                why = ("销号须由组织部审批，单位不能自行销号" if new == S.RECT_CLOSED
                       else f"不是有效的整改状态（应为 {'/'.join(UNIT_STATUSES)}）")
                plan.conflicts.append(Conflict(item.problem_id, name, _shown(field_value(mine, name)),
                                               _shown(typed), item.file, why))
                continue
            if name == "整改状态":
                typed = new          # a code: written in its canonical spelling
            current = comparable(field_value(mine, name))
            if current == new:
                plan.log.append((item.problem_id, name, typed, item.file))
                continue
            last = last_merged.get((item.problem_id, name))
            untouched = last is not None and comparable(last) == current
            # before any record existed, rectify's own starting status is no clerk's word
            default = last is None and name == "整改状态" and current == S.RECT_NOT_STARTED
            if (name == "整改状态" and current in STATUS_RANK and new in STATUS_RANK
                    and STATUS_RANK[new] < STATUS_RANK[current]):
                plan.conflicts.append(Conflict(item.problem_id, name, _shown(field_value(mine, name)), _shown(typed),
                                               item.file, f"整改状态会从“{current}”退回到“{new}”（可能是较早的或未填写的台账），"
                                               "未采纳；如确需退回请核实后手工修改"))
                continue
            if current is None or untouched or default:
                plan.updates[(mine.source.row, name)] = typed
                plan.log.append((item.problem_id, name, typed, item.file))
            else:
                plan.conflicts.append(Conflict(item.problem_id, name, _shown(field_value(mine, name)), _shown(typed),
                                               item.file, "整改清单中已录入了不同的内容，未覆盖；请核实后手工修改"))
    return plan


# --- carry-over ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CarriedRow:
    values: list[Any]               # in 整改清单 column order
    problem_id: str


def carry_id(year: str, problem_id: str) -> str:
    return f"{year}-{problem_id}" if year else f"上年-{problem_id}"


@dataclass
class CarryPlan:
    carried: list[CarriedRow] = field(default_factory=list)
    held: list[str] = field(default_factory=list)       # rows not carried until the clerk maps the unit, in words
    moved: list[str] = field(default_factory=list)      # units found under another 编号 this year, in words


def plan_carry(old: Book, new: Book) -> list[CarriedRow]:
    """The rows `plan_carry_units` carries (mapping none)."""
    return plan_carry_units(old, new).carried


def plan_carry_units(old: Book, new: Book, mapping: dict[str, str] | None = None) -> CarryPlan:
    """Rows of last year's 整改清单 not yet 已销号, for the new workbook, with their history
    in 备注; rows carried before (same carried 问题编号) are not carried twice.

    A row follows its unit, not its number: it goes to this year's 述职人 of the same
    党组织 (compared without spaces, NFKC), whatever its 编号 now. A unit that cannot be
    found by 党组织 (renamed, merged, or gone) is held back and listed — even when its old
    编号 exists, since that 编号 may now be another unit's — until the clerk maps it:
    `mapping` {上年编号: 本年编号} (`shuping carry OLD NEW --map 01=03`)."""
    mapping = mapping or {}
    plan = CarryPlan()
    year = old.meeting.year or ""
    present = {row.problem_id for row in new.rectifications}
    new_by_org = {problem_key(r.organization): r for r in new.reporters if r.organization}
    new_by_id = {r.id: r for r in new.reporters}
    old_org = {r.id: r.organization for r in old.reporters}
    told: set[str] = set()
    for row in old.rectifications:
        if not row.problem_id or row.status == S.RECT_CLOSED:
            continue
        problem_id = carry_id(year, row.problem_id)
        if problem_id in present:
            continue
        organization = row.organization or old_org.get(row.reporter_id, "")
        if row.reporter_id in mapping:
            target = new_by_id.get(mapping[row.reporter_id])
            if target is None:
                plan.held.append(f"{row.problem_id}（{organization}）：指定的本年度编号 {mapping[row.reporter_id]} "
                                 f"不在“述职人”表中，未结转")
                continue
        else:
            target = new_by_org.get(problem_key(organization)) if organization else None
            if target is None:
                same = new_by_id.get(row.reporter_id)
                now = (f"编号 {row.reporter_id} 本年度是“{same.organization}”" if same is not None
                       else f"本年度也没有编号 {row.reporter_id}")
                plan.held.append(f"{row.problem_id}（{organization or '党组织空白'}）：本年度“述职人”中没有这个党组织，"
                                 f"{now}，未结转")
                continue
        if target.id != row.reporter_id and row.reporter_id not in told:
            told.add(row.reporter_id)
            plan.moved.append(f"{organization}：上年编号 {row.reporter_id}，本年度编号 {target.id}")
        deadline = _shown(row.deadline) if row.deadline not in (None, "") else "未定"
        history = (f"{year or '上'}年度结转：原问题编号{row.problem_id}，"
                   + (f"原编号{row.reporter_id}（{organization}），" if target.id != row.reporter_id else "")
                   + f"原整改时限{deadline}，结转时状态{row.status or S.RECT_NOT_STARTED}")
        note = f"{history}；{row.note}" if row.note else history
        plan.carried.append(CarriedRow([problem_id, target.id, target.organization, row.area, row.description,
                                        row.measures or None, row.owner or None, None,
                                        row.status or S.RECT_NOT_STARTED, row.done_date or None,
                                        row.evidence or None, note], problem_id))
    return plan
