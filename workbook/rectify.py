"""From 点评 to 整改清单: one row per problem, numbered once for life (pure decisions).

A problem is known by (编号, its text with spaces ignored). Re-running adds only problems
not yet listed, never renumbers, never changes a field the clerk typed; a listed problem
that is no longer in 点评 (deleted or reworded) is marked in 备注, not deleted.

A clerk may reword a row the tool made (问题描述 in 整改清单): the row keeps its 问题编号
and stays the same problem. It is recognised by what the tool wrote under that 问题编号
(the hidden 台账合并记录 log, `written`); for rows made before the log held the text, by
the 问题编号 itself — the n-th problem of a reporter in 点评 is `编号-n` — when both the
row and that problem are otherwise unmatched.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

from . import schema as S
from .comments import problem_key, split_problems
from .issues import Issue, Source, warning
from .model import Book

VANISHED_NOTE = "点评中已无此问题（可能已删改），请核实"
DESCRIPTION_LOGGED = "问题描述"   # the field under which the tool logs the text it wrote
DEADLINE_LOGGED = "整改时限"      # the field under which the tool logs a deadline it wrote (or left blank)
DEADLINE_LEFT_BLANK = "（留空）"  # logged when the tool left 整改时限 blank (no valid 会议日期)
_PROBLEM_ID = re.compile(r"^(?P<reporter>.+)-(?P<serial>\d+)$")


@dataclass(frozen=True)
class NewProblem:
    problem_id: str
    reporter_id: str
    organization: str
    area: str
    description: str
    owner: str
    deadline: _dt.date | None

    def row(self) -> list[Any]:
        """In 整改清单's column order."""
        return [self.problem_id, self.reporter_id, self.organization, self.area, self.description, None,
                self.owner, self.deadline, S.RECT_STATUSES[0], None, None, None]


@dataclass
class RectifyPlan:
    additions: list[NewProblem] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)      # 0-based sheet row -> new 备注
    # 0-based sheet row -> 整改时限 for a tool row whose deadline the tool itself left blank
    deadlines: dict[int, tuple[str, _dt.date]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    problems_total: int = 0

    @property
    def changes(self) -> bool:
        return bool(self.additions or self.notes or self.deadlines)


def deadline(book: Book, issues=()) -> tuple[_dt.date | None, list[Issue]]:
    """整改时限 = 会议日期 + 整改期限（天）, calendar days. `issues`: the book's, so a date
    typed wrong is named as wrong (at its cell), not as missing."""
    meeting = book.meeting
    date, days = meeting.date, meeting.deadline_days
    if isinstance(date, _dt.datetime):
        date = date.date()
    if not isinstance(date, _dt.date) or days is None:
        wrong = [i for i in issues if i.code in ("MEETING_BAD_DATE", "MEETING_BAD_DEADLINE")]
        if wrong:
            return None, [warning("RECTIFY_NO_DEADLINE", i.source,
                                  f"{'会议日期' if i.code == 'MEETING_BAD_DATE' else '整改期限（天）'}有误"
                                  f"（'{i.source.sheet}'!{i.source.cell}：{i.message}），"
                                  "整改时限暂时留空；改正后重新运行 shuping rectify 即可补填")
                          for i in wrong]
        return None, [warning("RECTIFY_NO_DEADLINE", Source(S.SHEET_MEETING, None, None),
                              "会议日期或整改期限（天）未填写，整改时限留空；补填后重新运行 shuping rectify 即可补填")]
    return date + _dt.timedelta(days=int(days)), []


def _tool_row(row) -> re.Match | None:
    """The 问题编号 match of a row the tool numbered for this reporter (not a clerk's own
    row, not one carried from last year)."""
    match = _PROBLEM_ID.match(row.problem_id)
    return match if match and match["reporter"] == row.reporter_id else None


def plan_rectification(book: Book, written: dict[str, str] | None = None, issues=(),
                       left_blank: frozenset[str] | set[str] = frozenset()) -> RectifyPlan:
    """`written`: {问题编号: the 问题描述 the tool wrote} (the 台账合并记录 log); `issues`: the
    book's; `left_blank`: 问题编号 whose 整改时限 the tool left blank (the log), filled now
    if the date is valid and the cell is still blank (a deadline the clerk typed is kept)."""
    plan = RectifyPlan()
    written = written or {}
    when, plan.issues = deadline(book, issues)
    if when is not None:
        for row in book.rectifications:
            if row.problem_id in left_blank and _tool_row(row) and row.deadline in (None, ""):
                plan.deadlines[row.source.row] = (row.problem_id, when)
    reporters = {r.id: r for r in book.reporters}
    listed = {(row.reporter_id, problem_key(row.description)): row for row in book.rectifications
              if row.description}
    # a tool row the clerk reworded is still known by the text the tool wrote
    for row in book.rectifications:
        if _tool_row(row) and row.problem_id in written:
            listed.setdefault((row.reporter_id, problem_key(written[row.problem_id])), row)
    serials: dict[str, int] = {}
    for row in book.rectifications:
        match = _PROBLEM_ID.match(row.problem_id)
        if match:
            serials[match["reporter"]] = max(serials.get(match["reporter"], 0), int(match["serial"]))
    spoken: dict[str, list[tuple[tuple[str, str], Any, str]]] = {}   # reporter -> (key, comment, text), in order
    for comment in book.comments:
        reporter = reporters.get(comment.reporter_id)
        if reporter is None:
            continue
        for text in split_problems(comment.problems):
            key = (reporter.id, problem_key(text))
            plan.problems_total += 1
            if all(key != seen for seen, _, _ in spoken.get(reporter.id, [])):
                spoken.setdefault(reporter.id, []).append((key, comment, text))
    current = {key for said in spoken.values() for key, _, _ in said}
    matched_rows = {id(listed[key]) for key in current if key in listed}
    # rows from before the log held the text: 编号-n is the n-th problem of the reporter
    for row in book.rectifications:
        match = _tool_row(row)
        if not match or row.problem_id in written or id(row) in matched_rows or not row.description:
            continue
        said = spoken.get(row.reporter_id, [])
        serial = int(match["serial"])
        if 1 <= serial <= len(said) and said[serial - 1][0] not in listed:
            listed[said[serial - 1][0]] = row
            matched_rows.add(id(row))
            column = S.SHEET_BY_NAME[S.SHEET_RECTIFY].col("问题描述")
            plan.issues.append(warning(
                "RECTIFY_REWORDED_ASSUMED", row.source.at(column),
                f"{row.problem_id} 的问题描述与点评中{row.reporter_id}的第 {serial} 个问题“{said[serial - 1][2]}”"
                "不同，按问题编号视为文书改写过的同一问题，未重复添加；若点评中的是新问题，请手工添加一行"))
    for said in spoken.values():
        for key, comment, text in said:
            if key in listed:
                continue
            reporter = reporters[key[0]]
            serials[reporter.id] = serials.get(reporter.id, 0) + 1
            plan.additions.append(NewProblem(f"{reporter.id}-{serials[reporter.id]}", reporter.id,
                                             reporter.organization, comment.area, text, reporter.name, when))
    in_use = {id(row) for key, row in listed.items() if key in current}
    for row in {id(row): row for row in listed.values()}.values():
        if not _tool_row(row):
            continue  # a row the clerk added by hand, or one carried from last year, is not ours to mark
        marked = VANISHED_NOTE in row.note
        if id(row) not in in_use and not marked:
            plan.notes[row.source.row] = f"{row.note}；{VANISHED_NOTE}" if row.note else VANISHED_NOTE
        elif id(row) in in_use and marked:
            plan.notes[row.source.row] = _unmark(row.note)
    return plan


def _unmark(note: str) -> str:
    return note.replace(f"；{VANISHED_NOTE}", "").replace(VANISHED_NOTE, "")

