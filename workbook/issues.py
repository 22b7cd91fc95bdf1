"""Problems found in a workbook, as data (never exceptions)."""
from __future__ import annotations

import enum
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from . import cells
from .schema import SHEET_ORDER


class Level(enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "错误" if self is Level.ERROR else "警告"


class Source(NamedTuple):
    """Where a record or a problem comes from: sheet, 0-based row and column (or None)."""

    sheet: str
    row: int | None = None
    col: int | None = None

    @property
    def cell(self) -> str:
        if self.row is None:
            return ""
        if self.col is None:
            return str(self.row + 1)
        return cells.a1(self.row, self.col)

    def at(self, col: int) -> "Source":
        return Source(self.sheet, self.row, col)


class Issue(NamedTuple):
    level: Level
    code: str
    source: Source
    message: str
    data: Mapping[str, Any] = {}

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR


def error(code: str, source: Source, message: str, **data: Any) -> Issue:
    return Issue(Level.ERROR, code, source, message, data)


def warning(code: str, source: Source, message: str, **data: Any) -> Issue:
    return Issue(Level.WARNING, code, source, message, data)


def sort_key(issue: Issue) -> tuple:
    s = issue.source
    return (SHEET_ORDER.get(s.sheet, len(SHEET_ORDER)), s.sheet,
            -1 if s.row is None else s.row, -1 if s.col is None else s.col, issue.code)


def sorted_issues(issues: Iterable[Issue]) -> list[Issue]:
    return sorted(issues, key=sort_key)


def has_errors(issues: Iterable[Issue]) -> bool:
    return any(i.is_error for i in issues)


def render_issue(issue: Issue) -> str:
    """"'评议票'!F7：无法识别的评价“优”…" — the clerk's one-line form."""
    s = issue.source
    return f"{cells.cell_ref(s.sheet, s.row, s.col)}：{issue.message}"


def issue_to_json(issue: Issue) -> dict[str, Any]:
    return {
        "level": issue.level.value,
        "code": issue.code,
        "sheet": issue.source.sheet,
        "cell": issue.source.cell,
        "message": issue.message,
    }


def issues_to_json(issues: Iterable[Issue]) -> dict[str, Any]:
    issues = list(issues)
    return {
        "errors": sum(i.is_error for i in issues),
        "warnings": sum(not i.is_error for i in issues),
        "issues": [issue_to_json(i) for i in issues],
    }


def summary_line(issues: Sequence[Issue]) -> str:
    """The one-line verdict of a check, as every door shows it."""
    errors = sum(i.is_error for i in issues)
    warnings = len(issues) - errors
    if not issues:
        return "检查完毕：没有发现问题。"
    return f"检查完毕：{errors} 个错误，{warnings} 个警告。" + ("请按上表逐条改正后再计票。" if errors else "")
