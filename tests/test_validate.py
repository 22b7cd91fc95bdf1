"""Every validator, each with a small workbook built here; assertions on code and cell."""
import pytest

from helpers import at, codes, memory_book, sheets, write_xlsx
from workbook.io.reader import SheetFacts
from workbook.io.book import load_book

TWO = (("01", "甲"), ("02", "乙"))


def issues_of(book_sheets, facts=None):
    return memory_book(book_sheets, facts)[1]


def test_a_clean_book_has_no_issues():
    assert issues_of(sheets(TWO, ballots=[[1, None, None, "好", "较好"]])) == []


def test_missing_sheet_and_renamed_header():
    s = sheets()
    del s["等次规则"]
    s["述职人"][0][2] = "名字"
    issues = issues_of(s)
    assert at(issues, "SHEET_MISSING") == [("等次规则", "")]
    assert at(issues, "HEADER_MISMATCH") == [("述职人", "C1")]


def test_duplicate_and_missing_reporter_ids():
    s = sheets((("01", "甲"), ("01", "乙")))
    s["述职人"].append([None, "某党委", "丙", None, "现场", None, None])
    issues = issues_of(s)
    assert at(issues, "REPORTER_ID_DUPLICATE") == [("述职人", "A3")]
    assert at(issues, "REPORTER_ID_MISSING") == [("述职人", "A4")]


def test_bad_mode_and_email():
    s = sheets()
    s["述职人"][1][4] = "口头"
    s["述职人"][1][5] = "not-an-email"
    issues = issues_of(s)
    assert at(issues, "REPORTER_BAD_MODE") == [("述职人", "E2")]
    assert at(issues, "REPORTER_BAD_EMAIL") == [("述职人", "F2")]


def test_ballot_header_must_match_reporters_and_items():
    s = sheets(TWO)
    s["评议票"][0][4] = "09 王五"     # neither 编号 nor 姓名 of 02 乙
    issues = issues_of(s)
    assert at(issues, "BALLOT_HEADER_UNKNOWN_REPORTER") == [("评议票", "E1")]
    assert at(issues, "BALLOT_HEADER_MISSING") == [("评议票", "1")]  # once for 02 乙, at row 1
    assert "对不上的述职人（E1）" in [i for i in issues if i.code == "BALLOT_HEADER_MISSING"][0].message


def test_a_changed_name_is_reported_once_at_the_header():
    # 述职人 says 02 乙, the header still 02 王五: same 编号, another 姓名 -> one error at E1,
    # naming 述职人 row 3 and the 2 typed cells under it (E3 好, E4 差); no cell-by-cell cascade.
    s = sheets(TWO, ballots=[[1, None, None, "好", "好"], [2, None, None, "较好", "差"]])
    s["评议票"][0][4] = "02 王五"
    issues = issues_of(s)
    assert codes(issues) == ["BALLOT_HEADER_REPORTER_CHANGED"]
    assert at(issues, "BALLOT_HEADER_REPORTER_CHANGED") == [("评议票", "E1")]
    assert "第3行" in issues[0].message and "2 个评价" in issues[0].message


def test_unknown_item_and_unprepared_sheet():
    s = sheets(TWO)
    s["评议票"][1][3] = "总体"
    assert at(issues_of(s), "BALLOT_HEADER_UNKNOWN_ITEM") == [("评议票", "D2")]
    s = sheets(TWO)
    s["评议票"] = [["票号", "评议人类别", "作废"]]
    assert at(issues_of(s), "BALLOT_NOT_PREPARED") == [("评议票", "D1")]


def test_late_reporter_appended_at_the_right_end_is_read_by_label():
    s = sheets(TWO, ballots=[[1, None, None, "好", "差"]])
    # swap the two columns: labels decide, not positions
    s["评议票"][0][3:5] = ["02 乙", "01 甲"]
    book, issues = memory_book(s)
    assert issues == []
    assert book.ballots.grades[0, :, 0].tolist() == [4, 1]


def test_unknown_grade_is_an_error_at_its_cell_and_all_are_reported():
    s = sheets(TWO, ballots=[[1, None, None, "优", "好"], [2, None, None, "好", "E"]])
    issues = issues_of(s)
    assert at(issues, "BALLOT_BAD_GRADE") == [("评议票", "D3"), ("评议票", "E4")]
    message = [i.message for i in issues if i.code == "BALLOT_BAD_GRADE"][0]
    assert "“优”" in message


def test_void_column_values():
    issues = issues_of(sheets(ballots=[[1, None, "作废了", "好"]]))
    assert at(issues, "BALLOT_BAD_VOID") == [("评议票", "C3")]


def test_ballot_id_repeated_within_a_category_but_not_across():
    cats = (("红", None, 10), ("蓝", None, 10))
    s = sheets(categories=cats, ballots=[[1, "红", None, "好"], [1, "蓝", None, "好"], [1, "红", None, "好"]])
    assert at(issues_of(s), "BALLOT_ID_DUPLICATE") == [("评议票", "A5")]


def test_blank_ballot_id_is_a_warning():
    issues = issues_of(sheets(ballots=[[None, None, None, "好"]]))
    assert at(issues, "BALLOT_ID_MISSING") == [("评议票", "A3")]
    assert not any(i.is_error for i in issues)


def test_unknown_or_missing_category():
    cats = (("红", None, 10), ("蓝", None, 10))
    s = sheets(categories=cats, ballots=[[1, "绿", None, "好"], [2, None, None, "好"]])
    issues = issues_of(s)
    assert at(issues, "BALLOT_UNKNOWN_CATEGORY") == [("评议票", "B3")]
    assert at(issues, "BALLOT_CATEGORY_MISSING") == [("评议票", "B4")]


def test_weights_must_sum_to_100_or_all_be_blank():
    s = sheets(categories=(("红", "50%", 10), ("蓝", "40%", 10)))
    assert at(issues_of(s), "WEIGHTS_SUM") == [("评议人类别", "")]
    s = sheets(categories=(("红", "33.3%", 10), ("蓝", "33.3%", 10), ("白", "33.3%", 10)))
    assert [i for i in issues_of(s) if i.is_error] == []
    s = sheets(items=(("总体评价", "总体", "40%"), ("党建", "单项", None)))
    assert at(issues_of(s), "WEIGHTS_PARTIAL") == [("评议项目", "")]
    s = sheets(categories=(("红", "五成", 10),))
    assert at(issues_of(s), "CATEGORY_BAD_WEIGHT") == [("评议人类别", "B2")]


@pytest.mark.parametrize("issued", [-1, 2.5, "十"])
def test_negative_or_non_integer_counts(issued):
    s = sheets(categories=(("全体", None, issued),))
    assert at(issues_of(s), "CATEGORY_BAD_ISSUED") == [("评议人类别", "C2")]


def test_more_than_one_overall_item():
    s = sheets(items=(("总体评价", "总体", None), ("总体2", "总体", None)))
    assert at(issues_of(s), "ITEM_MULTIPLE_OVERALL") == [("评议项目", "B3")]


def test_rule_conditions_caps_and_grades():
    rules = [[1, "好", "综合得分 >= 90%", None], [2, "较好", "得分 > 80", None], [3, "差", "", 2],
             [4, "优", "", None], [5, "一般", "", "三成"]]
    issues = issues_of(sheets(rules=rules))
    assert at(issues, "RULE_BAD_CONDITION") == [("等次规则", "C2"), ("等次规则", "C3")]
    assert [i.data["position"] for i in issues if i.code == "RULE_BAD_CONDITION"] == [9, 1]
    assert at(issues, "RULE_CAP_ON_POOR") == [("等次规则", "D4")]
    assert at(issues, "RULE_BAD_GRADE") == [("等次规则", "B5")]
    assert at(issues, "RULE_BAD_CAP") == [("等次规则", "D6")]


def test_returned_more_than_issued():
    s = sheets(categories=(("全体", None, 1),), ballots=[[1, None, None, "好"], [2, None, None, "好"]])
    assert at(issues_of(s), "BALLOT_OVER_ISSUED") == [("评议人类别", "C2")]
    s = sheets(categories=(("全体", None, None),), ballots=[[1, None, None, "好"]])
    assert at(issues_of(s), "CATEGORY_ISSUED_MISSING") == [("评议人类别", "C2")]


def test_bad_parameters():
    issues = issues_of(sheets(params={"得分小数位": 9, "好": "满分", "通报排序": "随便"}))
    assert set(at(issues, "PARAM_BAD_VALUE")) == {("参数设置", "B2"), ("参数设置", "B7"), ("参数设置", "B10")}


def test_comment_for_unknown_reporter():
    s = sheets()
    s["点评"].append(["99", "综合", "好", "存在的不足是：一是…", "希望…", "书记"])
    assert at(issues_of(s), "COMMENT_UNKNOWN_REPORTER") == [("点评", "A2")]


def test_facts_formula_hyperlink_merged_hidden_in_the_ballot_area():
    facts = {"评议票": SheetFacts(formulas={(2, 3)}, hyperlinks=[((2, 4), (2, 4))],
                                merged=[((3, 3), (3, 4))], hidden_rows={2})}
    issues = issues_of(sheets(TWO, ballots=[[1, None, None, "好", "好"], [2, None, None, "好", None]]), facts)
    assert at(issues, "BALLOT_FORMULA") == [("评议票", "D3")]
    assert at(issues, "BALLOT_HYPERLINK") == [("评议票", "E3")]
    assert at(issues, "BALLOT_MERGED") == [("评议票", "D4")]
    assert at(issues, "BALLOT_HIDDEN_ROW") == [("评议票", "3")]


def test_formula_and_link_found_in_a_real_file(tmp_path):
    s = sheets(TWO, ballots=[[1, None, None, "好", "好"], [2, None, None, "好", "好"]])
    path = write_xlsx(tmp_path / "f.xlsx", s, formulas={"E3": ('="好"', "好")}, hyperlinks=["D4"])
    before = path.read_bytes()
    _, issues = load_book(path)
    assert at(issues, "BALLOT_FORMULA") == [("评议票", "E3")]
    assert at(issues, "BALLOT_HYPERLINK") == [("评议票", "D4")]
    assert path.read_bytes() == before


def test_data_typed_outside_the_header():
    s = sheets(ballots=[[1, None, None, "好", None, "好"]])
    assert at(issues_of(s), "BALLOT_DATA_OUTSIDE") == [("评议票", "F3")]


def test_many_problems_are_all_reported_in_sheet_order():
    s = sheets(TWO, ballots=[[1, "x", "?", "优", "劣"]])
    s["述职人"][2][0] = "01"
    issues = issues_of(s)
    assert codes(issues) == ["REPORTER_ID_DUPLICATE", "BALLOT_UNKNOWN_CATEGORY", "BALLOT_BAD_VOID",
                             "BALLOT_BAD_GRADE", "BALLOT_BAD_GRADE"] or len(issues) >= 5


def test_comment_rectification_and_mail_rows():
    s = sheets()
    s["点评"].append([None, "综合", "成绩", "问题", "希望", "书记"])
    s["整改清单"].append(["01-1", "01", "某党委", "综合", "问题", None, None, None, "做完了", None, None, None])
    s["整改清单"].append(["01-1", "77", "某党委", "综合", "问题", None, None, None, "整改中", None, None, None])
    s["邮件设置"] += [["加密方式", "TLS1.3"], ["端口", 70000], ["服务器地址", "x"]]
    issues = issues_of(s)
    assert at(issues, "COMMENT_ID_MISSING") == [("点评", "A2")]
    assert at(issues, "RECT_BAD_STATUS") == [("整改清单", "I2")]
    assert at(issues, "RECT_ID_DUPLICATE") == [("整改清单", "A3")]
    assert at(issues, "RECT_UNKNOWN_REPORTER") == [("整改清单", "B3")]
    assert at(issues, "MAIL_BAD_ENCRYPTION") == [("邮件设置", "B2")]
    assert at(issues, "MAIL_BAD_PORT") == [("邮件设置", "B3")]
    assert at(issues, "UNKNOWN_SETTING") == [("邮件设置", "A4")]


def test_meeting_deadline_must_be_whole_days():
    s = sheets()
    s["会议信息"].append(["整改期限(天)", "一个月"])  # half-width parentheses name the same key
    assert at(issues_of(s), "MEETING_BAD_DEADLINE") == [("会议信息", "B4")]
