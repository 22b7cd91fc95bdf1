"""唱票 totals (issue #22): a meeting counted aloud and typed as totals per category.

Every expected figure is worked by hand in the comments from TEMPLATE.md section 3
and docs/contract.md, never taken from the code under test.
"""
from fractions import Fraction as F

from helpers import at, codes, count, memory_book, sheets
from workbook import schema as S
from workbook.tally import tally

THREE = (("01", "甲"), ("02", "乙"), ("03", "丙"))
HEADER = ["述职人", "评议项目", "好", "较好", "一般", "差", "弃权", "多选"]


def block(name, account, rows, entered="王录入", scrutineer="李监票"):
    """One category's block as the clerk sees it: title, account labels and figures,
    column labels, then one row per reporter × item (the label only on a reporter's first row)."""
    out = [["评议人类别", name, None, "录入人", entered, None, "监票人", scrutineer],
           ["发放", "回收", "废票", "空白票"], list(account), list(HEADER)]
    out += [list(r) for r in rows]
    return out + [[]]


def board(*blocks):
    rows = [list(HEADER)]
    for b in blocks:
        rows += b
    return rows


# The small meeting: 3 reporters, one item 总体评价, 3 categories, k = 3.
#   领导 (50%): 发放 3, 回收 3, 废 0, 空白 0 -> 有效 3
#   代表 (30%): 发放 2, 回收 2                  -> 有效 2
#   群众 (20%): 发放 5, 回收 5, 废 1, 空白 1   -> 有效 3
# Counts (好, 较好, 一般, 差, 弃权, 多选); each row adds up to its category's 有效.
LEADERS = block("领导", [3, 3, 0, 0], [["01 甲", "总体评价", 3, 0, 0, 0, 0, 0],
                                       ["02 乙", "总体评价", 2, 1, 0, 0, 0, 0],
                                       ["03 丙", "总体评价", 0, 1, 1, 0, 1, 0]])
DEPUTIES = block("代表", [2, 2, 0, 0], [["01 甲", "总体评价", 2, 0, 0, 0, 0, 0],
                                       ["02 乙", "总体评价", 1, 0, 0, 0, 0, 1],
                                       ["03 丙", "总体评价", 0, 0, 1, 1, 0, 0]])
PUBLIC = block("群众", [5, 5, 1, 1], [["01 甲", "总体评价", 1, 1, 1, 0, 0, 0],
                                     ["02 乙", "总体评价", 2, 1, 0, 0, 0, 0],
                                     ["03 丙", "总体评价", 0, 0, 2, 1, 0, 0]])
CATEGORIES = (("领导", "50%", 3), ("代表", "30%", 2), ("群众", "20%", 5))


def meeting(*blocks, categories=CATEGORIES, **kw):
    book = sheets(THREE, categories=categories, params={"分类统计最少票数": 3}, **kw)
    book[S.SHEET_TOTALS] = board(*(blocks or (LEADERS, DEPUTIES, PUBLIC)))
    return book


def by_id(result):
    return {r.reporter.id: r for r in result.reporters}


def test_a_small_totals_meeting_counted_by_hand():
    result, issues = count(meeting())
    assert [i.code for i in issues if i.is_error] == []
    # Ballot account from the sheet: 发放 3+2+5 = 10, 回收 10, 废 1, 空白 1, 有效 8.
    t = result.total
    assert (t.issued, t.returned, t.void, t.blank, t.valid) == (10, 10, 1, 1, 8)
    # Anonymity, k = 3: 代表 (2) < 3 is merged; the pool (2) is still < 3, so the shown
    # category with the fewest valid forms joins it — 领导 3 and 群众 3 tie, the later
    # (群众) joins. Shown: 领导; merged: 代表 + 群众 (weight 30% + 20% = 50%, 5 forms).
    a = result.anonymity
    assert (a.shown, a.merged) == ((0,), (1, 2))
    assert [(g.label, g.weight, g.valid_forms) for g in a.score_groups] == [
        ("领导", F(1, 2), 3), (S.MERGED_LABEL, F(1, 2), 5)]
    r = by_id(result)
    # 甲: 领导 100; pool 好 2+1, 较好 1, 一般 1 = (300+80+60)/5 = 88 -> 50 + 44 = 94
    # 乙: 领导 (200+80)/3 = 280/3; pool 好 1+2, 较好 1 (代表's 多选 is no vote) = 380/4 = 95
    #     -> 140/3 + 95/2 = 565/6 = 94.1666… -> 94.17
    # 丙: 领导 (80+60)/2 = 70 (one 弃权); pool 一般 1+2, 差 1+1 = (180+80)/5 = 52 -> 35 + 26 = 61
    assert (r["01"].score, r["02"].score, r["03"].score) == (94, F(565, 6), 61)
    assert r["02"].score_rounded == F("94.17")
    # Ranks: 乙 94.17, 甲 94.00, 丙 61.00.
    assert [r[k].rank for k in ("01", "02", "03")] == [2, 1, 3]
    # Rates pooled over all categories, unweighted: 甲 好 3+2+1, 较好 1, 一般 1 -> V 8,
    # 好评率 7/8, 好票率 6/8; 乙 好 5, 较好 2 (多选 1 not a vote) -> V 7, 好评率 1;
    # 丙 较好 1, 一般 4, 差 2 (弃权 1) -> V 7, 好评率 1/7, 差票率 2/7.
    assert (r["01"].good_rate, r["01"].excellent_rate) == (F(7, 8), F(3, 4))
    assert (r["02"].good_rate, r["02"].items[0].votes.overvote) == (1, 1)
    assert (r["03"].good_rate, r["03"].poor_rate, r["03"].items[0].votes.abstain) == (F(1, 7), F(2, 7), 1)
    # Grades: 丙 好评率 1/7 < 2/3 -> rule 2 一般 (差票率 2/7 is not > 1/3).
    # 甲 94 and 乙 94.17 both reach 好 (rule 3); its cap 30% of 3 = 0.9 -> at least 1:
    # 乙 (rank 1) keeps 好, 甲 (rank 2) moves to 较好 outright.
    assert [r[k].grade for k in ("01", "02", "03")] == ["较好", "好", "一般"]
    assert [(d.from_grade, d.to_grade, d.limit) for d in r["01"].demotions] == [("好", "较好", 1)]


def test_the_json_sheets_and_tally_sheet_come_from_the_same_code():
    from workbook.report import result_json
    from workbook.sheets import result_sheets

    result, issues = count(meeting())
    data = result_json(result, issues)
    assert data["ballots"]["by_category"]["群众"] == {"issued": 5, "returned": 5, "valid": 3, "blank": 1, "void": 1}
    assert data["anonymity"]["merged"] == ["代表", "群众"]
    # the merged column's figures on 乙: 好 1+2 = 3, 较好 1, 多选 1 (from 代表)
    merged = data["anonymity"]["figures"][S.MERGED_LABEL]["reporters"]["02"]["总体评价"]
    assert (merged["好"], merged["较好"], merged["overvote"], merged["valid"]) == (3, 1, 1, 4)
    sheets_ = {s.name: s for s in result_sheets(result, issues, "2024-01-18 10:00", data["fingerprints"])}
    notes = " ".join(str(n[0]) for n in sheets_["计票单"].notes if n)
    assert "唱票汇总录入" in notes and "领导：录入人 王录入，监票人 李监票" in notes
    assert sheets_["计票单"].rows[-1][:6] == ("合计", 10, 10, 1, 1, 8)


def test_check_names_the_mode_and_form_checks_do_not_fire():
    from workbook.totals import count_mode, mode_sentence

    book, issues = memory_book(meeting())
    assert count_mode(book) == "totals"
    assert "唱票汇总录入" in mode_sentence(book)
    # no 票号, no 评议票 header, no "no forms typed" in totals mode
    assert not [c for c in codes(issues) if c.startswith("BALLOT")]
    plain, _ = memory_book(sheets(THREE, categories=CATEGORIES, ballots=[[1, "领导", None, "好", "好", "好"]]))
    assert count_mode(plain) == "forms"


def test_an_unprepared_empty_ballot_sheet_is_fine_in_totals_mode():
    book = meeting()
    book["评议票"] = [["票号", "评议人类别", "作废"]]
    result, issues = count(book)
    assert "BALLOT_NOT_PREPARED" not in codes(issues)


def test_forms_and_totals_together_are_refused_at_both_cells():
    book = meeting(ballots=[[1, "领导", None, "好", "好", "好"]])
    _, issues = memory_book(book)
    # the first figure typed in 计票录入 is the 回收 of 领导: row 4 (title 2, labels 3), column B
    assert at(issues, "TOTALS_MIXED_MODE") == [("评议票", "A3"), ("计票录入", "B4")]


# --- checks, each with its cell ------------------------------------------------------------
def test_a_row_that_does_not_add_up_is_an_error_at_its_row():
    bad = block("领导", [3, 3, 0, 0], [["01 甲", "总体评价", 3, 0, 0, 0, 0, 0],
                                      ["02 乙", "总体评价", 2, 0, 0, 0, 0, 0],   # 2 ≠ 3
                                      ["03 丙", "总体评价", 0, 1, 1, 0, 1, 0]])
    _, issues = memory_book(meeting(bad, DEPUTIES, PUBLIC))
    # rows: 1 header, 2 title, 3 labels, 4 figures, 5 labels, 6 甲, 7 乙 -> C7
    assert at(issues, "TOTALS_SUM_MISMATCH") == [("计票录入", "C7")]
    message = next(i.message for i in issues if i.code == "TOTALS_SUM_MISMATCH")
    assert "= 2，应等于本类别有效票 3（回收 3 − 废票 0 − 空白票 0）" in message


def test_bad_counts_are_errors_at_their_cells():
    bad = block("领导", [3, "三", 0, 0], [["01 甲", "总体评价", 3, 0, 0, 0, 0, -1],
                                         ["02 乙", "总体评价", 2.5, 1, 0, 0, 0, 0],
                                         ["03 丙", "总体评价", 0, 1, 1, 0, 1, 0]])
    _, issues = memory_book(meeting(bad, DEPUTIES, PUBLIC))
    assert at(issues, "TOTALS_BAD_COUNT") == [("计票录入", "B4"), ("计票录入", "H6"), ("计票录入", "C7")]
    # a bad 回收 makes the whole block's sums meaningless: reported once, at its cause
    assert "TOTALS_SUM_MISMATCH" not in codes(issues)


def test_void_and_blank_beyond_returned_and_returned_beyond_issued():
    over = block("代表", [2, 3, 0, 0], [["01 甲", "总体评价", 3, 0, 0, 0, 0, 0],
                                       ["02 乙", "总体评价", 3, 0, 0, 0, 0, 0],
                                       ["03 丙", "总体评价", 3, 0, 0, 0, 0, 0]])
    exceeds = block("群众", [5, 2, 2, 1], [["01 甲", "总体评价", 0, 0, 0, 0, 0, 0],
                                         ["02 乙", "总体评价", 0, 0, 0, 0, 0, 0],
                                         ["03 丙", "总体评价", 0, 0, 0, 0, 0, 0]])
    _, issues = memory_book(meeting(LEADERS, over, exceeds))
    # A block is 4 rows + 3 reporter rows + a blank row: 领导 rows 2–9, 代表 starts at
    # row 10 (figures row 12), 群众 at row 18 (figures row 20). Both errors at the 回收 cell.
    assert at(issues, "BALLOT_OVER_ISSUED") == [("计票录入", "B12")]
    assert at(issues, "TOTALS_ACCOUNT_EXCEEDS") == [("计票录入", "B20")]


def test_a_missing_block_or_row_and_unknown_names():
    partial = block("领导", [3, 3, 0, 0], [["01 甲", "总体评价", 3, 0, 0, 0, 0, 0],
                                          ["09 无名", "总体评价", 3, 0, 0, 0, 0, 0],
                                          ["03 丙", "总体评价", 0, 1, 1, 0, 1, 0]])
    _, issues = memory_book(meeting(partial, DEPUTIES))
    assert at(issues, "TOTALS_UNKNOWN_REPORTER") == [("计票录入", "A7")]
    assert at(issues, "TOTALS_ROW_MISSING") == [("计票录入", "A2")]      # 02 乙 missing in 领导
    assert [i.source.sheet for i in issues if i.code == "TOTALS_CATEGORY_MISSING"] == ["计票录入"]


def test_a_formula_in_a_count_is_an_error():
    from workbook.io.reader import SheetFacts

    facts = {S.SHEET_TOTALS: SheetFacts(formulas={(5, 2)})}
    _, issues = memory_book(meeting(), facts)
    assert at(issues, "TOTALS_FORMULA") == [("计票录入", "C6")]


def test_issued_typed_twice_must_agree():
    leaders = block("领导", [4, 3, 0, 0], LEADERS[4:7])
    _, issues = memory_book(meeting(leaders, DEPUTIES, PUBLIC))
    assert at(issues, "TOTALS_ISSUED_MISMATCH") == [("计票录入", "A4")]


def test_blank_issued_in_the_sheet_takes_the_category_sheet():
    leaders = block("领导", [None, 3, 0, 0], LEADERS[4:7])
    result, issues = count(meeting(leaders, DEPUTIES, PUBLIC))
    assert result.accounts[0].issued == 3


def test_a_recheck_copy_is_compared_cell_by_cell():
    book = meeting()
    wrong = [list(r) for r in PUBLIC]
    wrong[5][2], wrong[5][3] = 1, 2          # 乙 in 群众: 好 1, 较好 2 instead of 2, 1
    book[S.SHEET_TOTALS_RECHECK] = board(LEADERS, DEPUTIES, wrong)
    _, issues = memory_book(book)
    # 群众 block in the copy: title row 18, figures 20, labels 21, 甲 22, 乙 23
    assert at(issues, "RECHECK_DIFFERS") == [("计票录入(复核)", "C23"), ("计票录入(复核)", "D23")]
    book[S.SHEET_TOTALS_RECHECK] = board(LEADERS, DEPUTIES, PUBLIC)
    _, issues = memory_book(book)
    assert "RECHECK_DIFFERS" not in codes(issues)


def test_the_fingerprint_covers_the_totals():
    from workbook.fingerprint import ballots_fingerprint

    first, _ = memory_book(meeting())
    changed = [list(r) for r in PUBLIC]
    changed[4][2], changed[4][3] = 0, 2       # 甲 in 群众: 好 0, 较好 2 (the row still adds up)
    second, issues = memory_book(meeting(LEADERS, DEPUTIES, changed))
    assert not [i for i in issues if i.is_error]
    assert ballots_fingerprint(first) != ballots_fingerprint(second)
    # blocks in another order: the same figures, the same fingerprint
    third, _ = memory_book(meeting(PUBLIC, LEADERS, DEPUTIES))
    assert ballots_fingerprint(first) == ballots_fingerprint(third)


# --- forms <-> totals ---------------------------------------------------------------------
from hypothesis import given  # noqa: E402

from test_properties import SETTINGS, books  # noqa: E402


def as_totals(book_sheets):
    """The same meeting entered the other way: 评议票 empty, 计票录入 from the forms' count."""
    from workbook.totals import totals_from_result, totals_values

    result, _ = count(book_sheets)
    other = {k: [list(r) for r in v] for k, v in book_sheets.items()}
    other["评议票"] = other["评议票"][:2]
    other[S.SHEET_TOTALS] = totals_values(totals_from_result(result))
    return result, other


def figures(data):
    return {k: data[k] for k in ("meeting", "ballots", "reporters", "anonymity")}


@SETTINGS
@given(books())
def test_a_meeting_entered_as_forms_or_as_totals_gives_identical_results(book_sheets):
    from workbook.report import result_json

    forms, other = as_totals(book_sheets)
    book, issues = memory_book(other)
    assert not [i.message for i in issues if i.is_error]
    totals, issues = tally(book, issues)
    assert figures(result_json(totals, issues)) == figures(result_json(forms, []))


def test_totals_from_forms_by_hand():
    # Two forms of one category on 01 张三: 好, and 多选; a void form; a blank form.
    from workbook.totals import totals_from_result

    book = sheets(categories=(("全体", None, 10),),
                  ballots=[[1, "全体", None, "好"], [2, "全体", None, "多选"], [3, "全体", "是", "好"],
                           [4, "全体", None, None]])
    book["评议票"][-1] = [4, "全体", None, None]
    result, _ = count(book)
    layout = totals_from_result(result)
    # figures row: 发放 10, 回收 4, 废票 1, 空白票 1; the one data row: 好 1, 多选 1
    assert layout.rows[layout.figures[0]][:4] == [10, 4, 1, 1]
    assert layout.rows[layout.data[0]] == ["01 张三", "总体评价", 1, 0, 0, 0, 0, 1]


# --- the command line ------------------------------------------------------------------------
import json  # noqa: E402

from typer.testing import CliRunner  # noqa: E402

from workbook.cli import app  # noqa: E402

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_demo_totals_counts_like_the_demo_forms(tmp_path):
    forms, totals = tmp_path / "forms.xlsx", tmp_path / "totals.xlsx"
    assert invoke("new", forms, "--demo").exit_code == 0
    assert invoke("new", totals, "--demo-totals").exit_code == 0
    checked = invoke("check", totals, "--json")
    assert checked.exit_code == 0 and json.loads(checked.output)["mode"] == "totals"
    a = json.loads(invoke("tally", forms, "--json", "-").output)
    b = json.loads(invoke("tally", totals, "--json", "-").output)
    assert figures(a) == figures(b)
    assert a["fingerprints"]["ballots"] != b["fingerprints"]["ballots"]   # forms vs totals: other data
    assert invoke("tally", totals).exit_code == 0
    verified = invoke("verify", totals, tmp_path / "totals_成果" / "计票结果.json")
    assert verified.exit_code == 0, verified.output


def test_totals_out_prepare_totals_and_compare(tmp_path):
    import openpyxl

    forms = tmp_path / "forms.xlsx"
    invoke("new", forms, "--demo")
    before = forms.read_bytes()
    copy = tmp_path / "copy.xlsx"
    done = invoke("tally", forms, "--totals-out", copy)
    assert done.exit_code == 0, done.output
    assert forms.read_bytes() == before
    assert figures(json.loads(invoke("tally", copy, "--json", "-").output)) == \
        figures(json.loads(invoke("tally", forms, "--json", "-").output))
    # a second run may replace its own copy, but never the input or a file it did not write
    assert invoke("tally", forms, "--totals-out", copy).exit_code == 0
    assert invoke("tally", forms, "--totals-out", forms).exit_code == 2
    # double entry of the totals: one figure typed differently in a second copy
    second = tmp_path / "second.xlsx"
    book = openpyxl.load_workbook(copy)
    sheet = book["计票录入"]
    sheet["C6"] = sheet["C6"].value + 1
    book.save(second)
    compared = invoke("compare", copy, second, "--json")
    data = json.loads(compared.output)
    assert compared.exit_code == 1 and data["mode"] == "totals"
    assert [(d["a"]["cell"], d["b"]["cell"]) for d in data["differences"]] == [("C6", "C6")]
    # prepare --totals on a forms meeting lays the sheet out; it stays a forms meeting
    laid = invoke("prepare", forms, "--totals")
    assert laid.exit_code == 0, laid.output
    assert "计票录入" in openpyxl.load_workbook(forms).sheetnames
    assert json.loads(invoke("check", forms, "--json").output)["mode"] == "forms"
    assert "已是最新" in invoke("prepare", forms, "--totals").output
    # once figures are typed and the setup changes, it refuses and changes nothing
    typed = openpyxl.load_workbook(copy)
    typed["述职人"].append(["12", "新单位党委", "赵六", "书记", "书面"])
    typed.save(copy)
    before = copy.read_bytes()
    refused = invoke("prepare", copy, "--totals")
    assert refused.exit_code == 1 and copy.read_bytes() == before
    assert "PREPARE_TOTALS_TYPED" in refused.output or "未做任何改动" in refused.output


def test_the_laid_out_sheet_reads_back_as_an_empty_totals_sheet(tmp_path):
    import openpyxl

    from workbook.io.totals_sheet import lay_out_totals
    from workbook.totals import totals_layout

    book, _ = memory_book(meeting())
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "计票录入"
    lay_out_totals(sheet, totals_layout(book.reporters, book.items, book.categories))
    assert sheet.freeze_panes == "C2"
    assert [c.value for c in sheet[1]] == HEADER
    assert (sheet["A2"].value, sheet["B2"].value, sheet["D2"].value) == ("评议人类别", "领导", "录入人")
    rules = [dv for dv in sheet.data_validations.dataValidation if dv.type == "whole"]
    assert rules and "C6:H8" in str(rules[0].sqref)
    assert sheet["C6"].number_format == "0"


def test_the_ribbon_lays_the_sheet_out_in_one_write(tmp_path):
    import os

    import pytest

    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    pytest.importorskip("xlwings")
    import macros_py
    from macros_py import excel
    from test_macros import actions, remote_book
    from workbook.api import new_workbook

    assert callable(macros_py.prepare_totals) and "prepare_totals" in macros_py.BUTTONS
    book = remote_book(new_workbook(tmp_path / "会.xlsx", demo=True))
    message = excel.run_button(book, excel.prepare_totals_book)
    assert "3 个评议人类别，每类 11 位述职人 × 4 个项目" in message
    assert [a["args"][1] for a in actions(book, "addSheet")] == ["计票录入"]
    [write] = actions(book, "setValues")
    # header, then per category 4 rows + 44 reporter × item rows, blocks separated by a blank row
    assert len(write["values"]) == 1 + 3 * (4 + 44) + 2
    assert write["values"][1][:2] == ["评议人类别", "区委常委及领导小组成员"]
    assert write["values"][5][:2] == ["01 韦建国", "总体评价"]


def test_more_checks_each_at_its_cell():
    # 领导's block with: a stray figure right of 多选 (I6), an unknown item (B7), 甲's row
    # repeated (B8); a block before any title? no — a second 领导 block (B12 duplicate name).
    leaders = block("领导", [3, 3, 0, 0], [["01 甲", "总体评价", 3, 0, 0, 0, 0, 0, 7],
                                          ["02 乙", "总体", 2, 1, 0, 0, 0, 0],
                                          ["01 甲", "总体评价", 3, 0, 0, 0, 0, 0],
                                          ["03 丙", "总体评价", 0, 1, 1, 0, 1, 0]], entered="")
    again = block("领导", [3, 3, 0, 0], [])
    book = meeting(leaders, again, DEPUTIES, PUBLIC)
    book[S.SHEET_TOTALS][0][7] = "多票"          # H1: the header as typed over
    book[S.SHEET_TOTALS].insert(1, [None, None, 5])  # row 2: figures before any block
    _, issues = memory_book(book)
    # rows shift by one: 领导 title row 3, figures 5, 甲 7, 乙 8, 甲 again 9, 丙 10, blank 11,
    # the second 领导 title row 12
    assert at(issues, "TOTALS_HEADER") == [("计票录入", "H1")]
    assert at(issues, "TOTALS_OUTSIDE_BLOCK") == [("计票录入", "A2")]
    assert at(issues, "TOTALS_DATA_OUTSIDE") == [("计票录入", "I7")]
    assert at(issues, "TOTALS_UNKNOWN_ITEM") == [("计票录入", "B8")]
    assert at(issues, "TOTALS_DUPLICATE_ROW") == [("计票录入", "B9")]
    assert at(issues, "TOTALS_DUPLICATE_CATEGORY") == [("计票录入", "B12")]
    assert at(issues, "TOTALS_ENTERED_BY_MISSING") == [("计票录入", "E3")]


def test_counts_typed_without_returned_and_a_block_without_its_account():
    no_returned = block("领导", [3, None, 0, 0], LEADERS[4:7])
    no_account = [r for k, r in enumerate(DEPUTIES) if k not in (1, 2)]
    _, issues = memory_book(meeting(no_returned, no_account, PUBLIC))
    assert at(issues, "TOTALS_RETURNED_MISSING") == [("计票录入", "B4")]
    # 代表 title row 10 (领导 rows 2–9): its account rows are missing
    assert at(issues, "TOTALS_ACCOUNT_MISSING") == [("计票录入", "A10")]


def test_adjudications_do_not_apply_to_totals():
    book = meeting()
    book["疑问票处理"] = [["票号", "评议人类别", "单元格", "原始标记", "认定结果", "认定依据", "监票人"],
                     [1, "领导", "D3", "模糊", "好", "看清", "王"]]
    _, issues = memory_book(book)
    assert [(i.code, i.source.cell) for i in issues if i.source.sheet == "疑问票处理"] == [("TOTALS_ADJUDICATION", "A2")]
