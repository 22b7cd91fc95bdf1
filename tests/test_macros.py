"""The ribbon's entry points through xlwings' own Book API without Excel: a remote-engine
book built from the demo workbook (JSON), asserting on the actions xlwings would send."""
import datetime as dt
import os

import pytest

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")

from workbook import schema as S  # noqa: E402
from workbook.api import new_workbook, run_tally  # noqa: E402
from workbook.io.reader import open_source  # noqa: E402

import macros_py  # noqa: E402
from macros_py import excel  # noqa: E402


def _json_value(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def remote_book(path, sheets_override=None):
    """The JSON an Office.js/remote client sends: every sheet's values from A1."""
    source = open_source(path)
    sheets = []
    for name in source.sheet_names:
        rows = (sheets_override or {}).get(name) or source.rows(name) or [[None]]
        width = max(len(r) for r in rows)
        values = [[_json_value(r[c]) if c < len(r) else None for c in range(width)] for r in rows]
        sheets.append({"name": name, "values": values, "pictures": [], "tables": [], "charts": [], "shapes": [],
                       "notes": [], "visibility": "Visible", "print_area": None})
    return xw.Book(json={"client": "Microsoft Office Scripts", "version": xw.__version__,
                         "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
                         "names": [], "sheets": sheets})


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return new_workbook(tmp_path_factory.mktemp("macros") / "会.xlsx", demo=True)


def actions(book, func=None):
    found = book.json()["actions"]
    return [a for a in found if func is None or a["func"] == func]


def test_every_button_has_an_entry_point():
    for tag in macros_py.BUTTONS:
        assert callable(getattr(macros_py, tag))


def test_tally_writes_the_result_sheets_with_the_command_lines_figures(demo):
    book = remote_book(demo)
    message = excel.run_button(book, lambda b: excel.tally_book(b, dt.datetime(2024, 1, 18, 10, 0)))
    assert message.startswith("计票完成：11 位述职人")
    added = [a["args"][1] for a in actions(book, "addSheet")]
    assert added == ["计票汇总", "排名与等次", "得分明细", "分类统计", "计票单", "统计图", "疑问票认定", "校验报告"]
    summary_index = [s.name for s in book.sheets].index("计票汇总")
    writes = [a for a in actions(book, "setValues") if a["sheet_position"] == summary_index]
    assert len(writes) == 1                                   # one bulk write per output sheet
    rows = writes[0]["values"]
    cli = run_tally(demo, write_files=False).json
    first = cli["reporters"][0]
    # the A4 summary's overview first (one header row); "01" keeps the apostrophe that keeps it text
    assert rows[1][:7] == ["'01", first["organization"], first["name"], first["score_rounded"], first["good_rate"],
                           first["rank"], first["grade"]]
    funcs = [a["func"] for a in actions(book)]
    assert funcs[0] == "setScreenUpdating" and funcs[-2:] == ["setScreenUpdating", "alert"]
    charts = actions(book, "addChart")
    assert [(a["args"][2], a["args"][3]) for a in charts] == [("统计图", "$A$1:$B$12"), ("统计图", "$D$1:$H$12")]
    assert [a["args"][1] for a in actions(book, "setChartType")] == ["BarClustered", "BarStacked"]


def test_check_links_and_highlights_bad_cells(demo):
    rows = open_source(demo).rows(S.SHEET_BALLOTS)
    rows = [list(r) for r in rows]
    rows[5][4] = "优"                                          # E6
    book = remote_book(demo, {S.SHEET_BALLOTS: rows})
    message = excel.run_button(book, excel.check_book)
    assert "1 个错误" in message
    links = actions(book, "addHyperlink")
    assert any(a["args"][0] == "#'评议票'!E6" for a in links)
    colours = [a for a in actions(book, "setRangeColor") if a["args"] == ["#FFC7CE"]]
    ballot_index = [s.name for s in book.sheets].index(S.SHEET_BALLOTS)
    assert [(a["sheet_position"], a["start_row"], a["start_column"]) for a in colours] == [(ballot_index, 5, 4)]


def _scaled(demo, factor):
    """The demo with its forms repeated `factor` times (票号 renumbered, 发放 raised)."""
    source = open_source(demo)
    ballots = [list(r) for r in source.rows(S.SHEET_BALLOTS)]
    forms = ballots[2:]
    # copy 0 keeps the 票号 the 疑问票处理 sheet refers to; the copies carry the decided mark
    grown = ballots[:2] + [list(r) if k == 0 else [f"{k}-{r[0]}", *("好" if v == "好?" else v for v in r[1:])]
                           for k in range(factor) for r in forms]
    categories = [list(r) for r in source.rows(S.SHEET_CATEGORIES)]
    for row in categories[1:]:
        row[2] = (row[2] or 0) * factor + 10
    return remote_book(demo, {S.SHEET_BALLOTS: grown, S.SHEET_CATEGORIES: categories})


@pytest.mark.parametrize("button", ["check", "tally"])
def test_the_number_of_actions_does_not_grow_with_the_forms(demo, button):
    counts = []
    for factor in (1, 20):                                    # 150 and 3,000 forms
        book = _scaled(demo, factor)
        function = excel.check_book if button == "check" else excel.tally_book
        excel.run_button(book, function)
        counts.append(len(actions(book)))
    assert counts[0] == counts[1], counts


def test_prepare_writes_the_header_in_one_write(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    source = open_source(path)
    ballots = [list(source.rows(S.SHEET_BALLOTS)[0][:3]), [None, None, None]]
    book = remote_book(path, {S.SHEET_BALLOTS: ballots})
    message = excel.run_button(book, excel.prepare_book)
    assert "“评议票”：11 位述职人 × 4 个评议项目，共 44 列（D–AU）" in message
    writes = actions(book, "setValues")
    assert len(writes) == 1 and writes[0]["values"][0][3] == "01 韦建国" and writes[0]["values"][1][3] == "总体评价"
    assert len(actions(book, "rangeMerge")) == 3 + 11      # A1:A2, B1:B2, C1:C2 and one per reporter


def test_rectify_appends_below_in_one_write(demo):
    book = remote_book(demo)
    message = excel.run_button(book, excel.rectify_book)
    assert "新增 39 行" in message
    rectify_sheet = [s.name for s in book.sheets].index(S.SHEET_RECTIFY)
    [write] = [a for a in actions(book, "setValues") if a["sheet_position"] == rectify_sheet]
    assert write["start_row"] == 1 and len(write["values"]) == 39 and write["values"][0][0] == "'01-1"   # Excel would read 01-1 as a date


def test_progress_writes_its_sheet(demo):
    book = remote_book(demo)
    message = excel.run_button(book, lambda b: excel.progress_book(b, dt.date(2024, 3, 1)))
    assert message.startswith("整改清单中还没有问题") or "发现问题" in message
    assert [a["args"][1] for a in actions(book, "addSheet")] == ["整改进度"]


def test_errors_become_a_message_box_never_a_traceback(demo):
    book = remote_book(demo)

    def broken(_):
        raise ValueError("boom")

    message = excel.run_button(book, broken)
    assert message.startswith("内部错误：ValueError") and actions(book, "alert")[0]["args"][0] == message
    assert [a["func"] for a in actions(book)][-2] == "setScreenUpdating"


def test_buttons_that_need_a_saved_file_say_so(demo):
    book = remote_book(demo)
    message = excel.run_button(book, excel.notices_book)
    assert "请先把工作簿保存为 .xlsx 文件" in message


def test_text_that_looks_like_a_formula_is_written_as_text():
    assert excel.as_text_if_formula_like("=SUM(A1)") == "'=SUM(A1)"
    assert excel.as_text_if_formula_like("-3") == "'-3" and excel.as_text_if_formula_like(-3) == -3
