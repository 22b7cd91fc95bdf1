"""The count against figures worked out by hand from TEMPLATE.md section 3.

Every expected number below is derived in the comments from the contract's text, not
taken from the code. Points are the defaults: 好 100, 较好 80, 一般 60, 差 40.
"""
from fractions import Fraction as F

from helpers import at, codes, count, memory_book, sheets
from workbook.tally import tally

TWO_ITEMS = (("总体评价", "总体", "50%"), ("党建", "单项", "50%"))
THREE = (("01", "甲"), ("02", "乙"), ("03", "丙"))


def by_id(result):
    return {r.reporter.id: r for r in result.reporters}


def test_three_reporters_two_items_two_categories():
    # 领导 (w 60%, 2 forms), 群众 (w 40%, 3 forms), k = 1 so every category is shown.
    # Columns: 01总体 01党建 02总体 02党建 03总体 03党建
    ballots = [
        [1, "领导", None, "好", "好", "较好", "好", "一般", "一般"],
        [2, "领导", None, "好", "较好", "较好", "好", "差", "一般"],
        [1, "群众", None, "好", "较好", "好", "好", "差", "一般"],
        [2, "群众", None, "较好", "较好", "好", "好", "差", "差"],
        [3, "群众", None, "一般", "较好", "好", "较好", "一般", "一般"],
    ]
    result, issues = count(sheets(THREE, TWO_ITEMS, (("领导", "60%", 2), ("群众", "40%", 3)), ballots,
                                  params={"分类统计最少票数": 1}))
    r = by_id(result)
    # 01 总体: 领导 (100+100)/2 = 100; 群众 (100+80+60)/3 = 80 -> 0.6·100 + 0.4·80 = 92
    # 01 党建: 领导 (100+80)/2 = 90; 群众 80 -> 54 + 32 = 86;  S = (92 + 86)/2 = 89
    assert [i.score for i in r["01"].items] == [92, 86]
    assert r["01"].score == 89
    # 02 总体: 领导 80, 群众 100 -> 48 + 40 = 88
    # 02 党建: 领导 100, 群众 (100+100+80)/3 = 280/3 -> 60 + 112/3 = 292/3
    # S = (88 + 292/3)/2 = 278/3 = 92.666… -> 92.67
    assert r["02"].items[1].score == F(292, 3)
    assert r["02"].score == F(278, 3) and r["02"].score_rounded == F("92.67")
    # 03 总体: 领导 (60+40)/2 = 50, 群众 (40+40+60)/3 = 140/3 -> 30 + 56/3 = 146/3
    # 03 党建: 领导 60, 群众 (60+40+60)/3 = 160/3 -> 36 + 64/3 = 172/3;  S = 318/6 = 53
    assert r["03"].score == 53
    # Rates of the 总体 item: 01 好3 较好1 一般1 -> 好评率 4/5, 好票率 3/5;
    # 03 一般2 差3 -> 差票率 3/5.
    assert (r["01"].good_rate, r["01"].excellent_rate, r["01"].poor_rate) == (F(4, 5), F(3, 5), 0)
    assert r["03"].poor_rate == F(3, 5)
    # Ranks by rounded S: 02 (92.67), 01 (89.00), 03 (53.00).
    assert [r[k].rank for k in ("01", "02", "03")] == [2, 1, 3]
    # Grades: 03 差票率 3/5 > 1/3 -> rule 1 差; 01 89 < 90 -> rule 4 较好;
    # 02 92.67 >= 90 -> 好, cap 30% of 3 = 0.9 -> 0 -> at least 1: 02 alone keeps 好.
    assert [r[k].grade for k in ("01", "02", "03")] == ["较好", "好", "差"]
    assert r["03"].rule.source.row == 1 and r["01"].rule.source.row == 4
    assert issues == []


def _single_item(scores_forms, **kw):
    """One 总体 item, one category, blank weights; forms given per reporter column."""
    reporters = tuple((f"{k + 1:02d}", n) for k, n in enumerate("甲乙丙丁戊"[:len(scores_forms[0])]))
    ballots = [[k + 1, None, None, *row] for k, row in enumerate(scores_forms)]
    return count(sheets(reporters, ballots=ballots, **kw))


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    # 甲 好,好 = 100; 乙 好,较好 = 90 (好票率 1/2); 丙 较好,好 = 90 (1/2); 丁 较好,较好 = 80
    result, _ = _single_item([["好", "好", "较好", "较好"], ["好", "较好", "好", "较好"]])
    assert [r.rank for r in result.reporters] == [1, 2, 2, 4]


def test_equal_scores_are_split_by_excellent_rate():
    # 甲 好,好,较好,较好 = 90 with 好票率 1/2; 乙 好,好,好,一般 = 360/4 = 90 with 好票率 3/4
    result, _ = _single_item([["好", "好"], ["好", "好"], ["较好", "好"], ["较好", "一般"]])
    assert [r.score for r in result.reporters] == [90, 90]
    assert [r.rank for r in result.reporters] == [2, 1]


def test_a_category_without_votes_on_an_item_drops_out_and_weights_renormalise():
    # A (w 50%) gives 好; B (w 50%) abstains on 甲's only item -> s = 100 over A alone, not 50.
    ballots = [[1, "A", None, "好"], [1, "B", None, None], [2, "B", None, "多选"]]
    result, _ = count(sheets(categories=(("A", "50%", 5), ("B", "50%", 5)), ballots=ballots,
                             params={"分类统计最少票数": 1}))
    item = result.reporters[0].items[0]
    assert item.score == 100
    assert [(p.label, p.share) for p in item.parts] == [("A", 1)]
    # B's first form is blank throughout: a 空白票 (not valid), so no abstention is counted.
    assert (item.votes.abstain, item.votes.overvote, item.votes.valid) == (0, 1, 1)
    assert result.accounts[1].blank == 1


def test_cap_demotes_in_rank_order_and_counts_towards_the_next_cap():
    # Scores 100, 95, 92 (all rule 3: 好). 好 cap 1 -> 乙, 丙 move to 较好; 较好 cap 1
    # then counts them: 乙 (rank 2) keeps 较好, 丙 moves to 一般 outright.
    rules = [[1, "好", "综合得分 >= 90", 1], [2, "较好", "综合得分 >= 80", 1], [3, "一般", "", None]]
    # 甲 好×4 = 100; 乙 好,好,好,较好 = 95; 丙 好,好,较好,较好 = 90 -> make it 92: 好×3 + 一般? = 90
    forms = [["好", "好", "好"], ["好", "好", "好"], ["好", "好", "较好"], ["好", "较好", "较好"]]
    result, issues = _single_item(forms, rules=rules)
    assert [r.score for r in result.reporters] == [100, 95, 90]
    assert [r.grade for r in result.reporters] == ["好", "较好", "一般"]
    assert [len(r.demotions) for r in result.reporters] == [0, 1, 2]
    assert "GRADE_CAP_TIE" not in codes(issues)


def test_a_tie_straddling_the_cap_moves_all_tied_reporters_down_with_a_warning():
    # 甲 100 (rank 1); 乙, 丙 both 好,好,好,较好 = 95 (rank 2, tied); 丁 90 (rank 4).
    # 好 cap 2: the 2nd and 3rd places are tied, so both leave 好 and only 甲 keeps it.
    forms = [["好", "好", "好", "好"], ["好", "好", "好", "好"], ["好", "好", "好", "较好"],
             ["好", "较好", "较好", "较好"]]
    rules = [[1, "好", "综合得分 >= 90", 2], [2, "较好", "", None]]
    result, issues = _single_item(forms, rules=rules)
    assert [r.rank for r in result.reporters] == [1, 2, 2, 4]
    assert [r.grade for r in result.reporters] == ["好", "较好", "较好", "较好"]
    assert codes(issues) == ["GRADE_CAP_TIE"]
    assert result.reporters[1].demotions[0].tie


def test_a_cap_share_that_rounds_to_zero_is_lifted_to_one():
    # 2 reporters, cap 30%: 2 × 0.3 = 0.6 -> 0 -> at least 1. 甲 100, 乙 90: both 好 by
    # rule 3, 乙 (rank 2) is past the cap and moves to 较好.
    result, _ = _single_item([["好", "好"], ["好", "较好"]])
    assert [r.grade for r in result.reporters] == ["好", "较好"]


def test_condition_with_and_or_and_parentheses():
    # Rule 1 holds for 乙 only through the 或 branch (排名 = 2), for 甲 through both sides
    # of 且 (score 100 >= 95 and 好评率 1 >= 90%), and for nobody else.
    rules = [[1, "好", "(综合得分 >= 95 且 好评率 >= 90%) 或 排名 = 2", None], [2, "一般", "", None]]
    forms = [["好", "较好", "一般"], ["好", "较好", "一般"]]
    result, _ = _single_item(forms, rules=rules)
    # 甲 100, 乙 80 (rank 2), 丙 60 (rank 3)
    assert [r.grade for r in result.reporters] == ["好", "好", "一般"]


def test_rounding_is_half_up_on_the_exact_score():
    # 好 is worth 89.995 points; one 好 vote gives S = 89.995 exactly -> 90.00 half up,
    # which passes 综合得分 >= 90 (a binary float would give 89.99 and fail it).
    result, _ = _single_item([["好"]], params={"好": "89.995"})
    r = result.reporters[0]
    assert r.score == F("89.995") and r.score_rounded == 90
    assert r.grade == "好"


def test_blank_category_weights_mean_every_valid_vote_counts_the_same():
    # A: 好 (100); B: 差 ×3 (40 each): plain mean (100 + 120)/4 = 55 (weighted 50/50: 70).
    ballots = [[1, "A", None, "好"], [1, "B", None, "差"], [2, "B", None, "差"], [3, "B", None, "差"]]
    result, _ = count(sheets(categories=(("A", None, 5), ("B", None, 5)), ballots=ballots,
                             params={"分类统计最少票数": 1}))
    assert result.reporters[0].score == 55
    weighted, _ = count(sheets(categories=(("A", "50%", 5), ("B", "50%", 5)), ballots=ballots,
                               params={"分类统计最少票数": 1}))
    assert weighted.reporters[0].score == 70


def test_a_reporter_without_valid_votes_has_no_score_ranks_last_and_is_warned():
    # 乙 only gets blanks and 多选: no S, rank 2 (after 甲); no rule grades a reporter
    # without a valid vote, not even the blank-condition row (6: 差): 未评定 (issue #18.10).
    result, issues = _single_item([["好", None], ["好", "多选"]])
    a, b = result.reporters
    assert b.score is None and b.rank == 2 and b.good_rate is None
    assert b.grade is None and b.rule is None and b.grade_text == "未评定"
    assert at(issues, "REPORTER_NO_VOTES") == [("述职人", "3")]


def test_void_and_blank_forms_are_accounted_and_not_counted():
    ballots = [[1, None, "是", "差"], [2, None, None, None], [3, None, "否", "好"], [4, None, 0, "较好"]]
    result, _ = count(sheets(ballots=ballots))
    account = result.accounts[0]
    assert (account.issued, account.returned, account.void, account.blank, account.valid) == (100, 4, 1, 1, 2)
    assert result.reporters[0].items[0].votes.grades == (1, 1, 0, 0)


def test_returned_more_than_issued_stops_the_tally():
    from helpers import memory_book
    from workbook.tally import tally

    book, issues = memory_book(sheets(categories=(("全体", None, 1),),
                                      ballots=[[1, None, None, "好"], [2, None, None, "好"]]))
    result, issues = tally(book, issues)
    assert result is None
    assert at(issues, "BALLOT_OVER_ISSUED") == [("评议人类别", "C2")]


def test_no_forms_at_all_is_refused_with_a_reason():
    book, issues = memory_book(sheets(ballots=[]))
    result, issues = tally(book, issues)
    assert result is None and at(issues, "TALLY_NO_FORMS") == [("评议票", "A3")]


def test_a_zero_weight_is_an_error_at_its_cell():
    _, issues = memory_book(sheets(categories=(("甲", 0, 10), ("乙", 1, 10)), ballots=[[1, "甲", None, "好"]]))
    assert at(issues, "WEIGHT_ZERO") == [("评议人类别", "B2")]


def test_the_grade_reason_names_the_rule_by_its_typed_order_not_its_row():
    # 等次规则 typed with 顺序 1.5 and 3 (rows 2 and 3 of the sheet): 甲 好,好 = 100, 乙 好,较好 = 90.
    # Both meet 顺序1.5 (>= 90 → 好); cap 30% of 2 = 0.6 -> at least 1, so 乙 (rank 2) moves to 较好.
    from workbook.report import ranking_rows, result_json
    from workbook.sheets import why_text

    rules = [[1.5, "好", "综合得分 >= 90", "30%"], [3, "较好", "", None]]
    result, issues = _single_item([["好", "好"], ["好", "较好"]], rules=rules)
    first, second = result.reporters
    assert why_text(first, 2) == "等次规则顺序1.5“综合得分 >= 90”→好"
    assert why_text(second, 2).startswith("等次规则顺序1.5“综合得分 >= 90”→好；“好”名额上限30%（1名）")
    assert why_text(second, 2).endswith("调整为“较好”")
    assert "行规则" not in why_text(second, 2)
    assert [r["why"]["rule_order"] for r in result_json(result, issues)["reporters"]] == ["1.5", "1.5"]
    # the console ranking says why 乙 has 较好 with 90 分
    assert [row[6] for row in ranking_rows(result)] == ["好", "较好（“好”名额上限30%，超出名额调整）"]
