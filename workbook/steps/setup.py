"""A new workbook, and the demo that runs every step end to end."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import schema as S
from ..errors import OutputError, UsageError
from ..issues import Issue
from .common import output_dir
from .count import TallyRun, VerifyRun, check_workbook, run_tally, run_verify
from .documents import FormsRun, NoticesRun, run_forms, run_notices
from .edits import ImportRun, PrepareRun, RectifyRun, run_import_comments, run_prepare, run_rectify
from .follow_up import LedgerMergeRun, ProgressRun, run_ledger_merge, run_ledger_split, run_progress
from .mailing import MailPlan, plan_mail, write_drafts


def new_workbook(path: str | os.PathLike, demo: bool = False, force: bool = False) -> Path:
    from ..io.template_xlsx import write_template

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"工作簿文件名应以 .xlsx 结尾：{path.name}")
    if path.exists() and not force:
        raise UsageError(f"“{path}”已存在，为免覆盖已录入的内容，未做任何改动（确需覆盖请加 --force）")
    from ..io.sendlog import new_identity

    if path.name == "述职评议模板.xlsx" and path.parent.name == "templates":
        return write_template(path)     # the shipped template: no identity (every copy would share it)
    if demo:
        from ..demo import demo_ballot_reporters, demo_sheets

        return write_template(path, demo_sheets(), demo_ballot_reporters(), identity=new_identity())
    return write_template(path, identity=new_identity())


@dataclass
class DemoRun:
    workbook: Path
    prepare: PrepareRun
    imported: ImportRun
    rectified: RectifyRun
    check_issues: list[Issue]
    tally: TallyRun
    verify: VerifyRun | None = None
    forms: FormsRun | None = None
    notices: NoticesRun | None = None
    merged: LedgerMergeRun | None = None
    progress: ProgressRun | None = None
    mail: MailPlan | None = None
    drafts: list[Path] = field(default_factory=list)


def run_demo(folder: str | os.PathLike | None = None) -> DemoRun:
    """Every step that exists, end to end, on the demo workbook."""
    folder = Path(folder or "shuping-demo")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from ..io.atomic import describe_os_error

        if folder.exists() and not folder.is_dir():
            raise UsageError(f"“{folder}”是一个已有的文件，不是文件夹；请指定一个新的或已有的文件夹") from None
        raise OutputError(f"无法创建文件夹“{folder}”：{describe_os_error(exc)}") from None
    from ..demo import DEMO_REVIEWER, DEMO_SPEECH_FILE, demo_ballot_reporters, demo_sheets, demo_speech
    from ..io.template_xlsx import write_template

    from ..errors import OutputRefused
    from ..io.manifest import OutputFolder
    from ..io.sendlog import new_identity

    workbook = folder / S.DEMO_FILE
    with OutputFolder(folder, command="demo") as out:
        # a rerun starts afresh, but only over a demo workbook the demo itself made here
        if workbook.exists() and (out.records.get("demo") or {}).get("workbook") != workbook.name:
            raise OutputRefused(f"“{workbook}”已存在，且不是 shuping demo 生成的，为免覆盖未做任何改动；"
                                "请换一个演示文件夹（shuping demo 文件夹名）")
        for old in [workbook, *folder.glob(f"{workbook.stem}.备份-*{workbook.suffix}")]:
            old.unlink(missing_ok=True)
        out.records["demo"] = {"workbook": workbook.name}
        out.save()
        write_template(workbook, demo_sheets(comments=False), demo_ballot_reporters(), identity=new_identity())
        speech = out.write_bytes(DEMO_SPEECH_FILE, demo_speech().encode("utf-8"))
    prepared = run_prepare(workbook)
    imported = run_import_comments(workbook, speech, reviewer=DEMO_REVIEWER)
    rectified = run_rectify(workbook)
    _, issues = check_workbook(workbook)
    run = DemoRun(workbook, prepared, imported, rectified, issues, run_tally(workbook))
    if run.tally.result is not None:
        run.verify = run_verify(workbook, output_dir(workbook) / S.RESULT_JSON)
    run.forms = run_forms(workbook)
    if run.tally.result is not None:
        run.notices = run_notices(workbook)
    # the units answer: split the ledger, let three units fill theirs, merge, and report
    meeting = run.tally.book.meeting.date
    meeting = meeting.date() if isinstance(meeting, _dt.datetime) else meeting
    # mail as a dry run, while the papers are current: drafts to look at, nothing leaves the machine
    run.mail = plan_mail(workbook, dry_run=True)
    if not run.mail.issues and not run.mail.stale:
        run.drafts = write_drafts(run.mail)
    with OutputFolder(folder, command="demo") as out:
        answered = simulate_unit_answers(run_ledger_split(workbook).files, meeting, out)
    run.merged = run_ledger_merge(workbook, answered)
    run.progress = run_progress(workbook, as_of=meeting + _dt.timedelta(days=40))
    return run


DEMO_RETURNED = "回收"      # the demo's folder of ledgers "sent back" by units (copies, filled)


def simulate_unit_answers(files, meeting: _dt.date, out=None) -> list:
    """What three units might send back: the first has finished everything, the second
    one item, the third has started. The split's files stay as written; with `out` (the
    demo folder's io.manifest.OutputFolder) the units' filled copies go to its 回收/,
    as files of its manifest. Returns the files filled (for `ledger merge`)."""
    import shutil

    import openpyxl

    from ..io.xlsx_common import set_cell
    from ..ledger import SHEET_UNIT_LEDGER, UNIT_COLUMNS

    col = {name: UNIT_COLUMNS.index(name) + 1 for name in UNIT_COLUMNS}
    answered = []
    for unit, path in enumerate(files[:3]):
        name = f"{DEMO_RETURNED}/{Path(path).name}"
        if out is not None:
            target = out.claim(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            path = Path(shutil.copyfile(path, target))
        book = openpyxl.load_workbook(path)
        sheet = book[SHEET_UNIT_LEDGER]
        for row in range(2, sheet.max_row + 1):
            done = unit == 0 or (unit == 1 and row == 2)
            set_cell(sheet, row, col["整改措施"], "召开专题会议研究，制定整改方案，逐项落实")
            set_cell(sheet, row, col["整改状态"], "已完成" if done else "整改中")
            if done:
                set_cell(sheet, row, col["完成日期"], _dt.datetime.combine(meeting + _dt.timedelta(days=20 + row),
                                                                      _dt.time()))
                set_cell(sheet, row, col["佐证材料"], "会议纪要、整改台账")
        book.save(path)
        if out is not None:
            out.record(name)
        answered.append(path)
    return answered
