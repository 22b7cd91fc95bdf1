"""The paper 评议表 handed out at the meeting, as a layout description (no xlsxwriter).

One form per evaluator category (forms of different colours are common), laid out so
typing is easy: one row per reporter in 述职人 order, and per item the four grades left
to right — the order of the 评议票 columns (reporter, then item).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from . import schema as S
from .model import Book

TICK_BOX = "□"


@dataclass(frozen=True)
class FormModel:
    sheet: str                                   # sheet name (the category, cleaned)
    title: str
    category: str
    instructions: tuple[str, ...]
    items: tuple[str, ...]
    grades: tuple[str, ...]
    reporters: tuple[tuple[str, str, str], ...]  # (编号, 党组织, 姓名)
    footer: tuple[str, ...]

    @property
    def columns(self) -> int:
        return 3 + len(self.items) * len(self.grades)


_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
SHEET_NAME_UNITS = 31                        # Excel counts UTF-16 units


def _cut(text: str, units: int) -> str:
    out, used = "", 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > units:
            break
        out, used = out + ch, used + size
    return out


def sheet_name(text: str, taken: set[str]) -> str:
    """An Excel sheet name made from a clerk's text: ≤31 UTF-16 units, none of []:*?/\\,
    no apostrophe at either end, not the reserved "History", unique ignoring case."""
    name = _cut((text or "").translate(_BAD_SHEET_CHARS).strip("'"), SHEET_NAME_UNITS).strip("'") or "评议表"
    if name.lower() == "history":
        name = "评议表_" + name
    lowered = {t.lower() for t in taken}
    base, n = name, 2
    while name.lower() in lowered:
        suffix = f"({n})"
        name, n = _cut(base, SHEET_NAME_UNITS - len(suffix)).rstrip("'") + suffix, n + 1
    taken.add(name)
    return name


def form_models(book: Book) -> list[FormModel]:
    title = f"{book.meeting.shown_title or '述职评议会'}民主评议表"
    items = tuple(i.name for i in book.items)
    reporters = tuple((r.id, r.organization, r.name) for r in book.reporters)
    instructions = (
        "填写说明：请对每位述职人的每个评议项目，在“好”“较好”“一般”“差”中选择一项，在对应的“□”内划“√”。"
        "每项只能选一个；不选视为弃权，多选该项无效。本表不记名，请勿在表上署名或做其他标记。",
    )
    footer = ("请将填好的评议表投入票箱。", "（以下由工作人员填写）录入人：__________　　复核人：__________")
    categories: Sequence[str] = [c.name for c in book.categories] or [""]
    taken: set[str] = set()
    return [FormModel(sheet_name(category, taken), title, category, instructions, items, S.GRADES, reporters,
                      footer) for category in categories]
