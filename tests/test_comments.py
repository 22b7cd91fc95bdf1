"""From the chair's speech to 点评, and from 点评 to 整改清单.

Expected counts were found by reading the seed texts (../shared/seeds/), not by running
the code: seed 000 has 8 blocks, each with 一是/二是/三是 (3 problems); seed 003 has 5
blocks whose problems are runs of sentences: 5, 7, 5, 5, 5 sentences ending in 。."""
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from workbook import schema as S
from workbook.api import new_workbook
from workbook.cli import app
from workbook.comments import parse_speech, split_problems
from workbook.demo_data import DEMO_COMMENTS
from workbook.rectify import VANISHED_NOTE

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip("shared/seeds is not beside this checkout")
    return found[0]


# --- splitting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix,counts", [("000", [3] * 8), ("001", []), ("002", []), ("003", [5, 7, 5, 5, 5]),
                                           ("004", [])])
def test_every_seed_comment_splits_into_the_problems_a_reader_counts(prefix, counts):
    blocks = parse_speech(seed(prefix).read_text(encoding="utf-8"))
    assert [len(split_problems(b.problems)) for b in blocks] == counts
    for block in blocks:
        for problem in split_problems(block.problems):
            assert problem in block.problems            # the text is kept exactly
            assert not problem.startswith(("一是", "二是", "三是", "存在"))


def test_the_first_seed_comment_in_full():
    block = parse_speech(seed("000").read_text(encoding="utf-8"))[0]
    assert split_problems(block.problems) == [
        "部分基层干警对工作信心不足，在一定范围内存在悲观厌战的情绪。",
        "对辅警的日常监督管理还有薄弱环节。",
        "系统性、常态化落实意识形态工作责任制还需加强。"]


@pytest.mark.parametrize("text,expected", [
    ("存在的不足：1、制度不全；2、台账不清。", ["制度不全", "台账不清。"]),
    ("存在的主要问题是：（1）学习不够。有时流于形式。（2）阵地薄弱", ["学习不够。有时流于形式。", "阵地薄弱"]),
    ("①组织生活不规范②发展党员程序不严", ["组织生活不规范", "发展党员程序不严"]),
    ("1. 党建引领不足\n2. 党费收缴不规范", ["党建引领不足", "党费收缴不规范"]),
    ("党员教育不够\n阵地建设滞后\n", ["党员教育不够", "阵地建设滞后"]),
    ("思想统一是前提，但落实不够。完成率仅80.5%，低于2021年。", ["思想统一是前提，但落实不够。", "完成率仅80.5%，低于2021年。"]),
    ("存在的问题：责任落实不严; 力量薄弱!", ["责任落实不严", "力量薄弱!"]),
    ("一是队伍建设弱", ["队伍建设弱"]),
    ("", []),
])
def test_split_rules(text, expected):
    assert split_problems(text) == expected


def test_a_speech_block_ends_with_its_hope_paragraph():
    blocks = parse_speech(seed("000").read_text(encoding="utf-8"))
    last = blocks[-1]
    assert last.expectations.startswith("希望**同志继续加大对民办学校")
    assert "\n" not in last.expectations and "议程" not in last.expectations
    assert last.achievements.startswith("玉燕同志在抓基层党建方面")   # "点评：" dropped


# --- importing -----------------------------------------------------------------------------------
def _demo_without_comments(path: Path) -> Path:
    new_workbook(path, demo=True)
    book = openpyxl.load_workbook(path)
    sheet = book[S.SHEET_COMMENTS]
    sheet.delete_rows(2, sheet.max_row)
    book.save(path)
    return path


def _comment_rows(path: Path):
    sheet = openpyxl.load_workbook(path)[S.SHEET_COMMENTS]
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]


def _as_docx(text: str, path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    document.save(path)
    return path


@pytest.mark.parametrize("as_docx", [False, True])
def test_importing_seed_000_gives_one_row_per_reporter_with_the_paragraphs_intact(tmp_path, as_docx):
    path = _demo_without_comments(tmp_path / "会.xlsx")
    text = seed("000").read_text(encoding="utf-8")
    speech = _as_docx(text, tmp_path / "讲话.docx") if as_docx else seed("000")
    done = invoke("comments", "import", path, speech, "--reviewer", "区委书记")
    assert done.exit_code == 0, done.output
    rows = _comment_rows(path)
    assert [r[0] for r in rows] == ["01", "02", "03", "04", "05", "06", "07", "08"]
    lines = text.splitlines()
    # 存在…, 希望… as spoken, but for the masked name before 同志, which is the matched reporter's
    # (01 韦建国 in the demo); "护航**经济社会发展" is no person and stays as it was
    assert rows[0][3] == lines[10] and rows[0][4] == lines[11].replace("希望**同志", "希望韦建国同志", 1)
    assert "**经济社会发展" in rows[0][4]
    assert rows[0][2] == lines[9].removeprefix("点评：").replace("**同志", "韦建国同志", 1)
    assert all(r[1] == "综合" and r[5] == "区委书记" for r in rows)
    assert "按述职顺序匹配" in done.stdout and "请核对" in done.stdout    # masked names: said, not hidden


def test_unmatched_blocks_are_reported_not_dropped_or_guessed(tmp_path):
    path = _demo_without_comments(tmp_path / "会.xlsx")
    done = invoke("comments", "import", path, seed("003"))
    assert done.exit_code == 1
    said = "".join(done.output.split())
    assert "✗第16行“请区教育工委**同志述职”" in said and "✗第21行“请区区委办党支部**同志述职”" in said
    assert "2段点评未能对应到述职人" in said
    assert [r[0] for r in _comment_rows(path)] == ["09", "03", "11"]     # by 党组织, 党组织+姓名, 姓名


def test_dry_run_and_rerun_change_nothing(tmp_path):
    path = _demo_without_comments(tmp_path / "会.xlsx")
    before = path.read_bytes()
    done = invoke("comments", "import", path, seed("000"), "--dry-run")
    assert done.exit_code == 0 and "预演" in done.stdout and path.read_bytes() == before
    invoke("comments", "import", path, seed("000"))
    after = path.read_bytes()
    done = invoke("comments", "import", path, seed("000"))
    assert "已有综合点评" in done.stdout and path.read_bytes() == after


def test_a_speech_without_comment_blocks_is_said_plainly(tmp_path):
    path = _demo_without_comments(tmp_path / "会.xlsx")
    done = invoke("comments", "import", path, seed("001"))
    assert done.exit_code == 1 and "没有找到" in done.output


# --- rectify -------------------------------------------------------------------------------------------
def _rect_rows(path: Path):
    sheet = openpyxl.load_workbook(path)[S.SHEET_RECTIFY]
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def test_rectify_lists_every_problem_once_with_a_lifelong_number(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    done = invoke("rectify", path)
    assert done.exit_code == 0, done.output
    rows = _rect_rows(path)
    # 01–08 from seed 000 (3 each), 09–11 from seed 003 (5 each): 24 + 15
    assert len(rows) == 39
    assert [r[0] for r in rows[:4]] == ["01-1", "01-2", "01-3", "02-1"]
    assert rows[0][1:5] == ["01", "区公安分局党委", "综合", "部分基层干警对工作信心不足，在一定范围内存在悲观厌战的情绪。"]
    # 会议日期 2024-01-18 + 整改期限 30 天 = 2024-02-17
    assert rows[0][7] == dt.datetime(2024, 2, 17) and rows[0][8] == "未启动" and rows[0][6] == "韦建国"
    first = _rect_rows(path)
    assert "已是最新" in invoke("rectify", path).stdout and _rect_rows(path) == first


def test_rectify_keeps_clerk_edits_and_marks_a_reworded_problem(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    invoke("rectify", path)
    book = openpyxl.load_workbook(path)
    rect = book[S.SHEET_RECTIFY]
    rect["F2"] = "每月开展一次谈心谈话"      # 整改措施 typed by the clerk
    rect["I2"] = "整改中"
    rect["L3"] = "已约谈"                    # 备注 typed by the clerk on 01-2
    comments = book[S.SHEET_COMMENTS]
    comments["D2"] = comments["D2"].value.replace("对辅警的日常监督管理还有薄弱环节", "辅警管理制度不健全")
    book.save(path)
    done = invoke("rectify", path)
    assert done.exit_code == 0 and "新增1行，标注1行" in "".join(done.stdout.split())
    rows = _rect_rows(path)
    assert len(rows) == 40
    assert rows[0][5] == "每月开展一次谈心谈话" and rows[0][8] == "整改中"
    assert rows[1][0] == "01-2" and rows[1][11] == f"已约谈；{VANISHED_NOTE}"
    assert rows[-1][0] == "01-4" and rows[-1][4] == "辅警管理制度不健全。"
    # the wording restored: the mark goes, the clerk's own note stays, nothing is added
    book = openpyxl.load_workbook(path)
    comments = book[S.SHEET_COMMENTS]
    comments["D2"] = comments["D2"].value.replace("辅警管理制度不健全", "对辅警的日常监督管理还有薄弱环节")
    book.save(path)
    invoke("rectify", path)
    rows = _rect_rows(path)
    assert len(rows) == 40 and rows[1][11] == "已约谈"


def test_a_problem_that_looks_like_a_formula_stays_text(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    book = openpyxl.load_workbook(path)
    book[S.SHEET_COMMENTS]["D2"] = "一是=SUM(A1:A9)式的填报过多。二是台账不全。"
    book.save(path)
    invoke("rectify", path)
    sheet = openpyxl.load_workbook(path)[S.SHEET_RECTIFY]
    assert sheet["E2"].value == "=SUM(A1:A9)式的填报过多。" and sheet["E2"].data_type == "s"


def test_the_demo_imports_the_speech_and_builds_the_list(tmp_path):
    assert invoke("demo", tmp_path / "d").exit_code == 0
    path = tmp_path / "d" / S.DEMO_FILE
    rows = _comment_rows(path)
    assert {r[0]: tuple(r[2:5]) for r in rows} == DEMO_COMMENTS
    assert len(_rect_rows(path)) == 39


# --- masked and different names (issue #19: 2, 5) -------------------------------------------------------
def test_import_fills_masked_names_and_warns_on_a_different_name(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from meeting_papers import write_meeting

    path = write_meeting(tmp_path / "会.xlsx", comments=[])
    speech = tmp_path / "讲话.txt"
    speech.write_text("\n".join([
        "同志们：",
        "下面，请石桥镇党委书记**同志述职。", "……（述职毕）",
        "点评：刘**同志抓基层党建思路清晰。", "存在的不足是：一是党员教育管理不够规范。",
        "希望**同志进一步压实责任，抓好整改。",
        "下面，请城关镇党委书记王建君同志述职。", "……（述职毕）",
        "点评：党建引领基层治理有力。", "存在的不足是：一是意识形态阵地管理有欠缺。", "希望对照问题认真整改。",
        "下面，进行第二项议程。",
    ]), encoding="utf-8")
    done = invoke("comments", "import", path, speech)
    assert done.exit_code == 0, done.output
    out = done.stdout
    # block 1: "刘**同志" (surname kept) and "希望**同志" -> 2 masks filled with 刘芳
    assert "✓ 第 2 行“请石桥镇党委书记**同志述职” → 01 刘芳（按党组织匹配）" in out
    assert "点评中 2 处遮掩的姓名（如“**同志”）已换成“刘芳同志”" in out
    # block 2: matched by 党组织 to 02 王建军, but the speech says 王建君: a warning with both names
    assert "→ 02 王建军（按党组织匹配）" in out
    assert "警告：讲话稿中的姓名“王建君”与述职人“王建军”不同" in out
    rows = list(openpyxl.load_workbook(path)[S.SHEET_COMMENTS].iter_rows(min_row=2, values_only=True))
    assert rows[0][2] == "刘芳同志抓基层党建思路清晰。"
    assert rows[0][4] == "希望刘芳同志进一步压实责任，抓好整改。"
    assert "*" not in "".join(str(v) for row in rows for v in row if v)
