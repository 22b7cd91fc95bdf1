"""The worked example of shared/examples, derived by hand in WORKED.md, to the last digit."""
import json
from fractions import Fraction as F

from typer.testing import CliRunner

from workbook.cli import app
from workbook.io.reader import CalamineSource
from workbook.tally import tally
from workbook.validate import load_source


def assert_matches(got, expected, path="$"):
    """Every key of `expected` present in `got`; floats within 1e-9; the rest exact."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in got, f"{path}.{key} missing"
            assert_matches(got[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), path
        for k, (a, b) in enumerate(zip(got, expected)):
            assert_matches(a, b, f"{path}[{k}]")
    elif isinstance(expected, float):
        assert got is not None and abs(got - expected) <= 1e-9, f"{path}: {got} != {expected}"
    else:
        assert got == expected, f"{path}: {got!r} != {expected!r}"


def test_tally_json_reproduces_expected_json(worked_example, tmp_path):
    expected = json.loads((worked_example.parent / "expected.json").read_text(encoding="utf-8"))
    before = worked_example.read_bytes()
    result = CliRunner().invoke(app, ["tally", str(worked_example), "-o", str(tmp_path), "--json", "-"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert_matches(json.loads(result.stdout), expected)
    assert worked_example.read_bytes() == before


class ParamOverride:
    """The worked example with one 参数设置 value changed (WORKED.md section 6 variations)."""

    def __init__(self, path, name, value):
        self.source, self.name, self.value = CalamineSource(path), name, value
        self.sheet_names = self.source.sheet_names

    def rows(self, sheet):
        rows = self.source.rows(sheet)
        if sheet == "参数设置":
            rows = [[r[0], self.value, *r[2:]] if r and r[0] == self.name else r for r in rows]
        return rows

    def facts(self, sheet):
        return self.source.facts(sheet)


def _count_with_k(path, k):
    book, issues = load_source(ParamOverride(path, "分类统计最少票数", k))
    result, issues = tally(book, issues)
    assert result is not None
    return result


def test_k4_the_smallest_shown_category_joins_the_merged_group(worked_example):
    # 党员代表 1 + 服务对象代表 2 = 3 < 4, so 区委委员 (4) joins: one column of all 7 forms,
    # all categories one group for the score: plain means, S = 680/7, 640/7, 436/5.
    result = _count_with_k(worked_example, 4)
    a = result.anonymity
    assert a.shown == () and a.merged == (0, 1, 2) and a.withheld == ()
    assert [c.valid_forms for c in a.columns] == [7]
    assert [r.score for r in result.reporters] == [F(680, 7), F(640, 7), F(436, 5)]
    assert [r.score_rounded for r in result.reporters] == [F("97.14"), F("91.43"), F("87.20")]
    assert [r.grade for r in result.reporters] == ["好", "较好", "一般"]


def test_k8_withholds_every_per_category_figure(worked_example):
    result = _count_with_k(worked_example, 8)
    a = result.anonymity
    assert a.columns == () and a.withheld == (0, 1, 2)
    assert a.withheld_note == "不足8票，不单独列示"
    assert [r.score for r in result.reporters] == [F(680, 7), F(640, 7), F(436, 5)]


def test_no_vote_figure_of_a_small_category_leaves_the_json(worked_example):
    from workbook.report import result_json

    book, issues = load_source(CalamineSource(worked_example))
    result, issues = tally(book, issues)
    figures = result_json(result, issues)["anonymity"]["figures"]
    assert set(figures) == {"区委委员", "其他类别（合并）"}
    assert figures["其他类别（合并）"]["valid_forms"] == 3
