"""The ballot grid on Arrow: 评议票 read by fastexcel as string columns, no Python object per cell.

`read_grid(path, sheet, xml_head)` returns a `BallotGrid` (one pyarrow string array per
sheet column, the header rows as Python lists) or None when this path cannot promise the
same values as the calamine rows: the parser then reads the sheet as rows, exactly as before.

fastexcel turns every cell into text. For text cells and whole numbers below 10^15 that text
has the same `clean_text` as the value calamine gives (1001.0 and "1001" both read "1001"),
which is all the ballot parser looks at. It writes other values its own way (TRUE as "true",
a date as "2024-01-02 00:00:00", 0.30000000000000004 as "0.3", -0.0 as "-0"); a column whose
distinct spellings include anything of that shape, or a sheet that does not start at A1,
or an error cell, sends the sheet back to the rows path. So a clerk's workbook reads the
same either way; only the cost differs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# A spelling that may be fastexcel's rendering of a non-text cell whose calamine value reads
# differently: booleans, dates and durations, numbers that are not small whole numbers.
_AMBIGUOUS = re.compile(
    r"^(?:true|false)$"
    r"|\d{4}-\d{2}-\d{2}|\d:\d{2}"
    r"|^[-+]?(?:\d+\.\d*|\.\d+|\d+[eE]|\d{16,}|-0+$)"
    r"|^[-+]?\d+(?:\.\d*)?[eE][-+]?\d+$"
    r"|^\+|^-0|^-$", re.ASCII)
_FIRST_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]+[0-9]+)\"")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>]")


def ambiguous(text: str) -> bool:
    """Could fastexcel have written `text` for a cell whose calamine value reads otherwise?"""
    return bool(_AMBIGUOUS.search(text))


@dataclass
class BallotGrid:
    """The sheet as columns: `columns[c]` is a pyarrow StringArray of `height` rows (None for
    an empty cell). Indexing gives a row as a list of str/None (for the few cells a message
    quotes); `header` holds rows 1-2 with control characters already cleaned."""

    columns: list
    height: int
    width: int
    header: list[list[Any]] = field(default_factory=list)
    # per column: (dictionary as a Python list, indices as a numpy int32 array, -1 = empty)
    _encoded: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return self.height

    def value(self, row: int, col: int):
        """One cell (str or None); header cells as cleaned."""
        if row < len(self.header):
            return self.header[row][col] if col < len(self.header[row]) else None
        if col >= self.width:
            return None
        values, indices = self.encoded(col)
        k = int(indices[row])
        return values[k] if k >= 0 else None

    def as_rows(self) -> list[list[Any]]:
        """The whole sheet as rows of str/None (for the rare reader that walks rows)."""
        body = zip(*(column.slice(len(self.header)).to_pylist() for column in self.columns))
        return [list(row) for row in self.header] + [list(row) for row in body]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.as_rows()[index]
        if index < 0:
            index += self.height
        if not 0 <= index < self.height:
            raise IndexError(index)
        if index < len(self.header):
            return self.header[index]
        return [column[index].as_py() for column in self.columns]

    def __iter__(self):
        return iter(self.as_rows())

    def encoded(self, col: int):
        """(distinct spellings, indices into them with -1 for an empty cell) of one column."""
        found = self._encoded.get(col)
        if found is None:
            import numpy as np
            import pyarrow.compute as pc

            column = self.columns[col]
            encoded = pc.dictionary_encode(column)
            values = encoded.dictionary.to_pylist()
            indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
            found = self._encoded[col] = (values, indices)
        return found

    def release(self) -> None:
        self.columns = []
        self._encoded.clear()


def starts_at_a1(xml_head: bytes) -> bool:
    """Is the first cell of the sheet data A1 (so fastexcel, which skips empty leading rows and
    columns, and calamine, which starts at A1, place every cell alike)?"""
    data = _SHEET_DATA.search(xml_head)
    if data is None:
        return False
    first = _FIRST_CELL.search(xml_head, data.end())
    return first is not None and first.group(1) == b"A1"


def read_grid(path, sheet: str, xml_head: bytes, header_rows: int, clean):
    """(the sheet as a BallotGrid, what `clean` reported), or None when the rows path must
    read it (see module doc). `clean(rows)` removes control characters from the header rows
    in place, as for calamine rows, and returns what it removed."""
    if not starts_at_a1(xml_head):
        return None
    import fastexcel
    import pyarrow as pa
    import pyarrow.compute as pc

    reader = fastexcel.read_excel(str(path))
    table = reader.load_sheet_by_name(sheet, header_row=None, dtypes="string").to_arrow()
    del reader
    columns = []
    for column in table.columns:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if column.type != pa.string() and column.type != pa.large_string():
            column = column.cast(pa.string())
        # "" is an empty cell, as calamine's "" is None
        column = pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)
        columns.append(column)
    if not columns or columns[0].null_count == len(columns[0]) or columns[0][0].as_py() is None:
        return None
    height = len(columns[0])
    # trailing empty rows go, as trim_rows does for calamine rows
    last = -1
    for column in columns:
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        nz = valid.nonzero()[0]
        if len(nz):
            last = max(last, int(nz[-1]))
    height = last + 1
    if height < len(columns[0]):
        columns = [c.slice(0, height) for c in columns]
    grid = BallotGrid(columns=columns, height=height, width=len(columns))
    for col in range(grid.width):
        values, _ = grid.encoded(col)
        if any(v is not None and ambiguous(v) for v in values):
            grid.release()
            return None
    grid.header = [[column[i].as_py() for column in columns] for i in range(min(header_rows, height))]
    controls = clean(grid.header)
    return grid, controls
