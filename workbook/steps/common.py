"""What every step shares: where outputs go, which errors stop a step."""
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
