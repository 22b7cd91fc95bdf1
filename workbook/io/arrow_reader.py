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
    """The sheet dictionary-encoded once: `values` holds each distinct spelling (None for an
    empty cell) and `indices[col, row]` (int32) points into it, so the grid costs 4 bytes a
    cell and its spellings are coded once each. Indexing gives a row as a list of str/None
    (for the few cells a message quotes); `header` holds rows 1-2 with control characters
    already cleaned."""

    values: list
    indices: Any            # numpy int32, shape (width, height)
    header: list[list[Any]] = field(default_factory=list)
    _lookups: dict = field(default_factory=dict, repr=False)

    @property
    def height(self) -> int:
        return int(self.indices.shape[1])

    @property
    def width(self) -> int:
        return int(self.indices.shape[0])

    def lookup(self, name: str, function, dtype):
        """`function` of every distinct spelling as a numpy array (computed once per name)."""
        found = self._lookups.get(name)
        if found is None:
            import numpy as np

            found = self._lookups[name] = np.array([function(v) for v in self.values], dtype=dtype)
        return found

    def encoded(self, col: int):
        """(distinct spellings, this column's indices into them)."""
        return self.values, self.indices[col]

    def value(self, row: int, col: int):
        """One cell (str or None); header cells as cleaned."""
        if row < len(self.header):
            return self.header[row][col] if col < len(self.header[row]) else None
        if col >= self.width or row >= self.height:
            return None
        return self.values[int(self.indices[col, row])]

    def as_rows(self) -> list[list[Any]]:
        """The whole sheet as rows of str/None (for the rare reader that walks rows)."""
        values = self.values
        body = [[values[k] for k in row] for row in self.indices[:, len(self.header):].T.tolist()]
        return [list(row) for row in self.header] + body

    def __len__(self) -> int:
        return self.height

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.height))]
        if index < 0:
            index += self.height
        if not 0 <= index < self.height:
            raise IndexError(index)
        if index < len(self.header):
            return self.header[index]
        return [self.values[k] for k in self.indices[:, index].tolist()]

    def __iter__(self):
        return iter(self.as_rows())

    def typed_counts(self, first: int) -> tuple[dict[int, int], int]:
        """plans.typed_counts on the arrays: ({column: typed cells from row `first` on},
        rows with anything typed)."""
        empty = self.lookup("empty", lambda v: v is None, bool)
        filled = ~empty[self.indices[:, first:]]
        per_column = filled.sum(axis=1)
        counts = {int(c): int(n) for c, n in enumerate(per_column) if n}
        return counts, int(filled.any(axis=0).sum())

    def release(self) -> None:
        import numpy as np

        self.indices = np.zeros((0, 0), dtype=np.int32)
        self._lookups.clear()


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
    import numpy as np
    import pyarrow as pa

    reader = fastexcel.read_excel(str(path))
    table = reader.load_sheet_by_name(sheet, header_row=None, dtypes="string").to_arrow()
    del reader
    width, height = table.num_columns, table.num_rows
    if not width or not height:
        return None
    columns = []
    for column in table.columns:
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if column.type != pa.string():
            column = column.cast(pa.string())
        columns.append(column)
    del table
    # one dictionary for the whole sheet: the few grade spellings, the 票号, the labels
    encoded = pa.concat_arrays(columns).dictionary_encode(null_encoding="encode")
    del columns
    values = [None if v == "" else v for v in encoded.dictionary.to_pylist()]   # "" is an empty cell
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False).reshape(width, height)
    del encoded
    if any(v is not None and ambiguous(v) for v in values):
        return None
    grid = BallotGrid(values=values, indices=indices)
    if grid.value(0, 0) is None:
        return None
    # trailing empty rows go, as trim_rows does for calamine rows
    filled = np.flatnonzero(~grid.lookup("empty", lambda v: v is None, bool)[indices].all(axis=0))
    last = int(filled[-1]) + 1 if len(filled) else 0
    if last < height:
        grid.indices = indices[:, :last].copy()
    grid.header = [grid[i] for i in range(min(header_rows, grid.height))]
    controls = clean(grid.header)
    return grid, controls
