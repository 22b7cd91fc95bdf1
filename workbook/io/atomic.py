"""Writing files so that a crash never leaves a half-written one behind.

Every file shuping writes goes to a temporary file in the target's folder, is flushed
and fsynced, optionally verified, and then renamed over the target in one step: the
target is always either the old file or the new one. `SHUPING_FAULT=<step>` stops the
process dead at that step, so the tests can prove it (FAULT_STEPS).
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Callable

from ..errors import OutputError

FAULT_ENV = "SHUPING_FAULT"
FAULT_STEPS = ("after-backup", "mid-write", "before-rename", "after-rename")
FAULT_EXIT = 75
TEMPORARY_PREFIX = ".~shuping-"


def fault_point(step: str) -> None:
    """Die here, without cleanup, when the tests ask for it (a simulated crash)."""
    if os.environ.get(FAULT_ENV) == step:
        os._exit(FAULT_EXIT)


def lock_file(path: Path) -> Path:
    """Excel and WPS hold `~$name.xlsx` beside a workbook while it is open."""
    return path.with_name("~$" + path.name)


def refuse_if_open(path: Path) -> None:
    try:
        locked = lock_file(path).exists()
    except OSError:          # "~$" + a name that fills the file system's limit: no such lock can exist
        locked = False
    if locked:
        raise OutputError(f"“{path.name}”正在 Excel/WPS 中打开（发现锁文件 {lock_file(path).name}），请先关闭该文件再试")


_OS_ERRORS = {
    errno.ENOSPC: "磁盘空间不足", errno.EDQUOT if hasattr(errno, "EDQUOT") else -1: "磁盘配额已用完",
    errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.EROFS: "磁盘是只读的",
    errno.ENAMETOOLONG: "文件名或路径太长", errno.ENOENT: "文件夹不存在", errno.EIO: "磁盘读写出错",
    errno.EEXIST: "文件已存在", errno.EFBIG: "文件超过了系统允许的大小", errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "这是一个文件夹",
    errno.EADDRINUSE: "端口已被其他程序占用", errno.ECONNREFUSED: "对方拒绝连接（地址或端口不对，或服务没有运行）",
    errno.ECONNRESET: "连接被对方断开", errno.ETIMEDOUT: "连接超时", errno.EHOSTUNREACH: "无法到达对方主机",
    errno.ENETUNREACH: "网络不通", errno.ECONNABORTED: "连接被中止", errno.EPIPE: "连接已断开",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
}


def describe_os_error(exc: BaseException) -> str:
    """An OSError in Chinese (never the OS's English sentence)."""
    number = getattr(exc, "errno", None)
    if number in _OS_ERRORS:
        return _OS_ERRORS[number]
    if isinstance(exc, PermissionError):
        return "没有写入权限，或文件正在其他程序中打开"
    return f"系统错误（错误号 {number}）" if number is not None else "系统错误"


def _os_error_in(exc: BaseException | None) -> OSError | None:
    """The OSError behind an exception (itself, its cause or context, or its first argument)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError):
            return exc
        if exc.args and isinstance(exc.args[0], OSError):
            return exc.args[0]
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


_HOOK_INSTALLED = False


def _quiet_collect(exc: BaseException) -> None:
    """Drop what a failed writer left open (a ZipFile whose buffered bytes cannot be
    flushed on a full disk) now, silently: otherwise its __del__ fails again at exit and
    Python prints "Exception ignored in: <function ZipFile.__del__>" to the clerk."""
    import gc
    import sys
    import traceback

    global _HOOK_INSTALLED
    if not _HOOK_INSTALLED:      # the writer may still be referenced (the error's context): its later
        previous = sys.unraisablehook      # __del__ on this process's way out must stay quiet too

        def hook(unraisable, previous=previous):
            if isinstance(unraisable.exc_value, OSError) and "__del__" in repr(unraisable.object):
                return           # a writer's file that could not be closed on a failed write: already said
            previous(unraisable)

        sys.unraisablehook = hook
        _HOOK_INSTALLED = True
    chain, seen = [exc], set()
    while chain:
        current = chain.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
        chain += [current.__cause__, current.__context__,
                  *(a for a in current.args if isinstance(a, BaseException))]
    gc.collect()


def _temporary_prefix(target: Path) -> str:
    """`.~shuping-<start of the stem>-`: the stem cut to 60 bytes, so the temporary name of a
    target whose own name fills the 255 bytes a file system allows still fits."""
    stem = target.stem
    while len(stem.encode("utf-8")) > 60:
        stem = stem[:-1]
    return f"{TEMPORARY_PREFIX}{stem}-"


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Temporary files a crashed run left beside `target` (never the target itself). Only
    names exactly of mkstemp's form for this target: `a.xlsx` must not take the temporary
    of `a-b.xlsx` (`.~shuping-a-b-x1y2z3w4.xlsx`), nor a lock file, nor a clerk's file."""
    import re

    exact = re.compile(re.escape(_temporary_prefix(target)) + r"[a-z0-9_]{8}" + re.escape(target.suffix))
    removed = []
    try:
        candidates = [p for p in target.parent.iterdir() if exact.fullmatch(p.name)]
    except OSError:
        return removed
    for stale in candidates:
        try:
            stale.unlink()
            removed.append(stale)
        except OSError:
            pass
    return removed


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _give_mode(temporary: Path, target: Path) -> None:
    """mkstemp makes 0600 files: give the target's own mode, or what a new file gets."""
    try:
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
    except OSError:
        pass


def _new_temporary(target: Path) -> Path:
    """An empty temporary file beside `target` (same folder, so the rename is atomic)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"无法在“{target.parent}”中写入文件：{describe_os_error(exc)}") from None
    return Path(name)


def _fill_and_sync(temporary: Path, target: Path, fill: Callable[[Path], None]) -> None:
    _give_mode(temporary, target)
    fill(temporary)
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())


def _replace_via_temporary(target: Path, fill: Callable[[Path], None],
                           verify: Callable[[Path], None] | None, faults: bool = True) -> Path:
    temporary = _new_temporary(target)
    try:
        _fill_and_sync(temporary, target, fill)
        if verify is not None:
            verify(temporary)
        if faults:
            fault_point("before-rename")
        os.replace(temporary, target)
        _fsync_folder(target.parent)
        if faults:
            fault_point("after-rename")
    except PermissionError:
        raise OutputError(f"无法写入“{target.name}”：文件可能正在其他程序中打开，或没有写入权限") from None
    except Exception as exc:   # OSError, or a writer's own error wrapping one (xlsxwriter's FileCreateError)
        os_error = _os_error_in(exc)
        if os_error is None:
            raise
        _quiet_collect(exc)
        raise OutputError(f"写入“{target.name}”失败：{describe_os_error(os_error)}；未留下不完整的文件") from None
    finally:
        try:
            if temporary.exists():
                temporary.unlink()
        except OSError:
            pass
    return target


def write_temporary(target: Path, fill: Callable[[Path], None]) -> Path:
    """The first half of an atomic write, for a set of files renamed together
    (`rename_temporary`): `fill` writes a temporary beside `target`, synced. On failure the
    temporary is gone and OutputError names `target` (never the temporary)."""
    target = Path(target)
    refuse_if_open(target)
    temporary = _new_temporary(target)
    try:
        _fill_and_sync(temporary, target, fill)
    except BaseException as exc:
        try:
            if temporary.exists():
                temporary.unlink()
        except OSError:
            pass
        if isinstance(exc, OutputError):      # the writer's own atomic save: say the target's name
            raise OutputError(str(exc).replace(temporary.name, target.name).replace("；未留下不完整的文件", "")) from None
        if isinstance(exc, PermissionError):
            raise OutputError(f"无法写入“{target.name}”：文件可能正在其他程序中打开，或没有写入权限") from None
        os_error = _os_error_in(exc) if isinstance(exc, Exception) else None
        if os_error is None:
            raise
        _quiet_collect(exc)
        raise OutputError(f"写入“{target.name}”失败：{describe_os_error(os_error)}") from None
    return temporary


def rename_temporary(temporary: Path, target: Path) -> Path:
    """The second half: the temporary renamed over `target` (OSError is the caller's)."""
    os.replace(temporary, target)
    _fsync_folder(Path(target).parent)
    return Path(target)


def atomic_save(target: Path, write: Callable[[Path], None],
                verify: Callable[[Path], None] | None = None) -> Path:
    """Let `write` fill a temporary file in the target's folder, then rename it over the target."""
    target = Path(target)
    refuse_if_open(target)
    return _replace_via_temporary(target, write, verify)


def atomic_write_bytes(target: Path, data: bytes, verify: Callable[[Path], None] | None = None,
                       faults: bool = True) -> Path:
    """`data` to `target` atomically; a crash mid-write leaves only a temporary file.
    `faults=False` keeps a side file (a backup) out of the crash tests' steps."""
    def fill(temporary: Path) -> None:
        half = len(data) // 2
        with open(temporary, "wb") as handle:
            handle.write(data[:half])
            handle.flush()
            if faults:
                fault_point("mid-write")
            handle.write(data[half:])

    target = Path(target)
    refuse_if_open(target)
    return _replace_via_temporary(target, fill, verify, faults)
