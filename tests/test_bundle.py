"""`shuping bundle`: the offline installation folder per platform.

Without a network: the scripts' promises (per-user places, no admin, --no-index), 清单.txt,
the machine check, the resolution with a target's markers on hand-made wheel lists, usage
errors, "no index" as exit 2, and uninstalling only what was recorded.

With a package index (skipped, with the reason, when pip cannot reach one): win_amd64 and
linux_x86_64 bundles for the running Python, built once per module through the real entry
point; every requirement of shuping[excel] (and [app] when the package has it) followed here,
independently of the code under test, to a binary wheel for that platform; the linux bundle
installed offline (in a network namespace where `unshare -n` works) and `shuping demo` run.
"""
from __future__ import annotations

import email.parser
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from typer.testing import CliRunner

from workbook.cli import app
from workbook.io import bundle_files, bundle_install
from workbook.io.bundle_files import WheelInfo
from workbook.steps import bundle as B

PY = "%d.%d" % sys.version_info[:2]
ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def shuping(*args, env=None, cwd=None, timeout=900):
    """The real entry point in a subprocess (python -m workbook)."""
    return subprocess.run([sys.executable, "-m", "workbook", *map(str, args)], capture_output=True,
                          env=env, cwd=cwd, timeout=timeout)


# ------------------------------------------------------------------ the scripts' promises

def bat_promises(data: bytes, python: str) -> None:
    assert not data.startswith(b"\xef\xbb\xbf"), "a BOM breaks the first line of a .bat"
    assert b"\n" not in data.replace(b"\r\n", b""), "every line ends CRLF"
    text = data.decode("utf-8")
    first, second = text.split("\r\n")[:2]
    assert first == "@echo off" and second == "chcp 65001 >nul"        # ASCII until the code page is UTF-8
    assert r'set "TARGET=%LOCALAPPDATA%\shuping"' in text              # per user
    assert f"py -{python} " in text                                     # the launcher, the bundle's Python
    assert '-I "%~dp0install.py" --target "%TARGET%"' in text
    lowered = text.lower()
    for admin in ("runas", "hklm", "reg add", "setx", "/machine", "icacls", "takeown", "net session"):
        assert admin not in lowered, admin
    assert "http" not in lowered and "index-url" not in lowered
    assert not re.search(r"(copy|xcopy|move|mkdir|md|del|rd)\b[^\r\n]*programfiles", lowered)
    for line in text.split("\r\n"):                                     # an ASCII ')' would end a block
        if line.lstrip().lower().startswith("echo"):
            assert "(" not in line and ")" not in line, line


def test_bat_scripts_are_per_user_crlf_utf8_and_call_the_installer():
    for uninstall in (False, True):
        data = bundle_files.windows_script("3.11", uninstall)
        bat_promises(data, "3.11")
        text = data.decode("utf-8")
        assert r"%LOCALAPPDATA%\Programs\Python\Python311\python.exe" in text   # python.org's per-user place
        # the last line runs everything in one go: uninstalling deletes the copy of 卸载.bat being run
        last = text.rstrip("\r\n").split("\r\n")[-1]
        assert last.endswith("& pause & exit /b") and ("--uninstall" in last) == uninstall


def test_sh_scripts_are_per_user():
    data = bundle_files.unix_script("3.12", "${XDG_DATA_HOME:-$HOME/.local/share}/shuping", uninstall=False)
    text = data.decode("utf-8")
    assert text.startswith("#!/bin/sh\n") and "\r" not in text
    assert 'TARGET="${XDG_DATA_HOME:-$HOME/.local/share}/shuping"' in text
    assert "sys.version_info[:2] != (3, 12)" in text and "python3.12" in text
    for admin in ("sudo", "su -", "/usr/local/lib", "/opt/"):
        assert admin not in text


def test_the_installer_never_reaches_a_network_and_needs_only_the_standard_library():
    source = Path(bundle_install.__file__).read_text(encoding="utf-8")
    assert '"--no-index", "--find-links"' in source and '"--only-binary=:all:"' in source
    assert '"PIP_CONFIG_FILE": os.devnull' in source
    assert "http://" not in source and "https://" not in source
    import ast

    imported = {(node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
                for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    assert imported <= {"__future__", "base64", "hashlib", "json", "os", "platform", "shutil", "struct",
                        "subprocess", "sys", "pathlib"}, imported


def test_pip_sees_only_the_folder(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "http://127.0.0.1:9/more")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = bundle_install.clean_environment()
    assert "PIP_INDEX_URL" not in env and "PIP_EXTRA_INDEX_URL" not in env and "PYTHONPATH" not in env
    assert env["PIP_CONFIG_FILE"] == os.devnull and env["PIP_NO_INDEX"] == "1"


def test_windows_shortcuts_through_powershell_and_the_fallback_without_it(tmp_path, monkeypatch):
    import base64

    exe = Path(r"C:\Users\O'Neil 张\AppData\Local\shuping\venv\Scripts\shuping.exe")
    made = [tmp_path / "Desktop" / "述评助手.lnk", tmp_path / "Programs" / "述评助手.lnk"]
    for path in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"lnk")
    seen = {}

    def powershell(args, **kwargs):
        seen["args"] = args
        return subprocess.CompletedProcess(args, 0, ("\r\n".join(map(str, made)) + "\r\n").encode("utf-8"), b"")

    monkeypatch.setattr(bundle_install.subprocess, "run", powershell)
    assert bundle_install.windows_shortcuts(exe) == made
    args = seen["args"]
    assert args[:4] == ["powershell", "-NoProfile", "-NonInteractive", "-EncodedCommand"]
    script = base64.b64decode(args[4]).decode("utf-16-le")
    assert "$link.TargetPath = '" + str(exe).replace("'", "''") + "'" in script     # O'Neil quoted for PowerShell
    assert "$link.Arguments = 'app'" in script and "GetFolderPath('Desktop')" in script
    assert "GetFolderPath('Programs')" in script and "[Text.Encoding]::UTF8" in script

    def blocked(args, **kwargs):
        raise OSError("powershell is blocked")

    monkeypatch.setattr(bundle_install.subprocess, "run", blocked)
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    (fallback,) = bundle_install.windows_shortcuts(exe)
    assert fallback == tmp_path / "Desktop" / "述评助手.bat"
    assert fallback.read_bytes() == f'@echo off\r\nchcp 65001 >nul\r\n"{exe}" app\r\n'.encode("utf-8")


# ------------------------------------------------------------------ 清单.txt and the machine check

def test_manifest_catches_a_changed_byte_a_missing_file_and_a_stray_wheel(tmp_path):
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "a-1.0-py3-none-any.whl").write_bytes(b"wheel a")
    (tmp_path / "安装.bat").write_bytes(b"@echo off\r\n")
    bundle_files.write_manifest(tmp_path)
    text = (tmp_path / "清单.txt").read_text(encoding="utf-8")
    # sha256(b"wheel a") and sha256(b"@echo off\r\n") as `sha256sum` prints them, sorted by path
    assert text == (f"{hashlib.sha256(b'wheel a').hexdigest()}  wheels/a-1.0-py3-none-any.whl\n"
                    f"{hashlib.sha256(b'@echo off' + bytes([13, 10])).hexdigest()}  安装.bat\n")
    assert bundle_install.manifest_problems(tmp_path) == []
    (tmp_path / "wheels" / "a-1.0-py3-none-any.whl").write_bytes(b"wheel A")
    (tmp_path / "wheels" / "evil-1.0-py3-none-any.whl").write_bytes(b"x")
    (tmp_path / "安装.bat").unlink()
    problems = bundle_install.manifest_problems(tmp_path)
    assert problems == ["文件已损坏或被改动（SHA-256 不符）：wheels/a-1.0-py3-none-any.whl",
                        "缺少文件：安装.bat",
                        "清单中没有的文件：wheels/evil-1.0-py3-none-any.whl（请删除它，或重新解压安装包）"]
    if shutil.which("sha256sum"):       # the same file checks with coreutils
        (tmp_path / "wheels" / "evil-1.0-py3-none-any.whl").unlink()
        (tmp_path / "wheels" / "a-1.0-py3-none-any.whl").write_bytes(b"wheel a")
        (tmp_path / "安装.bat").write_bytes(b"@echo off\r\n")
        assert subprocess.run(["sha256sum", "--quiet", "-c", "清单.txt"], cwd=tmp_path).returncode == 0


def test_a_bundle_for_another_python_or_machine_is_refused_in_chinese():
    config = {"python": "3.11", "sys_platform": "linux", "label": "Linux x86_64", "machines": ["x86_64"],
              "glibc": "2.27"}
    here = {"python": "3.11", "platform": "linux", "machine": "x86_64", "bits": 64, "glibc": "2.31",
            "implementation": "cpython"}
    assert bundle_install.machine_problems(config, here) == []
    assert "Python 3.11" in bundle_install.machine_problems(config, {**here, "python": "3.8"})[0]   # Kylin V10's own
    assert "glibc 2.27" in bundle_install.machine_problems(config, {**here, "glibc": "2.17"})[0]
    assert "aarch64" in bundle_install.machine_problems(config, {**here, "machine": "aarch64"})[0]
    assert "32 位" in bundle_install.machine_problems(config, {**here, "bits": 32})[0]
    assert "win32" in bundle_install.machine_problems(config, {**here, "platform": "win32"})[0]


def test_uninstall_removes_only_what_the_install_recorded(tmp_path):
    target = tmp_path / "shuping"
    (target / "venv").mkdir(parents=True)
    (target / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    shortcut = tmp_path / "Desktop" / "shuping.desktop"
    shortcut.parent.mkdir()
    shortcut.write_text("[Desktop Entry]\n")
    mine = target / "我的笔记.txt"                # the clerk's own file in the same folder
    mine.write_text("留着")
    neighbour = tmp_path / "Desktop" / "别的.desktop"
    neighbour.write_text("[Desktop Entry]\n")
    (target / "安装记录.json").write_text(json.dumps({"venv": str(target / "venv"), "addin": False,
                                                      "files": [str(shortcut), str(tmp_path / "gone.txt")]}))
    assert bundle_install.uninstall(target) == 0
    assert not shortcut.exists() and not (target / "venv").exists() and not (target / "安装记录.json").exists()
    assert mine.read_text() == "留着" and neighbour.exists() and target.is_dir()
    assert bundle_install.uninstall(target) == 0          # nothing recorded: nothing done


def test_a_folder_that_is_not_a_venv_is_never_removed(tmp_path):
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "data.xlsx").write_bytes(b"x")
    assert bundle_install.remove_venv(tmp_path / "venv") is False and (tmp_path / "venv" / "data.xlsx").exists()


# ------------------------------------------------------------------ resolution for a target

def wheel(filename: str, *requires: str, extras: tuple[str, ...] = ()) -> WheelInfo:
    name, version, _, tags = parse_wheel_filename(filename)
    return WheelInfo(Path(filename), str(name), str(version), frozenset(map(str, tags)), tuple(requires), extras)


SHUPING = wheel("shuping-0.1.0-py3-none-any.whl", "numpy>=1.24", 'xlwings>=0.30; extra == "excel"',
                'pytest>=8; extra == "test"', extras=("excel", "test"))
XLWINGS_WIN = wheel("xlwings-0.37.8-cp311-cp311-win_amd64.whl", 'pywin32>=224; platform_system == "Windows"',
                    'psutil>=2; platform_system == "Darwin"')
NUMPY_WIN = wheel("numpy-2.4.6-cp311-cp311-win_amd64.whl")
NUMPY_LINUX = wheel("numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl")
XLWINGS_LINUX = wheel("xlwings-0.37.8-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                      'pywin32>=224; platform_system == "Windows"')
PYWIN32 = wheel("pywin32-312-cp311-cp311-win_amd64.whl")


def resolve_for(key: str, wheels, roots=("shuping[excel]==0.1.0",)):
    target = B.targets()[key]
    machine = target.machines[0]
    return B.resolve(wheels, roots, B.marker_environment(target, machine, "3.11"), B.supported_tags(machine, "3.11"))


def test_windows_needs_pywin32_for_xlwings_which_pip_on_linux_would_skip():
    result = resolve_for("win_amd64", [SHUPING, XLWINGS_WIN, NUMPY_WIN])
    assert [str(m) for m in result.missing] == ["pywin32>=224（xlwings 0.37.8 需要）"]
    result = resolve_for("win_amd64", [SHUPING, XLWINGS_WIN, NUMPY_WIN, PYWIN32])
    assert result.missing == [] and sorted(result.chosen) == ["numpy", "pywin32", "shuping", "xlwings"]
    # pytest is behind extra == "test", psutil behind Darwin: neither is asked for


def test_a_wheel_for_another_platform_does_not_count_and_linux_needs_no_pywin32():
    result = resolve_for("linux_x86_64", [SHUPING, XLWINGS_LINUX, NUMPY_WIN])
    assert [str(m) for m in result.missing] == ["numpy>=1.24（shuping 0.1.0 需要）"]
    result = resolve_for("linux_x86_64", [SHUPING, XLWINGS_LINUX, NUMPY_LINUX])
    assert result.missing == [] and "pywin32" not in result.chosen


def test_a_too_old_version_is_missing_not_met():
    old = wheel("numpy-1.21.0-cp311-cp311-win_amd64.whl")
    result = resolve_for("win_amd64", [SHUPING, XLWINGS_WIN, PYWIN32, old])
    assert [m.requirement for m in result.missing] == ["numpy>=1.24"]


def test_of_two_fitting_wheels_the_one_the_target_pip_prefers_is_kept():
    # lxml for macOS: a universal2 wheel (both chips) and an x86_64 one; pip on an Intel Mac takes
    # macosx_10_9_x86_64 before macosx_10_9_universal2, on Apple silicon only universal2 fits
    both = wheel("lxml-6.1.3-cp311-cp311-macosx_10_9_universal2.whl")
    intel = wheel("lxml-6.1.3-cp311-cp311-macosx_10_9_x86_64.whl")
    target = B.targets()["macos"]
    chosen = []
    for machine in target.machines:
        result = B.resolve([intel, both], ["lxml"], B.marker_environment(target, machine, "3.11"),
                           B.supported_tags(machine, "3.11"))
        chosen.append(result.chosen["lxml"].path.name)
    assert chosen == [intel.path.name, both.path.name]


def test_the_glibc_a_linux_bundle_needs():
    tags = B.supported_tags(B.targets()["linux_x86_64"].machines[0], "3.11")
    # numpy: manylinux_2_27 and _2_28 -> works from 2.27; xlwings: manylinux_2_17 / 2014 -> 2.17; the bundle: 2.27
    assert B.oldest_glibc([NUMPY_LINUX, XLWINGS_LINUX, SHUPING], tags) == "2.27"
    assert B.oldest_glibc([SHUPING], tags) == ""


def test_platform_tags_reach_the_newest_glibc_and_macos_both_chips():
    linux = B.targets()["linux_aarch64"].machines[0].platforms
    assert linux[0] == "manylinux_2_28_aarch64" and "manylinux2014_aarch64" in linux
    assert "manylinux_2_29_aarch64" not in linux
    mac = B.targets()["macos"].machines
    assert [m.arch for m in mac] == ["x86_64", "arm64"]
    assert "macosx_11_0_arm64" in mac[1].platforms and "macosx_10_9_x86_64" in mac[0].platforms
    assert "macosx_11_0_universal2" in mac[0].platforms and "macosx_11_0_universal2" in mac[1].platforms


# ------------------------------------------------------------------ usage errors

def test_unknown_platform_or_python_is_exit_2_in_chinese(tmp_path):
    result = runner.invoke(app, ["bundle", "--platform", "win32", "--python", PY, "-o", str(tmp_path)])
    assert result.exit_code == 2 and "不认识的平台“win32”" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["bundle", "--platform", "win_amd64", "--python", "3.9", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "不支持的 Python 版本“3.9”" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_folder_the_tool_did_not_write_is_refused(tmp_path):
    version = B.project_version(ROOT)
    theirs = tmp_path / f"shuping-{version}-linux_x86_64-py{PY}"
    theirs.mkdir()
    (theirs / "重要.txt").write_text("别动")
    result = runner.invoke(app, ["bundle", "--platform", "linux_x86_64", "--python", PY, "-o", str(tmp_path)])
    assert result.exit_code == 2 and "不是 shuping bundle 生成的" in result.output
    assert [p.name for p in theirs.iterdir()] == ["重要.txt"]


def test_no_index_is_exit_2_with_a_chinese_message(tmp_path):
    # pip pointed at a closed port on this machine, its configuration and find-links switched off
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_EXTRA_INDEX_URL="", PIP_FIND_LINKS="",
               PIP_CONFIG_FILE=os.devnull, PIP_RETRIES="0", PIP_TIMEOUT="3")
    done = shuping("bundle", "--platform", "linux_x86_64", "--python", PY, "-o", tmp_path / "out", env=env,
                   timeout=300)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2, err
    assert "无法连接软件包索引" in err and "Traceback" not in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == []          # no half-made bundle left behind


# ------------------------------------------------------------------ install.py on a tiny bundle (no network)

def tiny_bundle(folder: Path) -> Path:
    """A bundle with pip (from ensurepip) and a one-module 'shuping' whose console script prints its arguments."""
    import ensurepip
    import platform as host

    pips = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    if not pips:
        pytest.skip("this Python has no bundled pip wheel (ensurepip stripped)")
    wheels = folder / "wheels"
    wheels.mkdir(parents=True)
    shutil.copyfile(pips[-1], wheels / pips[-1].name)
    members = {"shuping_fake.py": "import sys\ndef main():\n    print('fake shuping', *sys.argv[1:])\n",
               "shuping-0.0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: shuping\nVersion: 0.0.1\n",
               "shuping-0.0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                                "Tag: py3-none-any\n",
               "shuping-0.0.1.dist-info/entry_points.txt": "[console_scripts]\nshuping = shuping_fake:main\n"}
    members["shuping-0.0.1.dist-info/RECORD"] = "".join(f"{name},,\n" for name in members) + \
        "shuping-0.0.1.dist-info/RECORD,,\n"
    with zipfile.ZipFile(wheels / "shuping-0.0.1-py3-none-any.whl", "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    bundle_files.write_config(folder, {
        "kind": "shuping-bundle", "name": "tiny", "label": "测试", "python": PY, "sys_platform": sys.platform,
        "machines": [host.machine().lower()], "glibc": "", "excel": False, "assistant": False,
        "requirement": "shuping==0.0.1", "pip_wheel": pips[-1].name,
        "pip_requirement": "pip==" + pips[-1].name.split("-")[1], "shuping_version": "0.0.1"})
    bundle_files.copy_installer(folder)
    (folder / "uninstall.sh").write_bytes(bundle_files.unix_script(PY, "unused", uninstall=True))
    bundle_files.write_manifest(folder)
    return folder


def run_installer(bundle: Path, target: Path, home: Path, *extra: str):
    env = {"HOME": str(home), "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "PIP_INDEX_URL": "http://127.0.0.1:9/x"}
    done = subprocess.run([sys.executable, "-I", str(bundle / "install.py"), "--target", str(target), *extra],
                          capture_output=True, env=env, timeout=600)
    return done.returncode, done.stdout.decode("utf-8") + done.stderr.decode("utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="the Windows paths are checked on the first real install")
def test_install_reinstall_refusal_and_uninstall_on_a_tiny_bundle(tmp_path):
    bundle = tiny_bundle(tmp_path / "bundle")
    home, target = tmp_path / "home", tmp_path / "home" / "apps" / "shuping"
    (home / "Desktop").mkdir(parents=True)
    code, out = run_installer(bundle, target, home)
    assert code == 0, out
    exe = target / "venv" / "bin" / "shuping"
    assert subprocess.run([str(exe), "app"], capture_output=True).stdout == b"fake shuping app\n"
    assert "没有“shuping app”" in out                       # the assistant is not in this bundle: said so
    record = json.loads((target / "安装记录.json").read_text(encoding="utf-8"))
    desktop = home / "Desktop" / "shuping.desktop"
    menu = home / ".local" / "share" / "applications" / "shuping.desktop"
    assert sorted(record["files"]) == sorted(map(str, [menu, desktop, target / "install.py", target / "bundle.json",
                                                       target / "uninstall.sh"]))
    # again (an update): a fresh venv, the same record, no duplicates
    code, out = run_installer(bundle, target, home)
    assert code == 0, out
    again = json.loads((target / "安装记录.json").read_text(encoding="utf-8"))
    assert sorted(again["files"]) == sorted(record["files"]) and exe.exists()
    # a venv the installer did not record is never replaced
    (target / "安装记录.json").rename(tmp_path / "record.json")
    code, out = run_installer(bundle, target, home)
    assert code == 2 and "不是本安装程序创建的" in out and exe.exists()
    (tmp_path / "record.json").rename(target / "安装记录.json")
    # uninstalling from the copy in the target folder, as after the bundle folder is gone
    code, out = run_installer(target, target, home, "--uninstall")
    assert code == 0, out
    assert not target.exists() and not desktop.exists() and not menu.exists()
    assert (home / "Desktop").is_dir()


def test_the_wrong_python_installs_nothing(tmp_path):
    bundle = tiny_bundle(tmp_path / "bundle")
    config = json.loads((bundle / "bundle.json").read_text(encoding="utf-8"))
    other = "3.10" if PY != "3.10" else "3.11"
    bundle_files.write_config(bundle, {**config, "python": other})
    bundle_files.write_manifest(bundle)
    code, out = run_installer(bundle, tmp_path / "target", tmp_path)
    assert code == 2 and f"这个安装包是为 Python {other} 准备的" in out and not (tmp_path / "target").exists()


# ------------------------------------------------------------------ real bundles (needs a package index)

def _probe_index(tmp_path_factory) -> str | None:
    """None when pip can download a wheel for Windows here; else why not."""
    folder = tmp_path_factory.mktemp("probe")
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
                           "--only-binary=:all:", "--platform", "win_amd64", "--python-version", PY,
                           "--implementation", "cp", "--abi", "cp" + PY.replace(".", ""), "-d", str(folder),
                           "defusedxml"], capture_output=True, timeout=300)
    if done.returncode == 0:
        return None
    lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else f"pip exit {done.returncode}"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    reason = _probe_index(tmp_path_factory)
    if reason is not None:
        pytest.skip(f"pip cannot reach a package index here, so no bundle can be built: {reason}")
    out = tmp_path_factory.mktemp("bundles")
    made = {}
    for platform in ("win_amd64", "linux_x86_64"):
        done = shuping("bundle", "--platform", platform, "--python", PY, "-o", out)
        assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
        name = f"shuping-{B.project_version(ROOT)}-{platform}-py{PY}"
        made[platform] = (out / name, out / f"{name}.zip", done.stdout.decode("utf-8"))
    return made


def extras_of_shuping() -> list[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return [extra for extra in ("excel", "app") if re.search(rf"^{extra}\s*=", text, re.M)]


def independent_closure(folder: Path, platform_ok, environment: dict[str, str]) -> tuple[set[str], list[str]]:
    """Written apart from steps/bundle.py: read every wheel's METADATA, walk shuping[extras] and pip."""
    metadata = {}
    for path in (folder / "wheels").glob("*.whl"):
        name, version, _, tags = parse_wheel_filename(path.name)
        assert any(platform_ok(t.platform) for t in tags), f"{path.name} is not for this platform"
        with zipfile.ZipFile(path) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
            message = email.parser.BytesParser().parsebytes(z.read(meta))
        metadata[canonicalize_name(name)] = (version, message.get_all("Requires-Dist") or [])
    extras = extras_of_shuping()
    todo = [(Requirement(f"shuping[{','.join(extras)}]"), "root"), (Requirement("pip"), "root")]
    seen, missing = set(), []
    while todo:
        requirement, by = todo.pop()
        key = canonicalize_name(requirement.name)
        if key not in metadata or not requirement.specifier.contains(metadata[key][0], prereleases=True):
            missing.append(f"{requirement} <- {by}")
            continue
        for extra in [""] + sorted(requirement.extras):
            if (key, extra) in seen:
                continue
            seen.add((key, extra))
            for line in metadata[key][1]:
                dependency = Requirement(line)
                if dependency.marker is None:
                    if extra == "":
                        todo.append((dependency, key))
                elif dependency.marker.evaluate({**environment, "extra": extra}):
                    todo.append((dependency, key))
    return {k for k, _ in seen}, missing


WINDOWS = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64",
           "python_version": PY, "python_full_version": PY + ".0", "implementation_name": "cpython",
           "platform_python_implementation": "CPython"}
LINUX = {**WINDOWS, "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
         "platform_machine": "x86_64"}


def test_windows_bundle_resolves_every_requirement_to_a_windows_wheel(bundles):
    folder, archive, _ = bundles["win_amd64"]
    used, missing = independent_closure(folder, lambda p: p in ("win_amd64", "any"), WINDOWS)
    assert missing == []
    assert {"shuping", "xlwings", "pywin32", "numpy", "pip", "olefile"} <= used      # pywin32: Windows-only
    if "app" in extras_of_shuping():                                                 # the assistant's server
        assert {"starlette", "uvicorn"} <= used
    wheels = {p.name for p in (folder / "wheels").iterdir()}
    assert len(wheels) == len(used), "no wheel the target does not need"
    assert all(name.endswith(("-win_amd64.whl", "-none-any.whl")) for name in wheels)


def test_linux_bundle_resolves_every_requirement_to_a_manylinux_wheel(bundles):
    folder, _, _ = bundles["linux_x86_64"]
    used, missing = independent_closure(folder, lambda p: p == "any" or re.fullmatch(
        r"manylinux(1|2010|2014|_2_\d+)_x86_64", p) is not None, LINUX)
    assert missing == [] and "pywin32" not in used
    config = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    assert config["glibc"] and tuple(map(int, config["glibc"].split("."))) <= (2, 28)


def test_the_bundle_folders_hold_what_a_clerk_needs_and_the_manifest_checks(bundles, tmp_path):
    win, _, _ = bundles["win_amd64"]
    linux, _, _ = bundles["linux_x86_64"]
    names = {p.name for p in win.iterdir()}
    assert {"安装.bat", "卸载.bat", "install.py", "bundle.json", "说明.txt", "清单.txt", "shuping.xlam", "wheels"} <= names
    assert {"install.sh", "uninstall.sh", "install.py", "清单.txt", "wheels"} <= {p.name for p in linux.iterdir()}
    assert not (linux / "shuping.xlam").exists()                       # no Excel on Linux
    for folder in (win, linux):
        assert bundle_install.manifest_problems(folder) == []
        listed = [line.split("  ", 1)[1] for line in (folder / "清单.txt").read_text(encoding="utf-8").splitlines()]
        assert listed == sorted(listed) and len(listed) == len(bundle_files.bundle_files(folder)) - 1
    # the shuping wheel holds every package of the checkout (a package missing from pyproject's list once broke it)
    own = next((linux / "wheels").glob("shuping-*.whl"))
    with zipfile.ZipFile(own) as z:
        packaged = {n.rsplit("/", 1)[0] for n in z.namelist() if n.endswith("/__init__.py")}
    checkout = {p.parent.relative_to(ROOT).as_posix() for top in ("workbook", "macros_py", "addin", "assistant")
                for p in (ROOT / top).rglob("__init__.py") if "__pycache__" not in p.parts}
    assert checkout <= packaged, checkout - packaged
    for bat in ("安装.bat", "卸载.bat"):
        bat_promises((win / bat).read_bytes(), PY)
    assert (win / "说明.txt").read_bytes().count(b"\r\n") > 5
    with zipfile.ZipFile(win / "shuping.xlam") as xlam:                 # made from the bundled xlwings' template
        assert "述职评议" in xlam.read("customUI/customUI.xml").decode("utf-8")
    import xlwings
    from addin.build import build
    if any(p.name.startswith(f"xlwings-{xlwings.__version__}-") for p in (win / "wheels").iterdir()):
        # the same xlwings here as in the bundle: the same add-in, byte for byte (the build is reproducible)
        assert build(tmp_path / "here.xlam").read_bytes() == (win / "shuping.xlam").read_bytes()


def test_the_zips_unpack_to_one_folder_with_chinese_names_windows_can_read(bundles):
    win, win_zip, _ = bundles["win_amd64"]
    with zipfile.ZipFile(win_zip) as archive:
        infos = archive.infolist()
        # stored in GBK without the UTF-8 flag (what Explorer on a Chinese Windows reads)
        names = [i.filename.encode("cp437").decode("gbk") if not i.flag_bits & 0x800 else i.filename for i in infos]
        assert f"{win.name}/安装.bat" in names and f"{win.name}/清单.txt" in names
        assert all(n.startswith(win.name + "/") for n in names) and names == sorted(names, key=lambda n: n)
        assert {i.date_time for i in infos} == {(2024, 1, 1, 0, 0, 0)}
        assert archive.read(infos[names.index(f"{win.name}/安装.bat")]) == (win / "安装.bat").read_bytes()
    linux, linux_zip, _ = bundles["linux_x86_64"]
    with zipfile.ZipFile(linux_zip) as archive:
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert modes[f"{linux.name}/install.sh"] & 0o111 and f"{linux.name}/清单.txt" in modes


def unshare_works() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-n", "true"], capture_output=True).returncode == 0


def bare_path(tmp_path: Path) -> str:
    """PATH of a bare PC: the Python under test, sh and dirname (for install.sh), nothing else (no LibreOffice)."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("sh", "dirname"):
        (tools / tool).symlink_to(shutil.which(tool))
    (tools / f"python{PY}").symlink_to(sys.executable)
    return str(tools)


def test_the_linux_bundle_installs_offline_runs_the_demo_and_uninstalls(bundles, tmp_path):
    _, archive, _ = bundles["linux_x86_64"]
    with zipfile.ZipFile(archive) as z:          # what a clerk gets: the zip, unpacked
        z.extractall(tmp_path / "u")
    folder = next((tmp_path / "u").iterdir())
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    env = {"HOME": str(home), "LANG": "C.UTF-8", "PATH": bare_path(tmp_path)}
    offline = [shutil.which("unshare"), "-n"] if unshare_works() else []   # no network at all, not just --no-index
    done = subprocess.run(offline + ["/bin/sh", str(folder / "install.sh")], capture_output=True, env=env,
                          timeout=600)
    out = done.stdout.decode("utf-8") + done.stderr.decode("utf-8")
    assert done.returncode == 0, out
    assert "安装完成" in out
    target = home / ".local" / "share" / "shuping"
    exe = target / "venv" / "bin" / "shuping"
    desktop_entry = home / ".local" / "share" / "applications" / "shuping.desktop"
    assert f'Exec="{exe}" app' in desktop_entry.read_text(encoding="utf-8")
    assert (home / "Desktop" / "shuping.desktop").exists()
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(offline + [str(exe), "demo", "演示"], capture_output=True, env=env, cwd=work, timeout=600)
    out = done.stdout.decode("utf-8") + done.stderr.decode("utf-8")
    assert done.returncode == 0, out
    assert (work / "演示" / "述职评议示例_成果" / "计票汇总表.xlsx").exists() and "Traceback" not in out
    if "app" in extras_of_shuping():             # the assistant is in the wheel and its server imports
        done = subprocess.run(offline + [str(target / "venv" / "bin" / "python"), "-c",
                                         "import assistant, starlette, uvicorn"], capture_output=True, env=env)
        assert done.returncode == 0, done.stderr.decode("utf-8")
        done = subprocess.run(offline + [str(exe), "app", "--help"], capture_output=True, env=env)
        assert done.returncode == 0, done.stderr.decode("utf-8")
    done = subprocess.run(["/bin/sh", str(target / "uninstall.sh")], capture_output=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout.decode("utf-8")
    assert not target.exists() and not desktop_entry.exists() and not (home / "Desktop" / "shuping.desktop").exists()
    assert (work / "演示" / "述职评议示例.xlsx").exists()           # the clerk's files untouched


def test_a_damaged_bundle_installs_nothing(bundles, tmp_path):
    _, archive, _ = bundles["linux_x86_64"]
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "u")
    folder = next((tmp_path / "u").iterdir())
    victim = sorted((folder / "wheels").glob("numpy-*.whl"))[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "LANG": "C.UTF-8", "PATH": bare_path(tmp_path)}
    done = subprocess.run(["/bin/sh", str(folder / "install.sh")], capture_output=True, env=env, timeout=300)
    out = done.stdout.decode("utf-8")
    assert done.returncode == 2 and f"SHA-256 不符）：wheels/{victim.name}" in out
    assert not (home / ".local" / "share" / "shuping").exists()
