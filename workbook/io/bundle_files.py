"""The files of an offline bundle: pip run for another platform, wheels read, the scripts,
清单.txt and the zip.

pip evaluates environment markers (`sys_platform == "win32"`) against the interpreter that runs
it, even under `--platform`; so pip is run here with its marker environment replaced by the
target's (`PIP_BOOTSTRAP`), which makes it fetch pywin32 for xlwings on Windows and leave out
what only Linux needs. steps/bundle.py then checks the result independently of pip.
"""
from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .bundle_install import CONFIG, MANIFEST, sha256

# pip with the target's marker environment; falls back to pip as it is if its internals moved
# (steps/bundle.py then fetches what the target's markers add, from the wheels' metadata).
PIP_BOOTSTRAP = r"""
import json, sys
target = json.loads(sys.argv[1])
try:
    from pip._vendor.packaging import markers
    _own = markers.default_environment
    def default_environment():
        env = _own()
        env.update(target)
        return env
    markers.default_environment = default_environment
except Exception:
    pass
from pip._internal.cli.main import main
sys.argv = ["pip"] + sys.argv[2:]
sys.exit(main(sys.argv[1:]))
"""

NETWORK_SIGNS = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
                 "Name or service not known", "nodename nor servname", "ConnectTimeout", "Read timed out",
                 "ProxyError", "Max retries exceeded", "Could not fetch URL", "SSLError", "Network is unreachable",
                 "Connection refused", "getaddrinfo failed", "No route to host")
NO_MATCH = re.compile(r"No matching distribution found for ([^\s]+)")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass
class PipRun:
    returncode: int
    output: str

    @property
    def offline(self) -> bool:
        return self.returncode != 0 and any(sign in self.output for sign in NETWORK_SIGNS)

    @property
    def not_found(self) -> list[str]:
        return NO_MATCH.findall(self.output)


SOURCE_DATE_EPOCH = "1704067200"    # 2024-01-01: the wheel's entries get this time, so the same source gives the same wheel


def run_pip(args: Sequence[str], markers: dict[str, str] | None = None, timeout: float = 1800) -> PipRun:
    """The current interpreter's pip, its output kept (stdout and stderr together)."""
    command = [sys.executable, "-c", PIP_BOOTSTRAP, json.dumps(markers or {}), *args]
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONIOENCODING="utf-8",
               SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return PipRun(124, "Read timed out (pip ran longer than the limit)")
    return PipRun(done.returncode, done.stdout.decode("utf-8", "replace"))


SOURCE_SKIP = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".hypothesis", "tests", "bench", "docs", "shuping-demo",
                                     "*_成果", "node_modules", ".~shuping-*", "shuping-*-py*")


def setuptools_here() -> bool:
    """Can this interpreter build shuping's wheel itself (setuptools >= 70.1, or >= 68 with wheel)?
    Then pip needs no isolated build environment, which costs a download and a minute on a slow machine."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import Version

    try:
        setuptools = Version(version("setuptools"))
    except PackageNotFoundError:
        return False
    try:
        version("wheel")
        has_wheel = True
    except PackageNotFoundError:
        has_wheel = False
    return setuptools >= Version("70.1") or (setuptools >= Version("68") and has_wheel)


def build_wheel(source: Path, into: Path, scratch: Path) -> tuple[Path | None, PipRun]:
    """`pip wheel --no-deps` of a copy of the checkout (the checkout gets no build/ or egg-info)."""
    copy = scratch / "source"
    shutil.copytree(source, copy, ignore=SOURCE_SKIP)
    isolation = ["--no-build-isolation"] if setuptools_here() else []
    run = run_pip(["wheel", "--no-deps", *isolation, "--wheel-dir", str(into), str(copy)])
    found = sorted(into.glob("shuping-*.whl"))
    return (found[-1] if run.returncode == 0 and found else None), run


@dataclass(frozen=True)
class WheelInfo:
    path: Path
    name: str                      # as in METADATA
    version: str
    tags: frozenset[str]           # "cp311-cp311-win_amd64", expanded from compressed tag sets
    requires: tuple[str, ...]      # Requires-Dist lines
    extras: tuple[str, ...]        # Provides-Extra


def read_wheel(path: Path) -> WheelInfo:
    """Name, version, tags (from the file name) and dependencies (from *.dist-info/METADATA)."""
    from packaging.utils import parse_wheel_filename

    _, _, _, tags = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as archive:
        metadata = next(n for n in archive.namelist()
                        if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        message = email.parser.BytesParser().parsebytes(archive.read(metadata))
    return WheelInfo(path, message["Name"], message["Version"], frozenset(str(t) for t in tags),
                     tuple(message.get_all("Requires-Dist") or ()), tuple(message.get_all("Provides-Extra") or ()))


# ------------------------------------------------------------------ scripts

def _crlf(text: str) -> bytes:
    return "\r\n".join(text.splitlines()).encode("utf-8") + b"\r\n"


# python.org's last Windows installer of each version (security-only releases have none)
WINDOWS_INSTALLERS = {"3.10": "3.10.11", "3.11": "3.11.9", "3.12": "3.12.10", "3.13": "3.13.x"}


def windows_python_installer(python: str) -> str:
    return f"python-{WINDOWS_INSTALLERS.get(python, python + '.x')}-amd64.exe"


def windows_script(python: str, uninstall: bool) -> bytes:
    """安装.bat / 卸载.bat: find Python `python` for this user, run install.py; CRLF, UTF-8 (chcp 65001).

    Only per-user places: the venv under %LOCALAPPDATA%\\shuping, shortcuts on this user's desktop and
    start menu, the add-in in this user's XLSTART. No admin rights, no network (install.py: --no-index).
    """
    nodot = python.replace(".", "")
    action = "卸载" if uninstall else "安装"
    tail = " --uninstall" if uninstall else ""
    return _crlf(f"""@echo off
chcp 65001 >nul
setlocal EnableExtensions
title 述评 {action}
rem 述评离线{action}：只为当前用户，装在 %LOCALAPPDATA%\\shuping，不需要管理员权限，不连网。
set "TARGET=%LOCALAPPDATA%\\shuping"
set "PYEXE="
for /f "delims=" %%i in ('py -{python} -X utf8 -c "import sys; print(sys.executable)" 2^>nul') do set "PYEXE=%%i"
if not defined PYEXE if exist "%LOCALAPPDATA%\\Programs\\Python\\Python{nodot}\\python.exe" set "PYEXE=%LOCALAPPDATA%\\Programs\\Python\\Python{nodot}\\python.exe"
if not defined PYEXE if exist "%ProgramFiles%\\Python{nodot}\\python.exe" set "PYEXE=%ProgramFiles%\\Python{nodot}\\python.exe"
if defined PYEXE goto found
echo 没有找到 Python {python}。
echo 请先安装 python.org 的 Windows 安装包 {windows_python_installer(python)}：双击，
echo 去掉 Use admin privileges when installing py.exe 前面的勾，再点 Install Now；装好后再双击本文件。
echo 详见同一文件夹中的“说明.txt”。
pause
exit /b 2
:found
echo 使用 Python：%PYEXE%
"%PYEXE%" -I "%~dp0install.py" --target "%TARGET%"{tail} & pause & exit /b
""")


def unix_script(python: str, target: str, uninstall: bool) -> bytes:
    """install.sh / uninstall.sh: find Python `python`, run install.py for this user (no root, no network)."""
    tail = " --uninstall" if uninstall else ""
    action = "卸载" if uninstall else "安装"
    return f"""#!/bin/sh
# 述评离线{action}：只为当前用户，装在 {target}，不需要 root 权限，不连网。
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET="{target}"
PY=""
for candidate in "${{PYTHON:-python{python}}}" python{python} python3 /usr/local/bin/python{python} \\
    /Library/Frameworks/Python.framework/Versions/{python}/bin/python{python} "$HOME/.local/bin/python{python}"; do
  if command -v "$candidate" >/dev/null 2>&1 && \\
     "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != ({python.replace(".", ", ")}))' 2>/dev/null; then
    PY="$candidate"
    break
  fi
done
if [ -z "$PY" ]; then
  echo "没有找到 Python {python}（python3 --version 可查看本机的版本）。见同一文件夹中的“说明.txt”。"
  echo "Python 装在别处时：PYTHON=/那里/bin/python{python} sh $0"
  exit 2
fi
echo "使用 Python：$(command -v "$PY")"
exec "$PY" -I "$HERE/install.py" --target "$TARGET"{tail} "$@"
""".encode("utf-8")


def write_text(path: Path, text: str, crlf: bool = False) -> Path:
    path.write_bytes(_crlf(text) if crlf else text.encode("utf-8"))
    return path


def write_config(folder: Path, config: dict) -> Path:
    return write_text(folder / CONFIG, json.dumps(config, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def copy_installer(folder: Path) -> Path:
    from . import bundle_install

    target = folder / "install.py"
    shutil.copyfile(bundle_install.__file__, target)
    return target


def bundle_files(folder: Path) -> list[str]:
    """Every file under `folder` as a /-separated relative path, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def write_manifest(folder: Path) -> Path:
    """清单.txt: '<sha256>  <path>' for every other file, sorted (`sha256sum -c 清单.txt` reads it)."""
    lines = [f"{sha256(folder / name)}  {name}" for name in bundle_files(folder) if name != MANIFEST]
    return write_text(folder / MANIFEST, "\n".join(lines) + "\n")


def write_archive(folder: Path, target: Path, gbk_names: bool) -> Path:
    """The folder as one zip, entries sorted under the folder's name, fixed timestamps.

    For Windows the names are stored in GBK with the UTF-8 name in an extra field (what
    Explorer on a Chinese Windows reads; io/delivery.py); elsewhere in UTF-8, with the
    executable bit on the .sh scripts.
    """
    from .atomic import atomic_save
    from .delivery import write_zip

    members = [(folder / name, f"{folder.name}/{name}") for name in bundle_files(folder)]
    if gbk_names:
        return write_zip(target, members)

    def write(temporary: Path) -> None:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, arcname in members:
                info = zipfile.ZipInfo(arcname, date_time=FIXED_TIME)
                info.compress_type = zipfile.ZIP_STORED if path.suffix == ".whl" else zipfile.ZIP_DEFLATED
                info.external_attr = (0o100755 if path.suffix in (".sh", ".command") else 0o100644) << 16
                info.create_system = 3
                archive.writestr(info, path.read_bytes())

    return atomic_save(target, write)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def is_bundle_folder(path: Path) -> bool:
    """A folder this command wrote before (its bundle.json names shuping's bundle)."""
    try:
        return json.loads((path / CONFIG).read_text(encoding="utf-8")).get("kind") == "shuping-bundle"
    except (OSError, ValueError, AttributeError):
        return False


def is_bundle_archive(path: Path, folder_name: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return f"{folder_name}/{CONFIG}" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
