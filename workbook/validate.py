"""Checks across records and sheets: each `check_<thing>(book) -> list[Issue]`.

Cell-level problems are found while parsing (parse.py); these look at the whole book.
`load_source` (and `io.book.load_book` for a file) runs both and returns every problem at once, sorted by sheet, row, column.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter
from fractions import Fraction
from typing import Callable, Iterable, Sequence


from . import schema as S
from .issues import Issue, Source, error, sorted_issues, warning
from .model import Book
from .parse import parse_book

WEIGHT_TOLERANCE = Fraction(1, 200)  # half a percentage point


def _duplicates(records: Sequence, key: Callable, col: int, code: str, what: str) -> list[Issue]:
    issues = []
    first: dict = {}
    for record in records:
        value = key(record)
        if not value:
            continue
        if value in first:
            issues.append(error(code, record.source.at(col),
                                f"{what}“{value}”重复（第{first[value].source.row + 1}行已有）", found=value))
        else:
            first[value] = record
    return issues


def _check_weights(sheet: str, records: Sequence, what: str) -> list[Issue]:
    typed = [r for r in records if r.weight_typed]
    if not typed:
        return []
    zero = [error("WEIGHT_ZERO", r.source.at(1),
                  f"{what}权重为 0：这一行的票将完全不起作用。确不计入请删去这一行；否则请填正确的权重")
            for r in typed if r.weight == 0]
    if zero:
        return zero
    if len(typed) < len(records):
        blank = "、".join(str(r.source.row + 1) for r in records if not r.weight_typed)
        return [error("WEIGHTS_PARTIAL", Source(sheet, None, None),
                      f"{what}权重只填了一部分（第{blank}行空白）：要么全部填写（合计100%），要么全部留空（等权）")]
    weights = [r.weight for r in records]
    if any(w is None for w in weights):
        return []  # a bad value was reported at its cell
    total = sum(weights, Fraction(0))
    if abs(total - 1) > WEIGHT_TOLERANCE:
        return [error("WEIGHTS_SUM", Source(sheet, None, None),
                      f"{what}权重合计为 {float(total * 100):.4g}%，应为 100%（允许误差 0.5 个百分点）",
                      total=float(total))]
    return []


def check_reporters(book: Book) -> list[Issue]:
    return _duplicates(book.reporters, lambda r: r.id, 0, "REPORTER_ID_DUPLICATE", "编号")


def check_items(book: Book) -> list[Issue]:
    issues = _duplicates(book.items, lambda i: i.name, 0, "ITEM_DUPLICATE", "评议项目")
    overall = [i for i in book.items if i.kind == S.ITEM_OVERALL]
    for item in overall[1:]:
        issues.append(error("ITEM_MULTIPLE_OVERALL", item.source.at(1),
                            f"“总体”类型的项目只能有一个（第{overall[0].source.row + 1}行已是总体）"))
    return issues + _check_weights(S.SHEET_ITEMS, book.items, "评议项目")


def check_categories(book: Book) -> list[Issue]:
    issues = _duplicates(book.categories, lambda c: c.name, 0, "CATEGORY_DUPLICATE", "评议人类别")
    # Each category is a sheet of the paper 评议表: Excel takes A组 and a组 as one sheet name
    # and refuses a name that starts or ends with an apostrophe.
    first: dict[str, object] = {}
    for category in book.categories:
        key = category.name.casefold()
        if category.name and key in first and first[key].name != category.name:
            other = first[key]
            issues.append(error("CATEGORY_DUPLICATE", category.source.at(0),
                                f"评议人类别“{category.name}”与第{other.source.row + 1}行的“{other.name}”只差大小写，"
                                "Excel 视为同一个名称；请改成明显不同的名称", found=category.name))
        first.setdefault(key, category)
        if category.name[:1] == "'" or category.name[-1:] == "'":
            issues.append(error("CATEGORY_BAD_NAME", category.source.at(0),
                                f"评议人类别“{category.name}”以英文单引号 ' 开头或结尾，不能作为评议表的工作表名；"
                                "请去掉单引号", found=category.name))
    return issues + _check_weights(S.SHEET_CATEGORIES, book.categories, "评议人类别")


def check_rules(book: Book) -> list[Issue]:
    issues = []
    seen: dict[Fraction, int] = {}
    for rule in book.rules:
        if rule.order in seen:
            issues.append(warning("RULE_DUPLICATE_ORDER", rule.source.at(0),
                                  f"顺序 {rule.order} 与第{seen[rule.order] + 1}行相同，按表中先后判断"))
        else:
            seen[rule.order] = rule.source.row
    if book.rules and all(rule.condition is not None for rule in book.rules):
        issues.append(warning("RULES_NO_FALLBACK", Source(S.SHEET_RULES, None, None),
                              "没有“条件”留空的兜底规则：不满足任何条件的述职人将没有等次"))
    return issues


def check_ballot_ids(book: Book) -> list[Issue]:
    ballots = book.ballots
    if ballots is None:
        return []
    issues = []
    first: dict[tuple[int, str], int] = {}
    for form, (ballot_id, category) in enumerate(zip(ballots.ballot_ids, ballots.category.tolist())):
        if ballot_id.startswith("行") or category < 0:
            continue
        key = (category, ballot_id)
        row = int(ballots.rows[form])
        if key in first:
            issues.append(error("BALLOT_ID_DUPLICATE", Source(ballots.sheet, row, 0),
                                f"票号“{ballot_id}”在类别“{book.categories[category].name}”中重复"
                                f"（第{first[key] + 1}行已有）", found=ballot_id))
        else:
            first[key] = row
    return issues


def check_balance(book: Book) -> list[Issue]:
    """回收 > 发放 is an error; a blank 发放 a warning; no forms at all a warning."""
    ballots = book.ballots
    if ballots is None or not book.categories:
        return []
    if book.totals is not None:
        return []   # 唱票 totals: 计票录入's own account is checked in totals.check_totals
    issues = []
    returned = Counter(ballots.category.tolist())
    for index, category in enumerate(book.categories):
        if category.issued is None:
            if category.weight_typed or category.name:
                issues.append(warning("CATEGORY_ISSUED_MISSING", category.source.at(2),
                                      f"“{category.name}”的发放票数未填写，无法核对回收票数"))
        elif returned[index] > category.issued:
            issues.append(error("BALLOT_OVER_ISSUED", category.source.at(2),
                                f"回收票数多于发放票数：“{category.name}”发放 {category.issued} 张，"
                                f"评议票中录入了 {returned[index]} 张", issued=category.issued,
                                returned=returned[index]))
    if ballots.forms == 0 and book.reporters:
        issues.append(warning("BALLOT_NONE", Source(ballots.sheet, None, None), "评议票中还没有录入任何票"))
    return issues


def _id_hint(typed: str, ids: set[str]) -> str:
    """When 01 became 1 in 述职人 (Excel), say so where the old 编号 is still used."""
    near = [i for i in ids if i != typed and i.lstrip("0") == typed.lstrip("0")]
    return f"（“述职人”表中有“{near[0]}”：多半是 Excel 把 {typed} 变成了数字，改回“述职人”表中的编号即可）" if near else ""


def check_comments(book: Book) -> list[Issue]:
    ids = {r.id for r in book.reporters}
    return [error("COMMENT_UNKNOWN_REPORTER", c.source.at(0),
                  f"编号“{c.reporter_id}”不在“述职人”表中{_id_hint(c.reporter_id, ids)}")
            for c in book.comments if c.reporter_id and c.reporter_id not in ids]


def check_rectifications(book: Book) -> list[Issue]:
    ids = {r.id for r in book.reporters}
    issues = _duplicates(book.rectifications, lambda r: r.problem_id, 0,
                         "RECT_ID_DUPLICATE", "问题编号")
    issues += [warning("RECT_UNKNOWN_REPORTER", r.source.at(1),
                       f"编号“{r.reporter_id}”不在“述职人”表中{_id_hint(r.reporter_id, ids)}")
               for r in book.rectifications if r.reporter_id and r.reporter_id not in ids]
    approver = S.SHEET_BY_NAME[S.SHEET_RECTIFY].col(S.RECT_APPROVER)
    issues += [warning("RECT_CLOSED_UNAPPROVED", r.source.at(approver),
                       f"问题“{r.problem_id}”标为已销号，但没有填写{S.RECT_APPROVER}和{S.RECT_APPROVED_ON}；"
                       "销号须经审批，统计时按“已完成”计")
               for r in book.rectifications if r.status == S.RECT_CLOSED and not (r.approver and r.approved_on)]
    issues += check_rectification_dates(book)
    return issues


def check_rectification_dates(book: Book, today: _dt.date | None = None) -> list[Issue]:
    """整改时限 meant as a date but impossible (2月30日前); 完成日期 after today; 销号日期
    before 完成日期 — each an error at its cell (progress would miscount them)."""
    import datetime as _dt

    from .ledger import done_date
    from .progress import deadline_problem, meeting_start

    today = today or _dt.date.today()
    start = meeting_start(book)
    spec = S.SHEET_BY_NAME[S.SHEET_RECTIFY]
    issues = []
    for r in book.rectifications:
        problem = deadline_problem(r.deadline, start)
        if problem:
            issues.append(error("RECT_BAD_DEADLINE", r.source.at(spec.col("整改时限")),
                                f"{problem}：请改为如 2024年6月30日前、6月底前 的写法（整改进度中按“时限有误”列出，不计入长期）",
                                found=str(r.deadline)))
        finished, closed = done_date(r.done_date), done_date(r.approved_on)
        if finished is not None and finished > today:
            issues.append(error("RECT_DONE_IN_FUTURE", r.source.at(spec.col("完成日期")),
                                f"完成日期 {finished.isoformat()} 晚于今天（{today.isoformat()}），整改不能在将来完成",
                                found=finished.isoformat()))
        if finished is not None and closed is not None and closed < finished:
            issues.append(error("RECT_CLOSED_BEFORE_DONE", r.source.at(spec.col(S.RECT_APPROVED_ON)),
                                f"销号日期 {closed.isoformat()} 早于完成日期 {finished.isoformat()}：须先完成整改，再审批销号",
                                found=closed.isoformat()))
    return issues


def check_shared_emails(book: Book) -> list[Issue]:
    """A mailbox typed for several reporters (a filled-down 电子邮箱) or a leader's address:
    each such cell is named, with whose else it is (mail refuses to send there)."""
    from .mail import split_addresses, shared_addresses

    leaders = split_addresses(str((book.mail or {}).get(S.MAIL_LEADERS) or ""))
    shared = shared_addresses(book.reporters, leaders)
    return [warning("REPORTER_SHARED_EMAIL", r.source.at(5),
                    f"电子邮箱“{r.email.strip()}”也是{'、'.join(shared[r.id])}的邮箱：发送邮件时不会发给这一位"
                    "（以免别人收到其反馈意见）；确是同一邮箱，发送时加 --allow-shared-address", found=r.email)
            for r in book.reporters if r.id in shared]


VALIDATORS: tuple[Callable[[Book], list[Issue]], ...] = (
    check_reporters, check_items, check_categories, check_rules, check_ballot_ids, check_balance,
    check_comments, check_rectifications, check_shared_emails,
)


def validate(book: Book, extra: Iterable[Callable[[Book], list[Issue]]] = ()) -> list[Issue]:
    issues: list[Issue] = []
    for validator in (*VALIDATORS, *extra):
        issues.extend(validator(book))
    return issues


# The settings the count reads: a formula there with no computed value in the file (saved
# by a program that does not calculate, e.g. openpyxl) would read as blank (equal weights,
# no cap…), so it is an error at its cell; a formula with its computed value reads as that value.
FORMULA_SETTINGS_SHEETS = (S.SHEET_CATEGORIES, S.SHEET_ITEMS, S.SHEET_RULES, S.SHEET_PARAMS,
                           S.SHEET_MEETING, S.SHEET_REPORTERS)
FORMULA_NO_VALUE_MESSAGE = ("此单元格是公式，但文件中没有它的计算结果（可能被其他程序保存过）："
                            "请在 Excel 中打开并保存一次，或改为直接填写数值")


def check_uncached_formulas(source) -> list[Issue]:
    issues = []
    names = set(source.sheet_names)
    for sheet in FORMULA_SETTINGS_SHEETS:
        if sheet not in names:
            continue
        for row, col in sorted(getattr(source.facts(sheet), "uncached", ())):
            issues.append(error("FORMULA_NO_VALUE", Source(sheet, row, col), FORMULA_NO_VALUE_MESSAGE))
    return issues


def load_source(source, path: str = "") -> tuple[Book, list[Issue]]:
    book, issues = parse_book(source, path)
    return book, sorted_issues([*issues, *validate(book), *check_uncached_formulas(source)])


__all__ = ["VALIDATORS", "validate", "load_source"]
