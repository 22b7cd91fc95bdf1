"""Corpus cases for the editing path: what a clerk's workbook holds that the editor cannot
keep (each built by editing the real xlsx package the way WPS or Excel writes it), the
clerk's own files beside it that look like the tool's backups, and a reworded 整改清单 row.

Reading commands are unaffected (0). An editing command that has something to write
refuses (1) and names the content in Chinese, the workbook untouched.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

from bad.make_corpus import FILE, FINE, Case, write_base

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RECTIFY = "整改清单"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8"
                    "ffff3f0005fe02fea7d6a4f00000000049454e44ae426082")


EDITS_REFUSED = {**FINE, "prepare": 1, "rectify": 1, "comments import": 1, "ledger merge": 1, "carry": 1}


def _refused(what: str) -> dict:
    return {"prepare": what, "rectify": what, "comments import": what, "ledger merge": what, "carry": what}


def _package(change: Callable[[dict, dict], None]) -> Callable[[Path], None]:
    """The base meeting, then `change(members, sheet parts)` on its zip members."""
    def build(folder: Path) -> None:
        from workbook.io.reader import inspect_workbook

        path = folder / FILE
        write_base(path)
        parts = inspect_workbook(path)
        with zipfile.ZipFile(path) as archive:
            members = {i.filename: archive.read(i) for i in archive.infolist()}
        change(members, parts)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    return build


def _relate(members: dict, source: str, kind: str, target: str, rid: str = "rIdC1") -> None:
    folder, _, name = source.rpartition("/")
    rels = f"{folder}/_rels/{name}.rels"
    body = members.get(rels, b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                             b'openxmlformats.org/package/2006/relationships"></Relationships>').decode("utf-8")
    entry = f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>'
    members[rels] = body.replace("</Relationships>", entry + "</Relationships>").encode("utf-8")


def _in_sheet(members: dict, part: str, xml: str) -> None:
    members[part] = members[part].replace(b"</worksheet>", xml.encode("utf-8") + b"</worksheet>", 1)


def _wps_cell_images(members: dict, parts: dict) -> None:
    members["xl/media/image1.png"] = PNG
    members["xl/cellimages.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><etc:cellImages xmlns:etc="http://www.wps.cn/officeDocument/2017/'
        b'etCustomData" xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">'
        b'<etc:cellImage><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="ID_7F3A"/></xdr:nvPicPr></xdr:pic>'
        b'</etc:cellImage></etc:cellImages>')
    _relate(members, "xl/cellimages.xml", f"{REL}/image", "media/image1.png")
    _relate(members, "xl/workbook.xml", "http://www.wps.cn/officeDocument/2020/cellImage", "cellimages.xml")


def _header_picture(members: dict, parts: dict) -> None:
    members["xl/media/logo.png"] = PNG
    members["xl/drawings/vmlDrawingHF1.vml"] = (
        b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
        b'<v:shape id="CH" type="#_x0000_t75" style="width:60pt;height:20pt"><v:imagedata o:relid="rId1" '
        b'o:title="logo"/></v:shape></xml>')
    _relate(members, "xl/drawings/vmlDrawingHF1.vml", f"{REL}/image", "../media/logo.png", "rId1")
    _relate(members, parts[RECTIFY], f"{REL}/vmlDrawing", "../drawings/vmlDrawingHF1.vml", "rIdHF")
    _in_sheet(members, parts[RECTIFY], '<headerFooter><oddHeader>&amp;C&amp;G</oddHeader></headerFooter>'
                                       f'<legacyDrawingHF xmlns:r="{REL}" r:id="rIdHF"/>')


def _custom_xml(members: dict, parts: dict) -> None:
    members["customXml/item1.xml"] = b'<?xml version="1.0"?><b:Sources xmlns:b="urn:x"/>'
    _relate(members, "xl/workbook.xml", f"{REL}/customXml", "../customXml/item1.xml")


def _unknown_extension(members: dict, parts: dict) -> None:
    _in_sheet(members, parts[RECTIFY], '<extLst><ext uri="{DEADBEEF-0000-4000-8000-000000000001}" '
                                       'xmlns:q="urn:future"><q:newThing/></ext></extLst>')


def _orphan_part(members: dict, parts: dict) -> None:
    members["xl/future/thing1.bin"] = b"\x00\x01"


def _backup_look_alikes(folder: Path) -> None:
    write_base(folder / FILE)
    data = (folder / FILE).read_bytes()
    stem = Path(FILE).stem
    for name in (f"{stem}.备份-1.xlsx", f"{stem}.备份-最终.xlsx"):            # the clerk's own copies
        (folder / name).write_bytes(data)
    for second in range(10):                                                 # ten of the tool's own
        (folder / f"{stem}.备份-20240101-0900{second:02d}.xlsx").write_bytes(data)


def _reworded_row(book: dict) -> None:
    """01's problems listed by rectify, the first reworded by the clerk; the hidden log
    keeps what the tool wrote, so rectify sees nothing new and flags nothing."""
    header = book[RECTIFY][0]
    book[RECTIFY] = [header,          # the base meeting's 01-1 is this row, reworded
                     ["01-1", "01", "张三所在党委", "综合", "理论学习不够深入（已核实）", None, "张三", None, "未启动"],
                      ["01-2", "01", "张三所在党委", "综合", "台账不全。", None, "张三", None, "未启动"]]
    book["台账合并记录"] = [["问题编号", "字段", "值", "来源文件", "合并时间"],
                        ["01-1", "问题描述", "学习不够。", "rectify", "2024-01-20 09:00"],
                        ["01-2", "问题描述", "台账不全。", "rectify", "2024-01-20 09:00"]]
    assert len(header) >= 9


def cases() -> list[Case]:
    return [
        Case("wps_cell_images", "WPS 单元格图片（xl/cellimages.xml，=DISPIMG）", _package(_wps_cell_images),
             EDITS_REFUSED, messages=_refused("WPS 单元格图片（xl/cellimages.xml）")),
        Case("header_picture", "整改清单的页眉里有图片（legacyDrawingHF）", _package(_header_picture),
             EDITS_REFUSED, messages=_refused("页眉页脚中的图片")),
        Case("custom_xml", "工作簿带有自定义 XML 数据（customXml）", _package(_custom_xml),
             EDITS_REFUSED, messages=_refused("自定义 XML 数据")),
        Case("unknown_sheet_extension", "工作表里有不认识的扩展内容（extLst）", _package(_unknown_extension),
             EDITS_REFUSED, messages=_refused("无法识别的扩展内容")),
        Case("orphan_part", "压缩包里有不认识的部件", _package(_orphan_part),
             EDITS_REFUSED, messages=_refused("无法识别的部件（xl/future/thing1.bin）")),
        Case("backup_look_alikes", "旁边有文书自己的“评议.备份-1.xlsx”和十份工具备份", _backup_look_alikes, FINE),
        # ledger merge: the unit's returned 01-1 still reads as split before the rewording, so it is
        # listed as 未采纳 (its 问题描述 no longer matches 整改清单), exit 1
        Case("reworded_rectify_row", "整改清单中工具生成的问题被文书改写过", lambda folder: write_base(folder / FILE,
             _reworded_row), {**FINE, "ledger merge": 1}, messages={"ledger merge": "未采纳"}),
    ]
