"""Files that cannot be used: each refused with exit 2, a Chinese sentence, no traceback,
and the file byte-identical afterwards."""
import zipfile

import pytest
from typer.testing import CliRunner

from workbook.cli import app

runner = CliRunner()


def _zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _truncated(tmp_path, demo_workbook):
    data = demo_workbook.read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _with_dtd(tmp_path, demo_workbook):
    path = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(demo_workbook) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + data.split(b"?>", 1)[1]
            dst.writestr(item, data)
    return path


CASES = {
    "missing": lambda tmp, demo: tmp / "nope.xlsx",
    "folder": lambda tmp, demo: (tmp / "dir.xlsx").mkdir() or tmp / "dir.xlsx",
    "empty": lambda tmp, demo: (tmp / "empty.xlsx").write_bytes(b"") and tmp / "empty.xlsx" or tmp / "empty.xlsx",
    "csv": lambda tmp, demo: (tmp / "c.xlsx").write_text("编号,姓名\n01,张三\n", encoding="utf-8") and tmp / "c.xlsx",
    "xls": lambda tmp, demo: (tmp / "old.xlsx").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600) and tmp / "old.xlsx",
    "encrypted": lambda tmp, demo: (tmp / "enc.xlsx").write_bytes(
        bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 100 + "EncryptionInfo".encode("utf-16-le")) and tmp / "enc.xlsx",
    "ods": lambda tmp, demo: _zip(tmp / "o.xlsx", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                                                 "content.xml": "<x/>"}),
    "docx": lambda tmp, demo: _zip(tmp / "w.xlsx", {"word/document.xml": "<x/>", "[Content_Types].xml": "<x/>"}),
    "truncated": _truncated,
    "bomb": lambda tmp, demo: _zip(tmp / "bomb.xlsx", {"xl/workbook.xml": "<x/>", "xl/worksheets/sheet1.xml":
                                                     b"<a>" + b"\0" * (40 << 20) + b"</a>"}),
    "dtd": _with_dtd,
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["check", "tally"])
def test_unusable_files_exit_2_without_traceback(case, command, tmp_path, demo_workbook):
    path = CASES[case](tmp_path, demo_workbook)
    before = path.read_bytes() if path.is_file() else None
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "错误" in result.output
    if before is not None:
        assert path.read_bytes() == before
    assert not (tmp_path / (path.stem + "_成果")).exists()


def test_a_clean_file_is_never_written_by_check(demo_workbook):
    before = demo_workbook.read_bytes()
    assert runner.invoke(app, ["check", str(demo_workbook)]).exit_code == 0
    assert demo_workbook.read_bytes() == before
