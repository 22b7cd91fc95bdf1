"""Building shuping.xlam from the add-in template that ships inside the xlwings package.

Everything else of the template is kept byte for byte; two parts change:
- customUI/customUI.xml: the 述职评议 tab made from workbook.ribbon.BUTTONS (groups 准备 / 计票 /
  整改 / 发送; one button per entry point; tag = the entry point's name);
- xl/vbaProject.bin: the module RibbonMyAddin's source replaced by Dispatcher.bas
  ([MS-OVBA] compression; its MODULEOFFSET set to 0 in the dir stream, so Office compiles
  from source), written back as a compound file by our own writer (cfb.py).
The zip is written with fixed timestamps: the same inputs give the same bytes.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from . import cfb, ovba

HERE = Path(__file__).resolve().parent
DISPATCHER_MODULE = "RibbonMyAddin"
DISPATCHER_SUB = "OnButton"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
CUSTOMUI_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
GROUPS = (
    ("准备", ("prepare", "prepare_totals", "import_comments")),
    ("计票", ("check", "tally")),
    ("整改", ("rectify", "progress")),
    ("发送", ("notices", "mail")),
)
ICONS = {"prepare": "TableInsert", "import_comments": "FileOpen", "check": "DataValidation", "tally": "AutoSum",
         "rectify": "ReviewNewComment", "progress": "ChartInsert", "notices": "FilePrint",
         "mail": "FileSendAsAttachment", "prepare_totals": "TableInsertGallery"}


def template_path() -> Path:
    try:
        import xlwings
    except ImportError as exc:
        raise FileNotFoundError("需要先安装 xlwings（pip install xlwings），其中带有加载项模板") from exc
    path = Path(xlwings.__file__).parent / TEMPLATE_NAME
    if not path.exists():
        raise FileNotFoundError(f"xlwings 安装中没有找到加载项模板 {TEMPLATE_NAME}")
    return path


def customui_xml() -> str:
    from workbook.ribbon import BUTTONS

    lines = [f'<customUI xmlns="{CUSTOMUI_NS}">', "  <ribbon>", "    <tabs>",
             '      <tab id="shupingTab" label="述职评议">']
    for k, (group, tags) in enumerate(GROUPS, start=1):
        lines.append(f'        <group id="shupingGroup{k}" label="{escape(group)}">')
        for tag in tags:
            label, tip = BUTTONS[tag]
            lines.append(f'          <button id="shuping_{tag}" label="{escape(label)}" size="large" '
                         f'imageMso="{ICONS[tag]}" screentip="{escape(label)}" supertip="{escape(tip)}" '
                         f'tag="{tag}" onAction="{DISPATCHER_MODULE}.{DISPATCHER_SUB}"/>')
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines)


def dispatcher_source() -> bytes:
    """Dispatcher.bas with CRLF line ends, ASCII (the project's code page is 1252)."""
    text = (HERE / "Dispatcher.bas").read_text(encoding="ascii")
    return "\r\n".join(text.splitlines()).encode("ascii") + b"\r\n"


def vba_project(template: bytes) -> bytes:
    streams = cfb.read_all(template)
    directory = ovba.decompress(streams["VBA/dir"])
    module = ovba.modules(directory)[DISPATCHER_MODULE]
    streams[f"VBA/{module['stream']}"] = ovba.compress(dispatcher_source())
    streams["VBA/dir"] = ovba.compress(ovba.with_source_only(directory, DISPATCHER_MODULE))
    return cfb.write(streams)


def build(target: Path, template: Path | None = None) -> Path:
    from workbook.io.atomic import atomic_write_bytes

    source = zipfile.ZipFile(template or template_path())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == CUSTOMUI_PART:
                data = customui_xml().encode("utf-8")
            elif info.filename == VBA_PART:
                data = vba_project(data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(fixed, data)
    return atomic_write_bytes(Path(target), buffer.getvalue())


def build_from_wheel(wheel: Path, target: Path) -> Path:
    """shuping.xlam from the template inside an xlwings wheel (`shuping bundle`: the add-in matches
    the xlwings the bundle installs, not the one running here)."""
    member = f"xlwings/{TEMPLATE_NAME}"
    with zipfile.ZipFile(wheel) as archive:
        if member not in archive.namelist():
            raise FileNotFoundError(f"{Path(wheel).name} 中没有加载项模板 {TEMPLATE_NAME}")
        template = io.BytesIO(archive.read(member))
    return build(target, template)
