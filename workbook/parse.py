"""From sheet rows to records: `parse_book(source) -> (Book, issues)`.

Each `parse_<sheet>` turns one sheet's rows into records and reports every cell it
cannot understand (never raising on clerk data). Checks across records and sheets are
in validate.py.
"""
from __future__ import annotations

import datetime as _dt
import re
from fractions import Fraction
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import schema as S
from .errors import ConditionError, SheetTooLarge
from .issues import Issue, Source, error, warning
from .model import (Adjudication, BallotSheet, Book, Cap, Category, Comment, Item, Meeting,
                    Params, RectificationRow, Reporter, Rule)
from .normalize import (clean_text, grade_code, is_blank, shown, is_percent_text, to_count, to_exact,
                        to_share, void_flag)
from .rules import parse_condition

Rows = list[list[Any]]


def _cell(row: Sequence[Any], col: int) -> Any:
    return row[col] if col < len(row) else None


def _data_rows(rows: Rows, first: int = 1) -> Iterator[tuple[int, list[Any]]]:
    """(0-based sheet row, cells) of every row below the header holding anything."""
    for index in range(first, len(rows)):
        row = rows[index]
        if any(not is_blank(v) for v in row):
            yield index, row


def _text(row: Sequence[Any], col: int) -> str:
    return clean_text(_cell(row, col))


def _raw_text(row: Sequence[Any], col: int) -> str:
    """Free text kept as typed (only trimmed): comments, problems, names of things."""
    value = _cell(row, col)
    return "" if value is None else str(value).strip()


def check_header(spec: S.SheetSpec, rows: Rows) -> list[Issue]:
    header = rows[0] if rows else []
    issues = []
    for col, column in enumerate(spec.columns):
        expected = column.header
        found = clean_text(_cell(header, col))
        if column.optional and not found and not any(_cell(header, c) for c in range(col, len(header))):
            break   # an older workbook without the trailing optional columns
        if found != clean_text(expected):
            shown = f"“{found}”" if found else "空白"
            issues.append(error(
                "HEADER_MISMATCH", Source(spec.name, 0, col),
                f"表头应为“{expected}”，实际是{shown}；请不要改动或移动表头", expected=expected, found=found))
    return issues


def _choice(row, col, choices, sheet, row_index, code, what, issues, required=True) -> str | None:
    text = _text(row, col)
    if not text:
        if required:
            issues.append(error(code, Source(sheet, row_index, col),
                                f"{what}未填写，应为 {' / '.join(choices)}", found=""))
        return None
    if text not in choices:
        issues.append(error(code, Source(sheet, row_index, col),
                            f"无法识别的{what}“{text}”，应为 {' / '.join(choices)}",
                            found=text, expected=choices))
        return None
    return text


def _number(convert: Callable[[Any], Any], row, col, source: Source, code: str, what: str,
            issues: list[Issue]):
    try:
        return convert(_cell(row, col))
    except ValueError:
        issues.append(error(code, source.at(col),
                            f"{what}“{_raw_text(row, col)}”不是有效的数值", found=_raw_text(row, col)))
        return None


# --- key/value sheets ---------------------------------------------------------------
def _key_values(sheet: str, rows: Rows, keys: Sequence[str], issues: list[Issue]) -> dict[str, tuple[Any, Source]]:
    values: dict[str, tuple[Any, Source]] = {}
    known = {clean_text(k): k for k in keys}  # NFKC: （天） and (天) are the same key
    for index, row in _data_rows(rows):
        key = _text(row, 0)
        if key in known:
            values[known[key]] = (_cell(row, 1), Source(sheet, index, 1))
        elif key:
            issues.append(warning("UNKNOWN_SETTING", Source(sheet, index, 0),
                                  f"不认识的项目“{key}”，将被忽略", found=key))
    return values


DATE_RANGE = (_dt.date(2000, 1, 1), _dt.date(2100, 12, 31))
DEADLINE_RANGE = (1, 3650)
_DATE_SPELLINGS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
DATE_HINT = "请填写日期，如 2024-01-18、2024/1/18、2024年1月18日 或 2024.1.18"


def parse_date_text(text: str) -> _dt.date | None:
    """2024-01-18, 2024/1/18, 2024.1.18, 2024年1月18日 (spaces ignored); None if none of these."""
    text = "".join(clean_text(text).split())
    for spelling in _DATE_SPELLINGS:
        match = spelling.match(text)
        if match:
            try:
                return _dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def meeting_date(raw: Any) -> tuple[_dt.date | None, str]:
    """会议日期: (the date, "") or (None, the problem in Chinese); blank is (None, "")."""
    if is_blank(raw):
        return None, ""
    if isinstance(raw, _dt.datetime):
        day: _dt.date | None = raw.date()
    elif isinstance(raw, _dt.date):
        day = raw
    elif isinstance(raw, str):
        day = parse_date_text(raw)
        if day is None:
            return None, f"会议日期“{shown(raw)}”不是日期。{DATE_HINT}"
    else:
        return None, f"会议日期“{shown(raw)}”是一个数，不是日期。{DATE_HINT}"
    low, high = DATE_RANGE
    if not low <= day <= high:
        return None, (f"会议日期“{day.isoformat()}”不在 {low.year}—{high.year} 年之间，可能是输入错误，"
                      f"请核对")
    return day, ""


def deadline_days(raw: Any) -> tuple[int | None, str]:
    """整改期限（天）: a whole number of days, 1-3650; (None, problem) otherwise."""
    if is_blank(raw):
        return None, ""
    low, high = DEADLINE_RANGE
    text = shown(raw)
    try:
        days = to_count(raw)
    except ValueError:
        days = None
    if days is not None and low <= days <= high:
        return days, ""
    if isinstance(raw, (_dt.date, _dt.datetime)) or (
            days is not None and len(str(days)) == 8 and parse_date_text(f"{str(days)[:4]}-{str(days)[4:6]}-"
                                                                         f"{str(days)[6:]}")):
        return None, (f"整改期限（天）“{text}”看起来是一个日期；这里应填天数（如 60 表示会后 60 天内完成），"
                      f"不是截止日期")
    return None, f"整改期限（天）应为 {low}～{high} 的整数天数，实际是“{text}”"


def parse_meeting(rows: Rows) -> tuple[Meeting, list[Issue]]:
    issues: list[Issue] = []
    values = _key_values(S.SHEET_MEETING, rows, S.MEETING_KEYS, issues)

    def text(key: str) -> str:
        return clean_text(values.get(key, (None, None))[0])

    deadline = None
    if S.MEETING_DEADLINE_DAYS in values:
        raw, source = values[S.MEETING_DEADLINE_DAYS]
        deadline, problem = deadline_days(raw)
        if problem:
            issues.append(error("MEETING_BAD_DEADLINE", source, problem, found=shown(raw)))
    date = None
    if S.MEETING_DATE in values:
        raw, source = values[S.MEETING_DATE]
        date, problem = meeting_date(raw)
        if problem:
            issues.append(error("MEETING_BAD_DATE", source, problem, found=shown(raw)))
    if not text(S.MEETING_TITLE):
        issues.append(warning("MEETING_TITLE_MISSING", Source(S.SHEET_MEETING, None, None),
                              "会议名称未填写，通知和通报中将缺少会议名称"))
    return Meeting(
        title=text(S.MEETING_TITLE), year=text(S.MEETING_YEAR),
        typed_title=str(values.get(S.MEETING_TITLE, (None, None))[0] or "").strip(" \t\r\n\u3000"),
        date=date,
        organizer=text(S.MEETING_ORGANIZER), doc_number=text(S.MEETING_DOC_NUMBER),
        bulletin_number=text(S.MEETING_BULLETIN_NUMBER),
        deadline_days=deadline, contact=text(S.MEETING_CONTACT), phone=text(S.MEETING_PHONE),
    ), issues


def parse_mail(rows: Rows) -> tuple[dict[str, Any], list[Issue]]:
    issues: list[Issue] = []
    values = _key_values(S.SHEET_MAIL, rows, S.MAIL_KEYS, issues)
    settings = {key: value for key, (value, _) in values.items()}
    if S.MAIL_ENCRYPTION in values and not is_blank(values[S.MAIL_ENCRYPTION][0]):
        text = clean_text(values[S.MAIL_ENCRYPTION][0]).upper()
        if text not in {c.upper() for c in S.ENCRYPTIONS}:
            issues.append(error("MAIL_BAD_ENCRYPTION", values[S.MAIL_ENCRYPTION][1],
                                f"加密方式“{clean_text(values[S.MAIL_ENCRYPTION][0])}”无法识别，应为 "
                                f"{' / '.join(S.ENCRYPTIONS)}"))
    if S.MAIL_PORT in values and not is_blank(values[S.MAIL_PORT][0]):
        try:
            port = to_count(values[S.MAIL_PORT][0])
            if not port or port > 65535:
                raise ValueError
        except ValueError:
            issues.append(error("MAIL_BAD_PORT", values[S.MAIL_PORT][1],
                                f"端口“{clean_text(values[S.MAIL_PORT][0])}”应为 1～65535 的整数"))
    return settings, issues


def parse_params(rows: Rows) -> tuple[Params, list[Issue]]:
    issues: list[Issue] = []
    names = [name for name, _, _ in S.PARAM_DEFAULTS]
    values = _key_values(S.SHEET_PARAMS, rows, names, issues)
    defaults = {name: value for name, value, _ in S.PARAM_DEFAULTS}
    got: dict[str, Any] = {}
    for name in names:
        if name not in values or is_blank(values[name][0]):
            if name in S.PARAM_OPTIONAL:
                got[name] = defaults[name]
                continue
            issues.append(warning("PARAM_MISSING", Source(S.SHEET_PARAMS, None, None),
                                  f"参数“{name}”未填写，按默认值 {defaults[name]} 计算", param=name))
            got[name] = defaults[name]
            continue
        raw, source = values[name]
        if name in S.GRADES:
            try:
                value = to_exact(raw)
                if value is None or value < 0:
                    raise ValueError
                got[name] = value
            except ValueError:
                issues.append(error("PARAM_BAD_VALUE", source, f"“{name}”的分值应为不小于0的数，实际是“{clean_text(raw)}”",
                                    param=name))
        elif name in (S.PARAM_MIN_VOTES, S.PARAM_DECIMALS):
            try:
                value = to_count(raw)
                low, high = (1, 1000) if name == S.PARAM_MIN_VOTES else (0, 6)
                if value is None or not low <= value <= high:
                    raise ValueError
                got[name] = value
            except ValueError:
                issues.append(error("PARAM_BAD_VALUE", source,
                                    f"“{name}”应为 {1 if name == S.PARAM_MIN_VOTES else 0}～"
                                    f"{1000 if name == S.PARAM_MIN_VOTES else 6} 的整数，实际是“{clean_text(raw)}”",
                                    param=name))
        else:
            text = clean_text(raw)
            if name == S.PARAM_PAPER:
                text = text.upper()            # a4 is A4
            choices = S.PARAM_CHOICES[name]
            if text not in choices:
                issues.append(error("PARAM_BAD_VALUE", source,
                                    f"“{name}”应为 {' / '.join(choices)}，实际是“{text}”", param=name))
            else:
                got[name] = text
    points = tuple(Fraction(got.get(g, defaults[g])) for g in S.GRADES)
    if list(points) != sorted(points, reverse=True):
        issues.append(warning("PARAM_POINTS_ORDER", Source(S.SHEET_PARAMS, None, None),
                              "分值没有按 好 ≥ 较好 ≥ 一般 ≥ 差 排列，请核对"))
    return Params(
        points=points,  # type: ignore[arg-type]
        min_votes=int(got.get(S.PARAM_MIN_VOTES, defaults[S.PARAM_MIN_VOTES])),
        decimals=int(got.get(S.PARAM_DECIMALS, defaults[S.PARAM_DECIMALS])),
        bulletin_rates=got.get(S.PARAM_BULLETIN_RATES, defaults[S.PARAM_BULLETIN_RATES]) == S.YES,
        notice_rank=got.get(S.PARAM_NOTICE_RANK, defaults[S.PARAM_NOTICE_RANK]) == S.YES,
        bulletin_order=str(got.get(S.PARAM_BULLETIN_ORDER, defaults[S.PARAM_BULLETIN_ORDER])),
        notice_numbers=str(got.get(S.PARAM_NOTICE_NUMBERS, defaults[S.PARAM_NOTICE_NUMBERS])),
        paper=str(got.get(S.PARAM_PAPER, defaults[S.PARAM_PAPER])),
    ), issues


# --- list sheets -----------------------------------------------------------------
def parse_reporters(rows: Rows) -> tuple[list[Reporter], list[Issue]]:
    sheet = S.SHEET_REPORTERS
    issues: list[Issue] = []
    reporters = []
    for index, row in _data_rows(rows):
        source = Source(sheet, index, None)
        rid = _text(row, 0)
        name = _text(row, 2)
        if not rid:
            issues.append(error("REPORTER_ID_MISSING", source.at(0), "编号未填写（每位述职人需要唯一编号，如 01）"))
        elif isinstance(_cell(row, 0), (int, float)) and not isinstance(_cell(row, 0), bool):
            padded = rid.zfill(2) if rid.isdigit() else rid
            issues.append(warning("REPORTER_ID_NUMBER", source.at(0),
                                  f"编号是数字 {rid}：Excel 会把 01 变成 1；建议把编号列设为“文本”格式后输入 {padded}"
                                  f"（或输入 '{padded}）", found=rid, expected=padded))
        if not name:
            issues.append(error("REPORTER_NAME_MISSING", source.at(2), "姓名未填写"))
        mode = _choice(row, 4, S.MODES, sheet, index, "REPORTER_BAD_MODE", "述职方式", issues, required=False)
        if not _text(row, 4):
            issues.append(warning("REPORTER_MODE_MISSING", source.at(4), "述职方式未填写（现场 / 书面）"))
        email = _text(row, 5)
        if email and ("@" not in email or " " in email):
            issues.append(warning("REPORTER_BAD_EMAIL", source.at(5), f"电子邮箱“{email}”格式不对，发送邮件时将跳过"))
        reporters.append(Reporter(rid, _raw_text(row, 1), name, _raw_text(row, 3), mode, email,
                                  _raw_text(row, 6), source))
    if not reporters:
        issues.append(error("REPORTERS_EMPTY", Source(sheet, None, None), "述职人名单为空，请先填写述职人"))
    return reporters, issues


def _weight(row, col, source, code, issues) -> Fraction | None:
    try:
        weight = to_share(_cell(row, col))
    except ValueError:
        issues.append(error(code, source.at(col), f"权重“{_raw_text(row, col)}”不是有效的数值（可写 40%、0.4 或 40）",
                            found=_raw_text(row, col)))
        return None
    if weight is not None and weight < 0:
        issues.append(error(code, source.at(col), f"权重不能为负数：“{_raw_text(row, col)}”"))
        return None
    return weight


def parse_items(rows: Rows) -> tuple[list[Item], list[Issue]]:
    sheet = S.SHEET_ITEMS
    issues: list[Issue] = []
    items = []
    for index, row in _data_rows(rows):
        source = Source(sheet, index, None)
        name = _text(row, 0)
        if not name:
            issues.append(error("ITEM_NAME_MISSING", source.at(0), "评议项目名称未填写"))
        kind = _choice(row, 1, S.ITEM_TYPES, sheet, index, "ITEM_BAD_TYPE", "类型", issues)
        items.append(Item(name, kind, _weight(row, 2, source, "ITEM_BAD_WEIGHT", issues), source,
                          not is_blank(_cell(row, 2))))
    if not items:
        issues.append(error("ITEMS_EMPTY", Source(sheet, None, None), "评议项目为空，至少需要一项（如 总体评价）"))
    return items, issues


def parse_categories(rows: Rows) -> tuple[list[Category], list[Issue]]:
    sheet = S.SHEET_CATEGORIES
    issues: list[Issue] = []
    categories = []
    for index, row in _data_rows(rows):
        source = Source(sheet, index, None)
        name = _text(row, 0)
        if not name:
            issues.append(error("CATEGORY_NAME_MISSING", source.at(0), "评议人类别名称未填写"))
        weight = _weight(row, 1, source, "CATEGORY_BAD_WEIGHT", issues)
        issued = None
        try:
            issued = to_count(_cell(row, 2))
        except ValueError:
            issues.append(error("CATEGORY_BAD_ISSUED", source.at(2),
                                f"发放票数应为不小于0的整数，实际是“{_raw_text(row, 2)}”", found=_raw_text(row, 2)))
        categories.append(Category(name, weight, issued, source, not is_blank(_cell(row, 1))))
    if not categories:
        issues.append(error("CATEGORIES_EMPTY", Source(sheet, None, None),
                            "评议人类别为空，至少需要一类（如 全体参会人员）"))
    return categories, issues


def parse_cap(raw: Any) -> Cap | None:
    """名额上限: whole number >= 1 = a count; a share (30%, 0.3, "30%") of all reporters."""
    number = to_exact(raw)
    if number is None:
        return None
    if is_percent_text(raw) or 0 < number < 1:
        if not 0 < number <= 1:
            raise ValueError(raw)
        return Cap(share=number)
    if number.denominator == 1 and number >= 1:
        return Cap(count=int(number))
    raise ValueError(raw)


def parse_rules(rows: Rows) -> tuple[list[Rule], list[Issue]]:
    sheet = S.SHEET_RULES
    issues: list[Issue] = []
    rules = []
    for index, row in _data_rows(rows):
        source = Source(sheet, index, None)
        order = _number(to_exact, row, 0, source, "RULE_BAD_ORDER", "顺序", issues)
        if order is None and is_blank(_cell(row, 0)):
            issues.append(error("RULE_BAD_ORDER", source.at(0), "顺序未填写（规则按顺序从小到大逐条判断）"))
        grade = _choice(row, 1, S.GRADES, sheet, index, "RULE_BAD_GRADE", "等次", issues)
        text = _raw_text(row, 2)
        condition = None
        condition_ok = True
        try:
            condition = parse_condition(text)
        except ConditionError as exc:
            condition_ok = False
            issues.append(error("RULE_BAD_CONDITION", source.at(2), f"条件“{shown(text, 60)}”有误：{exc.message}",
                                position=exc.position, found=text))
        cap = None
        try:
            cap = parse_cap(_cell(row, 3))
        except ValueError:
            issues.append(error("RULE_BAD_CAP", source.at(3),
                                f"名额上限“{_raw_text(row, 3)}”无效：应为不小于1的整数（人数）或比例（如 30% 或 0.3）",
                                found=_raw_text(row, 3)))
        if cap is not None and grade == S.GRADE_POOR:
            issues.append(error("RULE_CAP_ON_POOR", source.at(3), "“差”等次不能设名额上限（超出名额的人无处可降）"))
            cap = None
        if order is not None and grade is not None and condition_ok:
            rules.append(Rule(order, grade, text, condition, cap, source))
    if not rules and not issues:
        issues.append(error("RULES_EMPTY", Source(sheet, None, None), "等次规则为空，无法评定等次"))
    return rules, issues


def parse_comments(rows: Rows) -> tuple[list[Comment], list[Issue]]:
    issues: list[Issue] = []
    comments = []
    for index, row in _data_rows(rows):
        source = Source(S.SHEET_COMMENTS, index, None)
        rid = _text(row, 0)
        if not rid:
            issues.append(error("COMMENT_ID_MISSING", source.at(0), "点评未填写述职人编号"))
        comments.append(Comment(rid, _text(row, 1) or S.AREA_GENERAL, _raw_text(row, 2), _raw_text(row, 3),
                                _raw_text(row, 4), _raw_text(row, 5), source))
    return comments, issues


def parse_rectifications(rows: Rows) -> tuple[list[RectificationRow], list[Issue]]:
    sheet = S.SHEET_RECTIFY
    issues: list[Issue] = []
    result = []
    for index, row in _data_rows(rows):
        source = Source(sheet, index, None)
        status = _choice(row, 8, S.RECT_STATUSES, sheet, index, "RECT_BAD_STATUS", "整改状态", issues,
                         required=False)
        result.append(RectificationRow(
            _text(row, 0), _text(row, 1), _raw_text(row, 2), _text(row, 3), _raw_text(row, 4),
            _raw_text(row, 5), _raw_text(row, 6), _cell(row, 7), status or "", _cell(row, 9),
            _raw_text(row, 10), _raw_text(row, 11), source, _raw_text(row, 12), _cell(row, 13)))
    return result, issues


def parse_adjudications(rows: Rows) -> tuple[list[Adjudication], list[Issue]]:
    result = []
    for index, row in _data_rows(rows):
        result.append(Adjudication(_text(row, 0), _text(row, 1), _text(row, 2), _raw_text(row, 3),
                                   _text(row, 4), _raw_text(row, 5), _raw_text(row, 6),
                                   Source(S.SHEET_ADJUDICATION, index, None)))
    return result, []


# --- the ballot sheet -------------------------------------------------------------
def label_key(text: str) -> str:
    """A row-1 reporter label compared without any spaces ("03 王五" = "03王五")."""
    return "".join(clean_text(text).split())


def _label_parts(label: str) -> tuple[str, str]:
    """"03 王五" -> ("03", "王五")."""
    parts = clean_text(label).split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0] if parts else "", "")


def _pair_unknown_labels(groups: list[tuple[int, str]], labels: dict[str, int],
                         reporters: Sequence[Reporter]) -> dict[int, tuple[int, str]]:
    """Header labels that match no reporter exactly, paired with the reporter they most
    likely were: {label column: (reporter index, how)}; how is "zeros" (Excel made 01 into
    1), "name" (same 编号, another 姓名) or "id" (same 姓名, another 编号). Only pairs that
    are unique on both sides: a cascade is then reported once, at its cause."""
    matched = {labels[label_key(label)] for _, label in groups if label_key(label) in labels}
    free = [r for r in range(len(reporters)) if r not in matched and reporters[r].id]
    pairs: dict[int, tuple[int, str]] = {}
    taken: set[int] = set()
    for how in ("zeros", "name", "id"):
        for col, label in groups:
            if label_key(label) in labels or col in pairs:
                continue
            rid, name = _label_parts(label)
            name_key = "".join(name.split())

            def fits(r: int) -> bool:
                reporter = reporters[r]
                same_name = "".join(reporter.name.split()) == name_key
                if how == "zeros":
                    return same_name and reporter.id != rid and reporter.id.lstrip("0") == rid.lstrip("0")
                if how == "name":
                    return reporter.id == rid and not same_name
                return same_name and reporter.id != rid
            found = [r for r in free if r not in taken and fits(r)]
            if len(found) == 1:
                pairs[col] = (found[0], how)
                taken.add(found[0])
    return pairs


def map_ballot_columns(sheet: str, rows: Rows, reporters: Sequence[Reporter],
                       items: Sequence[Item], loose: bool = False,
                       orphans: set[int] | None = None) -> tuple[dict[int, tuple[int, int]], list[Issue]]:
    """Read rows 1-2 of 评议票: {sheet column: (reporter index, item index)}.

    Columns are found by their labels, not by position, so a late reporter or item
    appended at the right end (TEMPLATE.md section 2) reads correctly.
    With `loose` (reading the forms, never laying the header out), a label that matches
    no reporter but plainly was one (01 typed as 1 in 述职人, a changed 姓名) is reported
    once at its cause, with the number of typed cells it holds, and its columns are read
    as that reporter's (the error keeps them from being counted); the columns under a
    label that matches nobody go to `orphans`, reported once at the label.
    """
    issues: list[Issue] = []
    top = rows[0] if rows else []
    second = rows[1] if len(rows) > 1 else []
    for col, expected in enumerate(S.BALLOT_FIXED):
        found = clean_text(_cell(top, col))
        if found != expected:
            issues.append(error("BALLOT_HEADER_FIXED", Source(sheet, 0, col),
                                f"表头应为“{expected}”，实际是“{found or '空白'}”"))
    labels: dict[str, int] = {}
    for index, reporter in enumerate(reporters):
        if reporter.id:
            labels.setdefault(label_key(S.ballot_reporter_label(reporter.id, reporter.name)), index)
    item_names = {item.name: index for index, item in enumerate(items) if item.name}
    mapping: dict[int, tuple[int, int]] = {}
    seen: dict[tuple[int, int], int] = {}
    width = max(len(top), len(second))
    groups = [(col, clean_text(_cell(top, col))) for col in range(S.BALLOT_FIRST_GRADE_COL, width)
              if clean_text(_cell(top, col))]
    spans = {col: range(col, groups[k + 1][0] if k + 1 < len(groups) else width)
             for k, (col, _) in enumerate(groups)}
    pairs = _pair_unknown_labels(groups, labels, reporters) if loose else {}

    def typed_under(col: int) -> int:
        return sum(1 for row in rows[S.BALLOT_HEADER_ROWS:] for c in spans[col]
                   if c < len(row) and not is_blank(row[c]))

    current: int | None = None
    in_group = False
    unknown_labels: list[int] = []
    for col in range(S.BALLOT_FIRST_GRADE_COL, width):
        label = clean_text(_cell(top, col))
        if label:
            in_group = True
            current = labels.get(label_key(label))
            if current is None and col in pairs:
                current, how = pairs[col]
                reporter = reporters[current]
                count = typed_under(col)
                typed = f"此人已录入的 {count} 个评价" if count else "此人的各列"
                if how == "zeros":
                    rid = _label_parts(label)[0]
                    issues.append(error(
                        "REPORTER_ID_CHANGED", Source(S.SHEET_REPORTERS, reporter.source.row, 0),
                        f"编号是“{reporter.id}”，而评议票表头（{Source(sheet, 0, col).cell}）是“{label}”："
                        f"多半是 Excel 把文本“{rid}”变成了数字 {reporter.id}。请把这一格设为“文本”格式后重新输入"
                        f"“{rid}”（或输入 '{rid}）；{typed}要等编号改回后才能计票",
                        found=reporter.id, expected=rid, cells=count))
                else:
                    what = "姓名" if how == "name" else "编号"
                    issues.append(error(
                        "BALLOT_HEADER_REPORTER_CHANGED", Source(sheet, 0, col),
                        f"表头“{label}”与“述职人”表第{reporter.source.row + 1}行的“{reporter.label}”{what}不同："
                        f"如果改过“述职人”表，请改回；如果是表头写错，请改正表头。{typed}要等两处一致后才能计票",
                        found=label, expected=reporter.label, cells=count))
            elif current is None:
                unknown_labels.append(col)
                count = typed_under(col) if loose else 0
                if orphans is not None:
                    orphans.update(spans[col])
                issues.append(error("BALLOT_HEADER_UNKNOWN_REPORTER", Source(sheet, 0, col),
                                    f"表头“{label}”与“述职人”表中的任何人（编号 姓名）都对不上"
                                    + (f"；其下已录入的 {count} 个评价无法计票" if count else ""),
                                    found=label, cells=count))
        item_text = clean_text(_cell(second, col))
        if not item_text:
            if label:
                issues.append(error("BALLOT_HEADER_UNKNOWN_ITEM", Source(sheet, 1, col), "缺少评议项目名称"))
            continue
        if not in_group:
            issues.append(error("BALLOT_HEADER_UNKNOWN_REPORTER", Source(sheet, 0, col),
                                "此列上方没有述职人（编号 姓名）"))
            continue
        if current is None:
            continue  # under an unknown reporter: reported once, at the label
        if item_text not in item_names:
            issues.append(error("BALLOT_HEADER_UNKNOWN_ITEM", Source(sheet, 1, col),
                                f"项目“{item_text}”不在“评议项目”表中", found=item_text))
            continue
        pair = (current, item_names[item_text])
        if pair in seen:
            issues.append(error("BALLOT_HEADER_DUPLICATE", Source(sheet, 1, col),
                                f"“{reporters[current].label}”的“{item_text}”重复出现（另见 "
                                f"{Source(sheet, 1, seen[pair]).cell}）"))
            continue
        seen[pair] = col
        mapping[col] = pair
    if reporters and items:
        if not mapping and not any(i.code.startswith("BALLOT_HEADER_UNKNOWN") for i in issues):
            issues.append(error("BALLOT_NOT_PREPARED", Source(sheet, 0, S.BALLOT_FIRST_GRADE_COL),
                                "评议票尚未生成表头（述职人 × 评议项目），请先运行“生成评议票”（shuping prepare）"))
        elif mapping:
            unknown = "、".join(Source(sheet, 0, c).cell for c in unknown_labels)
            for r, reporter in enumerate(reporters):
                missing = [item for i, item in enumerate(items) if (r, i) not in seen and item.name]
                if not reporter.id or not missing:
                    continue
                if len(missing) == len(items):    # one problem per reporter, not per item
                    advice = (f"表头中有对不上的述职人（{unknown}）：如果改过“述职人”表中此人的编号或姓名，请改回；"
                              "确是新增的述职人，再运行“生成评议票”" if unknown_labels
                              else "请运行“生成评议票”补齐")
                    issues.append(error("BALLOT_HEADER_MISSING", Source(sheet, 0, None),
                                        f"评议票中没有“{reporter.label}”的列（{len(items)} 个评议项目）；{advice}",
                                        reporter=reporter.id, item=""))
                    continue
                for item in missing:
                    issues.append(error("BALLOT_HEADER_MISSING", Source(sheet, 0, None),
                                        f"评议票缺少“{reporter.label}”的“{item.name}”列，请运行“生成评议票”补齐",
                                        reporter=reporter.id, item=item.name))
    return mapping, issues


def parse_ballots(sheet: str, rows: Rows, facts, reporters: Sequence[Reporter], items: Sequence[Item],
                  categories: Sequence[Category]) -> tuple[BallotSheet, list[Issue]]:
    orphans: set[int] = set()
    mapping, issues = map_ballot_columns(sheet, rows, reporters, items, loose=True, orphans=orphans)
    n_rep, n_item = len(reporters), len(items)
    grade_cols = sorted(mapping)
    flat_target = np.array([mapping[c][0] * n_item + mapping[c][1] for c in grade_cols], dtype=np.intp)
    known_cols = set(grade_cols) | set(range(S.BALLOT_FIRST_GRADE_COL)) | orphans   # orphans: reported at their label
    category_index = {c.name: k for k, c in enumerate(categories) if c.name}
    single_category = 0 if len(categories) == 1 else -1

    str_codes: dict[str, int] = {}
    n_grade = len(grade_cols)
    first_grade = grade_cols[0] if grade_cols else 0
    end_grade = first_grade + n_grade
    contiguous = grade_cols == list(range(first_grade, end_grade))

    def code_of(value: Any) -> int:
        if value is None:
            return S.CODE_BLANK
        if value.__class__ is str:
            code = str_codes.get(value)
            if code is None:
                code = str_codes[value] = grade_code(value)
            return code
        return grade_code(value)

    form_rows: list[int] = []
    ids: list[str] = []
    cats: list[int] = []
    voids: list[bool] = []
    code_rows: list[list[int]] = []
    last_known = max(known_cols) if known_cols else 0
    grid = rows if hasattr(rows, "encoded") else None   # io.arrow_reader.BallotGrid: columns
    if grid is not None:
        codes, form_rows, ids, cats, voids = _grid_forms(
            sheet, grid, grade_cols, known_cols, last_known, code_of, category_index, single_category, issues)
    for index in range(S.BALLOT_HEADER_ROWS, len(rows) if grid is None else 0):
        row = rows[index]
        if not any(v is not None and not is_blank(v) for v in row):
            continue
        source = Source(sheet, index, None)
        if len(row) > last_known + 1:
            for col in range(last_known + 1, len(row)):
                if not is_blank(row[col]):
                    issues.append(error("BALLOT_DATA_OUTSIDE", source.at(col),
                                        f"此列没有表头（不属于任何述职人和项目），内容“{shown(row[col])}”不会被计票"))
        for col in range(S.BALLOT_FIRST_GRADE_COL, min(len(row), last_known + 1)):
            if col not in known_cols and not is_blank(row[col]):
                issues.append(error("BALLOT_DATA_OUTSIDE", source.at(col),
                                    f"此列没有有效表头，内容“{shown(row[col])}”不会被计票"))
        ballot_id = clean_text(_cell(row, 0))
        if not ballot_id:
            issues.append(warning("BALLOT_ID_MISSING", source.at(0),
                                  f"票号未填写，以行号代替（第{index + 1}行）"))
            ballot_id = f"行{index + 1}"
        category_text = clean_text(_cell(row, 1))
        if category_text:
            category = category_index.get(category_text, -1)
            if category < 0:
                issues.append(error("BALLOT_UNKNOWN_CATEGORY", source.at(1),
                                    f"评议人类别“{shown(category_text)}”不在“评议人类别”表中（应为 "
                                    f"{' / '.join(category_index)}）", found=category_text))
        else:
            category = single_category
            if category < 0:
                issues.append(error("BALLOT_CATEGORY_MISSING", source.at(1),
                                    "评议人类别未填写（有多个类别时必须填写）"))
        void = void_flag(_cell(row, 2))
        if void is None:
            issues.append(error("BALLOT_BAD_VOID", source.at(2),
                                f"作废栏“{shown(_cell(row, 2))}”无法识别：作废填“是”，不作废留空或填“否”",
                                found=shown(_cell(row, 2))))
        form_rows.append(index)
        ids.append(ballot_id)
        cats.append(category)
        voids.append(bool(void))
        width = len(row)
        if contiguous:
            piece = row[first_grade:end_grade]
            codes_row = [str_codes[v] if v.__class__ is str and v in str_codes else code_of(v) for v in piece]
            if len(codes_row) < n_grade:
                codes_row += [S.CODE_BLANK] * (n_grade - len(codes_row))
            code_rows.append(codes_row)
        else:
            code_rows.append([code_of(row[c]) if c < width else S.CODE_BLANK for c in grade_cols])

    n_forms = len(form_rows)
    if grid is None:
        codes = np.array(code_rows, dtype=np.int8).reshape(n_forms, len(grade_cols))
    grades = np.full((n_forms, n_rep * n_item), S.CODE_BLANK, dtype=np.int8)
    if grade_cols:
        grades[:, flat_target] = codes
    grades = grades.reshape(n_forms, n_rep, n_item)

    for form, position in np.argwhere(codes == S.CODE_INVALID):
        row_index, col = form_rows[form], grade_cols[position]
        typed = shown(rows[row_index][col] if grid is None else grid.value(row_index, col))
        issues.append(error("BALLOT_BAD_GRADE", Source(sheet, row_index, col),
                            f"无法识别的评价“{typed}”，应为 好/较好/一般/差（或 1-4、A-D），多选请填“多选”",
                            found=typed))
    issues.extend(_fact_issues(sheet, facts, set(grade_cols) | {0, 1, 2}, form_rows))
    return BallotSheet(
        sheet=sheet, grades=grades, rows=np.array(form_rows, dtype=np.int64), ballot_ids=tuple(ids),
        category=np.array(cats, dtype=np.int64), void=np.array(voids, dtype=bool),
        columns={pair: col for col, pair in mapping.items()},
    ), issues


def _grid_forms(sheet: str, grid, grade_cols: list[int], known_cols: set[int], last_known: int,
                code_of: Callable[[Any], int], category_index: dict[str, int], single_category: int,
                issues: list[Issue]):
    """The forms of a BallotGrid on arrays: every distinct spelling of the sheet coded once
    through the normaliser, the grid coded by lookup. Issues come in the order the row loop
    of `parse_ballots` gives them (row by row)."""
    first = S.BALLOT_HEADER_ROWS
    body = grid.indices[:, first:]
    blank = grid.lookup("blank", is_blank, bool)
    filled = ~blank[body]                                   # (columns, rows)
    typed = filled.any(axis=0)
    positions = np.flatnonzero(typed)
    form_rows = [int(p) + first for p in positions]
    outside: dict[int, list[int]] = {}
    # cells under no header, in the row loop's order: right of the last known column first
    loose = [c for c in range(grid.width) if c > last_known] + \
            [c for c in range(S.BALLOT_FIRST_GRADE_COL, min(last_known + 1, grid.width)) if c not in known_cols]
    for col in loose:
        for p in np.flatnonzero(filled[col]):
            outside.setdefault(int(p) + first, []).append(col)
    values = grid.values
    fixed = []
    for col in range(S.BALLOT_FIRST_GRADE_COL):
        if col < grid.width:
            fixed.append([values[k] for k in body[col, positions].tolist()])
        else:
            fixed.append([None] * len(positions))
    ids: list[str] = []
    cats: list[int] = []
    voids: list[bool] = []
    for n, index in enumerate(form_rows):
        source = Source(sheet, index, None)
        for col in outside.get(index, ()):
            value = grid.value(index, col)
            if col > last_known:
                issues.append(error("BALLOT_DATA_OUTSIDE", source.at(col),
                                    f"此列没有表头（不属于任何述职人和项目），内容“{shown(value)}”不会被计票"))
            else:
                issues.append(error("BALLOT_DATA_OUTSIDE", source.at(col),
                                    f"此列没有有效表头，内容“{shown(value)}”不会被计票"))
        ballot_id = clean_text(fixed[0][n])
        if not ballot_id:
            issues.append(warning("BALLOT_ID_MISSING", source.at(0),
                                  f"票号未填写，以行号代替（第{index + 1}行）"))
            ballot_id = f"行{index + 1}"
        category_text = clean_text(fixed[1][n])
        if category_text:
            category = category_index.get(category_text, -1)
            if category < 0:
                issues.append(error("BALLOT_UNKNOWN_CATEGORY", source.at(1),
                                    f"评议人类别“{shown(category_text)}”不在“评议人类别”表中（应为 "
                                    f"{' / '.join(category_index)}）", found=category_text))
        else:
            category = single_category
            if category < 0:
                issues.append(error("BALLOT_CATEGORY_MISSING", source.at(1),
                                    "评议人类别未填写（有多个类别时必须填写）"))
        void = void_flag(fixed[2][n])
        if void is None:
            issues.append(error("BALLOT_BAD_VOID", source.at(2),
                                f"作废栏“{shown(fixed[2][n])}”无法识别：作废填“是”，不作废留空或填“否”",
                                found=shown(fixed[2][n])))
        ids.append(ballot_id)
        cats.append(category)
        voids.append(bool(void))
    inside = [c for c in grade_cols if c < grid.width]
    codes = np.full((len(form_rows), len(grade_cols)), S.CODE_BLANK, dtype=np.int8)
    if inside:
        lookup = grid.lookup("grade", code_of, np.int8)
        picked = lookup[body[inside][:, positions]].T       # (forms, grade columns present)
        if len(inside) == len(grade_cols):
            codes = np.ascontiguousarray(picked)
        else:
            for k, col in enumerate(grade_cols):
                if col < grid.width:
                    codes[:, k] = lookup[body[col, positions]]
    return codes, form_rows, ids, cats, voids


def _fact_issues(sheet: str, facts, columns: set[int], form_rows: list[int]) -> list[Issue]:
    if facts is None:
        return []
    issues = []
    for row, col in sorted(facts.formulas):
        if row >= S.BALLOT_HEADER_ROWS and col in columns:
            issues.append(error("BALLOT_FORMULA", Source(sheet, row, col),
                                "此单元格是公式：评议票须按纸质票逐张录入，不能用公式计算，请改为直接录入"))
    for (r0, c0), (r1, c1) in facts.hyperlinks:
        if r1 >= S.BALLOT_HEADER_ROWS:
            issues.append(error("BALLOT_HYPERLINK", Source(sheet, max(r0, S.BALLOT_HEADER_ROWS), c0),
                                "录入区含有超链接，请删除超链接后直接录入评价"))
    for (r0, c0), (r1, c1) in facts.merged:
        if r1 >= S.BALLOT_HEADER_ROWS:
            issues.append(error("BALLOT_MERGED", Source(sheet, r0, c0),
                                "录入区有合并单元格，一张票一行、一格一个评价，请取消合并"))
    typed = set(form_rows)
    for row in sorted(facts.hidden_rows):
        if row in typed:
            issues.append(warning("BALLOT_HIDDEN_ROW", Source(sheet, row, None),
                                  f"第{row + 1}行被隐藏，但仍会计票，请确认"))
    return issues


# --- the whole book ------------------------------------------------------------------
def _rectify_formula_issues(facts, rectifications) -> list[Issue]:
    """A formula in 整改时限 (=TODAY()…) is no deadline a clerk set: an error at its cell
    (progress lists it as 时限有误, never as 长期)."""
    column = S.SHEET_BY_NAME[S.SHEET_RECTIFY].col("整改时限")
    rows = {r.source.row for r in rectifications}
    return [error("RECT_DEADLINE_FORMULA", Source(S.SHEET_RECTIFY, row, col),
                  "整改时限是公式：请直接填写日期或如“6月底前”的文字（整改进度中按“时限有误”列出，不计入长期）")
            for row, col in sorted(getattr(facts, "formulas", ())) if col == column and row in rows]


def _holds_data(source, name: str, start: int) -> bool:
    """Whether a sheet has anything typed below its header rows (a sheet too large to read
    counts as filled)."""
    try:
        rows = source.rows(name)
    except SheetTooLarge:
        return True
    return any(not (v is None or (isinstance(v, str) and not v.strip())) for row in rows[start:] for v in row)


def _choose_twin(source, name: str, twins: tuple[str, ...]) -> tuple[str, list[Issue]]:
    """A contract sheet present under its exact name and under near spellings: read the one
    that holds data (a warning naming both); more than one filled is an error naming them."""
    start = S.sheet_data_start(name)
    candidates = (name, *twins)
    filled = [n for n in candidates if _holds_data(source, n, start)]
    listed = "、".join(f"“{n}”" for n in candidates)
    where = Source(name, None, None)
    if len(filled) > 1:
        both = "、".join(f"“{n}”" for n in filled)
        return name, [error("SHEET_NAME_TWINS", where,
                            f"工作表{both}都已填写，名称近似，都会被当作“{name}”读取，无法确定以哪一张为准："
                            f"请核对后删除或改名其中一张，只留下“{name}”", found="、".join(filled), expected=name)]
    if filled and filled[0] != name:
        chosen = filled[0]
        if name in S.WRITTEN_SHEETS:
            return name, [error("SHEET_NAME_TWINS", where,
                                f"工作表“{name}”是空的，另有一张已填写的“{chosen}”（名称近似）：请删除空白的“{name}”，"
                                f"再把“{chosen}”改名为“{name}”（有命令要写入这张表，不能按近似名称处理）",
                                found=chosen, expected=name)]
        return chosen, [warning("SHEET_NAME_TWINS", where,
                                f"有两张名称近似的工作表{listed}：“{name}”是空的，已读取已填写的“{chosen}”；"
                                f"请删除空白的“{name}”，再把“{chosen}”改名为“{name}”", found=chosen, expected=name)]
    others = "、".join(f"“{n}”" for n in twins)
    return name, [warning("SHEET_NAME_TWINS", where,
                          f"有名称与“{name}”近似的工作表{others}，它是空的，未读取；请删除它，以免混淆",
                          found="、".join(twins), expected=name)]


def parse_book(source, path: str = "") -> tuple[Book, list[Issue]]:
    """Every sheet parsed, every problem collected; missing sheets are errors."""
    names = set(source.sheet_names)
    issues: list[Issue] = []
    rows: dict[str, Rows] = {}
    near = S.near_sheet_names(source.sheet_names)
    twins = S.near_sheet_twins(source.sheet_names)
    for spec in S.SHEETS:
        actual = spec.name
        if spec.name in twins and spec.name != S.SHEET_GUIDE:
            actual, found = _choose_twin(source, spec.name, twins[spec.name])
            issues.extend(found)
            if actual != spec.name:
                near[spec.name] = actual
        if spec.name in near and spec.name not in twins:
            actual = near[spec.name]
            if spec.name in S.WRITTEN_SHEETS:
                issues.append(error(
                    "SHEET_NAME_NEAR", Source(spec.name, None, None),
                    f"缺少工作表“{spec.name}”，但有一张“{actual}”——是否就是它？名称中多了空格或用了全角括号。"
                    f"请把它改名为“{spec.name}”（有命令要写入这张表，不能按近似名称处理）",
                    found=actual, expected=spec.name))
                continue
            issues.append(warning(
                "SHEET_NAME_NEAR", Source(spec.name, None, None),
                f"工作表“{actual}”已按“{spec.name}”读取（名称中有空格、全角括号或大小写不同）；"
                f"建议改名为“{spec.name}”", found=actual, expected=spec.name))
            names.add(spec.name)
        if spec.name in names:
            try:
                grid = source.grid(actual) if spec.name == S.SHEET_BALLOTS and hasattr(source, "grid") else None
                rows[spec.name] = grid if grid is not None else source.rows(actual)
            except SheetTooLarge as exc:
                issues.append(error("SHEET_TOO_LARGE", Source(spec.name, None, None), exc.message))
                continue
            for row, col, found in getattr(source, "controls", {}).get(actual, ()):
                issues.append(warning("TEXT_CONTROL_CHARACTER", Source(spec.name, row, col),
                                      f"单元格中有看不见的控制字符（{found}，多为从网页或其他系统复制时带入），"
                                      "已去掉后读取；请在 Excel 中重新输入此格，以免打印和发送时出错",
                                      found=found))
            if spec.name != S.SHEET_GUIDE and spec.name not in (S.SHEET_BALLOTS, S.SHEET_BALLOTS_RECHECK):
                issues.extend(check_header(spec, rows[spec.name]))
        elif spec.required:
            issues.append(error("SHEET_MISSING", Source(spec.name, None, None),
                                f"缺少工作表“{spec.name}”（请勿删除或改名；可用 shuping new 生成的模板对照）"))

    def sheet(name: str, parser, default):
        if name not in rows:
            return default
        value, found = parser(rows[name])
        issues.extend(found)
        return value

    meeting = sheet(S.SHEET_MEETING, parse_meeting, Meeting())
    reporters = sheet(S.SHEET_REPORTERS, parse_reporters, [])
    items = sheet(S.SHEET_ITEMS, parse_items, [])
    categories = sheet(S.SHEET_CATEGORIES, parse_categories, [])
    params = sheet(S.SHEET_PARAMS, parse_params, Params())
    rules = sheet(S.SHEET_RULES, parse_rules, [])
    comments = sheet(S.SHEET_COMMENTS, parse_comments, [])
    rectifications = sheet(S.SHEET_RECTIFY, parse_rectifications, [])
    mail = sheet(S.SHEET_MAIL, parse_mail, {})
    adjudications = sheet(S.SHEET_ADJUDICATION, parse_adjudications, [])
    ballots = None
    adjudicated: list = []
    if S.SHEET_BALLOTS in rows:
        from .adjudicate import SETTLED_CODES, apply_adjudications

        ballots, found = parse_ballots(S.SHEET_BALLOTS, rows[S.SHEET_BALLOTS],
                                       source.facts(near.get(S.SHEET_BALLOTS, S.SHEET_BALLOTS)),
                                       reporters, items, categories)
        ballots, adjudicated, problems, settled = apply_adjudications(
            ballots, adjudications, rows[S.SHEET_BALLOTS], reporters, items, categories)
        issues.extend(i for i in found
                      if not (i.code in SETTLED_CODES and (i.source.row, i.source.col) in settled))
        issues.extend(problems)
        if S.SHEET_BALLOTS_RECHECK in rows:
            from .compare import recheck_issues

            main_rows = rows[S.SHEET_BALLOTS]
            issues.extend(recheck_issues(main_rows if isinstance(main_rows, list) else main_rows.as_rows(),
                                         rows[S.SHEET_BALLOTS_RECHECK], reporters, items))
        if hasattr(rows[S.SHEET_BALLOTS], "release"):
            rows[S.SHEET_BALLOTS].release()
        del rows[S.SHEET_BALLOTS]   # the grid is in the arrays now: free the 4M Python objects
        # a number 编号 that already broke a 评议票 header is that one error, not also a warning
        broken = {(i.source.sheet, i.source.row) for i in issues if i.code == "REPORTER_ID_CHANGED"}
        issues = [i for i in issues
                  if not (i.code == "REPORTER_ID_NUMBER" and (i.source.sheet, i.source.row) in broken)]
    if rectifications:
        issues.extend(_rectify_formula_issues(source.facts(near.get(S.SHEET_RECTIFY, S.SHEET_RECTIFY)),
                                              rectifications))
    from .totals import read_totals

    totals, issues = read_totals(source, reporters, items, categories, ballots, issues)
    book = Book(
        path=path, sheet_names=tuple(source.sheet_names), meeting=meeting, reporters=tuple(reporters),
        items=tuple(items), categories=tuple(categories), params=params, rules=tuple(rules),
        ballots=ballots, comments=tuple(comments), rectifications=tuple(rectifications), mail=mail,
        adjudications=tuple(adjudications), adjudicated=tuple(adjudicated), totals=totals,
    )
    return book, issues
