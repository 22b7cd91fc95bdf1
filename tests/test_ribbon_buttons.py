"""Every ribbon button on a small meeting built here, with the workbook "open in Excel"
(Excel's `~$` lock file beside it), through xlwings' remote engine: the same plans and
messages as the command line, figures derived by hand, and a refusal sends no action.

The meeting: 01 张三 and 02 李四, one item 总体评价 (no weight), one category 全体
(10 forms issued), four forms typed:

    票号  01 张三  02 李四
    1     好       较好
    2     好       一般
    3     较好     差
    4     好       好

By hand, with the default points 好 100 / 较好 80 / 一般 60 / 差 40:
- 01: 100+100+80+100 = 380, / 4 = 95.00; 好评率 (好+较好)/有效 = 4/4 = 100%.
- 02: 80+60+40+100 = 280, / 4 = 70.00; 好评率 = 2/4 = 50%; 差票率 = 1/4 (not > 1/3),
  so rule 2 (好评率 < 2/3) makes 02 一般.
- Ranks by score: 01 first, 02 second.
点评 for 01: "存在的不足是：一是调研不够。二是宣传不足。" — two problems, so rectify makes
01-1 and 01-2 with 整改时限 = 会议日期 2024-01-18 + 整改期限 30 days = 2024-02-17.
"""
import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")

from helpers import sheets, write_xlsx  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import macros_py  # noqa: E402
from macros_py import excel  # noqa: E402
from workbook import schema as S  # noqa: E402
from workbook.cli import app  # noqa: E402
from workbook.io.reader import open_source  # noqa: E402

runner = CliRunner()
FORMS = [[1, "全体", None, "好", "较好"], [2, "全体", None, "好", "一般"],
         [3, "全体", None, "较好", "差"], [4, "全体", None, "好", "好"]]
SPEECH = ("同志们：\n下面，请张三所在党委书记张三同志述职。\n……（述职毕）\n点评：张三同志工作扎实。\n"
          "存在的不足是：一是调研不够。二是宣传不足。\n希望张三同志再接再厉。\n下面，进行第二项议程。\n")


def meeting(path: Path, comments: bool = True, ballots=FORMS) -> Path:
    book = sheets(reporters=(("01", "张三"), ("02", "李四")), categories=(("全体", None, 10),), ballots=ballots)
    book["会议信息"] += [["会议日期", None], ["整改期限（天）", 30]]
    if comments:
        book["点评"].append(["01", "综合", "工作扎实。", "存在的不足是：一是调研不够。二是宣传不足。", "再接再厉。", "书记"])
    write_xlsx(path, book)
    import openpyxl

    stored = openpyxl.load_workbook(path)
    stored["会议信息"].cell(len(book["会议信息"]) - 1, 2, dt.datetime(2024, 1, 18)).number_format = "yyyy-mm-dd"
    stored.save(path)
    (path.parent / f"~${path.name}").write_bytes(b"owner")    # the workbook is open in Excel
    return path


def _json_value(value):
    """Dates travel as ISO date-times in UTC ("…Z"), as the remote clients send them."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value.isoformat() + "Z" if isinstance(value, dt.datetime) else value


def remote_book(path: Path, override=None):
    """What a remote client sends: every sheet's values; the book named by its full path,
    so buttons that place outputs beside the saved file find it."""
    source = open_source(path)
    listed = []
    for name in source.sheet_names:
        rows = (override or {}).get(name) or source.rows(name) or [[None]]
        width = max(len(r) for r in rows)
        listed.append({"name": name, "values": [[_json_value(r[c]) if c < len(r) else None for c in range(width)]
                                                 for r in rows],
                       "pictures": [], "tables": [], "charts": [], "shapes": [], "notes": [],
                       "visibility": "Visible", "print_area": None})
    return xw.Book(json={"client": "Microsoft Office Scripts", "version": xw.__version__,
                         "book": {"name": str(path), "active_sheet_index": 0, "selection": "A1"},
                         "names": [], "sheets": listed})


def actions(book, func=None):
    return [a for a in book.json()["actions"] if func is None or a["func"] == func]


def only_the_frame(book) -> bool:
    """A refusal: screen updating off and on, the status bar, the message box — no write."""
    return {a["func"] for a in actions(book)} <= {"setScreenUpdating", "alert", "setStatusBar"}


def sheet_index(book, name):
    return [s.name for s in book.sheets].index(name)


def test_every_button_has_its_entry_point():
    assert set(macros_py.BUTTONS) == {"check", "prepare", "prepare_totals", "tally", "import_comments", "rectify",
                                      "notices", "progress", "mail"}
    for tag in macros_py.BUTTONS:
        assert callable(getattr(macros_py, tag))


def test_check_with_the_lock_present(tmp_path):
    path = meeting(tmp_path / "会.xlsx")
    book = remote_book(path)
    message = excel.run_button(book, excel.check_book)
    cli = runner.invoke(app, ["check", str(path)])
    assert cli.exit_code == 0 and message == "计票方式：逐张录入（评议票），4 张票。检查完毕：没有发现问题。"
    assert "计票方式：逐张录入（评议票），4 张票" in cli.output and "检查完毕：没有发现问题。" in cli.output


def test_tally_with_the_lock_present_gives_the_hand_figures(tmp_path):
    path = meeting(tmp_path / "会.xlsx")
    book = remote_book(path)
    message = excel.run_button(book, lambda b: excel.tally_book(b, dt.datetime(2024, 1, 18, 10, 0)))
    assert message.startswith("计票完成：2 位述职人，有效票 4 张")
    [write] = [a for a in actions(book, "setValues") if a["sheet_position"] == sheet_index(book, S.SHEET_SUMMARY)]
    rows = [r for r in write["values"] if r and r[0] in ("'01", "'02")]      # 编号 kept as text
    overview, detail = rows[:2], rows[2:]
    assert [r[3:6] for r in overview] == [[95.0, 1.0, 1], [70.0, 0.5, 2]] and overview[1][6] == "一般"
    # 总体评价: 好 较好 一般 差 弃权 多选 有效, as counted by hand from the four forms
    assert [r[3:10] for r in detail] == [[3, 1, 0, 0, 0, 0, 4], [1, 1, 1, 1, 0, 0, 4]]


def test_prepare_with_the_lock_present_lays_out_both_ballot_sheets_like_the_command_line(tmp_path):
    path = meeting(tmp_path / "会.xlsx", ballots=())
    blank = [["票号", "评议人类别", "作废"], [None, None, None]]
    book = remote_book(path, {S.SHEET_BALLOTS: blank})
    message = excel.run_button(book, excel.prepare_book)
    # 2 reporters × 1 item = 2 columns, D and E
    assert "“评议票”：2 位述职人 × 1 个评议项目，共 2 列（D–E）" in message
    [write] = actions(book, "setValues")
    assert write["values"] == [["票号", "评议人类别", "作废", "01 张三", "02 李四"],
                               ["", "", "", "总体评价", "总体评价"]]      # the engine sends None as ""
    # A1:A2, B1:B2, C1:C2 merged; one item per reporter, so no reporter merge
    assert len(actions(book, "rangeMerge")) == 3


def test_prepare_refused_sends_nothing(tmp_path):
    path = meeting(tmp_path / "会.xlsx")
    source = open_source(path)
    reporters = [list(r) for r in source.rows(S.SHEET_REPORTERS)]
    del reporters[2]                                      # 02 李四 deleted with forms typed in column E
    book = remote_book(path, {S.SHEET_REPORTERS: reporters})
    message = excel.run_button(book, excel.prepare_book)
    assert message.startswith("未生成评议票表头，工作簿未做任何改动") and "02 李四" in message
    assert only_the_frame(book)


def test_import_comments_with_the_lock_present_writes_the_open_book(tmp_path):
    path = meeting(tmp_path / "会.xlsx", comments=False)
    speech = tmp_path / "讲话.txt"
    speech.write_text(SPEECH, encoding="utf-8")
    before = path.read_bytes()
    book = remote_book(path)
    message = excel.run_button(book, lambda b: excel.import_comments_book(b, str(speech)))
    assert message.startswith("从讲话稿中找到 1 段点评，新增 1 行")
    [write] = actions(book, "setValues")
    assert write["sheet_position"] == sheet_index(book, S.SHEET_COMMENTS) and write["start_row"] == 1
    assert write["values"][0][:2] == ["'01", "综合"]      # the apostrophe keeps 01 text in Excel and "一是调研不够" in write["values"][0][3]
    assert path.read_bytes() == before                    # the file is Excel's while it is open


def test_rectify_with_the_lock_present_writes_rows_and_the_tool_log(tmp_path):
    path = meeting(tmp_path / "会.xlsx")
    book = remote_book(path)
    message = excel.run_button(book, lambda b: excel.rectify_book(b, dt.datetime(2024, 1, 20, 9, 0)))
    assert message == "整改清单：新增 2 行，标注 0 行（共 2 个问题）。"
    writes = actions(book, "setValues")
    rect = [w for w in writes if w["sheet_position"] == sheet_index(book, S.SHEET_RECTIFY)]
    assert len(rect) == 1 and rect[0]["start_row"] == 1
    assert [r[0] for r in rect[0]["values"]] == ["'01-1", "'01-2"]      # not a date in Excel
    assert rect[0]["values"][0][7].startswith("2024-02-17")
    assert [a["args"][0] for a in actions(book, "addSheet")] == ["台账合并记录"] or \
        [a["args"][1] for a in actions(book, "addSheet")] == ["台账合并记录"]
    # what the command line writes into the file, on a copy without the lock
    copy = tmp_path / "copy" / "会.xlsx"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    done = runner.invoke(app, ["rectify", str(copy)])
    assert done.exit_code == 0, done.output
    cli_rows = open_source(copy).rows(S.SHEET_RECTIFY)[1:]
    assert [r[0] for r in cli_rows] == ["01-1", "01-2"] and [r[4] for r in cli_rows] == \
        [r[4] for r in rect[0]["values"]] == ["调研不够。", "宣传不足。"]   # the markers 一是 二是 dropped


def test_rectify_refused_on_an_unknown_reporter_in_comments_sends_nothing(tmp_path):
    path = meeting(tmp_path / "会.xlsx")
    source = open_source(path)
    comments = [list(r) for r in source.rows(S.SHEET_COMMENTS)]
    comments.append(["99", "综合", "", "一是问题。", "", "书记"])
    book = remote_book(path, {S.SHEET_COMMENTS: comments})
    message = excel.run_button(book, excel.rectify_book)
    assert message.startswith("未生成整改清单，工作簿未做任何改动") and "99" in message
    assert only_the_frame(book)


def test_progress_with_the_lock_present(tmp_path):
    path = meeting(tmp_path / "会.xlsx")
    book = remote_book(path)
    message = excel.run_button(book, lambda b: excel.progress_book(b, dt.date(2024, 3, 1)))
    assert "整改" in message
    assert [a["args"][1] for a in actions(book, "addSheet")] == ["整改进度"]


def test_notices_with_the_lock_present_use_the_saved_file(tmp_path):
    path = meeting(tmp_path / "会.xlsx")
    book = remote_book(path)
    opened = []
    message = excel.run_button(book, lambda b: excel.notices_book(b, open_folder=opened.append))
    assert message.startswith("已生成反馈意见 2 份和结果通报"), message
    assert opened and (opened[0] / "通知").is_dir()


def test_mail_with_the_lock_present_previews_and_sends_nothing_without_consent(tmp_path):
    path = meeting(tmp_path / "会.xlsx")
    asked = []
    book = remote_book(path)
    message = excel.run_button(book, lambda b: excel.mail_book(b, lambda text: asked.append(text) or False))
    # no sender in 邮件设置: stopped before any preview, nothing written to the book
    assert message.startswith("未发送") and "发件人" in message and not asked
    assert only_the_frame(book)


def test_a_failed_backup_stops_the_edit(tmp_path, monkeypatch):
    path = meeting(tmp_path / "会.xlsx")
    book = remote_book(path)

    class NoCopy:
        def SaveCopyAs(self, target):
            raise OSError("磁盘已满")

    monkeypatch.setattr(type(book), "api", property(lambda self: NoCopy()))
    message = excel.run_button(book, excel.rectify_book)
    assert "无法" in message and "备份" in message and "未做任何改动" in message
    assert only_the_frame(book)
