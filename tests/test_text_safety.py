"""Every text is text (issue #18.9): a name, item, category, title or comment that reads
like a formula or a link comes out of every file the tool writes as exactly that text —
no formula (`<f>`), no hyperlink, no link part — and the source writes sheets only
through the helpers of workbook/io/xlsx_common.py (checked statically below).
"""
from __future__ import annotations

import ast
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from workbook import schema as S

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '=HYPERLINK("http://evil.example/","点此")'
TITLE = HOSTILE + "&P"                 # also "&P", a page-number code in a page header
REPORTERS = [("=2+3", "+机关党委", "@张三"), ("http://evil.example/", "mailto:boss@evil.example", "-李四"),
             ("03", HOSTILE, "王五")]
ITEMS = [(HOSTILE, "总体", 0.6), ("-1+1", "单项", 0.4)]
CATEGORIES = [("=1+1", None, 8), ("http://evil.example/x", None, 8)]
PROBLEM = "一是=SUM(1,2)还在；二是http://evil.example/问题"


def hostile_sheets(with_ballots: bool = True) -> dict:
    ballots = []
    if with_ballots:
        for k in range(6):
            ballots.append([k + 1, "=1+1", None] + ["好", "较好"] * len(REPORTERS))
        for k in range(5):
            ballots.append([k + 1, "http://evil.example/x", None] + ["一般", "好"] * len(REPORTERS))
    params = [list(r) for r in S.PARAM_DEFAULTS]
    return {
        S.SHEET_MEETING: [["会议名称", TITLE], ["年度", "2024"], ["会议日期", dt.datetime(2024, 1, 18)],
                          ["主办单位", "=A1"], ["发文字号", "@x"]],
        S.SHEET_REPORTERS: [[rid, org, name, "书记", "现场", None, "=1"] for rid, org, name in REPORTERS],
        S.SHEET_ITEMS: [list(i) for i in ITEMS],
        S.SHEET_CATEGORIES: [list(c) for c in CATEGORIES],
        S.SHEET_PARAMS: params,
        S.SHEET_BALLOTS: ballots,
        S.SHEET_COMMENTS: [[rid, "综合", HOSTILE, PROBLEM, "@要求", "-点评人"] for rid, _, _ in REPORTERS],
    }


def write_hostile(path: Path, with_ballots: bool = True) -> Path:
    from workbook.io.template_xlsx import write_template

    reporters = [(rid, name) for rid, _, name in REPORTERS] if with_ballots else []
    return write_template(path, hostile_sheets(with_ballots), reporters)


def assert_text_only(path: Path) -> None:
    """No formula in any sheet, no hyperlink element or relationship anywhere."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name).decode("utf-8", "replace")
            if name.startswith("xl/worksheets/sheet"):
                assert not re.search(r"<f[ >]", data), (path.name, name)
                assert "<hyperlink" not in data, (path.name, name)
            if name.endswith(".rels"):
                assert "relationships/hyperlink" not in data, (path.name, name)


def strings(path: Path) -> set[str]:
    """Every string cell value of every sheet (openpyxl: a formula would come back as '=…'
    with data type 'f', which assert_text_only already excludes)."""
    book = openpyxl.load_workbook(path)
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type in ("s", "inlineStr"), (path.name, sheet.title, cell.coordinate)
                    found.add(cell.value)
    return found


def holds(found: set[str], text: str) -> bool:
    return any(text in value for value in found)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return write_hostile(tmp_path_factory.mktemp("hostile") / "会.xlsx")


def test_the_template_writer_keeps_the_clerks_text(workbook):
    assert_text_only(workbook)
    found = strings(workbook)
    for text in (TITLE, HOSTILE, "=2+3", "+机关党委", "@张三", "mailto:boss@evil.example", "-李四", "=A1",
                 "=1+1", "http://evil.example/x", PROBLEM, "-1+1"):
        assert text in found, text
    assert "=2+3 @张三" in found                     # the 评议票 header label, as text


def test_the_two_tally_workbooks(workbook, tmp_path):
    from workbook.api import run_tally

    for paper in ("A4", "A3"):
        run = run_tally(workbook, out=tmp_path / paper, paper=paper)
        assert run.result is not None, [i.message for i in run.issues if i.is_error]
        for name in (S.SUMMARY_WORKBOOK, S.BULLETIN_WORKBOOK):
            path = tmp_path / paper / name
            assert_text_only(path)
            found = strings(path)
            for text in ("=2+3", "+机关党委", "@张三", "http://evil.example/", "mailto:boss@evil.example", HOSTILE):
                assert text in found, (paper, name, text)
        found = strings(tmp_path / paper / S.SUMMARY_WORKBOOK)
        assert HOSTILE in found and "-1+1" in found                  # item names as headers (merged ranges)
        # the page header: the title with "&" doubled, so &P is not the page number
        with zipfile.ZipFile(tmp_path / paper / S.SUMMARY_WORKBOOK) as archive:
            sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        header = re.search(r"<oddHeader>(.*?)</oddHeader>", sheet).group(1)
        assert header.endswith('&amp;12=HYPERLINK("http://evil.example/","点此")&amp;&amp;P'), header


def test_the_printed_forms(workbook, tmp_path):
    from workbook.api import run_forms

    run = run_forms(workbook, out=tmp_path)
    assert_text_only(run.output)
    book = openpyxl.load_workbook(run.output)
    assert book.sheetnames == ["=1+1", "http___evil.example_x"]      # names cleaned of : and /
    sheet = book["=1+1"]
    assert sheet["A1"].value == TITLE + "民主评议表" and sheet["A1"].data_type == "s"
    assert sheet["A2"].value == "评议人类别：=1+1"
    assert sheet["D4"].value == HOSTILE and sheet["H4"].value == "-1+1"   # merged item headers
    assert [sheet.cell(6, c).value for c in (1, 2, 3)] == ["=2+3", "+机关党委", "@张三"]


def test_rectify_progress_and_the_ledger_split(workbook, tmp_path):
    import shutil

    from workbook.api import run_ledger_split, run_progress, run_rectify

    path = shutil.copy(workbook, tmp_path / "会.xlsx")
    run = run_rectify(path)
    assert not [i for i in run.issues if i.is_error]
    assert_text_only(Path(path))
    rect = openpyxl.load_workbook(path)[S.SHEET_RECTIFY]
    rows = [[c.value for c in row] for row in rect.iter_rows(min_row=2)]
    assert [r[4] for r in rows[:2]] == ["=SUM(1,2)还在", "http://evil.example/问题"]
    assert rows[0][1] == "=2+3" and rows[0][2] == "+机关党委"
    assert rect.cell(2, 5).quotePrefix                # Excel shows it as text, and keeps it text when edited
    progress = run_progress(path, out=tmp_path / "out", as_of=dt.date(2024, 3, 1))
    assert_text_only(progress.output)
    found = strings(progress.output)
    assert "=SUM(1,2)还在" in found and "+机关党委" in found
    split = run_ledger_split(path, out=tmp_path / "out", exported=dt.date(2024, 2, 1))
    assert len(split.files) == 3
    for file in split.files:
        assert_text_only(file)
    found = set().union(*(strings(f) for f in split.files))
    for text in ("=SUM(1,2)还在", "http://evil.example/问题", "=2+3", "mailto:boss@evil.example", TITLE):
        assert text in found, text


def test_prepare_writes_the_ballot_header_as_text(tmp_path):
    from workbook.api import run_prepare

    path = write_hostile(tmp_path / "会.xlsx", with_ballots=False)
    run = run_prepare(path)
    assert not run.refused
    assert_text_only(path)
    sheet = openpyxl.load_workbook(path)[S.SHEET_BALLOTS]
    assert [sheet.cell(1, c).value for c in (4, 6, 8)] == ["=2+3 @张三", "http://evil.example/ -李四", "03 王五"]
    assert [sheet.cell(2, c).value for c in (4, 5)] == [HOSTILE, "-1+1"]
    assert sheet["D1"].data_type == "s" and sheet["D1"].quotePrefix and sheet["D2"].quotePrefix


def test_a_chart_title_that_reads_as_a_reference_stays_text(tmp_path):
    """xlsxwriter takes a chart name like "表!A1" for a cell reference; the title is put
    in a cell under the chart and the chart refers to it, so the words are exact."""
    from workbook.io.results_xlsx import write_sheets
    from workbook.sheets import ChartModel, SheetModel

    title = "评价!A1"
    chart = ChartModel("bar", title, 0, (("得分", 1),), 0, 1, (0, 3))
    model = SheetModel("统计图", (("述职人", "得分"),), (("甲", 90.0), ("乙", 80.0)), ("text", "score"),
                       charts=(chart,))
    path = write_sheets(tmp_path / "图.xlsx", [model])
    assert_text_only(path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/charts/chart1.xml").decode()
    assert "<c:title><c:tx><c:strRef><c:f>统计图!$D$1</c:f>" in xml
    assert openpyxl.load_workbook(path)["统计图"]["D1"].value == title


def test_the_ribbon_keeps_text_excel_would_convert():
    pytest.importorskip("xlwings")
    from macros_py.excel import as_text_if_formula_like as text

    for value in (HOSTILE, "=2+3", "+1", "-1", "@x", "01", "1/2", "01-1", "50%", "1e3", "TRUE", "'quoted"):
        assert text(value) == "'" + value, value
    for value in ("张三", "http://evil.example/", "区委 01", 3, None):
        assert text(value) == value


# --- the static check: every sheet write goes through the helpers --------------------------------
HELPERS = ROOT / "workbook" / "io" / "xlsx_common.py"
RIBBON = ROOT / "macros_py" / "excel.py"
XLSXWRITER_CALLS = {"write", "write_string", "write_formula", "write_array_formula", "write_dynamic_array_formula",
                    "write_url", "write_rich_string", "write_row", "write_column", "merge_range", "set_header",
                    "set_footer", "write_comment", "insert_textbox"}


def _sources():
    for path in sorted([*ROOT.glob("workbook/**/*.py"), *ROOT.glob("macros_py/**/*.py")]):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _enclosing_functions(tree):
    """{id(node): name of the function it is in}."""
    where = {}
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                where.setdefault(id(node), fn.name)
    return where


def test_sheets_are_written_only_through_the_helpers():
    bad = []
    for path, tree in _sources():
        if path == HELPERS:
            continue
        name = path.relative_to(ROOT)
        writer = "xlsx" in path.name or any(
            isinstance(n, (ast.Import, ast.ImportFrom)) and "xlsx_common" in ast.dump(n) for n in ast.walk(tree))
        where = _enclosing_functions(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                if attr in XLSXWRITER_CALLS - {"write"} or (attr == "write" and writer):
                    bad.append(f"{name}:{node.lineno} .{attr}() — use xlsx_common's put/put_text/merge_text")
                if attr == "Workbook" and ast.unparse(node.func.value) == "xlsxwriter":
                    bad.append(f"{name}:{node.lineno} xlsxwriter.Workbook() — use xlsx_common.new_workbook")
                if attr == "set_title" and "chart_title" not in ast.unparse(tree):
                    bad.append(f"{name}:{node.lineno} a chart title not made by xlsx_common.chart_title")
                if attr == "cell" and (len(node.args) >= 3 or any(k.arg == "value" for k in node.keywords)):
                    bad.append(f"{name}:{node.lineno} openpyxl .cell(row, col, value) — use xlsx_common.set_cell")
                if attr == "append" and ast.unparse(node.func.value) in ("sheet", "ws", "worksheet", "log"):
                    bad.append(f"{name}:{node.lineno} openpyxl sheet.append() — use sheet_rows.append_rows")
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and target.attr == "value":
                        if path == RIBBON and where.get(id(node)) == "put_values":
                            continue
                        bad.append(f"{name}:{node.lineno} .value = … — use set_cell (openpyxl) or put_values (xlwings)")
    assert not bad, "\n".join(bad)


def test_every_xlsxwriter_workbook_has_formulas_and_links_off():
    from workbook.io.xlsx_common import WORKBOOK_OPTIONS

    assert WORKBOOK_OPTIONS["strings_to_formulas"] is False and WORKBOOK_OPTIONS["strings_to_urls"] is False
    text = HELPERS.read_text(encoding="utf-8")
    assert text.count("xlsxwriter.Workbook(") == 1 and "dict(WORKBOOK_OPTIONS)" in text


def test_form_sheet_names_from_any_category_name(tmp_path):
    """Category names become sheet names of 评议表.xlsx: cleaned, never a crash — apostrophes
    at the ends, the reserved History, names equal but for case, 31 UTF-16 units."""
    from workbook.forms import sheet_name
    from workbook.io.forms_xlsx import write_forms
    from workbook.forms import FormModel

    taken: set[str] = set()
    names = [sheet_name(n, taken) for n in ("'甲'", "History", "abc", "ABC", "😀" * 20, "=1+1")]
    assert names == ["甲", "评议表_History", "abc", "ABC(2)", "😀" * 15, "=1+1"]
    forms = [FormModel(n, "标题", n, ("说明",), ("总体评价",), ("好", "较好", "一般", "差"), (("01", "甲", "乙"),), ())
             for n in names]
    path = write_forms(tmp_path / "评议表.xlsx", forms)
    assert openpyxl.load_workbook(path).sheetnames == names
