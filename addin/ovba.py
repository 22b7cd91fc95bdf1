"""[MS-OVBA]: the compression of VBA source and the `dir` stream's records.

Compression (2.4.1) is a small LZ77: a container signature 0x01, then chunks of at most
4096 decompressed bytes, each a 2-byte header and groups of a flag byte + 8 tokens
(a literal byte, or a 2-byte copy token whose offset/length split depends on how far
into the chunk the token is).
"""
from __future__ import annotations

import struct

CHUNK = 4096


def _split(position: int) -> tuple[int, int]:
    """(bit count of the offset, length mask) of a copy token at `position` in its chunk."""
    bits = max((position - 1).bit_length(), 4)
    return bits, 0xFFFF >> bits


def decompress(data: bytes) -> bytes:
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        compressed = header & 0x8000
        end = min(pos + size, len(data))
        pos += 2
        start = len(out)
        if not compressed:
            out += data[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits, mask = _split(len(out) - start)
                length = (token & mask) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while pos < len(chunk):
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= len(chunk):
                break
            bits, mask = _split(pos) if pos else (4, 0x0FFF)
            max_length = mask + 3
            best_length, best_offset = 0, 0
            window = min(pos, 1 << bits)
            for offset in range(1, window + 1):
                length = 0
                while (length < max_length and pos + length < len(chunk)
                       and chunk[pos + length - offset] == chunk[pos + length]):
                    length += 1
                if length > best_length:
                    best_length, best_offset = length, offset
            if best_length >= 3:
                out += struct.pack("<H", ((best_offset - 1) << (16 - bits)) | (best_length - 3))
                flags |= 1 << bit
                pos += best_length
            else:
                out.append(chunk[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    out = bytearray([1])
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > CHUNK:     # incompressible: stored raw, padded to a full chunk
            out += struct.pack("<H", 0x3000 | (CHUNK + 2 - 3)) + chunk.ljust(CHUNK, b"\0")
        else:
            out += struct.pack("<H", 0x8000 | 0x3000 | (len(body) + 2 - 3)) + body
    return bytes(out)


# --- the dir stream (2.3.4.2) -------------------------------------------------------------------
PROJECTVERSION, MODULENAME, MODULESTREAMNAME, MODULEOFFSET = 0x0009, 0x0019, 0x001A, 0x0031


def records(dir_stream: bytes) -> list[tuple[int, int, bytes]]:
    """(id, offset of the data, data) of every record. PROJECTVERSION declares 4 bytes
    of size but carries 6 more (the major and minor versions)."""
    found = []
    pos = 0
    while pos + 6 <= len(dir_stream):
        record, size = struct.unpack_from("<HI", dir_stream, pos)
        if record == PROJECTVERSION:
            size = 6
            found.append((record, pos + 6, dir_stream[pos + 6:pos + 6 + size]))
            pos += 6 + size
            continue
        found.append((record, pos + 6, dir_stream[pos + 6:pos + 6 + size]))
        pos += 6 + size
    return found


def modules(dir_stream: bytes) -> dict[str, dict[str, object]]:
    """{module name: {"stream": stream name, "offset": MODULEOFFSET, "offset_at": where}}."""
    found: dict[str, dict[str, object]] = {}
    current = None
    for record, at, data in records(dir_stream):
        if record == MODULENAME:
            current = data.decode("latin-1")
            found[current] = {}
        elif current is not None and record == MODULESTREAMNAME:
            found[current]["stream"] = data.decode("latin-1")
        elif current is not None and record == MODULEOFFSET:
            found[current]["offset"] = struct.unpack("<I", data)[0]
            found[current]["offset_at"] = at
    return found


def with_source_only(dir_stream: bytes, module: str) -> bytes:
    """The dir stream with `module`'s MODULEOFFSET set to 0: its stream is source only."""
    info = modules(dir_stream).get(module)
    if not info or "offset_at" not in info:
        raise KeyError(f"no module {module!r} in the VBA project")
    patched = bytearray(dir_stream)
    struct.pack_into("<I", patched, int(info["offset_at"]), 0)
    return bytes(patched)
