"""`shuping bundle`: one offline installation folder, and its zip, per platform and Python.

Run where a package index can be reached; the clerk's PC needs no network. The folder holds the
shuping wheel built from this checkout, every dependency of shuping[excel] (and [app] when the
package has that extra) as a binary wheel for the target, pip's own wheel, the add-in where
Excel exists, install.py with its 安装.bat/卸载.bat or install.sh/uninstall.sh, bundle.json
and 清单.txt (SHA-256 of every file).

Whether the bundle is complete is decided here, not by pip: every requirement, followed from
shuping's own through each wheel's METADATA with the markers evaluated for the target
(`packaging.markers`, the target's environment), must be met by a wheel in the folder whose tags
the target accepts. What pip fetched beyond that is removed; what it missed is fetched once
more by name; what still has no wheel is an error naming it.
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..errors import BundleError, IndexUnreachable, UsageError

PYTHONS = ("3.10", "3.11", "3.12", "3.13")
MANYLINUX_GLIBC = 28          # newest glibc a Linux bundle may need: 2.28 (UOS 20: 2.28, Kylin V10: 2.31)
MACOS_MIN = (11, 0)           # macOS 11 Big Sur and newer, Intel and Apple silicon
EXTRAS = ("excel", "app")     # shuping's extras a bundle carries, where the package has them


@dataclass(frozen=True)
class Machine:
    """One kind of computer a bundle serves: its platform_machine and the platform tags it accepts."""
    arch: str
    platforms: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    sys_platform: str
    platform_system: str
    os_name: str
    machines: tuple[Machine, ...]
    accepted: tuple[str, ...]            # platform.machine().lower() on the clerk's PC
    windows: bool = False
    excel: bool = False
    home: str = ""                       # where install puts the venv (shell syntax)


def manylinux_platforms(arch: str, newest: int = MANYLINUX_GLIBC) -> tuple[str, ...]:
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(newest, 4, -1)]
    tags += [f"manylinux2014_{arch}"]
    if arch == "x86_64":
        tags += [f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    return tuple(tags)


def macos_platforms(arch: str) -> tuple[str, ...]:
    from packaging.tags import mac_platforms

    return tuple(mac_platforms(MACOS_MIN, arch))


def targets() -> dict[str, Target]:
    return {
        "win_amd64": Target("win_amd64", "Windows（64 位）", "win32", "Windows", "nt",
                            (Machine("AMD64", ("win_amd64",)),), ("amd64", "x86_64"),
                            windows=True, excel=True, home=r"%LOCALAPPDATA%\shuping"),
        "macos": Target("macos", "macOS 11 及以上（Intel 与 Apple 芯片）", "darwin", "Darwin", "posix",
                        (Machine("x86_64", macos_platforms("x86_64")), Machine("arm64", macos_platforms("arm64"))),
                        ("x86_64", "arm64"), excel=True, home="$HOME/Library/Application Support/shuping"),
        "linux_x86_64": Target("linux_x86_64", "Linux x86_64（含麒麟、统信 UOS 的 x86 版）", "linux", "Linux",
                               "posix", (Machine("x86_64", manylinux_platforms("x86_64")),), ("x86_64", "amd64"),
                               home="${XDG_DATA_HOME:-$HOME/.local/share}/shuping"),
        "linux_aarch64": Target("linux_aarch64", "Linux aarch64（含飞腾、鲲鹏上的麒麟、统信 UOS）", "linux", "Linux",
                                "posix", (Machine("aarch64", manylinux_platforms("aarch64")),), ("aarch64", "arm64"),
                                home="${XDG_DATA_HOME:-$HOME/.local/share}/shuping"),
    }


def marker_environment(target: Target, machine: Machine, python: str) -> dict[str, str]:
    """PEP 508 marker variables as they read on the target (platform_release/version left empty)."""
    return {"os_name": target.os_name, "sys_platform": target.sys_platform, "platform_system": target.platform_system,
            "platform_machine": machine.arch, "platform_python_implementation": "CPython",
            "implementation_name": "cpython", "implementation_version": f"{python}.0",
            "python_version": python, "python_full_version": f"{python}.0",
            "platform_release": "", "platform_version": ""}


def supported_tags(machine: Machine, python: str) -> tuple[str, ...]:
    """The tags the target's pip accepts, most preferred first (as pip ranks them)."""
    from packaging.tags import compatible_tags, cpython_tags

    version = tuple(int(p) for p in python.split("."))
    abi = f"cp{version[0]}{version[1]}"
    tags = list(cpython_tags(version, [abi], machine.platforms))
    tags += list(compatible_tags(version, abi, machine.platforms))
    return tuple(dict.fromkeys(str(t) for t in tags))


# ------------------------------------------------------------------ the independent check

@dataclass
class Missing:
    requirement: str
    wanted_by: str

    def __str__(self) -> str:
        return f"{self.requirement}（{self.wanted_by} 需要）"


@dataclass
class Resolution:
    chosen: dict[str, object] = field(default_factory=dict)     # canonical name -> WheelInfo
    missing: list[Missing] = field(default_factory=list)


def resolve(wheels: Iterable, roots: Iterable[str], markers: dict[str, str], tags: Iterable[str]) -> Resolution:
    """Follow `roots` through the wheels' Requires-Dist with the target's markers; every requirement
    must be met by a wheel with an accepted tag and a matching version. Of several, the newest,
    then the one with the most preferred tag (the one the target's pip will take)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    rank = {tag: k for k, tag in enumerate(tags)}
    by_name: dict[str, list] = {}
    for wheel in wheels:
        if any(tag in rank for tag in wheel.tags):
            by_name.setdefault(canonicalize_name(wheel.name), []).append(wheel)

    def preference(wheel):
        return (_version_key(wheel.version), -min(rank[t] for t in wheel.tags if t in rank))

    result = Resolution()
    extras_done: dict[str, set[str]] = {}
    queue = [(Requirement(root), "安装包") for root in roots]
    while queue:
        requirement, wanted_by = queue.pop(0)
        name = canonicalize_name(requirement.name)
        candidates = sorted((w for w in by_name.get(name, ())
                             if requirement.specifier.contains(w.version, prereleases=True)),
                            key=preference, reverse=True)
        chosen = result.chosen.get(name)
        if chosen is not None and chosen not in candidates:
            result.missing.append(Missing(_bare(requirement), wanted_by))
            continue
        wheel = chosen or (candidates[0] if candidates else None)
        if wheel is None:
            result.missing.append(Missing(_bare(requirement), wanted_by))
            continue
        result.chosen[name] = wheel
        wanted = {canonicalize_name(e) for e in requirement.extras}
        done = extras_done.setdefault(name, set())
        contexts = sorted(wanted - done) + ([""] if chosen is None else [])
        if not contexts:
            continue
        done.update(wanted)
        for line in wheel.requires:
            dependency = Requirement(line)
            if dependency.marker is None:
                if chosen is None:
                    queue.append((dependency, f"{wheel.name} {wheel.version}"))
            elif any(dependency.marker.evaluate({**markers, "extra": extra}) for extra in contexts):
                queue.append((dependency, f"{wheel.name} {wheel.version}"))
    return result


def _bare(requirement) -> str:
    """The requirement without its marker (already true here), as pip is to fetch it by name."""
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    return f"{requirement.name}{extras}{requirement.specifier}"


def _version_key(text: str):
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def oldest_glibc(wheels: Iterable, tags: Iterable[str]) -> str:
    """The glibc a Linux machine needs for these wheels: per wheel the oldest its accepted tags allow,
    the newest of those over the wheels ('' when every wheel is pure Python)."""
    import re

    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    tags = set(tags)
    need = (0, 0)
    for wheel in wheels:
        versions = []
        for tag in wheel.tags & tags:
            platform = tag.split("-")[2]
            found = re.match(r"manylinux_(\d+)_(\d+)_", platform)
            if found:
                versions.append((int(found.group(1)), int(found.group(2))))
            elif platform.split("_")[0] in legacy:
                versions.append(legacy[platform.split("_")[0]])
        if versions:
            need = max(need, min(versions))
    return f"{need[0]}.{need[1]}" if need != (0, 0) else ""


# ------------------------------------------------------------------ the use case

@dataclass
class BundleRun:
    folder: Path
    archive: Path
    target: Target
    python: str
    extras: list[str]
    wheels: list[str]
    files: int
    folder_bytes: int
    archive_bytes: int
    glibc: str = ""
    addin: Path | None = None
    removed: list[str] = field(default_factory=list)     # fetched by pip but not needed on the target
    fetched_again: list[str] = field(default_factory=list)
    seconds: float = 0.0


def checkout_root(source: str | os.PathLike | None = None) -> Path:
    """The shuping source tree to build the wheel from: `source`, else the one this code runs from."""
    root = Path(source) if source else Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        raise UsageError(f"{root} 不是述评的源代码文件夹（没有 pyproject.toml）。"
                         "请在述评的源代码文件夹中运行，或用 --source 指定。") from None
    if 'name = "shuping"' not in text:
        raise UsageError(f"{pyproject} 不是述评（shuping）的项目文件。")
    return root


def index_reachable(scratch: Path) -> bool:
    """Can pip fetch pip itself from the configured index (no cache)? pip's own messages do not
    always say that the network was the trouble."""
    from ..io.bundle_files import run_pip

    run = run_pip(["download", "--no-deps", "--no-cache-dir", "--only-binary=:all:", "--progress-bar", "off",
                   "--dest", str(scratch / "probe"), "pip"], timeout=300)
    return run.returncode == 0


def project_version(root: Path) -> str:
    import re

    found = re.search(r'^version\s*=\s*"([^"]+)"', (root / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    if found is None:
        raise UsageError(f"{root / 'pyproject.toml'} 中没有 version。")
    return found.group(1)


def _pip_failed(run, what: str, target: Target, python: str, scratch: Path) -> Exception:
    if run.offline or not index_reachable(scratch):
        return IndexUnreachable(f"无法连接软件包索引，{what}失败。请在能访问软件包索引的电脑上运行（检查网络、代理，"
                                "或 pip 的 index-url 设置）。")
    if run.not_found:
        names = "、".join(dict.fromkeys(run.not_found))
        return BundleError(f"{names} 在 {target.label} / Python {python} 上没有可用的二进制安装包（wheel），"
                           "无法做成离线安装包。")
    last = [line for line in run.output.splitlines() if line.strip()][-3:]
    return BundleError(f"{what}失败（pip 退出码 {run.returncode}）：" + " / ".join(last))


def _download(requirements: list[str], wheels: Path, target: Target, python: str, scratch: Path) -> None:
    from ..io.bundle_files import run_pip

    version = python.replace(".", "")
    for machine in target.machines:
        args = ["download", "--only-binary=:all:", "--dest", str(wheels), "--python-version", python,
                "--implementation", "cp", "--abi", f"cp{version}", "--progress-bar", "off"]
        for platform in machine.platforms:
            args += ["--platform", platform]
        run = run_pip(args + requirements, marker_environment(target, machine, python))
        if run.returncode != 0:
            raise _pip_failed(run, "下载依赖", target, python, scratch)


def build_bundle(platform: str, python: str, out: str | os.PathLike | None = None,
                 source: str | os.PathLike | None = None,
                 progress: Callable[[str], None] = lambda line: None,
                 make_addin: Callable[[Path, Path], Path] | None = None) -> BundleRun:
    """The bundle for `platform` and `python` in `out`; `make_addin(xlwings wheel, target)` builds
    shuping.xlam for the Excel platforms (addin.build.build_from_wheel; without it, no .xlam:
    the installer then builds the add-in on the clerk's PC, as it does anyway)."""
    from ..io import bundle_files as files
    from ..io.bundle_install import WHEELS

    started = time.monotonic()
    known = targets()
    if platform not in known:
        raise UsageError(f"不认识的平台“{platform}”，可选：{'、'.join(known)}")
    if python not in PYTHONS:
        raise UsageError(f"不支持的 Python 版本“{python}”，可选：{'、'.join(PYTHONS)}")
    target = known[platform]
    root = checkout_root(source)
    version = project_version(root)
    out_dir = Path(out) if out else Path(".")
    name = f"shuping-{version}-{platform}-py{python}"
    folder, archive = out_dir / name, out_dir / f"{name}.zip"
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"“{out_dir}”不是文件夹。")
    for existing, ours in ((folder, files.is_bundle_folder(folder)), (archive, files.is_bundle_archive(archive, name))):
        if existing.exists() and not ours:
            raise UsageError(f"“{existing}”已存在，且不是 shuping bundle 生成的，未做任何改动。")
    out_dir.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix=".~shuping-bundle-", dir=out_dir) as scratch_name:
        scratch = Path(scratch_name)
        progress("1. 用这份源代码生成述评的安装包（wheel）…")
        own, run = files.build_wheel(root, scratch / "dist", scratch)
        if own is None:
            raise _pip_failed(run, "生成述评的 wheel ", target, python, scratch)
        info = files.read_wheel(own)
        if info.version != version:
            raise BundleError(f"生成的 wheel 版本 {info.version} 与 pyproject.toml 的 {version} 不一致。")
        extras = [e for e in EXTRAS if e in info.extras]
        staging = scratch / name
        wheels = staging / WHEELS
        wheels.mkdir(parents=True)
        requirement = f"shuping[{','.join(extras)}]=={info.version}" if extras else f"shuping=={info.version}"
        direct = f"shuping[{','.join(extras)}] @ {own.resolve().as_uri()}" if extras else f"shuping @ {own.resolve().as_uri()}"
        progress(f"2. 下载 {target.label} / Python {python} 的全部依赖（{requirement}，以及 pip）…")
        _download([direct, "pip"], wheels, target, python, scratch)

        progress("3. 逐条核对依赖：每个要求都有适用于目标平台的 wheel …")
        fetched_again: list[str] = []
        for attempt in range(3):
            infos = [files.read_wheel(p) for p in sorted(wheels.glob("*.whl"))]
            missing = []
            resolutions = []
            for machine in target.machines:
                resolution = resolve(infos, [requirement, "pip"], marker_environment(target, machine, python),
                                     supported_tags(machine, python))
                resolutions.append((machine, resolution))
                missing += [m for m in resolution.missing if m not in missing]
            if not missing:
                break
            if attempt == 2:
                raise BundleError(f"以下依赖在 {target.label} / Python {python} 上找不到可用的二进制安装包（wheel）："
                                  + "；".join(map(str, missing)))
            wanted = sorted({m.requirement for m in missing})
            fetched_again += wanted
            progress(f"   补充下载：{'、'.join(wanted)}")
            _download(wanted, wheels, target, python, scratch)
        needed = {w.path.name for _, r in resolutions for w in r.chosen.values()}
        removed = sorted(p.name for p in wheels.glob("*") if p.name not in needed)
        for extra_file in removed:
            (wheels / extra_file).unlink()
        glibc = ""
        if target.sys_platform == "linux":
            glibc = max((oldest_glibc(r.chosen.values(), supported_tags(m, python)) for m, r in resolutions),
                        key=lambda v: tuple(int(x) for x in v.split(".")) if v else (0,))

        addin = None
        if target.excel and "excel" in extras and make_addin is not None:
            progress("4. 用安装包里的 xlwings 生成 Excel 加载项 shuping.xlam …")
            addin = _build_addin(resolutions, staging, make_addin)

        progress("5. 写安装脚本、说明和清单（SHA-256）…")
        pip_wheel = next(w for w in resolutions[0][1].chosen.values() if w.name.lower() == "pip")
        config = {"kind": "shuping-bundle", "name": name, "platform": platform, "label": target.label,
                  "python": python, "sys_platform": target.sys_platform, "machines": list(target.accepted),
                  "glibc": glibc, "excel": target.excel and "excel" in extras, "assistant": "app" in extras,
                  "extras": extras, "requirement": requirement, "pip_wheel": pip_wheel.path.name,
                  "pip_requirement": f"pip=={pip_wheel.version}", "shuping_version": info.version}
        files.write_config(staging, config)
        files.copy_installer(staging)
        if target.windows:
            (staging / "安装.bat").write_bytes(files.windows_script(python, uninstall=False))
            (staging / "卸载.bat").write_bytes(files.windows_script(python, uninstall=True))
        else:
            for script, uninstall in (("install.sh", False), ("uninstall.sh", True)):
                (staging / script).write_bytes(files.unix_script(python, target.home, uninstall))
                (staging / script).chmod(0o755)
        files.write_text(staging / "说明.txt", readme_text(config, target, sorted(needed)), crlf=target.windows)
        files.write_manifest(staging)

        progress("6. 打包成 zip …")
        if folder.exists():
            files.remove_tree(folder)
        os.replace(staging, folder)
        files.write_archive(folder, archive, gbk_names=target.windows)
        listed = files.bundle_files(folder)
        return BundleRun(folder, archive, target, python, extras, sorted(needed), len(listed),
                         files.folder_size(folder), archive.stat().st_size, glibc,
                         folder / "shuping.xlam" if addin else None, removed, fetched_again,
                         time.monotonic() - started)


def _build_addin(resolutions, staging: Path, make_addin: Callable[[Path, Path], Path]) -> Path:
    """shuping.xlam from the xlwings wheel in the bundle (so the add-in and the xlwings the clerk
    gets are the same version); `make_addin(xlwings wheel, target)` is the add-in builder."""
    xlwings = next((w for _, r in resolutions for n, w in r.chosen.items() if n == "xlwings"), None)
    if xlwings is None:
        raise BundleError("依赖中没有 xlwings，无法生成 Excel 加载项。")
    try:
        return make_addin(xlwings.path, staging / "shuping.xlam")
    except FileNotFoundError as exc:
        raise BundleError(f"无法用 {xlwings.path.name} 生成 Excel 加载项：{exc}") from None


def readme_text(config: dict, target: Target, wheels: list[str]) -> str:
    python = config["python"]
    if target.windows:
        from ..io.bundle_files import windows_python_installer

        steps = [f"1. 先装 Python {python}（64 位）：python.org 的 Windows 安装包 {windows_python_installer(python)}。",
                 "   双击，去掉“Use admin privileges when installing py.exe”前面的勾，再点 Install Now",
                 "  （为当前用户安装，不需要管理员权限）。已装过可跳过。",
                 "2. 双击本文件夹中的“安装.bat”。它会：",
                 "   · 按“清单.txt”核对每个文件（SHA-256），有一个不符就停下，什么也不改；",
                 r"   · 在 %LOCALAPPDATA%\shuping\venv 建立独立的 Python 环境，从本文件夹安装述评（不连网）；",
                 "   · 安装 Excel 加载项（重新打开 Excel 后出现“述职评议”选项卡）；",
                 "   · 在桌面和开始菜单放一个“述评助手”快捷方式。",
                 "3. 卸载：双击“卸载.bat”（本文件夹或 %LOCALAPPDATA%\\shuping 中的都可以）。只删除安装时建立的东西，"
                 "您的工作簿不会动。"]
    else:
        home = target.home
        steps = [f"1. 需要 Python {python}：终端中运行 python{python} --version 查看。",
                 "2. 在终端中运行：sh install.sh（或在文件管理器中右键 install.sh →“在终端中运行”）。它会：",
                 "   · 按“清单.txt”核对每个文件（SHA-256），有一个不符就停下，什么也不改；",
                 f"   · 在 {home}/venv 建立独立的 Python 环境，从本文件夹安装述评（不连网，不需要 root）；",
                 "   · " + ("安装 Excel 加载项；" if target.excel else "（Linux 上没有 Excel，不装加载项；WPS 表格请用命令行。）"),
                 "   · " + ("在桌面放一个“述评助手.command”。" if target.excel
                          else "在应用程序菜单和桌面放一个“述评助手”快捷方式。"),
                 "3. 卸载：sh uninstall.sh。只删除安装时建立的东西，您的工作簿不会动。"]
    need = f"；需要 glibc {config['glibc']} 或更新" if config.get("glibc") else ""
    return "\n".join([f"述评（shuping）{config['shuping_version']} 离线安装包",
                      f"适用于：{target.label}，Python {python}{need}。", ""] + steps + [
        "", f"快捷方式运行“shuping app”（述评助手）{'' if config['assistant'] else '——这个版本还没有助手，快捷方式要到装上带助手的版本后才能用'}。",
        f"本包含 {len(wheels)} 个 wheel（见 wheels 文件夹），每个文件的 SHA-256 见“清单.txt”，"
        "在 Linux/macOS 上也可以用 sha256sum -c 清单.txt 核对。", ""])
