"""Reading the chair's speech: a .txt (UTF-8 or GB18030) or a .docx (paragraph text).

The .docx is read with the standard library, vetted like a workbook (zip limits, no
DTDs): paragraphs become lines, soft line breaks stay inside their paragraph.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import UnreadableWorkbook
from .reader import check_xml_member, check_zip_limits

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_TEXT_BYTES = 20 << 20


def read_speech(path: str | Path) -> str:
    path = Path(path)
    if not path.exists():
        raise UnreadableWorkbook(f"找不到讲话稿文件：{path}")
    if path.is_dir():
        raise UnreadableWorkbook(f"“{path.name}”是一个文件夹，不是讲话稿")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _read_docx(path)
    if suffix in (".txt", ".text", ""):
        from .reader import clean_controls

        rows = [[_read_text(path)]]
        clean_controls(rows)    # control characters (a paste from another system) cannot go into a sheet
        return rows[0][0] or ""
    if suffix == ".doc":
        raise UnreadableWorkbook(f"“{path.name}”是旧版 Word 文件（.doc），请在 Word 中另存为 .docx 后再试")
    raise UnreadableWorkbook(f"讲话稿应为 .docx 或 .txt 文件：{path.name}")


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_TEXT_BYTES:
        raise UnreadableWorkbook(f"“{path.name}”超过 {MAX_TEXT_BYTES >> 20} MB，不像是一篇讲话稿")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableWorkbook(f"“{path.name}”的文字编码无法识别，请另存为 UTF-8 文本或 .docx")


def _read_docx(path: Path) -> str:
    from defusedxml import ElementTree

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            check_zip_limits(path.name, members)
            try:
                member = archive.getinfo("word/document.xml")
            except KeyError:
                raise UnreadableWorkbook(f"“{path.name}”不是 Word 文档（.docx）") from None
            check_xml_member(path.name, archive, member)
            root = ElementTree.fromstring(archive.read(member))
    except zipfile.BadZipFile as exc:
        raise UnreadableWorkbook(f"“{path.name}”已损坏或不是 .docx 文件：{exc}") from exc
    except ElementTree.ParseError as exc:
        raise UnreadableWorkbook(f"“{path.name}”的正文无法解析：{exc}") from exc
    lines = []
    for paragraph in root.iter(f"{_W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif node.tag == f"{_W}tab":
                parts.append("\t")
        lines.append("".join(parts))
    return "\n".join(lines)
