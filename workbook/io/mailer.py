"""Talking to the mail server (smtplib): one connection, one message at a time, each
step answered by the server, so a failure says whether the message can have arrived.

MAIL FROM / RCPT TO refused or the line dropping before DATA: the message was not sent
("failed"). The line dropping during DATA, or no answer to it: nobody can know whether
it arrived ("in doubt": the log keeps "sending"). 250 after DATA: "accepted".
"""
from __future__ import annotations

import os
import smtplib
import socket
import ssl
from email.message import Message

from ..errors import OutputError
from ..mail import MailSettings, State, as_wire_bytes

CAFILE_ENV = "SHUPING_SMTP_CAFILE"     # an extra CA (an office's own relay, the tests' certificate)
TIMEOUT = 60


def _context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    cafile = os.environ.get(CAFILE_ENV)
    if cafile:
        context.load_verify_locations(cafile)
    return context


def _answer(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip()


def _words(exc: BaseException) -> str:
    """What went wrong on the line, in Chinese (smtplib and the OS speak English)."""
    from .atomic import describe_os_error

    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "邮件服务器断开了连接"
    if isinstance(exc, smtplib.SMTPResponseException):
        return "邮件服务器答复：" + _answer(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPException):
        return "与邮件服务器的对话出错"
    if isinstance(exc, socket.gaierror):
        return "找不到这个服务器（请核对“SMTP服务器”和网络）"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "等待服务器应答超时"
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return "连接出错"


class Mailer:
    def __init__(self, settings: MailSettings, password: str | None, timeout: float = TIMEOUT):
        self.settings = settings
        self._password = password
        self.timeout = timeout
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect and log in; OutputError with a Chinese sentence when that fails."""
        s = self.settings
        where = f"{s.server}:{s.default_port}"
        try:
            if s.encryption == "SSL":
                self.smtp = smtplib.SMTP_SSL(s.server, s.default_port, timeout=self.timeout, context=_context())
            else:
                self.smtp = smtplib.SMTP(s.server, s.default_port, timeout=self.timeout)
                if s.encryption == "STARTTLS":
                    self.smtp.starttls(context=_context())
            self.smtp.ehlo_or_helo_if_needed()
            if s.user:
                self.smtp.login(s.user, self._password or "")
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise OutputError(f"邮件服务器 {where} 拒绝登录（用户名或密码不对）：{_answer(exc.smtp_code, exc.smtp_error)}") from None
        except ssl.SSLError as exc:
            self.close()
            raise OutputError(f"与邮件服务器 {where} 建立加密连接失败（{exc.reason or '握手失败'}）；请核对“加密方式”和端口") from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise OutputError(f"无法连接邮件服务器 {where}：{_words(exc)}") from None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None

    def send(self, email: Message, sender: str, recipients: list[str]) -> tuple[State, str]:
        """(state, the server's answer in words) for one message."""
        if self.smtp is None:
            self.open()
        smtp = self.smtp
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                smtp.rset()
                return State.FAILED, "发件人被拒绝：" + _answer(code, text)
            for recipient in recipients:
                code, text = smtp.rcpt(recipient)
                if code not in (250, 251):
                    smtp.rset()
                    return State.FAILED, f"收件人 {recipient} 被拒绝：" + _answer(code, text)
        except (OSError, smtplib.SMTPException) as exc:
            self.smtp = None
            return State.FAILED, f"发送前连接中断，未发出：{_words(exc)}"
        try:
            code, text = smtp.data(as_wire_bytes(email))
        except smtplib.SMTPDataError as exc:
            return State.FAILED, "邮件被服务器拒收：" + _answer(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPException, socket.timeout) as exc:
            self.smtp = None
            return State.SENDING, f"传送邮件内容时连接中断，无法确认对方是否收到：{_words(exc)}"
        if code != 250:
            return State.FAILED, "邮件被服务器拒收：" + _answer(code, text)
        return State.ACCEPTED, _answer(code, text)
