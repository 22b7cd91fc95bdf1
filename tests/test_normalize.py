from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from workbook import cells
from workbook.normalize import clean_text, format_fixed, grade_code, round_half_up, to_exact, to_share, void_flag

SPELLINGS = {1: ["好", "1", "A", "a", 1], 2: ["较好", "2", "B", "b", 2], 3: ["一般", "3", "C", "c", 3],
             4: ["差", "4", "D", "d", 4], 5: ["多", "多选"]}
FULL_WIDTH = str.maketrans("1234ABCDabcd", "１２３４ＡＢＣＤａｂｃｄ")
SPACES = st.text(alphabet=" \u3000\t", max_size=3)


@given(st.sampled_from([(code, s) for code, ss in SPELLINGS.items() for s in ss]), SPACES, SPACES,
       st.booleans())
def test_every_spelling_with_spaces_and_full_width_reads_the_same(pair, left, right, wide):
    code, spelling = pair
    if isinstance(spelling, str):
        spelling = left + (spelling.translate(FULL_WIDTH) if wide else spelling) + right
    assert grade_code(spelling) == code


@given(st.text(max_size=4))
def test_anything_else_is_invalid_or_blank(text):
    code = grade_code(text)
    known = {s for ss in SPELLINGS.values() for s in ss if isinstance(s, str)}
    if clean_text(text) in known:
        assert code > 0
    elif clean_text(text) == "":
        assert code == 0
    else:
        assert code == -1


@pytest.mark.parametrize("typed", ["优", "5", "E", "好好", "√", 1.5, True])
def test_unknown_marks_are_invalid(typed):
    assert grade_code(typed) == -1


@pytest.mark.parametrize("typed, void", [(None, False), ("否", False), (0, False), ("N", False), ("n", False),
                                         ("是", True), (1, True), ("Y", True), ("y", True), ("√", True),
                                         ("　是 ", True), ("作废", None), (2, None)])
def test_void_column(typed, void):
    assert void_flag(typed) is void


@pytest.mark.parametrize("typed, exact", [(0.3, F(3, 10)), ("0.3", F(3, 10)), ("1/3", F(1, 3)), ("40%", F(2, 5)),
                                          (40, F(40)), ("４０％", F(2, 5)), (None, None), ("", None)])
def test_to_exact(typed, exact):
    assert to_exact(typed) == exact


@pytest.mark.parametrize("typed", ["abc", "1/0", "4O%", float("nan")])
def test_to_exact_refuses(typed):
    with pytest.raises(ValueError):
        to_exact(typed)


@pytest.mark.parametrize("typed", [0.4, "40%", 40, "0.4", "40"])
def test_shares_in_every_spelling(typed):
    assert to_share(typed) == F(2, 5)


@pytest.mark.parametrize("value, places, shown", [(F("89.995"), 2, "90.00"), (F("84.625"), 2, "84.63"),
                                                  (F("80.425"), 2, "80.43"), (F(583, 6), 2, "97.17"),
                                                  (F(167, 2), 2, "83.50"), (F("2.5"), 0, "3"),
                                                  (F("-1.005"), 2, "-1.00")])
def test_round_half_up(value, places, shown):
    assert format_fixed(value, places) == shown
    assert round_half_up(value, places) == F(shown)


@given(st.integers(0, 10**6), st.integers(0, 16383))
def test_a1_round_trip(row, col):
    assert cells.parse_a1(cells.a1(row, col)) == (row, col)


def test_cell_refs():
    assert cells.cell_ref("评议票", 6, 5) == "'评议票'!F7"
    assert cells.col_name(26) == "AA" and cells.col_index("AA") == 26
