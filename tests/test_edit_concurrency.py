"""One edit at a time, of the right file: the editing commands through real processes.

Each test runs the `shuping` entry point (`python -m workbook`) in subprocesses, as two
clerks (or a clerk with two windows) would, and then reads the workbook back:
- two edits of one workbook at once: both land (the second waits for the first and reads
  what it wrote), or one is refused in Chinese — an edit is never silently lost;
- an edit through a symbolic link changes the file it points to, the link stays a link;
- a two-file command given one file twice (the same path, a link, a hard link) is refused
  with exit 2 and changes nothing;
- the lock file is gone afterwards, and one left behind by a crashed run blocks nothing.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from workbook.api import new_workbook, run_ledger_split, run_rectify
from workbook.io.editing import backups_of
from workbook.io.locks import HOLD_ENV, LOCK_WAIT_ENV, lock_path

NEW_REPORTER = ["12", "新区党委", "赵新", "党委书记", "现场", None, None]


def _cli(*args, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workbook", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, **(env or {})})


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out.decode("utf-8") + err.decode("utf-8")


def _demo(folder: Path, name: str = "会.xlsx") -> Path:
    """The demo meeting plus a 12th reporter: `prepare` then has columns to add (AV–AY)
    and `rectify` has 点评's problems to list — two edits of different sheets."""
    path = new_workbook(folder / name, demo=True)
    book = openpyxl.load_workbook(path)
    book["述职人"].append(NEW_REPORTER)
    book.save(path)
    return path


def _header(path: Path) -> list:
    return [c.value for c in openpyxl.load_workbook(path, read_only=True)["评议票"][1] if c.value]


def _rectify_rows(path: Path) -> int:
    sheet = openpyxl.load_workbook(path, read_only=True)["整改清单"]
    return sum(1 for row in sheet.iter_rows(min_row=2, values_only=True) if row[0])


def _both_edits_present(path: Path) -> bool:
    return "12 赵新" in _header(path) and _rectify_rows(path) > 0


def _wait_for(condition, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_two_edits_started_together_both_land(tmp_path):
    path = _demo(tmp_path)
    first, second = _cli("prepare", path), _cli("rectify", path)
    (code_a, said_a), (code_b, said_b) = _finish(first), _finish(second)
    assert (code_a, code_b) == (0, 0), said_a + said_b
    assert "已更新" in said_a and "已更新" in said_b
    assert "Traceback" not in said_a + said_b
    # both: prepare's four columns for 12 赵新 and rectify's rows (none lost to the other's rename)
    assert _both_edits_present(path)
    assert len(backups_of(path)) == 2 and not lock_path(path).exists()


def test_a_second_edit_waits_for_the_first_and_reads_what_it_wrote(tmp_path):
    path = _demo(tmp_path)
    slow = _cli("prepare", path, env={HOLD_ENV: "2"})       # sits on the lock for 2 s before reading
    _wait_for(lock_path(path).exists)
    lines: list[str] = []
    done = threading.Event()
    result = {}

    def rectify_in_process():
        result["run"] = run_rectify(path, progress=lines.append)
        done.set()

    worker = threading.Thread(target=rectify_in_process)
    worker.start()
    worker.join(60)
    code, said = _finish(slow)
    assert code == 0 and done.is_set(), said
    assert any("另一个 shuping 命令正在修改“会.xlsx”，等待它完成" in line for line in lines)
    assert result["run"].edit.changed
    assert _both_edits_present(path)


def test_a_second_edit_gives_up_after_the_limit_and_changes_nothing(tmp_path):
    path = _demo(tmp_path)
    slow = _cli("prepare", path, env={HOLD_ENV: "4"})
    _wait_for(lock_path(path).exists)
    code, said = _finish(_cli("rectify", path, env={LOCK_WAIT_ENV: "0.5"}))
    assert code == 1 and "Traceback" not in said
    assert "正被另一个 shuping 命令修改" in said and "本次未做任何改动" in said
    assert _finish(slow)[0] == 0
    # prepare's edit landed; rectify's was refused, not half-done: no rows, one backup (prepare's)
    assert "12 赵新" in _header(path) and _rectify_rows(path) == 0
    assert len(backups_of(path)) == 1 and not lock_path(path).exists()


def test_a_lock_file_left_by_a_crashed_run_blocks_nothing(tmp_path):
    path = _demo(tmp_path)
    lock_path(path).write_bytes(b"")            # a killed process leaves the file, not the lock
    code, said = _finish(_cli("rectify", path))
    assert code == 0 and "已更新" in said
    assert not lock_path(path).exists()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_an_edit_through_a_symbolic_link_changes_the_file_it_points_to(tmp_path):
    real_folder = tmp_path / "真实"
    real_folder.mkdir()
    real = _demo(real_folder, "评议.xlsx")
    link = tmp_path / "链接.xlsx"
    link.symlink_to(real)
    code, said = _finish(_cli("prepare", link))
    assert code == 0 and "已更新" in said and "链接本身保持不变" in "".join(said.split())
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert "12 赵新" in _header(real)
    [backup] = backups_of(real)                  # beside the real file, named after it
    assert backup.parent == real_folder and not backups_of(link)
    assert not lock_path(real).exists() and not lock_path(link).exists()


def _same_file_cases(tmp_path, path):
    hard = tmp_path / "硬链接.xlsx"
    os.link(path, hard)
    cases = [(path, path), (path, hard)]
    if hasattr(os, "symlink"):
        soft = tmp_path / "快捷.xlsx"
        soft.symlink_to(path)
        cases.append((soft, path))
    return path, cases


@pytest.mark.parametrize("command", ["carry", "compare", "ledger merge"])
def test_one_file_given_twice_is_refused(tmp_path, command):
    path = _demo(tmp_path)
    if command == "ledger merge":
        run_rectify(path)          # (an edit replaces the file: links are made after it)
        returned = run_ledger_split(path, tmp_path / "分发").files[0]
    path, cases = _same_file_cases(tmp_path, path)
    before = path.read_bytes()
    names = {p.name for p in tmp_path.iterdir()}
    for first, second in cases:
        args = command.split() + [first, second]
        if command == "ledger merge":
            args = ["ledger", "merge", first, returned, second]
        code, said = _finish(_cli(*args))
        assert code == 2, said
        assert "是同一个文件" in said and "未做任何改动" in said and "Traceback" not in said
        assert path.read_bytes() == before
        assert {p.name for p in tmp_path.iterdir()} == names       # no backup, no output, no lock


def test_carry_through_a_hard_link_no_longer_doubles_the_list(tmp_path):
    path = _demo(tmp_path)
    run_rectify(path)
    rows = _rectify_rows(path)
    hard = tmp_path / "同一年.xlsx"
    os.link(path, hard)
    for _ in range(2):
        assert _finish(_cli("carry", hard, path))[0] == 2
    assert _rectify_rows(path) == rows
