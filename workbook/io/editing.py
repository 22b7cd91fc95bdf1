"""The one path by which shuping changes a clerk's workbook (prepare, comments import,
rectify, ledger merge, carry).

A step opens an edit session — `with open_edit(path) as session:` — reads the workbook it
decides from with `session.load()`, and hands `session.apply` a function that changes an
openpyxl Workbook and says which cells it was allowed to touch. In this order:

1. a symbolic link is resolved once (the file it points to is edited, the link stays a
   link); the file is vetted like any input (reader.inspect_workbook) and refused while
   Excel or WPS has it open (`~$name.xlsx`);
2. the edit's lock is taken (io/locks.py) and held until after the rename: a second edit
   waits, then reads what the first one wrote — no edit is lost to another's rename;
3. every cell value is taken down, the edit runs, and nothing is written when it says
   there is nothing to change;
4. the package is surveyed against what the editor keeps (`survey_workbook`): every
   relationship, part and sheet element is one openpyxl writes back, or one that is no
   content (regenerated, named in a note), or the edit is refused by its name — the list
   is of what is kept, so anything unknown is refused, never silently lost;
5. a backup `<stem>.备份-YYYYmmdd-HHMMSS[-N].xlsx` is written beside the file (the last
   BACKUPS_KEPT of exactly that pattern are kept, by the time in the name);
6. the new workbook goes to a temporary file, is fsynced, read back and compared cell by
   cell with what was taken down (only the declared cells may differ), and only then
   renamed over the original.

Tool-owned sheets (schema.GENERATED_SHEETS) holding what cannot be kept are dropped rather
than refused: they are rebuilt on the next count.
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import posixpath
import re
import warnings
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .. import schema as S
from ..cells import cell_ref
from .atomic import atomic_write_bytes, fault_point, refuse_if_open, remove_stale_temporaries
from ..errors import EditRefused, OutputError, SheetTooLarge, UnreadableWorkbook
from .reader import inspect_workbook

BACKUP_MARK = ".备份-"
BACKUP_STAMP = "%Y%m%d-%H%M%S"
BACKUPS_KEPT = 10

# A region predicate: (0-based row, 0-based column) -> may this edit change the cell?
Region = Callable[[int, int], bool]


@dataclass
class Edit:
    """What an edit function did: the cells it may have changed, per sheet, and a
    line per change for the clerk."""

    regions: dict[str, Region]
    summary: list[str] = field(default_factory=list)


@dataclass
class EditResult:
    path: Path
    changed: bool
    backup: Path | None = None
    summary: list[str] = field(default_factory=list)
    dropped_sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- what the editor keeps, and what it refuses ----------------------------------------
# openpyxl reads and writes back only what it models. Rather than list what it loses
# (a list that is never complete), these list what it keeps: every relationship of the
# package, every part, and every element of a sheet's XML is either one of these, or one
# the editor may regenerate (declared in a note), or the edit is refused with its name.
_RELATIONSHIPS_KEPT = {
    # _rels/.rels: the package
    "package": {"officeDocument", "core-properties", "extended-properties", "custom-properties"},
    # xl/_rels/workbook.xml.rels
    "workbook": {"worksheet", "chartsheet", "theme", "styles", "sharedStrings", "externalLink"},
    # xl/worksheets/_rels/sheetN.xml.rels (drawings and VML are looked into, below)
    "sheet": {"comments", "hyperlink", "table", "drawing", "vmlDrawing"},
    "externalLink": {"externalLinkPath"},
    "table": set(),
    "comments": set(),
}
# dropped on save and rebuilt by Excel, or the printer driver's own bytes: never content
_RELATIONSHIPS_REGENERATED = {
    "thumbnail": "",                       # the preview picture Excel makes on save
    "calcChain": "",                       # the order of calculation, rebuilt by Excel
    "printerSettings": "打印机驱动的私有设置（纸张、方向、页边距等页面设置已保留）",
}
# refused, in the clerk's words (by the last segment of the relationship type)
_RELATIONSHIP_NAMES = {
    "vbaProject": "宏（VBA 代码）",
    "customXml": "自定义 XML 数据",
    "connections": "外部数据连接",
    "queryTable": "查询表",
    "pivotCacheDefinition": "数据透视表的数据缓存",
    "pivotTable": "数据透视表",
    "slicerCache": "切片器",
    "slicer": "切片器",
    "timelineCache": "日程表",
    "timeline": "日程表",
    "sheetMetadata": "动态数组公式等的元数据",
    "persons": "新版批注（线程批注）的作者",
    "threadedComment": "新版批注（线程批注）",
    "cellImage": "WPS 单元格图片",
    "rdRichValue": "单元格中的图片（置于单元格内）",
    "richValueRel": "单元格中的图片（置于单元格内）",
    "rdRichValueStructure": "单元格中的图片（置于单元格内）",
    "rdRichValueTypes": "单元格中的图片（置于单元格内）",
    "rdArray": "单元格中的图片（置于单元格内）",
    "rdSupportingPropertyBag": "单元格中的图片（置于单元格内）",
    "rdSupportingPropertyBagStructure": "单元格中的图片（置于单元格内）",
    "powerPivotData": "数据模型（Power Pivot）",
    "revisionHeaders": "修订记录（共享工作簿）",
    "usernames": "共享工作簿的用户列表",
    "volatileDependencies": "易失性函数的依赖信息",
    "ctrlProp": "窗体控件",
    "control": "ActiveX 控件",
    "oleObject": "嵌入对象",
    "package": "嵌入对象",
    "image": "背景图片",
    "customProperty": "工作表自定义属性",
    "webextension": "Office 加载项（Web 扩展）",
    "webextensiontaskpanes": "Office 加载项（Web 扩展）",
}
_DRAWING_KINDS = {"chart": "图表", "chartUserShapes": "图表", "image": "图片", "diagramData": "SmartArt 图形"}
_SHAPE = re.compile(rb"<(?:\w+:)?(?:sp|cxnSp|grpSp)[\s>]")
# Legacy VML holds comment boxes (ObjectType="Note", kept) and old form controls (lost).
_VML_CONTROL = re.compile(rb'ObjectType="(?!Note")[^"]*"')
_VML_PICTURE = re.compile(rb"<(?:\w+:)?imagedata[\s>/]")
# a header/footer picture's VML (shape ids LH CH RH LF CF RF): named by its legacyDrawingHF
_VML_HEADER_FOOTER = re.compile(rb'<(?:\w+:)?shape\b[^>]*\bid="[LCR][HF]"')

# Elements of a worksheet's XML that openpyxl reads and writes back (its WorksheetReader).
# `drawing`, `picture`, `oleObjects`, `controls` and `legacyDrawing` are judged by their
# relationship (above); mc:AlternateContent wraps controls and embedded objects.
_SHEET_ELEMENTS_KEPT = {
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetProtection",
    "autoFilter", "mergeCells", "conditionalFormatting", "dataValidations", "hyperlinks",
    "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "scenarios",
    "legacyDrawing", "tableParts", "drawing", "picture", "oleObjects", "controls",
}
# dropped by openpyxl, and no content: declared in a note when the sheet had them
_SHEET_ELEMENTS_REGENERATED = {
    "ignoredErrors": "忽略错误检查（绿色小三角）的设置",
    "phoneticPr": "",                      # Chinese and Japanese Excel write it on every sheet
    "sheetCalcPr": "",
    "sortState": "上次排序的条件",
}
_SHEET_ELEMENT_NAMES = {
    "legacyDrawingHF": "页眉页脚中的图片",
    "drawingHF": "页眉页脚中的图片",
    "protectedRanges": "允许编辑区域（保护设置）",
    "customSheetViews": "自定义视图",
    "dataConsolidate": "合并计算的设置",
    "customProperties": "工作表自定义属性",
    "cellWatches": "监视窗口",
    "smartTags": "智能标记",
    "webPublishItems": "网页发布设置",
    "AlternateContent": "控件或嵌入对象（兼容格式）",
}
# what an extLst entry holds, by its first element (openpyxl keeps no sheet extension)
_EXTENSION_NAMES = {
    "sparklineGroups": "迷你图",
    "dataValidations": "引用其他工作表的数据验证（扩展格式）",
    "conditionalFormattings": "数据条/图标集等扩展条件格式",
    "slicerList": "切片器",
    "timelineRefs": "日程表",
    "webExtensions": "Office 加载项（Web 扩展）",
    "protectedRanges": "允许编辑区域（保护设置）",
    "ignoredErrors": "忽略错误检查的扩展设置",
}
# Elements of xl/workbook.xml: kept by openpyxl, no content (the extensions that hold
# content — slicer and timeline caches, the data model — come with a relationship, refused
# above), or refused by name.
_WORKBOOK_ELEMENTS_KEPT = {"workbookPr", "workbookProtection", "bookViews", "sheets", "externalReferences",
                           "definedNames", "calcPr", "pivotCaches"}
# (revisionPtr: Excel 2016+ marks every save with it; AlternateContent: its absPath)
_WORKBOOK_ELEMENTS_REGENERATED = {"fileVersion", "fileRecoveryPr", "oleSize", "smartTagPr", "smartTagTypes",
                                  "webPublishing", "extLst", "AlternateContent", "revisionPtr"}
_WORKBOOK_ELEMENT_NAMES = {
    "fileSharing": "“修改权限密码”或“建议只读”的设置",
    "customWorkbookViews": "自定义视图",
    "functionGroups": "自定义函数类别",
    "webPublishObjects": "网页发布设置",
}
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = "[Content_Types].xml"


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(type's last segment, absolute target part or "" for an external one) of a part's
    relationships; the package's own when `part` is ""."""
    from defusedxml import ElementTree

    rels = "_rels/.rels" if part == "" else _rels_part(part)
    try:
        root = ElementTree.fromstring(archive.read(rels))
    except KeyError:
        return []
    except ElementTree.ParseError as exc:
        raise UnreadableWorkbook(f"工作簿部件 {rels} 无法解析：{exc}") from exc
    found = []
    for rel in root:
        kind = rel.get("Type", "").rstrip("/").rsplit("/", 1)[-1]
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            found.append((kind, ""))
            continue
        if target.startswith("/"):
            absolute = target.lstrip("/")
        else:
            absolute = posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
        found.append((kind, absolute))
    return found


def _named(what: str, place: str) -> str:
    return f"{what}（{place}）" if place else what


def _unknown(kind: str, target: str) -> str:
    return f"无法识别的内容（{target or kind}，关系类型 {kind}）"


@dataclass
class Survey:
    """What an edit would lose ({sheet or "" for the workbook: what}) and what it
    drops as no content ({sheet or "": notes})."""

    losses: dict[str, list[str]] = field(default_factory=dict)
    regenerated: dict[str, list[str]] = field(default_factory=dict)

    def lose(self, sheet: str, what: str) -> None:
        found = self.losses.setdefault(sheet, [])
        if what not in found:
            found.append(what)

    def regenerate(self, sheet: str, what: str) -> None:
        if what:
            found = self.regenerated.setdefault(sheet, [])
            if what not in found:
                found.append(what)


def _sheet_skeleton(xml: bytes) -> bytes:
    """The sheet's XML without its cells (sheetData), small enough to parse whole."""
    opening = re.search(rb"<(?:[\w.-]+:)?sheetData(?=[\s/>])", xml)
    if opening is None:
        return xml
    end = xml.rfind(b"sheetData>")
    if end < opening.end():
        return xml   # <sheetData/>: nothing to cut
    closing = xml.rfind(b"<", 0, end)
    if xml[closing:closing + 2] != b"</":
        return xml
    return xml[:opening.start()] + xml[end + len(b"sheetData>"):]


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _survey_sheet_xml(xml: bytes, sheet: str, survey: Survey) -> None:
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(_sheet_skeleton(xml))
    except ElementTree.ParseError as exc:
        raise UnreadableWorkbook(f"工作表“{sheet}”的 XML 无法解析：{exc}") from exc
    for element in root:
        namespace, name = _local(element.tag)
        if name == "extLst" and namespace == _NS_MAIN:
            for ext in element:
                content = [_local(child.tag)[1] for child in ext]
                what = next((_EXTENSION_NAMES[c] for c in content if c in _EXTENSION_NAMES), None)
                survey.lose(sheet, what or f"无法识别的扩展内容（{ext.get('uri', '')}）")
        elif namespace == _NS_MAIN and name in _SHEET_ELEMENTS_KEPT:
            continue
        elif namespace == _NS_MAIN and name in _SHEET_ELEMENTS_REGENERATED:
            survey.regenerate(sheet, _SHEET_ELEMENTS_REGENERATED[name])
        elif name in _SHEET_ELEMENT_NAMES:
            survey.lose(sheet, _named(_SHEET_ELEMENT_NAMES[name], name))
        else:
            survey.lose(sheet, f"无法识别的内容（{name}）")


def _survey_workbook_xml(xml: bytes, survey: Survey) -> None:
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise UnreadableWorkbook(f"工作簿结构（workbook.xml）无法解析：{exc}") from exc
    for element in root:
        name = _local(element.tag)[1]
        if name in _WORKBOOK_ELEMENTS_KEPT or name in _WORKBOOK_ELEMENTS_REGENERATED:
            continue
        survey.lose("", _named(_WORKBOOK_ELEMENT_NAMES.get(name, "无法识别的内容"), name))


def _survey_drawing(archive: zipfile.ZipFile, target: str, sheet: str, survey: Survey) -> None:
    kinds = [_DRAWING_KINDS.get(k) for k, _ in _relationships(archive, target)]
    for kind in kinds:
        if kind:
            survey.lose(sheet, kind)
    try:
        if _SHAPE.search(archive.read(target)):
            survey.lose(sheet, "形状或文本框")
    except KeyError:
        pass
    if not any(kinds):
        survey.lose(sheet, "绘图对象")


def _survey_vml(archive: zipfile.ZipFile, target: str, sheet: str, survey: Survey) -> None:
    try:
        vml = archive.read(target)
    except KeyError:
        return
    if _VML_CONTROL.search(vml):
        survey.lose(sheet, "窗体控件")
    if _VML_HEADER_FOOTER.search(vml):
        return
    if _VML_PICTURE.search(vml) or _relationships(archive, target):
        survey.lose(sheet, _named("VML 图片", target))


def _survey_sheet(archive: zipfile.ZipFile, part: str, sheet: str, survey: Survey) -> None:
    if part.startswith("xl/chartsheets/"):
        survey.lose(sheet, "图表工作表")
        return
    for kind, target in _relationships(archive, part):
        if kind == "drawing" and target:
            _survey_drawing(archive, target, sheet, survey)
        elif kind == "vmlDrawing" and target:
            _survey_vml(archive, target, sheet, survey)
        elif kind in ("table", "comments") and target:
            for inner, inner_target in _relationships(archive, target):
                survey.lose(sheet, _named(_RELATIONSHIP_NAMES.get(inner) or _unknown(inner, inner_target),
                                          inner_target))
        elif kind in _RELATIONSHIPS_KEPT["sheet"]:
            continue
        elif kind in _RELATIONSHIPS_REGENERATED:
            survey.regenerate(sheet, _RELATIONSHIPS_REGENERATED[kind])
        elif kind in _RELATIONSHIP_NAMES:
            survey.lose(sheet, _RELATIONSHIP_NAMES[kind])
        else:
            survey.lose(sheet, _unknown(kind, target))
    try:
        _survey_sheet_xml(archive.read(part), sheet, survey)
    except KeyError:
        pass


def _referenced(archive: zipfile.ZipFile, names: set[str]) -> set[str]:
    """Every part reachable from the package's relationships."""
    seen: set[str] = set()
    pending = [""]
    while pending:
        part = pending.pop()
        for _, target in _relationships(archive, part):
            if target and target not in seen and target in names:
                seen.add(target)
                pending.append(target)
    return seen


def survey_workbook(path: Path | io.BytesIO, sheet_parts: dict[str, str]) -> Survey:
    """Every part, relationship and sheet element of the package (a file, or its bytes)
    against what is kept."""
    survey = Survey()
    sheets_by_part = {part: sheet for sheet, part in sheet_parts.items()}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for kind, target in _relationships(archive, ""):
            if kind in _RELATIONSHIPS_KEPT["package"]:
                continue
            if kind in _RELATIONSHIPS_REGENERATED:
                survey.regenerate("", _RELATIONSHIPS_REGENERATED[kind])
            else:
                survey.lose("", _named(_RELATIONSHIP_NAMES.get(kind) or _unknown(kind, target), target))
        for kind, target in _relationships(archive, "xl/workbook.xml"):
            if kind in ("worksheet", "chartsheet"):
                if target in sheets_by_part:
                    if target in names:
                        _survey_sheet(archive, target, sheets_by_part[target], survey)
                elif target in names:
                    survey.lose("", _named("未列入工作簿的工作表", target))
            elif kind == "externalLink" and target:
                for inner, inner_target in _relationships(archive, target):
                    if inner not in _RELATIONSHIPS_KEPT["externalLink"]:
                        survey.lose("", _named(_unknown(inner, inner_target), target))
            elif kind in _RELATIONSHIPS_KEPT["workbook"]:
                continue
            elif kind in _RELATIONSHIPS_REGENERATED:
                survey.regenerate("", _RELATIONSHIPS_REGENERATED[kind])
            else:
                survey.lose("", _named(_RELATIONSHIP_NAMES.get(kind) or _unknown(kind, target), target))
        if "xl/workbook.xml" in names:
            _survey_workbook_xml(archive.read("xl/workbook.xml"), survey)
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            survey.lose("", "宏（VBA 代码）")
        reached = _referenced(archive, names)
        for name in sorted(names - reached):
            if name == _CONTENT_TYPES or name.endswith(".rels") or name.endswith("/"):
                continue
            if name.lower().endswith("vbaproject.bin"):
                continue
            survey.lose("", _named("无法识别的部件", name))
    return survey


def find_losses(path: Path | io.BytesIO, sheet_parts: dict[str, str]) -> dict[str, list[str]]:
    """{sheet name (or "" for the whole workbook): what openpyxl would drop from it}."""
    return survey_workbook(path, sheet_parts).losses


def _refuse_losses(path: Path, losses: dict[str, list[str]]) -> list[str]:
    """Raise for a clerk's sheet or the workbook; return the tool-owned sheets to drop."""
    clerk = {sheet: kinds for sheet, kinds in losses.items() if sheet not in S.GENERATED_SHEETS}
    if clerk:
        places = "；".join((f"工作表“{sheet}”中有" if sheet else "工作簿中有") + "、".join(kinds)
                          for sheet, kinds in clerk.items())
        raise EditRefused(
            f"“{path.name}”不能用命令行修改：{places}。这些是命令行（openpyxl）无法保留的内容，"
            "为免丢失，工作簿未做任何改动。请在 Excel 中打开它，用“述评”选项卡上的按钮完成此操作；"
            "或把这些内容移到另一个工作簿后再运行。")
    return [sheet for sheet in losses if sheet in S.GENERATED_SHEETS]


def _refuse_unwritable(path: Path) -> None:
    # The permission bits first: root (or CAP_DAC_OVERRIDE) can open a read-only file for
    # writing, but the clerk's read-only flag is meant to freeze the workbook.
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise EditRefused(f"“{path.name}”无法写入：{exc.strerror or exc}。工作簿未做任何改动") from exc
    if mode & 0o222 == 0:
        raise EditRefused(f"“{path.name}”无法写入：文件是只读的。"
                          "请取消只读属性后再试，工作簿未做任何改动")
    try:
        with open(path, "r+b"):
            pass
    except PermissionError as exc:
        raise EditRefused(f"“{path.name}”无法写入：文件是只读的，或正被其他程序（Excel/WPS）占用。"
                          "请关闭该文件或取消只读属性后再试，工作簿未做任何改动") from exc
    except OSError as exc:
        raise EditRefused(f"“{path.name}”无法写入：{exc.strerror or exc}。工作簿未做任何改动") from exc


# --- cell values, before and after -------------------------------------------------------
FORMULA = "〈公式〉"   # formula cells compare by place: a saved-by-openpyxl file has no cached values


def _comparable(value: Any) -> Any:
    """One form for a value as openpyxl holds it and as calamine reads it back: numbers
    as floats, midnight datetimes as dates, durations as text, rich text as its text,
    an empty string as an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, _dt.datetime):
        return value.date() if value.time() == _dt.time(0) else value
    if isinstance(value, str):   # openpyxl keeps Excel's _x000B_ escapes; calamine decodes them
        from .reader import decode_escapes

        return decode_escapes(value)
    if isinstance(value, (_dt.date, _dt.time)):
        return value
    if isinstance(value, _dt.timedelta):
        return str(value)
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else str(value)


Snapshot = dict[str, dict[tuple[int, int], Any]]


def take_values(book) -> Snapshot:
    """Every non-empty cell of every worksheet, 0-based. Reads openpyxl's cell store
    directly: iterating the used range would create millions of empty cells."""
    snapshot: Snapshot = {}
    for sheet in book.worksheets:
        values = {}
        for (row, col), cell in sheet._cells.items():
            value = FORMULA if cell.data_type == "f" else _comparable(cell.value)
            if value is not None:
                values[(row - 1, col - 1)] = value
        snapshot[sheet.title] = values
    return snapshot


def read_back_values(path: Path) -> Snapshot:
    """What was written, read by the other engine (python-calamine plus the formula scan),
    so a fault in openpyxl's writer cannot hide behind its own reader."""
    from .reader import CalamineSource

    source = CalamineSource(path)
    snapshot: Snapshot = {}
    for name in source.sheet_names:
        values = {(r, c): _comparable(v) for r, row in enumerate(source.rows(name)) for c, v in enumerate(row)}
        values = {key: value for key, value in values.items() if value is not None}
        for key in source.facts(name).formulas:
            values[key] = FORMULA
        snapshot[name] = values
    return snapshot


def compare_values(before: Snapshot, after: Snapshot, regions: dict[str, Region],
                   dropped: Iterable[str] = ()) -> list[str]:
    """Places where `after` differs from `before` outside the declared regions."""
    problems: list[str] = []
    dropped = set(dropped)
    for sheet, values in before.items():
        if sheet in dropped:
            continue
        if sheet not in after:
            problems.append(f"工作表“{sheet}”丢失")
            continue
        region = regions.get(sheet, lambda r, c: False)
        new = after[sheet]
        for key in values.keys() | new.keys():
            if values.get(key) != new.get(key) and not region(*key):
                problems.append(f"{cell_ref(sheet, *key)}：原为“{values.get(key)}”，写出后为“{new.get(key)}”")
                if len(problems) >= 5:
                    return problems
    return problems


# --- backups ------------------------------------------------------------------------------
# The tool's own backups are exactly `<stem>.备份-YYYYmmdd-HHMMSS[-N]<suffix>`; only those
# are ever pruned, oldest first by the time in the name (then N), never a clerk's file
# that merely looks alike (评议.备份-1.xlsx, 评议.备份-最终.xlsx…).
_BACKUP_TAIL = re.compile(r"(?P<stamp>\d{8}-\d{6})(?:-(?P<serial>[1-9]\d{0,5}))?")


def backup_name(path: Path, when: _dt.datetime, serial: int = 1) -> Path:
    tail = f"-{serial}" if serial > 1 else ""
    return path.with_name(f"{path.stem}{BACKUP_MARK}{when.strftime(BACKUP_STAMP)}{tail}{path.suffix}")


def backup_order(path: Path, candidate: Path) -> tuple[_dt.datetime, int] | None:
    """(time, serial) when `candidate` is one of the tool's backups of `path`, else None."""
    name, prefix, suffix = candidate.name, path.stem + BACKUP_MARK, path.suffix
    if not (name.startswith(prefix) and name.endswith(suffix)) or len(name) <= len(prefix) + len(suffix):
        return None
    match = _BACKUP_TAIL.fullmatch(name[len(prefix):len(name) - len(suffix)])
    if match is None:
        return None
    try:
        when = _dt.datetime.strptime(match["stamp"], BACKUP_STAMP)
    except ValueError:
        return None
    return when, int(match["serial"] or 1)


def backups_of(path: Path) -> list[Path]:
    """This workbook's backups (the tool's exact pattern), oldest first."""
    found = []
    for candidate in path.parent.iterdir():
        order = backup_order(path, candidate)
        if order is not None and candidate.is_file() and not candidate.is_symlink():
            found.append((order, candidate))
    return [candidate for _, candidate in sorted(found)]


def free_backup_name(path: Path, when: _dt.datetime) -> Path:
    """The name of a new backup: a second one within the same second gets -2, -3…"""
    serial = 1
    target = backup_name(path, when)
    while target.exists() or target.is_symlink():
        serial += 1
        target = backup_name(path, when, serial)
    return target


def write_backup(path: Path, data: bytes, when: _dt.datetime) -> Path:
    """A new backup (never over an existing file)."""
    return atomic_write_bytes(free_backup_name(path, when), data, faults=False)


def prune_backups(path: Path, keep: int = BACKUPS_KEPT, made: Path | None = None) -> None:
    """Keep the newest `keep` backups by the time in the name, and always `made` (the one
    this edit has just written, whatever its name sorts as: the clock may have gone back)."""
    for old in backups_of(path)[:-keep] if keep > 0 else []:
        if made is not None and old.name == made.name:
            continue
        try:
            old.unlink()
        except OSError:
            pass


# --- the editing path ---------------------------------------------------------------------
def _formula_cells(snapshot: Snapshot) -> list[str]:
    return [cell_ref(sheet, *key) for sheet, values in snapshot.items()
            for key, value in values.items() if value is FORMULA]


# The sheets whose values the count reads: openpyxl keeps a formula but not its computed
# value, so after a save the formula would read as blank (equal weights, no cap…).
SETTINGS_SHEETS = (S.SHEET_CATEGORIES, S.SHEET_ITEMS, S.SHEET_RULES, S.SHEET_PARAMS, S.SHEET_MEETING, S.SHEET_REPORTERS)


def _refuse_settings_formulas(named: Path, before: Snapshot) -> None:
    places = [cell_ref(sheet, *key) for sheet in SETTINGS_SHEETS
              for key, value in sorted(before.get(sheet, {}).items()) if value is FORMULA]
    if places:
        shown = "、".join(places[:5]) + (f" 等 {len(places)} 处" if len(places) > 5 else "")
        raise EditRefused(f"“{named.name}”的设置表中有公式（{shown}）：命令行保存后这些公式的计算结果会丢失，"
                          "计票时将读成空白。为免算错，工作簿未做任何改动。请把这些公式改为直接填写的数值，"
                          "或在 Excel 中用“述评”选项卡上的按钮完成此操作")


def replace_with_backup(path: Path, original: bytes, data: bytes, stamp: os.stat_result,
                        check: Callable[[Path], None], now: _dt.datetime | None, keep_backups: int,
                        step: Callable[[str], None]) -> Path:
    """The last steps of every edit, whichever writer made `data`: `check` the written
    temporary and that nobody saved the file since it was read (`stamp`), back up the
    original, rename the new bytes over it (the backup removed again if that fails) and
    prune the tool's backups, never the one just written. Returns the backup."""
    def verify(temporary: Path) -> None:
        check(temporary)
        current = path.stat()
        if (current.st_size, current.st_mtime_ns) != (stamp.st_size, stamp.st_mtime_ns):
            raise OutputError(f"“{path.name}”在处理期间被其他程序修改过，已放弃保存，请重新运行")

    step("正在写入备份…")
    backup = write_backup(path, original, now or _dt.datetime.now())
    fault_point("after-backup")
    try:
        atomic_write_bytes(path, data, verify)
    except BaseException:
        backup.unlink(missing_ok=True)   # the original is untouched: its copy is clutter
        raise
    prune_backups(path, keep_backups, backup)
    return backup


class EditSession:
    """One edit of one workbook, under its lock (`open_edit`): `load()` reads the Book the
    step decides from, `apply(fn)` changes the workbook; both see the same file."""

    def __init__(self, named: Path, real: Path, sheet_parts: dict[str, str],
                 progress: Callable[[str], None] | None):
        self.named, self.path = named, real
        self._sheet_parts = sheet_parts
        self._step = progress or (lambda message: None)
        self._original: bytes | None = None
        self._stamp: os.stat_result | None = None
        self.result: EditResult | None = None

    def _take_original(self) -> None:
        if self._original is None:
            self._stamp = self.path.stat()
            self._original = self.path.read_bytes()

    def load(self):
        """(Book, issues) of the workbook as it is now, read inside the lock."""
        from .book import load_book

        self._take_original()
        return load_book(self.path)

    def read_source(self):
        """The workbook's cells (calamine) inside the lock, for what the Book does not hold."""
        from .reader import open_source

        self._take_original()
        return open_source(self.path)

    def apply(self, apply: Callable[[Any], Edit | None], keep_backups: int = BACKUPS_KEPT,
              now: _dt.datetime | None = None) -> EditResult:
        """Run `apply` on the workbook and save the result safely (module doc).

        `apply` gets the openpyxl Workbook and returns an Edit naming the cells it may have
        changed, or None when there is nothing to change (then nothing is written).
        """
        import openpyxl

        step, path = self._step, self.path
        self._take_original()
        original, stamp = self._original, self._stamp
        step("正在读取工作簿（用于修改）…")
        try:
            with warnings.catch_warnings():   # what openpyxl would drop is surveyed and refused below
                warnings.simplefilter("ignore")
                book = openpyxl.load_workbook(io.BytesIO(original), rich_text=True)
        except Exception as exc:
            raise UnreadableWorkbook(f"无法打开“{self.named.name}”进行修改：{exc}") from exc
        before = take_values(book)
        edit = apply(book)
        if edit is None:
            self.result = EditResult(self.named, changed=False)
            return self.result
        _refuse_settings_formulas(self.named, before)
        _refuse_unwritable(path)
        survey = survey_workbook(io.BytesIO(original), self._sheet_parts)
        dropped = _refuse_losses(path, survey.losses)
        for sheet in dropped:
            del book[sheet]
        formulas = _formula_cells(before)
        if formulas:
            book.calculation.fullCalcOnLoad = True
        step("正在生成新的工作簿…")
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()

        def verify(temporary: Path) -> None:
            step("正在逐格核对写出的内容…")
            inspect_workbook(temporary)
            try:
                after = read_back_values(temporary)
            except SheetTooLarge as exc:
                raise OutputError(exc.message + "。为确保逐格核对，工作簿未做任何改动") from exc
            problems = compare_values(before, after, edit.regions, dropped)
            if problems:
                raise OutputError("写出的工作簿与原内容核对不一致，已放弃保存，原文件未改动：" + "；".join(problems))

        backup = replace_with_backup(path, original, data, stamp, verify, now, keep_backups, step)
        self.result = EditResult(self.named, True, backup, edit.summary, dropped,
                                 self._notes(dropped, formulas, survey, stamp))
        return self.result

    def apply_plan(self, plan, fallback: Callable[[Any], Edit | None] | None = None,
                   keep_backups: int = BACKUPS_KEPT, now: _dt.datetime | None = None) -> EditResult:
        """Apply a plans.EditPlan part by part in the package (io/package_edit.py: only the
        changed sheets rewritten, every other part byte for byte) where the plan allows, else
        through `fallback` (an edit function for `apply`; by default plan_writer.write_plan,
        the openpyxl path)."""
        from .package_edit import apply_plan_in_session
        from .plan_writer import write_plan

        if fallback is None:
            def fallback(workbook):
                return write_plan(workbook, plan)
        return apply_plan_in_session(self, plan, fallback, keep_backups, now)

    def _notes(self, dropped: list[str], formulas: list[str], survey: Survey, stamp: os.stat_result) -> list[str]:
        notes = []
        if self.named != self.path:
            notes.append(f"“{self.named}”是一个链接，修改的是它指向的文件“{self.path}”，备份也在那里；链接本身保持不变。")
        if stamp.st_nlink > 1:
            notes.append(f"“{self.path.name}”还有其他名称（硬链接，共 {stamp.st_nlink} 个），"
                         "只有这个名称是修改后的内容，其他名称仍是修改前的内容。")
        if dropped:
            notes.append("工具生成的工作表 " + "、".join(f"“{s}”" for s in dropped)
                         + " 含图表，命令行无法保留，已移除；在 Excel 中点击“计票汇总”会重新生成。")
        if formulas:
            notes.append(f"工作簿中有 {len(formulas)} 个公式单元格（如 {formulas[0]}），公式已原样保留；"
                         "其计算结果要在 Excel 中打开并保存一次后才会更新，在此之前 shuping 读到的是空值。")
        settings: dict[str, list[str]] = {}
        for sheet, items in survey.regenerated.items():
            for what in items:
                if sheet not in dropped:
                    settings.setdefault(what, []).append(sheet)
        if settings:
            notes.append("以下设置命令行不能保留，已省略（不影响任何单元格内容）：" + "；".join(
                what + ("" if sheets == [""] else "（" + "、".join(f"“{s}”" for s in sheets if s) + "）")
                for what, sheets in settings.items()) + "。")
        return notes


@contextmanager
def open_edit(path: str | os.PathLike, progress: Callable[[str], None] | None = None,
              wait: float | None = None) -> Iterator[EditSession]:
    """`with open_edit(path) as session: book, issues = session.load(); … session.apply(fn)`.

    The workbook a link points to is the one edited (the link stays a link). From before
    the read to after the rename the edit holds the workbook's lock (io/locks.py): a second
    edit waits for it, then reads what the first one wrote.
    """
    from .locks import EditLock, real_file

    step = progress or (lambda message: None)
    named = Path(path)
    real = real_file(named)
    sheet_parts = inspect_workbook(real)
    seen = real.stat()
    refuse_if_open(named)
    refuse_if_open(real)
    with EditLock(real, step):
        remove_stale_temporaries(real)
        refuse_if_open(real)
        now = real.stat()
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (seen.st_ino, seen.st_size, seen.st_mtime_ns):
            sheet_parts = inspect_workbook(real)   # another edit finished while this one waited
        yield EditSession(named, real, sheet_parts, step)


def edit_workbook(path: str | os.PathLike, apply: Callable[[Any], Edit | None],
                  keep_backups: int = BACKUPS_KEPT, now: _dt.datetime | None = None,
                  progress: Callable[[str], None] | None = None) -> EditResult:
    """Read, change and save in one locked session (`open_edit`), for an edit that needs
    nothing read beforehand."""
    with open_edit(path, progress) as session:
        return session.apply(apply, keep_backups, now)
