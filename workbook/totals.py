"""唱票 totals (issue #22): a meeting counted aloud, typed as totals per category.

The sheet 计票录入 holds one block per 评议人类别, laid out like the scrutineers' board:

    评议人类别 | 区委常委 |   | 录入人 | …  |   | 监票人 | …
    发放 | 回收 | 废票 | 空白票
    18   | 17   | 0    | 0
    述职人 | 评议项目 | 好 | 较好 | 一般 | 差 | 弃权 | 多选
    01 韦建国 | 总体评价 | 12 | 4 | 1 | 0 | 0 | 0
              | 抓基层党建 | …

Parsed here into the same arrays the forms path produces — `accounts` (发放/回收/废票/
空白票 per category) and `counts[c, r, i, code]` — so everything after the count
(rates, weights, anonymity, ranks, grades, caps, sheets, JSON) is literally the same
code. Also: the checks that fit totals, the mode of a workbook (forms or totals, never
both), double entry of totals, the totals a typed meeting implies (forms → totals), and
the pure layout `prepare --totals` writes. No file I/O here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from . import schema as S
from .issues import Issue, Source, error, warning
from .model import Category, Item, Reporter
from .normalize import clean_text, is_blank, shown, to_count

# counts-array index (CODE_*) of each count column C–H: 好 较好 一般 差 弃权 多选
COUNT_CODES = (S.CODE_EXCELLENT, S.CODE_GOOD, S.CODE_FAIR, S.CODE_POOR, S.CODE_BLANK, S.CODE_OVERVOTE)
ACCOUNT_ISSUED, ACCOUNT_RETURNED, ACCOUNT_VOID, ACCOUNT_BLANK = range(4)
FORM_ONLY_CODES_PREFIX = ("BALLOT_HEADER", "BALLOT_NOT_PREPARED")


@dataclass
class TotalsBlock:
    """One category's block as typed: where each figure is, and the figures."""

    name: str
    category: int                                   # index into categories, -1 unknown
    title_row: int
    figures_row: int | None = None                  # the row under 发放/回收/废票/空白票
    account: list[int | None] = field(default_factory=lambda: [None] * 4)
    entered_by: str = ""
    entered_by_cell: Source | None = None
    scrutineer: str = ""
    rows: dict[tuple[int, int], int] = field(default_factory=dict)       # (r, i) -> sheet row
    counts: dict[tuple[int, int], list[int | None]] = field(default_factory=dict)
    bad_rows: set = field(default_factory=set)      # (r, i) with a count cell that is not a count
    bad_account: bool = False

    @property
    def valid(self) -> int | None:
        returned, void, blank = (self.account[ACCOUNT_RETURNED], self.account[ACCOUNT_VOID],
                                 self.account[ACCOUNT_BLANK])
        if returned is None:
            return None
        return returned - (void or 0) - (blank or 0)


@dataclass
class TotalsSheet:
    """计票录入 parsed: the blocks, and the arrays the count core takes."""

    sheet: str
    blocks: list[TotalsBlock]
    typed: list[Source]                 # cells holding a figure (the mode is totals when any)
    accounts: tuple = ()                # tally.Account per category, in 评议人类别 order
    counts: Any = None                  # int64 (categories, reporters, items, 6), CODE order
    cells: dict = field(default_factory=dict)   # key -> (Source, typed) for double entry

    @property
    def holds_totals(self) -> bool:
        return bool(self.typed)

    def block_of(self, category: int) -> TotalsBlock | None:
        return next((b for b in self.blocks if b.category == category), None)


def _cell(row: Sequence[Any], col: int) -> Any:
    return row[col] if col < len(row) else None


def _label_key(text: str) -> str:
    return "".join(clean_text(text).split())


# --- reading ---------------------------------------------------------------------------
def parse_totals(sheet: str, rows: list[list[Any]], facts, reporters: Sequence[Reporter],
                 items: Sequence[Item], categories: Sequence[Category]) -> tuple[TotalsSheet, list[Issue]]:
    """Blocks, figures and every cell that is not a whole number ≥ 0 (with its cell)."""
    issues: list[Issue] = []
    header = rows[0] if rows else []
    for col, expected in enumerate(S.TOTALS_HEADER):
        found = clean_text(_cell(header, col))
        if found != expected:
            issues.append(error("TOTALS_HEADER", Source(sheet, 0, col),
                                f"表头应为“{expected}”，实际是“{found or '空白'}”；请用 shuping prepare --totals 生成本表"))
    labels = {_label_key(S.ballot_reporter_label(r.id, r.name)): k for k, r in enumerate(reporters) if r.id}
    item_index = {item.name: k for k, item in enumerate(items) if item.name}
    category_index = {c.name: k for k, c in enumerate(categories) if c.name}
    result = TotalsSheet(sheet, [], [])
    formulas = set(getattr(facts, "formulas", ()) or ())
    seen_categories: dict[int, int] = {}
    block: TotalsBlock | None = None
    carry = ""
    carry_row = 0
    reported_labels: set[tuple[int, str]] = set()

    def number(row_index: int, col: int, value: Any, what: str, marks: bool = True) -> tuple[int | None, bool]:
        """(count or None when blank, ok); `marks`: a figure here makes the mode totals
        (发放 does not: it may be copied from 评议人类别 before anything is counted)."""
        source = Source(sheet, row_index, col)
        marks_typed = marks
        if (row_index, col) in formulas:
            issues.append(error("TOTALS_FORMULA", source,
                                f"{what}是公式：计票录入须照计票板上的数直接录入，不能用公式计算"))
            if marks_typed:
                result.typed.append(source)
            return None, False
        if is_blank(value):
            return None, True
        if marks_typed:
            result.typed.append(source)
        try:
            count = to_count(value)
        except (ValueError, TypeError):
            issues.append(error("TOTALS_BAD_COUNT", source,
                                f"{what}“{shown(value)}”不是票数：应为不小于 0 的整数（没有票填 0 或留空）",
                                found=shown(value)))
            return None, False
        return count, True

    index = 1
    while index < len(rows):
        row = rows[index]
        if all(is_blank(v) for v in row):
            index += 1
            continue
        first = clean_text(_cell(row, 0))
        if first == S.TOTALS_BLOCK:
            name = clean_text(_cell(row, 1))
            k = category_index.get(name, -1)
            if k < 0:
                issues.append(error("TOTALS_UNKNOWN_CATEGORY", Source(sheet, index, 1),
                                    f"评议人类别“{name or '空白'}”不在“评议人类别”表中（应为 {' / '.join(category_index)}）",
                                    found=name))
            elif k in seen_categories:
                issues.append(error("TOTALS_DUPLICATE_CATEGORY", Source(sheet, index, 1),
                                    f"评议人类别“{name}”的汇总块重复出现（第{seen_categories[k] + 1}行已有）"))
                k = -1
            else:
                seen_categories[k] = index
            block = TotalsBlock(name, k, index)
            for col in range(2, len(row) - 1):
                tag = clean_text(row[col])
                if tag == S.TOTALS_ENTERED_BY:
                    block.entered_by = str(row[col + 1] or "").strip()
                    block.entered_by_cell = Source(sheet, index, col + 1)
                elif tag == S.TOTALS_SCRUTINEER:
                    block.scrutineer = str(row[col + 1] or "").strip()
            if block.entered_by_cell is None:
                block.entered_by_cell = Source(sheet, index, 4)
            result.blocks.append(block)
            carry = ""
            index += 1
            continue
        if block is None:
            issues.append(error("TOTALS_OUTSIDE_BLOCK", Source(sheet, index, 0),
                                "这一行不在任何“评议人类别”汇总块中：每块以“评议人类别 | 类别名称”一行开始"))
            index += 1
            continue
        if first == S.TOTALS_ACCOUNT[0]:
            figures = index + 1
            block.figures_row = figures
            values = rows[figures] if figures < len(rows) else []
            for col, what in enumerate(S.TOTALS_ACCOUNT):
                value, ok = number(figures, col, _cell(values, col), f"“{block.name}”的{what}票数",
                                   marks=col != ACCOUNT_ISSUED)
                block.account[col] = value
                block.bad_account |= not ok
            for col in range(len(S.TOTALS_ACCOUNT), len(values)):
                if not is_blank(values[col]):
                    issues.append(error("TOTALS_DATA_OUTSIDE", Source(sheet, figures, col),
                                        f"此格不属于发放/回收/废票/空白票，内容“{shown(values[col])}”不会被计票"))
            index = figures + 1
            continue
        if first == S.TOTALS_REPORTER and clean_text(_cell(row, 1)) == S.TOTALS_ITEM:
            carry = ""
            index += 1
            continue
        # a reporter × item row: the label may be carried from the merged cell above
        if first:
            carry, carry_row = first, index
        label = carry
        item_text = clean_text(_cell(row, 1))
        r = labels.get(_label_key(label), -1) if label else -1
        if r < 0:
            if (block.title_row, label) not in reported_labels:
                reported_labels.add((block.title_row, label))
                issues.append(error("TOTALS_UNKNOWN_REPORTER", Source(sheet, carry_row if label else index, 0),
                                    f"述职人“{label or '空白'}”与“述职人”表中的任何人（编号 姓名）都对不上",
                                    found=label))
        i = item_index.get(item_text, -1)
        if r >= 0 and i < 0:
            issues.append(error("TOTALS_UNKNOWN_ITEM", Source(sheet, index, 1),
                                f"评议项目“{item_text or '空白'}”不在“评议项目”表中", found=item_text))
        counts: list[int | None] = []
        ok_row = True
        for offset, what in enumerate(S.TOTALS_COUNTS):
            col = S.TOTALS_FIRST_COUNT_COL + offset
            value, ok = number(index, col, _cell(row, col), f"“{label} {item_text}”的“{what}”票数")
            counts.append(value)
            ok_row &= ok
        for col in range(S.TOTALS_FIRST_COUNT_COL + len(S.TOTALS_COUNTS), len(row)):
            if not is_blank(row[col]):
                issues.append(error("TOTALS_DATA_OUTSIDE", Source(sheet, index, col),
                                    f"此列没有表头，内容“{shown(row[col])}”不会被计票"))
        if r >= 0 and i >= 0 and block.category >= 0:
            if (r, i) in block.rows:
                issues.append(error("TOTALS_DUPLICATE_ROW", Source(sheet, index, 1),
                                    f"“{block.name}”中“{reporters[r].label}”的“{item_text}”重复出现"
                                    f"（第{block.rows[(r, i)] + 1}行已有）"))
            else:
                block.rows[(r, i)] = index
                block.counts[(r, i)] = counts
                if not ok_row:
                    block.bad_rows.add((r, i))
        index += 1
    return result, issues


def check_totals(totals: TotalsSheet, reporters: Sequence[Reporter], items: Sequence[Item],
                 categories: Sequence[Category]) -> list[Issue]:
    """The checks that fit totals (only when the sheet holds any): every category a block,
    every reporter × item a row; 废票 + 空白票 ≤ 回收; 回收 ≤ 发放; per row
    好+较好+一般+差+弃权+多选 = the category's 有效票 (回收 − 废票 − 空白票)."""
    sheet = totals.sheet
    issues: list[Issue] = []
    for k, category in enumerate(categories):
        block = totals.block_of(k)
        if block is None:
            if category.name:
                issues.append(error("TOTALS_CATEGORY_MISSING", Source(sheet, None, None),
                                    f"计票录入中没有评议人类别“{category.name}”的汇总块（没有票也请填回收 0）；"
                                    "请照其他块的格式补上（表中还没有录入票数时，可运行 shuping prepare --totals 重新生成）"))
            continue
        at = (lambda col: Source(sheet, block.figures_row, col)) if block.figures_row is not None else (
            lambda col: Source(sheet, block.title_row, None))
        if block.figures_row is None:
            issues.append(error("TOTALS_ACCOUNT_MISSING", Source(sheet, block.title_row, 0),
                                f"“{block.name}”的汇总块缺少“发放 | 回收 | 废票 | 空白票”两行"))
        for r, reporter in enumerate(reporters):
            for i, item in enumerate(items):
                if (r, i) not in block.rows and reporter.id and item.name:
                    issues.append(error("TOTALS_ROW_MISSING", Source(sheet, block.title_row, 0),
                                        f"“{block.name}”的汇总块缺少“{reporter.label}”的“{item.name}”一行，"
                                        "请照其他行的格式补上这一行", reporter=reporter.id, item=item.name))
        if block.figures_row is None:
            continue                       # no account to check the rows against: reported once, above
        issued_typed = block.account[ACCOUNT_ISSUED]
        if issued_typed is not None and category.issued is not None and issued_typed != category.issued:
            issues.append(error("TOTALS_ISSUED_MISMATCH", at(ACCOUNT_ISSUED),
                                f"“{block.name}”的发放票数 {issued_typed} 与“评议人类别”表中的 {category.issued} 不一致"))
        issued = issued_typed if issued_typed is not None else category.issued
        returned, void, blank = (block.account[ACCOUNT_RETURNED], block.account[ACCOUNT_VOID],
                                 block.account[ACCOUNT_BLANK])
        if block.bad_account:
            continue                       # reported at its cell; the sums would only echo it
        if issued is None:
            issues.append(warning("CATEGORY_ISSUED_MISSING", at(ACCOUNT_ISSUED),
                                  f"“{block.name}”的发放票数未填写，无法核对回收票数"))
        typed_counts = any(v for counts in block.counts.values() for v in counts if v)
        if returned is None:
            if typed_counts or void or blank:
                issues.append(error("TOTALS_RETURNED_MISSING", at(ACCOUNT_RETURNED),
                                    f"“{block.name}”已录入票数，但回收票数未填写"))
                continue
            returned = 0
        if (void or 0) + (blank or 0) > returned:
            issues.append(error("TOTALS_ACCOUNT_EXCEEDS", at(ACCOUNT_RETURNED),
                                f"“{block.name}”的废票 {void or 0} 张 + 空白票 {blank or 0} 张多于回收的 {returned} 张"))
            continue
        if issued is not None and returned > issued:
            issues.append(error("BALLOT_OVER_ISSUED", at(ACCOUNT_RETURNED),
                                f"回收票数多于发放票数：“{block.name}”发放 {issued} 张，回收 {returned} 张",
                                issued=issued, returned=returned))
        valid = returned - (void or 0) - (blank or 0)
        checked = [(key, counts) for key, counts in sorted(block.counts.items(), key=lambda kv: block.rows[kv[0]])
                   if key not in block.bad_rows]
        sums = {sum(v or 0 for v in counts) for _, counts in checked}
        if len(checked) > 1 and len(sums) == 1 and valid not in sums:
            # every row adds up to the same other number: the account is what is wrong — once, at 回收
            issues.append(error("TOTALS_SUM_MISMATCH", at(ACCOUNT_RETURNED),
                                f"“{block.name}”每一行的 好+较好+一般+差+弃权+多选 都是 {sums.pop()}，而本类别有效票是 {valid}"
                                f"（回收 {returned} − 废票 {void or 0} − 空白票 {blank or 0}），应等于本类别有效票："
                                "请核对回收、废票、空白票", valid=valid))
            checked = []
        for (r, i), counts in checked:
            total = sum(v or 0 for v in counts)
            if total != valid:
                figures = "+".join(str(v or 0) for v in counts)
                issues.append(error("TOTALS_SUM_MISMATCH", Source(sheet, block.rows[(r, i)], S.TOTALS_FIRST_COUNT_COL),
                                    f"“{block.name}”中“{reporters[r].label}”的“{items[i].name}”："
                                    f"好+较好+一般+差+弃权+多选 = {figures} = {total}，应等于本类别有效票 {valid}"
                                    f"（回收 {returned} − 废票 {void or 0} − 空白票 {blank or 0}）",
                                    total=total, valid=valid))
        if not block.entered_by and block.entered_by_cell is not None and (returned or typed_counts):
            issues.append(warning("TOTALS_ENTERED_BY_MISSING", block.entered_by_cell,
                                  f"“{block.name}”的录入人未填写：计票单将写明汇总由谁录入"))
    return issues


def build_arrays(totals: TotalsSheet, reporters: Sequence[Reporter], items: Sequence[Item],
                 categories: Sequence[Category]) -> None:
    """`accounts` and `counts` as the forms path makes them (tally.ballot_accounts/count_votes)."""
    from .tally import Account

    counts = np.zeros((len(categories), len(reporters), len(items), 6), dtype=np.int64)
    accounts = []
    for k, category in enumerate(categories):
        block = totals.block_of(k)
        if block is None:
            accounts.append(Account(category.name, category.issued, 0, 0, 0))
            continue
        issued = block.account[ACCOUNT_ISSUED]
        accounts.append(Account(category.name, issued if issued is not None else category.issued,
                                block.account[ACCOUNT_RETURNED] or 0, block.account[ACCOUNT_VOID] or 0,
                                block.account[ACCOUNT_BLANK] or 0))
        for (r, i), values in block.counts.items():
            for code, value in zip(COUNT_CODES, values):
                counts[k, r, i, code] = value or 0
    totals.accounts, totals.counts = tuple(accounts), counts


def _keyed_cells(totals: TotalsSheet, rows: list[list[Any]], reporters, items, categories) -> dict:
    """(类别, what) -> (Source, typed): the cells double entry compares."""
    keyed = {}
    for block in totals.blocks:
        if block.category < 0:
            continue
        if block.figures_row is not None:
            values = rows[block.figures_row] if block.figures_row < len(rows) else []
            for col, what in enumerate(S.TOTALS_ACCOUNT):
                keyed[(block.name, what)] = (Source(totals.sheet, block.figures_row, col), _cell(values, col))
        for (r, i), row_index in block.rows.items():
            row = rows[row_index]
            for offset, what in enumerate(S.TOTALS_COUNTS):
                col = S.TOTALS_FIRST_COUNT_COL + offset
                keyed[(block.name, f"{reporters[r].label}／{items[i].name}／{what}")] = (
                    Source(totals.sheet, row_index, col), _cell(row, col))
    return keyed


def _same(a: Any, b: Any) -> bool:
    try:
        return (to_count(a) or 0) == (to_count(b) or 0)
    except (ValueError, TypeError):
        return clean_text(a) == clean_text(b)


@dataclass
class TotalsDifference:
    category: str
    what: str
    source_a: Source
    typed_a: str
    source_b: Source
    typed_b: str


def compare_totals(a: dict, b: dict) -> tuple[list[TotalsDifference], list[str], list[str], int]:
    """(differences, only in a, only in b, cells compared) of two keyed totals copies."""
    differences = []
    compared = 0
    for key, (source_a, typed_a) in a.items():
        if key not in b:
            continue
        compared += 1
        source_b, typed_b = b[key]
        if not _same(typed_a, typed_b):
            differences.append(TotalsDifference(key[0], key[1], source_a, _typed(typed_a), source_b, _typed(typed_b)))
    only_a = [f"{k[0]}／{k[1]}" for k in a if k not in b]
    only_b = [f"{k[0]}／{k[1]}" for k in b if k not in a]
    return differences, only_a, only_b, compared


def _typed(value: Any) -> str:
    return "（空白）" if is_blank(value) else shown(value)


def read_totals(source, reporters, items, categories, ballots, issues: list[Issue]) -> tuple[TotalsSheet | None, list[Issue]]:
    """parse_book's hook: 计票录入 (and 计票录入(复核)) when present. Returns the totals
    (None unless the sheet holds figures) and the issues, with the mode's own rules:
    forms and totals never both; in totals mode an unprepared, empty 评议票 is fine."""
    from .errors import SheetTooLarge

    names = set(source.sheet_names)
    if S.SHEET_TOTALS not in names:
        return None, issues
    try:
        rows = source.rows(S.SHEET_TOTALS)
    except SheetTooLarge as exc:
        return None, issues + [error("SHEET_TOO_LARGE", Source(S.SHEET_TOTALS, None, None), exc.message)]
    totals, found = parse_totals(S.SHEET_TOTALS, rows, source.facts(S.SHEET_TOTALS), reporters, items, categories)
    if not totals.holds_totals:
        # laid out, nothing typed yet: a forms meeting (or one about to be entered)
        return None, issues
    issues = list(issues) + found
    forms = 0 if ballots is None else ballots.forms
    if forms:
        first = totals.typed[0]
        issues.append(error("TOTALS_MIXED_MODE", first,
                            f"“{S.SHEET_TOTALS}”已录入汇总票数，而“{S.SHEET_BALLOTS}”中也录入了 {forms} 张票："
                            f"一次会议只能用一种方式录入（逐张录入评议票，或按类别录入唱票汇总），请删去其中一种"))
        issues.append(error("TOTALS_MIXED_MODE", Source(S.SHEET_BALLOTS, int(ballots.rows[0]), 0),
                            f"“{S.SHEET_BALLOTS}”中录入了 {forms} 张票，而“{S.SHEET_TOTALS}”中也录入了汇总票数"
                            f"（如 {first.cell}）：一次会议只能用一种录入方式"))
    else:
        issues = [i for i in issues if not (i.source.sheet in (S.SHEET_BALLOTS, S.SHEET_BALLOTS_RECHECK)
                                            and i.code.startswith(FORM_ONLY_CODES_PREFIX))]
        issues = _no_adjudications(source, issues)
    issues += check_totals(totals, reporters, items, categories)
    build_arrays(totals, reporters, items, categories)
    totals.cells = _keyed_cells(totals, rows, reporters, items, categories)
    if S.SHEET_TOTALS_RECHECK in names:
        try:
            recheck_rows = source.rows(S.SHEET_TOTALS_RECHECK)
        except SheetTooLarge as exc:
            return totals, issues + [error("SHEET_TOO_LARGE", Source(S.SHEET_TOTALS_RECHECK, None, None), exc.message)]
        issues += recheck_totals(totals, recheck_rows, source.facts(S.SHEET_TOTALS_RECHECK),
                                 reporters, items, categories)
    return totals, issues


def _no_adjudications(source, issues: list[Issue]) -> list[Issue]:
    """In totals mode 疑问票处理 has no forms to apply to: one clear error per row instead of
    "no such form" (unclear marks are settled aloud, before they reach the board)."""
    if S.SHEET_ADJUDICATION not in source.sheet_names:
        return issues
    rows = source.rows(S.SHEET_ADJUDICATION)
    kept = [i for i in issues if i.source.sheet != S.SHEET_ADJUDICATION]
    for index in range(1, len(rows)):
        if any(not is_blank(v) for v in rows[index]):
            kept.append(error("TOTALS_ADJUDICATION", Source(S.SHEET_ADJUDICATION, index, 0),
                              f"唱票汇总录入（“{S.SHEET_TOTALS}”）时不使用“{S.SHEET_ADJUDICATION}”：看不清的标记由监票人"
                              "在唱票时当场认定、按认定结果计入计票板。请删去这一行（认定记录可另行存档）"))
    return kept


def recheck_totals(totals: TotalsSheet, recheck_rows, facts, reporters, items, categories) -> list[Issue]:
    """计票录入(复核) against 计票录入, as 评议票(复核) against 评议票: every difference an error."""
    recheck, found = parse_totals(S.SHEET_TOTALS_RECHECK, recheck_rows, facts, reporters, items, categories)
    if not recheck.holds_totals:
        return []
    issues = [i for i in found if i.is_error]
    other = _keyed_cells(recheck, recheck_rows, reporters, items, categories)
    differences, only_main, only_recheck, _ = compare_totals(totals.cells, other)
    for d in differences:
        issues.append(error("RECHECK_DIFFERS", d.source_b,
                            f"两次录入不一致：“{d.category}”的“{d.what}”，{S.SHEET_TOTALS} {d.source_a.cell} 为“{d.typed_a}”，"
                            f"复核 {d.source_b.cell} 为“{d.typed_b}”。请对照计票板改正录错的一处",
                            typed=d.typed_a, recheck=d.typed_b))
    for what in only_main:
        issues.append(error("RECHECK_MISSING_ROW", Source(S.SHEET_TOTALS_RECHECK, 0, None),
                            f"“{S.SHEET_TOTALS_RECHECK}”缺少“{what}”，请按“{S.SHEET_TOTALS}”的格式补齐"))
    for what in only_recheck:
        issues.append(error("RECHECK_EXTRA_ROW", Source(S.SHEET_TOTALS_RECHECK, 0, None),
                            f"“{S.SHEET_TOTALS_RECHECK}”中有“{what}”，“{S.SHEET_TOTALS}”中没有"))
    return issues


def count_mode(book) -> str:
    """Which mode a parsed book is in: totals when 计票录入 holds figures, forms otherwise,
    "mixed" when both hold something (an error in `check`)."""
    if getattr(book, "totals", None) is None:
        return S.MODE_FORMS
    return "mixed" if book.ballots is not None and book.ballots.forms else S.MODE_TOTALS


def mode_sentence(book) -> str:
    if count_mode(book) == "mixed":
        return (f"计票方式：“{S.SHEET_BALLOTS}”和“{S.SHEET_TOTALS}”都已录入——一次会议只能用一种录入方式"
                "（见上表 TOTALS_MIXED_MODE）")
    if count_mode(book) == S.MODE_TOTALS:
        blocks = book.totals.blocks
        return f"计票方式：{S.MODE_LABELS[S.MODE_TOTALS]}，{len(blocks)} 个类别汇总块"
    forms = 0 if book.ballots is None else book.ballots.forms
    return f"计票方式：{S.MODE_LABELS[S.MODE_FORMS]}，{forms} 张票"


def totals_account_notes(book) -> list[tuple]:
    """计票单's lines for a count from totals: where the figures came from, who entered them."""
    notes = [(f"计票方式：{S.MODE_LABELS[S.MODE_TOTALS]}——监票人当场唱票、按类别计票，汇总数录入“{S.SHEET_TOTALS}”表，"
              "未逐张录入评议票",)]
    for block in book.totals.blocks:
        if block.category < 0:
            continue
        notes.append((f"{block.name}：录入人 {block.entered_by or '（未填写）'}"
                      + (f"，监票人 {block.scrutineer}" if block.scrutineer else ""),))
    return notes


# --- fingerprint -----------------------------------------------------------------------
def totals_lines(book) -> list[str]:
    """The totals as canonical JSON lines: the grid, then per category its account and
    per (category, 编号, 项目) the six counts, sorted; layout and row order change nothing."""
    import json

    def canonical(data: Any) -> str:
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    totals = book.totals
    grid = sorted((r.id, item.name) for r in book.reporters for item in book.items)
    lines = [canonical({"mode": S.MODE_TOTALS, "grid": [list(g) for g in grid]})]
    keyed = []
    for k, account in enumerate(totals.accounts):
        keyed.append(((account.name, "", ""), canonical({
            "类别": account.name, "发放": account.issued, "回收": account.returned, "废票": account.void,
            "空白票": account.blank})))
        for r, reporter in enumerate(book.reporters):
            for i, item in enumerate(book.items):
                values = [int(totals.counts[k, r, i, code]) for code in COUNT_CODES]
                keyed.append(((account.name, reporter.id, item.name), canonical({
                    "类别": account.name, "编号": reporter.id, "项目": item.name, "票数": values})))
    return lines + [line for _, line in sorted(keyed)]


# --- forms -> totals, and the layout -----------------------------------------------------
@dataclass
class TotalsLayout:
    """What `prepare --totals` writes: values (0-based rows) and the role of each row."""

    rows: list[list[Any]]
    titles: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    figures: list[int] = field(default_factory=list)
    data: list[int] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)   # 0-based, inclusive

    @property
    def width(self) -> int:
        return len(S.TOTALS_HEADER)


def totals_layout(reporters: Sequence[Reporter], items: Sequence[Item], categories: Sequence[Category],
                  accounts: Sequence | None = None, counts: np.ndarray | None = None,
                  entered_by: str = "", scrutineer: str = "") -> TotalsLayout:
    """The sheet laid out from 述职人 × 评议项目 × 评议人类别: empty figures, or (forms →
    totals) the accounts and counts a typed meeting implies."""
    width = len(S.TOTALS_HEADER)
    layout = TotalsLayout([list(S.TOTALS_HEADER)])

    def add(values: list[Any]) -> int:
        layout.rows.append(values + [None] * (width - len(values)))
        return len(layout.rows) - 1

    for k, category in enumerate(categories):
        if k:
            add([])
        layout.titles.append(add([S.TOTALS_BLOCK, category.name, None, S.TOTALS_ENTERED_BY, entered_by or None,
                                  None, S.TOTALS_SCRUTINEER, scrutineer or None]))
        layout.labels.append(add(list(S.TOTALS_ACCOUNT)))
        if accounts is not None:
            a = accounts[k]
            layout.figures.append(add([a.issued, a.returned, a.void, a.blank]))
        else:
            layout.figures.append(add([]))
        layout.labels.append(add(list(S.TOTALS_HEADER)))
        for r, reporter in enumerate(reporters):
            first = None
            for i, item in enumerate(items):
                values = None
                if counts is not None:
                    values = [int(counts[k, r, i, code]) for code in COUNT_CODES]
                row = add([reporter.label if i == 0 else None, item.name, *(values or [None] * 6)])
                layout.data.append(row)
                first = row if first is None else first
            if first is not None and len(items) > 1:
                layout.merges.append((first, 0, first + len(items) - 1, 0))
    return layout


def totals_from_result(result) -> TotalsLayout:
    """The totals a typed meeting implies (its accounts and counts), as the sheet."""
    book = result.book
    return totals_layout(book.reporters, book.items, book.categories, result.accounts, result.counts,
                         entered_by="shuping（按评议票汇总）")


def totals_values(layout: TotalsLayout) -> list[list[Any]]:
    """The layout's rows as a sheet's values (row 1 = header), e.g. for an in-memory book."""
    return [list(row) for row in layout.rows]


__all__ = ["TotalsSheet", "TotalsBlock", "TotalsLayout", "parse_totals", "check_totals", "read_totals",
           "totals_layout", "totals_from_result", "totals_values", "totals_lines", "count_mode",
           "mode_sentence", "compare_totals"]
