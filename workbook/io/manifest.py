"""What shuping wrote in an output folder, so it never replaces or deletes anything else.

Every command that writes outputs goes through one `OutputFolder`. The folder keeps a
manifest, `.shuping-manifest.json`: for each file written (its path relative to the
folder, `/`-separated) the size, SHA-256, the command and the time. An output may replace
or delete only a file of the manifest whose bytes still match the recorded hash. Refused
(exit 2, nothing written, a Chinese sentence naming the file):

- an output path that is an input (the workbook; compared with `os.path.samefile`, so a
  hard or symbolic link counts, and by resolved name);
- an existing file the manifest does not list (the clerk's own, or one from a version of
  shuping before manifests);
- a file shuping wrote and the clerk changed since (theirs now: we refuse naming it
  rather than write beside it, so there is never a second, confusable copy);
- `-o` naming an existing file instead of a folder.

Every name is claimed (checked) before the first byte is written, so a refusal leaves the
folder exactly as it was. A claimed name is recorded as pending in the manifest before
its file is written, so a crash between the write and the record never turns our own
file into a stranger; a pending entry accepts whatever bytes are there on the next run.

The manifest may also carry records (`records`): what the notices were made from, so
`mail` can tell stale papers by content, never by file times.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import OutputRefused, UsageError
from .atomic import TEMPORARY_PREFIX, atomic_write_bytes, describe_os_error

MANIFEST = ".shuping-manifest.json"
FORMAT = "shuping-manifest-1"
WINDOWS_MAX_PATH = 260     # Word and Excel cannot open a longer path, whatever Windows allows


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def plain_name(name: object) -> bool:
    """A manifest name we would ever write: relative, `/`-separated, no `..` or `.` part,
    no backslash or drive. Anything else in a manifest (crafted, or from elsewhere) is ignored."""
    if not isinstance(name, str) or not name or "\\" in name or ":" in name or "\0" in name:
        return False
    if name.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists() and os.path.samefile(a, b):
            return True
    except OSError:
        pass
    try:
        return os.path.normcase(str(a.resolve())) == os.path.normcase(str(b.resolve()))
    except OSError:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


class OutputFolder:
    """One output folder and its manifest. `write(name, writer)` / `write_bytes(name, data)`
    claim a name, write it atomically and record it; `claim_all(names)` checks a whole
    run's names before anything is written; `remove(name)` deletes only our own file."""

    def __init__(self, folder: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), command: str = ""):
        self.folder = Path(folder)
        self.inputs = [Path(p) for p in inputs]
        self.command = command
        try:
            is_file = self.folder.exists() and not self.folder.is_dir()
        except OSError as exc:
            raise UsageError(f"输出文件夹“{self.folder}”无法使用：{describe_os_error(exc)}") from None
        if is_file:
            if any(_same(self.folder, p) for p in self.inputs):
                raise UsageError(f"输出文件夹“{self.folder}”就是输入的工作簿；请用 -o 指定一个文件夹")
            raise UsageError(f"“{self.folder}”是一个已有的文件，不是文件夹；-o 应指定输出文件夹")
        self.files: dict[str, dict[str, Any]] = {}
        self.records: dict[str, Any] = {}
        self._dirty = False
        self._touched: set[str] = set()     # names this run claimed, recorded or removed
        self._records_read: dict[str, Any] = {}
        self._load()

    def __enter__(self) -> "OutputFolder":
        return self

    def __exit__(self, *exc_info) -> None:
        self.settle()

    def settle(self) -> None:
        """After a run, failed or not: a pending name whose file is there is recorded with its
        bytes (it was ours, or written now); one whose file is absent is forgotten."""
        pending = [name for name, entry in self.files.items() if entry.get("pending")]
        for name in pending:
            target = self.path(name)
            try:
                if target.is_file() and not target.is_symlink():
                    self.files[name] = {"size": target.stat().st_size, "sha256": file_digest(target),
                                        "command": self.files[name].get("command", self.command),
                                        "time": _dt.datetime.now().isoformat(timespec="seconds")}
                else:
                    self.files.pop(name)
            except OSError:
                pass
        if pending or self._dirty:
            try:
                self.save()
                self._dirty = False
            except Exception:   # a full disk: the pending entries stay pending, which is safe
                pass

    # --- the manifest on disk -------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    def _load(self) -> None:
        try:
            data = json.loads(self.manifest_path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError, ValueError):
            return        # unreadable: nothing is known to be ours, so nothing existing is replaced
        if isinstance(data, dict) and data.get("format") == FORMAT:
            files = data.get("files")
            self.files = ({k: v for k, v in files.items() if isinstance(v, dict) and plain_name(k)}
                          if isinstance(files, dict) else {})
            records = data.get("records")
            self.records = records if isinstance(records, dict) else {}
        self._records_read = json.loads(json.dumps(self.records))

    def save(self) -> None:
        """Write the manifest; what another run recorded meanwhile (names and records this one
        did not touch) is kept, so two commands writing into one folder lose nothing."""
        mine_files, mine_records, base = dict(self.files), dict(self.records), self._records_read
        self.files, self.records = {}, {}
        self._load()
        self._records_read = base
        for name in self._touched:
            if name in mine_files:
                self.files[name] = mine_files[name]
            else:
                self.files.pop(name, None)
        for name, entry in mine_files.items():
            self.files.setdefault(name, entry)
        for key, value in mine_records.items():
            if value != base.get(key):      # only the records this run set
                self.records[key] = value
        payload = json.dumps({"format": FORMAT, "files": self.files, "records": self.records},
                             ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        atomic_write_bytes(self.manifest_path, payload, faults=False)
        self._records_read = json.loads(json.dumps(self.records))
        self._dirty = False

    # --- names ----------------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.folder.joinpath(*name.split("/"))

    def inside(self, name: str) -> bool:
        """`name` stays in this folder: plain, and no folder on its way is a link elsewhere."""
        if not plain_name(name):
            return False
        try:
            root = self.folder.resolve()
            parent = self.path(name).parent.resolve()
        except (OSError, RuntimeError):
            return False
        return parent == root or root in parent.parents

    def owned(self, name: str) -> bool:
        """The file at `name` is one we wrote and nobody changed since (or is absent)."""
        if not self.inside(name):
            return False
        target = self.path(name)
        if not target.exists() and not target.is_symlink():
            return True
        entry = self.files.get(name)
        if entry is None or target.is_symlink() or not target.is_file():
            return False
        if entry.get("pending"):
            return True
        try:
            return target.stat().st_size == entry.get("size") and file_digest(target) == entry.get("sha256")
        except OSError:
            return False

    def check(self, name: str) -> Path:
        """Refuse (OutputRefused, exit 2) unless `name` may be written; the path otherwise."""
        target = self.path(name)
        for source in self.inputs:
            if _same(target, source):
                raise OutputRefused(f"输出文件“{target}”就是输入的工作簿“{source.name}”，写出会覆盖它；"
                                    "未写出任何文件。请用 -o 指定另一个文件夹，或把工作簿改名")
        if os.name == "nt" and len(os.path.abspath(target)) >= WINDOWS_MAX_PATH:
            raise OutputRefused(f"“{os.path.abspath(target)}”长达 {len(os.path.abspath(target))} 个字符，超过 Windows "
                                f"的 {WINDOWS_MAX_PATH} 字符路径限制（Word、Excel 打不开）；未写出任何文件。"
                                "请用 -o 指定一个路径较短的文件夹")
        if target.is_dir() and not target.is_symlink():
            raise OutputRefused(f"“{target}”是一个文件夹，shuping 要在这里写出同名文件；未写出任何文件。"
                                "请把这个文件夹改名或移走，或用 -o 指定另一个文件夹")
        if not self.owned(name):
            why = ("是 shuping 写出后又被改动过的文件" if name in self.files and not target.is_symlink()
                   else "不是 shuping 写出的文件")
            legacy = "" if self.files else "（若它是旧版本 shuping 生成的，确认不再需要后删除或移走即可）"
            raise OutputRefused(f"“{target}”{why}，为免覆盖，未写出任何文件。请把它改名或移走，"
                                f"或用 -o 指定另一个文件夹{legacy}")
        return target

    def claim_all(self, names: Iterable[str]) -> None:
        """Check every name a run will write, then mark them pending in one save."""
        names = list(names)
        for name in names:
            self.check(name)
        changed = False
        for name in names:
            entry = self.files.get(name)
            self._touched.add(name)
            if entry is None or not entry.get("pending"):
                self.files[name] = {**(entry or {}), "pending": True, "command": self.command}
                changed = True
        if changed:
            self._save_or_explain()

    def claim(self, name: str) -> Path:
        self.claim_all([name])
        return self.path(name)

    def record(self, name: str) -> Path:
        target = self.path(name)
        self.files[name] = {"size": target.stat().st_size, "sha256": file_digest(target), "command": self.command,
                            "time": _dt.datetime.now().isoformat(timespec="seconds")}
        self._touched.add(name)
        self._dirty = True       # saved by settle(): until then the name is pending on disk, which is safe
        return target

    def _save_or_explain(self) -> None:
        try:
            self.save()
        except OSError as exc:   # atomic writes raise OutputError already; this is mkdir and the like
            from ..errors import OutputError

            raise OutputError(f"无法写入“{self.manifest_path}”：{describe_os_error(exc)}") from None

    # --- writing and removing -------------------------------------------------------------------
    def write(self, name: str, writer: Callable[[Path], Any]) -> Path:
        """`writer(path)` writes the file (atomically); the file is then recorded as ours."""
        target = self.claim(name)
        writer(target)
        return self.record(name)

    def write_all(self, items: list[tuple[str, Callable[[Path], Any]]]) -> list[Path]:
        """A run's files as one set: each `writer(path)` fills a temporary; only when all are
        written are they renamed over the old ones. A failure while writing leaves every old
        file as it was (and says so); one while renaming says which files are new and which old."""
        from ..errors import OutputError
        from .atomic import rename_temporary, write_temporary

        names = [name for name, _ in items]
        self.claim_all(names)
        staged: list[tuple[str, Path]] = []

        def drop(temporaries) -> None:
            for _, temporary in temporaries:
                try:
                    temporary.unlink()
                except OSError:
                    pass

        try:
            for name, writer in items:
                staged.append((name, write_temporary(self.path(name), writer)))
        except OutputError as exc:
            drop(staged)
            raise OutputError(f"{exc}；本次的文件都没有替换（{'、'.join(names)} 仍是上次生成的，或原本没有）。"
                              "请腾出空间后重新运行") from None
        except BaseException:
            drop(staged)
            raise
        made: list[Path] = []
        for k, (name, temporary) in enumerate(staged):
            try:
                rename_temporary(temporary, self.path(name))
            except OSError as exc:
                drop(staged[k:])
                new = "、".join(names[:k]) or "（无）"
                raise OutputError(f"替换“{name}”失败：{describe_os_error(exc)}；已是新结果：{new}；"
                                  f"仍是上次的：{'、'.join(names[k:])}。请重新运行") from None
            made.append(self.record(name))
        return made

    def write_bytes(self, name: str, data: bytes) -> Path:
        return self.write(name, lambda target: atomic_write_bytes(target, data))

    def remove(self, name: str) -> bool:
        """Delete `name` only when it is ours and unchanged; True when it is gone."""
        if not self.inside(name):
            return False
        target = self.path(name)
        if not target.exists() and not target.is_symlink():
            self.files.pop(name, None)
            self._touched.add(name)
            return True
        if name not in self.files or not self.owned(name):
            return False
        try:
            target.unlink()
        except OSError:
            return False
        self.files.pop(name, None)
        self._touched.add(name)
        return True

    def names_under(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return sorted(name for name in self.files if name.startswith(prefix))

    def prune(self, folder: str, keep: Iterable[str]) -> list[str]:
        """Remove our own files under `folder` not in `keep` (never a file we did not write),
        then the folders left empty. The names kept because the clerk changed them are returned."""
        keep = set(keep)
        kept, emptied = [], set()
        for name in self.names_under(folder):
            if name in keep:
                continue
            if self.remove(name):
                emptied.add(self.path(name).parent)
            else:
                kept.append(name)
        root = self.path(folder)
        for sub in sorted(emptied, key=lambda p: -len(p.parts)):
            if sub != root and root in sub.parents:
                try:
                    sub.rmdir()         # a folder that held our files, only when nothing else is left in it
                except OSError:
                    pass
        self._save_or_explain()
        return kept

    def is_temporary(self, path: Path) -> bool:
        return path.name.startswith(TEMPORARY_PREFIX)
