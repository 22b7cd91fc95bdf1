"""疑问票处理: decisions on unclear marks, applied on top of the typed 评议票.

The typed data is never changed: a decision replaces one cell's code (or one form's
作废 flag) in the arrays the count uses, and every applied decision is kept, with its
reason and scrutineer, to be listed beside the results.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

from . import schema as S
from .cells import a1, parse_a1
from .issues import Issue, Source, error
from .model import Adjudication, BallotSheet, Category, Item, Reporter
from .normalize import clean_text, grade_code, shown, void_flag

# Issues at a cell that a decision settles (an unreadable mark is what it is for).
SETTLED_CODES = ("BALLOT_BAD_GRADE", "BALLOT_BAD_VOID")


@dataclass(frozen=True)
class AppliedDecision:
    ballot_id: str
    category: str
    cell: str           # A1 in 评议票
    reporter: str       # "03 王五", or "" for the 作废 column
    item: str           # item name, or "作废"
    typed: str          # what was typed in the cell
    decision: str       # the word the count uses (好…差, 多选, 弃权, 是/否)
    reason: str
    scrutineer: str
    source: Source      # the row in 疑问票处理


def _decision_code(text: str) -> int | None:
    if text in S.ABSTAIN_SPELLINGS:
        return S.CODE_BLANK
    code = grade_code(text)
    return None if code in (S.CODE_INVALID, S.CODE_BLANK) else code


def _code_word(code: int) -> str:
    return {S.CODE_BLANK: S.ABSTAIN, S.CODE_OVERVOTE: S.OVERVOTE}.get(code) or S.GRADES[code - 1]


def apply_adjudications(ballots: BallotSheet, decisions: Sequence[Adjudication], rows: Sequence[Sequence[Any]],
                        reporters: Sequence[Reporter], items: Sequence[Item], categories: Sequence[Category],
                        ) -> tuple[BallotSheet, list[AppliedDecision], list[Issue], set[tuple[int, int]]]:
    """(ballots with the decisions applied, the applied decisions, problems in
    疑问票处理, the 评议票 cells the decisions settle)."""
    issues: list[Issue] = []
    applied: list[AppliedDecision] = []
    settled: set[tuple[int, int]] = set()
    if not decisions:
        return ballots, applied, issues, settled
    single = categories[0].name if len(categories) == 1 else None
    names = [c.name for c in categories]
    form_of: dict[tuple[str, str], int] = {}
    for form, (ballot_id, category) in enumerate(zip(ballots.ballot_ids, ballots.category.tolist())):
        form_of.setdefault((names[category] if category >= 0 else "", ballot_id), form)
    pair_of = {col: pair for pair, col in ballots.columns.items()}
    void_col = S.BALLOT_FIXED.index(S.BALLOT_VOID)
    grades = ballots.grades.copy()
    void = ballots.void.copy()
    first_row_of: dict[tuple[int, int], int] = {}
    sheet = ballots.sheet

    for decision in decisions:
        source = decision.source
        problems_before = len(issues)
        category = decision.category or single or ""
        if not decision.ballot_id:
            issues.append(error("ADJ_ID_MISSING", source.at(0), "票号未填写：每条认定都要写明是哪一张票"))
        form = form_of.get((category, decision.ballot_id))
        if decision.ballot_id and form is None:
            where = f"评议人类别“{shown(category)}”中" if category else ""
            issues.append(error("ADJ_UNKNOWN_FORM", source.at(0),
                                f"“{sheet}”{where}没有票号为“{shown(decision.ballot_id)}”的票",
                                found=decision.ballot_id))
        try:
            row, col = parse_a1(clean_text(decision.cell).upper())
        except ValueError:
            issues.append(error("ADJ_BAD_CELL", source.at(2),
                                f"单元格“{shown(decision.cell)}”不是有效的单元格地址（应如 F7）", found=decision.cell))
            continue
        if form is not None and int(ballots.rows[form]) != row:
            issues.append(error("ADJ_CELL_NOT_ON_FORM", source.at(2),
                                f"单元格 {a1(row, col)} 不在票号“{decision.ballot_id}”所在的第 {int(ballots.rows[form]) + 1} 行"))
        on_void = col == void_col
        if not on_void and col not in pair_of:
            issues.append(error("ADJ_BAD_CELL", source.at(2),
                                f"单元格 {a1(row, col)} 既不是评价格，也不是作废栏，无法认定"))
        text = clean_text(decision.decision)
        if not text:
            issues.append(error("ADJ_DECISION_MISSING", source.at(4), "认定结果未填写"))
        elif on_void and void_flag(text) is None:
            issues.append(error("ADJ_BAD_DECISION", source.at(4),
                                f"作废栏的认定结果“{shown(text)}”无法识别，应为“是”或“否”", found=text))
        elif not on_void and _decision_code(text) is None:
            issues.append(error("ADJ_BAD_DECISION", source.at(4),
                                f"认定结果“{shown(text)}”不是有效评价，应为 好/较好/一般/差/多选/弃权", found=text))
        if not clean_text(decision.reason):
            issues.append(error("ADJ_REASON_MISSING", source.at(5), "认定依据未填写：每一次认定都要写明依据"))
        if not clean_text(decision.scrutineer):
            issues.append(error("ADJ_SCRUTINEER_MISSING", source.at(6), "监票人未填写：每一次认定都要有监票人签认"))
        if len(issues) > problems_before or form is None:
            continue
        if (row, col) in first_row_of:
            issues.append(error("ADJ_DUPLICATE", source.at(2),
                                f"单元格 {a1(row, col)} 已在第 {first_row_of[(row, col)] + 1} 行认定过，同一格只能有一条认定"))
            continue
        first_row_of[(row, col)] = source.row
        typed = shown(rows[row][col] if row < len(rows) and col < len(rows[row]) else None, limit=60)
        if on_void:
            void[form] = bool(void_flag(text))
            reporter, item, word = "", S.BALLOT_VOID, S.VOID_YES[0] if void[form] else S.VOID_NO[0]
        else:
            r, i = pair_of[col]
            code = _decision_code(text)
            grades[form, r, i] = code
            reporter, item, word = reporters[r].label, items[i].name, _code_word(code)
        settled.add((row, col))
        applied.append(AppliedDecision(decision.ballot_id, category, a1(row, col), reporter, item, typed, word,
                                       clean_text(decision.reason), clean_text(decision.scrutineer), source))
    return dataclasses.replace(ballots, grades=grades, void=void), applied, issues, settled
