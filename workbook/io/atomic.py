"""Writing files so that a crash never leaves a half-written one behind."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from ..errors import OutputError


def lock_file(path: Path) -> Path:
    """Excel and WPS hold `~$name.xlsx` beside a workbook while it is open."""
    return path.with_name("~$" + path.name)


def refuse_if_open(path: Path) -> None:
    if lock_file(path).exists():
        raise OutputError(f"“{path.name}”正在 Excel/WPS 中打开（发现锁文件 {lock_file(path).name}），请先关闭该文件再试")


def atomic_save(target: Path, write: Callable[[Path], None]) -> Path:
    """Let `write` fill a temporary file in the target's folder, fsync it, then rename
    it over the target in one step. The target is either the old file or the new one."""
    target = Path(target)
    refuse_if_open(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".~shuping-", suffix=target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"无法在“{target.parent}”中写入文件：{exc.strerror or exc}") from exc
    temporary = Path(name)
    try:
        write(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except PermissionError as exc:
        raise OutputError(f"无法写入“{target.name}”：文件可能正在其他程序中打开，或没有写入权限") from exc
    except OSError as exc:
        raise OutputError(f"写入“{target.name}”失败：{exc.strerror or exc}") from exc
    finally:
        if temporary.exists():
            temporary.unlink()
    return target
