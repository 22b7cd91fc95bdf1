"""A workbook file read and checked: what every step starts from."""
from __future__ import annotations

import os

from ..issues import Issue
from ..model import Book
from ..validate import load_source
from .reader import open_source


def load_book(path: str | os.PathLike) -> tuple[Book, list[Issue]]:
    """Read and check a workbook file: (Book, every issue, sorted). Raises only
    UnreadableWorkbook, for a file that cannot be used at all."""
    return load_source(open_source(path), str(path))
