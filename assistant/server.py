"""Start the assistant: a free port on 127.0.0.1, a random token, the browser opened.

    python -m assistant [WORKBOOK] [--port N] [--no-browser]
    python -m assistant --host 0.0.0.0 --password 口令     # a LAN server: only with a password

`shuping app` runs `main` (imported lazily: the command line never imports this door).
"""
from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
import threading
import webbrowser
from pathlib import Path
from urllib.parse import quote

PASSWORD_ENV = "SHUPING_APP_PASSWORD"
LOCAL = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int = 0) -> socket.socket:
    """A listening socket: port 0 = a free one chosen by the system."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if sys.platform != "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


class Running:
    """A server on its own thread (tests, and `main` when a browser must be opened)."""

    def __init__(self, settings, sock: socket.socket, host: str):
        import uvicorn

        from .web import create_app

        self.settings = settings
        self.sock = sock
        self.port = sock.getsockname()[1]
        settings.port = self.port
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        shown = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0", "localhost") else host
        self.base = f"http://{shown}:{self.port}"
        self.url = f"{self.base}/?token={quote(settings.token)}"

    def start(self) -> "Running":
        self.thread.start()
        import time

        for _ in range(200):
            if self.server.started:
                break
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def start(host: str = "127.0.0.1", port: int = 0, password: str | None = None, token: str | None = None,
          state_file: Path | None = None, open_files: bool = True) -> Running:
    from .web import Settings

    settings = Settings(token or secrets.token_urlsafe(24), password=password, state_file=state_file,
                        open_files=open_files)
    return Running(settings, bind(host, port), host).start()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="shuping app", description="述评助手：在浏览器中按步骤完成一次述职评议会。")
    parser.add_argument("workbook", nargs="?", help="要打开的工作簿（可选）")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认只监听本机 127.0.0.1）")
    parser.add_argument("--port", default="0", help="端口（默认自动选择空闲端口）")
    parser.add_argument("--password", default=None, help=f"局域网访问密码（--host 非本机时必填；也可用环境变量 {PASSWORD_ENV}）")
    parser.add_argument("--no-browser", action="store_true", help="不自动打开浏览器")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run until Ctrl+C. Exit 2 for a usage error (a LAN address without a password)."""
    for stream in (sys.stdout, sys.stderr):          # Chinese on any console codepage
        try:
            stream.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass
    args = parse(list(sys.argv[1:] if argv is None else argv))
    try:
        args.port = int(str(args.port).strip())
    except ValueError:
        args.port = -1
    if not 0 <= args.port <= 65535:
        print("错误：端口应为 1–65535 之间的整数（或省略 --port 自动选择）。未启动。", file=sys.stderr)
        return 2
    password = args.password or os.environ.get(PASSWORD_ENV) or None
    if args.host not in LOCAL and not password:
        print(f"错误：在局域网地址（{args.host}）上提供服务必须设置密码：--password 口令 或环境变量 {PASSWORD_ENV}。"
              "未启动。", file=sys.stderr)
        return 2
    if args.host in LOCAL:
        password = None
    try:
        running = start(args.host, args.port, password)
    except OSError as exc:
        import errno

        why = {errno.EADDRINUSE: "端口已被其他程序占用，请换一个端口或省略 --port",
               errno.EADDRNOTAVAIL: "本机没有这个地址", errno.EACCES: "没有权限使用这个端口（请用 1024 以上的端口）"}
        print(f"错误：无法在 {args.host}:{args.port} 上启动：{why.get(exc.errno, f'系统错误（错误号 {exc.errno}）')}",
              file=sys.stderr)
        return 2
    url = running.url
    if args.workbook:
        url += "&workbook=" + quote(str(Path(args.workbook).expanduser().resolve()))
    print(f"述评助手已启动：{url}")
    if password:
        print("局域网中的其他电脑用本机的 IP 地址代替 127.0.0.1 访问上面的地址；浏览器询问时，用户名任意，密码为刚才设置的密码。")
    print("请在浏览器中使用；关闭本窗口或按 Ctrl+C 即退出。")
    sys.stdout.flush()
    if not args.no_browser:
        try:
            webbrowser.open(url)
        except Exception:
            pass
    try:
        while running.thread.is_alive():             # short joins: Ctrl+C reaches us on Windows too
            running.thread.join(0.5)
    except KeyboardInterrupt:
        running.stop()
    return 0
