"""The workbook contract (TEMPLATE.md): every sheet name, header, code, default and
参数 name, defined once.

The template builder, the reader, the validators, the writers and the tests all take
their Chinese literals from here, so a renamed header is a one-line change.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# --- sheet names -----------------------------------------------------------------
SHEET_GUIDE = "说明"
SHEET_MEETING = "会议信息"
SHEET_REPORTERS = "述职人"
SHEET_ITEMS = "评议项目"
SHEET_CATEGORIES = "评议人类别"
SHEET_PARAMS = "参数设置"
SHEET_RULES = "等次规则"
SHEET_BALLOTS = "评议票"
SHEET_COMMENTS = "点评"
SHEET_RECTIFY = "整改清单"
SHEET_MAIL = "邮件设置"
SHEET_BALLOTS_RECHECK = "评议票(复核)"
SHEET_ADJUDICATION = "疑问票处理"

# --- codes -------------------------------------------------------------------------
GRADES = ("好", "较好", "一般", "差")
GRADE_EXCELLENT, GRADE_GOOD, GRADE_FAIR, GRADE_POOR = GRADES
OVERVOTE = "多选"
# Codes in the 评议票 grade area, as stored in the ballot array.
CODE_BLANK, CODE_EXCELLENT, CODE_GOOD, CODE_FAIR, CODE_POOR, CODE_OVERVOTE = range(6)
CODE_INVALID = -1
GRADE_SPELLINGS: dict[str, int] = {
    "好": 1, "1": 1, "A": 1, "a": 1,
    "较好": 2, "2": 2, "B": 2, "b": 2,
    "一般": 3, "3": 3, "C": 3, "c": 3,
    "差": 4, "4": 4, "D": 4, "d": 4,
    "多": 5, "多选": 5,
}
BALLOT_DROPDOWN = (*GRADES, OVERVOTE)
ABSTAIN = "弃权"
# 疑问票处理 认定结果 may also say the mark counts as no mark at all.
ABSTAIN_SPELLINGS = (ABSTAIN, "空白", "未勾选")
VOID_NO = ("否", "0", "N", "n")
VOID_YES = ("是", "1", "Y", "y", "√")
VOID_DROPDOWN = ("是", "否")

MODE_ON_SITE, MODE_WRITTEN = "现场", "书面"
MODES = (MODE_ON_SITE, MODE_WRITTEN)
ITEM_OVERALL, ITEM_SINGLE = "总体", "单项"
ITEM_TYPES = (ITEM_OVERALL, ITEM_SINGLE)
AREA_GENERAL = "综合"
RECT_STATUSES = ("未启动", "整改中", "已完成", "已销号")
RECT_NOT_STARTED, RECT_IN_PROGRESS, RECT_DONE, RECT_CLOSED = RECT_STATUSES
RECT_APPROVER, RECT_APPROVED_ON = "销号审批人", "销号日期"
RECT_NO_DEADLINE_LABEL = "长期/无固定时限"
# What a unit fills in its own 整改台账 (ledger split/merge); 销号 is the organiser's act.
RECT_UNIT_FIELDS = ("整改措施", "责任人", "整改状态", "完成日期", "佐证材料")
ENCRYPTIONS = ("SSL", "STARTTLS", "无")
YES, NO = "是", "否"
YES_NO = (YES, NO)
ORDER_BY_REPORTER, ORDER_BY_GRADE = "述职人顺序", "等次"
BULLETIN_ORDERS = (ORDER_BY_REPORTER, ORDER_BY_GRADE)
MERGED_LABEL = "其他类别（合并）"
# A reporter without any valid vote has no score and no grade: shown as this everywhere.
UNGRADED = "未评定"
WITHHELD_NOTE = "不足{k}票，不单独列示"


# --- sheet specs ---------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    choices: tuple[str, ...] = ()
    note: str = ""
    optional: bool = False     # added by a later version: older workbooks may lack it (trailing only)


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    # Rows a fresh template holds (the defaults of the contract).
    default_rows: tuple[tuple, ...] = field(default=())

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def col(self, header: str) -> int:
        return self.headers.index(header)


# 会议信息 and 邮件设置 are key/value sheets: the keys are fixed rows.
MEETING_TITLE = "会议名称"
MEETING_YEAR = "年度"
MEETING_DATE = "会议日期"
MEETING_ORGANIZER = "主办单位"
MEETING_DOC_NUMBER = "发文字号"
MEETING_BULLETIN_NUMBER = "通报发文字号"   # the bulletin's own number (发文字号 is the notices')
MEETING_DEADLINE_DAYS = "整改期限（天）"
MEETING_CONTACT = "联系人"
MEETING_PHONE = "联系电话"
MEETING_KEYS = (MEETING_TITLE, MEETING_YEAR, MEETING_DATE, MEETING_ORGANIZER,
                MEETING_DOC_NUMBER, MEETING_BULLETIN_NUMBER, MEETING_DEADLINE_DAYS, MEETING_CONTACT, MEETING_PHONE)

MAIL_SERVER = "SMTP服务器"
MAIL_PORT = "端口"
MAIL_ENCRYPTION = "加密方式"
MAIL_SENDER = "发件人"
MAIL_USER = "用户名"
MAIL_PASSWORD_ENV = "密码环境变量"
MAIL_LEADERS = "领导抄送"
MAIL_SUBJECT = "邮件主题"
MAIL_BODY = "邮件正文"
MAIL_KEYS = (MAIL_SERVER, MAIL_PORT, MAIL_ENCRYPTION, MAIL_SENDER, MAIL_USER,
             MAIL_PASSWORD_ENV, MAIL_LEADERS, MAIL_SUBJECT, MAIL_BODY)

# 参数设置: (name, default, 说明)
PARAM_MIN_VOTES = "分类统计最少票数"
PARAM_DECIMALS = "得分小数位"
PARAM_BULLETIN_RATES = "通报显示好评率"
PARAM_NOTICE_RANK = "通知显示排名"
PARAM_BULLETIN_ORDER = "通报排序"
PARAM_NOTICE_NUMBERS = "通知发文字号"
NOTICE_NUMBER_SHARED, NOTICE_NUMBER_PER_UNIT = "共用", "按单位编号"
NOTICE_NUMBERINGS = (NOTICE_NUMBER_SHARED, NOTICE_NUMBER_PER_UNIT)
PARAM_PAPER = "打印纸张"
PAPERS = ("A4", "A3")
PARAM_DEFAULTS: tuple[tuple[str, object, str], ...] = (
    ("好", 100, "评价为“好”的分值"),
    ("较好", 80, "评价为“较好”的分值"),
    ("一般", 60, "评价为“一般”的分值"),
    ("差", 40, "评价为“差”的分值"),
    (PARAM_MIN_VOTES, 5, "某类评议人有效票少于此数时，不单独列示该类统计（合并或不列示），防止反推个人投票"),
    (PARAM_DECIMALS, 2, "综合得分保留的小数位数（四舍五入）"),
    (PARAM_BULLETIN_RATES, NO, "结果通报中是否列出好评率：是 / 否"),
    (PARAM_NOTICE_RANK, NO, "给述职人的反馈意见中是否写排名：是 / 否"),
    (PARAM_BULLETIN_ORDER, ORDER_BY_REPORTER, "结果通报排序：述职人顺序 / 等次"),
    (PARAM_NOTICE_NUMBERS, NOTICE_NUMBER_SHARED,
     "反馈意见的发文字号：共用（一文多发，各单位同一个发文字号）/ 按单位编号（如 某组通〔2025〕3-1号、3-2号…）"),
    (PARAM_PAPER, "A4", "计票汇总表的打印纸张：A4（分块打印，字号不缩小）/ A3（全部项目排成一张大表）"),
)
# 参数 added by a later version: an older workbook without the row reads the default silently.
PARAM_OPTIONAL = frozenset({PARAM_NOTICE_NUMBERS, PARAM_PAPER})
PARAM_CHOICES: dict[str, tuple[str, ...]] = {
    PARAM_BULLETIN_RATES: YES_NO,
    PARAM_NOTICE_RANK: YES_NO,
    PARAM_BULLETIN_ORDER: BULLETIN_ORDERS,
    PARAM_NOTICE_NUMBERS: NOTICE_NUMBERINGS,
    PARAM_PAPER: PAPERS,
}

DEFAULT_ITEMS = (
    ("总体评价", ITEM_OVERALL, "40%"),
    ("抓基层党建", ITEM_SINGLE, "20%"),
    ("党风廉政建设", ITEM_SINGLE, "20%"),
    ("意识形态", ITEM_SINGLE, "20%"),
)
DEFAULT_RULES = (
    (1, "差", "差票率 > 1/3", ""),
    (2, "一般", "好评率 < 2/3", ""),
    (3, "好", "综合得分 >= 90", "30%"),
    (4, "较好", "综合得分 >= 80", ""),
    (5, "一般", "综合得分 >= 60", ""),
    (6, "差", "", ""),
)

# Ballot sheet: the three fixed columns before the grade area.
BALLOT_ID = "票号"
BALLOT_CATEGORY = "评议人类别"
BALLOT_VOID = "作废"
BALLOT_FIXED = (BALLOT_ID, BALLOT_CATEGORY, BALLOT_VOID)
BALLOT_FIRST_GRADE_COL = len(BALLOT_FIXED)  # column D
BALLOT_HEADER_ROWS = 2                      # data from row 3


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(SHEET_GUIDE, (Column(SHEET_GUIDE, 100),)),
    SheetSpec(SHEET_MEETING, (Column("项目", 18), Column("内容", 60)),
              default_rows=tuple((k, "") for k in MEETING_KEYS)),
    SheetSpec(SHEET_REPORTERS, (
        Column("编号", 8, note="唯一，文本，如 01"),
        Column("党组织", 28),
        Column("姓名", 10),
        Column("职务", 16),
        Column("述职方式", 10, MODES),
        Column("电子邮箱", 28),
        Column("备注", 20),
    )),
    SheetSpec(SHEET_ITEMS, (
        Column("项目", 18), Column("类型", 10, ITEM_TYPES), Column("权重", 10),
    ), default_rows=DEFAULT_ITEMS),
    SheetSpec(SHEET_CATEGORIES, (
        Column("类别", 22), Column("权重", 10), Column("发放票数", 10),
    )),
    SheetSpec(SHEET_PARAMS, (Column("参数", 18), Column("值", 14), Column("说明", 70)),
              default_rows=PARAM_DEFAULTS),
    SheetSpec(SHEET_RULES, (
        Column("顺序", 8), Column("等次", 10, GRADES), Column("条件", 36), Column("名额上限", 12),
    ), default_rows=DEFAULT_RULES),
    SheetSpec(SHEET_BALLOTS, tuple(Column(h, w) for h, w in zip(BALLOT_FIXED, (8, 16, 8)))),
    SheetSpec(SHEET_COMMENTS, (
        Column("编号", 8), Column("方面", 14), Column("主要成绩", 50), Column("存在问题", 60),
        Column("希望要求", 50), Column("点评人", 12),
    )),
    SheetSpec(SHEET_RECTIFY, (
        Column("问题编号", 10), Column("编号", 8), Column("党组织", 24), Column("方面", 14),
        Column("问题描述", 50), Column("整改措施", 40), Column("责任人", 10),
        Column("整改时限", 14), Column("整改状态", 10, RECT_STATUSES), Column("完成日期", 12),
        Column("佐证材料", 24), Column("备注", 20),
        Column(RECT_APPROVER, 12, optional=True), Column(RECT_APPROVED_ON, 12, optional=True),
    )),
    SheetSpec(SHEET_MAIL, (Column("项目", 16), Column("内容", 60)),
              default_rows=tuple((k, "") for k in MAIL_KEYS)),
    SheetSpec(SHEET_BALLOTS_RECHECK, tuple(Column(h, w) for h, w in zip(BALLOT_FIXED, (8, 16, 8))),
              required=False),
    SheetSpec(SHEET_ADJUDICATION, (
        Column("票号", 8), Column("评议人类别", 16), Column("单元格", 10), Column("原始标记", 12),
        Column("认定结果", 12, (*BALLOT_DROPDOWN, ABSTAIN, *VOID_DROPDOWN)), Column("认定依据", 40),
        Column("监票人", 12),
    ), required=False),
)
SHEET_BY_NAME: dict[str, SheetSpec] = {s.name: s for s in SHEETS}
SHEET_ORDER: dict[str, int] = {s.name: i for i, s in enumerate(SHEETS)}

# Sheets the tool writes (TEMPLATE.md section 4); never a clerk's.
SHEET_REPORT = "校验报告"
SHEET_SUMMARY = "计票汇总"
SHEET_BY_CATEGORY = "分类统计"
SHEET_RANKING = "排名与等次"
SHEET_SCORE_DETAIL = "得分明细"
SHEET_TALLY_SHEET = "计票单"
SHEET_CHARTS = "统计图"
SHEET_PROGRESS = "整改进度"
SHEET_ADJUDICATION_LOG = "疑问票认定"
GENERATED_SHEETS = (SHEET_REPORT, SHEET_SUMMARY, SHEET_BY_CATEGORY, SHEET_RANKING,
                    SHEET_SCORE_DETAIL, SHEET_TALLY_SHEET, SHEET_CHARTS, SHEET_PROGRESS,
                    SHEET_ADJUDICATION_LOG)

# The 条件 language (rules.py).
METRIC_SCORE = "综合得分"
METRIC_GOOD_RATE = "好评率"
METRIC_EXCELLENT_RATE = "好票率"
METRIC_POOR_RATE = "差票率"
METRIC_RANK = "排名"
METRIC_RANK_SHARE = "排名百分比"
CONDITION_AND, CONDITION_OR = "且", "或"

# Output names.
OUTPUT_DIR_SUFFIX = "_成果"
SUMMARY_WORKBOOK = "计票汇总表.xlsx"
BULLETIN_WORKBOOK = "结果通报表.xlsx"
FORMS_WORKBOOK = "评议表.xlsx"
NOTICES_FOLDER = "通知"
BULLETIN_DOCUMENT = "结果通报.docx"
DELIVERY_FOLDER = "分发"
DELIVERY_ZIP = "分发.zip"
PROGRESS_WORKBOOK = "整改进度.xlsx"
LEDGER_FOLDER = "整改台账"
RESULT_JSON = "计票结果.json"
DEMO_FILE = "述职评议示例.xlsx"


def ballot_reporter_label(reporter_id: str, name: str) -> str:
    """Row 1 text over a reporter's grade columns in 评议票 ("03 王五")."""
    return f"{reporter_id} {name}"


# --- 唱票 totals (issue #22): the count typed as totals per category, not form by form ---
SHEET_TOTALS = "计票录入"
SHEET_TOTALS_RECHECK = "计票录入(复核)"
TOTALS_SHEETS = (SHEET_TOTALS, SHEET_TOTALS_RECHECK)
TOTALS_COUNTS = (*GRADES, ABSTAIN, OVERVOTE)          # 好 较好 一般 差 弃权 多选, columns C–H
TOTALS_REPORTER, TOTALS_ITEM = "述职人", "评议项目"
TOTALS_HEADER = (TOTALS_REPORTER, TOTALS_ITEM, *TOTALS_COUNTS)
TOTALS_BLOCK = BALLOT_CATEGORY                         # A of a block's first row: 评议人类别 | name
TOTALS_ENTERED_BY, TOTALS_SCRUTINEER = "录入人", "监票人"
TOTALS_ACCOUNT = ("发放", "回收", "废票", "空白票")     # labels in A–D, the figures in the row below
TOTALS_FIRST_COUNT_COL = 2                             # column C
MODE_FORMS, MODE_TOTALS = "forms", "totals"
MODE_LABELS = {MODE_FORMS: "逐张录入（评议票）", MODE_TOTALS: "唱票汇总录入（计票录入）"}


# --- sheet names as clerks really type them -------------------------------------------
# A Chinese input method types （） for (), a rename leaves a trailing space; Excel itself
# compares sheet names without case. These are read as the contract's sheet, with a warning.
_BRACKETS = str.maketrans({"【": "(", "〔": "(", "［": "(", "[": "(", "】": ")", "〕": ")", "］": ")", "]": ")"})
# Sheets a command writes into: a near-miss name is refused there (the command would make a
# second sheet of the right name beside the clerk's), so the clerk renames it once.
WRITTEN_SHEETS = (SHEET_BALLOTS, SHEET_COMMENTS, SHEET_RECTIFY)


def sheet_key(name: str) -> str:
    """A sheet name compared loosely: NFKC, no spaces at all, no case, one kind of bracket."""
    import unicodedata

    text = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    return "".join(text.split()).casefold()


def near_sheet_names(names) -> dict[str, str]:
    """{contract sheet name: the workbook's sheet name} for every contract sheet that is
    missing under its exact name but present under a near spelling (first one wins)."""
    present = set(names)
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(sheet_key(name), name)
    found = {}
    for spec in SHEETS:
        if spec.name in present:
            continue
        near = by_key.get(sheet_key(spec.name))
        if near is not None and near not in SHEET_BY_NAME:
            found[spec.name] = near
    return found


def near_sheet_twins(names) -> dict[str, tuple[str, ...]]:
    """{contract sheet name: its near spellings} for every contract sheet present under its
    exact name *and* under a near spelling (e.g. the template's empty 评议票(复核) beside a
    typist's 评议票（复核）): both would read as the one sheet, so the reader must choose."""
    present = set(names)
    found: dict[str, tuple[str, ...]] = {}
    for spec in SHEETS:
        if spec.name not in present:
            continue
        key = sheet_key(spec.name)
        twins = tuple(n for n in names if n != spec.name and n not in SHEET_BY_NAME and sheet_key(n) == key)
        if twins:
            found[spec.name] = twins
    return found


def sheet_data_start(name: str) -> int:
    """The first data row (0-based) of a contract sheet: below its header rows."""
    return BALLOT_HEADER_ROWS if name in (SHEET_BALLOTS, SHEET_BALLOTS_RECHECK) else 1
