"""Exceptions: only for files that cannot be used and for outputs that cannot be written.

Problems in a clerk's data are never exceptions; they are `Issue`s (issues.py).
"""


class ShupingError(Exception):
    """Base of the errors shuping reports to a clerk in one Chinese sentence."""

    exit_code = 1


class UnreadableWorkbook(ShupingError):
    """The input is missing, not an .xlsx workbook, encrypted, truncated or unsafe."""

    exit_code = 2


class OutputError(ShupingError):
    """An output cannot be written (locked by Excel, no permission, disk full)."""

    exit_code = 1


class UsageError(ShupingError):
    """The command was called wrongly (a bad option value, a target that exists)."""

    exit_code = 2


class IndexUnreachable(ShupingError):
    """`shuping bundle` cannot reach a package index (no network, a proxy, the index down)."""

    exit_code = 2


class BundleError(ShupingError):
    """An offline bundle cannot be made complete (a dependency without a wheel for the target, pip failed)."""

    exit_code = 1
