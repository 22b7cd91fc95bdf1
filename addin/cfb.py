"""A small [MS-CFB] compound-file writer (version 3, 512-byte sectors), enough for a VBA
project: storages and streams in a tree, small streams in the mini stream.

Layout written: header | FAT sectors | directory | mini FAT | mini stream | big streams.
Directory siblings form a binary search tree in CFB order (shorter names first, then
upper-cased comparison); every node is black, which [MS-CFB] 2.6.4 allows ("the
simplest implementation ... would be to mark every node as black"). No DIFAT: up to
109 FAT sectors (~7 MB), plenty for an add-in. olefile (BSD) reads it back in the tests.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
STORAGE, STREAM, ROOT = 1, 2, 5
BLACK = 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list["_Entry"] = field(default_factory=list)
    clsid: bytes = b"\0" * 16
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def _key(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def _tree(paths: dict[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", ROOT)
    for path, data in sorted(paths.items()):
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            found = next((c for c in node.children if c.name == part and c.kind == STORAGE), None)
            if found is None:
                found = _Entry(part, STORAGE)
                node.children.append(found)
            node = found
        if len(parts[-1]) > 31:
            raise ValueError(f"a compound-file name has at most 31 characters: {parts[-1]}")
        node.children.append(_Entry(parts[-1], STREAM, bytes(data)))
    return root


def _number(root: _Entry) -> list[_Entry]:
    entries: list[_Entry] = []

    def visit(entry: _Entry) -> None:
        entry.sid = len(entries)
        entries.append(entry)
        for child in entry.children:
            visit(child)

    visit(root)

    def link(entry: _Entry) -> None:
        ordered = sorted(entry.children, key=lambda e: _key(e.name))

        def build(items: list[_Entry]) -> int:
            if not items:
                return NOSTREAM
            middle = len(items) // 2
            node = items[middle]
            node.left, node.right = build(items[:middle]), build(items[middle + 1:])
            return node.sid

        entry.child = build(ordered)
        for child in entry.children:
            link(child)

    link(root)
    return entries


def _sectors(length: int, size: int) -> int:
    return -(-length // size)


def write(paths: dict[str, bytes]) -> bytes:
    """A compound file holding `paths` ("VBA/dir" -> bytes); storages are implied."""
    root = _tree(paths)
    entries = _number(root)
    streams = [e for e in entries if e.kind == STREAM]
    small = [e for e in streams if len(e.data) < MINI_CUTOFF]
    big = [e for e in streams if len(e.data) >= MINI_CUTOFF]

    mini = bytearray()
    mini_fat: list[int] = []
    for entry in small:
        entry.size = len(entry.data)
        if not entry.data:
            entry.start = ENDOFCHAIN
            continue
        count = _sectors(len(entry.data), MINI_SECTOR)
        entry.start = len(mini_fat)
        mini_fat += [entry.start + k + 1 for k in range(count - 1)] + [ENDOFCHAIN]
        mini += entry.data.ljust(count * MINI_SECTOR, b"\0")

    dir_sectors = _sectors(len(entries) * 128, SECTOR)
    mini_fat_sectors = _sectors(len(mini_fat) * 4, SECTOR)
    mini_stream_sectors = _sectors(len(mini), SECTOR)
    big_sectors = sum(_sectors(len(e.data), SECTOR) for e in big)
    content = dir_sectors + mini_fat_sectors + mini_stream_sectors + big_sectors
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + content:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("compound file too large for a header-only DIFAT")

    fat: list[int] = [FATSECT] * fat_sectors
    next_sector = fat_sectors

    def chain(count: int) -> int:
        nonlocal next_sector
        if count == 0:
            return ENDOFCHAIN
        first = next_sector
        fat.extend([first + k + 1 for k in range(count - 1)] + [ENDOFCHAIN])
        next_sector += count
        return first

    dir_start = chain(dir_sectors)
    mini_fat_start = chain(mini_fat_sectors)
    root.start = chain(mini_stream_sectors)
    root.size = len(mini)
    for entry in big:
        entry.size = len(entry.data)
        entry.start = chain(_sectors(len(entry.data), SECTOR))
    fat += [FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat))

    header = bytearray(SECTOR)
    struct.pack_into("<8s16sHHHHH6sIIIIIIIII", header, 0, SIGNATURE, b"\0" * 16, 0x003E, 0x0003, 0xFFFE, 9, 6,
                     b"\0" * 6, 0, fat_sectors, dir_start, 0, MINI_CUTOFF,
                     mini_fat_start if mini_fat_sectors else ENDOFCHAIN, mini_fat_sectors, ENDOFCHAIN, 0)
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)

    directory = bytearray()
    for entry in entries:
        name = entry.name.encode("utf-16-le") + b"\0\0"
        record = bytearray(128)
        record[:len(name)] = name
        struct.pack_into("<HBBIII16sIQQIQ", record, 64, len(name), entry.kind, BLACK, entry.left, entry.right,
                         entry.child, entry.clsid, 0, 0, 0, entry.start if entry.kind != STORAGE else 0,
                         entry.size if entry.kind != STORAGE else 0)
        directory += record
    while len(directory) % SECTOR:
        directory += struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16,
                                 0, 0, 0, 0, 0)

    body = bytearray()
    body += struct.pack(f"<{len(fat)}I", *fat)
    body += directory
    body += struct.pack(f"<{len(mini_fat)}I", *mini_fat).ljust(mini_fat_sectors * SECTOR, b"\xff")
    body += bytes(mini).ljust(mini_stream_sectors * SECTOR, b"\0")
    for entry in big:
        body += entry.data.ljust(_sectors(len(entry.data), SECTOR) * SECTOR, b"\0")
    return bytes(header) + bytes(body)


def read_all(data: bytes) -> dict[str, bytes]:
    """Every stream of a compound file by path, through olefile (the independent reader)."""
    import io

    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir(streams=True, storages=False)}
    finally:
        ole.close()
