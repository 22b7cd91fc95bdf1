"""E-mail distribution: who gets which papers, the messages, and the send log.

Need-to-know: a reporter's mail carries only that reporter's own notice (found by the
reporter's 编号 in the notices' manifest record, never by a file-name prefix); 领导抄送
gets the summary workbook and the bulletin. Each message has a stable key (whose it is)
and the SHA-256 of every attachment; the send log (one JSON line per event; kept per
meeting by `io/sendlog.py`) says of each key whether it was accepted, failed, or is in
doubt (logged "sending" and never answered — SMTP cannot tell whether it arrived).
This module only decides; it writes no file.
"""
from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from email.message import Message
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Sequence

from . import schema as S

class State(str, enum.Enum):
    """What the send log says of one message (the value is what the log's JSON holds)."""
    SENDING = "sending"          # logged before DATA; alone, it means "in doubt"
    ACCEPTED = "accepted"        # the server answered 250 to DATA
    FAILED = "failed"            # refused, or the line dropped before DATA: surely not sent
    DRAFT = "draft"

    def __str__(self) -> str:
        return self.value


STATE_WORDS = {State.ACCEPTED: "✓ 已发送", State.FAILED: "✗ 发送失败", State.SENDING: "？无法确认是否送达"}
STATE_SENDING, STATE_ACCEPTED, STATE_FAILED, STATE_DRAFT = State.SENDING, State.ACCEPTED, State.FAILED, State.DRAFT
LOG_FILE = "发送记录.jsonl"      # the copy in the output folder, for the clerk to read
OUTBOX = "发件箱"
LEADERS_KEY = "leaders"
_FIELD = re.compile(r"\{(\w+)\}")
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
DEFAULT_SUBJECT = "{会议名称}反馈意见（{党组织}）"
DEFAULT_BODY = "{姓名}同志：\n\n附件是{会议名称}对您的评议反馈意见，请查收，并于{整改时限}前完成整改。\n"
LEADERS_SUBJECT = "{会议名称}计票结果"
LEADERS_BODY = "领导：\n\n附件是{会议名称}的计票汇总表和结果通报，请审阅。\n"


def fill(template: str, fields: dict[str, str]) -> str:
    """{姓名} and the like replaced; anything else left as typed (no eval, no format())."""
    return _FIELD.sub(lambda m: fields.get(m.group(1), m.group(0)), template)


def valid_address(text: str) -> bool:
    return bool(_EMAIL.match(text.strip()))


def split_addresses(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;；,，\s]+", text or "") if part.strip()]


def address_key(text: str) -> str:
    """One mailbox, however typed: full-width folded (NFKC), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def shared_addresses(reporters: Sequence, leaders: Sequence[str]) -> dict[str, list[str]]:
    """编号 -> who else has that reporter's mailbox (other reporters by "编号 姓名", and
    "领导抄送"), for each reporter whose 电子邮箱 is not theirs alone."""
    owners: dict[str, list[str]] = {}
    for reporter in reporters:
        key = address_key(reporter.email or "")
        if key:
            owners.setdefault(key, []).append(reporter.id)
    leader_keys = {address_key(a) for a in leaders if address_key(a)}
    labels = {r.id: r.label for r in reporters}
    shared: dict[str, list[str]] = {}
    for reporter in reporters:
        key = address_key(reporter.email or "")
        if not key:
            continue
        others = [labels[i] for i in owners[key] if i != reporter.id]
        if key in leader_keys:
            others.append("领导抄送")
        if others:
            shared[reporter.id] = list(dict.fromkeys(others))
    return shared


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Outgoing:
    key: str                                # "reporter:01" or "leaders"
    label: str                              # who, in words
    to: list[str]
    subject: str
    body: str
    attachments: list[Path]
    problem: str = ""                       # why it cannot be sent (a bad address …)
    draft_name: str = ""                    # the --dry-run draft's file name, without .eml (Chinese)

    @cached_property
    def digests(self) -> dict[str, str]:
        """Hashed once per run: the decision, the "sending" and the answer lines all use it."""
        return {p.name: digest(p) for p in self.attachments}


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int | None
    encryption: str
    sender: str
    user: str
    password_env: str
    leaders: list[str]
    subject: str
    body: str

    @classmethod
    def from_book(cls, mail: dict[str, Any]) -> "MailSettings":
        def text(key: str) -> str:
            value = mail.get(key)
            return "" if value is None else str(value).strip()

        port = mail.get(S.MAIL_PORT)
        try:
            port = int(port) if port not in (None, "") else None
        except (TypeError, ValueError):
            port = None
        encryption = text(S.MAIL_ENCRYPTION).upper() or "SSL"
        return cls(text(S.MAIL_SERVER), port, "无" if encryption == "无" else encryption, text(S.MAIL_SENDER),
                   text(S.MAIL_USER), text(S.MAIL_PASSWORD_ENV), split_addresses(text(S.MAIL_LEADERS)),
                   text(S.MAIL_SUBJECT) or DEFAULT_SUBJECT, text(S.MAIL_BODY) or DEFAULT_BODY)

    @property
    def default_port(self) -> int:
        return self.port or {"SSL": 465, "STARTTLS": 587}.get(self.encryption, 25)


def plan_messages(book, papers: dict[str, Sequence[Path]], summary: Path | None, bulletin: Path | None,
                  settings: MailSettings, deadline: str, only: Sequence[str] = (),
                  leaders: bool = True, allow_shared: bool = False) -> list[Outgoing]:
    """One message per reporter (their own papers only: `papers` maps a reporter's 编号 to
    the files made for that reporter, from the notices' manifest) and one to 领导抄送.
    A reporter whose mailbox is also another reporter's or a leader's is not sent to
    unless `allow_shared` (the clerk said it is one person's mailbox)."""
    title = book.meeting.shown_title
    messages = []
    shared = {} if allow_shared else shared_addresses(book.reporters, settings.leaders)
    for reporter in book.reporters:
        if only and reporter.id not in only:
            continue
        fields = {"姓名": reporter.name, "党组织": reporter.organization, "会议名称": title, "整改时限": deadline,
                  "编号": reporter.id}
        attachments = [p for p in papers.get(reporter.id, ()) if p.exists()]
        address = (reporter.email or "").strip()
        problem = ""
        if not address:
            problem = "“述职人”表中没有填写电子邮箱"
        elif not valid_address(address):
            problem = f"电子邮箱“{address}”格式不正确"
        elif reporter.id in shared:
            problem = (f"电子邮箱“{address}”也是{'、'.join(shared[reporter.id])}的邮箱：为免把反馈意见发给别人，"
                       "不发送；确是同一邮箱请加 --allow-shared-address")
        elif not attachments:
            problem = "没有找到该述职人的反馈意见文件"
        messages.append(Outgoing(f"reporter:{reporter.id}", reporter.label, [address] if address else [],
                                 fill(settings.subject, fields), fill(settings.body, fields), attachments, problem,
                                 draft_name=f"{reporter.id}_{reporter.organization}_{reporter.name}"))
    if leaders and settings.leaders:
        fields = {"姓名": "", "党组织": "", "会议名称": title, "整改时限": deadline, "编号": ""}
        attachments = [p for p in (summary, bulletin) if p is not None and p.exists()]
        bad = [a for a in settings.leaders if not valid_address(a)]
        messages.append(Outgoing(LEADERS_KEY, "领导抄送", settings.leaders, fill(LEADERS_SUBJECT, fields),
                                 fill(LEADERS_BODY, fields), attachments,
                                 f"领导抄送中的地址格式不正确：{'、'.join(bad)}" if bad else
                                 ("" if attachments else "没有找到计票汇总表或结果通报"),
                                 draft_name="领导抄送"))
    return messages


def build_email(message: Outgoing, sender: str, draft: bool = False) -> Message:
    """The MIME message: UTF-8 subject and body, attachments named per RFC 2231 in both
    Content-Disposition and Content-Type (Outlook reads one, Foxmail the other), a
    Message-ID and a Date. Built with email.mime (compat32): the newer policy folds a
    long Content-Type with a Chinese name into an invalid header."""
    from email import encoders
    from email.header import Header
    from email.mime.base import MIMEBase
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    email = MIMEMultipart()
    name, address = parseaddr(sender)
    email["From"] = formataddr((str(Header(name, "utf-8")), address)) if name else address
    email["To"] = ", ".join(message.to)
    email["Subject"] = Header(message.subject, "utf-8")
    email["Date"] = formatdate(localtime=True)
    domain = address.rsplit("@", 1)[-1] if "@" in address else None
    email["Message-ID"] = make_msgid(domain=domain)
    if draft:
        email["X-Unsent"] = "1"
    email.attach(MIMEText(message.body, "plain", "utf-8"))
    for path in message.attachments:
        maintype, subtype = _mime_type(path)
        part = MIMEBase(maintype, subtype)
        part.set_payload(path.read_bytes())
        encoders.encode_base64(part)
        part.set_param("name", ("utf-8", "", path.name))
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", path.name))
        email.attach(part)
    return email


def as_wire_bytes(email: Message) -> bytes:
    """The message with CRLF line ends, as SMTP (and Outlook's .eml) want them: smtplib
    sends bytes as they are, and a server reads a LF-only message as one endless line."""
    from email.policy import compat32

    return email.as_bytes(policy=compat32.clone(linesep="\r\n"))


def _mime_type(path: Path) -> tuple[str, str]:
    return {
        ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ".pdf": ("application", "pdf"),
    }.get(path.suffix.lower(), ("application", "octet-stream"))


# --- the send log -------------------------------------------------------------------------------
@dataclass
class LogEntry:
    key: str
    state: str
    time: str
    to: list[str]
    subject: str
    attachments: dict[str, str]
    answer: str = ""
    workbook: str = ""          # the file name the run was made from (a copy's name differs)


@dataclass
class SendLog:
    """The entries of one meeting's send log (read and appended by io/sendlog.py)."""
    path: Path
    entries: list[LogEntry] = field(default_factory=list)

    def last(self, key: str) -> LogEntry | None:
        found = [e for e in self.entries if e.key == key and e.state != State.DRAFT]
        return found[-1] if found else None


class Decision(str, enum.Enum):
    """What to do with a message, given the log."""
    SEND = "send"
    SKIP_SENT = "sent"
    SKIP_CHANGED = "changed"
    SKIP_IN_DOUBT = "in doubt"
    SKIP_PROBLEM = "problem"

    def __str__(self) -> str:
        return self.value


SEND, SKIP_SENT, SKIP_CHANGED = Decision.SEND, Decision.SKIP_SENT, Decision.SKIP_CHANGED
SKIP_IN_DOUBT, SKIP_PROBLEM = Decision.SKIP_IN_DOUBT, Decision.SKIP_PROBLEM
HELD = (Decision.SKIP_CHANGED, Decision.SKIP_IN_DOUBT, Decision.SKIP_PROBLEM)
DECISION_WORDS = {SEND: "待发送", SKIP_SENT: "已发送过，跳过", SKIP_CHANGED: "已发送过，但附件已变化（需 --resend 才重发）",
                  SKIP_IN_DOUBT: "上次发送中断，无法确认是否送达（需 --resend 才重发）", SKIP_PROBLEM: "无法发送"}


def decide(message: Outgoing, log: SendLog, resend: bool) -> Decision:
    if message.problem:
        return SKIP_PROBLEM
    last = log.last(message.key)
    if last is None or last.state == State.FAILED:
        return SEND
    if last.state == State.SENDING:
        return SEND if resend else SKIP_IN_DOUBT
    if last.attachments != message.digests or last.to != message.to:
        return SEND if resend else SKIP_CHANGED
    return SKIP_SENT
