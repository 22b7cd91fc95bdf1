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
    # the permission bits are checked, so this holds as root too (HOSTILE #13)
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
    stale = tmp_path / ".~shuping-book-abc_1234.xlsx"   # mkstemp: 8 characters
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


# --- what the editor keeps: every part, relationship and sheet element, or a refusal -----------
# Each case edits a real xlsx package (the zip) the way Excel or WPS would have written it,
# then runs the command that showed the loss through the CLI: refused, exit 1, the part named
# in Chinese, the workbook byte-identical and no backup written.
import datetime as _dt
import re as _re
import zipfile as _zipfile

from typer.testing import CliRunner

from workbook import schema as S
from workbook.api import new_workbook, run_ledger_split, run_rectify
from workbook.cli import app

runner = CliRunner()
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class Package:
    """The members of an xlsx, to change and write back."""

    def __init__(self, path):
        self.path = path
        with _zipfile.ZipFile(path) as archive:
            self.members = {i.filename: archive.read(i) for i in archive.infolist()}
        self.parts = inspect_workbook(path)

    def text(self, name):
        return self.members[name].decode("utf-8")

    def put(self, name, text, content_type=None):
        self.members[name] = text.encode("utf-8") if isinstance(text, str) else text
        if content_type:
            types = self.text("[Content_Types].xml").replace(
                "</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>')
            self.members["[Content_Types].xml"] = types.encode("utf-8")

    def relate(self, source, kind, target, rid="rIdT1"):
        """A relationship from `source` ("" for the package) to `target` (relative)."""
        folder, _, name = source.rpartition("/")
        rels = "_rels/.rels" if not source else f"{folder}/_rels/{name}.rels"
        body = self.members.get(rels, b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
                                      b'http://schemas.openxmlformats.org/package/2006/relationships">'
                                      b'</Relationships>').decode("utf-8")
        entry = f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>'
        self.members[rels] = body.replace("</Relationships>", entry + "</Relationships>").encode("utf-8")
        return rid

    def sheet_element(self, sheet, xml, before="</worksheet>"):
        part = self.parts[sheet]
        assert before in self.text(part)
        self.members[part] = self.text(part).replace(before, xml + before, 1).encode("utf-8")

    def save(self):
        with _zipfile.ZipFile(self.path, "w", _zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.members.items():
                archive.writestr(name, data)
        return self.path


def _wps_cell_image(package):
    """WPS: a picture in a 整改清单 cell is `=DISPIMG("ID_…",1)` plus xl/cellimages.xml."""
    package.put("xl/media/image1.png", _png())
    package.put("xl/cellimages.xml",
                '<?xml version="1.0" encoding="UTF-8"?><etc:cellImages xmlns:etc="http://www.wps.cn/officeDocument/'
                '2017/etCustomData" xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">'
                '<etc:cellImage><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="ID_7F3A"/></xdr:nvPicPr>'
                '</xdr:pic></etc:cellImage></etc:cellImages>', "application/vnd.wps-officedocument.cellimage+xml")
    package.relate("xl/cellimages.xml", f"{REL}/image", "media/image1.png")
    package.relate("xl/workbook.xml", "http://www.wps.cn/officeDocument/2020/cellImage", "cellimages.xml")
    part = package.parts[S.SHEET_RECTIFY]
    package.members[part], found = _re.subn(
        rb'(<row r="2"[^>]*>.*?)(</row>)', rb'\1<c r="O2" t="str"><f>_xlfn.DISPIMG("ID_7F3A",1)</f>'
        rb'<v>=DISPIMG("ID_7F3A",1)</v></c>\2', package.members[part], count=1, flags=_re.S)
    assert found == 1


def _header_logo(package):
    """A logo in 整改清单's page header: &G in the header, a VML drawing by legacyDrawingHF."""
    sheet_part = package.parts[S.SHEET_RECTIFY]
    package.put("xl/media/logo.png", _png())
    package.put("xl/drawings/vmlDrawingHF1.vml",
                '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
                '<v:shape id="CH" type="#_x0000_t75" style="width:60pt;height:20pt"><v:imagedata o:relid="rId1" '
                'o:title="logo"/></v:shape></xml>', "application/vnd.openxmlformats-officedocument.vmlDrawing")
    package.relate("xl/drawings/vmlDrawingHF1.vml", f"{REL}/image", "../media/logo.png", "rId1")
    rid = package.relate(sheet_part, f"{REL}/vmlDrawing", "../drawings/vmlDrawingHF1.vml", "rIdHF")
    package.sheet_element(S.SHEET_RECTIFY, '<headerFooter><oddHeader>&amp;C&amp;G</oddHeader></headerFooter>'
                          f'<legacyDrawingHF xmlns:r="{REL}" r:id="{rid}"/>')


def _custom_xml(package):
    package.put("customXml/item1.xml", '<?xml version="1.0"?><b:Sources xmlns:b="urn:x"/>')
    package.relate("xl/workbook.xml", f"{REL}/customXml", "../customXml/item1.xml")


def _unknown_extension(package):
    package.sheet_element(S.SHEET_RECTIFY, '<extLst><ext uri="{DEADBEEF-0000-4000-8000-000000000001}" '
                          'xmlns:q="urn:future"><q:newThing/></ext></extLst>')


def _unknown_part(package):
    package.put("xl/future/thing1.bin", b"\x00\x01")
    package.relate("xl/workbook.xml", "http://example.invalid/relationships/futureThing", "future/thing1.bin")


def _file_sharing(package):
    """“修改权限密码”: Excel's fileSharing element, which openpyxl does not write back."""
    workbook = package.text("xl/workbook.xml")
    at = workbook.index("<workbookPr") if "<workbookPr" in workbook else workbook.index("<bookViews")
    package.put("xl/workbook.xml", workbook[:at] + '<fileSharing readOnlyRecommended="1" userName="组织部"/>'
                + workbook[at:])


def _orphan_part(package):
    package.put("xl/notes/orphan.xml", "<x/>")


@pytest.fixture(scope="module")
def rectified(tmp_path_factory):
    """The demo meeting after `rectify` (a 整改清单 with rows), and a returned unit ledger
    with one answer, so `ledger merge` has a cell to write."""
    folder = tmp_path_factory.mktemp("rectified")
    path = new_workbook(folder / "会.xlsx", demo=True)
    run_rectify(path, now=_dt.datetime(2024, 1, 20, 9, 0))
    for backup in backups_of(path):
        backup.unlink()
    returned = run_ledger_split(path, folder / "分发").files[0]
    unit = openpyxl.load_workbook(returned)
    unit["整改台账"]["E2"] = "逐人谈心谈话"
    unit.save(folder / "回01.xlsx")
    return path.read_bytes(), folder / "回01.xlsx"


@pytest.mark.parametrize("dress,command,fragments", [
    (_wps_cell_image, ["ledger", "merge", "{path}"], ["WPS单元格图片（xl/cellimages.xml）"]),
    (_header_logo, ["rectify", "{path}"], ["工作表“整改清单”中有", "页眉页脚中的图片（legacyDrawingHF）"]),
    (_custom_xml, ["rectify", "{path}"], ["自定义XML数据（customXml/item1.xml）"]),
    (_unknown_extension, ["rectify", "{path}"], ["无法识别的扩展内容（{DEADBEEF-0000-4000-8000-000000000001}）"]),
    (_unknown_part, ["rectify", "{path}"], ["无法识别的内容（xl/future/thing1.bin"]),
    (_orphan_part, ["rectify", "{path}"], ["无法识别的部件（xl/notes/orphan.xml）"]),
    (_file_sharing, ["carry", "{old}", "{path}"], ["“修改权限密码”或“建议只读”的设置（fileSharing）"]),
])
def test_what_the_editor_cannot_keep_is_refused_through_the_cli(tmp_path, rectified, dress, command, fragments):
    original, returned = rectified
    path = tmp_path / "会.xlsx"
    path.write_bytes(original)
    package = Package(path)
    dress(package)
    package.save()
    if command[0] == "rectify":      # give rectify something to write: a new problem in 点评
        package = Package(path)
        part = package.parts["点评"]
        text = package.text(part)
        package.members[part] = text.replace("</sheetData>", '<row r="90"><c r="A90" t="inlineStr"><is><t>01</t>'
                                             '</is></c><c r="B90" t="inlineStr"><is><t>党建</t></is></c>'
                                             '<c r="D90" t="inlineStr"><is><t>新发现的问题。</t></is></c></row>'
                                             '</sheetData>', 1).encode("utf-8")
        package.save()
    before = path.read_bytes()
    names = sorted(p.name for p in tmp_path.iterdir())
    if command[0] == "carry":        # last year's workbook with one unfinished item to carry in
        last_year = tmp_path.parent / (tmp_path.name + "-去年") / "2023.xlsx"
        last_year.parent.mkdir()
        last_year.write_bytes(original)
    args = [str(path) if a == "{path}" else str(last_year) if a == "{old}" else a for a in command]
    args += [str(returned)] if command[0] == "ledger" else []
    done = runner.invoke(app, args)
    said = "".join(done.output.split())
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output and "内部错误" not in done.output
    for fragment in fragments + ["为免丢失，工作簿未做任何改动"]:
        assert fragment in said, done.output
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == names      # no backup, no temporary, no lock


def _printer_settings(package):
    part = package.parts[S.SHEET_RECTIFY]
    package.put("xl/printerSettings/printerSettings1.bin", b"\x00" * 64,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings")
    package.relate(part, f"{REL}/printerSettings", "../printerSettings/printerSettings1.bin", "rIdP")
    package.sheet_element(S.SHEET_RECTIFY, '<ignoredErrors><ignoredError sqref="A1:A9" numberStoredAsText="1"/>'
                          '</ignoredErrors>')


def test_settings_that_are_no_content_are_dropped_and_declared(tmp_path, rectified):
    original, returned = rectified
    path = tmp_path / "会.xlsx"
    path.write_bytes(original)
    package = Package(path)
    _printer_settings(package)
    package.save()
    done = runner.invoke(app, ["ledger", "merge", str(path), str(returned)])
    said = "".join(done.output.split())
    assert done.exit_code == 0, done.output
    assert "打印机驱动的私有设置（纸张、方向、页边距等页面设置已保留）（“整改清单”）" in said
    assert "忽略错误检查（绿色小三角）的设置（“整改清单”）" in said
    assert len(backups_of(path)) == 1


def test_the_survey_reads_a_plain_excel_package_as_fully_kept(tmp_path):
    # xlsxwriter writes what Excel writes for plain data, comments, tables and validation
    path = tmp_path / "a.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("表")
        sheet.write_row(0, 0, ["甲", "乙"])
        sheet.write_row(1, 0, [1, 2])
        sheet.add_table("A1:B2", {"columns": [{"header": "甲"}, {"header": "乙"}]})
        sheet.write_comment("A2", "批注")
        sheet.data_validation("C1", {"validate": "list", "source": ["是", "否"]})
        sheet.set_header("&C会议")
    assert find_losses(path, inspect_workbook(path)) == {}


# --- backups: only the tool's own, in the order of the time in their names ------------------------
def test_pruning_never_touches_the_clerks_look_alikes(tmp_path):
    path = _plain(tmp_path, "评议.xlsx")
    clerk = ["评议.备份-1.xlsx", "评议.备份-最终.xlsx", "评议.备份-20240301.xlsx", "评议.备份-20241399-120000.xlsx",
             "评议.备份-20240301-090000-0.xlsx", "评议.备份-20240301-090000.xlsx.bak", "评议.备份-20240301-090000.XLSX"]
    for name in clerk:
        (tmp_path / name).write_bytes(b"clerk's own " + name.encode())
    for minute in range(BACKUPS_KEPT + 2):
        edit_workbook(path, _write_c3, now=dt.datetime(2024, 3, 1, 9, minute, 0))
    for name in clerk:
        assert (tmp_path / name).read_bytes() == b"clerk's own " + name.encode()
    assert len(backups_of(path)) == BACKUPS_KEPT


def test_backups_in_one_second_are_numbered_and_ordered_by_time_then_number(tmp_path):
    path = _plain(tmp_path)
    when = dt.datetime(2024, 3, 1, 9, 0, 0)
    for _ in range(11):
        edit_workbook(path, _write_c3, now=when, keep_backups=100)
    edit_workbook(path, _write_c3, now=when - dt.timedelta(seconds=1), keep_backups=100)
    names = [p.name for p in backups_of(path)]
    # by the time in the name first (08:59:59 before 09:00:00), then -2 … -11 after the unnumbered one
    assert names[0] == "book.备份-20240301-085959.xlsx"
    assert names[1:] == ["book.备份-20240301-090000.xlsx"] + [f"book.备份-20240301-090000-{n}.xlsx" for n in range(2, 12)]
    edit_workbook(path, _write_c3, now=when + dt.timedelta(seconds=1), keep_backups=3)
    assert [p.name for p in backups_of(path)] == ["book.备份-20240301-090000-10.xlsx", "book.备份-20240301-090000-11.xlsx",
                                                  "book.备份-20240301-090001.xlsx"]


def test_pruning_through_the_cli_keeps_the_clerks_backup(tmp_path, rectified):
    original, returned = rectified
    path = tmp_path / "会.xlsx"
    path.write_bytes(original)
    mine = tmp_path / "会.备份-1.xlsx"
    mine.write_bytes(original)
    for n in range(BACKUPS_KEPT):
        (tmp_path / f"会.备份-20230101-0000{n:02d}.xlsx").write_bytes(original)
    done = runner.invoke(app, ["ledger", "merge", str(path), str(returned)])
    assert done.exit_code == 0, done.output
    assert mine.read_bytes() == original
    kept = backups_of(path)
    assert len(kept) == BACKUPS_KEPT and kept[0].name == "会.备份-20230101-000001.xlsx"


# --- rectify respects the clerk's rewording of a row it made -------------------------------------
def _rectify_sheet(path):
    return openpyxl.load_workbook(path)[S.SHEET_RECTIFY]


def _reword_first_row(path, forget_log=False):
    book = openpyxl.load_workbook(path)
    sheet = book[S.SHEET_RECTIFY]
    assert sheet["A2"].value == "01-1"
    sheet["E2"] = "（经核实）" + sheet["E2"].value + "，需加强。"
    if forget_log:                   # a workbook rectified before the log held the text
        log = book["台账合并记录"]
        for row in range(log.max_row, 1, -1):
            if log.cell(row, 2).value == "问题描述":
                log.delete_rows(row)
    book.save(path)
    return sheet["E2"].value


@pytest.mark.parametrize("forget_log", [False, True])
def test_a_reworded_tool_row_stays_the_same_problem(tmp_path, forget_log):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    assert runner.invoke(app, ["rectify", str(path)]).exit_code == 0
    rows = _rectify_sheet(path).max_row
    reworded = _reword_first_row(path, forget_log)
    before = path.read_bytes()
    done = runner.invoke(app, ["rectify", str(path)])
    assert done.exit_code == 0, done.output
    # not re-added as a new row, the clerk's row not flagged, nothing written at all; without
    # the logged text the pairing by 问题编号 is said, so a clerk can check it
    assert "新增 0 行，标注 0 行" in done.output and "整改清单已是最新" in done.output
    assert ("按问题编号视为文书改写过的同一问题" in "".join(done.output.split())) == forget_log
    assert path.read_bytes() == before
    sheet = _rectify_sheet(path)
    assert sheet.max_row == rows and sheet["A2"].value == "01-1" and sheet["E2"].value == reworded
    assert not sheet["L2"].value


def test_a_reworded_row_whose_problem_left_the_comments_is_still_flagged(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    assert runner.invoke(app, ["rectify", str(path)]).exit_code == 0
    _reword_first_row(path)
    book = openpyxl.load_workbook(path)
    comments = book["点评"]
    row = next(r for r in range(2, comments.max_row + 1) if comments.cell(r, 1).value == "01")
    comments.cell(row, 4).value = "存在的不足是：一是一个全新的问题。"
    book.save(path)
    done = runner.invoke(app, ["rectify", str(path)])
    assert done.exit_code == 0, done.output
    sheet = _rectify_sheet(path)
    # 01's old problems are gone from 点评: each of its rows is flagged (the reworded one too);
    # the new problem gets the next number
    flagged = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)
               if "点评中已无此问题" in str(sheet.cell(r, 12).value or "")]
    assert "01-1" in flagged and all(pid.startswith("01-") for pid in flagged)
    added = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)
             if sheet.cell(r, 5).value == "一个全新的问题。"]
    assert added == [f"01-{len(flagged) + 1}"]


def test_stale_temporaries_of_another_workbook_are_not_taken(tmp_path):
    # a.xlsx's prefix .~shuping-a- is also the start of a-b.xlsx's temporaries and of its lock
    path = _plain(tmp_path, "a.xlsx")
    others = [tmp_path / ".~shuping-a-b-k3j4h5g6.xlsx", tmp_path / ".~shuping-a-b.xlsx.lock",
              tmp_path / ".~shuping-a-说明.xlsx"]
    for other in others:
        other.write_bytes(b"not a's")
    mine = tmp_path / ".~shuping-a-x1y2z3w4.xlsx"
    mine.write_bytes(b"half")
    edit_workbook(path, _write_c3)
    assert not mine.exists() and all(other.exists() for other in others)


def test_a_hard_linked_workbook_is_edited_under_this_name_and_the_clerk_is_told(tmp_path):
    import os

    path = _plain(tmp_path)
    other = tmp_path / "另一个名字.xlsx"
    os.link(path, other)
    before = other.read_bytes()
    result = edit_workbook(path, _write_c3)
    assert any("硬链接" in note for note in result.notes)
    assert other.read_bytes() == before and openpyxl.load_workbook(path)["表"]["C3"].value == "新增"


def test_what_excel_365_writes_into_every_workbook_is_no_refusal(tmp_path):
    # workbook.xml as Excel 365 saves it: fileVersion, the absPath in mc:AlternateContent,
    # xr:revisionPtr, fileRecoveryPr, an extLst; a CJK sheet's phoneticPr; printer settings
    path = _plain(tmp_path)
    package = Package(path)
    workbook = package.text("xl/workbook.xml")
    at = workbook.index("<workbookPr")
    package.put("xl/workbook.xml", workbook[:at]
                + '<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>'
                + '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
                  '<mc:Choice Requires="x15"><x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/'
                  'spreadsheetml/2010/11/ac" url="D:\\\\组织部\\\\"/></mc:Choice></mc:AlternateContent>'
                + '<xr:revisionPtr xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
                  'revIDLastSave="0" documentId="8_{1}"/>'
                + workbook[at:].replace("</workbook>", '<fileRecoveryPr repairLoad="1"/><extLst><ext uri="{140A7094-'
                                        '0E35-4892-8432-C4D2E57EDEB5}"/></extLst></workbook>'))
    package.sheet_element("表", '<phoneticPr fontId="1" type="noConversion"/>', before="<pageMargins")
    package.save()
    assert find_losses(path, inspect_workbook(path)) == {}
    result = edit_workbook(path, _write_c3)
    assert result.changed and not any("省略" in note for note in result.notes)
