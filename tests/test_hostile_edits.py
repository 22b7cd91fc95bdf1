"""Findings of the hostile review (docs: /work/review/HOSTILE.md) on the editing path and on
`ledger merge`, each through the real command line: the backup just made survives pruning,
formula settings without a computed value, a read-only file as root, a merge that would
move progress backwards, a unit's formula cell."""
import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from workbook.api import new_workbook, run_ledger_split, run_rectify
from workbook.cli import app
from workbook.io.editing import BACKUPS_KEPT, backups_of

runner = CliRunner()


@pytest.fixture
def demo(tmp_path):
    return new_workbook(tmp_path / "会.xlsx", demo=True)


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


# --- HOSTILE #1: the clock went back; the new backup must survive the pruning ---------------------
def test_the_backup_just_made_is_kept_when_older_backups_carry_a_later_time(demo, tmp_path):
    original = demo.read_bytes()
    for n in range(1, BACKUPS_KEPT + 1):      # ten backups "from 2030": later than now
        (tmp_path / f"会.备份-20300101-0000{n:02d}.xlsx").write_bytes(original)
    done = _run("rectify", demo)
    assert done.exit_code == 0, done.output
    named = re.search(r"修改前的备份：\S*?(会\.备份-\d{8}-\d{6}(?:-\d+)?\.xlsx)", done.output)
    assert named, done.output
    backup = tmp_path / named.group(1)
    assert backup.exists() and backup.read_bytes() == original
    # the newest ten by name (the 2030 ones) plus the one this edit wrote
    assert len(backups_of(demo)) == BACKUPS_KEPT + 1


# --- HOSTILE #2: a formula in a settings sheet without its computed value ------------------------
def _row_of(sheet, column, value):
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, column).value == value)


def test_a_formula_cap_saved_without_its_value_is_an_error_at_its_cell(demo):
    book = openpyxl.load_workbook(demo)
    rules = book["等次规则"]
    row = _row_of(rules, 2, "好")
    rules.cell(row, 4).value = "=3/10"        # openpyxl keeps the formula, writes no computed value
    book.save(demo)
    done = _run("check", demo)
    assert done.exit_code == 1, done.output
    assert "此单元格是公式，但文件中没有它的计算结果" in done.output
    assert f"D{row}" in done.output


def _with_cached_weights(path):
    """评议人类别 B2:B4 as formulas with their computed values, as Excel saves them."""
    book = openpyxl.load_workbook(path)
    sheet = book["评议人类别"]
    assert [sheet.cell(r, 1).value for r in (2, 3, 4)] and sheet["B5"].value is None
    sheet["B2"], sheet["B3"], sheet["B4"] = "=40/100", "=30/100", "=1-B2-B3"
    buffer = io.BytesIO()
    book.save(buffer)
    part = next(n for n in zipfile.ZipFile(buffer).namelist() if n.startswith("xl/worksheets/")
                and b"40/100" in zipfile.ZipFile(buffer).read(n))
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                for formula, value in ((b"40/100", b"0.4"), (b"30/100", b"0.3"), (b"1-B2-B3", b"0.3")):
                    data, n = re.subn(rb"<f>" + re.escape(formula) + rb"</f>(?:<v\s*/>|<v></v>)?",
                                      b"<f>" + formula + b"</f><v>" + value + b"</v>", data)
                    assert n == 1
            zout.writestr(info, data)
    path.write_bytes(out.getvalue())


def test_a_formula_weight_with_its_computed_value_is_read_and_an_edit_refuses_to_strip_it(demo, tmp_path):
    plain = tmp_path / "plain.xlsx"
    book = openpyxl.load_workbook(demo)
    sheet = book["评议人类别"]
    sheet["B2"], sheet["B3"], sheet["B4"] = 0.4, 0.3, 0.3
    book.save(plain)
    _with_cached_weights(demo)
    done = _run("check", demo)
    assert "此单元格是公式" not in done.output, done.output
    # the cached 0.4/0.3/0.3 count exactly as the same numbers typed in
    a, b = _run("tally", demo, "-o", tmp_path / "oa"), _run("tally", plain, "-o", tmp_path / "ob")
    assert a.exit_code == b.exit_code == 0, a.output + b.output
    scores = lambda out: re.findall(r"\d+\.\d\d", out)   # noqa: E731
    assert scores(a.output) and scores(a.output) == scores(b.output)
    # an edit would keep the formulas but lose their values: refused, file untouched
    before = demo.read_bytes()
    done = _run("rectify", demo)
    assert done.exit_code != 0, done.output
    assert "设置表中有公式" in done.output and "评议人类别" in done.output
    assert demo.read_bytes() == before and backups_of(demo) == []


# --- HOSTILE #13: a read-only workbook, also as root --------------------------------------------
def test_a_read_only_workbook_is_refused_even_as_root(demo):
    before = demo.read_bytes()
    demo.chmod(0o444)
    try:
        done = _run("rectify", demo)
    finally:
        demo.chmod(0o644)
    assert done.exit_code != 0, done.output
    assert "文件是只读的" in done.output
    assert demo.read_bytes() == before and backups_of(demo) == []


# --- HOSTILE #4 and #14: ledger merge -----------------------------------------------------------
@pytest.fixture
def split(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    run_rectify(path, now=dt.datetime(2024, 1, 20, 9, 0))
    for backup in backups_of(path):
        backup.unlink()
    unit = run_ledger_split(path, tmp_path / "分发").files[0]
    return path, unit


def _status_of(path, problem_id):
    sheet = openpyxl.load_workbook(path)["整改清单"]
    row = _row_of(sheet, 1, problem_id)
    return sheet.cell(row, 9).value


def test_an_older_unfilled_ledger_does_not_move_progress_back(split, tmp_path):
    path, unit = split
    book = openpyxl.load_workbook(unit)
    sheet = book["整改台账"]
    problem = sheet["A2"].value
    status_col = [c.value for c in sheet[1]].index("整改状态") + 1
    date_col = [c.value for c in sheet[1]].index("完成日期") + 1
    assert sheet.cell(2, status_col).value == "未启动"
    sheet.cell(2, status_col).value = "已完成"
    sheet.cell(2, date_col).value = dt.datetime(2024, 3, 1)
    filled = tmp_path / "回01.xlsx"
    book.save(filled)
    done = _run("ledger", "merge", path, filled)
    assert done.exit_code == 0, done.output
    assert _status_of(path, problem) == "已完成"
    backups = len(backups_of(path))
    # the split file as sent out (never filled) arrives later: 已完成 must not become 未启动
    done = _run("ledger", "merge", path, unit)
    assert _status_of(path, problem) == "已完成", done.output
    assert "冲突：" in done.output and "退回" in done.output
    # the filled file merged again changes nothing: nothing written, no backup used up
    stamp = path.stat().st_mtime_ns, path.read_bytes()
    done = _run("ledger", "merge", path, filled)
    assert done.exit_code == 0, done.output
    assert (path.stat().st_mtime_ns, path.read_bytes()) == stamp
    assert len(backups_of(path)) == backups


def test_a_units_formula_without_a_value_is_listed_as_not_taken(split, tmp_path):
    path, unit = split
    book = openpyxl.load_workbook(unit)
    sheet = book["整改台账"]
    problem = sheet["A2"].value
    measures_col = [c.value for c in sheet[1]].index("整改措施") + 1
    sheet.cell(2, measures_col).value = '=HYPERLINK("http://example.org/x","点击查看")'
    returned = tmp_path / "回01.xlsx"
    book.save(returned)
    done = _run("ledger", "merge", path, returned)
    assert "未采纳" in done.output and "公式" in done.output and problem in done.output, done.output
