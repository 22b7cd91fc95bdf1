"""The pre-issue review and papers that say only what is true, on a meeting of four units
built for the test (tests/meeting_papers.py; its figures worked out by hand there), through
the real command line."""
import datetime as dt

import docx
from typer.testing import CliRunner

from meeting_papers import COMMENTS, write_meeting
from workbook import schema as S
from workbook.cli import app
from workbook.review import masked_names, other_names, review_lines

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _text(path):
    document = docx.Document(path)
    return "\n".join(p.text for p in document.paragraphs if p.text), document


def _headings(document):
    return [p.text for p in document.paragraphs if p.style.name == "公文一级标题" and p.text]


def test_the_review_list_on_a_meeting_built_for_it(tmp_path):
    path = write_meeting(tmp_path / "会.xlsx")
    done = invoke("notices", path, "--date", "2025-01-10", "--no-pdf")
    assert done.exit_code == 0, done.output
    out = done.stdout
    # by hand: the meeting has one 发文字号 and no 通报发文字号, so the bulletin and the
    # notices (one document to many units) carry the same number; 2025-01-10 is before the
    # meeting (2025-02-19) and more than 30 days from any today after 2025-02-09
    assert "结果通报和反馈意见（一文多发）用了同一个发文字号“某组通〔2025〕3号”" in out
    assert "成文日期2025年1月10日早于会议日期2025年2月19日" in out
    assert "成文日期2025年1月10日距今天" in out
    # 01: "希望**同志" in her comment; 02: "希望王建君同志" while 述职人 says 王建军;
    # 03: no 点评 (a written report); 04: a 点评 without 存在问题, and no valid vote
    assert "01 刘芳：点评中有 1 处遮掩或代称的姓名（如“希望**同志进一步压实责…”），应为“刘芳同志”" in out
    assert "02 王建军：点评中称“王建君同志”，与述职人“王建军”不符" in out
    assert "03 赵敏：没有点评" in out
    assert "04 孙磊：点评中没有存在问题：反馈意见不写整改要求和整改问题清单；没有有效评价票，未评定等次" in out
    # grouped: one line for the papers as a whole, one per reporter with doubts = 5 lines
    assert out.count("\n  · ") == 5
    assert "发文前核对：8 处" in out            # 3 for all papers + 1 + 1 + 1 + 2


def test_a_clean_meeting_has_nothing_to_review(tmp_path):
    comments = [["01", S.AREA_GENERAL, "成绩。", "存在的不足是：一是问题一。", "希望刘芳同志继续努力。", ""],
                ["02", S.AREA_GENERAL, "成绩。", "存在的不足是：一是问题二。", "希望王建军同志继续努力。", ""]]
    units = (("01", "石桥镇党委", "刘芳", "现场"), ("02", "城关镇党委", "王建军", "现场"))
    path = write_meeting(tmp_path / "会.xlsx", units, comments=comments, bulletin_number="某组通〔2025〕4号")
    today = dt.date.today().isoformat()
    done = invoke("notices", path, "--date", today, "--no-pdf")
    assert done.exit_code == 0, done.output
    assert "发文前核对：未发现疑点。" in done.stdout


def test_papers_say_only_what_is_true(tmp_path):
    path = write_meeting(tmp_path / "会.xlsx")
    assert invoke("notices", path, "--date", "2025-02-26", "--no-pdf").exit_code == 0
    folder = tmp_path / "会_成果" / "通知"
    first, document = _text(folder / "01_石桥镇党委_刘芳_反馈意见.docx")
    assert _headings(document) == ["一、评议结果", "二、主要成绩", "三、存在的问题", "四、希望和要求", "五、整改要求"]
    assert "于2025年3月21日前完成整改" in first and len(document.tables[0].rows) == 3   # header + 01-1, 01-2
    # 03 reported in writing and got no 点评: the result alone, no "（无）", no demand, no table
    third, document = _text(folder / "03_河东街道党工委_赵敏_反馈意见.docx")
    assert _headings(document) == ["一、评议结果"]
    assert "（无）" not in third and "整改" not in third and not document.tables
    assert "现将对赵敏同志的评议结果反馈如下。" in third
    assert "经民主评议，赵敏同志述职评议等次为“一般”，好评率0.0%，综合得分60.00分。" in third
    # 04: achievements and expectations, no problem: sections renumbered, no rectification
    fourth, document = _text(folder / "04_区财政局党组_孙磊_反馈意见.docx")
    assert _headings(document) == ["一、评议结果", "二、主要成绩", "三、希望和要求"]
    assert "请对照上述问题" not in fourth and not document.tables
    assert "本次评议未指出需要整改的问题" in fourth
    assert "孙磊同志没有有效评价票，未评定等次" in fourth
    # the bulletin says 未评定 for 04 too (tally's blank 条件 row would say 差)
    bulletin = docx.Document(tmp_path / "会_成果" / "结果通报.docx")
    rows = [[c.text for c in row.cells] for row in bulletin.tables[0].rows]
    assert rows[4] == ["4", "区财政局党组", "孙磊", "未评定"]
    text = "\n".join(p.text for p in bulletin.paragraphs)
    assert "“好”等次1名，“较好”等次1名，“一般”等次1名，1名未评定等次" in text


def test_numbers_per_document(tmp_path):
    path = write_meeting(tmp_path / "会.xlsx", bulletin_number="某组通[2025]4号", numbering=S.NOTICE_NUMBER_PER_UNIT)
    done = invoke("notices", path, "--date", "2025-02-26", "--no-pdf")
    assert done.exit_code == 0, done.output
    assert "发文字号" not in done.stdout            # no number shared, none missing
    folder = tmp_path / "会_成果" / "通知"
    numbers = [next(p.text for p in docx.Document(f).paragraphs if p.style.name == "公文发文字号")
               for f in sorted(folder.glob("*.docx"))]
    # 述职人 order 01..04 -> 3-1号 … 3-4号; the bulletin its own 4号 (brackets made 六角)
    assert numbers == ["某组通〔2025〕3-1号", "某组通〔2025〕3-2号", "某组通〔2025〕3-3号", "某组通〔2025〕3-4号"]
    bulletin = docx.Document(tmp_path / "会_成果" / "结果通报.docx")
    assert [p.text for p in bulletin.paragraphs if p.style.name == "公文发文字号"] == ["某组通〔2025〕4号"]
    # the same bulletin number as a notice's is a doubt
    path = write_meeting(tmp_path / "二.xlsx", bulletin_number="某组通〔2025〕3-2号", numbering=S.NOTICE_NUMBER_PER_UNIT)
    done = invoke("notices", path, "--date", "2025-02-26", "--no-pdf")
    assert "结果通报和02 的反馈意见用了同一个发文字号“某组通〔2025〕3-2号”" in done.stdout


def test_the_mail_preview_shows_the_review(tmp_path):
    path = write_meeting(tmp_path / "会.xlsx")
    done = invoke("mail", path, "--dry-run")
    assert "发文前核对" in done.stdout and "03 赵敏：没有点评" in done.stdout


def test_what_counts_as_a_masked_or_other_name():
    assert masked_names("希望**同志进一步") == ["希望**同志进一步"]
    assert masked_names("某某区委组织部召开会议") == []        # a place, not a person
    assert len(masked_names("××书记、某某同志和XX同志")) == 3
    assert other_names("希望王建君同志对照问题", "王建军") == ["王建君"]
    assert other_names("希望各位同志。王建军同志在…", "王建军") == []
    assert other_names(COMMENTS[0][2], "刘芳") == []


def test_review_lines_are_short():
    from workbook.review import Doubt

    doubts = [Doubt(f"{k:02d}", f"{k:02d} 某", "REVIEW_NO_COMMENT", "没有点评") for k in range(1, 9)]
    lines = review_lines(doubts, limit=5)
    assert len(lines) == 6 and lines[-1].startswith("……另有 3 位")
