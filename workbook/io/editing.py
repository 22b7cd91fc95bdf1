"""The one path by which shuping changes a clerk's workbook (`prepare`, `rectify`, `carry`).

A command hands `edit_workbook` a function that changes an openpyxl Workbook and says
which cells it was allowed to touch. Around it, in this order:

1. the file is vetted like any input (reader.inspect_workbook), refused while Excel or
   WPS has it open (`~$name.xlsx`, or it cannot be opened for writing), and refused
   when a clerk's own sheet holds what openpyxl would silently drop (charts, images,
   shapes, pivot tables, form and ActiveX controls, slicers, sparklines, VBA…);
2. every cell value is taken down, the edit runs, and nothing is written when it says
   there is nothing to change;
3. a timestamped backup `<stem>.备份-YYYYmmdd-HHMMSS.xlsx` is written beside the file
   (the last BACKUPS_KEPT are kept);
4. the new workbook goes to a temporary file, is fsynced, read back and compared cell by
   cell with what was taken down (only the declared cells may differ), and only then
   renamed over the original.

Tool-owned sheets (schema.GENERATED_SHEETS) holding charts are dropped rather than
refused: they are rebuilt on the next count.
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

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


# --- what openpyxl would lose ----------------------------------------------------------
_REL_KINDS = {
    "pivotTable": "数据透视表",
    "ctrlProp": "窗体控件",
    "control": "ActiveX 控件",
    "oleObject": "嵌入对象",
    "package": "嵌入对象",
    "slicer": "切片器",
    "timeline": "日程表",
    "threadedComment": "新版批注（线程批注）",
    "image": "背景图片",
}
_DRAWING_KINDS = {"chart": "图表", "chartUserShapes": "图表", "image": "图片", "diagramData": "SmartArt 图形"}
_SHAPE = re.compile(rb"<(?:\w+:)?(?:sp|cxnSp|grpSp)[\s>]")
_X14_VALIDATION = re.compile(rb"<x14:dataValidations[\s>]")
_X14_CONDITIONAL = re.compile(rb"<x14:conditionalFormattings[\s>]")
_SPARKLINES = re.compile(rb"<(?:\w+:)?sparklineGroups[\s>]")
_SLICER_LIST = re.compile(rb"<(?:\w+:)?slicerList[\s>]")
# Legacy VML holds comment boxes (ObjectType="Note", kept) and old form controls (lost).
_VML_CONTROL = re.compile(rb'ObjectType="(?!Note")[^"]*"')


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(type's last segment, absolute target part) of a part's relationships."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(archive.read(_rels_part(part)))
    except KeyError:
        return []
    except ElementTree.ParseError as exc:
        raise UnreadableWorkbook(f"工作簿部件 {_rels_part(part)} 无法解析：{exc}") from exc
    found = []
    for rel in root:
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
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


def _sheet_losses(archive: zipfile.ZipFile, part: str) -> list[str]:
    if part.startswith("xl/chartsheets/"):
        return ["图表工作表"]
    losses: list[str] = []
    for kind, target in _relationships(archive, part):
        if kind == "drawing" and target:
            drawing_kinds = [_DRAWING_KINDS.get(k) for k, _ in _relationships(archive, target)]
            losses.extend(k for k in drawing_kinds if k)
            try:
                if _SHAPE.search(archive.read(target)):
                    losses.append("形状或文本框")
            except KeyError:
                pass
            if not any(drawing_kinds):
                losses.append("绘图对象")
        elif kind == "vmlDrawing" and target:
            try:
                if _VML_CONTROL.search(archive.read(target)):
                    losses.append("窗体控件")
            except KeyError:
                pass
        elif kind in _REL_KINDS:
            losses.append(_REL_KINDS[kind])
    xml = archive.read(part)
    if b"extLst" in xml:
        for pattern, what in ((_SPARKLINES, "迷你图"), (_X14_VALIDATION, "引用其他工作表的数据验证（扩展格式）"),
                              (_X14_CONDITIONAL, "数据条/图标集等扩展条件格式"), (_SLICER_LIST, "切片器")):
            if pattern.search(xml):
                losses.append(what)
    return list(dict.fromkeys(losses))


def find_losses(path: Path, sheet_parts: dict[str, str]) -> dict[str, list[str]]:
    """{sheet name (or "" for the whole workbook): what openpyxl would drop from it}."""
    losses: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            losses[""] = ["宏（VBA 代码）"]
        for sheet, part in sheet_parts.items():
            if part in names:
                found = _sheet_losses(archive, part)
                if found:
                    losses[sheet] = found
    return losses


def _refuse_losses(path: Path, losses: dict[str, list[str]]) -> list[str]:
    """Raise for a clerk's sheet; return the tool-owned sheets to drop."""
    clerk = {sheet: kinds for sheet, kinds in losses.items() if sheet not in S.GENERATED_SHEETS}
    if clerk:
        places = "；".join((f"工作表“{sheet}”中有" if sheet else "工作簿中有") + "、".join(kinds)
                          for sheet, kinds in clerk.items())
        raise EditRefused(
            f"“{path.name}”不能用命令行修改：{places}，用命令行保存会丢失这些内容。"
            "工作簿未做任何改动。请在 Excel 中打开它，用“述评”选项卡上的按钮完成此操作；"
            "或把这些内容移到另一个工作簿后再运行。")
    return [sheet for sheet in losses if sheet in S.GENERATED_SHEETS]


def _refuse_unwritable(path: Path) -> None:
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
def backup_name(path: Path, when: _dt.datetime) -> Path:
    return path.with_name(f"{path.stem}{BACKUP_MARK}{when.strftime(BACKUP_STAMP)}{path.suffix}")


def backups_of(path: Path) -> list[Path]:
    """This workbook's backups, oldest first (the stamp sorts by time)."""
    prefix = path.stem + BACKUP_MARK
    return sorted(p for p in path.parent.iterdir()
                  if p.name.startswith(prefix) and p.suffix.lower() == path.suffix.lower())


def write_backup(path: Path, data: bytes, when: _dt.datetime) -> Path:
    target = backup_name(path, when)
    serial = 1
    while target.exists():
        serial += 1
        target = target.with_name(f"{backup_name(path, when).stem}-{serial}{path.suffix}")
    return atomic_write_bytes(target, data, faults=False)


def prune_backups(path: Path, keep: int = BACKUPS_KEPT) -> None:
    for old in backups_of(path)[:-keep] if keep > 0 else []:
        try:
            old.unlink()
        except OSError:
            pass


# --- the editing path ---------------------------------------------------------------------
def _formula_cells(snapshot: Snapshot) -> list[str]:
    return [cell_ref(sheet, *key) for sheet, values in snapshot.items()
            for key, value in values.items() if value is FORMULA]


def edit_workbook(path: str | os.PathLike, apply: Callable[[Any], Edit | None],
                  keep_backups: int = BACKUPS_KEPT, now: _dt.datetime | None = None,
                  progress: Callable[[str], None] | None = None) -> EditResult:
    """Run `apply` on the workbook at `path` and save the result safely (module doc).

    `apply` gets the openpyxl Workbook and returns an Edit naming the cells it may have
    changed, or None when there is nothing to change (then nothing is written).
    `progress` is told each step in Chinese (a large workbook takes seconds per step).
    """
    import openpyxl

    step = progress or (lambda message: None)
    path = Path(path)
    sheet_parts = inspect_workbook(path)
    refuse_if_open(path)
    remove_stale_temporaries(path)
    original = path.read_bytes()
    stamp = path.stat()
    step("正在读取工作簿（用于修改）…")
    try:
        book = openpyxl.load_workbook(io.BytesIO(original), rich_text=True)
    except Exception as exc:
        raise UnreadableWorkbook(f"无法打开“{path.name}”进行修改：{exc}") from exc
    before = take_values(book)
    edit = apply(book)
    if edit is None:
        return EditResult(path, changed=False)
    _refuse_unwritable(path)
    dropped = _refuse_losses(path, find_losses(path, sheet_parts))
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
    prune_backups(path, keep_backups)
    notes = []
    if dropped:
        notes.append("工具生成的工作表 " + "、".join(f"“{s}”" for s in dropped)
                     + " 含图表，命令行无法保留，已移除；在 Excel 中点击“计票汇总”会重新生成。")
    if formulas:
        notes.append(f"工作簿中有 {len(formulas)} 个公式单元格（如 {formulas[0]}），公式已原样保留；"
                     "其计算结果要在 Excel 中打开并保存一次后才会更新，在此之前 shuping 读到的是空值。")
    return EditResult(path, True, backup, edit.summary, dropped, notes)
