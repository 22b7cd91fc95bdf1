"""Mail: what goes to whom, drafts, sending once, the password."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import schema as S
from ..errors import OutputError
from ..issues import Issue
from ..tally import tally
from ..io.book import load_book
from .common import output_dir
from .count import run_tally
from .documents import run_notices


@dataclass
class MailPlan:
    settings: Any                          # mail.MailSettings
    messages: list                         # mail.Outgoing
    decisions: dict[str, str]              # key -> mail.SEND / SKIP_*
    log: Any                               # mail.SendLog
    folder: Path
    issues: list[Issue] = field(default_factory=list)
    made: list[str] = field(default_factory=list)     # outputs made because missing or stale
    review: list = field(default_factory=list)        # review.Doubt: the pre-issue review of the papers

    @property
    def to_send(self) -> list:
        from ..mail import SEND

        return [m for m in self.messages if self.decisions[m.key] == SEND]


def _stale(paths: list[Path], source: Path) -> bool:
    return not paths or any(not p.exists() or p.stat().st_mtime < source.stat().st_mtime for p in paths)


def plan_mail(path: str | os.PathLike, only: list[str] = (), to_leaders: bool = False,
              resend: bool = False, dry_run: bool = False) -> MailPlan:
    """What would be sent to whom, from outputs made now when missing or stale."""
    from ..mail import LOG_FILE, MailSettings, SendLog, decide, plan_messages
    from ..notices import gongwen_date
    from ..progress import meeting_start

    path = Path(path)
    book, issues = load_book(path)
    result, issues = tally(book, issues)      # nothing goes out for a workbook that cannot be counted
    settings = MailSettings.from_book(book.mail)
    folder = output_dir(path)
    plan = MailPlan(settings, [], {}, SendLog.read(folder / LOG_FILE), folder,
                    [i for i in issues if i.is_error])
    if plan.issues:
        return plan
    from ..review import review_papers

    plan.review = review_papers(result)
    from ..issues import Source, error

    if not settings.sender:
        plan.issues.append(error("MAIL_NO_SENDER", Source(S.SHEET_MAIL), "“邮件设置”中没有填写发件人"))
    if not dry_run and not settings.server:
        plan.issues.append(error("MAIL_NO_SERVER", Source(S.SHEET_MAIL), "“邮件设置”中没有填写 SMTP服务器"))
    if plan.issues:
        return plan
    summary, bulletin = folder / S.SUMMARY_WORKBOOK, folder / S.BULLETIN_DOCUMENT
    notices = sorted((folder / S.NOTICES_FOLDER).glob("*.docx")) if (folder / S.NOTICES_FOLDER).is_dir() else []
    if _stale([summary], path):
        run_tally(path)
        plan.made.append(S.SUMMARY_WORKBOOK)
    if _stale([bulletin, *notices], path) or len(notices) < len(book.reporters):
        made = run_notices(path)
        notices = made.notices
        plan.made.append("反馈意见和结果通报")
    start = meeting_start(book)
    deadline = (gongwen_date(start + _dt.timedelta(days=book.meeting.deadline_days))
                if start and book.meeting.deadline_days is not None else "规定时限")
    plan.messages = plan_messages(book, notices, summary, bulletin, settings, deadline, only,
                                  leaders=to_leaders or not only)
    plan.decisions = {m.key: decide(m, plan.log, resend) for m in plan.messages}
    return plan


def write_drafts(plan: MailPlan) -> list[Path]:
    """--dry-run: every message that would be sent as an .eml with X-Unsent: 1 in 发件箱/."""
    from ..io.atomic import atomic_write_bytes
    from ..io.delivery import safe_name
    from ..mail import OUTBOX, as_wire_bytes, build_email

    made = []
    for message in plan.to_send:
        email = build_email(message, plan.settings.sender, draft=True)
        name = safe_name(f"{message.key.replace(':', '_')}_{message.label}.eml")
        made.append(atomic_write_bytes(plan.folder / OUTBOX / name, as_wire_bytes(email)))
    return made


@dataclass
class SendResult:
    message: Any
    state: str
    answer: str


def send_planned(plan: MailPlan, password: str | None,
                 progress: Callable[[str], None] | None = None) -> list[SendResult]:
    """Send what the plan says, logging "sending" before and the answer after each."""
    from ..io.atomic import fault_point
    from ..io.mailer import Mailer
    from ..mail import STATE_FAILED, build_email

    step = progress or (lambda message: None)
    mailer = Mailer(plan.settings, password)
    results = []
    try:
        mailer.open()
        for message in plan.to_send:
            step(f"正在发送：{message.label}")
            email = build_email(message, plan.settings.sender)
            plan.log.write(message, "sending")
            try:
                state, answer = mailer.send(email, plan.settings.sender, message.to)
            except OutputError as exc:       # the reconnect for this message failed
                state, answer = STATE_FAILED, str(exc)
            fault_point("mail-sending")
            if state != "sending":
                plan.log.write(message, state, answer)
            results.append(SendResult(message, state, answer))
    finally:
        mailer.close()
    return results


def mail_password(settings: Any, interactive: bool, ask_to_store: Callable[[], bool] | None = None) -> str | None:
    """From the environment variable named in 邮件设置, else the OS keyring, else asked once
    (never echoed) and, with the clerk's consent, kept in the keyring. Never written to a file."""
    if not settings.user:
        return None
    if settings.password_env and os.environ.get(settings.password_env):
        return os.environ[settings.password_env]
    service, account = "shuping", f"{settings.user}@{settings.server}"
    try:
        import keyring
    except ImportError:
        keyring = None
    if keyring is not None:
        try:
            stored = keyring.get_password(service, account)
            if stored:
                return stored
        except Exception:   # no usable keyring backend on this machine
            keyring = None
    if not interactive:
        raise OutputError(f"没有找到邮箱密码：请设置环境变量 {settings.password_env or '（邮件设置中的密码环境变量）'}"
                          "，或在有人值守时运行以便输入密码")
    import getpass

    password = getpass.getpass(f"请输入 {settings.user} 的邮箱密码（不显示）：")
    if keyring is not None and ask_to_store is not None and ask_to_store():
        try:
            keyring.set_password(service, account, password)
        except Exception:
            pass
    return password
