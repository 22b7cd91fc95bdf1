"""Installing shuping.xlam for the current user, and the xlwings config pointing at this
Python. On Windows: %APPDATA%\\Microsoft\\Excel\\XLSTART (Excel opens every file there at
start); on macOS: Excel's Startup folder in its group container. Elsewhere: say what
would be done, change nothing.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

XLAM = "shuping.xlam"
CONF_KEYS = {"win32": "INTERPRETER_WIN", "darwin": "INTERPRETER_MAC"}


@dataclass
class InstallPlan:
    supported: bool
    xlam_target: Path | None
    conf: Path
    conf_key: str
    lines: list[str] = field(default_factory=list)     # what is (or would be) done, in words


def startup_folder(platform: str = sys.platform, home: Path | None = None, env: dict | None = None) -> Path | None:
    env = os.environ if env is None else env
    home = home or Path.home()
    if platform == "win32":
        base = env.get("APPDATA")
        return Path(base) / "Microsoft" / "Excel" / "XLSTART" if base else None
    if platform == "darwin":
        return (home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                / "Startup.localized" / "Excel")
    return None


def plan_install(platform: str = sys.platform, home: Path | None = None, env: dict | None = None) -> InstallPlan:
    home = home or Path.home()
    folder = startup_folder(platform, home, env)
    conf = home / ".xlwings" / "xlwings.conf"
    key = CONF_KEYS.get(platform, "INTERPRETER")
    plan = InstallPlan(folder is not None, folder / XLAM if folder else None, conf, key)
    if folder is None:     # say what Windows would get
        target, key, shown_conf = rf"%APPDATA%\Microsoft\Excel\XLSTART\{XLAM}", CONF_KEYS["win32"], \
            r"%USERPROFILE%\.xlwings\xlwings.conf"
    else:
        target, shown_conf = str(folder / XLAM), str(conf)
    plan.lines = [f"把 {XLAM} 复制到 {target}（Excel 启动时自动加载）",
                  f"在 {shown_conf} 中写入 \"{key}\",\"<这个 Python 的路径>\"（xlwings 用它运行按钮）"
                  if folder is None else
                  f"在 {shown_conf} 中写入 \"{key}\",\"{sys.executable}\"（xlwings 用这个 Python 运行按钮）"]
    return plan


def read_conf(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "," in line:
            key, _, value = line.partition(",")
            pairs.append((key.strip().strip('"'), value.strip().strip('"')))
    return pairs


def write_conf(path: Path, pairs: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f'"{k}","{v}"\n' for k, v in pairs), encoding="utf-8")


def install(xlam: Path, plan: InstallPlan) -> None:
    import shutil

    assert plan.xlam_target is not None
    plan.xlam_target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(xlam, plan.xlam_target)
    pairs = [(k, v) for k, v in read_conf(plan.conf) if k != plan.conf_key]
    write_conf(plan.conf, pairs + [(plan.conf_key, sys.executable)])


def uninstall(plan: InstallPlan) -> list[str]:
    done = []
    if plan.xlam_target is not None and plan.xlam_target.exists():
        plan.xlam_target.unlink()
        done.append(f"已删除 {plan.xlam_target}")
    pairs = read_conf(plan.conf)
    kept = [(k, v) for k, v in pairs if not (k == plan.conf_key and v == sys.executable)]
    if len(kept) != len(pairs):
        write_conf(plan.conf, kept)
        done.append(f"已从 {plan.conf} 中去掉 {plan.conf_key}")
    return done
