"""shuping.xlam built here and checked with independent readers: zipfile, defusedxml,
olefile, olevba (oletools) and, when present, LibreOffice."""
import io
import random
import shutil
import subprocess
import sys
import zipfile

import pytest

pytest.importorskip("xlwings")
olefile = pytest.importorskip("olefile")

import macros_py  # noqa: E402
from addin import cfb, ovba  # noqa: E402
from addin.build import (CUSTOMUI_PART, DISPATCHER_MODULE, DISPATCHER_SUB, HERE, VBA_PART, build,  # noqa: E402
                         template_path)
from addin.install import install, plan_install, read_conf, uninstall  # noqa: E402


@pytest.fixture(scope="module")
def xlam(tmp_path_factory):
    return build(tmp_path_factory.mktemp("addin") / "shuping.xlam")


def test_the_build_is_reproducible(xlam, tmp_path):
    assert build(tmp_path / "again.xlam").read_bytes() == xlam.read_bytes()


def test_zip_parts_content_types_and_relationships(xlam):
    from defusedxml import ElementTree

    built, template = zipfile.ZipFile(xlam), zipfile.ZipFile(template_path())
    assert built.namelist() == template.namelist()
    for name in template.namelist():
        if name not in (CUSTOMUI_PART, VBA_PART):
            assert built.read(name) == template.read(name), name
    types = built.read("[Content_Types].xml").decode()
    assert 'PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    rels = ElementTree.fromstring(built.read("_rels/.rels"))
    targets = {r.get("Target"): r.get("Type") for r in rels}
    assert targets[CUSTOMUI_PART] == "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"


def test_the_ribbon_names_only_real_callbacks_and_entry_points(xlam):
    from defusedxml import ElementTree

    ns = "{http://schemas.microsoft.com/office/2006/01/customui}"
    ui = ElementTree.fromstring(zipfile.ZipFile(xlam).read(CUSTOMUI_PART))
    [tab] = ui.iter(f"{ns}tab")
    assert tab.get("label") == "述职评议"
    assert [g.get("label") for g in tab.iter(f"{ns}group")] == ["准备", "计票", "整改", "发送"]
    ids = [e.get("id") for e in ui.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    buttons = list(ui.iter(f"{ns}button"))
    assert sorted(b.get("tag") for b in buttons) == sorted(macros_py.BUTTONS)
    source = (HERE / "Dispatcher.bas").read_text(encoding="ascii")
    for button in buttons:
        module, sub = button.get("onAction").split(".")
        assert (module, sub) == (DISPATCHER_MODULE, DISPATCHER_SUB) and f"Sub {sub}(" in source
        assert callable(getattr(macros_py, button.get("tag")))
        assert button.get("label") == macros_py.BUTTONS[button.get("tag")][0] and button.get("imageMso")


def _macros(path):
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_olevba_reads_the_dispatcher_exactly_and_xlwings_unchanged(xlam):
    built, template = _macros(xlam), _macros(template_path())
    assert built.keys() == template.keys()
    expected = "\r\n".join((HERE / "Dispatcher.bas").read_text(encoding="ascii").splitlines()) + "\r\n"
    assert built[f"{DISPATCHER_MODULE}.bas"] == expected
    for name in template:
        if name != f"{DISPATCHER_MODULE}.bas":
            assert built[name] == template[name], name


def test_olefile_lists_every_stream_with_its_size(xlam):
    data = zipfile.ZipFile(xlam).read(VBA_PART)
    ole = olefile.OleFileIO(io.BytesIO(data))
    built = {"/".join(p): ole.get_size("/".join(p)) for p in ole.listdir()}
    template = cfb.read_all(zipfile.ZipFile(template_path()).read(VBA_PART))
    assert built.keys() == template.keys()
    streams = cfb.read_all(data)
    for name, size in built.items():
        assert size == len(streams[name])
        if name not in (f"VBA/{DISPATCHER_MODULE}", "VBA/dir"):
            assert streams[name] == template[name], name
    directory = ovba.decompress(streams["VBA/dir"])
    assert ovba.modules(directory)[DISPATCHER_MODULE]["offset"] == 0
    assert ovba.decompress(streams[f"VBA/{DISPATCHER_MODULE}"]).startswith(b'Attribute VB_Name = "RibbonMyAddin"\r\n')


def test_the_compound_file_writer_round_trips_random_trees():
    rng = random.Random(20240118)
    sizes = [0, 1, 63, 64, 65, 511, 512, 4095, 4096, 4097, 20000, 70000]
    for _ in range(40):
        tree = {}
        for k in range(rng.randint(1, 30)):
            folders = [f"D{rng.randint(0, 3)}" for _ in range(rng.randint(0, 2))]
            tree["/".join([*folders, f"s{k}"])] = rng.randbytes(rng.choice(sizes))
        assert cfb.read_all(cfb.write(tree)) == tree


def test_the_compression_round_trips_and_reads_office_output():
    rng = random.Random(7)
    for size in (0, 1, 3, 100, 4095, 4096, 4097, 13000):
        text = bytes(rng.choice(b"Sub End If  \r\nDim x As") for _ in range(size))
        assert ovba.decompress(ovba.compress(text)) == text
    template = cfb.read_all(zipfile.ZipFile(template_path()).read(VBA_PART))
    directory = ovba.decompress(template["VBA/dir"])
    offset = ovba.modules(directory)["xlwings"]["offset"]
    assert ovba.decompress(template["VBA/xlwings"][offset:]).startswith(b'Attribute VB_Name = "xlwings"')


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_finds_the_dispatcher_module(xlam, tmp_path):
    copy = tmp_path / "shuping.xlam"
    shutil.copyfile(xlam, copy)
    subprocess.run(["soffice", "--headless", "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods",
                    "--outdir", str(tmp_path), str(copy)], check=True, capture_output=True, timeout=300)
    converted = zipfile.ZipFile(tmp_path / "shuping.ods")
    module = next(n for n in converted.namelist() if n.endswith(f"/{DISPATCHER_MODULE}.xml"))
    assert "Sub OnButton(control As IRibbonControl)" in converted.read(module).decode()


def test_install_and_uninstall_on_a_windows_layout(xlam, tmp_path):
    home, appdata = tmp_path / "home", tmp_path / "AppData" / "Roaming"
    plan = plan_install("win32", home, {"APPDATA": str(appdata)})
    assert plan.xlam_target == appdata / "Microsoft" / "Excel" / "XLSTART" / "shuping.xlam"
    plan.conf.parent.mkdir(parents=True)
    plan.conf.write_text('"LICENSE_KEY","x"\n"INTERPRETER_WIN","old"\n', encoding="utf-8")
    install(xlam, plan)
    assert plan.xlam_target.read_bytes() == xlam.read_bytes()
    assert read_conf(plan.conf) == [("LICENSE_KEY", "x"), ("INTERPRETER_WIN", sys.executable)]
    done = uninstall(plan)
    assert len(done) == 2 and not plan.xlam_target.exists() and read_conf(plan.conf) == [("LICENSE_KEY", "x")]


def test_on_linux_it_only_says_what_it_would_do():
    plan = plan_install("linux")
    assert not plan.supported and "XLSTART" in plan.lines[0]
