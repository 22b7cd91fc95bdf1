"""The one editing path: refusals, backups, verification, and what openpyxl would lose."""
import datetime as dt
import io
import struct
import zlib

import openpyxl
import pytest
import xlsxwriter

from workbook.errors import OutputError, UnreadableWorkbook
from workbook.io.editing import (BACKUPS_KEPT, Edit, EditRefused, backups_of, edit_workbook, find_losses)
from workbook.io.reader import inspect_workbook


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _xlsxwriter_book(path, decorate):
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("我的表")
        sheet.write_column(0, 0, [1, 2, 3])
        decorate(book, sheet)
    return path


def _chart(book, sheet):
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "='我的表'!$A$1:$A$3"})
    sheet.insert_chart("C2", chart)


def _image(book, sheet):
    sheet.insert_image("C2", "dot.png", {"image_data": io.BytesIO(_png())})


def _textbox(book, sheet):
    sheet.insert_textbox("C2", "备注")


def _button(book, sheet):
    sheet.insert_button("C2", {"caption": "计算"})


def _sparkline(book, sheet):
    sheet.add_sparkline("B1", {"range": "'我的表'!A1:A3"})


def _comment(book, sheet):
    sheet.write_comment("A1", "这是批注")


@pytest.mark.parametrize("decorate,expected", [
    (_chart, "图表"), (_image, "图片"), (_textbox, "形状或文本框"), (_button, "窗体控件"), (_sparkline, "迷你图"),
])
def test_finds_what_openpyxl_would_drop(tmp_path, decorate, expected):
    path = _xlsxwriter_book(tmp_path / "a.xlsx", decorate)
    assert expected in find_losses(path, inspect_workbook(path))["我的表"]


def test_comments_alone_are_kept_not_refused(tmp_path):
    path = _xlsxwriter_book(tmp_path / "a.xlsx", _comment)
    assert find_losses(path, inspect_workbook(path)) == {}


def _plain(tmp_path, name="book.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "表"
    sheet["A1"] = "原有"
    sheet["B2"] = 42
    path = tmp_path / name
    book.save(path)
    return path


def _write_c3(workbook):
    workbook["表"]["C3"] = "新增"
    return Edit({"表": lambda row, col: (row, col) == (2, 2)}, ["C3"])


def test_edit_writes_backup_then_replaces(tmp_path):
    path = _plain(tmp_path)
    before = path.read_bytes()
    result = edit_workbook(path, _write_c3, now=dt.datetime(2024, 3, 1, 9, 30, 5))
    assert result.changed and result.backup.name == "book.备份-20240301-093005.xlsx"
    assert result.backup.read_bytes() == before
    sheet = openpyxl.load_workbook(path)["表"]
    assert (sheet["A1"].value, sheet["B2"].value, sheet["C3"].value) == ("原有", 42, "新增")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "book.备份-20240301-093005.xlsx"]


def test_nothing_to_change_writes_nothing(tmp_path):
    path = _plain(tmp_path)
    before = path.read_bytes()
    result = edit_workbook(path, lambda workbook: None)
    assert not result.changed and path.read_bytes() == before
    assert backups_of(path) == []


def test_only_the_last_backups_are_kept(tmp_path):
    path = _plain(tmp_path)
    for minute in range(BACKUPS_KEPT + 3):
        edit_workbook(path, _write_c3, now=dt.datetime(2024, 3, 1, 9, minute, 0))
    kept = backups_of(path)
    assert len(kept) == BACKUPS_KEPT
    assert kept[0].name == "book.备份-20240301-0903" + "00.xlsx"


def test_two_backups_in_one_second_do_not_collide(tmp_path):
    path = _plain(tmp_path)
    when = dt.datetime(2024, 3, 1, 9, 0, 0)
    edit_workbook(path, _write_c3, now=when)
    edit_workbook(path, _write_c3, now=when)
    assert len(backups_of(path)) == 2


def test_an_edit_outside_its_region_is_caught_before_the_rename(tmp_path):
    path = _plain(tmp_path)
    before = path.read_bytes()

    def sneaky(workbook):
        workbook["表"]["A1"] = "改了"
        return Edit({"表": lambda row, col: (row, col) == (2, 2)})

    with pytest.raises(OutputError, match="核对不一致"):
        edit_workbook(path, sneaky)
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~shuping")]


def test_refuses_while_open_in_excel(tmp_path):
    path = _plain(tmp_path)
    (tmp_path / "~$book.xlsx").write_bytes(b"lock")
    with pytest.raises(OutputError, match="正在 Excel/WPS 中打开"):
        edit_workbook(path, _write_c3)
    assert backups_of(path) == []


def test_refuses_a_read_only_file(tmp_path):
    import os

    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root can write to read-only files")
    path = _plain(tmp_path)
    path.chmod(0o444)
    try:
        with pytest.raises(EditRefused, match="只读"):
            edit_workbook(path, _write_c3)
    finally:
        path.chmod(0o644)


def test_refuses_a_clerk_sheet_with_a_chart_and_keeps_the_file(tmp_path):
    path = _xlsxwriter_book(tmp_path / "a.xlsx", _chart)
    before = path.read_bytes()

    def touch(workbook):
        workbook["我的表"]["E1"] = 1
        return Edit({"我的表": lambda row, col: True})

    with pytest.raises(EditRefused, match="工作表“我的表”中有图表"):
        edit_workbook(path, touch)
    assert path.read_bytes() == before and backups_of(path) == []


def test_drops_a_tool_sheet_with_a_chart(tmp_path):
    path = tmp_path / "a.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        book.add_worksheet("表").write("A1", "原有")
        charts = book.add_worksheet("统计图")
        charts.write_column(0, 0, [1, 2])
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"values": "='统计图'!$A$1:$A$2"})
        charts.insert_chart("C2", chart)
    result = edit_workbook(path, _write_c3)
    assert result.dropped_sheets == ["统计图"] and "重新生成" in result.notes[0]
    assert openpyxl.load_workbook(path).sheetnames == ["表"]


def test_formulas_are_kept_and_the_clerk_is_told(tmp_path):
    path = _plain(tmp_path)
    book = openpyxl.load_workbook(path)
    book["表"]["D1"] = "=B2*2"
    book.save(path)
    result = edit_workbook(path, _write_c3)
    assert "公式" in result.notes[0]
    reread = openpyxl.load_workbook(path)
    assert reread["表"]["D1"].value == "=B2*2" and reread.calculation.fullCalcOnLoad


def test_unusable_files_are_refused_as_input(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("票号,评议人类别\n1,全体\n", encoding="utf-8")
    with pytest.raises(UnreadableWorkbook):
        edit_workbook(path, _write_c3)
    assert backups_of(path) == []


def test_stale_temporaries_of_a_crashed_run_are_cleared(tmp_path):
    path = _plain(tmp_path)
    stale = tmp_path / ".~shuping-book-abc.xlsx"
    stale.write_bytes(b"half")
    edit_workbook(path, _write_c3)
    assert not stale.exists()


def _with_member(path, name, data, rels_type=None):
    """Copy `path` adding a zip member (and, for a sheet relationship, its rels entry)."""
    import zipfile

    source = zipfile.ZipFile(path)
    members = {i.filename: source.read(i) for i in source.infolist()}
    source.close()
    members[name] = data
    if rels_type:
        rels = "xl/worksheets/_rels/sheet1.xml.rels"
        entry = (f'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 f'relationships/{rels_type}" Target="../{name.split("xl/", 1)[1]}"/>')
        body = members.get(rels, b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                  b'package/2006/relationships"></Relationships>').decode()
        members[rels] = body.replace("</Relationships>", entry + "</Relationships>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return path


@pytest.mark.parametrize("member,rels_type,expected", [
    ("xl/pivotTables/pivotTable1.xml", "pivotTable", "数据透视表"),
    ("xl/ctrlProps/ctrlProp1.xml", "ctrlProp", "窗体控件"),
    ("xl/embeddings/oleObject1.bin", "oleObject", "嵌入对象"),
    ("xl/slicers/slicer1.xml", "slicer", "切片器"),
    ("xl/threadedComments/threadedComment1.xml", "threadedComment", "新版批注（线程批注）"),
])
def test_finds_pivots_controls_and_the_like(tmp_path, member, rels_type, expected):
    path = _with_member(_xlsxwriter_book(tmp_path / "a.xlsx", lambda book, sheet: None), member, b"<x/>", rels_type)
    assert find_losses(path, inspect_workbook(path)) == {"我的表": [expected]}


def test_a_workbook_with_vba_is_refused(tmp_path):
    path = _with_member(_plain(tmp_path), "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    with pytest.raises(EditRefused, match="宏"):
        edit_workbook(path, _write_c3)
