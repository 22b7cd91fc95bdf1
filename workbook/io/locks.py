"""One file, one edit: which file a name really is, and the lock an edit holds on it.

- `real_file` resolves a symbolic link once, so an edit changes the workbook the link
  points to and the link stays a link.
- `refuse_same_file` stops a two-file command (carry, compare, ledger merge) when both
  names are one file — the same path, a symbolic link or a hard link (`os.path.samefile`).
- `EditLock` is an exclusive lock (the `filelock` package: flock on POSIX, LockFileEx on
  Windows) on `.~shuping-<name>.lock` beside the real workbook, held by an edit from
  reading the workbook to the rename. A second edit of the same workbook waits (a Chinese
  progress line says why) up to `SHUPING_LOCK_WAIT` seconds (default LOCK_WAIT_SECONDS),
  then is refused; nothing is lost either way. The lock file is removed when the edit ends
  (unlinked while still locked, so a waiter that opened it sees a deleted file and retries).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..errors import EditRefused, UnreadableWorkbook, UsageError

LOCK_PREFIX = ".~shuping-"
LOCK_SUFFIX = ".lock"
LOCK_WAIT_ENV = "SHUPING_LOCK_WAIT"
LOCK_WAIT_SECONDS = 60.0
HOLD_ENV = "SHUPING_HOLD_LOCK"   # tests only: seconds to sit on the lock once taken (a slow edit)


def real_file(path: str | os.PathLike) -> Path:
    """The file a name stands for: a symbolic link resolved (once, to an absolute path)."""
    named = Path(path)
    if not named.is_symlink():
        return named
    target = Path(os.path.realpath(named))
    if not target.exists():
        raise UnreadableWorkbook(f"“{named.name}”是一个链接，但它指向的文件“{target}”不存在")
    return target


def same_file(first: str | os.PathLike, second: str | os.PathLike) -> bool:
    """Whether two names are one file (a link, a hard link, or the same path written twice)."""
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):
        return False


def refuse_same_file(first: str | os.PathLike, second: str | os.PathLike, why: str) -> None:
    """Raise UsageError (exit 2) when both names are one file; `why` says what that would do."""
    if same_file(first, second):
        a, b = Path(first), Path(second)
        names = (f"两处给出的都是“{a.name}”，是同一个文件" if str(a) == str(b)
                 else f"“{a.name}”和“{b.name}”是同一个文件（符号链接或硬链接指向同一文件）")
        raise UsageError(f"{names}：{why}。请给出两个不同的文件，未做任何改动")


def lock_path(real: Path) -> Path:
    return real.with_name(f"{LOCK_PREFIX}{real.name}{LOCK_SUFFIX}")


def lock_wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV, LOCK_WAIT_SECONDS)))
    except ValueError:
        return LOCK_WAIT_SECONDS


class EditLock:
    """`with EditLock(real_path, progress):` — the exclusive lock of one edit (module doc)."""

    def __init__(self, real: Path, progress: Callable[[str], None] | None = None,
                 wait: float | None = None):
        from filelock import FileLock

        self.real = real
        self.path = lock_path(real)
        self.wait = lock_wait_seconds() if wait is None else wait
        self._progress = progress or (lambda message: None)
        self._lock = FileLock(str(self.path))

    def _cannot_create(self, exc: OSError) -> EditRefused:
        return EditRefused(f"无法在“{self.real.parent}”中建立修改锁（{exc.strerror or exc}），"
                           f"文件夹可能是只读的。“{self.real.name}”未做任何改动")

    def __enter__(self) -> "EditLock":
        from filelock import Timeout

        try:
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                self._progress(f"另一个 shuping 命令正在修改“{self.real.name}”，等待它完成"
                               f"（最多 {self.wait:g} 秒）…")
                self._lock.acquire(timeout=self.wait, poll_interval=0.1)
        except Timeout:
            raise EditRefused(
                f"“{self.real.name}”正被另一个 shuping 命令修改，等待 {self.wait:g} 秒后仍未结束。"
                "为免互相覆盖，本次未做任何改动；请等那个命令结束后再运行") from None
        except OSError as exc:
            raise self._cannot_create(exc) from exc
        hold = os.environ.get(HOLD_ENV)
        if hold:
            import time

            time.sleep(float(hold))
        return self

    def __exit__(self, *exc_info) -> None:
        # Unlinked while still held: a waiter that already opened it finds a deleted file
        # (filelock checks st_nlink) and opens the path anew. Windows removes it on release.
        try:
            self.path.unlink()
        except OSError:
            pass
        self._lock.release()
