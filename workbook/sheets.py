"""Generated sheets as plain data (`SheetModel`): built here, rendered by a sink.

The same models feed the summary workbook of the command line (xlsxwriter) and, later,
the sheets the ribbon writes into the open workbook. Nothing here reads or writes files.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Sequence

from . import schema as S
from .issues import Issue
from .layout import PORTRAIT_MIN_SCALE, fit_width, pack_pages, print_scale, rows_per_page, text_width
from .normalize import format_fixed
from .report import order_text, score_text
from .tally import ReporterResult, TallyResult

KIND_PERCENT, KIND_SCORE, KIND_TEXT, KIND_INT = "percent", "score", "text", "int"
NUMBER_WIDTHS = {KIND_PERCENT: 6.5, KIND_SCORE: 6.5, KIND_INT: 4.5}
HEADER_WRAP_WIDTH = 6      # number headers wrap rather than widen the column
LINE_POINTS = 15           # one printed line of 11 pt text (xlsxwriter does not autofit rows)


def text_lines(value: Any, width: float) -> int:
    """Printed lines a text needs in a wrapping column `width` characters wide: its display
    width over the column's (CJK counted double, which errs on the side of one line more)."""
    if not isinstance(value, str) or not value:
        return 1
    return sum(max(1, math.ceil(text_width(part) / max(1.0, width))) for part in value.split("\n"))


@dataclass(frozen=True)
class ChartModel:
    """A native chart over a block of the sheet's own table (0-based rows of `rows`)."""

    kind: str                                    # "bar" (horizontal) or "column"
    title: str
    categories: int                              # column holding the category labels
    series: tuple[tuple[str, int], ...]          # (name, column) per series
    first: int                                   # first and last table row (0-based, of `rows`)
    last: int
    anchor: tuple[int, int]                      # top-left (row, col) on the sheet
    stacked: bool = False
    size: tuple[int, int] = (720, 420)           # pixels
    number_format: str = ""
    value_range: tuple[float, float] | None = None   # the value axis: the score scale, not 0


@dataclass(frozen=True)
class SheetModel:
    """One generated sheet as data: headers, body rows, per-column kinds, merges,
    notes under the table, charts. Sinks (xlsxwriter now, xlwings later) only render it."""

    name: str
    header: tuple[tuple[str, ...], ...]          # one or more header rows
    rows: tuple[tuple[Any, ...], ...]
    kinds: tuple[str, ...] = ()                  # per column: how to format numbers
    merges: tuple[tuple[int, int, int, int, str], ...] = ()  # header merges (r0, c0, r1, c1, text)
    widths: tuple[float, ...] = field(default=())
    title: str = ""                              # printed in the page header
    notes: tuple[tuple[Any, ...], ...] = ()      # plain lines under the table (no borders)
    charts: tuple[ChartModel, ...] = ()
    banded: bool = True                          # alternate row fills
    text_cap: float = 40                         # text columns wider than this wrap
    sections: tuple["SheetModel", ...] = ()      # tables stacked top to bottom, each with its own header
    page_breaks: tuple[int, ...] = ()            # sections that begin a new printed page
    paper: str = "A4"                            # the paper the sections were cut for
    break_rows: tuple[int, ...] = ()             # sheet rows (0-based) that begin a printed page
    hidden_columns: tuple[int, ...] = ()         # kept in the workbook, not shown or printed (codes)

    def wraps(self, c: int, widths: Sequence[float]) -> bool:
        """Wide text columns (explanations, messages) wrap; narrow ones keep one line."""
        return widths[c] >= min(40, self.text_cap)

    def row_height(self, row: Sequence[Any], widths: Sequence[float]) -> float | None:
        """Points for a body row whose wrapping text needs more lines (None: the default
        height); xlsxwriter leaves row heights alone, so without this the text is cut."""
        lines = max((text_lines(row[c], widths[c]) for c in range(min(len(row), len(widths)))
                     if c not in self.hidden_columns and self.wraps(c, widths)), default=1)
        return lines * LINE_POINTS if lines > 1 else None

    @property
    def landscape(self) -> bool:
        """Wide tables print across the page; stacked tables when portrait would shrink
        them below 90%."""
        if self.sections:
            return print_scale(self.fitted_widths(), self.paper, False) < PORTRAIT_MIN_SCALE
        return sum(w for c, w in enumerate(self.fitted_widths()) if c not in self.hidden_columns) > 95

    def parts(self) -> tuple[tuple[int, "SheetModel"], ...]:
        """(first sheet row, table) of every table on the sheet: the sections stacked
        with one blank row between them, or the sheet's own table."""
        if not self.sections:
            return ((0, self),)
        found, row = [], 0
        for section in self.sections:
            found.append((row, section))
            row += len(section.header) + len(section.rows) + len(section.notes) + 1
        return tuple(found)

    def fitted_widths(self) -> tuple[float, ...]:
        """Text columns fit their longest text; number columns their header and a
        fixed width for the shown format (a float's repr says nothing about 0.0%).
        Stacked sections share the sheet's columns: each column fits all of them."""
        if self.widths:
            return self.widths
        if self.sections:
            fitted = [s.fitted_widths() for s in self.sections]
            return tuple(max(w[c] for w in fitted if c < len(w)) for c in range(max(map(len, fitted))))
        columns = max((len(r) for r in (*self.header, *self.rows)), default=0)
        widths = []
        for c in range(columns):
            kind = self.kinds[c] if c < len(self.kinds) else KIND_TEXT
            header = [h[c] if c < len(h) else None for h in self.header[-1:]]
            if kind in NUMBER_WIDTHS:
                widths.append(max(NUMBER_WIDTHS[kind], fit_width(header, minimum=4, maximum=HEADER_WRAP_WIDTH)))
            else:
                widths.append(fit_width([*header, *(r[c] if c < len(r) else None for r in self.rows)],
                                        minimum=6, maximum=self.text_cap))
        return tuple(widths)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


VOTE_HEADERS = ("好", "较好", "一般", "差", "弃权", "多选", "有效", "好评率", "得分")
VOTE_KINDS = (KIND_INT,) * 7 + (KIND_PERCENT, KIND_SCORE)


def summary_sheet(result: TallyResult, paper: str = "A4") -> SheetModel:
    """计票汇总. On A4 (the default) it prints at full size: first the overview (编号, 党组织,
    姓名, 综合得分, 好评率, 排名, 等次), then one table per item (the counts, 好评率, score),
    each as wide as a page and cut into pieces of rows that fit one, a page break
    wherever the next piece would not fit (issue #19.11). On A3 (`tally --paper A3`,
    参数设置 打印纸张) it is the one wide table, every item side by side."""
    if paper == "A3":
        return wide_summary_sheet(result)
    fixed = ("编号", "党组织", "姓名")
    reporters = [(r.reporter.id, r.reporter.organization, r.reporter.name) for r in result.reporters]
    overview = SheetModel(S.SHEET_SUMMARY, (fixed + ("综合得分", "好评率", "排名", "等次"),),
                          tuple((*who, _float(r.score_rounded), _float(r.good_rate), r.rank, r.grade or "")
                                for who, r in zip(reporters, result.reporters)),
                          (KIND_TEXT,) * 3 + (KIND_SCORE, KIND_PERCENT, KIND_INT, KIND_TEXT), text_cap=24)
    item_kinds = (KIND_TEXT,) * 3 + VOTE_KINDS
    merges = tuple((0, c, 1, c, h) for c, h in enumerate(fixed))
    items = []
    for k, item in enumerate(result.book.items):
        rows = []
        for who, r in zip(reporters, result.reporters):
            v, score = r.items[k].votes, r.items[k].score
            rows.append((*who, v.excellent, v.good, v.fair, v.poor, v.abstain, v.overvote, v.valid,
                         _float(v.good_rate), _float(score)))
        header = (fixed + (item.name,) * len(VOTE_HEADERS), fixed + VOTE_HEADERS)
        last = len(fixed) + len(VOTE_HEADERS) - 1
        items.append(SheetModel(S.SHEET_SUMMARY, header, tuple(rows), item_kinds,
                                merges + ((0, len(fixed), 0, last, item.name),), text_cap=24))
    whole = SheetModel(S.SHEET_SUMMARY, (), (), sections=(overview, *items), text_cap=24, paper=paper)
    per_page = rows_per_page(paper, whole.landscape, print_scale(whole.fitted_widths(), paper, whole.landscape))
    pieces: list[SheetModel] = []
    for section in whole.sections:
        room = max(per_page - len(section.header) - 1, 1)
        for start in range(0, max(len(section.rows), 1), room):
            pieces.append(dataclasses.replace(section, rows=section.rows[start:start + room]))
    heights = [len(p.header) + len(p.rows) + 1 for p in pieces]
    return dataclasses.replace(whole, sections=tuple(pieces), page_breaks=tuple(pack_pages(heights, per_page)))


def wide_summary_sheet(result: TallyResult) -> SheetModel:
    """计票汇总 as one table: one row per reporter in 述职人 order; per item the counts,
    好评率, score side by side (for A3 paper or the screen)."""
    items = [i.name for i in result.book.items]
    fixed = ("编号", "党组织", "姓名")
    tail = ("综合得分", "排名", "等次")
    top = list(fixed) + [name for name in items for _ in VOTE_HEADERS] + list(tail)
    second = list(fixed) + [h for _ in items for h in VOTE_HEADERS] + list(tail)
    merges = [(0, c, 1, c, h) for c, h in enumerate(fixed)]
    for k, name in enumerate(items):
        first = len(fixed) + k * len(VOTE_HEADERS)
        merges.append((0, first, 0, first + len(VOTE_HEADERS) - 1, name))
    end = len(fixed) + len(items) * len(VOTE_HEADERS)
    merges += [(0, end + k, 1, end + k, h) for k, h in enumerate(tail)]
    rows = []
    for r in result.reporters:
        row: list[Any] = [r.reporter.id, r.reporter.organization, r.reporter.name]
        for item in r.items:
            v = item.votes
            row += [v.excellent, v.good, v.fair, v.poor, v.abstain, v.overvote, v.valid,
                    _float(v.good_rate), _float(item.score)]
        row += [_float(r.score_rounded), r.rank, r.grade_text]
        rows.append(tuple(row))
    kinds = (KIND_TEXT,) * 3 + VOTE_KINDS * len(items) + (KIND_SCORE, KIND_INT, KIND_TEXT)
    return SheetModel(S.SHEET_SUMMARY, (tuple(top), tuple(second)), tuple(rows), kinds, tuple(merges), text_cap=16)


def why_text(r: ReporterResult, places: int) -> str:
    """The grade in words: the rule that matched and any cap that moved the reporter."""
    if not r.graded:
        return "没有有效评价票，未评定"
    if r.rule is None:
        return "不满足任何等次规则"
    condition = r.rule.condition_text or "无条件（兜底）"
    # named by its 顺序 as the clerk typed it in 等次规则 (not the worksheet row, which is one more)
    text = f"等次规则顺序{order_text(r.rule.order)}“{condition}”→{r.rule_grade}"
    for d in r.demotions:
        text += (f"；“{d.from_grade}”名额上限{d.cap}（{d.limit}名），按排名超出名额"
                 f"{'（并列跨越名额，一并调整）' if d.tie else ''}，调整为“{d.to_grade}”")
    return text


def ranking_sheet(result: TallyResult) -> SheetModel:
    places = result.book.params.decimals
    header = ("排名", "编号", "党组织", "姓名", "述职方式", "综合得分", "好评率", "好票率", "差票率", "等次", "等次依据")
    rows = []
    for r in sorted(result.reporters, key=lambda r: (r.rank, r.index)):
        rows.append((r.rank, r.reporter.id, r.reporter.organization, r.reporter.name, r.reporter.mode or "",
                     _float(r.score_rounded), _float(r.good_rate), _float(r.excellent_rate),
                     _float(r.poor_rate), r.grade_text, why_text(r, places)))
    kinds = (KIND_INT, KIND_TEXT, KIND_TEXT, KIND_TEXT, KIND_TEXT, KIND_SCORE, KIND_PERCENT, KIND_PERCENT,
             KIND_PERCENT, KIND_TEXT, KIND_TEXT)
    return SheetModel(S.SHEET_RANKING, (header,), tuple(rows), kinds,
                      widths=(5, 5, 22, 8, 8, 8, 7, 7, 7, 6, 42))


def score_detail_sheet(result: TallyResult) -> SheetModel:
    """得分明细: how each score was built, so "why 89.7?" needs no calculator."""
    places = result.book.params.decimals
    header = ("编号", "姓名", "评议项目", "评议人组别", "有效票", "平均分", "组别权重", "折算权重",
              "项目得分", "项目权重", "说明")
    rows: list[tuple] = []
    for r in result.reporters:
        for item in r.items:
            for part in item.parts:
                rows.append((r.reporter.id, r.reporter.name, item.name, part.label, part.votes,
                             float(part.mean), float(part.weight), float(part.share), None, None,
                             f"{format_fixed(part.mean, 4)} × {format_fixed(part.share * 100, 2)}%"))
            rows.append((r.reporter.id, r.reporter.name, item.name, "项目得分", item.votes.valid, None, None,
                         None, _float(item.score), float(item.weight),
                         "没有有效票，不计入" if item.score is None else "各组平均分按折算权重加权"))
        exact = "" if r.score is None else f"未舍入时约为 {format_fixed(r.score, 6)}"
        rows.append((r.reporter.id, r.reporter.name, "综合得分", "", None, None, None, None,
                     _float(r.score_rounded), None,
                     f"各项目得分按项目权重加权；{exact}；四舍五入保留{places}位小数为 {score_text(r.score_rounded, places)}"))
    kinds = (KIND_TEXT, KIND_TEXT, KIND_TEXT, KIND_TEXT, KIND_INT, KIND_SCORE, KIND_PERCENT, KIND_PERCENT,
             KIND_SCORE, KIND_PERCENT, KIND_TEXT)
    return SheetModel(S.SHEET_SCORE_DETAIL, (header,), tuple(rows), kinds,
                      widths=(5, 8, 12, 18, 6, 8, 8, 8, 8, 8, 36), text_cap=30)


def category_sheet(result: TallyResult) -> SheetModel:
    """分类统计: per anonymity column (categories under k merged or withheld)."""
    anonymity = result.anonymity
    header = ("评议人组别", "包含类别", "有效票数", "编号", "姓名", "评议项目", *VOTE_HEADERS[:-1], "平均分")
    names = [c.name for c in result.book.categories]
    points = result.book.params.points
    rows: list[tuple] = []
    for column in anonymity.columns:
        members = "、".join(names[k] for k in column.categories)
        for r, reporter in enumerate(result.book.reporters):
            for i, item in enumerate(result.book.items):
                v = result.column_votes(column, r, i)
                rows.append((column.label, members, column.valid_forms, reporter.id, reporter.name, item.name,
                             v.excellent, v.good, v.fair, v.poor, v.abstain, v.overvote, v.valid,
                             _float(v.good_rate), _float(v.mean_points(points))))
    note = ""
    if anonymity.withheld:
        note = f"各类别有效票合计{sum(c.valid_forms for c in anonymity.score_groups)}张，" + \
               anonymity.withheld_note + "。"
    elif anonymity.merged:
        note = (f"有效票少于{anonymity.min_votes}张的类别合并为“{S.MERGED_LABEL}”列示，"
                "以免反推个人投票。")
    kinds = (KIND_TEXT, KIND_TEXT, KIND_INT, KIND_TEXT, KIND_TEXT, KIND_TEXT) + (KIND_INT,) * 7 + (
        KIND_PERCENT, KIND_SCORE)
    return SheetModel(S.SHEET_BY_CATEGORY, (header,), tuple(rows), kinds, notes=((note,),) if note else (),
                      text_cap=18)


def tally_sheet(result: TallyResult, counted_at: str, fingerprints: dict[str, str] | None = None) -> SheetModel:
    """计票单: the ballot account per category, the balance check, signature lines."""
    header = ("评议人类别", "发放", "回收", "废票", "空白票", "有效票", "核对")
    rows: list[tuple] = []
    for a in (*result.accounts, result.total):
        if a.issued is None:
            check = "发放票数未填"
        else:
            check = "回收 ≤ 发放，相符" if a.returned <= a.issued else "回收多于发放！"
        rows.append((a.name, a.issued, a.returned, a.void, a.blank, a.valid, check))
    notes: list[tuple] = [(), (f"计票时间：{counted_at}",), (f"会议：{result.book.meeting.shown_title}",)]
    if result.book.totals is not None:   # 唱票 totals (issue #22): say so, and who entered them
        from .totals import totals_account_notes

        notes += totals_account_notes(result.book)
    if result.book.adjudicated:
        notes.append((f"疑问票认定：{len(result.book.adjudicated)} 处（见“{S.SHEET_ADJUDICATION_LOG}”表）",))
    if fingerprints:
        notes += [(f"票据指纹（SHA-256）：{fingerprints['ballots']}",),
                  (f"结果指纹（SHA-256）：{fingerprints['results']}",),
                  ("核验方法：shuping verify 工作簿 计票结果.json",)]
    notes += [(), ("计票人（签字）：", "", "", "监票人（签字）：")]
    kinds = (KIND_TEXT,) + (KIND_INT,) * 5 + (KIND_TEXT,)
    return SheetModel(S.SHEET_TALLY_SHEET, (header,), tuple(rows), kinds, widths=(26, 8, 8, 8, 8, 8, 18),
                      notes=tuple(notes))


def report_sheet(issues: Sequence[Issue]) -> SheetModel:
    # the clerk reads the Chinese: the code stays in the last column, hidden and never printed
    header = ("级别", "工作表", "单元格", "说明", "代码")
    rows = tuple((i.level.label, i.source.sheet, i.source.cell, i.message, i.code) for i in issues)
    return SheetModel(S.SHEET_REPORT, (header,), rows or (("", "", "", "没有发现问题", ""),),
                      widths=(6, 14, 10, 62, 26), hidden_columns=(4,))


def adjudication_sheet(result: TallyResult) -> SheetModel:
    """疑问票认定: every decision applied on top of the typed 评议票, with its record."""
    header = ("票号", "评议人类别", "单元格", "述职人", "项目", "录入内容", "认定结果", "认定依据", "监票人", "疑问票处理行")
    rows = tuple((d.ballot_id, d.category, d.cell, d.reporter, d.item, d.typed, d.decision, d.reason,
                  d.scrutineer, d.source.row + 1) for d in result.book.adjudicated)
    return SheetModel(S.SHEET_ADJUDICATION_LOG, (header,), rows, (KIND_TEXT,) * 9 + (KIND_INT,), text_cap=20)


def charts_sheet(result: TallyResult) -> SheetModel:
    """统计图: two small tables and the native charts drawn from them — 综合得分 by
    reporter (highest first) and the 好/较好/一般/差 distribution per reporter."""
    label = "{0.reporter.id} {0.reporter.name}".format
    by_score = sorted(result.reporters, key=lambda r: (r.rank, r.index))
    where = f"（{result.reporters[0].rates_from}）" if result.reporters and result.reporters[0].rates_from else ""
    header = ("述职人（按得分）", "综合得分", "", "述职人", "好", "较好", "一般", "差")
    rows = []
    for ranked, r in zip(by_score, result.reporters):
        v = r.votes
        rows.append((label(ranked), _float(ranked.score_rounded), None, label(r), v.excellent, v.good, v.fair, v.poor))
    last = len(rows) - 1
    # the charts go under the table, one below the other, as wide as the table: the sheet
    # prints on a portrait page at (nearly) full size instead of shrinking table and
    # charts side by side to a third (issue #19.11)
    height = max(260, 60 + 26 * len(rows))
    first_row = len(rows) + 3
    second_row = first_row + -(-height // 20) + 2          # rows of 20 px (15 pt)
    # the second chart starts a page when it would not fit under the first (never cut in two)
    breaks = (second_row,) if second_row + -(-height // 20) > rows_per_page("A4") else ()
    points = result.book.params.points
    name_width = fit_width([header[0], *(row[0] for row in rows)], minimum=12, maximum=20)
    widths = (name_width, 8, 2, name_width, 6, 6, 6, 6)
    # a chart is anchored to cells: as wide as the table in Excel's pixels (7 a character
    # plus 5), it covers the same columns in any program and prints with them
    across = int(sum(w * 7 + 5 for w in widths))
    charts = (
        ChartModel("bar", "综合得分（由高到低）", 0, (("综合得分", 1),), 0, last, (first_row, 0), size=(across, height),
                   number_format="0." + "0" * result.book.params.decimals if result.book.params.decimals else "0",
                   value_range=(float(min(points)), float(max(points)))),
        ChartModel("bar", f"评价分布{where}", 3, tuple((g, 4 + k) for k, g in enumerate(S.GRADES)), 0, last,
                   (second_row, 0), stacked=True, size=(across, height)),
    )
    kinds = (KIND_TEXT, KIND_SCORE, KIND_TEXT, KIND_TEXT) + (KIND_INT,) * 4
    return SheetModel(S.SHEET_CHARTS, (header,), tuple(rows), kinds, widths=widths, charts=charts, banded=False,
                      break_rows=breaks)


def bulletin_sheet(result: TallyResult) -> SheetModel:
    """结果通报表: for wide distribution — 编号, 党组织, 姓名, 等次 (and 好评率 when
    参数设置 says so), in 述职人 order or by 等次 as 通报排序 says. No votes, no scores."""
    params = result.book.params
    rates = params.bulletin_rates
    order = {g: k for k, g in enumerate(S.GRADES)}
    reporters = list(result.reporters)
    if params.bulletin_order == S.ORDER_BY_GRADE:
        reporters.sort(key=lambda r: (order.get(r.grade or "", len(order)), r.index))
    header = ("编号", "党组织", "姓名", "等次") + (("好评率",) if rates else ())
    rows = tuple((r.reporter.id, r.reporter.organization, r.reporter.name, r.grade_text)
                 + ((_float(r.good_rate),) if rates else ()) for r in reporters)
    kinds = (KIND_TEXT,) * 4 + ((KIND_PERCENT,) if rates else ())
    return SheetModel("结果通报", (header,), rows, kinds, widths=(8, 34, 12, 8) + ((10,) if rates else ()),
                      title=result.book.meeting.shown_title)


def result_sheets(result: TallyResult, issues: Sequence[Issue], counted_at: str,
                  fingerprints: dict[str, str] | None = None, paper: str = "A4") -> list[SheetModel]:
    sheets = [summary_sheet(result, paper), ranking_sheet(result), score_detail_sheet(result), category_sheet(result),
              tally_sheet(result, counted_at, fingerprints), charts_sheet(result)]
    if result.book.adjudicated:
        sheets.append(adjudication_sheet(result))
    title = result.book.meeting.shown_title
    return [dataclasses.replace(sheet, title=title) for sheet in sheets + [report_sheet(issues)]]


PROGRESS_HEADER = ("述职人", "问题数", *S.RECT_STATUSES, "逾期", S.RECT_NO_DEADLINE_LABEL, "整改完成率", "销号率")
PROGRESS_KINDS = (KIND_TEXT,) + (KIND_INT,) * 7 + (KIND_PERCENT, KIND_PERCENT)


def progress_sheets(progress, title: str = "") -> list[SheetModel]:
    """整改进度: per reporter and per 方面 (with the sentence for the report upward), the
    overdue items and the items without a fixed deadline."""
    from .progress import summary_sentence, tally_rows

    as_of = f"统计截至 {progress.as_of.year}年{progress.as_of.month}月{progress.as_of.day}日"
    notes = ((), (summary_sentence(progress),), (as_of,))
    by_reporter = SheetModel(S.SHEET_PROGRESS, (PROGRESS_HEADER,),
                             tuple(tally_rows([*progress.by_reporter, progress.total])), PROGRESS_KINDS,
                             notes=notes, title=title)
    by_area = SheetModel("按方面", (("方面",) + PROGRESS_HEADER[1:],), tuple(tally_rows(progress.by_area)),
                         PROGRESS_KINDS, title=title)

    def item_rows(items):
        return tuple((i.row.problem_id, i.row.reporter_id, i.row.organization, i.row.area, i.row.description,
                      i.row.deadline if not hasattr(i.row.deadline, "year") else i.deadline,
                      i.status, i.overdue_days or None) for i in items)

    header = ("问题编号", "编号", "党组织", "方面", "问题描述", "整改时限", "整改状态", "逾期天数")
    kinds = (KIND_TEXT,) * 7 + (KIND_INT,)
    widths = (10, 6, 18, 10, 44, 14, 9, 8)
    overdue = SheetModel("逾期事项", (header,), item_rows(sorted(progress.overdue, key=lambda i: -i.overdue_days)),
                         kinds, widths=widths, title=title)
    open_ended = SheetModel("无固定时限", (header,), item_rows(progress.without_deadline), kinds, widths=widths,
                            title=title)
    wrong = [SheetModel("时限有误", (header,), item_rows(progress.wrong_deadline), kinds, widths=widths, title=title)
             ] if getattr(progress, "wrong_deadline", None) else []     # impossible dates, formulas: not 长期
    return [by_reporter, by_area, overdue, open_ended, *wrong]
