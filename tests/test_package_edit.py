"""The package-level editor (workbook/io/package_edit.py): an EditPlan applied to the .xlsx
zip, every part it does not declare changed copied byte for byte, the changed parts strict
XML, the result read alike by openpyxl, calamine and fastexcel (and converted by
LibreOffice where soffice is installed)."""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from workbook import schema as S
from workbook.errors import PackageEditUnsupported
from workbook.io.package_edit import (apply_plan_to_package, cell_text, edit_package, unsupported,
                                      verify_package)
from workbook.io.reader import CalamineSource, inspect_workbook
from workbook.plans import EditPlan, HeaderLayout, SheetChange, log_change

EXCEL_MADE = Path(__file__).parent / "excel_made"


def _template(tmp_path: Path) -> Path:
    from workbook.io.template_xlsx import write_template

    path = tmp_path / "述评.xlsx"
    write_template(path)
    return path


def _png() -> bytes:
    """A 1×1 red PNG, made here (no binary file in the repository)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _with_chart_image_threaded(path: Path) -> None:
    """A clerk's workbook whose 点评 holds a native chart and a picture (xlsxwriter), then a
    threaded comment part added by hand as Excel 365 stores one: the three things the
    full-save path refused."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as book:
        for spec in (S.SHEET_BY_NAME[S.SHEET_COMMENTS], S.SHEET_BY_NAME[S.SHEET_RECTIFY]):
            sheet = book.add_worksheet(spec.name)
            for col, title in enumerate(spec.headers):
                sheet.write_string(0, col, title)
        data = book.add_worksheet("数据")
        data.write_column(0, 0, [1, 2, 3])
        chart = book.add_chart({"type": "column"})
        chart.add_series({"values": "='数据'!$A$1:$A$3"})
        comments = book.get_worksheet_by_name(S.SHEET_COMMENTS)
        comments.insert_chart("H2", chart)
        comments.insert_image("H20", "dot.png", {"image_data": io.BytesIO(_png())})
    threaded = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
                '<threadedComment ref="A1" dT="2024-01-01T00:00:00.00" personId="{00000000-0000-0000-0000-000000000001}" '
                'id="{00000000-0000-0000-0000-000000000002}"><text>请核对</text></threadedComment></ThreadedComments>')
    with zipfile.ZipFile(path) as archive:
        files = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    files["xl/threadedComments/threadedComment1.xml"] = threaded.encode()
    types = files["[Content_Types].xml"].decode()
    types = types.replace("</Types>", '<Override PartName="/xl/threadedComments/threadedComment1.xml" '
                          'ContentType="application/vnd.ms-excel.threadedcomments+xml"/></Types>')
    files["[Content_Types].xml"] = types.encode()
    parts = inspect_workbook(path)
    rels = "xl/worksheets/_rels/" + parts[S.SHEET_COMMENTS].rsplit("/", 1)[1] + ".rels"
    text = files[rels].decode().replace(
        "</Relationships>", '<Relationship Id="rIdT1" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
        'threadedComment" Target="../threadedComments/threadedComment1.xml"/></Relationships>')
    files[rels] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def _plan() -> EditPlan:
    """A comments import, a rectify and the tool's log in one plan: rows appended (text that
    looks like a formula, an escape-like run, a line break, a control character), a date,
    a number, and the hidden log sheet made."""
    plan = EditPlan("test", summary=["测试"])
    plan.changes.append(SheetChange(S.SHEET_COMMENTS, append=[
        ["01", "综合", "=SUM(A1:A2) 成绩_x000B_", "问题\n第二行\x0b", "希望", None]], wrap_cols=(2, 3, 4)))
    plan.changes.append(SheetChange(S.SHEET_RECTIFY, append=[
        ["P0001", "01", "一支部", "综合", "问题", None, "张三", dt.date(2025, 3, 31), "未开始", None, None, 12.5]],
        wrap_cols=(4,)))
    plan.changes.append(log_change([["P0001", "责任人", "张三", "rectify", "2025-01-02 09:00"]]))
    return plan


def _check_result(src: Path, dst: Path, changed) -> None:
    from defusedxml import ElementTree

    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        assert [n for n in b.namelist() if n not in changed.added] == a.namelist()
        for name in a.namelist():
            if name not in changed.changed:
                assert a.read(name) == b.read(name), name
        for name in changed.touched:
            ElementTree.fromstring(b.read(name))        # strict XML
    assert verify_package(src, dst, changed, inspect_workbook(src)) == []
    import openpyxl

    openpyxl.load_workbook(dst)                           # opens
    import fastexcel

    reader = fastexcel.read_excel(str(dst))
    for name in reader.sheet_names:
        reader.load_sheet_by_name(name, header_row=None, dtypes="string").to_arrow()


def _soffice_converts(path: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the conversion step is skipped")
    out = tmp_path / "lo"
    subprocess.run([soffice, "--headless", "-env:UserInstallation=file://" + str(tmp_path / "profile"),
                    "--convert-to", "ods", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=240)
    assert (out / (path.stem + ".ods")).stat().st_size > 0


def test_cell_text_keeps_text_exact():
    # a literal _x000B_ must stay literal: its underscore is escaped as _x005F_
    assert cell_text("a_x000B_b") == "a_x005F_x000B_b"
    # XML cannot hold U+000B: Excel's escape; & and < as entities
    assert cell_text("x\x0by&<") == "x_x000B_y&amp;&lt;"


def test_append_rows_every_other_part_byte_identical(tmp_path):
    src = _template(tmp_path)
    dst = tmp_path / "新.xlsx"
    changed = apply_plan_to_package(src, _plan(), dst)
    _check_result(src, dst, changed)
    rows = CalamineSource(dst)
    comments = rows.rows(S.SHEET_COMMENTS)
    assert comments[-1][:5] == ["01", "综合", "=SUM(A1:A2) 成绩_x000B_", "问题\n第二行\x0b", "希望"]
    rectify = rows.rows(S.SHEET_RECTIFY)[-1]
    assert rectify[7] == dt.date(2025, 3, 31) and rectify[11] == 12.5
    assert rows.rows("台账合并记录")[1] == ["P0001", "责任人", "张三", "rectify", "2025-01-02 09:00"]
    import openpyxl

    book = openpyxl.load_workbook(dst)
    assert book["台账合并记录"].sheet_state == "hidden"
    cell = book[S.SHEET_COMMENTS].cell(book[S.SHEET_COMMENTS].max_row, 3)
    assert cell.data_type == "s" and cell.alignment.wrap_text      # text stays text, wrapped
    assert book[S.SHEET_RECTIFY].cell(book[S.SHEET_RECTIFY].max_row, 8).number_format == 'yyyy"年"m"月"d"日"'


def test_chart_image_threaded_comment_survive(tmp_path):
    src = tmp_path / "述评.xlsx"
    _with_chart_image_threaded(src)
    with zipfile.ZipFile(src) as archive:
        kept = {n: archive.read(n) for n in archive.namelist()
                if n.startswith(("xl/charts/", "xl/media/", "xl/drawings/", "xl/threadedComments/"))}
    assert any(n.startswith("xl/charts/") for n in kept) and any(n.startswith("xl/media/") for n in kept)
    result = edit_package(src, _plan(), now=dt.datetime(2025, 1, 2, 9, 0))
    assert result.changed and result.backup.exists()
    with zipfile.ZipFile(src) as archive:
        for name, data in kept.items():
            assert archive.read(name) == data, name
    assert CalamineSource(src).rows(S.SHEET_COMMENTS)[-1][0] == "01"


def test_set_cells_in_existing_rows_keep_their_format(tmp_path):
    src = _template(tmp_path)
    first = tmp_path / "一.xlsx"
    apply_plan_to_package(src, _plan(), first)
    note = S.SHEET_BY_NAME[S.SHEET_RECTIFY].col("备注")
    plan = EditPlan("test")
    plan.changes.append(SheetChange(S.SHEET_RECTIFY, cells={(1, note): "点评中已删除", (1, 2): None}))
    second = tmp_path / "二.xlsx"
    changed = apply_plan_to_package(first, plan, second)
    _check_result(first, second, changed)
    row = CalamineSource(second).rows(S.SHEET_RECTIFY)[1]
    assert row[note] == "点评中已删除" and row[2] is None and row[0] == "P0001"


def test_header_layout_is_not_done_here(tmp_path):
    src = _template(tmp_path)
    layout = HeaderLayout([["票号"]], [], {}, [], (1, 0), 0, 0)
    plan = EditPlan("prepare", changes=[SheetChange(S.SHEET_BALLOTS, header=layout)])
    assert "表头" in unsupported(plan, src)
    with pytest.raises(PackageEditUnsupported):
        apply_plan_to_package(src, plan, tmp_path / "x.xlsx")


def test_libreoffice_converts_the_result(tmp_path):
    src = _template(tmp_path)
    dst = tmp_path / "新.xlsx"
    apply_plan_to_package(src, _plan(), dst)
    _soffice_converts(dst, tmp_path)


def _excel_made() -> list[Path]:
    """Workbooks real Excel saved: tests/excel_made/ when the repository carries them, and the
    folder named by SHUPING_EXCEL_MADE (e.g. XlsxWriter's comparison files, which Excel 2007
    saved, BSD-2-Clause; see tests/excel_made/README.md)."""
    folders = [EXCEL_MADE] + ([Path(os.environ["SHUPING_EXCEL_MADE"])] if os.environ.get("SHUPING_EXCEL_MADE") else [])
    return sorted(p for folder in folders if folder.is_dir() for p in folder.iterdir()
                  if p.suffix.lower() in (".xlsx", ".xlsm"))


@pytest.mark.parametrize("path", _excel_made(), ids=lambda p: p.name)
def test_excel_made_round_trip(path, tmp_path):
    """Workbooks Excel wrote: an edit of their first sheet (a row appended, a cell set) and a
    new hidden sheet keep every other part byte for byte."""
    src = tmp_path / path.name
    src.write_bytes(path.read_bytes())
    first = CalamineSource(src).sheet_names[0]
    plan = EditPlan("test")
    plan.changes.append(SheetChange(first, append=[["述评", 1, dt.date(2025, 1, 2), "=1+1"]], wrap_cols=(0,)))
    plan.changes.append(log_change([["P1", "字段", "值", "test", "2025-01-02 09:00"]]))
    dst = tmp_path / "out.xlsx"
    changed = apply_plan_to_package(src, plan, dst)
    _check_result(src, dst, changed)
    assert CalamineSource(dst).rows(first)[-1][:4] == ["述评", 1.0, dt.date(2025, 1, 2), "=1+1"]
    _soffice_converts(dst, tmp_path)


def test_refused_while_excel_holds_the_file(tmp_path):
    from workbook.errors import OutputError

    src = _template(tmp_path)
    before = src.read_bytes()
    (tmp_path / ("~$" + src.name)).write_bytes(b"owner")
    with pytest.raises(OutputError, match="正在 Excel/WPS 中打开"):
        edit_package(src, _plan())
    assert src.read_bytes() == before and not list(tmp_path.glob("*备份*"))


def test_nothing_written_for_a_plan_without_changes(tmp_path):
    src = _template(tmp_path)
    before = src.read_bytes()
    assert not edit_package(src, EditPlan("test")).changed
    assert src.read_bytes() == before


def test_apply_plan_in_session(tmp_path):
    """The session method's body, with a stand-in for io/editing.py's EditSession (its
    original bytes and stat taken once, as under the lock)."""
    from workbook.io.package_edit import apply_plan_in_session

    class Session:
        def __init__(self, path):
            self.path = self.named = path
            self._sheet_parts = inspect_workbook(path)
            self._step = lambda message: None
            self._original = None
            self.result = None
            self.fell_back = False

        def _take_original(self):
            if self._original is None:
                self._stamp, self._original = self.path.stat(), self.path.read_bytes()

        def apply(self, function, keep, now):
            self.fell_back = True

    src = _template(tmp_path)
    session = Session(src)
    result = apply_plan_in_session(session, _plan(), now=dt.datetime(2025, 1, 2, 9, 0))
    assert result.changed and result.backup.exists() and not session.fell_back
    assert CalamineSource(src).rows(S.SHEET_COMMENTS)[-1][0] == "01"
    header = EditPlan("prepare", changes=[SheetChange(S.SHEET_BALLOTS, header=HeaderLayout([["票号"]], [], {}, [], (1, 0), 0, 0))])
    with pytest.raises(PackageEditUnsupported):
        apply_plan_in_session(Session(src), header)
    fallback = Session(src)
    apply_plan_in_session(fallback, header, fallback=lambda book: None)
    assert fallback.fell_back


def test_edit_session_apply_plan(tmp_path):
    """io/editing.py's locked session: the package path for an append plan, charts kept."""
    from workbook.io.editing import open_edit

    src = tmp_path / "述评.xlsx"
    _with_chart_image_threaded(src)
    with zipfile.ZipFile(src) as archive:
        charts = {n: archive.read(n) for n in archive.namelist() if n.startswith(("xl/charts/", "xl/threadedComments/"))}
    with open_edit(src) as session:
        result = session.apply_plan(_plan(), now=dt.datetime(2025, 1, 2, 9, 0))
    assert result.changed and result.backup.exists()
    with zipfile.ZipFile(src) as archive:
        assert {n: archive.read(n) for n in charts} == charts
    assert CalamineSource(src).rows("台账合并记录")[1][0] == "P0001"


def test_edit_session_apply_plan_falls_back_to_openpyxl_for_a_header(tmp_path):
    """A 评议票 header layout goes through plan_writer (openpyxl), as before."""
    from workbook.io.book import load_book
    from workbook.io.editing import open_edit
    from workbook.plans import BallotSheetSeen, plan_prepare

    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from helpers import sheets, write_xlsx

    rows = sheets((("01", "张三"), ("02", "李四")))
    rows[S.SHEET_BALLOTS] = [["票号", "评议人类别", "作废"], [None, None, None]]
    src = write_xlsx(tmp_path / "述评.xlsx", rows)
    book, issues = load_book(src)
    seen = [BallotSheetSeen(S.SHEET_BALLOTS, CalamineSource(src).rows(S.SHEET_BALLOTS))]
    plan, _ = plan_prepare(book, issues, seen)
    assert not plan.refused and plan.has_changes and unsupported(plan, src)
    with open_edit(src) as session:
        result = session.apply_plan(plan)
    assert result.changed
    assert CalamineSource(src).rows(S.SHEET_BALLOTS)[0][3] == "01 张三"
