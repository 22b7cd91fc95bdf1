"""The notices and the bulletin as 公文: checked part by part in the .docx XML, and for
need-to-know (a notice names no other reporter and none of their figures)."""
import datetime as dt
import re
import zipfile

import docx
import pytest
from docx.shared import Mm
from typer.testing import CliRunner

from workbook.api import new_workbook, run_notices
from workbook.cli import app
from workbook.demo_data import DEMO_REPORTERS
from workbook.io.delivery import safe_name
from workbook.io.gongwen_docx import NOTICE_TEMPLATE, build_template
from workbook.notices import doc_number, gongwen_date

runner = CliRunner()
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notices")
    workbook = new_workbook(folder / "会.xlsx", demo=True)
    return run_notices(workbook, issue_date=dt.date(2024, 1, 25), secret_mark="内部资料", copy_numbers=True,
                       cc="区纪委监委", pdf=False)


def _xml(path, part="word/document.xml"):
    with zipfile.ZipFile(path) as archive:
        return archive.read(part).decode("utf-8")


def _text(path):
    return "\n".join(p.text for p in docx.Document(path).paragraphs) + "\n" + "\n".join(
        cell.text for table in docx.Document(path).tables for row in table.rows for cell in row.cells)


def test_page_size_margins_and_line_grid(made):
    section = docx.Document(made.notices[0]).sections[0]
    # stored in twips: 210 mm = 11906 twips, so compare to a tenth of a millimetre
    measured = (section.page_width, section.page_height, section.top_margin, section.bottom_margin,
                section.left_margin, section.right_margin)
    for got, wanted in zip(measured, (210, 297, 37, 35, 28, 26)):
        assert abs(got - Mm(wanted)) < Mm(0.1)
    assert re.search(r'<w:docGrid (w:linePitch="579" w:type="lines"|w:type="lines" w:linePitch="579")/>', _xml(made.notices[0]))


def test_fonts_include_the_east_asian_names(made):
    styles = _xml(made.notices[0], "word/styles.xml")
    for style, font in (("公文标题", "方正小标宋简体"), ("公文正文", "仿宋_GB2312"), ("公文一级标题", "黑体"),
                        ("公文二级标题", "楷体_GB2312")):
        block = re.search(rf'w:styleId="{style}".*?</w:style>', styles, re.S).group(0)
        assert f'w:eastAsia="{font}"' in block or "Noto" in block, style
    title = re.search(r'w:styleId="公文标题".*?</w:style>', styles, re.S).group(0)
    assert '<w:sz w:val="44"/>' in title                     # 2号 = 22 pt
    body = re.search(r'w:styleId="Normal".*?</w:style>', styles, re.S).group(0)
    assert '<w:sz w:val="32"/>' in body                      # 3号 = 16 pt


def test_masthead_red_rule_number_and_headings(made):
    document = docx.Document(made.notices[0])
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    assert styled[:4] == [("公文正文", "000001"), ("公文一级标题", "内部资料"),
                          ("公文发文机关标志", "中共某某区委组织部文件"), ("公文发文字号", "某组通〔2024〕5号")]
    styles = _xml(made.notices[0], "word/styles.xml")
    masthead = re.search(r'w:styleId="公文发文机关标志".*?</w:style>', styles, re.S).group(0)
    assert '<w:color w:val="FF0000"/>' in masthead
    assert re.search(r'<w:bottom w:val="single" w:sz="18" w:space="1" w:color="FF0000"/>', _xml(made.notices[0]))
    headings = [text for style, text in styled if style == "公文一级标题"][1:]
    assert headings == ["一、评议结果", "二、主要成绩", "三、存在的问题", "四、希望和要求", "五、整改要求"]
    assert [text for style, text in styled if style == "公文二级标题"] == []    # a lone sub-item: no （一）
    problems = [text for _, text in styled if re.match(r"^[一二三四五六七八九十]+是", text)]
    assert [p[:2] for p in problems] == ["一是", "二是", "三是"]
    assert styled[-2:] == [("公文版记", "抄送：区纪委监委"), ("公文版记", "中共某某区委组织部　　　　　　　　2024年1月25日印发")]
    footer = _xml(made.notices[0], "word/footer1.xml") if "word/footer1.xml" in zipfile.ZipFile(made.notices[0]).namelist() else ""
    assert "— " in footer and "PAGE" in footer


def test_a_notice_carries_only_its_own_reporter(made):
    for path, (rid, organization, name, _, _) in zip(made.notices, DEMO_REPORTERS):
        text = _text(path)
        assert name in text and organization in text
        for other_id, other_org, other_name, _, _ in DEMO_REPORTERS:
            if other_id != rid:
                assert other_name not in text, (path.name, other_name)
                assert f"{other_id}-1" not in text
    first = _text(made.notices[0])
    assert "经民主评议，韦建国同志述职评议等次为“好”，好评率96.5%，综合得分94.40分。" in first
    assert "名述职人中排名第" not in first                        # 通知显示排名 is 否
    assert "于2024年2月17日前完成整改" in first


def test_the_bulletin_shows_grades_only(made, tmp_path):
    table = docx.Document(made.bulletin).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "党组织", "姓名", "等次"]
    assert [c.text for c in table.rows[1].cells] == ["1", "区公安分局党委", "韦建国", "好"]
    assert len(table.rows) == 12
    text = _text(made.bulletin)
    assert "得分" not in text and "排名" not in text and "%" not in text   # the bulletin has no comments


def test_the_bulletin_options(tmp_path):
    import openpyxl

    workbook = new_workbook(tmp_path / "会.xlsx", demo=True)
    book = openpyxl.load_workbook(workbook)
    params = book["参数设置"]
    for row in params.iter_rows(min_row=2):
        if row[0].value == "通报显示好评率":
            row[1].value = "是"
        if row[0].value == "通报排序":
            row[1].value = "等次"
    book.save(workbook)
    run = run_notices(workbook, issue_date=dt.date(2024, 1, 25), pdf=False)
    table = docx.Document(run.bulletin).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "党组织", "姓名", "等次", "好评率"]
    grades = [row.cells[3].text for row in table.rows[1:]]
    assert grades == sorted(grades, key=["好", "较好", "一般", "差"].index)
    assert table.rows[1].cells[4].text.endswith("%")


def test_a_template_beside_the_workbook_wins(tmp_path):
    import docx as python_docx

    workbook = new_workbook(tmp_path / "会.xlsx", demo=True)
    template = python_docx.Document()
    template.add_paragraph("本单位格式：{{ title }}")
    template.save(tmp_path / NOTICE_TEMPLATE)
    run = run_notices(workbook, issue_date=dt.date(2024, 1, 25), pdf=False)
    assert run.templates["notice"].endswith(NOTICE_TEMPLATE)
    assert _text(run.notices[0]).startswith("本单位格式：关于反馈")


def test_the_shipped_templates_are_what_the_builder_makes():
    """Regenerate with: python -m workbook.io.gongwen_docx templates"""
    import io
    from pathlib import Path

    from workbook.io.gongwen_docx import BULLETIN_TEMPLATE

    for name, kind in ((NOTICE_TEMPLATE, "notice"), (BULLETIN_TEMPLATE, "bulletin")):
        shipped = Path(__file__).resolve().parents[1] / "templates" / name
        with zipfile.ZipFile(io.BytesIO(build_template(kind))) as archive:
            for part in ("word/document.xml", "word/styles.xml"):
                assert archive.read(part).decode() == _xml(shipped, part), (name, part)


def test_files_folders_and_the_zip(made):
    assert [p.name for p in made.notices][:2] == ["01_区公安分局党委_韦建国_反馈意见.docx",
                                                   "02_红岩镇党委_李志强_反馈意见.docx"]
    assert len(made.units) == 11 and made.units[0].name == "01_区公安分局党委"
    with zipfile.ZipFile(made.archive) as archive:
        infos = archive.infolist()
    first = infos[0]
    # stored in GBK for Chinese Windows Explorer (Python reads flag-less names as cp437) …
    assert not first.flag_bits & 0x800
    assert first.filename.encode("cp437").decode("gbk") == "01_区公安分局党委/01_区公安分局党委_韦建国_反馈意见.docx"
    assert first.extra[:2] == b"\x75\x70"               # … with the UTF-8 name in the Unicode Path field
    assert len(infos) == 22


@pytest.mark.parametrize("raw,safe", [
    ('a<b>:"c"/d\\e|f?g*.docx', "a_b___c__d_e_f_g_.docx"), ("CON.docx", "_CON.docx"), ("名称. ", "名称"),
    ("长" * 300 + ".docx", "长" * 78 + ".docx"),      # 240 bytes in UTF-8 at most: 78 × 3 + 5 = 239
])
def test_windows_safe_names(raw, safe):
    assert safe_name(raw) == safe


def test_doc_numbers_and_dates():
    assert doc_number("某组通[2024]5号") == "某组通〔2024〕5号"
    assert doc_number("某组通（2024）5号") == "某组通〔2024〕5号"
    assert gongwen_date(dt.date(2024, 1, 8)) == "2024年1月8日"


def test_the_command(tmp_path):
    workbook = new_workbook(tmp_path / "会.xlsx", demo=True)
    done = runner.invoke(app, ["notices", str(workbook), "--date", "2024-01-25", "--no-pdf"])
    assert done.exit_code == 0, done.output
    assert "反馈意见 11 份" in done.stdout
    done = runner.invoke(app, ["notices", str(workbook), "--date", "25/01/2024"])
    assert done.exit_code == 2


def _fake_soffice(folder, said: str):
    """A `soffice` that exits 0 and writes no PDF (LibreOffice with Calc only: no Writer for .docx)."""
    import os

    bin_dir = folder / "bin"
    bin_dir.mkdir()
    script = bin_dir / "soffice"
    script.write_text(f"#!/bin/sh\necho '{said}'\nexit 0\n", encoding="utf-8")
    script.chmod(0o755)
    return str(bin_dir) + os.pathsep + os.environ.get("PATH", "")


def test_pdfs_not_made_are_said_never_claimed(tmp_path, monkeypatch):
    workbook = new_workbook(tmp_path / "会.xlsx", demo=True)
    monkeypatch.setenv("PATH", _fake_soffice(tmp_path, "Error: source file could not be loaded"))
    done = runner.invoke(app, ["notices", str(workbook), "--date", "2024-01-25"])
    assert done.exit_code == 0, done.output
    out = " ".join(done.stdout.split())
    # 11 notices + 1 bulletin expected as PDF (demo has 11 reporters), none made
    assert "未生成 PDF：12 份（共 12 份）" in out
    assert "libreoffice-writer" in out
    assert "PDF 副本" not in out.replace("未生成 PDF 副本", "")
    assert not list(tmp_path.rglob("*.pdf"))


def test_pdfs_missing_without_a_known_reason(tmp_path, monkeypatch):
    from workbook.io.gongwen_docx import convert_to_pdf

    monkeypatch.setenv("PATH", _fake_soffice(tmp_path, "something odd"))
    (tmp_path / "a.docx").write_bytes(b"x")
    made, note = convert_to_pdf([tmp_path / "a.docx"], tmp_path / "out")
    assert made == []
    assert note.startswith("未生成 PDF：1 份（共 1 份）") and "something odd" in note


def test_a_lone_sub_item_has_no_number(made):
    # section 五 (整改) has one table and nothing beside it: no （一） without a （二）
    texts = [_text(p) for p in made.notices]
    with_rectify = [t for t in texts if "整改问题清单" in t]
    assert with_rectify                                      # the demo has rectification rows
    assert all("（一）" not in t for t in with_rectify)
    assert all("整改问题清单如下：" in t for t in with_rectify)


def test_the_bulletin_says_who_reported_in_writing(made):
    # the demo's 述职人: 01 02 03 04 05 现场 (5), 06 07 08 09 10 11 书面 (6) → 11 in all
    text = _text(made.bulletin)
    assert "11名党组织书记进行了述职（其中6名书面述职），参会人员进行了民主评议" in text
    # its 会议名称 is about 全面从严治党, so the closing keeps that duty
    assert "切实履行全面从严治党主体责任。" in text


def test_the_bulletin_closing_follows_the_meeting():
    from helpers import count, sheets

    from workbook.notices import closing_text, reported_text

    def book(title, modes=("现场",)):
        data = sheets(tuple((f"0{k + 1}", n) for k, n in enumerate("甲乙"[:len(modes)])),
                      ballots=[[1, "全体", None, *("好",) * len(modes)]])
        data["会议信息"][1][1] = title
        for row, mode in zip(data["述职人"][1:], modes):
            row[4] = mode
        result, _ = count(data)
        return result

    party = book("2024年度党组织书记抓基层党建工作述职评议会")
    assert closing_text(party.book).endswith("切实履行抓基层党建工作责任。")
    assert "全面从严治党" not in closing_text(party.book)
    plain = book("2024年度述职评议会", modes=("书面", "书面"))
    assert closing_text(plain.book).endswith("切实履职尽责、抓出实效。")
    assert reported_text(plain) == "2名党组织书记进行了书面述职"
    assert reported_text(party) == "1名党组织书记进行了述职"
