"""The command line through its real entry point."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from workbook.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_new_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "a.xlsx"
    assert invoke("new", path).exit_code == 0
    before = path.read_bytes()
    result = invoke("new", path)
    assert result.exit_code == 2 and path.read_bytes() == before
    assert invoke("new", path, "--force").exit_code == 0


def test_new_is_reproducible(tmp_path):
    invoke("new", tmp_path / "a.xlsx", "--demo")
    invoke("new", tmp_path / "b.xlsx", "--demo")
    import zipfile

    def parts(name):
        with zipfile.ZipFile(tmp_path / name) as archive:
            return {n: archive.read(n) for n in archive.namelist()}

    a, b = parts("a.xlsx"), parts("b.xlsx")
    # identical but for the meeting identity (docProps/custom.xml): each new meeting its own
    assert a.keys() == b.keys() and all(a[n] == b[n] for n in a if n != "docProps/custom.xml")
    assert a["docProps/custom.xml"] != b["docProps/custom.xml"]


def test_demo_workbook_checks_clean(demo_workbook):
    result = invoke("check", demo_workbook, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["errors"] == 0


def test_demo_has_the_shape_the_contract_asks_for(demo_workbook, tmp_path):
    result = invoke("tally", demo_workbook, "-o", tmp_path, "--json", "-")
    data = json.loads(result.stdout)
    assert len(data["reporters"]) == 11
    assert 140 <= data["ballots"]["returned"] <= 160
    assert data["ballots"]["void"] == 1 and data["ballots"]["blank"] == 1
    assert len(data["ballots"]["by_category"]) == 3
    assert any(r["items"]["总体评价"]["overvote"] for r in data["reporters"]) or any(
        i["overvote"] for r in data["reporters"] for i in r["items"].values())
    wb = openpyxl.load_workbook(demo_workbook, read_only=True)
    modes = [row[4] for row in wb["述职人"].iter_rows(min_row=2, values_only=True)]
    assert modes.count("现场") == 5 and modes.count("书面") == 6


PLANTS = [
    # (sheet, cell, value, expected code)
    ("评议票", "F7", "优", "BALLOT_BAD_GRADE"),
    ("评议票", "B9", "市民代表", "BALLOT_UNKNOWN_CATEGORY"),
    ("评议票", "C10", "作废了", "BALLOT_BAD_VOID"),
    ("述职人", "A3", "01", "REPORTER_ID_DUPLICATE"),
    ("评议项目", "B3", "总体", "ITEM_MULTIPLE_OVERALL"),
    ("评议人类别", "B2", "50%", "WEIGHTS_SUM"),
    ("评议人类别", "C2", -3, "CATEGORY_BAD_ISSUED"),
    ("等次规则", "C4", "综合得分 >= 90%", "RULE_BAD_CONDITION"),
    ("等次规则", "D7", 2, "RULE_CAP_ON_POOR"),
    ("评议票", "D1", "01 张三", "BALLOT_HEADER_REPORTER_CHANGED"),
    ("述职人", "B1", "单位", "HEADER_MISMATCH"),
]


@pytest.mark.parametrize("sheet, cell, value, code", PLANTS)
def test_planting_a_problem_makes_check_exit_1_naming_the_cell(sheet, cell, value, code, demo_workbook, tmp_path):
    path = tmp_path / "planted.xlsx"
    shutil.copy(demo_workbook, path)
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)
    before = path.read_bytes()
    result = invoke("check", path, "--json")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)["issues"]
    found = [(i["sheet"], i["cell"]) for i in issues if i["code"] == code]
    assert found, issues
    if code not in ("WEIGHTS_SUM",):
        assert (sheet, cell) in found
    assert path.read_bytes() == before
    human = invoke("check", path)
    assert human.exit_code == 1 and "错误" in human.stdout


def test_missing_sheet_is_exit_1(demo_workbook, tmp_path):
    path = tmp_path / "m.xlsx"
    shutil.copy(demo_workbook, path)
    wb = openpyxl.load_workbook(path)
    del wb["等次规则"]
    wb.save(path)
    result = invoke("check", path, "--json")
    assert result.exit_code == 1
    assert any(i["code"] == "SHEET_MISSING" for i in json.loads(result.stdout)["issues"])


def test_tally_refuses_with_the_report_when_there_are_errors(demo_workbook, tmp_path):
    path = tmp_path / "bad.xlsx"
    shutil.copy(demo_workbook, path)
    wb = openpyxl.load_workbook(path)
    wb["评议票"]["F7"] = "优"
    wb.save(path)
    result = invoke("tally", path, "--json", "-")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"] == 1
    assert not (tmp_path / "bad_成果").exists()


def test_tally_writes_outputs_beside_the_workbook_and_never_changes_it(demo_workbook, tmp_path):
    path = tmp_path / "会议.xlsx"
    shutil.copy(demo_workbook, path)
    before = path.read_bytes()
    result = invoke("tally", path, "--json", tmp_path / "r.json")
    assert result.exit_code == 0
    assert "排名" in result.stdout
    out = tmp_path / "会议_成果"
    assert (out / "计票汇总表.xlsx").exists() and (out / "计票结果.json").exists()
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["reporters"]
    assert path.read_bytes() == before
    wb = openpyxl.load_workbook(out / "计票汇总表.xlsx", read_only=True)
    assert wb.sheetnames == ["计票汇总", "排名与等次", "得分明细", "分类统计", "计票单", "统计图", "疑问票认定", "校验报告"]


def test_demo_runs_every_step(tmp_path):
    result = invoke("demo", tmp_path / "d")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "述职评议示例_成果" / "计票汇总表.xlsx").exists()


def test_the_installed_console_script_prints_utf8_json(demo_workbook, tmp_path):
    beside = Path(sys.executable).with_name("shuping")
    exe = str(beside) if beside.exists() else shutil.which("shuping")
    if exe is None:
        pytest.skip("the package is not installed as a console script")
    env = {"PYTHONIOENCODING": "cp1252", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([exe, "check", str(demo_workbook), "--json"], capture_output=True, env=env)
    assert done.returncode == 0
    assert json.loads(done.stdout.decode("utf-8"))["errors"] == 0
    done = subprocess.run([sys.executable, "-m", "workbook", "check", str(tmp_path / "missing.xlsx")],
                          capture_output=True, env=env)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
