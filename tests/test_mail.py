"""Mail against a real SMTP server (aiosmtpd on 127.0.0.1): exactly one mail per
recipient with exactly their papers, never twice, failures and crashes leave a true log."""
import email
import json
import os
import shutil
import socket
import subprocess
import sys
from email.header import decode_header, make_header

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from typer.testing import CliRunner

from workbook import schema as S
from workbook.api import new_workbook
from workbook.cli import app
from workbook.io.atomic import FAULT_ENV, FAULT_EXIT

runner = CliRunner()
PASSWORD = "Secret-Pass-2024!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it accepts and can refuse or hang up."""

    def __init__(self):
        self.messages = []
        self.refuse = set()
        self.hang_up_on = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.hang_up_on:
            server.transport.close()
            return "421 closing"
        if address in self.refuse:
            return "550 5.1.1 用户不存在"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK queued"

    def received(self, address):
        return [m for to, m in self.messages if address in to]


def attachments(message):
    return sorted(part.get_filename() for part in message.walk() if part.get_filename())


@pytest.fixture
def server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _workbook(tmp_path, port, encryption="无", user=""):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    book = openpyxl.load_workbook(path)
    for row in book[S.SHEET_MAIL].iter_rows(min_row=2):
        key = row[0].value
        row[1].value = {S.MAIL_SERVER: "127.0.0.1", S.MAIL_PORT: port, S.MAIL_ENCRYPTION: encryption,
                        S.MAIL_USER: user, S.MAIL_PASSWORD_ENV: "SHUPING_TEST_SMTP_PASSWORD"}.get(key, row[1].value)
    book.save(path)
    assert runner.invoke(app, ["tally", str(path)]).exit_code == 0
    assert runner.invoke(app, ["notices", str(path), "--date", "2024-01-25", "--no-pdf"]).exit_code == 0
    return path


def mail(*args, env=None):
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        return runner.invoke(app, ["mail", *map(str, args)], input="")
    finally:
        os.environ.clear()
        os.environ.update(old)


def _log(path):
    """The meeting's own send log (io/sendlog.py), not the copy in the output folder."""
    from workbook.io.book import load_book
    from workbook.io.sendlog import meeting_identity, store

    identity, _ = meeting_identity(path, load_book(path)[0].meeting)
    log = store() / f"{identity}.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_each_reporter_gets_exactly_their_own_papers_once(server, tmp_path):
    inbox, port = server
    path = _workbook(tmp_path, port)
    done = mail(path, "--yes")
    assert done.exit_code == 0, done.output
    assert len(inbox.messages) == 12
    for k in range(1, 12):
        got = inbox.received(f"r{k:02d}@units.example.cn")
        assert len(got) == 1
        names = attachments(got[0])
        assert len(names) in (1, 2) and all(n.startswith(f"{k:02d}_") for n in names)
        subject = str(make_header(decode_header(got[0]["Subject"])))
        assert subject.endswith("反馈意见（" + subject.split("（")[-1]) and got[0]["Message-ID"] and got[0]["Date"]
    [leaders] = inbox.received("leader@example.gov.cn")
    assert attachments(leaders) == ["结果通报.docx", "计票汇总表.xlsx"]
    done = mail(path, "--yes")
    assert done.exit_code == 0 and len(inbox.messages) == 12 and "没有需要发送的邮件" in done.stdout
    states = [e["state"] for e in _log(path)]
    assert states.count("accepted") == 12 and states.count("sending") == 12


def test_a_refused_recipient_fails_alone_and_is_retried_next_time(server, tmp_path):
    inbox, port = server
    path = _workbook(tmp_path, port)
    inbox.refuse.add("r03@units.example.cn")
    done = mail(path, "--yes")
    assert done.exit_code == 1
    assert "发送失败：03" in "".join(done.stdout.split())
    assert len(inbox.messages) == 11
    failed = [e for e in _log(path) if e["state"] == "failed"]
    assert [e["key"] for e in failed] == ["reporter:03"] and "550" in failed[0]["answer"]
    inbox.refuse.clear()
    done = mail(path, "--yes")
    assert done.exit_code == 0 and len(inbox.messages) == 12
    assert len(inbox.received("r03@units.example.cn")) == 1


def test_a_dropped_connection_leaves_a_true_log_and_the_run_resumes(server, tmp_path):
    inbox, port = server
    path = _workbook(tmp_path, port)
    inbox.hang_up_on.add("r05@units.example.cn")
    done = mail(path, "--yes")
    assert done.exit_code == 1
    received = {to[0] for to, _ in inbox.messages}
    assert "r05@units.example.cn" not in received and len(received) >= 4
    last = {}
    for entry in _log(path):
        last[entry["key"]] = entry["state"]
    assert last["reporter:05"] == "failed"                    # before DATA: surely not sent
    assert all(last[f"reporter:{k:02d}"] == "accepted" for k in range(1, 5))
    inbox.hang_up_on.clear()
    done = mail(path, "--yes")
    assert done.exit_code == 0
    counts = {}
    for to, _ in inbox.messages:
        counts[to[0]] = counts.get(to[0], 0) + 1
    assert len(counts) == 12 and set(counts.values()) == {1}


def test_a_crash_between_sending_and_accepted_is_in_doubt_not_a_duplicate(server, tmp_path):
    inbox, port = server
    path = _workbook(tmp_path, port)
    done = subprocess.run([sys.executable, "-m", "workbook", "mail", str(path), "--yes"], capture_output=True,
                          env={**os.environ, FAULT_ENV: "mail-sending"}, timeout=300)
    assert done.returncode == FAULT_EXIT, done.stderr.decode()
    assert len(inbox.messages) == 1                           # the server has it; the log cannot say so
    assert [e["state"] for e in _log(path)] == ["sending"]
    done = mail(path, "--yes")
    assert done.exit_code == 1 and "不发送：01韦建国——上次发送中断，无法确认是否送达" in "".join(done.stdout.split())
    assert len(inbox.messages) == 12                          # 11 more; the first not again
    assert len(inbox.received("r01@units.example.cn")) == 1
    done = mail(path, "--yes", "--resend", "--only", "01")
    assert done.exit_code == 0 and len(inbox.received("r01@units.example.cn")) == 2


def test_a_changed_attachment_is_resent_only_when_asked(server, tmp_path):
    inbox, port = server
    path = _workbook(tmp_path, port)
    assert mail(path, "--yes", "--only", "02").exit_code == 0
    notice = next((path.parent / "会_成果" / "通知").glob("02_*.docx"))
    notice.write_bytes(notice.read_bytes() + b"\0")
    done = mail(path, "--yes", "--only", "02")
    assert done.exit_code == 1 and "不发送：02李志强——已发送过，但附件已变化" in "".join(done.stdout.split())
    assert len(inbox.messages) == 1
    assert mail(path, "--yes", "--only", "02", "--resend").exit_code == 0 and len(inbox.messages) == 2


def test_without_yes_and_without_an_answer_nothing_is_sent(server, tmp_path):
    inbox, port = server
    path = _workbook(tmp_path, port)
    done = mail(path)
    assert done.exit_code == 1 and "未确认" in done.stdout and not inbox.messages


def test_dry_run_writes_unsent_drafts(server, tmp_path):
    inbox, port = server
    path = _workbook(tmp_path, port)
    done = mail(path, "--dry-run")
    assert done.exit_code == 0 and not inbox.messages
    drafts = sorted((path.parent / "会_成果" / "发件箱").glob("*.eml"))
    assert len(drafts) == 12
    names = [d.name for d in drafts]
    # Chinese names a clerk can read: 编号_党组织_姓名 per reporter, one 领导抄送
    assert names[0] == "01_区公安分局党委_韦建国.eml"                    # the demo's 01
    assert names[-1] == "领导抄送.eml"
    assert not any(n.startswith(("reporter", "leaders")) for n in names)
    message = email.message_from_bytes(drafts[-2].read_bytes())
    assert drafts[-2].name.startswith("11_")
    assert message["X-Unsent"] == "1" and attachments(message)[0].startswith("11_")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make a test certificate")
def test_starttls_with_login_keeps_the_password_out_of_every_file(tmp_path):
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and data.login == b"zzb" and data.password == PASSWORD.encode()
        return AuthResult(success=ok)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticate, auth_require_tls=True)
    controller.start()
    try:
        path = _workbook(tmp_path, controller.port, encryption="STARTTLS", user="zzb")
        env = {"SHUPING_TEST_SMTP_PASSWORD": PASSWORD, "SHUPING_SMTP_CAFILE": str(cert)}
        done = mail(path, "--yes", env=env)
        assert done.exit_code == 0, done.output
        assert len(inbox.messages) == 12
        wrong = mail(path, "--yes", "--resend", env={**env, "SHUPING_TEST_SMTP_PASSWORD": "wrong"})
        assert PASSWORD not in done.output and PASSWORD not in wrong.output
        for file in tmp_path.rglob("*"):
            if file.is_file() and file.suffix in (".jsonl", ".eml", ".xlsx", ".docx", ".json", ".txt"):
                assert PASSWORD.encode() not in file.read_bytes(), file
    finally:
        controller.stop()


def test_no_password_and_no_terminal_is_said_plainly(server, tmp_path):
    inbox, port = server
    path = _workbook(tmp_path, port, user="zzb")
    os.environ.pop("SHUPING_TEST_SMTP_PASSWORD", None)
    done = mail(path, "--yes")
    assert done.exit_code == 1 and "没有找到邮箱密码" in "".join(done.output.split()) and not inbox.messages


def test_draft_names_are_windows_safe_and_distinct():
    # a 党组织 with characters Windows refuses (/ and :) and two reporters who would share a name
    from pathlib import Path

    from workbook.mail import Outgoing
    from workbook.steps.mailing import write_drafts

    class Plan:
        pass

    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        plan = Plan()
        plan.folder, plan.workbook = Path(folder), None
        plan.settings = type("S", (), {"sender": "a@b.cn"})()
        plan.to_send = [Outgoing("reporter:01", "01 甲", ["a@b.cn"], "主题", "正文", [], draft_name="01_党委/办公室:一_甲"),
                        Outgoing("reporter:x", "01 甲", ["a@b.cn"], "主题", "正文", [], draft_name="01_党委/办公室:一_甲"),
                        Outgoing("leaders", "领导抄送", ["a@b.cn"], "主题", "正文", [], draft_name="领导抄送")]
        names = [p.name for p in write_drafts(plan)]
    assert names == ["01_党委_办公室_一_甲.eml", "01_党委_办公室_一_甲(2).eml", "领导抄送.eml"]


def test_a_mailbox_shared_by_reporters_or_a_leader_is_flagged_and_not_sent_to(server, tmp_path):
    """HOSTILE F14: 03 has 02's address (filled down), 04 the same in other case with a
    trailing space, 05 the leader's: check warns at F4, F5, F6 (and F3, 02's own cell,
    which 03 and 04 share), the review lists them, mail sends none of those four unless
    --allow-shared-address."""
    inbox, port = server
    path = _workbook(tmp_path, port)
    book = openpyxl.load_workbook(path)
    sheet = book[S.SHEET_REPORTERS]
    assert sheet["F3"].value == "r02@units.example.cn"
    sheet["F4"].value = "r02@units.example.cn"
    sheet["F5"].value = "R02@Units.Example.cn "
    sheet["F6"].value = "leader@example.gov.cn"
    book.save(path)
    checked = runner.invoke(app, ["check", str(path)])
    flat = "".join(checked.output.split())
    for cell in ("F3", "F4", "F5", "F6"):
        assert cell in flat, checked.output
    assert "也是03黄丽萍、04蒙海涛的邮箱" in flat and "也是领导抄送的邮箱" in flat
    assert runner.invoke(app, ["notices", str(path), "--date", "2024-01-25", "--no-pdf"]).exit_code == 0
    preview = mail(path, "--dry-run")
    flat = "".join(preview.output.split())
    assert preview.exit_code == 1 and "也是02李志强、04蒙海涛的邮箱" in flat and "--allow-shared-address" in flat
    assert "其反馈意见会被别人看到" in flat          # the pre-issue review
    done = mail(path, "--yes")
    assert done.exit_code == 1 and not inbox.received("r02@units.example.cn")
    assert len(inbox.received("leader@example.gov.cn")) == 1      # the leaders' own mail goes
    assert len(inbox.messages) == 12 - 4
    done = mail(path, "--yes", "--allow-shared-address")
    assert done.exit_code == 0, done.output
    assert len(inbox.received("r02@units.example.cn")) == 2 and len(inbox.messages) == 12


def _closed_stdin(*args, env=None):
    """The real entry point started with no standard input at all (fd 0 closed), as a
    scheduled task or a launcher without a terminal starts it."""
    return subprocess.run([sys.executable, "-c", "from workbook.cli import main; main()", *map(str, args)],
                          preexec_fn=lambda: os.close(0), capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_mail_with_stdin_closed_refuses_in_chinese(server, tmp_path):
    """HOSTILE F18: the confirmation and the password prompt crashed (AttributeError)."""
    inbox, port = server
    path = _workbook(tmp_path, port)
    done = _closed_stdin("mail", path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "没有可交互的终端" in done.stdout + done.stderr and "内部错误" not in done.stdout + done.stderr
    assert not inbox.messages
    (tmp_path / "pw").mkdir()
    path = _workbook(tmp_path / "pw", port, user="zzb")
    env = {k: v for k, v in os.environ.items() if k != "SHUPING_TEST_SMTP_PASSWORD"}
    done = subprocess.run([sys.executable, "-c", "from workbook.cli import main; main()", "mail", str(path), "--yes"],
                          preexec_fn=lambda: os.close(0), capture_output=True, text=True, timeout=120, env=env)
    output = done.stdout + done.stderr
    assert done.returncode in (1, 2) and "没有找到邮箱密码" in "".join(output.split()) and "内部错误" not in output
    assert not inbox.messages


def test_smtp_errors_reach_the_clerk_in_chinese(server, tmp_path):
    """HOSTILE F9: "Connection unexpectedly closed" and the OS's English reached the clerk."""
    inbox, port = server
    path = _workbook(tmp_path, port)
    inbox.hang_up_on.add("r05@units.example.cn")
    done = mail(path, "--yes")
    assert done.exit_code == 1 and "连接中断" in done.output
    assert "Connection" not in done.output and "unexpectedly" not in done.output, done.output
    inbox.hang_up_on.clear()
    book = openpyxl.load_workbook(path)
    for row in book[S.SHEET_MAIL].iter_rows(min_row=2):
        if row[0].value == S.MAIL_PORT:
            row[1].value = free_port()                       # nobody listens there
    book.save(path)
    done = mail(path, "--yes", "--resend")
    assert done.exit_code != 0 and "无法连接邮件服务器" in done.output, done.output
    assert "refused" not in done.output.lower() and "Errno" not in done.output, done.output
