"""The 条件 language of 等次规则 (TEMPLATE.md section 3): parsed, never `eval`-ed.

    condition  := conjunction (或 conjunction)*
    conjunction:= atom (且 atom)*
    atom       := '(' condition ')' | comparison
    comparison := METRIC OP NUMBER | NUMBER OP METRIC
    NUMBER     := 90 | 0.9 | 90% | 1/3

A tokenizer and a recursive-descent parser; errors carry the 1-based character position.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Union

from .errors import ConditionError
from .normalize import to_exact
from .schema import (CONDITION_AND, CONDITION_OR, METRIC_EXCELLENT_RATE, METRIC_GOOD_RATE,
                     METRIC_POOR_RATE, METRIC_RANK, METRIC_RANK_SHARE, METRIC_SCORE)

RATE_METRICS = (METRIC_GOOD_RATE, METRIC_EXCELLENT_RATE, METRIC_POOR_RATE, METRIC_RANK_SHARE)
SCALE_METRICS = (METRIC_SCORE, METRIC_RANK)
# Longest first, so 排名百分比 is not read as 排名 followed by junk.
METRICS = tuple(sorted(RATE_METRICS + SCALE_METRICS, key=len, reverse=True))
_OPERATORS = {">=": ">=", "<=": "<=", "≥": ">=", "≤": "<=", "==": "=", "=": "=", ">": ">", "<": "<"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:\s*/\s*\d+|\s*%)?")
# Deeper brackets than this are no condition a clerk writes (and would exhaust the parser's stack).
MAX_DEPTH = 20
MAX_LENGTH = 2000


@dataclass(frozen=True)
class Token:
    kind: str  # METRIC OP NUMBER AND OR LPAREN RPAREN END
    text: str
    position: int


@dataclass(frozen=True)
class Comparison:
    metric: str
    op: str
    value: Fraction
    text: str

    def holds(self, metrics: Mapping[str, Fraction | int | None]) -> bool:
        actual = metrics.get(self.metric)
        if actual is None:
            return False  # a comparison with an empty metric is false
        return {
            ">": actual > self.value, ">=": actual >= self.value,
            "<": actual < self.value, "<=": actual <= self.value,
            "=": actual == self.value,
        }[self.op]


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Condition", ...]

    def holds(self, metrics: Mapping[str, Fraction | int | None]) -> bool:
        return all(p.holds(metrics) for p in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Condition", ...]

    def holds(self, metrics: Mapping[str, Fraction | int | None]) -> bool:
        return any(p.holds(metrics) for p in self.parts)


Condition = Union[Comparison, AllOf, AnyOf]


def normalise_condition(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            tokens.append(Token("LPAREN" if ch == "(" else "RPAREN", ch, i + 1))
            i += 1
            continue
        if ch in (CONDITION_AND, CONDITION_OR):
            tokens.append(Token("AND" if ch == CONDITION_AND else "OR", ch, i + 1))
            i += 1
            continue
        op = next((o for o in sorted(_OPERATORS, key=len, reverse=True) if text.startswith(o, i)), None)
        if op:
            tokens.append(Token("OP", _OPERATORS[op], i + 1))
            i += len(op)
            continue
        metric = next((m for m in METRICS if text.startswith(m, i)), None)
        if metric:
            tokens.append(Token("METRIC", metric, i + 1))
            i += len(metric)
            continue
        match = _NUMBER.match(text, i)
        if match:
            tokens.append(Token("NUMBER", match.group(0), i + 1))
            i = match.end()
            continue
        raise ConditionError(f"第{i + 1}个字符“{ch}”无法识别（可用指标：{'、'.join(reversed(METRICS))}）", i + 1)
    tokens.append(Token("END", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self, kind: str, expected: str) -> Token:
        token = self.current
        if token.kind != kind:
            found = f"“{token.text}”" if token.text else "结尾"
            raise ConditionError(f"第{token.position}个字符处应为{expected}，实际是{found}", token.position)
        self.index += 1
        return token

    def condition(self) -> Condition:
        parts = [self.conjunction()]
        while self.current.kind == "OR":
            self.index += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.atom()]
        while self.current.kind == "AND":
            self.index += 1
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def atom(self) -> Condition:
        if self.current.kind == "LPAREN":
            if self.depth >= MAX_DEPTH:
                raise ConditionError(f"第{self.current.position}个字符：括号嵌套超过{MAX_DEPTH}层，"
                                     "请简化条件", self.current.position)
            self.depth += 1
            self.index += 1
            inner = self.condition()
            self.take("RPAREN", "右括号“)”")
            self.depth -= 1
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        start = self.current
        if start.kind == "NUMBER":
            number = self.take("NUMBER", "数值")
            op = self.take("OP", "比较符（> >= < <= =）")
            metric = self.take("METRIC", "指标")
            flipped = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "=": "="}[op.text]
            return _comparison(metric, flipped, number)
        metric = self.take("METRIC", "指标（如 综合得分、好评率）")
        op = self.take("OP", "比较符（> >= < <= =）")
        number = self.take("NUMBER", "数值（如 90、0.9、90%、1/3）")
        return _comparison(metric, op.text, number)


def _comparison(metric: Token, op: str, number: Token) -> Comparison:
    try:
        value = to_exact(number.text.replace(" ", ""))
    except ValueError:   # 1/0: the only number the tokenizer admits that is none
        raise ConditionError(f"第{number.position}个字符：“{number.text}”除数为 0，不是有效的数值",
                             number.position) from None
    assert value is not None
    percent = number.text.endswith("%")
    if metric.text in RATE_METRICS and value > 1:
        raise ConditionError(
            f"第{number.position}个字符：{metric.text}是比例（0～1），不能与大于1的数“{number.text}”比较，"
            f"请写成百分数或小数（如 90% 或 0.9）", number.position)
    if metric.text in SCALE_METRICS and percent:
        raise ConditionError(
            f"第{number.position}个字符：{metric.text}不是比例，不能与百分数“{number.text}”比较"
            f"（{metric.text}请直接写数值，如 90 或 3）", number.position)
    return Comparison(metric.text, op, value, f"{metric.text} {op} {number.text}")


def parse_condition(text: str) -> Condition | None:
    """None for a blank condition (always holds); ConditionError when it does not parse."""
    text = normalise_condition(text)
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"条件长达{len(text)}个字符，超过{MAX_LENGTH}字的上限，请简化条件", 1)
    parser = _Parser(tokenize(text))
    condition = parser.condition()
    if parser.current.kind != "END":
        token = parser.current
        raise ConditionError(f"第{token.position}个字符“{token.text}”多余：条件之间请用“且”或“或”连接",
                             token.position)
    return condition
