"""The committed template against a description written here, from TEMPLATE.md section 1
(not from the code's schema), and the core's import hygiene.

Regenerate the template, when intended, with:  shuping new templates/述职评议模板.xlsx --force
"""
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "述职评议模板.xlsx"

EXPECTED = {
    "说明": None,
    "会议信息": ["项目", "内容"],
    "述职人": ["编号", "党组织", "姓名", "职务", "述职方式", "电子邮箱", "备注"],
    "评议项目": ["项目", "类型", "权重"],
    "评议人类别": ["类别", "权重", "发放票数"],
    "参数设置": ["参数", "值", "说明"],
    "等次规则": ["顺序", "等次", "条件", "名额上限"],
    "评议票": ["票号", "评议人类别", "作废"],
    "点评": ["编号", "方面", "主要成绩", "存在问题", "希望要求", "点评人"],
    "整改清单": ["问题编号", "编号", "党组织", "方面", "问题描述", "整改措施", "责任人", "整改时限", "整改状态",
             "完成日期", "佐证材料", "备注"],
    "邮件设置": ["项目", "内容"],
    "评议票(复核)": ["票号", "评议人类别", "作废"],
    "疑问票处理": ["票号", "评议人类别", "单元格", "原始标记", "认定结果", "认定依据", "监票人"],
}
DROPDOWNS = {  # sheet: {column letter: values}
    "述职人": {"E": {"现场", "书面"}},
    "评议项目": {"B": {"总体", "单项"}},
    "整改清单": {"I": {"未启动", "整改中", "已完成", "已销号"}},
    "等次规则": {"B": {"好", "较好", "一般", "差"}},
    "评议票": {"C": {"是", "否"}},
}


@pytest.fixture(scope="module")
def template():
    return openpyxl.load_workbook(TEMPLATE)


def test_sheets_in_contract_order(template):
    assert template.sheetnames == list(EXPECTED)


@pytest.mark.parametrize("sheet", [s for s, h in EXPECTED.items() if h])
def test_headers_bold_frozen_and_wide_enough(template, sheet):
    ws = template[sheet]
    headers = [c.value for c in ws[1]][: len(EXPECTED[sheet])]
    assert headers == EXPECTED[sheet]
    assert all(ws.cell(1, k + 1).font.bold for k in range(len(headers)))
    assert ws.freeze_panes in ("A2", "D3")
    for k, header in enumerate(headers):
        letter = openpyxl.utils.get_column_letter(k + 1)
        width = ws.column_dimensions[letter].width
        assert width >= 2 * len(header), (sheet, header, width)


def _validations(ws):
    found = {}
    for dv in ws.data_validations.dataValidation:
        values = {v.strip('"') for v in (dv.formula1 or "").strip('"').split(",")}
        for rng in str(dv.sqref).split():
            found[rng.rstrip("0123456789").split(":")[0].rstrip("0123456789")] = values
    return found


@pytest.mark.parametrize("sheet", sorted(DROPDOWNS))
def test_dropdowns(template, sheet):
    found = _validations(template[sheet])
    for column, values in DROPDOWNS[sheet].items():
        assert found.get(column) == values, (sheet, column, found)


def test_default_rows(template):
    items = [[c.value for c in row] for row in template["评议项目"].iter_rows(min_row=2)]
    assert items == [["总体评价", "总体", 0.4], ["抓基层党建", "单项", 0.2], ["党风廉政建设", "单项", 0.2],
                     ["意识形态", "单项", 0.2]]
    params = {r[0].value: r[1].value for r in template["参数设置"].iter_rows(min_row=2)}
    assert params == {"好": 100, "较好": 80, "一般": 60, "差": 40, "分类统计最少票数": 5, "得分小数位": 2,
                      "通报显示好评率": "否", "通知显示排名": "否", "通报排序": "述职人顺序", "通知发文字号": "共用",
                      "打印纸张": "A4"}
    rules = [[c.value for c in row] for row in template["等次规则"].iter_rows(min_row=2)]
    assert rules == [[1, "差", "差票率 > 1/3", None], [2, "一般", "好评率 < 2/3", None],
                     [3, "好", "综合得分 >= 90", 0.3], [4, "较好", "综合得分 >= 80", None],
                     [5, "一般", "综合得分 >= 60", None], [6, "差", None, None]]
    keys = [r[0].value for r in template["会议信息"].iter_rows(min_row=2)]
    assert keys == ["会议名称", "年度", "会议日期", "主办单位", "发文字号", "通报发文字号", "整改期限（天）", "联系人", "联系电话"]
    assert template["述职人"].max_row == 1 and template["评议票"].max_row == 1  # example-free body


def test_guide_is_plain_chinese_steps(template):
    lines = [r[0].value for r in template["说明"].iter_rows()]
    assert len(lines) >= 8 and all(isinstance(l, str) for l in lines)
    assert any(l.startswith("第一步") for l in lines)


def test_guide_carries_the_scoring_rules_in_short(template):
    lines = [r[0].value for r in template["说明"].iter_rows()]
    rules = "".join(lines[lines.index(next(l for l in lines if l.startswith("计分规则"))):])
    assert "docs/rules.md" in rules
    for words in ("好评率 =（好 + 较好）÷", "100、80、60、40", "类别权重加权平均", "项目权重加权平均", "四舍五入",
                  "并列（1、2、2、4）", "第一条成立的规则定等次", "向下取整但至少 1 人", "其他类别（合并）"):
        assert words in rules, words


@pytest.mark.parametrize("sheet,column", [("述职人", "A"), ("点评", "A"), ("整改清单", "A"), ("整改清单", "B")])
def test_id_columns_are_text_so_a_typed_01_stays_01(template, sheet, column):
    assert template[sheet].column_dimensions[column].number_format == "@"


def test_committed_template_is_what_new_writes(tmp_path):
    from workbook.io.template_xlsx import write_template

    # `shuping new` adds a fresh meeting identity (a document property); the shipped template has none
    fresh = write_template(tmp_path / "t.xlsx")
    assert fresh.read_bytes() == TEMPLATE.read_bytes(), \
        "regenerate with: shuping new templates/述职评议模板.xlsx --force"


def test_core_imports_no_writer_excel_or_cli_library():
    code = ("import sys, workbook.validate, workbook.tally, workbook.rules, workbook.report, workbook.sheets;"
            "bad = [m for m in ('xlsxwriter', 'xlwings', 'typer', 'docxtpl', 'openpyxl', 'rich') if m in sys.modules];"
            "print(','.join(bad))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_no_eval_in_the_package():
    root = Path(__file__).resolve().parents[1]
    for path in [*root.glob("workbook/**/*.py"), *root.glob("macros_py/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "eval(" not in text and "exec(" not in text, path
