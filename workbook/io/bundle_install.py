"""The installer inside an offline bundle, copied there as `install.py`.

Standard library only, imports nothing of shuping (it runs before shuping is installed), and
no network: 安装.bat / install.sh find the Python the bundle was built for and run

    python -I install.py --target DIR                install for this user, no admin rights
    python -I install.py --target DIR --uninstall    remove exactly what an install recorded

Installing: the Python and the machine must match bundle.json; every file must match its SHA-256
in 清单.txt and no file missing from 清单.txt may lie in wheels/; then a fresh virtual environment
DIR/venv (made --without-pip, so a Linux Python without its venv package works too), pip run
from its own wheel installs shuping with --no-index --find-links wheels/ and --only-binary
(pip's configuration files and PIP_* variables ignored, so nothing can point it at a network),
the Excel add-in (`shuping addin install`, Windows and macOS), and a shortcut to `shuping app`
on the desktop and in the start menu / application menu. DIR/安装记录.json lists what was
created; uninstalling removes those and nothing else.

Messages are Chinese; exit 0 done, 1 done with a part missing (add-in or shortcut), 2 nothing
installed (wrong Python, a damaged bundle, pip failed).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
from pathlib import Path

MANIFEST = "清单.txt"
CONFIG = "bundle.json"
RECORD = "安装记录.json"
WHEELS = "wheels"
SHORTCUT = "述评助手"
COPIED = ("install.py", CONFIG, "卸载.bat", "uninstall.sh")   # kept in DIR so uninstalling needs no bundle


class Stop(Exception):
    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def say(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------- checks

def read_config(bundle: Path) -> dict:
    try:
        return json.loads((bundle / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Stop(f"安装包不完整：找不到或读不懂 {CONFIG}（{bundle}）。请重新解压安装包。") from None


def this_machine() -> dict:
    """What the bundle's requirements are checked against."""
    libc, version = platform.libc_ver() if sys.platform.startswith("linux") else ("", "")
    return {"python": "%d.%d" % sys.version_info[:2], "platform": sys.platform,
            "machine": platform.machine().lower(), "bits": struct.calcsize("P") * 8,
            "glibc": version if libc == "glibc" else "", "implementation": sys.implementation.name}


def _version(text: str) -> tuple:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def machine_problems(config: dict, here: dict) -> list:
    """Why this bundle cannot be installed with this Python on this computer (empty: it can)."""
    problems = []
    if here["implementation"] != "cpython":
        problems.append(f"需要 CPython（python.org 的 Python），当前是 {here['implementation']}。")
    if here["python"] != config["python"]:
        problems.append(f"这个安装包是为 Python {config['python']} 准备的，当前运行的是 Python {here['python']}"
                        f"（{sys.executable}）。请安装 Python {config['python']}，或换用对应版本的安装包。")
    if here["platform"] != config["sys_platform"]:
        problems.append(f"这个安装包是给 {config['label']} 用的，这台电脑的系统是 {here['platform']}。")
    elif here["machine"] not in config["machines"] or here["bits"] != 64:
        problems.append(f"这个安装包是给 {config['label']} 用的，这台电脑（或这个 Python）是 "
                        f"{here['machine']} {here['bits']} 位。")
    elif config.get("glibc") and here["platform"].startswith("linux"):
        if not here["glibc"]:
            problems.append(f"这个安装包需要 glibc {config['glibc']} 或更新的 Linux，这台电脑的 C 库不是 glibc。")
        elif _version(here["glibc"]) < _version(config["glibc"]):
            problems.append(f"这个安装包需要 glibc {config['glibc']} 或更新，这台电脑是 glibc {here['glibc']}"
                            "（系统太旧）。")
    return problems


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(bundle: Path) -> dict:
    """清单.txt in `sha256sum` format: '<64 hex>  <path with />' per line."""
    try:
        text = (bundle / MANIFEST).read_text(encoding="utf-8")
    except OSError:
        raise Stop(f"安装包不完整：找不到 {MANIFEST}。请重新解压安装包。") from None
    entries = {}
    for line in text.splitlines():
        digest, sep, name = line.partition("  ")
        if not line.strip():
            continue
        if not sep or len(digest) != 64:
            raise Stop(f"{MANIFEST} 的格式不对（“{line[:40]}”）。请重新解压安装包。")
        entries[name.lstrip("*")] = digest.lower()
    return entries


def manifest_problems(bundle: Path) -> list:
    """Every listed file present with its SHA-256; no unlisted wheel that pip could pick up."""
    entries = read_manifest(bundle)
    problems = []
    for name, digest in sorted(entries.items()):
        path = bundle / name
        if not path.is_file():
            problems.append(f"缺少文件：{name}")
        elif sha256(path) != digest:
            problems.append(f"文件已损坏或被改动（SHA-256 不符）：{name}")
    wheels = bundle / WHEELS
    for path in sorted(wheels.iterdir()) if wheels.is_dir() else ():
        name = f"{WHEELS}/{path.name}"
        if name not in entries:
            problems.append(f"清单中没有的文件：{name}（请删除它，或重新解压安装包）")
    return problems


# ---------------------------------------------------------------- places

def venv_program(venv: Path, name: str) -> Path:
    if sys.platform == "win32":
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


def clean_environment() -> dict:
    """No pip configuration, no PIP_* variable, no foreign PYTHONPATH: pip sees only the folder."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith("PIP_") and k.upper() not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_NO_INPUT": "1"})
    return env


def desktop_folder() -> Path | None:
    """The desktop as the desktop environment names it (XDG user dirs), else ~/Desktop or ~/桌面."""
    home = Path.home()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "user-dirs.dirs"
    try:
        for line in config.read_text(encoding="utf-8").splitlines():
            if line.startswith("XDG_DESKTOP_DIR="):
                value = line.split("=", 1)[1].strip().strip('"').replace("$HOME", str(home))
                if Path(value).is_dir() and Path(value) != home:
                    return Path(value)
    except OSError:
        pass
    for name in ("Desktop", "桌面"):
        if (home / name).is_dir():
            return home / name
    return None


# ---------------------------------------------------------------- shortcuts

POWERSHELL = r"""
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$shell = New-Object -ComObject WScript.Shell
foreach ($folder in @([Environment]::GetFolderPath('Desktop'), [Environment]::GetFolderPath('Programs'))) {
  if (-not $folder) { continue }
  $path = Join-Path $folder '%(name)s.lnk'
  $link = $shell.CreateShortcut($path)
  $link.TargetPath = '%(target)s'
  $link.Arguments = 'app'
  $link.WorkingDirectory = [Environment]::GetFolderPath('MyDocuments')
  $link.Description = '%(description)s'
  $link.Save()
  Write-Output $path
}
"""
DESCRIPTION = "述评助手：述职评议会的计票、整改与通知"


def _ps_quote(text: str) -> str:
    return text.replace("'", "''")


def windows_shortcuts(shuping: Path) -> list:
    """述评助手.lnk on the desktop and in the start menu (WScript.Shell through PowerShell, per user);
    where PowerShell is blocked, a 述评助手.bat on the desktop instead."""
    script = POWERSHELL % {"name": _ps_quote(SHORTCUT), "target": _ps_quote(str(shuping)),
                           "description": _ps_quote(DESCRIPTION)}
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    try:
        done = subprocess.run(["powershell", "-NoProfile", "-NonInteractive", "-EncodedCommand", encoded],
                              capture_output=True, timeout=120)
        made = [Path(line.strip()) for line in done.stdout.decode("utf-8", "replace").splitlines() if line.strip()]
        made = [p for p in made if p.is_file()]
        if done.returncode == 0 and made:
            return made
    except (OSError, subprocess.SubprocessError):
        pass
    desktop = Path(os.environ.get("USERPROFILE") or Path.home()) / "Desktop"
    if not desktop.is_dir():
        return []
    fallback = desktop / f"{SHORTCUT}.bat"
    fallback.write_bytes(f'@echo off\r\nchcp 65001 >nul\r\n"{shuping}" app\r\n'.encode("utf-8"))
    return [fallback]


def linux_shortcuts(shuping: Path) -> list:
    """shuping.desktop in ~/.local/share/applications (the application menu) and on the desktop."""
    entry = ("[Desktop Entry]\nType=Application\nVersion=1.0\n"
             f"Name={SHORTCUT}\nName[zh_CN]={SHORTCUT}\nComment={DESCRIPTION}\n"
             f'Exec="{shuping}" app\nTerminal=true\nCategories=Office;\n')
    applications = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "applications"
    made = []
    for folder in (applications, desktop_folder()):
        if folder is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "shuping.desktop"
        path.write_text(entry, encoding="utf-8")
        path.chmod(0o755)
        made.append(path)
        if folder != applications and shutil.which("gio"):   # GNOME-like desktops ask for trust
            subprocess.run(["gio", "set", str(path), "metadata::trusted", "true"], capture_output=True)
    return made


def macos_shortcuts(shuping: Path) -> list:
    """述评助手.command on the desktop (Finder opens it in Terminal)."""
    desktop = Path.home() / "Desktop"
    if not desktop.is_dir():
        return []
    path = desktop / f"{SHORTCUT}.command"
    path.write_text(f'#!/bin/sh\nexec "{shuping}" app\n', encoding="utf-8")
    path.chmod(0o755)
    return [path]


def make_shortcuts(shuping: Path) -> list:
    if sys.platform == "win32":
        return windows_shortcuts(shuping)
    if sys.platform == "darwin":
        return macos_shortcuts(shuping)
    return linux_shortcuts(shuping)


# ---------------------------------------------------------------- install / uninstall

def write_record(target: Path, record: dict) -> None:
    (target / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


def read_record(target: Path) -> dict | None:
    try:
        return json.loads((target / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def remove_venv(venv: Path) -> bool:
    if venv.is_dir() and (venv / "pyvenv.cfg").is_file():
        shutil.rmtree(venv)
        return True
    return False


def install(bundle: Path, target: Path, shortcuts: bool = True) -> int:
    config = read_config(bundle)
    say(f"述评离线安装：{config['label']}，Python {config['python']}，安装到 {target}")
    say("1. 检查这台电脑和 Python …")
    problems = machine_problems(config, this_machine())
    if problems:
        raise Stop("\n".join(problems))
    say(f"2. 按 {MANIFEST} 核对每个文件的 SHA-256 …")
    problems = manifest_problems(bundle)
    if problems:
        raise Stop("安装包有问题，未做任何改动：\n  " + "\n  ".join(problems[:20])
                   + ("\n  …" if len(problems) > 20 else "") + "\n请从原始安装包重新解压后再试。")
    venv = target / "venv"
    previous = read_record(target)
    if previous is None and venv.exists():
        raise Stop(f"{venv} 已存在，但不是本安装程序创建的，未做任何改动。")
    target.mkdir(parents=True, exist_ok=True)
    record = {"bundle": config["name"], "venv": str(venv), "addin": False, "files": []}
    if previous is not None:     # a reinstall or an update: start from a fresh environment
        record["files"] = list(previous.get("files", []))
        record["addin"] = bool(previous.get("addin"))
        remove_venv(venv)
    write_record(target, record)      # first: an install that stops half-way can be redone or uninstalled
    say(f"3. 建立独立的 Python 环境：{venv}")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv_program(venv, "python")
    wheels = bundle / WHEELS
    pip_wheel = wheels / config["pip_wheel"]
    say("4. 从安装包文件夹安装述评及其依赖（--no-index：不连网）…")
    done = subprocess.run([str(python), str(pip_wheel / "pip"), "install", "--no-index", "--find-links", str(wheels),
                           "--only-binary=:all:", "--no-cache-dir", "--no-warn-script-location",
                           "--disable-pip-version-check", config["pip_requirement"], config["requirement"]],
                          env=clean_environment())
    if done.returncode != 0:
        raise Stop("安装依赖时出错（见上面 pip 的输出）。可以把这个窗口的内容截图反馈给开发人员。")
    shuping = venv_program(venv, "shuping")
    code = 0
    if config.get("excel") and sys.platform in ("win32", "darwin"):
        say("5. 安装 Excel 加载项（“述职评议”选项卡）…")
        done = subprocess.run([str(shuping), "addin", "install"], env=clean_environment())
        record["addin"] = record["addin"] or done.returncode == 0
        write_record(target, record)
        if done.returncode != 0:
            say("   加载项没有装上；以后可以运行：" + f'"{shuping}" addin install')
            code = 1
    if shortcuts:
        say(f"6. 创建快捷方式“{SHORTCUT}”（运行 shuping app）…")
        made = make_shortcuts(shuping)
        for path in made:
            say(f"   {path}")
            if str(path) not in record["files"]:
                record["files"].append(str(path))
        if not made:
            say(f"   没有找到桌面文件夹，未创建快捷方式；可以直接运行：\"{shuping}\" app")
            code = 1
    for name in COPIED:               # so that uninstalling works after the bundle folder is gone
        source = bundle / name
        if source.is_file() and source.resolve() != (target / name).resolve():
            shutil.copyfile(source, target / name)
            if name.endswith(".sh"):
                (target / name).chmod(0o755)
        if source.is_file() and str(target / name) not in record["files"]:
            record["files"].append(str(target / name))
    write_record(target, record)
    say(f"安装完成。命令行：\"{shuping}\"；助手：{SHORTCUT}（\"{shuping}\" app）。")
    if not config.get("assistant"):
        say("注意：这个版本的述评还没有“shuping app”（述评助手），快捷方式要到装上带助手的版本后才能用。")
    say(f"卸载：运行 {target / ('卸载.bat' if sys.platform == 'win32' else 'uninstall.sh')}")
    return code


def uninstall(target: Path) -> int:
    record = read_record(target)
    if record is None:
        say(f"没有找到安装记录（{target / RECORD}），未做任何改动。")
        return 0
    venv = Path(record.get("venv") or target / "venv")
    shuping = venv_program(venv, "shuping")
    if record.get("addin") and shuping.exists():
        say("卸载 Excel 加载项 …")
        subprocess.run([str(shuping), "addin", "uninstall"], env=clean_environment())
    for name in record.get("files", []):
        path = Path(name)
        if path.is_file() or path.is_symlink():
            path.unlink()
            say(f"已删除：{path}")
    if remove_venv(venv):
        say(f"已删除：{venv}")
    (target / RECORD).unlink()
    try:
        target.rmdir()                # only when nothing else is left in it
    except OSError:
        pass
    say("卸载完成。您的工作簿和生成的文件都没有动。")
    return 0


def main(argv: list | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    bundle = Path(__file__).resolve().parent
    target = None
    if "--target" in args:
        at = args.index("--target")
        target = Path(args[at + 1]) if at + 1 < len(args) else None
    if target is None:
        say("用法：python install.py --target 文件夹 [--uninstall] [--no-shortcut]")
        return 2
    try:
        if "--uninstall" in args:
            return uninstall(target)
        return install(bundle, target, shortcuts="--no-shortcut" not in args)
    except Stop as stop:
        say(f"错误：{stop}")
        return stop.code
    except subprocess.CalledProcessError as exc:
        say(f"错误：{' '.join(map(str, exc.cmd[:4]))} 运行失败（退出码 {exc.returncode}），安装未完成。")
        return 2
    except OSError as exc:
        say(f"错误：{exc.strerror or exc}（{exc.filename or ''}），未完成。"
            "如果述评助手、Excel 或命令行窗口正在使用述评，请先关闭再试。")
        return 2
    except KeyboardInterrupt:
        say("已中断。")
        return 2


if __name__ == "__main__":
    sys.exit(main())
