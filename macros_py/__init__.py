"""The ribbon's entry points: one per button, called by the add-in as
`macros_py.<name>()` with no argument (see addin/). Each takes the calling workbook with
`xw.Book.caller()` and hands it to the function of `macros_py.excel` that takes a book —
the one the tests call with a remote-engine book. No logic lives here.
"""
from __future__ import annotations

from typing import Any, Callable

from workbook.ribbon import BUTTONS  # noqa: F401  (the add-in and tests read it here too)


def _caller():
    import xlwings as xw

    return xw.Book.caller()


def _run(action: Callable[[Any], str]) -> str:
    from . import excel

    return excel.run_button(_caller(), action)


def check() -> str:
    from .excel import check_book

    return _run(check_book)


def prepare() -> str:
    from .excel import prepare_book

    return _run(prepare_book)


def prepare_totals() -> str:
    from .excel import prepare_totals_book

    return _run(prepare_totals_book)


def tally() -> str:
    from .excel import tally_book

    return _run(tally_book)


def import_comments() -> str:
    from .excel import import_comments_book

    def action(book):
        picked = book.app.api.GetOpenFilename("讲话稿 (*.docx;*.txt),*.docx;*.txt", 1, "选择点评讲话稿")
        return import_comments_book(book, picked if isinstance(picked, str) else None)

    return _run(action)


def rectify() -> str:
    from .excel import rectify_book

    return _run(rectify_book)


def notices() -> str:
    from .excel import notices_book

    def action(book):
        return notices_book(book, confirm=lambda text: book.app.alert(text, "述评", buttons="yes_no") == "yes")

    return _run(action)


def progress() -> str:
    from .excel import progress_book

    return _run(progress_book)


def mail() -> str:
    from .excel import mail_book

    def action(book):
        return mail_book(book, lambda text: book.app.alert(text, "述评", buttons="yes_no") == "yes")

    return _run(action)
