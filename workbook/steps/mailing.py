"""Mail: what goes to whom, drafts, sending once, the password."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .. import schema as S
from ..errors import OutputError
from ..issues import Issue
from ..tally import tally
from ..io.book import load_book
from .common import output_dir


@dataclass
class MailPlan:
    settings: Any                          # mail.MailSettings
    messages: list                         # mail.Outgoing
    decisions: dict[str, Any]              # key -> mail.Decision
    log: Any                               # mail.SendLog (the meeting's)
    folder: Path
    issues: list[Issue] = field(default_factory=list)
    made: list[str] = field(default_factory=list)     # papers never made, made by a dry run (said so)
    review: list = field(default_factory=list)        # review.Doubt: the pre-issue review of the papers
    stale: list[str] = field(default_factory=list)    # why the papers are older than their sources
    remake: list[str] = field(default_factory=list)   # the commands that make them anew
    identity: str = ""
    identity_from_property: bool = True
    workbook: Path | None = None
    meeting_log: Any = None                # io.sendlog.MeetingLog, locked while sending
    papers_date: str = ""                  # the 成文日期 the notices were made with (their record)

    @property
    def to_send(self) -> list:
        from ..mail import SEND

        return [m for m in self.messages if self.decisions[m.key] == SEND]

    def close(self) -> None:
        """Release the meeting's send-log lock (also released when the process ends)."""
        if self.meeting_log is not None:
            self.meeting_log.close()


def check_only(book, only: Sequence[str] | None) -> list[str]:
    """--only 编号…: each must be a reporter's 编号; an empty or unknown one is a usage error
    that lists the valid ones."""
    from ..errors import UsageError

    if not only:             # no --only at all (None, or an empty list from a caller): everyone
        return []
    known = [r.id for r in book.reporters]
    wanted = [part.strip() for item in only for part in str(item).replace("，", ",").split(",")]
    valid = "、".join(known) or "（述职人表为空）"
    if not wanted or any(not w for w in wanted):
        raise UsageError(f"--only 后面应写述职人编号（可用逗号分隔），不能为空。可用的编号：{valid}")
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise UsageError(f"--only 中的编号 {'、'.join(unknown)} 在“述职人”表中不存在，未发送任何邮件。可用的编号：{valid}")
    return wanted


def _paper_check(path: Path, book, result, issues, folder: Path) -> tuple[dict[str, list[Path]], list[Path], list[str], list[str]]:
    """From the output folder's manifest: each reporter's papers (by 编号), the bulletin, what
    changed since they were made (empty when current), and the commands that remake them."""
    from ..io.manifest import OutputFolder
    from ..shell import shell_quote
    from ..report import result_json
    from .documents import SOURCE_WORDS, notice_sources, template_sources

    manifest = OutputFolder(folder, [path], "mail")
    record = manifest.records.get("notices") or {}
    changed: list[str] = []
    remake: list[str] = []
    quoted = shell_quote(str(path))
    papers: dict[str, list[Path]] = {}
    bulletin: list[Path] = []
    # the count behind 计票汇总表
    tally_record = (manifest.records.get("tally") or {}).get("fingerprints") or {}
    now = result_json(result, issues)["fingerprints"] if result is not None else {}
    summary = folder / S.SUMMARY_WORKBOOK
    if not summary.exists() or not tally_record:
        changed.append("计票汇总表还没有生成（或不是本版本 shuping 生成的）")
        remake.append(f"shuping tally {quoted}")
    elif tally_record.get("results") != now.get("results") or tally_record.get("ballots") != now.get("ballots"):
        changed.append("计票汇总表：评议票或设置在计票之后改动过")
        remake.append(f"shuping tally {quoted}")
    if not record.get("reporters"):
        changed.append("反馈意见和结果通报还没有生成（或不是本版本 shuping 生成的）")
        remake.append(f"shuping notices {quoted}")
        return papers, bulletin, changed, remake
    date = _dt.date.fromisoformat(record["date"])
    _, _, template_hash = template_sources(path.parent)
    common, own = notice_sources(book, template_hash, date)
    what: list[str] = []
    for key, value in common.items():
        if record.get("common", {}).get(key) != value:
            what.append(SOURCE_WORDS[key])
    for reporter in book.reporters:
        entry = record["reporters"].get(reporter.id)
        if entry is None or entry.get("organization") != reporter.organization:
            what.append(f"述职人 {reporter.id} {reporter.name}（没有为其生成的反馈意见）")
            continue
        papers[reporter.id] = [manifest.path(name) for name in entry.get("files", [])]
        for key, value in own.get(reporter.id, {}).items():
            if entry.get("sources", {}).get(key) != value:
                what.append(f"{reporter.id} {reporter.name} 的{SOURCE_WORDS[key]}")
        missing = [name for name in entry.get("files", []) if not manifest.path(name).exists()]
        if missing:
            what.append(f"{reporter.id} {reporter.name} 的反馈意见文件已被删除或移走")
    gone = sorted(set(record["reporters"]) - {r.id for r in book.reporters})
    if gone:
        what.append(f"述职人表中已没有编号 {'、'.join(gone)}")
    bulletin = [manifest.path(name) for name in record.get("bulletin", [])]
    if what:
        seen = []
        for w in what:
            if w not in seen:
                seen.append(w)
        changed.append("反馈意见和结果通报生成之后，改动过：" + "；".join(seen))
        options = record.get("options") or {}
        command = f"shuping notices {quoted} --date {record['date']}"
        if options.get("mark"):
            command += f" --mark {shell_quote(options['mark'])}"
        if options.get("copy_numbers"):
            command += " --copy-numbers"
        if options.get("cc"):
            command += f" --cc {shell_quote(options['cc'])}"
        remake.append(command)
    return papers, bulletin, changed, remake


def _never_made(folder: Path) -> bool:
    from ..io.manifest import OutputFolder

    records = OutputFolder(folder).records
    return not records.get("notices") and not records.get("tally") and not (folder / S.SUMMARY_WORKBOOK).exists() \
        and not (folder / S.NOTICES_FOLDER).exists()


def plan_mail(path: str | os.PathLike, only: Sequence[str] | None = None, to_leaders: bool = False,
              resend: bool = False, dry_run: bool = False, allow_shared: bool = False) -> MailPlan:
    """What would be sent to whom. Papers are never made here: when they are missing or
    older than what they are made from (by content, never by file times), the plan says
    what changed and which command makes them anew, and nothing is sent. A sending plan
    holds the meeting's send-log lock until `close()` (or the end of the process)."""
    from ..io.sendlog import MeetingLog, meeting_identity
    from ..mail import SendLog, decide, plan_messages
    from ..notices import gongwen_date
    from ..progress import meeting_start

    path = Path(path)
    book, issues = load_book(path)
    result, issues = tally(book, issues)      # nothing goes out for a workbook that cannot be counted
    settings = MailSettings_from(book)
    folder = output_dir(path)
    plan = MailPlan(settings, [], {}, SendLog(folder / "发送记录.jsonl"), folder,
                    [i for i in issues if i.is_error], workbook=path)
    if plan.issues:
        return plan
    wanted = check_only(book, only)
    from ..review import review_papers

    plan.review = review_papers(result)
    from ..issues import Source, error

    if not settings.sender:
        plan.issues.append(error("MAIL_NO_SENDER", Source(S.SHEET_MAIL), "“邮件设置”中没有填写发件人"))
    if not dry_run and not settings.server:
        plan.issues.append(error("MAIL_NO_SERVER", Source(S.SHEET_MAIL), "“邮件设置”中没有填写 SMTP服务器"))
    if plan.issues:
        return plan
    papers, bulletin, plan.stale, plan.remake = _paper_check(path, book, result, issues, folder)
    if plan.stale and dry_run and _never_made(folder):
        # a preview of a meeting whose papers were never made: make them (said so), never
        # remake ones that exist — those keep their date and wait for the clerk's command
        from .count import run_tally
        from .documents import run_notices

        made = run_notices(path)         # first: a refused template leaves nothing behind
        run_tally(path)
        plan.made = [S.SUMMARY_WORKBOOK, f"反馈意见和结果通报（成文日期 {made.issue_date.isoformat()}）"]
        papers, bulletin, plan.stale, plan.remake = _paper_check(path, book, result, issues, folder)
    if plan.stale:
        return plan
    from ..io.manifest import OutputFolder

    plan.papers_date = (OutputFolder(folder).records.get("notices") or {}).get("date", "")
    plan.identity, plan.identity_from_property = meeting_identity(path, book.meeting)
    meeting_log = MeetingLog(plan.identity, lock=not dry_run)
    plan.log = meeting_log.open()
    if not dry_run:
        plan.meeting_log = meeting_log
    meeting_log.adopt(folder / "发送记录.jsonl", write=not dry_run)
    start = meeting_start(book)
    deadline = (gongwen_date(start + _dt.timedelta(days=book.meeting.deadline_days))
                if start and book.meeting.deadline_days is not None else "规定时限")
    summary = folder / S.SUMMARY_WORKBOOK
    plan.messages = plan_messages(book, papers, summary, bulletin[0] if bulletin else None, settings, deadline,
                                  wanted, leaders=to_leaders or not wanted, allow_shared=allow_shared)
    plan.decisions = {m.key: decide(m, plan.log, resend) for m in plan.messages}
    return plan


def MailSettings_from(book):  # noqa: N802 - a constructor in words
    from ..mail import MailSettings

    return MailSettings.from_book(book.mail)


def write_drafts(plan: MailPlan) -> list[Path]:
    """--dry-run: every message that would be sent as an .eml with X-Unsent: 1 in 发件箱/
    (earlier drafts of ours are replaced; nothing else there is touched)."""
    from ..io.delivery import unique_name
    from ..io.manifest import OutputFolder
    from ..mail import OUTBOX, as_wire_bytes, build_email

    made, taken, drafts = [], set(), []
    for message in plan.to_send:
        email = build_email(message, plan.settings.sender, draft=True)
        # 01_城关镇党委_王建军.eml, 领导抄送.eml: Windows-safe (safe_name) and distinct
        name = unique_name(f"{message.draft_name or message.label}.eml", taken)
        drafts.append((f"{OUTBOX}/{name}", as_wire_bytes(email)))
    with OutputFolder(plan.folder, [plan.workbook] if plan.workbook else [], "mail --dry-run") as folder:
        folder.claim_all(name for name, _ in drafts)
        folder.prune(OUTBOX, keep=[name for name, _ in drafts])
        for name, data in drafts:
            made.append(folder.write_bytes(name, data))
    return made


@dataclass
class SendResult:
    message: Any
    state: Any                             # mail.State
    answer: str


def send_planned(plan: MailPlan, password: str | None,
                 progress: Callable[[str], None] | None = None) -> list[SendResult]:
    """Send what the plan says, logging "sending" before and the answer after each, under
    the meeting's send-log lock (taken by plan_mail, released here)."""
    from ..io.atomic import fault_point
    from ..io.mailer import Mailer
    from ..io.sendlog import MeetingLog
    from ..mail import State, build_email

    step = progress or (lambda message: None)
    meeting_log = plan.meeting_log or MeetingLog(plan.identity or "unknown")
    if plan.meeting_log is None:
        plan.log = meeting_log.open()
        plan.meeting_log = meeting_log
    _open_mirror(plan)
    mailer = Mailer(plan.settings, password)
    results = []
    name = plan.workbook.name if plan.workbook else ""
    try:
        mailer.open()
        for message in plan.to_send:
            step(f"正在发送：{message.label}")
            email = build_email(message, plan.settings.sender)
            meeting_log.write(message, State.SENDING, workbook=name)
            try:
                state, answer = mailer.send(email, plan.settings.sender, message.to)
            except OutputError as exc:       # the reconnect for this message failed
                state, answer = State.FAILED, str(exc)
            fault_point("mail-sending")
            if state != State.SENDING:
                meeting_log.write(message, state, answer, workbook=name)
            results.append(SendResult(message, State(state), answer))
    finally:
        mailer.close()
        _close_mirror(plan)
        plan.close()
    return results


def _open_mirror(plan: MailPlan) -> None:
    """The clerk's copy of the meeting's log in the output folder (发送记录.jsonl), as a file
    of the manifest: refreshed from the meeting's log, then appended to line by line."""
    from ..errors import ShupingError
    from ..io.manifest import OutputFolder
    from ..mail import LOG_FILE

    try:
        folder = OutputFolder(plan.folder, [plan.workbook] if plan.workbook else [], "mail")
        folder.write_bytes(LOG_FILE, plan.meeting_log.lines())
        folder.claim(LOG_FILE)          # pending while lines are appended; settled after the run
        plan.meeting_log.mirror = folder.path(LOG_FILE)
        plan._mirror_folder = folder    # type: ignore[attr-defined]
    except ShupingError:
        plan.meeting_log.mirror = None  # a clerk's file of that name: left alone, the meeting's log stands


def _close_mirror(plan: MailPlan) -> None:
    folder = getattr(plan, "_mirror_folder", None)
    if folder is not None:
        folder.settle()


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
