"""The input workbook of `shuping new` (TEMPLATE.md section 1), written with xlsxwriter.

Every sheet in contract order with a bold frozen header, widths fitted to Chinese text
and drop-downs where a column has a fixed set of values. With demo rows it is a full
meeting. The output is reproducible: same input, same bytes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

from .. import schema as S
from .. import layout as L
from ..layout import BALLOT_VALIDATION_ROWS, ballot_groups, fit_width
from .atomic import atomic_save
from .xlsx_common import FIXED_CREATED, Formats, merge_text, new_workbook, put, put_text

TEMPLATE_ROWS = 500          # drop-downs reach this far on list sheets
TEXT_COLUMNS = ("编号", "问题编号")    # identifiers: formatted as text, so Excel keeps a typed 01
_PERCENT_TEXT = re.compile(r"^\d+(\.\d+)?%$")

GUIDE_LINES = (
    "述职评议工作簿填写说明（每一步做完再做下一步）",
    "第一步：在“会议信息”中填写会议名称、年度、会议日期、主办单位、发文字号、整改期限（天）、联系人和电话。",
    "第二步：在“述职人”中一行填一位述职人。编号不能重复（如 01、02），行的先后就是以后所有表格和通知中的顺序；述职方式选“现场”或“书面”。",
    "第三步：核对“评议项目”（默认：总体评价 40%，抓基层党建、党风廉政建设、意识形态 各 20%）。权重要么全填（合计 100%），要么全部留空（等权）。",
    "第四步：在“评议人类别”中填写评议人分组（如 区委常委、两代表一委员、党员群众代表）、各组权重和发放票数。权重要么全填，要么全部留空（每张有效票同等计算）。",
    "第五步：核对“参数设置”（分值、分类统计最少票数、得分小数位等）和“等次规则”（自上而下逐条判断，第一条满足的规则决定等次）。",
    "第六步：点击“生成评议票”（或运行 shuping prepare），由工具按“述职人 × 评议项目”生成“评议票”表头。",
    "第七步：按纸质评议票逐张录入“评议票”，一张票一行，票号照抄票面编号。评价可填 好/较好/一般/差，也可填 1-4 或 A-D；未勾选留空（弃权）；一项勾了多个填“多选”；整张作废票在“作废”栏填“是”。",
    "第八步：如安排两人分别录入，第二人录入到“评议票(复核)”，工具会逐格比对差异。看不清的票面标记不要直接改，记入“疑问票处理”，写明认定结果、依据和监票人。",
    "第九步：点击“检查数据”（shuping check），按“校验报告”逐条改正，直到没有错误。",
    "第十步：点击“计票汇总”（shuping tally），得到计票汇总、排名与等次、得分明细、计票单等结果。",
    "第十一步：录入“点评”（每位述职人每个方面一行，存在问题按“一是…二是…”书写），再点“生成整改清单”。",
    "注意：请不要改动表头和工作表名称；工具生成的表（校验报告、计票汇总等）每次运行都会重建，不要在其中录入内容。",
    "注意：邮箱密码不要写在本工作簿中，“邮件设置”里只填保存密码的环境变量名称。",
    "计分规则（简要；完整说明和算例见 shuping 的 docs/rules.md）：",
    "① 有效票：回收票去掉作废票和空白票。某一项没勾是弃权、勾了多个是该项无效，都不计分，不影响其他项。",
    "② 分值：好、较好、一般、差分别计 100、80、60、40 分（在“参数设置”中可改）。",
    "③ 好评率 =（好 + 较好）÷ 该项有效评价数；好票率 = 好 ÷ 有效评价数；差票率 = 差 ÷ 有效评价数。述职人的比率取“总体评价”项。",
    "④ 项目得分：先算每个评议人类别（组别）的平均分，再按类别权重加权平均；类别权重全空时，所有有效评价直接平均。",
    "⑤ 综合得分：各项目得分按项目权重加权平均，按“得分小数位”四舍五入。",
    "⑥ 排名：综合得分高者在前；得分相同好票率高者在前；仍相同为并列（1、2、2、4）。",
    "⑦ 等次：按“等次规则”从上往下逐条判断，第一条成立的规则定等次；名额上限（人数，或占述职人总数的比例，向下取整但至少 1 人）按排名执行，超出名额的人直接降一档，并列跨名额线的一起降。",
    "⑧ 匿名：有效票少于“分类统计最少票数”的类别不单独列示，合并为“其他类别（合并）”，计分时作为一个组别（权重为成员权重之和）。",
)


def _cell_value(value: Any, formats: Formats) -> tuple[Any, Any]:
    """'40%' in the contract's defaults is written as the number 0.4 shown as 40%."""
    if isinstance(value, str) and _PERCENT_TEXT.match(value):
        return float(value[:-1]) / 100, formats.percent
    return value, None


def _list_validation(sheet, first_row, col, last_row, choices: Sequence[str], strict: bool) -> None:
    sheet.data_validation(first_row, col, last_row, col, {
        "validate": "list", "source": list(choices),
        "error_type": "warning", "show_error": strict,
        "error_title": "请从下拉列表中选择", "error_message": "可选值：" + "、".join(choices),
    })


def _write_list_sheet(book, formats: Formats, spec: S.SheetSpec, rows: Sequence[Sequence[Any]]) -> Any:
    sheet = book.add_worksheet(spec.name)
    for col, column in enumerate(spec.columns):
        put_text(sheet, 0, col, column.header, formats.header)
        values = [column.header] + [r[col] if col < len(r) else None for r in rows]
        width = max(column.width, fit_width(values, maximum=column.width if column.width >= 40 else 30))
        wrap = column.width >= 40
        if column.header in TEXT_COLUMNS:      # a typed 01 stays 01 (issue #19.10)
            sheet.set_column(col, col, width, formats.wrap_text if wrap else formats.text)
        else:
            sheet.set_column(col, col, width, formats.wrap if wrap else None)
        if column.choices:
            _list_validation(sheet, 1, col, TEMPLATE_ROWS, column.choices, strict=True)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            value, fmt = _cell_value(value, formats)
            if fmt is None and len(spec.columns) > col and spec.columns[col].width >= 40:
                fmt = formats.wrap
            put(sheet, r, col, value, formats, fmt)
    sheet.freeze_panes(1, 0)
    return sheet


def _key_value_choices(sheet, spec: S.SheetSpec, rows: Sequence[Sequence[Any]]) -> None:
    choices = {S.MAIL_ENCRYPTION: S.ENCRYPTIONS, **S.PARAM_CHOICES}
    for r, row in enumerate(rows, start=1):
        if row and row[0] in choices:
            _list_validation(sheet, r, 1, r, choices[row[0]], strict=True)


def _write_ballot_sheet(book, formats: Formats, name: str, reporters: Sequence[tuple[str, str]],
                        items: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    sheet = book.add_worksheet(name)
    for col, column in enumerate(S.SHEET_BY_NAME[S.SHEET_BALLOTS].columns):
        if reporters:
            merge_text(sheet, 0, col, 1, col, column.header, formats.header)
        else:
            put_text(sheet, 0, col, column.header, formats.header)
        sheet.set_column(col, col, column.width)
    for group in ballot_groups(reporters, items):
        fmt = formats.group_shaded if group.shaded else formats.group
        if group.last_col > group.first_col:
            merge_text(sheet, 0, group.first_col, 0, group.last_col, group.label, fmt)
        else:
            put_text(sheet, 0, group.first_col, group.label, fmt)
        for offset, item in enumerate(group.items):
            col = group.first_col + offset
            put_text(sheet, 1, col, item, fmt)
            sheet.set_column(col, col, fit_width([item], minimum=8, maximum=14))
    last_col = S.BALLOT_FIRST_GRADE_COL + len(reporters) * len(items) - 1
    if reporters:
        sheet.data_validation(S.BALLOT_HEADER_ROWS, S.BALLOT_FIRST_GRADE_COL, BALLOT_VALIDATION_ROWS, last_col, {
            "validate": "list", "source": L.GRADE_LIST.split(","), "show_error": False})
        sheet.freeze_panes(S.BALLOT_HEADER_ROWS, S.BALLOT_FIRST_GRADE_COL)
    else:
        sheet.freeze_panes(1, 0)
    category_col = S.BALLOT_FIXED.index(S.BALLOT_CATEGORY)
    void_col = S.BALLOT_FIXED.index(S.BALLOT_VOID)
    sheet.data_validation(S.BALLOT_HEADER_ROWS, category_col, BALLOT_VALIDATION_ROWS, category_col, {
        "validate": "list", "source": "=" + L.CATEGORY_LIST_SOURCE, "show_error": False})
    sheet.data_validation(S.BALLOT_HEADER_ROWS, void_col, BALLOT_VALIDATION_ROWS, void_col, {
        "validate": "list", "source": L.VOID_LIST.split(","), "show_error": False})
    for r, row in enumerate(rows, start=S.BALLOT_HEADER_ROWS):
        for col, value in enumerate(row):
            put(sheet, r, col, value, formats)


def write_template(path: str | Path, sheets: dict[str, list[list[Any]]] | None = None,
                   ballot_reporters: Sequence[tuple[str, str]] = (), identity: str | None = None) -> Path:
    """Write the template (or, with `sheets`, a filled workbook) atomically to `path`.
    `identity`: the meeting identity, stored as the custom document property
    `shuping 会议标识` (io/sendlog.py); the shipped template carries none."""
    sheets = sheets or {}
    items = [row[0] for row in sheets.get(S.SHEET_ITEMS, [])] if ballot_reporters else []

    def write(temporary: Path) -> None:
        with new_workbook(temporary) as book:
            book.set_properties({"title": "述职评议工作簿", "created": FIXED_CREATED, "author": "shuping"})
            if identity:
                book.set_custom_property("shuping 会议标识", identity)
            formats = Formats(book)
            for spec in S.SHEETS:
                if spec.name == S.SHEET_GUIDE:
                    sheet = book.add_worksheet(spec.name)
                    sheet.set_column(0, 0, 110, formats.wrap)
                    put_text(sheet, 0, 0, GUIDE_LINES[0], formats.header)
                    for r, line in enumerate(GUIDE_LINES[1:], start=1):
                        put_text(sheet, r, 0, line, formats.wrap)
                    continue
                if spec.name in (S.SHEET_BALLOTS, S.SHEET_BALLOTS_RECHECK):
                    rows = sheets.get(spec.name, [])
                    _write_ballot_sheet(book, formats, spec.name,
                                        ballot_reporters,
                                        items, rows)
                    continue
                rows = sheets.get(spec.name, [list(r) for r in spec.default_rows])
                sheet = _write_list_sheet(book, formats, spec, rows)
                if spec.name in (S.SHEET_MAIL, S.SHEET_PARAMS):
                    _key_value_choices(sheet, spec, rows)

    return atomic_save(Path(path), write)
