"""Corpus cases of 唱票 totals (issue #22): a meeting entered in 计票录入, each with one
fault a clerk's totals can really have. Layout of the base (3 reporters × 4 items, two
categories): row 1 header; 区委常委 block rows 2–17 (figures A4:D4, reporter × item
rows 6–17); 党员群众代表 block rows 19–34 (figures A21:D21, rows 23–34)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from bad.make_corpus import FILE, FINE, Case, base_sheets, workbook_errors
from helpers import memory_book, write_xlsx

SHEET = "计票录入"


def totals_sheets() -> dict[str, list[list]]:
    """The corpus's base meeting entered the other way: 评议票 empty, 计票录入 holding the
    totals its forms imply."""
    from workbook.tally import tally
    from workbook.totals import totals_from_result, totals_values

    book = base_sheets()
    parsed, issues = memory_book(book)
    result, _ = tally(parsed, issues)
    book[SHEET] = totals_values(totals_from_result(result))
    book["评议票"] = book["评议票"][:2]
    return book


def _cell(ref: str) -> tuple[int, int]:
    col = ord(ref[0]) - ord("A")
    return int(ref[1:]) - 1, col


def _totals(change: Callable[[dict], None] | None = None, formula: str = "") -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        book = totals_sheets()
        if change:
            change(book)
        write_xlsx(folder / FILE, book)
        if formula:
            import openpyxl

            workbook = openpyxl.load_workbook(folder / FILE)
            workbook[SHEET][formula] = "=1+1"
            workbook.save(folder / FILE)
    return build


def _put(ref: str, value, sheet: str = SHEET) -> Callable[[dict], None]:
    def change(book: dict) -> None:
        row, col = _cell(ref)
        book[sheet][row][col] = value
    return change


def _add(ref: str, delta: int) -> Callable[[dict], None]:
    def change(book: dict) -> None:
        row, col = _cell(ref)
        book[SHEET][row][col] = (book[SHEET][row][col] or 0) + delta
    return change


def _keep_forms(book: dict) -> None:
    book["评议票"] = base_sheets()["评议票"]


def _drop_row(book: dict) -> None:
    del book[SHEET][7]          # 01 张三's third item in 区委常委 (row 8)


def _recheck(book: dict) -> None:
    copy = [list(r) for r in book[SHEET]]
    copy[22][2] = (copy[22][2] or 0) + 1      # C23 one more 好 …
    copy[22][3] = (copy[22][3] or 0) - 1 if copy[22][3] else 1
    book[SHEET + "(复核)"] = copy


ERRORS = workbook_errors()


def cases() -> list[Case]:
    return [
        Case("totals_fine", "唱票汇总录入的会议（计票录入），没有问题", _totals(), {**FINE, "verify": 1}),
        Case("totals_sum_mismatch", "计票录入：某一行六项票数之和不等于有效票", _totals(_add("C6", 1)), ERRORS,
             message="应等于本类别有效票"),
        Case("totals_text_count", "计票录入：票数格写了汉字", _totals(_put("D23", "十二")), ERRORS,
             message="不是票数"),
        Case("totals_negative_count", "计票录入：票数为负数", _totals(_put("H6", -1)), ERRORS, message="不是票数"),
        Case("totals_void_blank_exceed", "计票录入：废票加空白票多于回收", _totals(_put("C21", 9)), ERRORS,
             message="多于回收"),
        Case("totals_over_issued", "计票录入：回收多于发放", _totals(_put("B4", 8)), ERRORS,
             message="回收票数多于发放票数"),
        Case("totals_returned_missing", "计票录入：已录入票数但回收未填", _totals(_put("B21", None)), ERRORS,
             message="回收票数未填写"),
        Case("totals_mixed_mode", "评议票和计票录入都录入了", _totals(_keep_forms), ERRORS,
             message="只能用一种"),
        Case("totals_formula", "计票录入：票数格是公式", _totals(formula="E6"), ERRORS, message="是公式"),
        Case("totals_unknown_category", "计票录入：汇总块的类别名与评议人类别表不符",
             _totals(_put("B19", "群众代表")), ERRORS, message="不在“评议人类别”表中"),
        Case("totals_missing_row", "计票录入：少了一位述职人的一个项目", _totals(_drop_row), ERRORS,
             message="缺少"),
        Case("totals_recheck_differs", "计票录入(复核)与计票录入不一致", _totals(_recheck), ERRORS,
             message="两次录入不一致"),
    ]
