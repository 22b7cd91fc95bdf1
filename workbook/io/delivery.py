"""Getting papers to the units: Windows-safe file names, one folder per unit, and a zip
whose Chinese names Windows Explorer shows right.

Explorer on a Chinese Windows reads zip names in the OEM code page (GBK) and ignores the
UTF-8 flag on older versions; other tools read the Info-ZIP Unicode Path extra field.
So names are stored in GBK (when they fit) with that extra field holding the UTF-8 name.
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Iterable

from .atomic import atomic_save

_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
MAX_NAME = 120            # characters of one file name: a deep folder must stay under MAX_PATH (260)
MAX_NAME_BYTES = 240      # bytes of one name in UTF-8: file systems hold 255; Office's "~$" lock files need room


def _fit(stem: str, room_chars: int, room_bytes: int) -> str:
    """The longest start of `stem` within both budgets (never cutting a character)."""
    cut = stem[: max(0, room_chars)]
    while cut and len(cut.encode("utf-8")) > room_bytes:
        cut = cut[:-1]
    return cut


def safe_name(name: str, limit: int = MAX_NAME, limit_bytes: int = MAX_NAME_BYTES) -> str:
    """A file or folder name Windows accepts: no <>:"/\\|?*, no trailing dot or space,
    not a reserved device name, at most `limit` characters and `limit_bytes` bytes in
    UTF-8 (the suffix and the start — the 编号 — kept; the end of the stem is cut)."""
    name = _ILLEGAL.sub("_", name).strip().rstrip(". ") or "_"
    stem, dot, suffix = name.rpartition(".") if "." in name[1:] else (name, "", "")
    if len(dot + suffix) > 16:            # not a real suffix: part of the name
        stem, dot, suffix = name, "", ""
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    tail = f"{dot}{suffix}"
    if len(stem) + len(tail) > limit or len((stem + tail).encode("utf-8")) > limit_bytes:
        stem = _fit(stem, limit - len(tail), limit_bytes - len(tail.encode("utf-8"))).rstrip(". ") or "_"
    return f"{stem}{tail}"


def unique_name(name: str, taken: set[str], limit: int = MAX_NAME, limit_bytes: int = MAX_NAME_BYTES) -> str:
    """`safe_name(name)`, made distinct from every name in `taken` (compared as Windows
    does, ignoring case) by a "(2)", "(3)"… before the suffix; the result is added to `taken`."""
    first = safe_name(name, limit, limit_bytes)
    candidate, n = first, 1
    while candidate.casefold() in taken:
        n += 1
        stem, dot, suffix = first.rpartition(".") if "." in first[1:] else (first, "", "")
        mark = f"({n})"
        tail = f"{mark}{dot}{suffix}"
        stem = _fit(stem, limit - len(tail), limit_bytes - len(tail.encode("utf-8")))
        candidate = f"{stem}{tail}"
    taken.add(candidate.casefold())
    return candidate


class _GBKZipInfo(zipfile.ZipInfo):
    """A member whose name is written in GBK, with the UTF-8 name in an extra field."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        try:
            return self.filename.encode("gbk"), self.flag_bits & ~0x800
        except UnicodeEncodeError:
            return self.filename.encode("utf-8"), self.flag_bits | 0x800


def _unicode_path_field(name: str) -> bytes:
    """Info-ZIP Unicode Path Extra Field (0x7075): version, CRC of the header name, UTF-8 name."""
    try:
        header_name = name.encode("gbk")
    except UnicodeEncodeError:
        return b""
    utf8 = name.encode("utf-8")
    body = struct.pack("<BI", 1, zlib.crc32(header_name)) + utf8
    return struct.pack("<HH", 0x7075, len(body)) + body


def write_zip(target: Path, files: Iterable[tuple[Path, str]]) -> Path:
    """A zip of (file, name inside the zip) pairs, written atomically."""
    def write(temporary: Path) -> None:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, arcname in files:
                info = _GBKZipInfo(arcname.replace("\\", "/"), date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.extra = _unicode_path_field(info.filename)
                archive.writestr(info, path.read_bytes())

    return atomic_save(target, write)
