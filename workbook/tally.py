"""The count (TEMPLATE.md section 3): ballot accounts, votes, scores, ranks, grades.

Counting is vectorised over the ballot array (one `bincount`); everything after that
works on the small aggregates with exact `Fraction`s. Every result carries the data
that explains it: the score's make-up per item and group, the rule that matched, the
cap that moved a reporter down.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

import numpy as np

from . import schema as S
from .issues import Issue, Source, error, has_errors, warning
from .model import Book, Reporter, Rule
from .normalize import round_half_up
from .schema import UNGRADED

# Index of each count in the last axis of a counts array: the CODE_* values.
ABSTAIN, EXCELLENT, GOOD, FAIR, POOR, OVERVOTE = range(6)


@dataclass(frozen=True)
class Votes:
    """Counts of one reporter × item (over some forms), with the derived rates."""

    excellent: int
    good: int
    fair: int
    poor: int
    abstain: int
    overvote: int

    @classmethod
    def from_array(cls, counts: Sequence[int]) -> "Votes":
        c = [int(x) for x in counts]
        return cls(c[EXCELLENT], c[GOOD], c[FAIR], c[POOR], c[ABSTAIN], c[OVERVOTE])

    @property
    def grades(self) -> tuple[int, int, int, int]:
        return (self.excellent, self.good, self.fair, self.poor)

    @property
    def valid(self) -> int:
        return self.excellent + self.good + self.fair + self.poor

    def _rate(self, numerator: int) -> Fraction | None:
        return Fraction(numerator, self.valid) if self.valid else None

    @property
    def good_rate(self) -> Fraction | None:
        return self._rate(self.excellent + self.good)

    @property
    def excellent_rate(self) -> Fraction | None:
        return self._rate(self.excellent)

    @property
    def poor_rate(self) -> Fraction | None:
        return self._rate(self.poor)

    def mean_points(self, points: Sequence[Fraction]) -> Fraction | None:
        if not self.valid:
            return None
        return sum((n * p for n, p in zip(self.grades, points)), Fraction(0)) / self.valid


@dataclass(frozen=True)
class Account:
    """A category's ballot account (发放/回收/废票/空白票/有效): not a vote figure."""

    name: str
    issued: int | None
    returned: int
    void: int
    blank: int

    @property
    def valid(self) -> int:
        return self.returned - self.void - self.blank


@dataclass(frozen=True)
class Group:
    """An anonymity group: one shown category, or 其他类别（合并）, or everyone."""

    label: str
    categories: tuple[int, ...]
    weight: Fraction        # the sum of its members' normalised weights
    valid_forms: int


@dataclass(frozen=True)
class Anonymity:
    min_votes: int
    shown: tuple[int, ...]      # categories shown in their own column
    merged: tuple[int, ...]     # categories pooled into 其他类别（合并）
    withheld: tuple[int, ...]   # categories with no per-category figures at all
    columns: tuple[Group, ...]  # what may be shown, in order (shown…, merged)
    score_groups: tuple[Group, ...]

    @property
    def withheld_note(self) -> str | None:
        return S.WITHHELD_NOTE.format(k=self.min_votes) if self.withheld else None


@dataclass(frozen=True)
class ScorePart:
    """One group's share in an item score: its mean and its weight after renormalising."""

    label: str
    votes: int
    mean: Fraction
    weight: Fraction          # the group's weight
    share: Fraction           # weight / Σ weights of the groups that voted


@dataclass(frozen=True)
class ItemResult:
    name: str
    votes: Votes
    score: Fraction | None
    parts: tuple[ScorePart, ...]
    weight: Fraction          # u_i, normalised over all items


@dataclass(frozen=True)
class Demotion:
    from_grade: str
    to_grade: str
    cap: str
    limit: int
    tie: bool


@dataclass
class ReporterResult:
    index: int
    reporter: Reporter
    items: tuple[ItemResult, ...]
    rates_from: str             # the item the reporter's rates come from, or "" (pooled)
    votes: Votes                # the votes behind the reporter's rates
    score: Fraction | None
    score_rounded: Fraction | None
    rank: int = 0
    rank_share: Fraction = Fraction(0)
    rule: Rule | None = None
    rule_grade: str | None = None
    grade: str | None = None
    demotions: list[Demotion] = field(default_factory=list)

    @property
    def graded(self) -> bool:
        """False for a reporter without any valid vote (未评定), whatever the rules say."""
        return self.score_rounded is not None

    @property
    def grade_text(self) -> str:
        """The grade as every output shows it: 未评定 without a valid vote, "" without a rule."""
        return self.grade or (UNGRADED if not self.graded else "")

    @property
    def good_rate(self) -> Fraction | None:
        return self.votes.good_rate

    @property
    def excellent_rate(self) -> Fraction | None:
        return self.votes.excellent_rate

    @property
    def poor_rate(self) -> Fraction | None:
        return self.votes.poor_rate

    def metrics(self) -> dict[str, Fraction | None]:
        return {
            S.METRIC_SCORE: self.score_rounded,
            S.METRIC_GOOD_RATE: self.good_rate,
            S.METRIC_EXCELLENT_RATE: self.excellent_rate,
            S.METRIC_POOR_RATE: self.poor_rate,
            S.METRIC_RANK: Fraction(self.rank),
            S.METRIC_RANK_SHARE: self.rank_share,
        }


@dataclass(frozen=True)
class TallyResult:
    book: Book
    accounts: tuple[Account, ...]
    total: Account
    counts: np.ndarray            # int64 (categories, reporters, items, 6)
    anonymity: Anonymity
    reporters: tuple[ReporterResult, ...]
    weighted: bool                # category weights filled

    def column_votes(self, group: Group, reporter: int, item: int) -> Votes:
        return group_votes(self.counts, group, reporter, item)


def group_votes(counts: np.ndarray, group: Group, reporter: int, item: int) -> Votes:
    """The pooled votes of a group's categories on one reporter × item."""
    return Votes.from_array(counts[list(group.categories), reporter, item].sum(axis=0))


# --- counting ------------------------------------------------------------------------
def count_forms(book: Book) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(valid, void, blank) masks over the forms of 评议票."""
    ballots = book.ballots
    assert ballots is not None
    forms, reporters, items = ballots.grades.shape
    grades = ballots.grades.reshape(forms, reporters * items)
    blank = ~ballots.void & ~(grades != S.CODE_BLANK).any(axis=1)
    valid = ~ballots.void & ~blank
    return valid, ballots.void.copy(), blank


def ballot_accounts(book: Book, void: np.ndarray, blank: np.ndarray) -> tuple[Account, ...]:
    ballots = book.ballots
    assert ballots is not None
    n = len(book.categories)
    category = ballots.category

    def per_category(mask: np.ndarray | None) -> list[int]:
        chosen = category if mask is None else category[mask]
        return np.bincount(chosen[chosen >= 0], minlength=n).tolist()

    returned, voids, blanks = per_category(None), per_category(void), per_category(blank)
    return tuple(Account(c.name, c.issued, returned[k], voids[k], blanks[k])
                 for k, c in enumerate(book.categories))


def count_votes(book: Book, valid: np.ndarray) -> np.ndarray:
    """counts[c, r, i, code] over the valid forms: one bincount over the whole array."""
    ballots = book.ballots
    assert ballots is not None
    n_cat, n_rep, n_item = len(book.categories), len(book.reporters), len(book.items)
    grades = ballots.grades[valid].astype(np.int64)
    category = ballots.category[valid].astype(np.int64)
    if grades.size == 0 or n_cat == 0:
        return np.zeros((n_cat, n_rep, n_item, 6), dtype=np.int64)
    cell = np.arange(n_rep * n_item, dtype=np.int64).reshape(n_rep, n_item)
    flat = ((category[:, None, None] * (n_rep * n_item) + cell[None, :, :]) * 6 + grades)
    counts = np.bincount(flat.ravel(), minlength=n_cat * n_rep * n_item * 6)
    return counts.reshape(n_cat, n_rep, n_item, 6)


# --- anonymity -------------------------------------------------------------------------
def normalised_weights(weights: Sequence[Fraction | None]) -> list[Fraction] | None:
    """Weights divided by their sum; None when all are blank (= equal votes)."""
    if not weights or any(w is None for w in weights):
        return None
    total = sum(weights, Fraction(0))  # type: ignore[arg-type]
    if total == 0:
        return None
    return [w / total for w in weights]  # type: ignore[operator]


def decide_anonymity(accounts: Sequence[Account], min_votes: int,
                     weights: Sequence[Fraction] | None) -> Anonymity:
    """Section 3: categories under k valid forms pool into 其他类别（合并）; while the pool
    is under k, the shown category with the fewest forms (the later on a tie) joins it;
    if all together are under k, nothing per category is shown."""
    valid = [a.valid for a in accounts]
    everyone = tuple(range(len(accounts)))
    weight_of = (lambda members: sum((weights[m] for m in members), Fraction(0))) if weights else (
        lambda members: Fraction(1))
    if sum(valid) < min_votes:
        group = Group(S.MERGED_LABEL, everyone, Fraction(1), sum(valid))
        return Anonymity(min_votes, (), (), everyone, (), (group,))
    shown = [k for k in everyone if valid[k] >= min_votes]
    merged = [k for k in everyone if valid[k] < min_votes]
    while merged and sum(valid[k] for k in merged) < min_votes:
        joiner = min(reversed(shown), key=lambda k: valid[k])  # reversed: later wins a tie
        shown.remove(joiner)
        merged.append(joiner)
    merged.sort()
    columns = [Group(accounts[k].name, (k,), weight_of((k,)), valid[k]) for k in shown]
    if merged:
        columns.append(Group(S.MERGED_LABEL, tuple(merged), weight_of(merged), sum(valid[k] for k in merged)))
    if weights is None:
        score_groups = (Group(S.MERGED_LABEL, everyone, Fraction(1), sum(valid)),)
    else:
        score_groups = tuple(columns)
    return Anonymity(min_votes, tuple(shown), tuple(merged), (), tuple(columns), score_groups)


# --- scores ---------------------------------------------------------------------------
def item_score(counts: np.ndarray, reporter: int, item: int, groups: Sequence[Group],
               points: Sequence[Fraction]) -> tuple[Fraction | None, tuple[ScorePart, ...]]:
    """s(r,i) = Σ w_g · mean_g / Σ w_g over the groups with a valid vote on (r, i)."""
    voted = []
    for group in groups:
        votes = group_votes(counts, group, reporter, item)
        if votes.valid:
            voted.append((group, votes))
    total = sum((g.weight for g, _ in voted), Fraction(0))
    if not voted or total == 0:
        return None, ()
    parts = tuple(ScorePart(g.label, v.valid, v.mean_points(points), g.weight, g.weight / total)  # type: ignore[arg-type]
                  for g, v in voted)
    return sum((p.share * p.mean for p in parts), Fraction(0)), parts


def reporter_score(items: Sequence[ItemResult]) -> Fraction | None:
    """S(r) = Σ u_i · s(r,i) / Σ u_i over the items with a score."""
    scored = [i for i in items if i.score is not None]
    total = sum((i.weight for i in scored), Fraction(0))
    if not scored or total == 0:
        return None
    return sum((i.weight * i.score for i in scored), Fraction(0)) / total  # type: ignore[operator]


# --- ranks and grades -----------------------------------------------------------------
def assign_ranks(results: Sequence[ReporterResult]) -> None:
    """By rounded S descending, then 好票率 descending (empty last); equal = equal rank
    (1, 2, 2, 4). Reporters without S rank after everyone, all tied."""
    def key(r: ReporterResult) -> tuple:
        rate = r.excellent_rate
        return (r.score_rounded is None, -(r.score_rounded or 0), rate is None, -(rate or 0))

    keys = [key(r) for r in results]
    n = len(results)
    for r, k in zip(results, keys):
        if r.score_rounded is None:
            r.rank = sum(1 for other in results if other.score_rounded is not None) + 1
        else:
            r.rank = 1 + sum(1 for other in keys if other < k)
        r.rank_share = Fraction(r.rank, n)


def grade_caps(rules: Sequence[Rule], reporters: int) -> dict[str, tuple[int, str]]:
    """The smallest cap among the rules giving each grade: {grade: (limit, how typed)}."""
    caps: dict[str, tuple[int, str]] = {}
    for rule in rules:
        if rule.cap is None:
            continue
        limit = rule.cap.limit(reporters)
        if rule.grade not in caps or limit < caps[rule.grade][0]:
            caps[rule.grade] = (limit, rule.cap.describe())
    return caps


def assign_grades(results: Sequence[ReporterResult], rules: Sequence[Rule]) -> list[Issue]:
    issues: list[Issue] = []
    ordered_rules = sorted(rules, key=lambda rule: rule.order)  # stable: table order on ties
    for result in results:
        if result.score_rounded is None:
            continue    # no valid vote: 未评定 (no rule, not even the blank fallback, grades nobody)
        metrics = result.metrics()
        for rule in ordered_rules:
            if rule.condition is None or rule.condition.holds(metrics):
                result.rule, result.rule_grade, result.grade = rule, rule.grade, rule.grade
                break
        else:
            issues.append(warning("GRADE_NO_RULE", result.reporter.source,
                                  f"{result.reporter.label}不满足任何等次规则，没有等次"))
    caps = grade_caps(rules, len(results))
    for position, grade in enumerate(S.GRADES[:-1]):
        if grade not in caps:
            continue
        limit, typed = caps[grade]
        members = sorted((r for r in results if r.grade == grade), key=lambda r: (r.rank, r.index))
        if len(members) <= limit:
            continue
        cutoff = members[limit].rank
        tie = members[limit - 1].rank == cutoff
        moved = [r for r in members if r.rank >= cutoff] if tie else members[limit:]
        lower = S.GRADES[position + 1]
        for r in moved:
            r.grade = lower
            r.demotions.append(Demotion(grade, lower, typed, limit, tie))
        if tie:
            names = "、".join(r.reporter.label for r in moved if r.rank == cutoff)
            issues.append(warning("GRADE_CAP_TIE", Source(S.SHEET_RULES, None, None),
                                  f"“{grade}”名额上限为{limit}名，但第{cutoff}名并列（{names}），"
                                  f"为不超过名额，并列者一同调整为“{lower}”，请会议研究确认"))
    return issues


# --- the whole count --------------------------------------------------------------------
# Sheets the count does not read: their errors stop what is made from them (rectify,
# notices, mail), not the count itself (when asked: `tally`, `verify`).
FOLLOW_UP_SHEETS = (S.SHEET_COMMENTS, S.SHEET_RECTIFY)


def follow_up_errors(issues: Sequence[Issue]) -> list[Issue]:
    return [i for i in issues if i.is_error and i.source.sheet in FOLLOW_UP_SHEETS]


def tally(book: Book, issues: Sequence[Issue] = (),
          past_follow_up: bool = False) -> tuple[TallyResult | None, list[Issue]]:
    """The count of a checked book. With any error among `issues` there is no result;
    with `past_follow_up`, errors in 点评/整改清单 (which the count does not read) do not
    stop it, and a warning says what they still stop."""
    issues = list(issues)
    follow_up = follow_up_errors(issues) if past_follow_up else []
    if has_errors(i for i in issues if i not in follow_up) or book.ballots is None:
        return None, issues
    if follow_up:
        sheets = "、".join(f"“{name}”" for name in FOLLOW_UP_SHEETS
                          if any(i.source.sheet == name for i in follow_up))
        issues.append(warning("TALLY_FOLLOW_UP_ERRORS", Source(follow_up[0].source.sheet, None, None),
                              f"{sheets}中有 {len(follow_up)} 个错误（见本表）：计票不用这些表，照常计票；"
                              "但改正之前不能生成整改清单、反馈意见通知和邮件", errors=len(follow_up)))
    if not len(book.ballots.rows) and book.totals is None:
        issues.append(error("TALLY_NO_FORMS", Source(book.ballots.sheet, S.BALLOT_HEADER_ROWS, 0),
                            "评议票中还没有录入任何票，无法计票：请先逐张录入收回的评议票"))
        return None, issues
    valid, void, blank = count_forms(book)
    accounts = ballot_accounts(book, void, blank)
    counts = count_votes(book, valid)
    if book.totals is not None:   # 唱票 totals (totals.py): the same arrays, typed per category
        accounts, counts = book.totals.accounts, book.totals.counts
    weights = normalised_weights([c.weight for c in book.categories])
    anonymity = decide_anonymity(accounts, book.params.min_votes, weights)
    points = book.params.points
    item_weights = normalised_weights([i.weight for i in book.items]) or [
        Fraction(1, len(book.items))] * len(book.items)
    overall = book.overall_item
    pooled = counts.sum(axis=0)  # (reporters, items, 6)
    results = []
    for r, reporter in enumerate(book.reporters):
        items = []
        for i, item in enumerate(book.items):
            score, parts = item_score(counts, r, i, anonymity.score_groups, points)
            items.append(ItemResult(item.name, Votes.from_array(pooled[r, i]), score, parts, item_weights[i]))
        score = reporter_score(items)
        if overall is not None:
            rates_from, votes = book.items[overall].name, items[overall].votes
        else:
            rates_from, votes = "", Votes.from_array(pooled[r].sum(axis=0))
        if score is None:
            issues.append(warning("REPORTER_NO_VOTES", reporter.source,
                                  f"{reporter.label}没有任何有效评价，{UNGRADED}：没有得分和等次，排在最后",
                                  reporter=reporter.id))
        results.append(ReporterResult(
            r, reporter, tuple(items), rates_from, votes, score,
            None if score is None else round_half_up(score, book.params.decimals)))
    assign_ranks(results)
    issues.extend(assign_grades(results, book.rules))
    total = Account("合计", None if any(a.issued is None for a in accounts) else sum(a.issued for a in accounts),
                    sum(a.returned for a in accounts), sum(a.void for a in accounts), sum(a.blank for a in accounts))
    return TallyResult(book, accounts, total, counts, anonymity, tuple(results), weights is not None), issues
