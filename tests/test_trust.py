"""Trust: adjudication, fingerprints and verify, double entry. Expected figures are
worked by hand in the comments, never taken from the code under test."""
import hashlib
import json

from typer.testing import CliRunner

from helpers import at, codes, count, memory_book, sheets, write_xlsx
from workbook.cli import app
from workbook.fingerprint import ballot_lines, ballots_fingerprint
from workbook.report import result_json

runner = CliRunner()
ADJ_HEADER = ["票号", "评议人类别", "单元格", "原始标记", "认定结果", "认定依据", "监票人"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def two_reporters(ballots, adjudications=None, recheck=None):
    book = sheets(reporters=(("01", "张三"), ("02", "李四")), categories=(("全体", None, 10),), ballots=ballots)
    if adjudications is not None:
        book["疑问票处理"] = [ADJ_HEADER] + [list(a) for a in adjudications]
    if recheck is not None:
        book["评议票(复核)"] = [list(r) for r in book["评议票"][:2]] + [list(r) for r in recheck]
    return book


# Layout: D = 01 张三／总体评价, E = 02 李四／总体评价; forms from row 3.
FORMS = [[1, "全体", None, "好", "较好"],
         [2, "全体", None, "好?", "一般"],     # D4 unreadable: the paper mark is unclear
         [3, "全体", None, "较好", "好"]]


# --- adjudication ---------------------------------------------------------------------------
def test_an_unclear_mark_is_an_error_until_decided():
    book, issues = memory_book(two_reporters(FORMS))
    assert at(issues, "BALLOT_BAD_GRADE") == [("评议票", "D4")]


def test_a_decision_is_applied_without_changing_the_typed_data():
    decided = two_reporters(FORMS, [[2, "全体", "D4", "勾在好与较好之间", "较好", "勾的中心在较好格内", "王监票"]])
    result, issues = count(decided)
    assert not [i for i in issues if i.is_error]
    # 张三 总体评价: 好 (form 1), 较好 (form 2, decided), 较好 (form 3) -> 1 好, 2 较好;
    # score (100 + 80 + 80) / 3 = 86.67
    zhang = result.reporters[0].items[0].votes
    assert (zhang.excellent, zhang.good, zhang.valid) == (1, 2, 3)
    assert decided["评议票"][3][3] == "好?"          # the typed data is as it was
    data = result_json(result, issues)
    assert data["reporters"][0]["score_rounded"] == 86.67
    assert data["adjudications"] == [{
        "ballot_id": "2", "category": "全体", "cell": "D4", "reporter": "01 张三", "item": "总体评价",
        "typed": "好?", "decision": "较好", "reason": "勾的中心在较好格内", "scrutineer": "王监票", "row": 2}]


def test_a_decision_can_void_a_form_or_count_a_mark_as_abstention():
    decided = two_reporters(FORMS, [[1, "", "C3", "整张划满", "是", "票面涂改无法辨认", "王监票"],
                                    [2, "", "D4", "模糊", "弃权", "无法判断勾选", "李监票"]])
    result, issues = count(decided)
    # form 1 void; 张三 then has: form 2 abstain, form 3 较好 -> 1 valid vote (较好)
    assert result.total.void == 1 and result.total.valid == 2
    assert result.reporters[0].items[0].votes.good == 1 and result.reporters[0].items[0].votes.valid == 1
    assert [d.decision for d in result.book.adjudicated] == ["是", "弃权"]


def test_the_adjudication_sheet_is_checked_row_by_row():
    decided = two_reporters(FORMS, [
        [9, "全体", "D4", "", "好", "依据", "王"],          # no form 9
        [2, "全体", "D9", "", "好", "依据", "王"],          # D9 is not on form 2's row
        [2, "全体", "Q4", "", "好", "依据", "王"],          # not a grade cell
        [2, "全体", "D4", "", "优", "依据", "王"],          # not a grade
        [2, "全体", "E4", "", "好", "", ""],                # no reason, no scrutineer
        [3, "全体", "D5", "", "好", "依据", "王"],          # fine
        [3, "全体", "D5", "", "差", "依据", "王"],          # the same cell twice
        [3, "全体", "?", "", "差", "依据", "王"],           # not a cell
    ])
    _, issues = memory_book(decided)
    found = [(i.code, i.source.cell) for i in issues if i.source.sheet == "疑问票处理"]
    assert found == [
        ("ADJ_UNKNOWN_FORM", "A2"), ("ADJ_CELL_NOT_ON_FORM", "C3"), ("ADJ_BAD_CELL", "C4"),
        ("ADJ_BAD_DECISION", "E5"), ("ADJ_REASON_MISSING", "F6"), ("ADJ_SCRUTINEER_MISSING", "G6"),
        ("ADJ_DUPLICATE", "C8"), ("ADJ_BAD_CELL", "C9")]
    # D4 stays an error: none of the decisions on it was usable
    assert at(issues, "BALLOT_BAD_GRADE") == [("评议票", "D4")]


# --- fingerprints ------------------------------------------------------------------------------
EXPECTED_LINES = [  # the grid (编号, 项目) sorted; then per form one character per grid cell
    # (1 好 2 较好 3 一般), forms sorted by (类别, 票号): "1" < "2" < "3"; keys in code-point
    # order: 作 U+4F5C < 票 U+7968 < 类 U+7C7B < 评 U+8BC4
    '{"grid":[["01","总体评价"],["02","总体评价"]]}',
    '{"作废":false,"票号":"1","类别":"全体","评价":"12"}',
    '{"作废":false,"票号":"2","类别":"全体","评价":"23"}',   # D4 decided 较好
    '{"作废":false,"票号":"3","类别":"全体","评价":"21"}',
]
DECISION = [[2, "全体", "D4", "", "较好", "中心在较好格", "王监票"]]


def _sha(lines):
    text = "".join(line + "\n" for line in ['{"scheme":"shuping-v2"}', *lines])
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_ballot_fingerprint_is_the_documented_hash():
    book, _ = memory_book(two_reporters(FORMS, DECISION))
    assert ballot_lines(book) == EXPECTED_LINES
    assert ballots_fingerprint(book) == _sha(EXPECTED_LINES)


def test_row_order_does_not_change_the_fingerprint_but_one_mark_does():
    moved = [[2, "全体", "D5", "", "较好", "中心在较好格", "王监票"]]   # form 2 is now on row 5
    shuffled, _ = memory_book(two_reporters([FORMS[2], FORMS[0], FORMS[1]], moved))
    assert ballots_fingerprint(shuffled) == _sha(EXPECTED_LINES)
    changed = [list(f) for f in FORMS]
    changed[0][4] = "一般"
    book, _ = memory_book(two_reporters(changed, DECISION))
    assert ballots_fingerprint(book) != _sha(EXPECTED_LINES)


def test_verify_tells_ballot_changes_from_setting_changes_from_a_doctored_file(tmp_path):
    import openpyxl

    path = write_xlsx(tmp_path / "会.xlsx", two_reporters(FORMS, DECISION))
    assert invoke("tally", path).exit_code == 0
    results = tmp_path / "会_成果" / "计票结果.json"
    summary = tmp_path / "会_成果" / "计票汇总表.xlsx"
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["fingerprints"]["ballots"] == _sha(EXPECTED_LINES)
    for recorded in (results, summary):
        done = invoke("verify", path, recorded)
        assert done.exit_code == 0 and "核验通过" in done.stdout

    book = openpyxl.load_workbook(path)
    book["参数设置"]["B3"] = 70                     # 较好 now 70 points: same ballots, other results
    book.save(path)
    done = invoke("verify", path, results)
    assert done.exit_code == 1 and "评议票数据一致，但按当前工作簿重算的结果与文件不符" in done.stdout

    book["评议票"]["E3"] = "差"                     # one mark changed after the count
    book.save(path)
    done = invoke("verify", path, results, "--json")
    report = json.loads(done.stdout)
    assert done.exit_code == 1 and report["ballots_match"] is False and report["file_intact"] is True

    data["reporters"][0]["score_rounded"] = 99.0    # someone edits the results file
    doctored = tmp_path / "改过的.json"
    doctored.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = invoke("verify", path, doctored)
    assert done.exit_code == 1 and "结果文件本身被改动过" in done.stdout


def test_verify_refuses_a_file_that_is_not_a_result(tmp_path):
    path = write_xlsx(tmp_path / "会.xlsx", two_reporters(FORMS))
    other = tmp_path / "x.json"
    other.write_text('{"a": 1}', encoding="utf-8")
    assert invoke("verify", path, other).exit_code == 2
    assert invoke("verify", path, tmp_path / "missing.json").exit_code == 2


def test_the_adjudication_log_is_listed_with_the_results(tmp_path):
    import openpyxl

    path = write_xlsx(tmp_path / "会.xlsx", two_reporters(FORMS, DECISION))
    invoke("tally", path)
    book = openpyxl.load_workbook(tmp_path / "会_成果" / "计票汇总表.xlsx")
    log = [list(r) for r in book["疑问票认定"].iter_rows(values_only=True)]
    assert log == [["票号", "评议人类别", "单元格", "述职人", "项目", "录入内容", "认定结果", "认定依据", "监票人", "疑问票处理行"],
                   ["2", "全体", "D4", "01 张三", "总体评价", "好?", "较好", "中心在较好格", "王监票", 2]]
    lines = [r[0] for r in book["计票单"].iter_rows(values_only=True) if r[0]]
    assert "疑问票认定：1 处（见“疑问票认定”表）" in lines
    assert f"票据指纹（SHA-256）：{_sha(EXPECTED_LINES)}" in lines


# --- double entry ----------------------------------------------------------------------------------
def test_compare_lists_every_difference_by_form_and_cell(tmp_path):
    first = write_xlsx(tmp_path / "甲.xlsx", two_reporters(FORMS))
    second_forms = [[1, "全体", None, "1", "较好"],       # "1" is 好: the same mark
                    [2, "全体", "是", "好?", "一般"],      # 作废 differs
                    [4, "全体", None, "差", "差"]]         # form 3 missing, form 4 extra
    second_forms[0][4] = "一般"                           # E3 differs
    second = write_xlsx(tmp_path / "乙.xlsx", two_reporters(second_forms))
    done = invoke("compare", first, second, "--json")
    assert done.exit_code == 1
    report = json.loads(done.stdout)
    assert report["differences"] == [
        {"category": "全体", "ballot_id": "1", "what": "02 李四／总体评价",
         "a": {"cell": "E3", "typed": "较好"}, "b": {"cell": "E3", "typed": "一般"}},
        {"category": "全体", "ballot_id": "2", "what": "作废",
         "a": {"cell": "C4", "typed": "（空白）"}, "b": {"cell": "C4", "typed": "是"}}]
    assert report["only_a"] == [{"category": "全体", "ballot_id": "3", "row": 5}]
    assert report["only_b"] == [{"category": "全体", "ballot_id": "4", "row": 5}]
    # 2 forms in both, 3 cells each (作废 + 2 grades)
    assert (report["forms_compared"], report["cells_compared"]) == (2, 6)
    copy = tmp_path / "甲的副本.xlsx"
    copy.write_bytes(first.read_bytes())
    done = invoke("compare", first, copy)
    assert done.exit_code == 0 and "两份录入完全一致" in done.stdout
    done = invoke("compare", first, first)    # one file twice proves nothing (tests/test_edit_concurrency.py)
    assert done.exit_code == 2 and "同一个文件" in done.output


def test_compare_matches_columns_by_label_not_position(tmp_path):
    first = write_xlsx(tmp_path / "甲.xlsx", two_reporters(FORMS))
    swapped = two_reporters([[f[0], f[1], f[2], f[4], f[3]] for f in FORMS])
    swapped["评议票"][0][3:5] = ["02 李四", "01 张三"]
    second = write_xlsx(tmp_path / "乙.xlsx", swapped)
    assert invoke("compare", first, second).exit_code == 0


def test_check_compares_the_recheck_sheet_inside_one_workbook():
    recheck = [list(FORMS[0]), list(FORMS[1])]
    recheck[1][4] = "较好"                          # E4: 一般 in 评议票, 较好 in 复核
    _, issues = memory_book(two_reporters(FORMS, recheck=recheck))
    assert at(issues, "RECHECK_DIFFERS") == [("评议票(复核)", "E4")]
    assert at(issues, "RECHECK_MISSING_FORM") == [("评议票", "A5")]
    message = next(i.message for i in issues if i.code == "RECHECK_DIFFERS")
    assert "评议票 E4 为“一般”，复核 E4 为“较好”" in message


def test_an_empty_recheck_sheet_compares_nothing():
    _, issues = memory_book(two_reporters(FORMS, recheck=[]))
    assert not [c for c in codes(issues) if c.startswith("RECHECK")]
