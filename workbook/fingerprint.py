"""Fingerprints (TEMPLATE.md section 3): proof that results belong to the ballots.

The ballot fingerprint is the SHA-256 of the normalised forms, one JSON line each:
category, 票号, void flag and every non-blank grade as its word, keyed by 述职人编号
and item name (after the adjudications), the lines sorted by (评议人类别, 票号, row).
Neither row order nor column layout changes it; any changed mark does.

The results fingerprint is the SHA-256 of the figures of `tally --json` (meeting,
ballot account, every reporter's figures and grade, anonymity, adjudications), in a
canonical JSON form, so it can be recomputed from the JSON file itself.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterator

from . import schema as S
from .model import Book

SCHEME = "shuping-v1"
RESULT_KEYS = ("meeting", "ballots", "reporters", "anonymity", "adjudications")
_WORDS = {S.CODE_EXCELLENT: S.GRADES[0], S.CODE_GOOD: S.GRADES[1], S.CODE_FAIR: S.GRADES[2],
          S.CODE_POOR: S.GRADES[3], S.CODE_OVERVOTE: S.OVERVOTE, S.CODE_INVALID: "?"}


def _canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _digest(lines: Iterator[str]) -> str:
    sha = hashlib.sha256()
    for line in lines:
        sha.update(line.encode("utf-8"))
        sha.update(b"\n")
    return "sha256:" + sha.hexdigest()


def ballot_lines(book: Book) -> list[str]:
    """The normalised forms as JSON lines, in fingerprint order."""
    ballots = book.ballots
    if ballots is None:
        return []
    names = [c.name for c in book.categories]
    keyed = []
    for form in range(len(ballots.ballot_ids)):
        category = int(ballots.category[form])
        grades: dict[str, dict[str, str]] = {}
        for (r, i), _ in ballots.columns.items():
            code = int(ballots.grades[form, r, i])
            if code != S.CODE_BLANK:
                grades.setdefault(book.reporters[r].id, {})[book.items[i].name] = _WORDS[code]
        line = _canonical({"类别": names[category] if category >= 0 else "", "票号": ballots.ballot_ids[form],
                           "作废": bool(ballots.void[form]), "评价": grades})
        keyed.append(((names[category] if category >= 0 else "", ballots.ballot_ids[form],
                       int(ballots.rows[form])), line))
    return [line for _, line in sorted(keyed)]


def ballots_fingerprint(book: Book) -> str:
    return _digest(iter([_canonical({"scheme": SCHEME}), *ballot_lines(book)]))


def results_fingerprint(data: dict[str, Any]) -> str:
    """Of a `tally --json` dictionary (or one read back from its file)."""
    return _digest(iter([_canonical({"scheme": SCHEME}), _canonical({k: data.get(k) for k in RESULT_KEYS})]))


def short(fingerprint: str) -> str:
    """The first 16 hex digits, for a human to compare at a glance."""
    return fingerprint.split(":", 1)[-1][:16]


# Custom document properties of every workbook written from a count.
PROPERTY_BALLOTS = "shuping 票据指纹"
PROPERTY_RESULTS = "shuping 结果指纹"


def fingerprint_properties(fingerprints: dict[str, str]) -> dict[str, str]:
    return {PROPERTY_BALLOTS: fingerprints["ballots"], PROPERTY_RESULTS: fingerprints["results"]}
