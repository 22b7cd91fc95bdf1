"""Generate the bad-input corpus: one folder per fault, each with the file(s) and the exit
code every command must give (TEMPLATE.md section 6).

    python tests/bad/make_corpus.py OUT_DIR      # writes OUT_DIR/<case>/… and OUT_DIR/manifest.json

Every case is a distinct fault a clerk's file can really have (not variants of one). The
test (tests/test_bad_inputs.py) runs every command that reads a workbook on every case
and checks: the expected exit code, a Chinese message, no traceback, the input
byte-identical, no partial output.
"""
from __future__ import annotations

import functools
import io
import json
import random
import struct
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))            # tests/helpers.py
sys.path.insert(0, str(HERE.parent.parent))     # the package, when run from a checkout

from helpers import add_chart_sheet, sheets, write_xlsx  # noqa: E402

COMMANDS = ("check", "tally", "prepare", "compare", "verify", "rectify", "comments import", "notices", "mail",
            "forms", "progress", "ledger split", "ledger merge", "carry")
# commands whose purpose is to change the workbook (`carry` changes the case's file: it is NEW)
EDITING = ("prepare", "rectify", "comments import", "ledger merge", "carry")
WRITING = ("tally", "notices", "mail", "forms", "progress", "ledger split")   # outputs into <stem>_成果/
LEDGER = "01_张三所在党委_整改台账.xlsx"   # beside every case: 01's ledger as the unit sent it back
LAST_YEAR = "上年度.xlsx"                  # beside every case: last year's workbook, for `carry`
SPEECH = "点评讲话.txt"   # beside every case: one comment block, for 02 李四
SPEECH_TEXT = ("同志们：\n下面，请李四所在党委书记李四同志述职。\n……（述职毕）\n点评：李四同志工作扎实。\n"
               "存在的不足是：一是调研不够。二是宣传不足。\n希望李四同志再接再厉。\n下面，进行第二项议程。\n")
FILE = "评议.xlsx"

# What a fault means for each command: unusable files give 2 everywhere; a workbook with
# errors gives 1 to check/tally/verify, and to prepare/compare only when their own
# sheets are affected.
UNUSABLE = dict.fromkeys(COMMANDS, 2)


def workbook_errors(prepare: int = 0, compare: int = 0, rectify: int = 0, forms: int = 0,
                    ledger: int | None = None, carry: int = 0) -> dict[str, int]:
    """`comments import` is stopped by what stops `rectify` (述职人, 点评); `forms` by
    会议信息/述职人/评议项目/评议人类别 (not weights); `ledger split/merge` by 述职人/整改清单
    (by default as `rectify`); `carry` by 整改清单 of the new workbook; `progress` by nothing
    in a readable workbook (it lists the 整改清单 problems beside the figures)."""
    ledger = rectify if ledger is None else ledger
    return {"check": 1, "tally": 1, "prepare": prepare, "compare": compare, "verify": 1, "rectify": rectify,
            "comments import": rectify, "notices": 1, "forms": forms, "progress": 0, "ledger split": ledger,
            "ledger merge": ledger, "carry": carry}


FINE = dict.fromkeys(COMMANDS, 0)


@dataclass
class Case:
    name: str
    fault: str                       # what is wrong, in a clerk's words
    build: Callable[[Path], None]    # writes the case into its folder
    expect: dict[str, int]
    file: str = FILE
    message: str = ""                # a fragment check and tally must show (every command, for unusable files)
    messages: dict = field(default_factory=dict)   # fragments other commands must show

    def fragment(self, command: str) -> str:
        if command in self.messages:
            return self.messages[command]
        if command in ("check", "tally", "notices") or set(self.expect.values()) == {2}:
            return self.message
        return ""


# --- the valid meeting every workbook case starts from ------------------------------------------
REPORTERS = (("01", "张三"), ("02", "李四"), ("03", "王五"))
CATEGORIES = (("区委常委", "40%", 6), ("党员群众代表", "60%", 10))


def base_forms() -> list[list]:
    rng = random.Random(5)
    forms = []
    for n in range(1, 13):
        category = CATEGORIES[0][0] if n <= 5 else CATEGORIES[1][0]
        number = n if n <= 5 else n - 5
        forms.append([number, category, None] + [rng.choice(["好", "好", "较好", "一般"]) for _ in range(12)])
    return forms


def base_sheets() -> dict[str, list[list]]:
    book = sheets(reporters=REPORTERS, items=(("总体评价", "总体", "40%"), ("抓基层党建", "单项", "20%"),
                                            ("党风廉政建设", "单项", "20%"), ("意识形态", "单项", "20%")),
                  categories=CATEGORIES, ballots=base_forms(), params={"分类统计最少票数": 3})
    book["点评"].append(["01", "综合", "工作扎实。", "存在的不足是：一是学习不够。二是台账不全。", "希望继续努力。", "书记"])
    # the first row `rectify` made from it, under way (so split/merge/carry have work, and
    # rectify still has 01-2 to add)
    book["整改清单"].append(["01-1", "01", "张三所在党委", "综合", "学习不够。", None, "张三", "2024-03-31", "整改中"])
    for row in book["述职人"][1:]:
        row[5] = f"r{row[0]}@example.cn"
    book["邮件设置"] += [["发件人", "zzb@example.cn"], ["SMTP服务器", "127.0.0.1"], ["领导抄送", "leader@example.cn"]]
    return book


def write_base(path: Path, change: Callable[[dict], None] | None = None) -> None:
    book = base_sheets()
    if change:
        change(book)
    write_xlsx(path, book)


@functools.lru_cache(maxsize=1)
def base_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder) / FILE
        write_base(scratch)
        return scratch.read_bytes()


def _edit(change: Callable[[dict], None]) -> Callable[[Path], None]:
    return lambda folder: write_base(folder / FILE, change)


def _openpyxl(change: Callable) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        import openpyxl

        write_base(folder / FILE)
        book = openpyxl.load_workbook(folder / FILE)
        change(book)
        book.save(folder / FILE)
    return build


def _bytes(make: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda folder: (folder / FILE).write_bytes(make())


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _replace_member(name: str, transform: Callable[[bytes], bytes]) -> Callable[[], bytes]:
    def make() -> bytes:
        source = zipfile.ZipFile(io.BytesIO(base_bytes()))
        members = {info.filename: source.read(info) for info in source.infolist()}
        members[name] = transform(members[name])
        return _zip(members)
    return make


def _cfb(stream_name: str) -> bytes:
    """A compound file header plus a directory entry naming a stream: enough for a
    sniffer to tell an encrypted xlsx (EncryptionInfo) from an old .xls (Workbook)."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HHH", 0x3E, 3, 0xFFFE)
    header += bytes(512 - len(header))
    entry = stream_name.encode("utf-16-le").ljust(64, b"\0") + struct.pack("<H", len(stream_name) * 2 + 2)
    return header + entry.ljust(128, b"\0") + bytes(1024)


def _lying_size() -> bytes:
    """A zip whose central directory claims a 3 GB member."""
    data = bytearray(base_bytes())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 3_000_000_000)
    return bytes(data)


def _bad_crc() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(base_bytes()))
    info = source.getinfo("xl/worksheets/sheet8.xml")
    data = bytearray(base_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    return bytes(data)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                  b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')


def _xxe(xml: bytes) -> bytes:
    return (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + xml.split(b"?>", 1)[1])


def _set(sheet: str, row: int, col: int, value) -> Callable[[dict], None]:
    def change(book: dict) -> None:
        rows = book[sheet]
        while len(rows) <= row:
            rows.append([])
        while len(rows[row]) <= col:
            rows[row].append(None)
        rows[row][col] = value
    return change


def _both(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(book: dict) -> None:
        for c in changes:
            c(book)
    return change


def _planted(**kwargs) -> Callable[[Path], None]:
    return lambda folder: write_xlsx(folder / FILE, base_sheets(), **kwargs)


def _big_used_range(folder: Path) -> None:
    """The base meeting plus one stray cell at the very last row of 评议票."""
    import xlsxwriter

    book = base_sheets()
    with xlsxwriter.Workbook(str(folder / FILE)) as out:
        for name, rows in book.items():
            sheet = out.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None:
                        sheet.write(r, c, value) if not isinstance(value, str) else sheet.write_string(r, c, value)
            if name == "评议票":
                sheet.write_string(1_048_575, 3, "好")


def _hidden_rows(book) -> None:
    book["评议票"].row_dimensions[5].hidden = True


def _chart_and_late_reporter(book) -> None:
    add_chart_sheet(book)
    book["述职人"].append(["04", "新单位党委", "赵六", "书记", "书面"])


def _date_as_issued(book) -> None:
    import datetime

    cell = book["评议人类别"]["C2"]
    cell.value = datetime.date(2024, 1, 6)
    cell.number_format = "yyyy/m/d"


def _read_only(folder: Path) -> None:
    write_base(folder / FILE)
    (folder / FILE).chmod(0o444)


def _lock_file(folder: Path) -> None:
    write_base(folder / FILE)
    (folder / ("~$" + FILE)).write_bytes(b"\x00" * 162)


def _folder(folder: Path) -> None:
    (folder / FILE).mkdir()


def _too_many_members() -> bytes:
    return _zip({f"x/{n}.txt": b"" for n in range(10_050)}, zipfile.ZIP_STORED)


def _dangling_part() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(base_bytes()))
    return _zip({i.filename: source.read(i) for i in source.infolist() if i.filename != "xl/worksheets/sheet8.xml"})


def cases() -> list[Case]:
    forms = base_forms()
    b = "评议票"
    return [
        # --- files that are not a usable workbook: exit 2 everywhere --------------------------
        Case("missing_file", "文件不存在", lambda folder: None, UNUSABLE, message="找不到文件"),
        Case("folder", "给的是文件夹", _folder, UNUSABLE, message="文件夹"),
        Case("empty_file", "0 字节的空文件", _bytes(lambda: b""), UNUSABLE, message="空文件"),
        Case("encrypted", "设置了打开密码的 xlsx", _bytes(lambda: _cfb("EncryptionInfo")), UNUSABLE, message="加密"),
        Case("xls_renamed", "旧版 .xls 改了扩展名", _bytes(lambda: _cfb("Workbook")), UNUSABLE, message=".xls"),
        Case("csv_renamed", "CSV 改了扩展名",
             _bytes(lambda: "票号,评议人类别\n1,区委常委\n".encode("gb18030")), UNUSABLE, message="csv"),
        Case("html_renamed", "网页另存改了扩展名",
             _bytes(lambda: "<html><body><table><tr><td>票号</td></tr></table></body></html>".encode()),
             UNUSABLE, message="不是 Excel 工作簿"),
        Case("ods_renamed", "WPS/LibreOffice 的 .ods 改了扩展名",
             _bytes(lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                  "content.xml": b"<office:document-content/>"}, zipfile.ZIP_STORED)),
             UNUSABLE, message=".ods"),
        Case("docx_renamed", "Word 文档改了扩展名",
             _bytes(lambda: _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})),
             UNUSABLE, message="Word"),
        Case("xlsb_renamed", "二进制工作簿 .xlsb 改了扩展名",
             _bytes(lambda: _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})),
             UNUSABLE, message=".xlsb"),
        Case("plain_zip", "普通压缩包改了扩展名", _bytes(lambda: _zip({"说明.txt": "你好".encode()})),
             UNUSABLE, message="不是 Excel 工作簿"),
        Case("empty_zip", "空压缩包", _bytes(lambda: _zip({})), UNUSABLE, message="不是 Excel 工作簿"),
        Case("garbage", "随机二进制内容", _bytes(lambda: random.Random(3).randbytes(4096)), UNUSABLE,
             message="不是 Excel 工作簿"),
        Case("truncated", "复制中断、只剩一半的文件", _bytes(lambda: base_bytes()[: len(base_bytes()) * 3 // 5]),
             UNUSABLE, message="损坏"),
        Case("bad_crc", "压缩数据损坏（校验和不符）", _bytes(_bad_crc), UNUSABLE, message="损坏"),
        Case("zip_bomb_ratio", "压缩炸弹：部件压缩比异常",
             _bytes(_replace_member("xl/sharedStrings.xml", lambda data: data + b" " * 30_000_000)),
             UNUSABLE, message="压缩炸弹"),
        Case("zip_lies_about_size", "压缩包谎报部件大小（3 GB）", _bytes(_lying_size), UNUSABLE, message="安全上限"),
        Case("too_many_members", "压缩包内有上万个部件", _bytes(_too_many_members), UNUSABLE, message="安全上限"),
        Case("billion_laughs", "XML 实体炸弹（billion laughs）",
             _bytes(_replace_member("xl/sharedStrings.xml", lambda data: BILLION_LAUGHS)), UNUSABLE, message="DTD"),
        Case("xxe", "XML 外部实体（读取本机文件）", _bytes(_replace_member("xl/workbook.xml", _xxe)), UNUSABLE,
             message="DTD"),
        Case("dangling_sheet_part", "工作表部件缺失", _bytes(_dangling_part), UNUSABLE, message="无法读取"),
        # --- workbooks with problems in them --------------------------------------------------
        Case("missing_ballot_sheet", "评议票工作表被删除", _edit(lambda book: book.pop(b)),
             workbook_errors(prepare=0, compare=1), message="缺少工作表“评议票”", messages={"compare": "评议票"}),
        Case("renamed_header", "述职人表头被改（姓名→名字）", _edit(_set("述职人", 0, 2, "名字")),
             workbook_errors(prepare=1, compare=0, rectify=1, forms=1), message="名字"),
        Case("empty_reporters", "述职人表为空", _edit(lambda book: book.__setitem__("述职人", book["述职人"][:1])),
             # carry: last year's open row finds no unit of that name this year: held back and listed
             workbook_errors(prepare=1, compare=1, rectify=1, forms=1, carry=1), message="述职人",
             messages={"prepare": "述职人", "carry": "未结转"}),
        Case("no_forms", "评议票一张票也没有录入", _edit(lambda book: book.__setitem__(b, book[b][:2])),
             {**FINE, "tally": 1, "verify": 1, "notices": 1, "mail": 1}, message="还没有录入任何票",
             messages={"mail": "还没有录入任何票"}),
        Case("unknown_grade", "评价填了“优”", _edit(_set(b, 3, 4, "优")), workbook_errors(), message="优"),
        Case("number_grade_5", "评价填了数字 5", _edit(_set(b, 4, 5, 5)), workbook_errors(), message="无法识别的评价"),
        Case("huge_string", "评价格里粘贴了 40000 字", _edit(_set(b, 5, 6, "好" * 40_000)), workbook_errors(),
             message="共32767字"),   # Excel keeps at most 32,767 characters of it
        Case("formula_in_grade", "评价格是公式（显示为“好”）", _planted(formulas={"E4": ('="好"', "好")}),
             workbook_errors(), message="公式"),
        Case("hyperlink_in_grade", "评价格带超链接", _planted(hyperlinks=["F5"]), workbook_errors(),
             message="超链接"),
        Case("merged_in_ballots", "票面区域有合并单元格", _planted(merges=["D6:E6"]), workbook_errors(),
             message="合并"),
        Case("hidden_rows", "评议票有隐藏行（仍计票，只警告）", _openpyxl(_hidden_rows), FINE),
        Case("million_row_range", "评议票第 1048576 行有内容（整列误填）", _big_used_range,
             {**workbook_errors(prepare=1, compare=1, rectify=1), "ledger split": 0, "carry": 1}, message="1048576",
             messages={"prepare": "1048576", "compare": "1048576", "rectify": "1048576",
                       "comments import": "1048576", "ledger merge": "1048576", "carry": "1048576"}),
        Case("value_in_last_column", "评议票第 1 行最右端（XFD1）有内容", _edit(_set(b, 0, 16383, "备注")),
             workbook_errors(compare=1), message="XFD1"),
        Case("date_as_issued", "发放票数填成了日期", _openpyxl(_date_as_issued), workbook_errors(forms=1),
             message="发放票数"),
        Case("negative_issued", "发放票数为负数", _edit(_set("评议人类别", 1, 2, -3)), workbook_errors(forms=1),
             message="发放票数"),
        Case("issued_below_returned", "发放票数少于回收票数", _edit(_set("评议人类别", 2, 2, 4)), workbook_errors(forms=1),
             message="回收票数多于发放票数"),
        Case("category_weight_zero", "评议人类别权重为 0",
             _edit(_both(_set("评议人类别", 1, 1, 0), _set("评议人类别", 2, 1, "100%"))), workbook_errors(),
             message="权重为 0"),
        Case("item_weight_zero", "评议项目权重为 0",
             _edit(_both(_set("评议项目", 2, 2, 0), _set("评议项目", 1, 2, "60%"))), workbook_errors(),
             message="权重为 0"),
        Case("weights_do_not_sum", "类别权重合计 120%", _edit(_set("评议人类别", 1, 1, "60%")), workbook_errors(),
             message="合计"),
        Case("duplicate_reporter_id", "述职人编号重复", _edit(_set("述职人", 3, 0, "01")),
             workbook_errors(prepare=1, compare=1, rectify=1, forms=1), message="重复", messages={"prepare": "重复"}),
        Case("duplicate_ballot_id", "同一类别中票号重复", _edit(_set(b, 3, 0, forms[0][0])), workbook_errors(),
             message="重复"),
        Case("unknown_category", "票上的评议人类别不在类别表中", _edit(_set(b, 2, 1, "群众")), workbook_errors(),
             message="群众"),
        Case("blank_category", "有多个类别时票上类别空白", _edit(_set(b, 2, 1, None)), workbook_errors(),
             message="评议人类别未填写"),
        Case("bad_void", "作废栏填了“可能”", _edit(_set(b, 2, 2, "可能")), workbook_errors(), message="可能"),
        Case("rule_syntax", "等次规则条件写错（>>）", _edit(_set("等次规则", 3, 2, "综合得分 >> 90")),
             workbook_errors(), message="条件"),
        Case("cap_on_poor", "给“差”设了名额上限", _edit(_set("等次规则", 6, 3, 2)), workbook_errors(),
             message="差"),
        Case("points_not_number", "分值填了汉字“一百”", _edit(_set("参数设置", 1, 1, "一百")), workbook_errors(),
             message="一百"),
        Case("decimals_bad", "得分小数位填了 1.5", _edit(_set("参数设置", 6, 1, 1.5)), workbook_errors(),
             message="小数位"),
        Case("unknown_reporter_label", "评议票表头的述职人不在述职人表中", _edit(_set(b, 0, 7, "09 不存在")),
             workbook_errors(prepare=1, compare=1), message="09 不存在"),
        Case("data_outside_header", "表头以外的列录了内容", _edit(_set(b, 4, 15, "好")), workbook_errors(prepare=1),
             message="没有表头", messages={"prepare": "P 列"}),
        Case("adjudication_unknown_form", "疑问票处理写了不存在的票号",
             _edit(lambda book: book.__setitem__("疑问票处理", [
                 ["票号", "评议人类别", "单元格", "原始标记", "认定结果", "认定依据", "监票人"],
                 [99, "区委常委", "D3", "模糊", "好", "中心在好格", "王监票"]])),
             workbook_errors(), message="99"),
        Case("recheck_differs", "复核录入与评议票不一致",
             _edit(lambda book: book.__setitem__("评议票(复核)", [list(r) for r in book[b][:3]]
                                                 + [[*book[b][3][:3], "差", *book[b][3][4:]]]
                                                 + [list(r) for r in book[b][4:]])),
             workbook_errors(), message="两次录入不一致"),
        Case("chart_and_late_reporter", "自建工作表有图表，又追加了述职人（prepare 须拒绝）",
             _openpyxl(_chart_and_late_reporter),
             {**workbook_errors(prepare=1, compare=1, rectify=1), "ledger split": 0, "carry": 1},
             message="04 赵六", messages={command: "图表" for command in EDITING}),
        Case("formula_like_name", "姓名以“=”开头（文本，不是公式）",
             _edit(_both(_set("述职人", 1, 2, "=HYPERLINK(\"x\")"), _set(b, 0, 3, "01 =HYPERLINK(\"x\")"))),
             {**FINE, "verify": 1}),
        # --- files that are fine but awkward ----------------------------------------------------
        Case("read_only_file", "文件是只读的（读取不受影响，修改被拒绝，也在 root 下）", _read_only,
             {**FINE, **dict.fromkeys(EDITING, 1)}, messages={command: "文件是只读的" for command in EDITING}),
        Case("path_with_spaces", "路径和文件名含空格和中文", lambda folder: write_base(folder / "述职 评议 表 2024.xlsx"),
             FINE, file="述职 评议 表 2024.xlsx"),
        Case("lock_file", "文件正在 Excel 中打开（有锁文件）", _lock_file,
             {**FINE, **dict.fromkeys(EDITING, 1)},
             messages={command: "正在 Excel/WPS 中打开" for command in EDITING}),
    ]


def all_cases() -> list[Case]:
    """The cases above and those of every `tests/bad/cases_*.py` (each a module with its own
    `cases()`, one per class of fault, so the corpus grows without one long list)."""
    import importlib

    found = cases()
    for module in sorted(HERE.glob("cases_*.py")):
        found += importlib.import_module(f"bad.{module.stem}").cases()
    names = [case.name for case in found]
    assert len(names) == len(set(names)), "two corpus cases share a name"
    return found


def with_mail(case: Case) -> Case:
    """`mail --dry-run` needs a count, as `tally` does: the same exit code unless said."""
    case.expect = {**case.expect, "mail": case.expect.get("mail", case.expect["tally"])}
    return case


@functools.lru_cache(maxsize=1)
def returned_ledger_bytes() -> bytes:
    """01's 整改台账 as `ledger split` writes it from the base meeting, with 整改措施 of 01-1
    filled in by the unit (so `ledger merge` has one cell to take back)."""
    import openpyxl

    from workbook.api import run_ledger_split

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / FILE
        base.write_bytes(base_bytes())
        run = run_ledger_split(base, Path(folder) / "out")
        (ledger,) = run.files
        book = openpyxl.load_workbook(ledger)
        sheet = book["整改台账"]
        column = [cell.value for cell in sheet[1]].index("整改措施") + 1
        sheet.cell(row=2, column=column, value="每月集中学习一次")
        book.save(ledger)
        return ledger.read_bytes()


def generate(out: Path) -> list[Case]:
    out.mkdir(parents=True, exist_ok=True)
    made = [with_mail(case) for case in all_cases()]
    manifest = {}
    for case in made:
        folder = out / case.name
        folder.mkdir(exist_ok=True)
        case.build(folder)
        (folder / SPEECH).write_text(SPEECH_TEXT, encoding="utf-8")
        (folder / LEDGER).write_bytes(returned_ledger_bytes())
        (folder / LAST_YEAR).write_bytes(base_bytes())
        manifest[case.name] = {"fault": case.fault, "file": case.file, "expect": case.expect,
                               "message": case.message}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return made


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "cases"
    print(f"{len(generate(target))} cases written to {target}")
