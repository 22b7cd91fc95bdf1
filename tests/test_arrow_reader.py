"""评议票 read on Arrow (workbook/io/arrow_reader.py): the same Book, the same issues in the
same order and the same ballot fingerprint as the calamine rows path, on clean and on messy
sheets; a sheet whose cells fastexcel would write differently goes back to the rows path."""
from __future__ import annotations

import datetime as dt

import pytest

from helpers import sheets, write_xlsx
from workbook import fingerprint
from workbook.io.arrow_reader import ambiguous, starts_at_a1
from workbook.io.reader import open_source
from workbook.parse import parse_book

REPORTERS = (("01", "张三"), ("02", "李四"))
ITEMS = (("总体评价", "总体", None), ("抓党建", "单项", None))
CATEGORIES = (("领导", 0.4, 10), ("群众", 0.6, 100))


@pytest.fixture(autouse=True)
def arrow_at_any_size(monkeypatch):
    """The Arrow path is taken from 4 MB of sheet XML on; these small sheets take it too."""
    monkeypatch.setattr("workbook.io.reader.ARROW_FROM_BYTES", 0)


def _both(path, monkeypatch):
    """(book, issues) read through the Arrow grid, then through the rows path."""
    found = []
    for arrow in (True, False):
        if arrow:
            monkeypatch.delenv("SHUPING_NO_ARROW", raising=False)
        else:
            monkeypatch.setenv("SHUPING_NO_ARROW", "1")
        book, issues = parse_book(open_source(path), str(path))
        found.append((book, [(i.code, i.level, i.source.sheet, i.source.row, i.source.col, i.message) for i in issues]))
    return found


def _same(path, monkeypatch):
    (a, issues_a), (b, issues_b) = _both(path, monkeypatch)
    assert issues_a == issues_b
    assert fingerprint.ballots_fingerprint(a) == fingerprint.ballots_fingerprint(b)
    assert (a.ballots.grades == b.ballots.grades).all()
    assert a.ballots.ballot_ids == b.ballots.ballot_ids
    assert list(a.ballots.rows) == list(b.ballots.rows)
    return a, issues_a


def test_grid_is_used_for_a_plain_sheet(tmp_path, monkeypatch):
    ballots = [[1, "领导", None, "好", "较好", "1", "b"], [2, "群众", "是", "差", None, "多选", "Ａ"]]
    path = write_xlsx(tmp_path / "b.xlsx", sheets(REPORTERS, ITEMS, CATEGORIES, ballots))
    assert open_source(path).grid("评议票") is not None
    book, issues = _same(path, monkeypatch)
    # by hand: form 1 (row 3) 好 较好 / 1=好 b=较好; form 2 (row 4) void 差 blank / 多选 Ａ=A=好
    assert book.ballots.ballot_ids == ("1", "2")
    assert [list(r) for r in book.ballots.grades[0]] == [[1, 2], [1, 2]]
    assert [list(r) for r in book.ballots.grades[1]] == [[4, 0], [5, 1]]
    assert list(book.ballots.void) == [False, True]


def test_messy_sheet_reads_alike(tmp_path, monkeypatch):
    """Unknown grades, a missing 票号, an unknown category, a bad void mark, marks typed to
    the right of the header, blank rows between forms, full-width spaces, a control
    character in a header cell: every issue where and as the rows path reports it."""
    rows = sheets(REPORTERS, ITEMS, CATEGORIES, [
        [1, "领导", None, "好", "很好", "2", None],
        [None, "群众", None, "\u3000", "4", None, "差", None, "多出来"],
        [],
        [3, "路人", "也许", "较好", "x", None, None],
        [4, None, None, None, None, None, None, "右边"],
    ])
    rows["评议票"][0][3] = "01 张三\x0b"
    path = write_xlsx(tmp_path / "m.xlsx", rows)
    assert open_source(path).grid("评议票") is not None
    book, issues = _same(path, monkeypatch)
    codes = [c for c, *_ in issues]
    for expected in ("BALLOT_BAD_GRADE", "BALLOT_ID_MISSING", "BALLOT_UNKNOWN_CATEGORY", "BALLOT_BAD_VOID",
                     "BALLOT_DATA_OUTSIDE", "TEXT_CONTROL_CHARACTER"):
        assert expected in codes


@pytest.mark.parametrize("odd, rows_path", [(True, True), (1.5, True), (12345678901234567890.0, True),
                                            (-0.0, True), ("dated", True), (dt.date(2024, 1, 2), False)])
def test_cells_fastexcel_writes_otherwise_go_back_to_rows(tmp_path, monkeypatch, odd, rows_path):
    """A boolean, a decimal, a long number, -0 and a date-formatted cell go to the rows path;
    a date written without a date format is a plain whole number to both engines."""
    ballots = [[1, "领导", None, "好", "好", "好", None if odd == "dated" else odd],
               [2, "群众", None, "差", None, None, None]]
    path = write_xlsx(tmp_path / "o.xlsx", sheets(REPORTERS, ITEMS, CATEGORIES, ballots))
    if odd == "dated":
        import openpyxl

        book = openpyxl.load_workbook(path)
        book["评议票"]["G3"] = dt.datetime(2024, 1, 2)      # openpyxl gives it a date format
        book.save(path)
    assert (open_source(path).grid("评议票") is None) == rows_path
    _same(path, monkeypatch)


def test_a_sheet_not_starting_at_a1_goes_back_to_rows(tmp_path, monkeypatch):
    rows = sheets(REPORTERS, ITEMS, CATEGORIES, [[1, "领导", None, "好", "好", "好", "好"]])
    rows["评议票"] = [[None] * 8] + [[None] + r for r in rows["评议票"]]
    path = write_xlsx(tmp_path / "s.xlsx", rows)
    assert open_source(path).grid("评议票") is None
    _both(path, monkeypatch)


def test_ambiguous_spellings():
    # what fastexcel writes for booleans, dates, durations, decimals, long or negative-zero numbers
    for text in ("true", "false", "2024-01-02 00:00:00", "1900-01-01 06:00:00", "0.1", "1.5", "1e20",
                 "12345678901234567890", "-0", "+1"):
        assert ambiguous(text), text
    # text and whole numbers read alike by both engines
    for text in ("好", "较好", "1", "01", "1001", "-5", "A", "多选", "是", "123456789012345", ""):
        assert not ambiguous(text), text


def test_starts_at_a1():
    assert starts_at_a1(b'<worksheet><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1" t="s">')
    assert not starts_at_a1(b'<worksheet><sheetData><row r="2"><c r="B2" t="s">')
    assert not starts_at_a1(b"<worksheet><sheetData/></worksheet>")


def test_worked_example_reads_alike(monkeypatch):
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "examples" / "worked_example.xlsx"
    if not path.exists():
        pytest.skip("the worked example is not beside the repository")
    _same(path, monkeypatch)


def test_typed_counts_on_the_grid(tmp_path):
    from workbook.plans import typed_counts

    ballots = [[1, "领导", None, "好", None, "1", None], [], [None, None, None, None, None, None, "差"]]
    path = write_xlsx(tmp_path / "t.xlsx", sheets(REPORTERS, ITEMS, CATEGORIES, ballots))
    source = open_source(path)
    grid = source.grid("评议票")
    rows = source.rows("评议票")
    # by hand: row 3 has A, B, D, F typed; row 5 has G; two rows typed
    assert typed_counts(grid) == typed_counts(rows) == ({0: 1, 1: 1, 3: 1, 5: 1, 6: 1}, 2)
    assert grid[:2] == [list(r) for r in rows[:2]]
