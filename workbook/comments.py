"""The chair's comments: splitting 存在问题 into single problems, and reading a speech.

`split_problems` is TEMPLATE.md section 3's rule. `parse_speech` recognises how a 述职评议
speech is built (the seeds): "请……同志述职。" opens a reporter's block, "（述职毕）" closes
the report, then the comment — achievements (often after "点评："), a paragraph opening
with 存在 (存在的不足是：/存在的主要问题是：…), a paragraph opening with 希望. `match_blocks`
finds each block's 述职人 by organisation or name, never by guessing: names are often
masked (**), so a block that fits several reporters is settled by the order of
speaking, and said so; one that fits none is reported.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

from .model import Reporter

# --- splitting 存在问题 ---------------------------------------------------------------------
_DIGITS = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_SENTENCE_END = re.compile(r"(?<=[。；！？;!?])|(?<=\.)(?!\d)")
_TRIM = " \t\r\n\u3000"
_JOINERS = "；;，,、"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一: the ordinals of 一是、二是…"""
    if n <= 10:
        return _DIGITS[n - 1] if n < 10 else "十"
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens - 1]) + "十" + (_DIGITS[units - 1] if units else "")


def _marker_patterns(n: int) -> list[re.Pattern]:
    """The spellings of the n-th marker, one family per list position."""
    return [
        re.compile(re.escape(chinese_number(n)) + "是"),
        re.compile(rf"[（(]{n}[）)]"),
        re.compile(rf"(?<![\d.]){n}\s*[、.．](?!\d)"),
        re.compile(re.escape(_CIRCLED[n - 1])) if n <= len(_CIRCLED) else re.compile(r"(?!x)x"),
    ]


def _find_markers(text: str) -> list[tuple[int, int]]:
    """(start, end) of the markers 1, 2, 3… of the family with the most of them in
    sequence (each found after the previous one), so "统一是" or "2021年" do not cut."""
    best: list[tuple[int, int]] = []
    for family in range(4):
        found: list[tuple[int, int]] = []
        position = 0
        for n in range(1, 60):
            match = _marker_patterns(n)[family].search(text, position)
            if match is None:
                break
            found.append((match.start(), match.end()))
            position = match.end()
        if len(found) > len(best) or (len(found) == len(best) and found and found[0][0] < best[0][0]):
            best = found
    return best


def drop_lead_in(text: str) -> str:
    """"存在的不足是：……" -> "……": the part before the first colon, when it names 不足 or 问题."""
    match = re.search(r"[：:]", text)
    if match and re.search(r"不足|问题", text[:match.start()]) and len(text[:match.start()]) <= 20:
        return text[match.end():]
    return text


def _clean_piece(piece: str) -> str:
    """Trim spaces and the joiner before the next item ("；", "，"); a full stop stays."""
    return piece.strip(_TRIM).rstrip(_JOINERS).strip(_TRIM)


def split_problems(text: str) -> list[str]:
    """Single problems of a 存在问题 text (TEMPLATE.md section 3)."""
    body = drop_lead_in((text or "").strip(_TRIM))
    markers = _find_markers(body)
    if len(markers) == 1 and body[:markers[0][0]].strip(_TRIM):
        markers = []   # one "一是" inside a sentence ("统一是…") is no list
    if markers:
        pieces = [body[:markers[0][0]]]
        pieces += [body[end:(markers[k + 1][0] if k + 1 < len(markers) else len(body))]
                   for k, (_, end) in enumerate(markers)]
        return [p for p in map(_clean_piece, pieces) if p.strip("。.；;，,、：: ")]
    lines = [line for line in re.split(r"[\r\n]+", body) if line.strip(_TRIM)]
    if len(lines) > 1:
        return [p for p in map(_clean_piece, lines) if p]
    return [p for p in map(_clean_piece, _SENTENCE_END.split(body)) if p.strip("。.；;，,、")]


def problem_key(text: str) -> str:
    """A problem compared across runs: its text with all spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# --- reading a speech ---------------------------------------------------------------------------
_BLOCK_START = re.compile(r"请(?P<who>[^，。：；,;:!?！？]{1,40}?)同志(?:进行)?述职")
_REPORT_DONE = re.compile(r"述职毕")
_AGENDA = re.compile(r"^(下面|接下来|最后|同志们)|议程|讲话毕|会议总结|休会|散会|闭会|会议到此结束")
_NO_WORDS = re.compile(r"^[\W_]*$")    # "………", "——": no text of its own
_ORG_SUFFIX = re.compile(r".*(?:党工委|党委|工委|党总支|总支|党支部|支部|党组|委员会)")
_ROLE = re.compile(r"^(?:副?书记|主任|局长|镇长|乡长|主席|院长|校长|经理|董事长)+")
_MASK = re.compile(r"[*＊]+")


@dataclass
class SpeechBlock:
    """One reporter's part of a speech, as found."""

    line: int                 # 1-based line of "请……同志述职"
    who: str                  # the text between 请 and 同志
    organization: str         # as spoken, ** masks kept
    name: str
    achievements: str = ""
    problems: str = ""
    expectations: str = ""


def _split_who(who: str) -> tuple[str, str]:
    """"公安分局党委书记**" -> ("公安分局党委", "**"); "**镇党委黄**" -> ("**镇党委", "黄**")."""
    who = who.strip(_TRIM)
    match = _ORG_SUFFIX.match(who)
    if not match:
        return "", _ROLE.sub("", who)
    return match.group(0), _ROLE.sub("", who[match.end():]).strip(_TRIM)


def _paragraphs(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip(_TRIM)) for n, line in enumerate(text.splitlines(), start=1) if line.strip(_TRIM)]


def parse_speech(text: str) -> list[SpeechBlock]:
    """Every "请……同志述职" block with its comment parts, in speaking order."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    paragraphs = _paragraphs(text)
    blocks: list[SpeechBlock] = []
    current: SpeechBlock | None = None
    part = ""
    for number, paragraph in paragraphs:
        start = _BLOCK_START.search(paragraph)
        if start and len(paragraph) <= 60:
            organization, name = _split_who(start.group("who"))
            current = SpeechBlock(number, start.group("who"), organization, name)
            blocks.append(current)
            part = "achievements"
            continue
        if current is None or not part:
            continue
        if _REPORT_DONE.search(paragraph) and len(paragraph) <= 20:
            continue
        if _NO_WORDS.match(paragraph):
            continue
        if paragraph.startswith("存在"):
            part = "problems"
        elif paragraph.startswith("希望"):
            part = "expectations"
        elif _AGENDA.search(paragraph) and len(paragraph) <= 80:
            part = ""  # the comment is over; what follows is the next agenda item
            continue
        # a paragraph after the 希望 one ("希望……同志：" then 一要…/二要…) continues it, up to
        # the next block or agenda item: never dropped
        if part == "achievements":
            paragraph = re.sub(r"^点评[：:]", "", paragraph).strip(_TRIM)
        previous = getattr(current, part)
        setattr(current, part, f"{previous}\n{paragraph}" if previous else paragraph)
    return blocks


# Excel holds at most 32,767 characters in a cell: a longer part is refused, never cut.
EXCEL_CELL_LIMIT = 32_767
PART_LABELS = (("achievements", "主要成绩"), ("problems", "存在问题"), ("expectations", "希望要求"))


def overlong_parts(texts: Sequence[str]) -> list[tuple[str, int]]:
    """(label, length) of each of 主要成绩/存在问题/希望要求 longer than a cell holds."""
    return [(label, len(text)) for (_, label), text in zip(PART_LABELS, texts)
            if text and len(text) > EXCEL_CELL_LIMIT]


# --- matching blocks to 述职人 ---------------------------------------------------------------------
@dataclass
class BlockMatch:
    block: SpeechBlock
    reporter: Reporter | None
    how: str                  # "党组织" / "姓名" / "顺序" / "" when unmatched
    candidates: list[Reporter] = field(default_factory=list)
    spoken_name: str = ""     # the name as spoken when it is not the 述职人's (a warning, never silent)
    unmasked: int = 0         # masked names in the block's text replaced by the reporter's name


_MASKED_PERSON = re.compile(r"(?P<surname>[\u4e00-\u9fff]?)(?P<mask>[*＊]+|×{2,}|某某|[Xx]{2,})(?=同志|书记)")


def fill_masked_names(text: str, name: str) -> tuple[str, int]:
    """"希望**同志…" -> "希望刘芳同志…", "刘**同志" -> "刘芳同志": a masked or placeholder
    name where a person is meant (before 同志/书记) becomes the reporter's; (text, count)."""
    if not text or not name:
        return text, 0

    def replace(match: re.Match) -> str:
        surname = match["surname"]
        return name if surname and surname == name[0] else surname + name

    return _MASKED_PERSON.subn(replace, text)


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _pattern(spoken: str) -> re.Pattern | None:
    """A masked name or organisation as a pattern: ** stands for any text."""
    spoken = _norm(spoken)
    if not _MASK.sub("", spoken):
        return None
    return re.compile(".*".join(re.escape(piece) for piece in _MASK.split(spoken)))


def _by_organization(block: SpeechBlock, reporters: Sequence[Reporter]) -> list[Reporter]:
    pattern = _pattern(block.organization)
    if pattern is None:
        return []
    exact = [r for r in reporters if _norm(r.organization) == _norm(block.organization)]
    if exact:
        return exact
    masked = _MASK.search(block.organization) is not None
    return [r for r in reporters
            if (pattern.fullmatch(_norm(r.organization)) if masked else pattern.search(_norm(r.organization)))]


def _by_name(block: SpeechBlock, reporters: Sequence[Reporter]) -> list[Reporter]:
    pattern = _pattern(block.name)
    if pattern is None:
        return []
    return [r for r in reporters if pattern.fullmatch(_norm(r.name))]


def match_blocks(blocks: Sequence[SpeechBlock], reporters: Sequence[Reporter]) -> list[BlockMatch]:
    matches: list[BlockMatch] = []
    taken: set[str] = set()
    last = -1
    position = {r.id: k for k, r in enumerate(reporters)}
    for block in blocks:
        by_org = _by_organization(block, reporters)
        by_name = _by_name(block, reporters)
        if by_org and by_name:
            both = [r for r in by_org if r in by_name]
            candidates, how = (both, "党组织和姓名") if both else (by_org, "党组织")
        elif by_org or by_name:
            candidates, how = (by_org, "党组织") if by_org else (by_name, "姓名")
        else:
            matches.append(BlockMatch(block, None, ""))
            continue
        free = [r for r in candidates if r.id not in taken] or candidates
        if len(free) == 1:
            chosen = free[0]
        else:
            after = [r for r in free if position[r.id] > last]
            chosen, how = (after or free)[0], "顺序"
        taken.add(chosen.id)
        last = position[chosen.id]
        spoken = _norm(block.name)
        differs = spoken if spoken and not _MASK.search(spoken) and spoken != _norm(chosen.name) else ""
        matches.append(BlockMatch(block, chosen, how, candidates, differs))
    return matches


def describe_match(match) -> str:
    """One matched (or unmatched) speech block in words, as every door shows it."""
    block = match.block
    spoken = f"第 {block.line} 行“请{block.who}同志述职”"
    if match.reporter is None:
        return f"✗ {spoken}：与“述职人”表中的任何人都对不上（党组织、姓名均不符），未导入，请在“点评”中手工录入"
    how = {"顺序": "按述职顺序"}.get(match.how, f"按{match.how}")
    line = f"✓ {spoken} → {match.reporter.id} {match.reporter.name}（{how}匹配）"
    if match.how == "顺序":
        others = "、".join(f"{r.id} {r.name}" for r in match.candidates)
        line += f"，请核对：符合“{block.organization or block.name}”的有 {others}"
    if match.spoken_name:
        line += (f"\n  ⚠ 警告：讲话稿中的姓名“{match.spoken_name}”与述职人“{match.reporter.name}”不同，"
                 f"请核对是否对应正确（“述职人”表或讲话稿有误时请改正）")
    if match.unmasked:
        line += f"\n  · 点评中 {match.unmasked} 处遮掩的姓名（如“**同志”）已换成“{match.reporter.name}同志”"
    return line
