"""Results as plain data: the `tally --json` shape (TEMPLATE.md section 6) and text rows.

Exact fractions become floats only here, at the edge. Per-category vote figures appear
only for the columns the anonymity rule allows.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

from . import schema as S
from .fingerprint import SCHEME, ballots_fingerprint, results_fingerprint
from .issues import Issue, issue_to_json
from .normalize import format_fixed
from .tally import Account, TallyResult, Votes


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def account_json(account: Account) -> dict[str, Any]:
    return {"issued": account.issued, "returned": account.returned, "valid": account.valid,
            "blank": account.blank, "void": account.void}


def votes_json(votes: Votes) -> dict[str, Any]:
    return {
        S.GRADE_EXCELLENT: votes.excellent, S.GRADE_GOOD: votes.good, S.GRADE_FAIR: votes.fair,
        S.GRADE_POOR: votes.poor, "abstain": votes.abstain, "overvote": votes.overvote,
        "valid": votes.valid, "good_rate": _float(votes.good_rate),
        "excellent_rate": _float(votes.excellent_rate), "poor_rate": _float(votes.poor_rate),
    }


def anonymity_json(result: TallyResult) -> dict[str, Any]:
    anonymity = result.anonymity
    names = [c.name for c in result.book.categories]
    points = result.book.params.points
    figures = {}
    for column in anonymity.columns:
        reporters = {}
        for r, reporter in enumerate(result.book.reporters):
            per_item = {}
            for i, item in enumerate(result.book.items):
                votes = result.column_votes(column, r, i)
                per_item[item.name] = {**votes_json(votes), "mean_points": _float(votes.mean_points(points))}
            reporters[reporter.id] = per_item
        figures[column.label] = {"categories": [names[k] for k in column.categories],
                                 "valid_forms": column.valid_forms, "reporters": reporters}
    return {
        "min_votes": anonymity.min_votes,
        "shown": [names[k] for k in anonymity.shown],
        "merged": [names[k] for k in anonymity.merged],
        "merged_label": S.MERGED_LABEL,
        "withheld": [names[k] for k in anonymity.withheld],
        "withheld_note": anonymity.withheld_note,
        "score_groups": [{"categories": [names[k] for k in g.categories], "weight": float(g.weight)}
                         for g in anonymity.score_groups],
        "figures": figures,
    }


def result_json(result: TallyResult, issues: Sequence[Issue]) -> dict[str, Any]:
    book = result.book
    reporters = []
    for r in result.reporters:
        items = {}
        for item in r.items:
            items[item.name] = {**votes_json(item.votes), "score": _float(item.score)}
        reporters.append({
            "id": r.reporter.id, "organization": r.reporter.organization, "name": r.reporter.name,
            "items": items,
            "good_rate": _float(r.good_rate), "excellent_rate": _float(r.excellent_rate),
            "poor_rate": _float(r.poor_rate),
            "score": _float(r.score), "score_rounded": _float(r.score_rounded),
            "rank": r.rank, "grade": r.grade, "graded": r.graded, "grade_text": r.grade_text,
            "why": {
                "rule_row": None if r.rule is None else r.rule.source.row + 1,
                "rule_order": None if r.rule is None else order_text(r.rule.order),
                "rule": None if r.rule is None else (r.rule.condition_text or "（无条件）"),
                "rule_grade": r.rule_grade,
                "demotions": [{"from": d.from_grade, "to": d.to_grade, "cap": d.cap, "limit": d.limit,
                               "tie": d.tie} for d in r.demotions],
                "score_parts": {item.name: [{"group": p.label, "votes": p.votes, "mean": float(p.mean),
                                             "weight": float(p.weight), "share": float(p.share)}
                                            for p in item.parts] for item in r.items},
            },
        })
    data = {
        "meeting": {"title": book.meeting.title, "year": book.meeting.year},
        "ballots": {**account_json(result.total),
                    "by_category": {a.name: account_json(a) for a in result.accounts}},
        "reporters": reporters,
        "issues": [issue_to_json(i) for i in issues],
        "anonymity": anonymity_json(result),
        "adjudications": [adjudication_json(d) for d in book.adjudicated],
    }
    data["fingerprints"] = {"scheme": SCHEME, "ballots": ballots_fingerprint(book),
                            "results": results_fingerprint(data)}
    return data


def adjudication_json(decision) -> dict[str, Any]:
    return {"ballot_id": decision.ballot_id, "category": decision.category, "cell": decision.cell,
            "reporter": decision.reporter, "item": decision.item, "typed": decision.typed,
            "decision": decision.decision, "reason": decision.reason, "scrutineer": decision.scrutineer,
            "row": decision.source.row + 1}


def percent(value: Fraction | None, places: int = 1) -> str:
    return "" if value is None else format_fixed(value * 100, places) + "%"


def score_text(value: Fraction | None, places: int) -> str:
    return "" if value is None else format_fixed(value, places)


def order_text(order: Fraction) -> str:
    """A rule's 顺序 as typed: 3, 2.5 (never 5/2)."""
    return str(order.numerator) if order.denominator == 1 else f"{float(order):g}"


def ranking_rows(result: TallyResult) -> list[list[str]]:
    """The compact table `tally` prints: 排名, 编号, 姓名, 党组织, 得分, 好评率, 等次."""
    places = result.book.params.decimals
    rows = []
    for r in sorted(result.reporters, key=lambda r: (r.rank, r.index)):
        grade = r.grade_text or "—"
        for d in r.demotions:     # a grade moved by a cap says why, right where it is read
            grade += f"（“{d.from_grade}”名额上限{d.cap}，超出名额调整）"
        rows.append([str(r.rank), r.reporter.id, r.reporter.name, r.reporter.organization,
                     score_text(r.score_rounded, places), percent(r.good_rate), grade])
    return rows
