from fractions import Fraction as F

import pytest

from workbook.errors import ConditionError
from workbook.rules import parse_condition

METRICS = {"综合得分": F(91), "好评率": F(9, 10), "好票率": F(1, 2), "差票率": F(0), "排名": F(3),
           "排名百分比": F(3, 10)}


@pytest.mark.parametrize("text, holds", [
    ("综合得分 >= 90", True), ("综合得分>90", True), ("综合得分 ≥ 91", True), ("综合得分 < 91", False),
    ("好评率 >= 90%", True), ("好评率 >= 0.9", True), ("好评率 > 9/10", False), ("差票率 > 1/3", False),
    ("排名 <= 3", True), ("排名百分比 <= 30%", True), ("排名 = 3", True), ("90 <= 综合得分", True),
    ("综合得分 >= 95 或 排名 = 3", True), ("综合得分 >= 90 且 好票率 > 1/2", False),
    ("综合得分 >= 95 且 好评率 > 0.5 或 排名 = 3", True),  # 且 binds tighter
    ("综合得分 >= 95 且 (好评率 > 0.5 或 排名 = 3)", False),
    ("（综合得分 ＞＝ 90）", True),  # full-width, NFKC
])
def test_conditions(text, holds):
    assert parse_condition(text).holds(METRICS) is holds


def test_blank_condition_always_holds():
    assert parse_condition("  ") is None


def test_empty_metric_makes_a_comparison_false():
    assert parse_condition("好评率 < 2/3").holds({**METRICS, "好评率": None}) is False


@pytest.mark.parametrize("text, position", [
    ("综合得分 >= ", 8), ("综合得分 90", 6), ("得分 >= 90", 1), ("综合得分 >= 90 且", 13),
    ("(综合得分 >= 90", 12), ("综合得分 >= 90 好评率 > 0.5", 12),
    ("好评率 >= 90", 8), ("综合得分 >= 90%", 9), ("排名 <= 30%", 7), ("排名百分比 < 2", 9),
])
def test_errors_carry_positions(text, position):
    with pytest.raises(ConditionError) as info:
        parse_condition(text)
    assert info.value.position == position


def test_the_parser_never_evaluates_python():
    with pytest.raises(ConditionError):
        parse_condition("__import__('os').system('echo hi')")
