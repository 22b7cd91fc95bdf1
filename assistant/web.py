"""The web application: one page, plain JSON under /api, a guard in front of both.

Why Starlette (+ uvicorn): a small, well-kept ASGI toolkit with no build step and no
network at run time; the page is one static HTML file with a hand-written script and
style sheet shipped in the wheel (assistant/static), so it works on an offline 信创 PC.
The JSON endpoints are the same for the page and for a later WPS add-in (JavaScript).

The guard (`Guard`) answers 403 before any route runs unless:
- the request carries the session token: the `X-Shuping-Token` header (every API call of
  the page), or, for GET only, `?token=` (the address opened in the browser) or the
  HttpOnly, SameSite=Strict cookie set from it;
- the Host header is 127.0.0.1:PORT or localhost:PORT (no DNS rebinding), unless the
  clerk started a LAN server with a password, which is then checked (HTTP Basic) as well;
- an Origin header, when present, is this same origin, and Sec-Fetch-Site is not cross-site.
State-changing endpoints are POST only and need the header token (a cookie alone, which a
foreign page could make the browser send, is never enough).
"""
from __future__ import annotations

import base64
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import steps as STEPS

STATIC = Path(__file__).with_name("static")
COOKIE = "shuping_token"
TOKEN_HEADER = "x-shuping-token"


# --- the guard ----------------------------------------------------------------------------------
class Guard:
    """ASGI middleware: token, Host, Origin, password; 403 in Chinese otherwise."""

    def __init__(self, app, settings: "Settings"):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        why = self.refusal(scope)
        if why:
            status, text, extra = why
            response = JSONResponse({"status": "error", "messages": [text]}, status_code=status, headers=extra)
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)

    def refusal(self, scope) -> tuple[int, str, dict] | None:
        s = self.settings
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if s.password is None and host not in s.allowed_hosts():
            return 403, "拒绝：请求的主机名不是本机（Host 不符）。", {}
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            return 403, "拒绝：请求来自其他网页（Origin 不符）。", {}
        if headers.get("sec-fetch-site") == "cross-site":
            return 403, "拒绝：请求来自其他网站。", {}
        if s.password is not None:
            given = headers.get("authorization", "")
            try:
                secret = base64.b64decode(given.split(" ", 1)[1]).decode("utf-8").split(":", 1)[1] \
                    if given.lower().startswith("basic ") else None
            except (ValueError, IndexError, UnicodeDecodeError):
                secret = None
            if secret is None or not hmac.compare_digest(secret.encode("utf-8"), s.password.encode("utf-8")):
                return 401, "需要密码：用户名任意，密码为启动助手时设置的密码。", {
                    "WWW-Authenticate": 'Basic realm="shuping", charset="UTF-8"'}
        method = scope["method"]
        header_token = headers.get(TOKEN_HEADER, "")
        if hmac.compare_digest(header_token.encode(), s.token.encode()):
            return None
        if method in ("GET", "HEAD"):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            if hmac.compare_digest((query.get("token") or [""])[0].encode(), s.token.encode()):
                return None
            cookies = headers.get("cookie", "")
            for part in cookies.split(";"):
                name, _, value = part.strip().partition("=")
                if name == s.cookie_name and hmac.compare_digest(value.encode(), s.token.encode()):
                    return None
        return 403, "拒绝：缺少或错误的访问令牌。请使用启动助手时给出的完整地址。", {}


@dataclass
class Settings:
    token: str
    port: int = 0
    password: str | None = None            # set only for a LAN server
    state_file: Path | None = None          # recent workbooks
    open_files: bool = True                 # False in tests: "open" only says what it would open

    @property
    def cookie_name(self) -> str:
        return f"{COOKIE}_{self.port}"

    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}


# --- jobs: one step at a time per workbook, in a worker thread -------------------------------------
@dataclass
class Job:
    id: str
    step: str
    workbook: str
    state: str = "running"                  # running, done, failed
    progress: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "step": self.step, "workbook": self.workbook, "state": self.state,
                "progress": self.progress[-5:], "result": self.result,
                "seconds": round(self.seconds or time.monotonic() - self.started, 2)}


class Jobs:
    def __init__(self):
        self.lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self.busy: dict[str, str] = {}      # workbook -> running job id

    def start(self, step: str, workbook: Path, params: dict) -> tuple[Job | None, Job | None]:
        """(the new job, None) or (None, the job already running on this workbook)."""
        key = str(workbook)
        with self.lock:
            running = self.busy.get(key)
            if running and self.jobs[running].state == "running":
                return None, self.jobs[running]
            job = Job(uuid.uuid4().hex, step, key)
            self.jobs[job.id] = job
            self.busy[key] = job.id
        threading.Thread(target=self._run, args=(job, workbook, params), daemon=True).start()
        return job, None

    def _run(self, job: Job, workbook: Path, params: dict) -> None:
        from workbook.errors import ShupingError

        run = STEPS.STEPS[job.step][3]
        try:
            report = run(workbook, params, job.progress.append).as_json()
        except ShupingError as exc:
            report = STEPS.Report(job.step, "error", [f"错误：{exc}"]).as_json()
        except Exception as exc:  # a bug: one Chinese line, never a traceback
            if os.environ.get("SHUPING_DEBUG"):
                import traceback

                traceback.print_exc()
            report = STEPS.Report(job.step, "error", [f"内部错误：{type(exc).__name__}: {exc}。"
                                                      "请把这条信息和工作簿反馈给开发人员。"]).as_json()
        job.seconds = time.monotonic() - job.started
        report["seconds"] = round(job.seconds, 2)
        job.result = report
        job.state = "failed" if report["status"] == "error" else "done"


# --- recent workbooks -------------------------------------------------------------------------------
def default_state_file() -> Path:
    """The recent list: under SHUPING_HOME when set (as the send log), else the user's config
    folder. It is only a convenience for the page: it grants no access to anything."""
    if os.environ.get("SHUPING_ASSISTANT_STATE"):
        return Path(os.environ["SHUPING_ASSISTANT_STATE"])
    if os.environ.get("SHUPING_HOME"):
        return Path(os.environ["SHUPING_HOME"]) / "assistant.json"
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home())
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "shuping" / "assistant.json"


def is_workbook_name(path: str | Path) -> bool:
    return str(path).lower().endswith(".xlsx")


def read_recent(state: Path) -> list[str]:
    try:
        data = json.loads(state.read_text(encoding="utf-8"))
        return [p for p in data.get("recent", []) if isinstance(p, str) and is_workbook_name(p)]
    except (OSError, ValueError, AttributeError):
        return []


def remember(state: Path, workbook: Path) -> list[str]:
    if not is_workbook_name(workbook):           # only workbooks, never a folder or another file
        return read_recent(state)
    recent = [str(workbook)] + [p for p in read_recent(state) if p != str(workbook)]
    recent = recent[:10]
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
        temporary = state.with_suffix(".tmp")
        temporary.write_text(json.dumps({"recent": recent}, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, state)
    except OSError:
        pass
    return recent


# --- the application ---------------------------------------------------------------------------------
def _error(text: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"status": "error", "messages": [text]}, status_code=status)


def lock_files(path: Path) -> list[Path]:
    """The lock files an open workbook leaves beside it: Excel and WPS on Windows (~$),
    LibreOffice (.~lock.…#) and WPS on Linux (.~…)."""
    names = ["~$" + path.name, f".~lock.{path.name}#", ".~" + path.name]
    return [path.with_name(name) for name in names if path.with_name(name).exists()]


def workbook_info(path: Path) -> dict[str, Any]:
    out = STEPS.api.output_dir(path)
    info: dict[str, Any] = {"path": str(path), "name": path.name, "folder": str(path.parent),
                            "exists": path.is_file(), "output": str(out), "output_exists": out.is_dir(),
                            "open_elsewhere": False, "warning": ""}
    if not path.is_file():
        info["warning"] = f"找不到工作簿：{path}"
    elif path.suffix.lower() != ".xlsx":
        info["warning"] = "请选择 .xlsx 工作簿（WPS 中请“另存为 Excel 工作簿 (*.xlsx)”）。"
    elif lock_files(path):
        info["open_elsewhere"] = True
        info["warning"] = ("这个工作簿正在 Excel 或 WPS 中打开（发现锁文件 "
                           f"{lock_files(path)[0].name}）。检查、计票、生成通知等只读步骤可以照常使用；"
                           "生成评议票、生成计票录入表、导入点评、生成整改清单、回收台账、结转会修改工作簿，"
                           "请先在 Excel/WPS 中保存并关闭它，再点这些按钮。")
    return info


def allowed_path(picked, target: Path) -> bool:
    """Open and download only what belongs to a workbook picked in this session (`picked`):
    its folder itself (to open it), the files directly in that folder (not its subfolders,
    not hidden files), and its output folder `<stem>_成果/` with everything below it.
    Never the folders of workbooks remembered from earlier sessions."""
    try:
        target = target.resolve()
    except (OSError, RuntimeError):
        return False
    for workbook in picked:
        folder = workbook.parent
        if target == folder:
            return True
        if target.parent == folder and target.is_file() and not target.name.startswith((".", "~$")):
            return True
        output = STEPS.api.output_dir(workbook)
        if output.is_symlink() or not output.is_dir():
            continue
        if target == output or output in target.parents:
            if not any(part.startswith(".") for part in target.relative_to(output).parts):
                return True
    return False


def plain_params(params: Any) -> bool:
    """What the page sends a step: texts, yes/no, texts lists (a number or an object is refused
    before the step runs, never an internal error inside it)."""
    def plain(value: Any) -> bool:
        return value is None or isinstance(value, (str, bool))
    return isinstance(params, dict) and all(
        plain(v) or isinstance(v, list) and all(isinstance(x, str) for x in v) for v in params.values())


def open_with_system(target: Path) -> None:
    if sys.platform == "win32":
        os.startfile(str(target))  # type: ignore[attr-defined]
    elif sys.platform == "darwin":
        subprocess.Popen(["open", str(target)])
    else:
        subprocess.Popen(["xdg-open", str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def create_app(settings: Settings) -> Starlette:
    jobs = Jobs()
    picked: set[Path] = set()        # the workbooks the clerk picked or made in this session (resolved)
    if settings.state_file is None:
        settings.state_file = default_state_file()

    async def page(request: Request) -> Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        html = html.replace("{{TOKEN}}", settings.token)
        response = HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                               "X-Frame-Options": "DENY",
                                               "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                                                          "style-src 'self'; script-src 'self'; "
                                                                          "frame-ancestors 'none'"})
        response.set_cookie(settings.cookie_name, settings.token, httponly=True, samesite="strict")
        return response

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            data = None
        return data if isinstance(data, dict) else {}

    async def steps_list(request: Request) -> Response:
        return JSONResponse({"year": [{"step": s, "label": STEPS.STEPS[s][0], "help": STEPS.STEPS[s][1],
                                       "edits": STEPS.STEPS[s][2], "when": STEPS.WHEN.get(s, "")}
                                      for s in STEPS.YEAR]})

    async def recent(request: Request) -> Response:
        return JSONResponse({"recent": [workbook_info(Path(p)) for p in read_recent(settings.state_file)]})

    async def info(request: Request) -> Response:
        path = request.query_params.get("path", "")
        if not path:
            return _error("请先选择工作簿。")
        return JSONResponse(workbook_info(Path(path).expanduser()))

    async def pick(request: Request) -> Response:
        data = await body(request)
        path = Path(str(data.get("path") or "")).expanduser()
        if not str(data.get("path") or "").strip():
            return _error("请先选择工作簿。")
        path = path.resolve()
        found = workbook_info(path)
        if path.is_file() and is_workbook_name(path):       # a regular .xlsx file, links followed
            picked.add(path)
            remember(settings.state_file, path)
        return JSONResponse(found)

    async def new(request: Request) -> Response:
        from workbook.errors import ShupingError

        data = await body(request)
        raw = str(data.get("path") or "").strip()
        if not raw:
            return _error("请填写新工作簿的文件名（以 .xlsx 结尾）。")
        path = Path(raw).expanduser().resolve()
        if not is_workbook_name(path):
            return _error(f"新工作簿的文件名应以 .xlsx 结尾：{path.name}")
        if not path.parent.is_dir():
            return _error(f"找不到文件夹：{path.parent}。请填写已有文件夹中的新文件名。")
        if path.exists() or path.is_symlink():
            return _error(f"“{path}”已存在，为免覆盖已录入的内容，未做任何改动。要使用它，请在上面“打开”。")
        try:
            written = STEPS.api.new_workbook(path, demo=bool(data.get("demo")))
        except ShupingError as exc:
            return _error(f"错误：{exc}".replace("（确需覆盖请加 --force）", ""))
        written = Path(written).resolve()
        picked.add(written)
        remember(settings.state_file, written)
        return JSONResponse({**workbook_info(written), "messages": [f"已生成：{written}"]})

    async def browse(request: Request) -> Response:
        raw = request.query_params.get("dir") or ""
        kinds = {"xlsx": (".xlsx",), "speech": (".docx", ".txt"), "folder": ()}[
            request.query_params.get("kind", "xlsx") if request.query_params.get("kind") in ("xlsx", "speech", "folder")
            else "xlsx"]
        folder = Path(raw).expanduser() if raw else None
        while folder is not None and not folder.is_dir():      # a file, or half a path: the nearest folder
            folder = folder.parent if folder.is_absolute() and folder.parent != folder else None
        if folder is None:
            recent_list = read_recent(settings.state_file)
            folder = Path(recent_list[0]).parent if recent_list else Path.home()
        if not folder.is_dir():
            return _error(f"找不到文件夹：{raw}", 404)
        folders, files = [], []
        try:
            for entry in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
                if entry.name.startswith((".", "~$")):
                    continue
                try:
                    if entry.is_dir():
                        folders.append({"name": entry.name, "path": str(entry)})
                    elif entry.suffix.lower() in kinds:
                        files.append({"name": entry.name, "path": str(entry), "size": entry.stat().st_size})
                except OSError:
                    continue
        except OSError as exc:
            return _error(f"无法打开文件夹“{folder}”：{exc.strerror or exc}", 403)
        parent = str(folder.parent) if folder.parent != folder else ""
        return JSONResponse({"dir": str(folder.resolve()), "parent": parent, "folders": folders, "files": files})

    async def run(request: Request) -> Response:
        step = request.path_params["step"]
        if step not in STEPS.STEPS:
            return _error(f"没有这个步骤：{step}", 404)
        data = await body(request)
        raw = str(data.get("path") or "").strip()
        if not raw:
            return _error("请先选择工作簿。")
        path = Path(raw).expanduser().resolve()
        if path not in picked:
            return _error(f"只能对本次在页面上选中（或新建）的工作簿运行步骤：{path.name} 未选中，未做任何操作。"
                          "请先在“选择本次会议的工作簿”中打开它。", 403)
        if not path.is_file():
            return _error(f"找不到工作簿：{path}", 404)
        others = [lock for lock in lock_files(path) if not lock.name.startswith("~$")]   # ~$: the core refuses
        if STEPS.STEPS[step][2] and others:
            return _error(f"“{path.name}”正在 WPS 或 LibreOffice 中打开（发现锁文件 {others[0].name}），"
                          "请先保存并关闭该文件再试，工作簿未做任何改动。", 423)
        params = data.get("params") or {}
        if not plain_params(params):
            return _error("步骤的参数格式不对（应为文字、是/否或文字列表），未做任何操作。")
        job, running = jobs.start(step, path, params)
        if job is None:
            return _error(f"这个工作簿正在进行“{STEPS.STEPS[running.step][0]}”，请等它完成后再点。", 409)
        return JSONResponse(job.as_json(), status_code=202)

    async def job(request: Request) -> Response:
        found = jobs.jobs.get(request.path_params["job"])
        if found is None:
            return _error("没有这个任务。", 404)
        return JSONResponse(found.as_json())

    async def open_path(request: Request) -> Response:
        data = await body(request)
        target = Path(str(data.get("path") or "")).expanduser()
        if not allowed_path(picked, target):         # first: never says whether a file elsewhere exists
            return _error("只能打开本次所选工作簿所在文件夹中的文件（不含其中的子文件夹）和它的成果文件夹。", 403)
        if not target.exists():
            return _error(f"找不到：{target}", 404)
        if settings.open_files:
            try:
                open_with_system(target)
            except OSError as exc:
                return _error(f"无法打开“{target}”：{exc}", 500)
        return JSONResponse({"opened": str(target), "messages": [f"已打开：{target}"]})

    async def download(request: Request) -> Response:
        target = Path(request.query_params.get("path", "")).expanduser()
        if not allowed_path(picked, target):
            return _error("只能下载本次所选工作簿所在文件夹中的文件（不含其中的子文件夹）和它的成果文件夹中的文件。", 403)
        if not target.is_file():
            return _error(f"找不到文件：{target}", 404)
        return FileResponse(target.resolve(), filename=target.name)     # the file that was checked

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/api/steps", steps_list, methods=["GET"]),
        Route("/api/recent", recent, methods=["GET"]),
        Route("/api/workbook", info, methods=["GET"]),
        Route("/api/workbook", pick, methods=["POST"]),
        Route("/api/new", new, methods=["POST"]),
        Route("/api/browse", browse, methods=["GET"]),
        Route("/api/run/{step}", run, methods=["POST"]),
        Route("/api/job/{job}", job, methods=["GET"]),
        Route("/api/open", open_path, methods=["POST"]),
        Route("/api/file", download, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.jobs = jobs
    app.state.picked = picked
    app.state.settings = settings
    return Guard(app, settings)
