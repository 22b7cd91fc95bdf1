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


class EditRefused(ShupingError):
    """The workbook cannot be changed safely; nothing was written."""

    exit_code = 1


class ConditionError(ValueError):
    """A 条件 of 等次规则 that does not parse; the parser reports it at the rule's cell."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.message = message
        self.position = position  # 1-based character in the normalised text


class SheetTooLarge(Exception):
    """A sheet whose used range is absurdly large; the parser reports it as an issue."""

    def __init__(self, sheet: str, height: int, width: int):
        super().__init__(sheet)
        self.sheet, self.height, self.width = sheet, height, width

    @property
    def message(self) -> str:
        from .cells import col_name

        return (f"“{self.sheet}”的已用区域达到 {self.height} 行 × {self.width} 列（第 {self.height} 行或第 "
                f"{col_name(self.width - 1)} 列仍有内容），远超正常范围，可能是误把整列/整行填充了。"
                "请在 Excel 中选中多余的行或列→删除→保存，然后再试")


class UsageError(ShupingError):
    """The command was called wrongly (a bad option value, a target that exists)."""

    exit_code = 2


class OutputRefused(ShupingError):
    """An output would replace the input or a file shuping did not write; nothing was written."""

    exit_code = 2


class IndexUnreachable(ShupingError):
    """`shuping bundle` cannot reach a package index (no network, a proxy, the index down)."""

    exit_code = 2


class TemplateRefused(ShupingError):
    """A Word template is unusable or reaches for what a template must not; nothing was written."""

    exit_code = 2


class BundleError(ShupingError):
    """An offline bundle cannot be made complete (a dependency without a wheel for the target, pip failed)."""

    exit_code = 1


class PackageEditUnsupported(ShupingError):
    """This edit cannot be made part by part in the package; the full save path (or a refusal) must."""

    exit_code = 1
