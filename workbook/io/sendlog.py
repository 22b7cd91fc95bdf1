"""The send log of one meeting: where it lives, its lock, reading and appending.

A message must never go out twice, whatever the file is called. So the log is kept per
*meeting*, not per workbook file name:

- the meeting's identity is the custom document property `shuping 会议标识` (a random id
  written by `shuping new` and the demo; custom document properties travel with the file
  through copies, renames and Excel's Save As) together with the 会议日期, so a workbook
  saved as next year's meeting (a new date) starts a new log. A workbook without the
  property (made by hand, or from the shipped template, which deliberately carries none
  — every copy of it would share one) falls back to its content: 会议名称 + 会议日期 +
  主办单位, normalised (NFKC, no spaces); the command says so;
- the log is `<SHUPING_HOME or ~/.shuping>/sent/<identity>.jsonl`: every copy of the
  workbook on this computer, for this user, finds the same log. A copy of it is kept in
  the output folder as `发送记录.jsonl` for the clerk to read (and, from workbooks of
  earlier versions, an output folder's log is taken over once into the meeting's log);
- a run holds an exclusive lock (`filelock`, `<identity>.jsonl.lock`) from reading the log
  until its last answer is written, so two runs, or runs on two copies, cannot both send
  one message; a second run waits up to `SHUPING_MAIL_LOCK_WAIT` seconds (default 3) and
  then refuses in Chinese.

Each line is flushed and fsynced before anything else happens.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import unicodedata
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..mail import LogEntry, Outgoing, SendLog
from .atomic import describe_os_error

IDENTITY_PROPERTY = "shuping 会议标识"
HOME_ENV = "SHUPING_HOME"
WAIT_ENV = "SHUPING_MAIL_LOCK_WAIT"
DEFAULT_WAIT = 3.0


def store() -> Path:
    """Where the per-meeting logs live for this user."""
    home = os.environ.get(HOME_ENV)
    return (Path(home) if home else Path.home() / ".shuping") / "sent"


def _normal(value: Any) -> str:
    if isinstance(value, (_dt.datetime, _dt.date)):
        value = value.isoformat()[:10]
    return "".join(unicodedata.normalize("NFKC", "" if value is None else str(value)).split())


def new_identity() -> str:
    import uuid

    return uuid.uuid4().hex


def meeting_identity(path: Path, meeting: Any) -> tuple[str, bool]:
    """(the identity of the meeting this workbook is about, whether it came from the
    document property — False: from its content)."""
    from .reader import custom_properties

    try:
        stored = custom_properties(Path(path)).get(IDENTITY_PROPERTY, "").strip()
    except Exception:     # the reader has vetted the file already; a property it cannot read is none
        stored = ""
    date = _normal(getattr(meeting, "date", ""))
    if stored:
        key = f"id|{stored}|{date}"
        prefix = "id"
    else:
        key = f"content|{_normal(getattr(meeting, 'title', ''))}|{date}|{_normal(getattr(meeting, 'organizer', ''))}"
        prefix = "content"
    return f"{prefix}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}", bool(stored)


class MeetingLog:
    """One meeting's send log, locked while open (`with MeetingLog(identity) as log:`)."""

    def __init__(self, identity: str, lock: bool = True):
        self.identity = identity
        self.path = store() / f"{identity}.jsonl"
        self._lock = None
        self._want_lock = lock
        self.log = SendLog(self.path)
        self.mirror: Path | None = None

    def __enter__(self) -> "MeetingLog":
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def open(self) -> SendLog:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"无法创建发送记录文件夹“{self.path.parent}”：{describe_os_error(exc)}") from None
        if self._want_lock:
            from filelock import FileLock, Timeout

            try:
                wait = float(os.environ.get(WAIT_ENV, DEFAULT_WAIT))
            except ValueError:
                wait = DEFAULT_WAIT
            self._lock = FileLock(str(self.path) + ".lock")
            try:
                self._lock.acquire(timeout=wait)
            except Timeout:
                self._lock = None
                raise OutputError("另一个 shuping mail 正在发送这次会议的邮件（可能是同一工作簿或它的副本），"
                                  "为免重复发送，本次未发送任何邮件。请等它结束后再运行") from None
            except OSError as exc:
                self._lock = None
                raise OutputError(f"无法锁定发送记录“{self.path}”：{describe_os_error(exc)}") from None
        self.log = read_log(self.path)
        return self.log

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def adopt(self, old: Path, write: bool = True) -> int:
        """Take over an output folder's log from an earlier version, once (when this
        meeting's log is still empty); `write=False` (a dry run) only reads it in.
        Returns how many entries were taken over."""
        if self.log.entries or not old.is_file():
            return 0
        entries = read_log(old).entries
        for entry in entries:
            if write:
                self._append(entry)
            else:
                self.log.entries.append(entry)
        return len(entries)

    def write(self, message: Outgoing, state: str, answer: str = "", workbook: str = "") -> LogEntry:
        """Append one line and make it durable before anything else happens."""
        entry = LogEntry(message.key, str(state), _dt.datetime.now().isoformat(timespec="seconds"),
                         list(message.to), message.subject, message.digests, answer, workbook)
        self._append(entry)
        return entry

    def _append(self, entry: LogEntry) -> None:
        line = json.dumps(entry.__dict__, ensure_ascii=False) + "\n"
        for target in (self.path, self.mirror):
            if target is None:
                continue
            try:
                with open(target, "a", encoding="utf-8") as handle:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                if target == self.path:
                    raise OutputError(f"无法写入发送记录“{target}”：{describe_os_error(exc)}；已停止发送") from None
                self.mirror = None          # the clerk's copy is a convenience: never a reason to stop
        self.log.entries.append(entry)

    def lines(self) -> bytes:
        return b"".join((json.dumps(e.__dict__, ensure_ascii=False) + "\n").encode("utf-8") for e in self.log.entries)


def read_log(path: Path) -> SendLog:
    log = SendLog(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return log
    except OSError as exc:
        raise OutputError(f"无法读取发送记录“{path}”：{describe_os_error(exc)}") from None
    for line in text.splitlines():
        try:
            data = json.loads(line)
            log.entries.append(LogEntry(**{k: data[k] for k in LogEntry.__dataclass_fields__ if k in data}))
        except (ValueError, TypeError, KeyError):
            continue   # a line torn by a crash mid-write: the entry before it still stands
    return log
