"""Never harm the clerk (issue #18, outputs and mail; #19 item 1), through the real command
line: an output never replaces the workbook or a file shuping did not write, a folder's
other files survive, each reporter gets their own notice exactly once (matched by 编号,
never by a file-name prefix), papers older than their sources are never mailed, a Word
template cannot run code, long names and a full disk give a Chinese sentence."""
import email
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from workbook import schema as S
from workbook.api import new_workbook
from workbook.cli import app
from workbook.io.manifest import MANIFEST

runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [*map(str, args)], input="")


def flat(text: str) -> str:
    return "".join(text.split())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (and its hash), the manifest and temporaries aside."""
    return {str(p.relative_to(folder)): digest(p) for p in folder.rglob("*")
            if p.is_file() and p.name != MANIFEST}


def refused(done, *fragments):
    text = flat(done.output)
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output and "Error" not in done.output.replace("错误", "")
    for fragment in fragments:
        assert flat(fragment) in text, done.output


# --- 1. an output never replaces the workbook ---------------------------------------------------
@pytest.mark.parametrize("command,name", [
    (["forms"], "评议表.xlsx"), (["tally"], "计票汇总表.xlsx"), (["tally"], "结果通报表.xlsx"),
    (["progress"], "整改进度.xlsx"),
])
def test_an_output_named_like_the_workbook_is_refused(tmp_path, command, name):
    workbook = new_workbook(tmp_path / name, demo=True)
    before = workbook.read_bytes()
    done = cli(*command, workbook, "-o", tmp_path)
    refused(done, "就是输入的工作簿", name, "未写出任何文件")
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]        # nothing written beside it


def test_tally_json_onto_the_workbook_is_refused_before_anything_is_written(tmp_path):
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    before = workbook.read_bytes()
    done = cli("tally", workbook, "--json", workbook)
    refused(done, "就是输入的工作簿")
    assert workbook.read_bytes() == before and not (tmp_path / "w_成果").exists()


def test_tally_json_onto_one_of_our_own_workbooks_is_refused(tmp_path):
    """HOSTILE F10: --json 计票汇总表.xlsx (written by the same run) overwrote it with JSON, exit 0."""
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "out"
    assert cli("tally", workbook, "-o", out).exit_code == 0
    before = snapshot(out)
    refused(cli("tally", workbook, "-o", out, "--json", out / "计票汇总表.xlsx"), ".json", "未写出任何文件")
    refused(cli("tally", workbook, "-o", out, "--json", tmp_path / "result.txt"), ".json")
    assert snapshot(out) == before
    done = cli("tally", workbook, "-o", out, "--json", tmp_path / "结果.json")
    assert done.exit_code == 0 and (tmp_path / "结果.json").read_bytes().startswith(b"{")


@pytest.mark.parametrize("command,name", [
    (["tally", "-o", "{out}", "--json", "{out}/mine.json"], "mine.json"),
    (["tally", "-o", "{out}"], "计票汇总表.xlsx"),
    (["forms", "-o", "{out}"], "评议表.xlsx"),
    (["progress", "-o", "{out}"], "整改进度.xlsx"),
    (["notices", "-o", "{out}", "--no-pdf"], "结果通报.docx"),
])
def test_every_output_refusal_exits_2(tmp_path, command, name):
    """docs/cli.md: an output that is a file shuping did not write is refused with exit 2."""
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_bytes(b"the clerk's own")
    args = [a.replace("{out}", str(out)) for a in command]
    refused(cli(args[0], workbook, *args[1:]), "不是shuping写出的文件", "未写出任何文件")
    assert (out / name).read_bytes() == b"the clerk's own"


def _disk_full_for(monkeypatch, fragment: str):
    """fsync of any file whose name holds `fragment` fails as on a full disk (ENOSPC)."""
    import errno

    real = os.fsync

    def fsync(fd):
        if fragment in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")
def test_a_full_disk_during_tally_replaces_none_of_the_set(tmp_path, monkeypatch):
    """HOSTILE F1: 计票汇总表 and 结果通报表 were new, 计票结果.json still the previous count,
    and the message said 未留下不完整的文件. Now: none replaced, and said so."""
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "w_成果"
    assert cli("tally", workbook).exit_code == 0
    before = snapshot(out)
    book = openpyxl.load_workbook(workbook)
    sheet = book[S.SHEET_BALLOTS]
    sheet.cell(3, 4).value = "差" if sheet.cell(3, 4).value != "差" else "好"     # the count changes
    book.save(workbook)
    _disk_full_for(monkeypatch, "计票结果")
    done = cli("tally", workbook)
    text = flat(done.output)
    assert done.exit_code != 0 and "磁盘空间不足" in text and "都没有替换" in text, done.output
    assert "计票结果.json" in text and ".~shuping" not in text
    assert snapshot(out) == before                                     # the previous set, whole
    assert not [p for p in out.iterdir() if p.name.startswith(".~shuping")]
    monkeypatch.undo()
    assert cli("tally", workbook).exit_code == 0 and snapshot(out) != before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")
def test_a_full_disk_during_notices_says_which_files_are_new_and_which_old(tmp_path, monkeypatch):
    """HOSTILE F1 (notices): the notices and bulletin are one set (none replaced when one
    fails); a failure later names the files now new and those still from the last run."""
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "w_成果"
    assert cli("notices", workbook, "--date", "2024-01-25", "--no-pdf").exit_code == 0
    before = snapshot(out)
    _disk_full_for(monkeypatch, "通知/.~shuping-05_")                  # one notice cannot be written
    done = cli("notices", workbook, "--date", "2024-02-01", "--no-pdf")
    assert done.exit_code != 0 and "都没有替换" in flat(done.output), done.output
    assert snapshot(out) == before
    monkeypatch.undo()
    _disk_full_for(monkeypatch, "分发/03_")                            # a copy for the units
    done = cli("notices", workbook, "--date", "2024-02-01", "--no-pdf")
    text = flat(done.output)
    assert done.exit_code != 0 and "已是新的" in text and "仍是上次生成的" in text, done.output
    new, old = text.split("此后已写出新的：")[1].split("仍是上次生成的：")
    assert "分发/01_" in new and "分发/02_" in new and "分发/03_" not in new
    assert "分发/04_" in old and "分发.zip" in old


def test_a_link_to_the_workbook_is_the_workbook(tmp_path):
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "out"
    out.mkdir()
    os.link(workbook, out / "评议表.xlsx")                           # a hard link: another name, same file
    before = workbook.read_bytes()
    refused(cli("forms", workbook, "-o", out), "就是输入的工作簿")
    assert workbook.read_bytes() == before


def test_o_naming_a_file_is_a_usage_error(tmp_path):
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    other = tmp_path / "notes.txt"
    other.write_text("mine", encoding="utf-8")
    for command in (["tally"], ["forms"], ["notices", "--no-pdf"], ["progress"], ["ledger", "split"]):
        done = cli(*command[:2 if command[0] == "ledger" else 1], workbook, "-o", other,
                   *command[1:] if command[0] != "ledger" else [])
        refused(done, "不是文件夹")
    assert other.read_text(encoding="utf-8") == "mine"


# --- 2. only our own files are replaced or deleted ---------------------------------------------
def test_a_clerks_file_at_an_output_name_is_never_replaced(tmp_path):
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "w_成果"
    out.mkdir()
    (out / "计票汇总表.xlsx").write_bytes(b"the clerk's own summary")
    done = cli("tally", workbook)
    refused(done, "计票汇总表.xlsx", "不是shuping写出的文件", "未写出任何文件")
    assert (out / "计票汇总表.xlsx").read_bytes() == b"the clerk's own summary"
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == ["计票汇总表.xlsx"]


def test_our_file_is_replaced_but_not_once_the_clerk_changed_it(tmp_path):
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    assert cli("tally", workbook).exit_code == 0
    assert cli("tally", workbook).exit_code == 0                       # ours, unchanged: replaced
    summary = tmp_path / "w_成果" / "计票汇总表.xlsx"
    summary.write_bytes(summary.read_bytes() + b"\0")                  # edited (saved by Excel, say)
    edited = summary.read_bytes()
    refused(cli("tally", workbook), "计票汇总表.xlsx", "被改动过")
    assert summary.read_bytes() == edited


def test_notices_keep_the_clerks_files_in_the_delivery_folder(tmp_path):
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "发文"
    assert cli("notices", workbook, "-o", out, "--date", "2024-01-25", "--no-pdf").exit_code == 0
    unit = next((out / "分发").iterdir())
    (unit / "回执.txt").write_text("已收到", encoding="utf-8")            # the clerk's own, inside a unit
    (out / "分发" / "说明.txt").write_text("分发说明", encoding="utf-8")
    mine = snapshot(out)
    done = cli("notices", workbook, "-o", out, "--no-pdf")
    assert done.exit_code == 0, done.output
    assert (unit / "回执.txt").read_text(encoding="utf-8") == "已收到"
    assert (out / "分发" / "说明.txt").read_text(encoding="utf-8") == "分发说明"
    assert snapshot(out) == mine                                       # same content: same bytes again
    assert "2024-01-25" in done.stdout and "沿用上次" in flat(done.stdout)


def test_a_renamed_unit_loses_only_our_old_files(tmp_path):
    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "w_成果"
    assert cli("notices", workbook, "--date", "2024-01-25", "--no-pdf").exit_code == 0
    old_unit = next(p for p in (out / "分发").iterdir() if p.name.startswith("01_"))
    (old_unit / "回执.txt").write_text("已收到", encoding="utf-8")
    (out / "分发" / "空文件夹").mkdir()                                   # the clerk's, empty
    book = openpyxl.load_workbook(workbook)
    book[S.SHEET_REPORTERS].cell(2, 2).value = "区公安分局党委（新）"
    book.save(workbook)
    done = cli("notices", workbook, "--no-pdf")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in old_unit.iterdir()) == ["回执.txt"]     # our copies gone, theirs kept
    assert (out / "分发" / "空文件夹").is_dir()
    notices = sorted(p.name for p in (out / "通知").iterdir() if p.name.startswith("01_"))
    assert notices == ["01_区公安分局党委（新）_韦建国_反馈意见.docx"]


def test_a_crafted_manifest_entry_outside_the_folder_is_never_deleted(tmp_path):
    """HOSTILE F8: manifest names that climb out (分发/../../x), are absolute, or go through
    a linked sub-folder are ignored, even when their recorded hash matches the file."""
    import json

    workbook = new_workbook(tmp_path / "w.xlsx", demo=True)
    out = tmp_path / "w_成果"
    assert cli("notices", workbook, "--date", "2024-01-25", "--no-pdf").exit_code == 0
    victim = tmp_path / "victim.docx"
    victim.write_bytes(b"victim content")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "victim.docx").write_bytes(b"victim content")
    (out / "分发" / "链接").symlink_to(elsewhere, target_is_directory=True)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    entry = {"command": "notices", "sha256": digest(victim), "size": len(b"victim content"),
             "time": "2026-12-02T16:01:08"}
    for name in ("分发/../../victim.docx", str(victim), "分发/链接/victim.docx"):
        manifest["files"][name] = entry
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    done = cli("notices", workbook, "--no-pdf")
    assert done.exit_code == 0, done.output
    assert victim.read_bytes() == b"victim content"
    assert (elsewhere / "victim.docx").read_bytes() == b"victim content"


# --- 3. the right notice to the right person -------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK queued"

    def received(self, address):
        return [m for to, m in self.messages if address in to]


@pytest.fixture
def server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def attachments(message):
    return sorted(part.get_filename() for part in message.walk() if part.get_filename())


def mail_ready(path: Path, port: int, ids: dict[str, str] | None = None) -> Path:
    """The demo meeting with 邮件设置 pointing at the test server, 编号 renamed by `ids`."""
    book = openpyxl.load_workbook(path)
    for row in book[S.SHEET_MAIL].iter_rows(min_row=2):
        row[1].value = {S.MAIL_SERVER: "127.0.0.1", S.MAIL_PORT: port, S.MAIL_ENCRYPTION: "无",
                        S.MAIL_USER: ""}.get(row[0].value, row[1].value)
    for old, new in (ids or {}).items():
        for sheet in (S.SHEET_REPORTERS, S.SHEET_COMMENTS, S.SHEET_RECTIFY):
            for row in book[sheet].iter_rows(min_row=2):
                col = 0 if sheet != S.SHEET_RECTIFY else 1
                if row[col].value == old:
                    row[col].value = new
        for cell in book[S.SHEET_BALLOTS][1]:
            if isinstance(cell.value, str) and cell.value.startswith(old + " "):
                cell.value = new + cell.value[len(old):]
    book.save(path)
    return path


def make_papers(path: Path, date: str = "2024-01-25"):
    assert cli("tally", path).exit_code == 0
    done = cli("notices", path, "--date", date, "--no-pdf")
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize("ids", [
    {"02": "01_2"}, {"02": "01/2"}, {"02": "01:2"},
    {f"{k:02d}": f"2023_{k:02d}" for k in range(1, 12)},
])
def test_each_reporter_gets_their_own_notice_whatever_the_numbers(server, tmp_path, ids):
    inbox, port = server
    path = mail_ready(new_workbook(tmp_path / "会.xlsx", demo=True), port, ids)
    make_papers(path)
    done = cli("mail", path, "--yes")
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(path)
    reporters = [[c.value for c in row] for row in book[S.SHEET_REPORTERS].iter_rows(min_row=2)
                 if row[0].value]
    assert len(inbox.messages) == len(reporters) + 1
    for rid, organization, name, *_rest in reporters:
        address = _rest[2]
        [got] = inbox.received(address)
        names = attachments(got)
        assert names and all(organization in n and name in n for n in names), (rid, names)


def test_papers_older_than_their_sources_are_never_mailed_whatever_the_file_times(server, tmp_path):
    inbox, port = server
    path = mail_ready(new_workbook(tmp_path / "会.xlsx", demo=True), port)
    make_papers(path)
    papers = snapshot(tmp_path / "会_成果")
    # the corrected workbook: 01's and 02's forms swapped, saved with an old time stamp
    book = openpyxl.load_workbook(path)
    sheet = book[S.SHEET_BALLOTS]
    header = [c.value for c in sheet[1]]
    first = header.index(next(h for h in header if isinstance(h, str) and h.startswith("01 ")))
    second = header.index(next(h for h in header if isinstance(h, str) and h.startswith("02 ")))
    width = second - first
    plain = {"好", "较好", "一般", "差", None}
    swapped = 0
    for row in sheet.iter_rows(min_row=3):
        cells = [row[first + k].value for k in range(2 * width)]
        if all(v in plain for v in cells) and cells[:width] != cells[width:]:   # adjudicated cells stay put
            for k in range(width):
                row[first + k].value, row[second + k].value = row[second + k].value, row[first + k].value
            swapped += 1
    assert swapped >= 3
    book.save(path)
    os.utime(path, (1_000_000_000, 1_000_000_000))                   # 2001: "older" than the notices
    done = cli("mail", path, "--yes")
    text = flat(done.output)
    assert done.exit_code == 1 and not inbox.messages
    assert "评议票" in text and "shupingnotices" in text and "--date2024-01-25" in text and "shupingtally" in text
    assert snapshot(tmp_path / "会_成果") == papers                     # nothing remade behind the clerk's back


def test_mail_keeps_the_date_and_says_which_command_remakes(server, tmp_path):
    """#19.1: notices --date, an edit, mail --dry-run: nothing remade with today's date."""
    inbox, port = server
    path = mail_ready(new_workbook(tmp_path / "会.xlsx", demo=True), port)
    make_papers(path, "2025-01-25")
    book = openpyxl.load_workbook(path)
    comments = book[S.SHEET_COMMENTS]
    comments.cell(2, 4).value = str(comments.cell(2, 4).value) + "三是学习不够深入。"
    book.save(path)
    notices = snapshot(tmp_path / "会_成果" / "通知")
    done = cli("mail", path, "--dry-run")
    text = flat(done.output)
    assert done.exit_code == 1 and "点评" in text and "--date2025-01-25" in text, done.output
    assert snapshot(tmp_path / "会_成果" / "通知") == notices
    again = cli("notices", path, "--no-pdf")                           # no --date: the recorded one is kept
    assert again.exit_code == 0 and "2025-01-25" in again.stdout and "沿用上次" in flat(again.stdout)
    done = cli("mail", path, "--dry-run")
    assert done.exit_code == 0 and "成文日期：2025-01-25" in flat(done.stdout)


# --- 4. never twice ------------------------------------------------------------------------------
def test_two_runs_at_once_send_each_message_once(server, tmp_path):
    inbox, port = server
    path = mail_ready(new_workbook(tmp_path / "会.xlsx", demo=True), port)
    make_papers(path)
    command = [sys.executable, "-m", "workbook", "mail", str(path), "--yes"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
            for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    codes = sorted(run.returncode for run in runs)
    counts = {}
    for to, _ in inbox.messages:
        counts[to[0]] = counts.get(to[0], 0) + 1
    assert len(counts) == 12 and set(counts.values()) == {1}, counts
    assert codes[0] == 0 and codes[1] in (0, 1), outputs
    for out, err in outputs:
        assert b"Traceback" not in err
    said = b"".join(out + err for out, err in outputs).decode("utf-8")
    assert "成功12封" in flat(said)
    assert "没有需要发送的邮件" in flat(said) or "另一个shupingmail正在发送" in flat(said)


def test_a_copy_under_another_name_sends_nothing_again(server, tmp_path):
    inbox, port = server
    path = mail_ready(new_workbook(tmp_path / "会.xlsx", demo=True), port)
    make_papers(path)
    assert cli("mail", path, "--yes").exit_code == 0 and len(inbox.messages) == 12
    copy = tmp_path / "会（定稿）.xlsx"
    shutil.copyfile(path, copy)                                        # Save As / a copy: same meeting
    make_papers(copy)
    done = cli("mail", copy, "--yes")
    assert len(inbox.messages) == 12, done.output                      # nobody gets a second copy
    assert "已发送过" in flat(done.output)


def test_the_copy_of_the_log_in_the_output_folder_stands_in_for_a_lost_one(server, tmp_path):
    """Another user account, a wiped home folder, or a folder from an earlier version: the
    output folder's 发送记录.jsonl is taken over, so nothing is sent again."""
    from workbook.io.book import load_book
    from workbook.io.sendlog import meeting_identity, store

    inbox, port = server
    path = mail_ready(new_workbook(tmp_path / "会.xlsx", demo=True), port)
    make_papers(path)
    assert cli("mail", path, "--yes").exit_code == 0 and len(inbox.messages) == 12
    identity, _ = meeting_identity(path, load_book(path)[0].meeting)
    (store() / f"{identity}.jsonl").unlink()
    assert (tmp_path / "会_成果" / "发送记录.jsonl").is_file()
    done = cli("mail", path, "--yes")
    assert done.exit_code == 0 and len(inbox.messages) == 12 and "没有需要发送的邮件" in done.output


@pytest.mark.parametrize("only,fragment", [("", "不能为空"), ("99", "编号99在“述职人”表中不存在")])
def test_only_with_an_empty_or_unknown_number_is_a_usage_error(server, tmp_path, only, fragment):
    inbox, port = server
    path = mail_ready(new_workbook(tmp_path / "会.xlsx", demo=True), port)
    make_papers(path)
    done = cli("mail", path, "--yes", "--only", only)
    refused(done, fragment, "可用的编号：01、02、03")
    assert not inbox.messages


def test_the_meeting_identity_survives_editing_and_renaming(tmp_path):
    from workbook.io.book import load_book
    from workbook.io.sendlog import meeting_identity

    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    first, from_property = meeting_identity(path, load_book(path)[0].meeting)
    assert from_property and first.startswith("id-")
    assert cli("rectify", path).exit_code == 0                          # the openpyxl editing path
    moved = path.rename(tmp_path / "改名.xlsx")
    assert meeting_identity(moved, load_book(moved)[0].meeting) == (first, True)
    other = new_workbook(tmp_path / "另一次.xlsx", demo=True)
    assert meeting_identity(other, load_book(other)[0].meeting)[0] != first


# --- 8. templates are data ----------------------------------------------------------------------
def _template_with(folder: Path, text: str) -> Path:
    import docx

    from workbook.io.gongwen_docx import NOTICE_TEMPLATE, build_template

    template = folder / NOTICE_TEMPLATE
    template.write_bytes(build_template("notice"))
    document = docx.Document(template)
    document.add_paragraph(text)
    document.save(template)
    return template


def test_a_template_cannot_run_code(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    marker = tmp_path / "PWNED"
    _template_with(tmp_path, "{{ cycler.__init__.__globals__.os.popen('touch %s').read() }}" % marker)
    done = cli("notices", path, "--no-pdf")
    refused(done, "通知模板.docx", "不允许的模板代码", "未写出任何文件")
    assert not marker.exists() and not (tmp_path / "会_成果" / "通知").exists()
    done = cli("mail", path, "--dry-run")                               # mail makes never-made papers in a preview
    assert done.exit_code == 2 and not marker.exists(), done.output


@pytest.mark.parametrize("text,words", [
    ("{{ 'ab' * 3000000000 }}", "过长"),                          # 6 GB before the bound
    ("{{ '%s' % 'a' * 100000000 }}", "过长"),
    ("{{ 2 ** 1000000000 }}", "过长"),
    ("{% for i in range(100000000) %}x{% endfor %}", "过长"),
    ("{% for i in range(9000) %}{{ 'a' * 900000 }}{% endfor %}", "过长"),   # each small, 8 GB in all
    ("{% include '/etc/passwd' %}", "无法计算"),
    ("{{ 1/0 }}", "无法计算"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "调用自身"),
    ("{{ 姓名 * 100000 }}", "不存在的名称"),
    ("{{ 1 + }}", "写得不对"),
])
def test_a_hostile_or_broken_template_is_refused_in_chinese(tmp_path, text, words):
    """HOSTILE F5: each gave 内部错误 in English (exit 1) or ran out of memory."""
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    _template_with(tmp_path, text)
    done = cli("notices", path, "--no-pdf")
    refused(done, "通知模板.docx", words, "未写出任何文件")
    assert "内部错误" not in done.output and "?" not in done.output
    assert not (tmp_path / "会_成果" / "通知").exists()


def test_the_clerks_text_stays_text_in_a_notice(tmp_path):
    import docx

    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    book = openpyxl.load_workbook(path)
    book[S.SHEET_REPORTERS].cell(2, 2).value = "A&B<党委>\"'"
    book.save(path)
    done = cli("notices", path, "--no-pdf", "--date", "2024-01-25")
    assert done.exit_code == 0, done.output
    notice = next((tmp_path / "会_成果" / "通知").glob("01_*.docx"))
    text = "\n".join(p.text for p in docx.Document(notice).paragraphs)
    text += "".join(c.text for t in docx.Document(notice).tables for r in t.rows for c in r.cells)
    assert "A&B<党委>\"'" in text and "&amp;" not in text and "&lt;" not in text


# --- 12. long names, a full disk ----------------------------------------------------------------
def test_long_organisation_names_fit_in_255_bytes_and_stay_distinct(tmp_path):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    book = openpyxl.load_workbook(path)
    long = "中共某某市某某区某某街道某某社区" * 8                          # 128 characters, 384 bytes
    for row in (2, 3):
        book[S.SHEET_REPORTERS].cell(row, 2).value = long          # the same long name twice
    book.save(path)
    assert cli("rectify", path).exit_code == 0
    done = cli("notices", path, "--no-pdf")
    assert done.exit_code == 0, done.output
    names = [p.name for p in (tmp_path / "会_成果" / "通知").iterdir()]
    assert len(names) == 11 and all(len(n.encode("utf-8")) <= 255 for n in names)
    assert any(n.startswith("01_") for n in names) and any(n.startswith("02_") for n in names)
    assert cli("ledger", "split", path).exit_code == 0
    with zipfile.ZipFile(tmp_path / "会_成果" / "分发.zip") as archive:
        assert len({i.filename for i in archive.infolist()}) == 22


def _fsize_limited(limit: int):
    import resource
    import signal

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("command", [["tally"], ["notices", "--no-pdf"]])
def test_a_write_that_fails_says_so_in_chinese_and_leaves_no_partial_file(tmp_path, command):
    path = new_workbook(tmp_path / "会.xlsx", demo=True)
    before = path.read_bytes()
    done = subprocess.run([sys.executable, "-m", "workbook", command[0], str(path), *command[1:]],
                          capture_output=True, preexec_fn=_fsize_limited(20_000), timeout=300)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 1, err
    assert "写入" in err and "失败" in err and "Traceback" not in err and "Exception ignored" not in err
    assert "内部错误" not in err
    assert path.read_bytes() == before
    leftovers = [p.name for p in tmp_path.rglob(".~shuping-*")]
    assert not leftovers


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20k", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = new_workbook(tmp_path / "会.xlsx", demo=True)
        done = subprocess.run([sys.executable, "-m", "workbook", "tally", str(path), "-o", str(disk / "out")],
                              capture_output=True, timeout=300)
        err = done.stderr.decode("utf-8")
        assert done.returncode == 1 and "磁盘空间不足" in err, err
        assert "Exception ignored" not in err and "Traceback" not in err and "内部错误" not in err
        assert not [p for p in (disk / "out").rglob("*") if p.is_file() and p.name != MANIFEST]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_on_windows_a_path_word_cannot_open_is_refused(tmp_path, monkeypatch):
    from workbook.errors import OutputRefused
    from workbook.io.manifest import OutputFolder

    folder = OutputFolder(tmp_path / ("深" * 60) / ("深" * 60), command="test")
    monkeypatch.setattr(os, "name", "nt")
    with pytest.raises(OutputRefused, match="260 字符"):
        folder.check("通知/" + "长" * 120 + ".docx")
    monkeypatch.undo()
    assert not (tmp_path / ("深" * 60)).exists()
