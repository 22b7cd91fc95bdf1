"""Hypothesis: counts add up, row order changes nothing, the vectorised count equals a
slow obviously-correct loop, scores stay within the points, names change only names."""
import random
from fractions import Fraction as F

from hypothesis import HealthCheck, given, settings, strategies as st

from helpers import count, sheets
from workbook.normalize import grade_code
from workbook.report import result_json

TYPED = ["好", "较好", "一般", "差", "1", "2", "3", "4", "A", "b", "Ｃ", "４", None, "多选", "多", " 好 "]


@st.composite
def books(draw):
    n_rep = draw(st.integers(1, 4))
    n_item = draw(st.integers(1, 3))
    n_cat = draw(st.integers(1, 3))
    weighted = draw(st.booleans())
    categories = [(f"类{k}", (f"{100 // n_cat + (100 % n_cat if k == 0 else 0)}%" if weighted else None), 60)
                  for k in range(n_cat)]
    items = [("总体评价" if k == 0 else f"单项{k}", "总体" if k == 0 else "单项", None) for k in range(n_item)]
    reporters = [(f"{k + 1:02d}", f"人{k}") for k in range(n_rep)]
    n_forms = draw(st.integers(1, 25))   # no forms at all: tally refuses (test_tally)
    ballots = []
    for f in range(n_forms):
        cat = draw(st.integers(0, n_cat - 1))
        void = draw(st.sampled_from([None, None, None, "否", "是"]))
        marks = draw(st.lists(st.sampled_from(TYPED), min_size=n_rep * n_item, max_size=n_rep * n_item))
        ballots.append([f + 1, f"类{cat}", void, *marks])
    k = draw(st.integers(1, 6))
    return sheets(reporters, items, categories, ballots, params={"分类统计最少票数": k})


def slow_counts(book_sheets):
    """Loop form by form: {(reporter, item): [abstain, 好, 较好, 一般, 差, 多选]}."""
    rows = book_sheets["评议票"][2:]
    n_rep = len(book_sheets["述职人"]) - 1
    n_item = len(book_sheets["评议项目"]) - 1
    counts = {(r, i): [0] * 6 for r in range(n_rep) for i in range(n_item)}
    for row in rows:
        marks = row[3:]
        if row[2] == "是" or all(grade_code(m) == 0 for m in marks):
            continue
        for r in range(n_rep):
            for i in range(n_item):
                counts[(r, i)][grade_code(marks[r * n_item + i])] += 1
    return counts


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(books())
def test_counts_add_up_and_equal_a_slow_reference(book_sheets):
    result, _ = count(book_sheets)
    valid_forms = result.total.valid
    slow = slow_counts(book_sheets)
    for r, rr in enumerate(result.reporters):
        for i, item in enumerate(rr.items):
            v = item.votes
            assert v.valid + v.abstain + v.overvote == valid_forms
            assert [v.abstain, *v.grades, v.overvote] == slow[(r, i)]
    assert sum(a.valid for a in result.accounts) == valid_forms


@SETTINGS
@given(books(), st.randoms(use_true_random=False))
def test_shuffling_ballot_rows_changes_nothing(book_sheets, rnd):
    first, issues = count(book_sheets)
    shuffled = dict(book_sheets)
    body = list(book_sheets["评议票"][2:])
    rnd.shuffle(body)
    shuffled["评议票"] = book_sheets["评议票"][:2] + body
    second, issues2 = count(shuffled)
    assert result_json(first, issues) == result_json(second, issues2)


@SETTINGS
@given(books())
def test_scores_stay_within_the_points(book_sheets):
    result, _ = count(book_sheets)
    for r in result.reporters:
        for item in r.items:
            if item.score is not None:
                assert 40 <= item.score <= 100
        if r.score is not None:
            assert 40 <= r.score <= 100
        assert 1 <= r.rank <= len(result.reporters)


@SETTINGS
@given(books())
def test_renaming_a_reporter_changes_only_names(book_sheets):
    first, issues = count(book_sheets)
    renamed = {k: [list(r) for r in v] for k, v in book_sheets.items()}
    renamed["述职人"][1][2] = "新名字"
    top = renamed["评议票"][0]
    top[3] = f"{renamed['述职人'][1][0]} 新名字"
    second, _ = count(renamed)
    a, b = result_json(first, issues), result_json(second, issues)
    a["reporters"][0]["name"] = b["reporters"][0]["name"]
    # the ballots are keyed by 编号, so their fingerprint stays; the results name the reporter
    assert a["fingerprints"]["ballots"] == b["fingerprints"]["ballots"]
    assert a["fingerprints"]["results"] != b["fingerprints"]["results"]
    a["fingerprints"] = b["fingerprints"]
    assert a == b


def test_anonymity_never_shows_fewer_than_k_forms():
    """For random category sizes: every column has >= k forms, and so has the pooled
    total minus the shown columns."""
    from workbook.tally import Account, decide_anonymity

    rng = random.Random(7)
    for _ in range(2000):
        sizes = [rng.randint(0, 12) for _ in range(rng.randint(1, 6))]
        k = rng.randint(1, 10)
        accounts = [Account(f"c{i}", None, n, 0, 0) for i, n in enumerate(sizes)]
        a = decide_anonymity(accounts, k, [F(1, len(sizes))] * len(sizes))
        if sum(sizes) < k:
            assert a.columns == ()
            continue
        assert all(c.valid_forms >= k for c in a.columns)
        rest = sum(sizes) - sum(sizes[i] for i in a.shown)
        assert rest == 0 or rest >= k
