"""Turning typed cells into codes and exact numbers (TEMPLATE.md sections 1-3).

Every cell read as a code is trimmed (ASCII and full-width spaces) and NFKC-normalised
before it is compared; every number that enters the count is an exact `Fraction`.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .schema import GRADE_SPELLINGS, VOID_NO, VOID_YES, CODE_BLANK, CODE_INVALID

CellValue = Any  # str | int | float | bool | date | datetime | None

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_FRACTION = re.compile(r"^([+-]?\d+)\s*/\s*(\d+)$")


def is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) == "")


def clean_text(value: CellValue) -> str:
    """The comparable text of a cell: NFKC, trimmed; integral floats without '.0'."""
    # NFKC turns the full-width space U+3000 into ' ', 'Ａ' into 'A', '１' into '1'.
    return unicodedata.normalize("NFKC", _typed_text(value)).strip()


def _typed_text(value: CellValue) -> str:
    """A cell's text as typed (nothing normalised); integral floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, (_dt.datetime, _dt.date)):
        text = value.isoformat()
    else:
        text = str(value)
    return text


def shown(value: CellValue, limit: int = 30) -> str:
    """A cell's text as quoted in a message, as typed (normalise only to compare, so Ctrl+F
    finds the quoted text): a 40,000-character paste is not repeated."""
    text = _typed_text(value).strip()
    return text if len(text) <= limit else f"{text[:limit]}…（共{len(text)}字）"


def grade_code(value: CellValue) -> int:
    """CODE_BLANK, 1..4 (好..差), CODE_OVERVOTE, or CODE_INVALID."""
    text = clean_text(value)
    if text == "":
        return CODE_BLANK
    return GRADE_SPELLINGS.get(text, CODE_INVALID)


def void_flag(value: CellValue) -> bool | None:
    """作废 column: False = the form counts, True = void, None = not understood."""
    text = clean_text(value)
    if text == "" or text in VOID_NO:
        return False
    if text in VOID_YES:
        return True
    return None


def to_exact(value: CellValue) -> Fraction | None:
    """An exact number from a typed cell: 0.3 -> 3/10, '1/3' -> 1/3, '40%' -> 2/5.

    Returns None for a blank cell; raises ValueError for anything that is not a number.
    Floats go through their shortest decimal repr, so 0.3 typed in Excel is exactly 3/10.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(Decimal(repr(value)))
    if not isinstance(value, str):
        raise ValueError(f"not a number: {value!r}")
    text = clean_text(value).replace(",", "")
    if text == "":
        return None
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    if _NUMBER.match(text):
        try:
            number = Fraction(Decimal(text))
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
            raise ValueError(f"not a number: {value!r}") from exc
    elif (match := _FRACTION.match(text)) and int(match.group(2)) != 0:
        number = Fraction(int(match.group(1)), int(match.group(2)))
    else:
        raise ValueError(f"not a number: {value!r}")
    return number / 100 if percent else number


def is_percent_text(value: CellValue) -> bool:
    return isinstance(value, str) and clean_text(value).endswith("%")


def to_share(value: CellValue) -> Fraction | None:
    """A weight: 40%, 0.4, '40%' and 40 (a number above 1 = percentage points) -> 2/5."""
    number = to_exact(value)
    if number is None:
        return None
    if number > 1 and not is_percent_text(value):
        number /= 100
    return number


def to_count(value: CellValue) -> int | None:
    """A whole, non-negative count; None when blank; ValueError otherwise."""
    number = to_exact(value)
    if number is None:
        return None
    if number.denominator != 1 or number < 0:
        raise ValueError(f"not a count: {value!r}")
    return int(number)


def round_half_up(value: Fraction, places: int) -> Fraction:
    """89.995 -> 90.00 at 2 places; exact, never binary floats (round() is half-even)."""
    scale = Fraction(10) ** places
    scaled = value * scale
    return Fraction(math.floor(scaled + Fraction(1, 2))) / scale


def format_fixed(value: Fraction, places: int) -> str:
    """A rounded exact number as text with exactly `places` decimals."""
    rounded = round_half_up(value, places)
    sign = "-" if rounded < 0 else ""
    units = abs(rounded) * 10 ** places
    whole, frac = divmod(int(units), 10 ** places)
    return f"{sign}{whole}.{frac:0{places}d}" if places > 0 else f"{sign}{whole}"

