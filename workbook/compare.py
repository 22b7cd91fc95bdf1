"""Double entry: two typings of the same paper forms, compared cell by cell.

Forms are matched by (评议人类别, 票号) and cells by (述职人编号, 评议项目), so two
copies with different column layouts still compare. Marks are compared after the
contract's normalisation ("1" and "好" are the same mark); what is shown is what was
typed. Used by `shuping compare A B` and, inside one workbook, by `check` when
评议票(复核) holds forms.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from . import schema as S
from .cells import a1
from .issues import Issue, Source, error
from .model import Item, Reporter
from .normalize import clean_text, grade_code, is_blank, shown, void_flag
from .parse import map_ballot_columns

BLANK_SHOWN = "（空白）"
VOID_KEY = ("", S.BALLOT_VOID)


@dataclass(frozen=True)
class TypedForm:
    category: str
    ballot_id: str
    row: int                                            # 0-based sheet row
    cells: dict[tuple[str, str], tuple[int, Any]]      # (编号, 项目) or VOID_KEY -> (col, typed)


@dataclass
class TypedCopy:
    sheet: str
    forms: dict[tuple[str, str, int], TypedForm]        # (类别, 票号, occurrence) -> form
    columns: dict[tuple[str, str], str]                  # (编号, 项目) -> "03 王五／总体评价"
    issues: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class Difference:
    category: str
    ballot_id: str
    what: str                     # "03 王五／总体评价" or "作废"
    cell_a: str
    typed_a: str
    cell_b: str
    typed_b: str
    source_a: Source
    source_b: Source


@dataclass
class Comparison:
    sheet_a: str
    sheet_b: str
    forms_compared: int = 0
    cells_compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    only_a: list[TypedForm] = field(default_factory=list)
    only_b: list[TypedForm] = field(default_factory=list)
    columns_only_a: list[str] = field(default_factory=list)
    columns_only_b: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.differences or self.only_a or self.only_b or self.columns_only_a or self.columns_only_b)


def read_copy(sheet: str, rows: Sequence[Sequence[Any]], reporters: Sequence[Reporter],
              items: Sequence[Item]) -> TypedCopy:
    """The typed forms of one ballot sheet, keyed for comparison."""
    mapping, issues = map_ballot_columns(sheet, rows, reporters, items)
    keys = {col: (reporters[r].id, items[i].name) for col, (r, i) in mapping.items()}
    columns = {keys[col]: f"{reporters[r].label}／{items[i].name}" for col, (r, i) in mapping.items()}
    void_col = S.BALLOT_FIXED.index(S.BALLOT_VOID)
    forms: dict[tuple[str, str, int], TypedForm] = {}
    for index in range(S.BALLOT_HEADER_ROWS, len(rows)):
        row = rows[index]
        if all(is_blank(v) for v in row):
            continue
        ballot_id = clean_text(row[0] if row else None) or f"行{index + 1}"
        category = clean_text(row[1] if len(row) > 1 else None)
        cells = {VOID_KEY: (void_col, row[void_col] if len(row) > void_col else None)}
        for col, key in keys.items():
            cells[key] = (col, row[col] if col < len(row) else None)
        occurrence = 0
        while (category, ballot_id, occurrence) in forms:
            occurrence += 1
        forms[(category, ballot_id, occurrence)] = TypedForm(category, ballot_id, index, cells)
    return TypedCopy(sheet, forms, columns, issues)


def _same_mark(key: tuple[str, str], a: Any, b: Any) -> bool:
    if key == VOID_KEY:
        fa, fb = void_flag(a), void_flag(b)
        return fa == fb if fa is not None and fb is not None else clean_text(a) == clean_text(b)
    ca, cb = grade_code(a), grade_code(b)
    if ca == S.CODE_INVALID or cb == S.CODE_INVALID:
        return clean_text(a) == clean_text(b)
    return ca == cb


def _typed(value: Any) -> str:
    return shown(value) if not is_blank(value) else BLANK_SHOWN


def compare_copies(a: TypedCopy, b: TypedCopy) -> Comparison:
    comparison = Comparison(a.sheet, b.sheet)
    common = [key for key in a.columns if key in b.columns]
    comparison.columns_only_a = [label for key, label in a.columns.items() if key not in b.columns]
    comparison.columns_only_b = [label for key, label in b.columns.items() if key not in a.columns]
    for key, form_a in a.forms.items():
        form_b = b.forms.get(key)
        if form_b is None:
            comparison.only_a.append(form_a)
            continue
        comparison.forms_compared += 1
        for cell_key in (VOID_KEY, *common):
            col_a, typed_a = form_a.cells[cell_key]
            col_b, typed_b = form_b.cells[cell_key]
            comparison.cells_compared += 1
            if not _same_mark(cell_key, typed_a, typed_b):
                comparison.differences.append(Difference(
                    form_a.category, form_a.ballot_id,
                    S.BALLOT_VOID if cell_key == VOID_KEY else a.columns[cell_key],
                    a1(form_a.row, col_a), _typed(typed_a), a1(form_b.row, col_b), _typed(typed_b),
                    Source(a.sheet, form_a.row, col_a), Source(b.sheet, form_b.row, col_b)))
    comparison.only_b = [form for key, form in b.forms.items() if key not in a.forms]
    return comparison


def form_name(category: str, ballot_id: str) -> str:
    return (f"评议人类别“{category}”" if category else "") + f"票号“{ballot_id}”"


def recheck_issues(main_rows: Sequence[Sequence[Any]], recheck_rows: Sequence[Sequence[Any]],
                   reporters: Sequence[Reporter], items: Sequence[Item]) -> list[Issue]:
    """`check`'s view of double entry inside one workbook: every difference between
    评议票 and 评议票(复核) is an error, so the count waits until both typings agree.
    Nothing is compared while 评议票(复核) holds no forms."""
    recheck = read_copy(S.SHEET_BALLOTS_RECHECK, recheck_rows, reporters, items)
    if not recheck.forms:
        return []
    main = read_copy(S.SHEET_BALLOTS, main_rows, reporters, items)
    issues = [i for i in recheck.issues if i.is_error]
    comparison = compare_copies(main, recheck)
    for d in comparison.differences:
        issues.append(error("RECHECK_DIFFERS", d.source_b,
                            f"两次录入不一致：{form_name(d.category, d.ballot_id)}的“{d.what}”，评议票 {d.cell_a} 为“{d.typed_a}”，"
                            f"复核 {d.cell_b} 为“{d.typed_b}”。请对照纸质票改正录错的一处",
                            typed=d.typed_a, recheck=d.typed_b))
    for form in comparison.only_a:
        issues.append(error("RECHECK_MISSING_FORM", Source(S.SHEET_BALLOTS, form.row, 0),
                            f"{form_name(form.category, form.ballot_id)}只在“评议票”中，“{S.SHEET_BALLOTS_RECHECK}”中没有录入"))
    for form in comparison.only_b:
        issues.append(error("RECHECK_EXTRA_FORM", Source(S.SHEET_BALLOTS_RECHECK, form.row, 0),
                            f"{form_name(form.category, form.ballot_id)}只在“{S.SHEET_BALLOTS_RECHECK}”中，“评议票”中没有录入"))
    for label in comparison.columns_only_a:
        issues.append(error("RECHECK_MISSING_COLUMN", Source(S.SHEET_BALLOTS_RECHECK, 0, None),
                            f"“{S.SHEET_BALLOTS_RECHECK}”缺少“{label}”列，请运行“生成评议票”（shuping prepare）补齐"))
    return issues
