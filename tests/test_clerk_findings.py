"""A new clerk's walk through the tool (review notes, CLERK.md), each finding through the real
command line: what the clerk typed, what the tool must say. Expectations are written by hand."""
import sys

from test_values import _commands, book_file, check_json, flat, run, unchanged
from workbook.cli import app
from workbook.shell import shell_quote


# --- 编号 01 typed so that Excel stored the number 1 -------------------------------------------
def test_a_number_id_laid_out_everywhere_is_a_warning_at_its_cell(tmp_path):
    # 述职人 A2 holds the number 1 and the whole meeting was laid out with it (评议票 header
    # “1 甲”, 点评 “1”): nothing conflicts, so no error — but one warning at 述职人!A2 saying
    # Excel ate the 0 and how to type 01. 02 (text) gets nothing.
    def change(s):
        s["述职人"][1][0] = 1
        s["评议票"][0][3] = "1 甲"
        s["点评"][1][0] = "1"
    path = book_file(tmp_path, change)
    before = path.read_bytes()
    code, issues = check_json(path)
    assert code == 0, issues
    number = [(i["level"], i["sheet"], i["cell"]) for i in issues if i["code"] == "REPORTER_ID_NUMBER"]
    assert number == [("warning", "述职人", "A2")]
    done = run("check", path, code=0)
    assert flat("编号是数字 1：Excel 会把 01 变成 1；建议把编号列设为“文本”格式后输入 01（或输入 '01）") in flat(done.output)
    unchanged(path, before)


def test_a_number_id_that_broke_a_header_is_the_one_cascade_error(tmp_path):
    # 评议票 still says “01 甲” over 述职人 A2's number 1: the existing error REPORTER_ID_CHANGED
    # at A2 is the report; no second (warning) line for the same cell.
    path = book_file(tmp_path, lambda s: s["述职人"][1].__setitem__(0, 1))
    code, issues = check_json(path)
    assert code == 1
    assert [i["cell"] for i in issues if i["code"] == "REPORTER_ID_CHANGED"] == ["A2"]
    assert not [i for i in issues if i["code"] == "REPORTER_ID_NUMBER"]


# --- commands printed for copy-paste: quotes cmd.exe understands ---------------------------------
def test_printed_commands_quote_with_double_quotes_and_only_when_needed(tmp_path):
    # Nothing tallied yet: mail stops and prints the two commands to run first. A name with a
    # space gets "…" (cmd.exe knows no '…'); a plain name none.
    spaced = tmp_path / "我的 评议.xlsx"
    run("new", spaced, "--demo", code=0)
    said = run("mail", spaced, code=1).output
    assert f'shuping tally "{spaced}"' in said and f'shuping notices "{spaced}"' in said
    assert "'" not in said
    plain = tmp_path / "评议.xlsx"
    run("new", plain, "--demo", code=0)
    assert plain.as_posix().replace("/", "").replace("-", "").replace("_", "").replace(".", "").isalnum()
    said = run("mail", plain, code=1).output
    assert f"shuping tally {plain}\n" in said and f"shuping notices {plain}\n" in said


def test_the_quote_helper_per_shell():
    assert shell_quote("2025述职评议.xlsx", windows=True) == "2025述职评议.xlsx"
    assert shell_quote(r"D:\会议\2025述职评议.xlsx", windows=True) == r"D:\会议\2025述职评议.xlsx"
    assert shell_quote(r"D:\我的 会议\评议.xlsx", windows=True) == r'"D:\我的 会议\评议.xlsx"'
    assert shell_quote("a&b.xlsx", windows=True) == '"a&b.xlsx"'
    assert shell_quote("我的 评议.xlsx", windows=False) == '"我的 评议.xlsx"'
    assert shell_quote("内部资料", windows=False) == "内部资料"
    assert shell_quote("a$b.xlsx", windows=False) == "'a$b.xlsx'"     # $ is live inside "…"


# --- shuping app without its extra; help without English ----------------------------------------
def test_app_without_its_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)      # import uvicorn -> ImportError
    said = run("app", code=2).output
    assert 'pip install "shuping[app]"' in said and 'pip install -e ".[app]"' in said


def test_no_help_shows_english_defaults_or_required():
    from typer.main import get_command

    for command in _commands(get_command(app)):
        done = run(*command, "--help", code=0)
        assert "default" not in done.output and "required" not in done.output, (command, done.output)
    done = run("app", "--help", code=0)
    assert "127.0.0.1" in done.output and "[default" not in done.output


# --- --date in the spellings 会议日期 accepts ------------------------------------------------------
def test_notices_date_takes_the_meeting_date_spellings(tmp_path):
    path = book_file(tmp_path)
    for typed in ("2025/1/25", "2025年1月25日", "2025.1.25"):
        done = run("notices", path, "--no-pdf", "--date", typed, code=0)
        assert "成文日期：2025-01-25" in done.output, typed
    done = run("notices", path, "--no-pdf", "--date", "2025年2月30日", code=2)
    assert "“2025年2月30日”无法识别" in done.output


# --- a workbook named without .xlsx ---------------------------------------------------------------
def test_a_name_without_its_suffix_is_suggested(tmp_path):
    book_file(tmp_path, name="2025述职评议.xlsx")   # beside it, the file the clerk meant
    done = run("tally", tmp_path / "2025述职评议", code=2)
    assert "找不到文件" in done.output and "是不是2025述职评议.xlsx？" in flat(done.output)


# --- a grade quoted back as typed --------------------------------------------------------------------
def test_check_quotes_a_grade_exactly_as_typed(tmp_path):
    # D3 typed with a full-width comma: the message quotes “好，较好”, not the normalised “好,较好”.
    path = book_file(tmp_path, lambda s: s["评议票"][2].__setitem__(3, "好，较好"))
    said = run("check", path, code=1).output
    assert "“好，较好”" in said and "好,较好" not in said


# --- ledger split names the units without a ledger ------------------------------------------------
def test_ledger_split_says_which_units_got_no_ledger(tmp_path):
    # 01 甲's 点评 names two problems (学习不够, 台账不全); 02 乙 has none -> after rectify,
    # one ledger (01) and a line for 02.
    path = book_file(tmp_path)
    run("rectify", path, code=0)
    said = run("ledger", "split", path, code=0).output
    assert "已为 1 个单位生成整改台账" in said
    assert "02 乙所在党委：整改清单中没有它的问题，未生成台账" in said
