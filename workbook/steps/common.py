"""What every step shares: where outputs go, which errors stop a step, the tool-value log."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .. import schema as S
from ..plans import errors_in  # noqa: F401  (the steps import it from here)


def output_dir(path: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """`<stem>_成果/` beside the workbook unless told otherwise."""
    path = Path(path)
    return Path(out) if out else path.with_name(path.stem + S.OUTPUT_DIR_SUFFIX)


def write_json(path: Path, data: dict[str, Any]) -> Path:
    from ..io.atomic import atomic_save

    payload = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    return atomic_save(path, lambda temporary: temporary.write_bytes(payload))


def rows_region(first: int, last: int):
    """Cells of the 1-based rows first..last (a region for the editing path, 0-based)."""
    return lambda row, col: first - 1 <= row <= last - 1


def log_tool_values(workbook, rows: list[list[Any]]) -> None:
    """Append to the hidden 台账合并记录 sheet (made on first use)."""
    from ..io.sheet_rows import append_rows
    from ..ledger import MERGE_LOG_HEADER, SHEET_MERGE_LOG

    if SHEET_MERGE_LOG in workbook.sheetnames:
        log = workbook[SHEET_MERGE_LOG]
    else:
        log = workbook.create_sheet(SHEET_MERGE_LOG)
        log.sheet_state = "hidden"
        append_rows(log, [MERGE_LOG_HEADER])
    append_rows(log, rows)
