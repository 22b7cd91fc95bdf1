"""Edits that touch only what they change: a `plans.EditPlan` applied to the .xlsx package.

`apply_plan_to_package(src, plan, dst)` writes a new package in which
- the sheet XML of each changed sheet is rewritten with the planned cells spliced in
  (text as inline strings, so the shared-string table is untouched; dates as serial
  numbers with a date style; rows not touched stay byte for byte inside the part);
- styles.xml gains the few cell formats the new cells need (appended: every existing
  format keeps its index);
- a missing sheet the plan makes (the tool's hidden log) is added with its workbook entry,
  relationship and content type;
- every other part is copied byte for byte (charts, images, threaded comments, slicers,
  x14 validations, VBA: nothing openpyxl would drop is lost, because nothing is re-saved).

Where a change cannot be made safely this way (the 评议票 header layout, a sheet the
package does not hold as a worksheet, cells written as shared formulas' anchors…),
`unsupported(plan, src)` names the reason and nothing is written: the caller takes the
openpyxl path or refuses, never a lossy save.

`edit_package(path, plan)` is the whole safe edit around it: vetting, Excel's lock,
backup, temporary file, read-back of every cell, atomic rename (io/editing.py's helpers).
"""
from __future__ import annotations

import datetime as _dt
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from ..cells import col_index, col_name as col_letter, parse_a1
from ..errors import EditRefused, OutputError, PackageEditUnsupported

FONT = "宋体"
FONT_SIZE = "11"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?(?:/>|>.*?</(?:\w+:)?row>)", re.S)
_ROW_NUMBER = re.compile(rb"\br=\"([0-9]+)\"")
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_CELL_REF = re.compile(rb"\br=\"([A-Z]+)([0-9]+)\"")
_CELL_STYLE = re.compile(rb"\bs=\"([0-9]+)\"")
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/>|>)")
_DIMENSION = re.compile(rb"(<(?:\w+:)?dimension\s[^>]*?\bref=\")([A-Z0-9:]+)(\")")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\r]")


@dataclass
class ChangedParts:
    """What an edit wrote: parts rewritten, parts added, and per sheet the 0-based cells set."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    cells: dict[str, dict[tuple[int, int], Any]] = field(default_factory=dict)

    @property
    def touched(self) -> set[str]:
        return set(self.changed) | set(self.added)


# --- what this path cannot do ----------------------------------------------------------------
def unsupported(plan, src_path, parts: dict[str, str] | None = None) -> str | None:
    """Why `plan` cannot be applied at the package level (None when it can). `parts`:
    {sheet: part} of the vetted workbook, when the caller has it."""
    from .reader import inspect_workbook

    parts = parts if parts is not None else inspect_workbook(Path(src_path))
    for change in plan.changes:
        if change.empty and not (change.hidden and change.sheet not in parts):
            continue
        if change.header is not None:
            return "评议票表头布局（合并单元格、下拉列表、冻结窗格）由完整保存路径写出"
        part = parts.get(change.sheet)
        if part is not None and not part.startswith("xl/worksheets/"):
            return f"“{change.sheet}”不是普通工作表"
    return None


# --- text and numbers as cell XML --------------------------------------------------------------
def cell_text(text: str) -> str:
    """Text as Excel stores it: a literal _xHHHH_ kept literal, characters XML cannot hold
    as Excel's _xHHHH_ escapes, then XML-escaped."""
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return escape(text)


def excel_serial(value: _dt.date, date1904: bool = False) -> float | int:
    """Excel's day number (the 1900 system, or the 1904 one a Mac workbook may use)."""
    epoch = _dt.datetime(1904, 1, 1) if date1904 else _dt.datetime(1899, 12, 30)
    if isinstance(value, _dt.datetime):
        delta = value - epoch
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return (value - epoch.date()).days


def _number(value: float | int) -> str:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise PackageEditUnsupported("非有限数值无法写入单元格")
        return repr(value) if not value.is_integer() else str(int(value))
    return str(int(value))


# --- styles: formats appended, never changed ----------------------------------------------------
class Styles:
    """styles.xml as bytes plus what the new cells need, appended at the ends of the lists."""

    def __init__(self, xml: bytes):
        from defusedxml import ElementTree

        self.original = xml
        self.root = ElementTree.fromstring(xml)
        ns = {"m": _NS_MAIN}
        self.fonts = self.root.findall("m:fonts/m:font", ns)
        self.xfs = self.root.findall("m:cellXfs/m:xf", ns)
        self.num_fmts = {int(n.get("numFmtId")): n.get("formatCode")
                         for n in self.root.findall("m:numFmts/m:numFmt", ns)}
        self.new_fonts: list[str] = []
        self.new_xfs: list[str] = []
        self.new_num_fmts: list[tuple[int, str]] = []
        self._cache: dict[tuple[int, bool, bool], int] = {}
        self._font: int | None = None
        self._date_fmt: int | None = None
        self.date1904 = False          # the workbook counts days from 1904 (workbookPr date1904)

    @property
    def changed(self) -> bool:
        return bool(self.new_fonts or self.new_xfs or self.new_num_fmts)

    def _font_index(self) -> int:
        if self._font is None:
            for index, font in enumerate(self.fonts):
                tags = {child.tag.rsplit("}", 1)[-1]: child.get("val") for child in font}
                if tags.get("name") == FONT and tags.get("sz") == FONT_SIZE and set(tags) <= {"name", "sz", "family", "charset", "scheme"}:
                    self._font = index
                    break
            else:
                self.new_fonts.append(f'<font><sz val="{FONT_SIZE}"/><name val="{FONT}"/><family val="3"/>'
                                      '<charset val="134"/></font>')
                self._font = len(self.fonts) + len(self.new_fonts) - 1
        return self._font

    def _date_index(self) -> int:
        if self._date_fmt is None:
            found = next((k for k, code in self.num_fmts.items() if code == DATE_FORMAT), None)
            if found is None:
                found = max([163, *self.num_fmts, *(k for k, _ in self.new_num_fmts)]) + 1
                self.new_num_fmts.append((found, DATE_FORMAT))
            self._date_fmt = found
        return self._date_fmt

    def _font_name(self, font_id: int) -> str | None:
        if 0 <= font_id < len(self.fonts):
            for child in self.fonts[font_id]:
                if child.tag.endswith("}name"):
                    return child.get("val")
        return None

    def xf_for(self, base: int, wrap: bool, date: bool) -> int:
        """The cell format of `base` with 宋体 11 (where base has the default font), wrapping
        (top-aligned) and the date format as asked; appended once per combination."""
        key = (base, wrap, date)
        if key in self._cache:
            return self._cache[key]
        if not 0 <= base < len(self.xfs):
            base = 0
        xf = self.xfs[base] if self.xfs else None
        attrs = dict(xf.attrib) if xf is not None else {"numFmtId": "0", "fontId": "0", "fillId": "0",
                                                        "borderId": "0", "xfId": "0"}
        font_id = int(attrs.get("fontId", "0"))
        alignment = {}
        protection = None
        if xf is not None:
            for child in xf:
                tag = child.tag.rsplit("}", 1)[-1]
                if tag == "alignment":
                    alignment = dict(child.attrib)
                elif tag == "protection":
                    protection = dict(child.attrib)
        needs_font = self._font_name(font_id) in (None, "Calibri")
        if not needs_font and not wrap and not date:
            self._cache[key] = base
            return base
        if needs_font:
            attrs["fontId"], attrs["applyFont"] = str(self._font_index()), "1"
        if date:
            attrs["numFmtId"], attrs["applyNumberFormat"] = str(self._date_index()), "1"
        if wrap:
            alignment["wrapText"], alignment["vertical"] = "1", "top"
            attrs["applyAlignment"] = "1"
        text = "<xf" + "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in attrs.items()) + ">"
        if alignment:
            text += "<alignment" + "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in alignment.items()) + "/>"
        if protection:
            text += "<protection" + "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in protection.items()) + "/>"
        text += "</xf>"
        self.new_xfs.append(text)
        index = self._cache[key] = len(self.xfs) + len(self.new_xfs) - 1
        return index

    def render(self) -> bytes:
        xml = self.original
        if self.new_num_fmts:
            added = "".join(f'<numFmt numFmtId="{k}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
                            for k, code in self.new_num_fmts).encode()
            xml = _append_to_list(xml, b"numFmts", added, len(self.new_num_fmts), after=b"styleSheet")
        if self.new_fonts:
            xml = _append_to_list(xml, b"fonts", "".join(self.new_fonts).encode(), len(self.new_fonts))
        if self.new_xfs:
            xml = _append_to_list(xml, b"cellXfs", "".join(self.new_xfs).encode(), len(self.new_xfs))
        return xml


def _append_to_list(xml: bytes, tag: bytes, items: bytes, count: int, after: bytes | None = None) -> bytes:
    """`items` appended inside <tag>…</tag> with its count raised; a missing list is made
    right after the opening of `after` (numFmts comes first in a styleSheet)."""
    opening = re.search(rb"<((?:\w+:)?)" + tag + rb"\b([^>]*?)(/?)>", xml)
    if opening is None:
        if after is None:
            raise PackageEditUnsupported(f"styles.xml 中没有 {tag.decode()}")
        root = re.search(rb"<((?:\w+:)?)" + after + rb"\b[^>]*>", xml)
        if root is None:
            raise PackageEditUnsupported("styles.xml 结构无法识别")
        prefix = root.group(1)
        block = b"<" + prefix + tag + b' count="' + str(count).encode() + b'">' + _prefixed(items, prefix) \
            + b"</" + prefix + tag + b">"
        return xml[:root.end()] + block + xml[root.end():]
    prefix, attrs, empty = opening.group(1), opening.group(2), opening.group(3)
    items = _prefixed(items, prefix)
    old = re.search(rb'\bcount="([0-9]+)"', attrs)
    if old:
        attrs = attrs[:old.start(1)] + str(int(old.group(1)) + count).encode() + attrs[old.end(1):]
    head = b"<" + prefix + tag + attrs + b">"
    if empty:
        return xml[:opening.start()] + head + items + b"</" + prefix + tag + b">" + xml[opening.end():]
    closing = xml.index(b"</" + prefix + tag + b">", opening.end())
    return xml[:opening.start()] + head + xml[opening.end():closing] + items + xml[closing:]


def _prefixed(items: bytes, prefix: bytes) -> bytes:
    """Our element names carry the part's prefix for the main namespace (usually none)."""
    if not prefix:
        return items
    return re.sub(rb"<(/?)(\w+)", lambda m: b"<" + m.group(1) + prefix + m.group(2), items)


# --- the sheet XML -----------------------------------------------------------------------------
class SharedStrings:
    """Which shared strings are empty (a cell holding one reads as empty)."""

    def __init__(self, xml: bytes | None):
        self.empty: set[int] = set()
        if xml:
            for index, item in enumerate(re.finditer(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", xml, re.S)):
                body = item.group(1) or b""
                if not re.search(rb"<(?:\w+:)?t\b[^>]*>[^<]", body):
                    self.empty.add(index)


def _cell_has_value(cell: bytes, shared: SharedStrings) -> bool:
    if re.search(rb"<(?:\w+:)?f[\s>/]", cell):
        return True
    value = re.search(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>", cell)
    if value is not None:
        if not value.group(1):
            return False
        if re.search(rb'\bt="s"', cell.split(b">", 1)[0]):
            try:
                return int(value.group(1)) not in shared.empty
            except ValueError:
                return True
        if re.search(rb'\bt="str"', cell.split(b">", 1)[0]):
            return bool(value.group(1))
        return True
    inline = re.search(rb"<(?:\w+:)?t\b[^>]*>([^<]+)<", cell)
    return inline is not None


def last_used_row(xml: bytes, shared: SharedStrings) -> int:
    """0-based index of the last row holding a value (-1 when none), as the readers trim."""
    data = _SHEET_DATA.search(xml)
    if data is None or data.group(2) == b"/>":
        return -1
    end = xml.index(b"sheetData>", data.end())
    last = -1
    for row in _ROW.finditer(xml, data.end(), end):
        number = _ROW_NUMBER.search(row.group(0).split(b">", 1)[0])
        if number is None:
            raise PackageEditUnsupported("工作表的行没有行号（r 属性），无法按位置插入")
        for cell in _CELL.finditer(row.group(0)):
            if _cell_has_value(cell.group(0), shared):
                last = max(last, int(number.group(1)) - 1)
                break
    return last


def _cell_xml(prefix: bytes, ref: str, style: int, value: Any, date1904: bool = False) -> bytes:
    s = f' s="{style}"' if style else ""
    p = prefix.decode()
    if value is None or value == "":
        return f'<{p}c r="{ref}"{s}/>'.encode()
    if isinstance(value, bool):
        return f'<{p}c r="{ref}"{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>'.encode()
    if isinstance(value, (int, float)):
        return f'<{p}c r="{ref}"{s}><{p}v>{_number(value)}</{p}v></{p}c>'.encode()
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f'<{p}c r="{ref}"{s}><{p}v>{_number(excel_serial(value, date1904))}</{p}v></{p}c>'.encode()
    if isinstance(value, str):
        return (f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t xml:space="preserve">{cell_text(value)}'
                f'</{p}t></{p}is></{p}c>').encode()
    raise PackageEditUnsupported(f"无法写入的值类型：{type(value).__name__}")


def splice_cells(xml: bytes, cells: dict[tuple[int, int], Any], styles: Styles,
                 wrap_cols: tuple[int, ...] = ()) -> bytes:
    """The sheet XML with `cells` (0-based (row, col) -> value; None clears the value and
    keeps the cell's format) written in; every row not named stays as it was, byte for byte."""
    if not cells:
        return xml
    data = _SHEET_DATA.search(xml)
    if data is None:
        raise PackageEditUnsupported("工作表没有 sheetData")
    prefix = data.group(1)
    if data.group(2) == b"/>":
        start = end = data.start()
        xml = xml[:data.start()] + b"<" + prefix + b"sheetData>" + b"</" + prefix + b"sheetData>" + xml[data.end():]
        data = _SHEET_DATA.search(xml)
    start = data.end()
    end = xml.index(b"</" + prefix + b"sheetData>", start)
    by_row: dict[int, dict[int, Any]] = {}
    for (row, col), value in cells.items():
        by_row.setdefault(row, {})[col] = value
    pieces: list[bytes] = []
    position = start
    pending = sorted(by_row)
    k = 0

    def new_row(number: int) -> bytes:
        wanted = by_row[number]
        body = b"".join(_cell_xml(prefix, f"{col_letter(col)}{number + 1}",
                                  styles.xf_for(0, col in wrap_cols, isinstance(value, _dt.date)), value,
                                  styles.date1904)
                        for col, value in sorted(wanted.items()) if value is not None and value != "")
        return b"<" + prefix + b'row r="' + str(number + 1).encode() + b'">' + body + b"</" + prefix + b"row>"

    for match in _ROW.finditer(xml, start, end):
        row_xml = match.group(0)
        head = row_xml.split(b">", 1)[0]
        number_match = _ROW_NUMBER.search(head)
        if number_match is None:
            raise PackageEditUnsupported("工作表的行没有行号（r 属性），无法按位置插入")
        number = int(number_match.group(1)) - 1
        while k < len(pending) and pending[k] < number:   # new rows before this one
            pieces.append(xml[position:match.start()])
            position = match.start()
            pieces.append(new_row(pending[k]))
            k += 1
        if k < len(pending) and pending[k] == number:
            pieces.append(xml[position:match.start()])
            pieces.append(_rewrite_row(row_xml, prefix, number, by_row[number], styles, wrap_cols))
            position = match.end()
            k += 1
    pieces.append(xml[position:end])
    while k < len(pending):
        pieces.append(new_row(pending[k]))
        k += 1
    out = xml[:start] + b"".join(pieces) + xml[end:]
    return _grow_dimension(out, cells)


def _rewrite_row(row_xml: bytes, prefix: bytes, number: int, wanted: dict[int, Any], styles: Styles,
                 wrap_cols: tuple[int, ...]) -> bytes:
    if row_xml.endswith(b"/>") and not row_xml.endswith(b"</" + prefix + b"row>"):
        head, body = row_xml[:-2] + b">", b""
        closing = b"</" + prefix + b"row>"
    else:
        head, rest = row_xml.split(b">", 1)
        head += b">"
        closing = b"</" + prefix + b"row>"
        body = rest[:-len(closing)]
    head = re.sub(rb'\sspans="[^"]*"', b"", head)     # optional hint; would be stale
    cells: list[tuple[int, bytes]] = []
    for cell in _CELL.finditer(body):
        ref = _CELL_REF.search(cell.group(0).split(b">", 1)[0])
        if ref is None:
            raise PackageEditUnsupported("单元格没有位置（r 属性），无法按位置写入")
        col = col_index(ref.group(1).decode())
        cells.append((col, cell.group(0)))
    existing = dict(cells)
    for col, value in wanted.items():
        old = existing.get(col)
        base = 0
        if old is not None:
            if re.search(rb"<(?:\w+:)?f[\s>/]", old):
                raise PackageEditUnsupported(f"{col_letter(col)}{number + 1} 是公式单元格，不能覆盖")
            style = _CELL_STYLE.search(old.split(b">", 1)[0])
            base = int(style.group(1)) if style else 0
        date = isinstance(value, _dt.date)
        style = styles.xf_for(base, col in wrap_cols, date) if value is not None and value != "" else base
        existing[col] = _cell_xml(prefix, f"{col_letter(col)}{number + 1}", style, value, styles.date1904)
    return head + b"".join(existing[col] for col in sorted(existing)) + closing


def _grow_dimension(xml: bytes, cells: dict[tuple[int, int], Any]) -> bytes:
    found = _DIMENSION.search(xml)
    if found is None:
        return xml
    text = found.group(2).decode()
    first, _, last = text.partition(":")
    try:
        (r0, c0), (r1, c1) = parse_a1(first), parse_a1(last or first)
    except Exception:
        return xml
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    r1, c1 = max(r1, *rows), max(c1, *cols)
    ref = f"{col_letter(c0)}{r0 + 1}:{col_letter(c1)}{r1 + 1}"
    return xml[:found.start(2)] + ref.encode() + xml[found.end(2):]


def new_sheet_xml(first_row: list[Any] | None) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<worksheet xmlns="' + _NS_MAIN.encode() + b'" xmlns:r="' + _NS_REL.encode() + b'">'
            b"<sheetData/></worksheet>")


# --- the workbook's list of sheets -------------------------------------------------------------
def _add_sheet_entries(files: dict[str, bytes], name: str, part: str, hidden: bool) -> None:
    """workbook.xml, its relationships and [Content_Types].xml learn of a new worksheet part."""
    rels = files["xl/_rels/workbook.xml.rels"]
    ids = {int(m) for m in re.findall(rb'\bId="rId([0-9]+)"', rels)}
    rid = f"rId{max(ids, default=0) + 1}"
    target = posixpath.relpath(part, "xl")
    rel = f'<Relationship Id="{rid}" Type="{_REL_WORKSHEET}" Target="{target}"/>'.encode()
    rels_prefix = re.search(rb"<((?:\w+:)?)Relationships\b", rels).group(1)
    closing = b"</" + rels_prefix + b"Relationships>"
    files["xl/_rels/workbook.xml.rels"] = rels.replace(closing, _prefixed(rel, rels_prefix) + closing, 1)

    types = files["[Content_Types].xml"]
    override = f'<Override PartName="/{part}" ContentType="{_WORKSHEET_TYPE}"/>'.encode()
    types_prefix = re.search(rb"<((?:\w+:)?)Types\b", types).group(1)
    closing = b"</" + types_prefix + b"Types>"
    files["[Content_Types].xml"] = types.replace(closing, _prefixed(override, types_prefix) + closing, 1)

    workbook = files["xl/workbook.xml"]
    sheet_ids = [int(m) for m in re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\bsheetId="([0-9]+)"', workbook)]
    root = re.search(rb"<((?:\w+:)?)workbook\b([^>]*)>", workbook)
    prefix = root.group(1)
    rel_prefix = re.search(rb'xmlns:(\w+)="' + re.escape(_NS_REL.encode()) + b'"', root.group(2))
    r_attr = (rel_prefix.group(1).decode() + ":id") if rel_prefix else None
    state = ' state="hidden"' if hidden else ""
    id_attr = f' {r_attr}="{rid}"' if r_attr else f' xmlns:r="{_NS_REL}" r:id="{rid}"'
    entry = f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{max(sheet_ids, default=0) + 1}"{state}{id_attr}/>'
    closing = b"</" + prefix + b"sheets>"
    if closing not in workbook:
        raise PackageEditUnsupported("workbook.xml 中没有工作表列表")
    files["xl/workbook.xml"] = workbook.replace(closing, _prefixed(entry.encode(), prefix) + closing, 1)


# --- the package --------------------------------------------------------------------------------
def apply_plan_to_package(src_path, plan, dst_path, parts: dict[str, str] | None = None) -> ChangedParts:
    """Write `plan` applied to the package at `src_path` into `dst_path` (module doc).
    `parts`: {sheet: part} when the caller already vetted the workbook (reader.inspect_workbook)."""
    from .reader import inspect_workbook

    src_path, dst_path = Path(src_path), Path(dst_path)
    parts = dict(parts) if parts is not None else inspect_workbook(src_path)
    reason = unsupported(plan, src_path, parts)
    if reason:
        raise PackageEditUnsupported(reason)
    result = ChangedParts()
    with zipfile.ZipFile(src_path) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        files: dict[str, bytes] = {}
        styles_part = "xl/styles.xml"
        styles = Styles(archive.read(styles_part)) if styles_part in names else None
        if styles is None:
            raise PackageEditUnsupported("工作簿没有样式部件（styles.xml）")
        styles.date1904 = bool(re.search(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"',
                                         archive.read("xl/workbook.xml")))
        shared = None
        for change in plan.changes:
            part = parts.get(change.sheet)
            if change.empty and not (change.hidden and part is None):
                continue
            if part is None:
                part = _free_part(names + list(files))
                xml = new_sheet_xml(None)
                for meta in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/workbook.xml"):
                    if meta not in files:
                        files[meta] = archive.read(meta)
                _add_sheet_entries(files, change.sheet, part, change.hidden)
                parts[change.sheet] = part
                result.added.append(part)
                cells: dict[tuple[int, int], Any] = {}
                if change.first_row:
                    cells.update({(0, c): v for c, v in enumerate(change.first_row)})
                used = 0 if change.first_row else -1
            else:
                xml = files.get(part) or archive.read(part)
                if shared is None:
                    shared = SharedStrings(archive.read("xl/sharedStrings.xml")
                                           if "xl/sharedStrings.xml" in names else None)
                cells = {}
                used = last_used_row(xml, shared)
                if change.hidden and change.first_row and used < 0:   # the tool's own sheet, empty
                    cells.update({(0, c): v for c, v in enumerate(change.first_row)})
                    used = 0
                result.changed.append(part)
            cells.update(change.cells)
            for offset, row in enumerate(change.append):
                for col, value in enumerate(row):
                    if value is not None and value != "":
                        cells[(used + 1 + offset, col)] = value
            files[part] = splice_cells(xml, cells, styles, tuple(change.wrap_cols))
            result.cells.setdefault(change.sheet, {}).update(cells)
        if styles.changed:
            files[styles_part] = styles.render()
        for meta in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/workbook.xml", styles_part):
            if meta in files and meta not in result.changed:
                result.changed.append(meta)
        _write_package(archive, infos, files, result.added, dst_path)
    return result


def _free_part(names: list[str]) -> str:
    taken = set(names)
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in taken:
        n += 1
    return f"xl/worksheets/sheet{n}.xml"


def raw_member(handle, info: zipfile.ZipInfo) -> bytes:
    """A member's stored (compressed) bytes, as they are in the file."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if header[:4] != b"PK\x03\x04":
        raise PackageEditUnsupported(f"部件 {info.filename} 的本地文件头损坏")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    return handle.read(info.compress_size)


def _dos_time(date_time) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (hour << 11) | (minute << 5) | (second // 2), ((max(year, 1980) - 1980) << 9) | (month << 5) | day


def _write_package(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], files: dict[str, bytes],
                   added: list[str], dst_path: Path) -> None:
    """The new zip: every member not in `files` copied as stored (its compressed bytes and
    CRC unchanged, nothing decompressed), the members in `files` deflated afresh."""
    entries = []
    limit = 0xFFFFFFFF
    with open(archive.filename, "rb") as source, open(dst_path, "wb") as out:
        members = [(info.filename, info) for info in infos] + [(part, None) for part in added]
        for name, info in members:
            data = files.get(name)
            if data is None:
                stored = raw_member(source, info)
                crc, size, method = info.CRC, info.file_size, info.compress_type
                date_time, attributes = info.date_time, info.external_attr
            else:
                method = zipfile.ZIP_DEFLATED
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                stored = packer.compress(data) + packer.flush()
                crc, size = zlib.crc32(data), len(data)
                date_time = info.date_time if info is not None else (infos[0].date_time if infos else (1980, 1, 1, 0, 0, 0))
                attributes = info.external_attr if info is not None else 0
            if size >= limit or len(stored) >= limit or out.tell() >= limit:
                raise PackageEditUnsupported("工作簿过大（超过 4 GB 的压缩格式），无法逐部件修改")
            encoded = name.encode("utf-8")
            flags = 0x800 if not name.isascii() else 0
            dos_time, dos_date = _dos_time(date_time)
            offset = out.tell()
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, dos_time, dos_date,
                                  crc, len(stored), size, len(encoded), 0))
            out.write(encoded)
            out.write(stored)
            entries.append((encoded, flags, method, dos_time, dos_date, crc, len(stored), size, attributes, offset))
        directory = out.tell()
        for encoded, flags, method, dos_time, dos_date, crc, csize, size, attributes, offset in entries:
            out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, dos_time, dos_date,
                                  crc, csize, size, len(encoded), 0, 0, 0, 0, attributes, offset))
            out.write(encoded)
        end = out.tell()
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                              end - directory, directory, 0))


# --- the safe edit around it ----------------------------------------------------------------------
def part_bytes(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def comparable(value: Any) -> Any:
    """A value as planned and as calamine reads it back, in one form: numbers as floats,
    midnight datetimes as dates, an empty string as an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, _dt.datetime):
        return value.date() if value.time() == _dt.time(0) else value
    if isinstance(value, _dt.timedelta):
        return str(value)
    return value


def refuse_unwritable(path: Path) -> None:
    try:
        with open(path, "r+b"):
            pass
    except PermissionError as exc:
        raise EditRefused(f"“{path.name}”无法写入：文件是只读的，或正被其他程序（Excel/WPS）占用。"
                          "请关闭该文件或取消只读属性后再试，工作簿未做任何改动") from exc
    except OSError as exc:
        raise EditRefused(f"“{path.name}”无法写入：{exc.strerror or exc}。工作簿未做任何改动") from exc


def verify_package(original: Path, written: Path, changed: ChangedParts, sheet_parts: dict[str, str]) -> list[str]:
    """Problems with `written` (empty when it is right): every part not declared changed is
    byte for byte the original's; every declared part parses as XML; styles only grew; in
    every changed sheet every cell reads back as before except the cells set, which read as set."""
    from defusedxml import ElementTree

    problems: list[str] = []
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(written) as b, \
            open(original, "rb") as raw_a, open(written, "rb") as raw_b:
        old_names, new_names = a.namelist(), b.namelist()
        if [n for n in new_names if n not in changed.added] != old_names:
            problems.append("部件列表与原文件不同")
            return problems
        for name in old_names:
            if name in changed.changed:
                continue
            # stored bytes and CRC equal: the part is byte for byte the original's (which was vetted)
            info_a, info_b = a.getinfo(name), b.getinfo(name)
            if (info_a.CRC, info_a.file_size, info_a.compress_type) != (info_b.CRC, info_b.file_size, info_b.compress_type) \
                    or raw_member(raw_a, info_a) != raw_member(raw_b, info_b):
                problems.append(f"部件 {name} 与原文件不同")
        for name in changed.touched:
            try:
                ElementTree.fromstring(b.read(name))      # zipfile checks the CRC as it reads
            except Exception as exc:
                problems.append(f"部件 {name} 不是合格的 XML：{exc}")
    if problems:
        return problems
    from python_calamine import CalamineWorkbook

    before, after = CalamineWorkbook.from_path(str(original)), CalamineWorkbook.from_path(str(written))
    old_names = set(before.sheet_names)
    for sheet, cells in changed.cells.items():
        old_rows = before.get_sheet_by_name(sheet).to_python(skip_empty_area=False) if sheet in old_names else []
        new_rows = after.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        height = max(len(old_rows), len(new_rows))
        for r in range(height):
            old_row = old_rows[r] if r < len(old_rows) else []
            new_row = new_rows[r] if r < len(new_rows) else []
            for c in range(max(len(old_row), len(new_row))):
                old = comparable(old_row[c] if c < len(old_row) else None)
                new = comparable(new_row[c] if c < len(new_row) else None)
                expected = comparable(cells[(r, c)]) if (r, c) in cells else old
                if expected != new:
                    problems.append(f"“{sheet}”{col_letter(c)}{r + 1}：应为“{expected}”，写出后为“{new}”")
                    if len(problems) >= 5:
                        return problems
    return problems


def write_plan(path: Path, original: bytes, stamp, sheet_parts: dict[str, str], plan,
               now: _dt.datetime | None = None, step: Callable[[str], None] | None = None,
               keep_backups: int | None = None, named: Path | None = None):
    """The write of a package-level edit whose original bytes and stat were taken under the
    caller's lock: backup, temporary file, verify (`verify_package`), atomic rename.
    Returns editing.EditResult."""
    import tempfile

    from .editing import BACKUPS_KEPT, EditResult, replace_with_backup

    step = step or (lambda message: None)
    refuse_unwritable(path)
    step("正在写入修改…")
    with tempfile.TemporaryDirectory(prefix="shuping-edit-") as folder:
        source = Path(folder) / "原.xlsx"
        source.write_bytes(original)
        target = Path(folder) / "新.xlsx"
        changed = apply_plan_to_package(source, plan, target, sheet_parts)
        data = target.read_bytes()

        def verify(temporary: Path) -> None:
            step("正在逐格核对写出的内容…")
            problems = verify_package(source, temporary, changed, sheet_parts)
            if problems:
                raise OutputError("写出的工作簿与原内容核对不一致，已放弃保存，原文件未改动：" + "；".join(problems))

        backup = replace_with_backup(path, original, data, stamp, verify, now,
                                     BACKUPS_KEPT if keep_backups is None else keep_backups, step)
    return EditResult(named or path, True, backup, list(plan.summary))


def nothing_to_write(plan) -> bool:
    return plan.refused or not plan.has_changes


def edit_package(path, plan, now: _dt.datetime | None = None,
                 progress: Callable[[str], None] | None = None, keep_backups: int | None = None):
    """The whole safe edit at the package level, for a caller without an edit session:
    refuse while Excel holds the file, back it up, write to a temporary file, verify, rename.
    Returns editing.EditResult; raises PackageEditUnsupported before anything is written
    when the plan needs the full save path, EditRefused for a plan with blockers."""
    from .atomic import refuse_if_open, remove_stale_temporaries
    from .editing import EditResult
    from .reader import inspect_workbook

    path = Path(path)
    sheet_parts = inspect_workbook(path)
    if plan.refused:
        raise EditRefused("修改被阻止：" + "；".join(i.message for i in plan.blockers[:3]))
    if not plan.has_changes:
        return EditResult(path, changed=False)
    reason = unsupported(plan, path, sheet_parts)
    if reason:
        raise PackageEditUnsupported(reason)
    refuse_if_open(path)
    remove_stale_temporaries(path)
    stamp = path.stat()
    original = path.read_bytes()
    return write_plan(path, original, stamp, sheet_parts, plan, now, progress, keep_backups)


def apply_plan_in_session(session, plan, fallback: Callable[[Any], Any] | None = None,
                          keep_backups: int | None = None, now: _dt.datetime | None = None):
    """What `EditSession.apply_plan(plan, fallback)` does (io/editing.py's locked session, branch
    `edits`): part by part in the package where the plan allows, otherwise through `fallback`
    (an openpyxl edit function for `session.apply`); without a fallback such a plan raises
    PackageEditUnsupported before anything is written. A refused or empty plan writes nothing.
    Uses the session's original bytes and stat taken under its lock."""
    from .editing import BACKUPS_KEPT, EditResult

    named = getattr(session, "named", session.path)
    keep = BACKUPS_KEPT if keep_backups is None else keep_backups
    if nothing_to_write(plan):
        session.result = EditResult(named, changed=False)
        return session.result
    reason = unsupported(plan, session.path, session._sheet_parts)
    if reason is not None:
        if fallback is None:
            raise PackageEditUnsupported(reason)
        return session.apply(fallback, keep, now)
    session._take_original()
    session.result = write_plan(session.path, session._original, session._stamp, session._sheet_parts, plan,
                                now, session._step, keep, named)
    return session.result
