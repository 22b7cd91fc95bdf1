"""The steps of the year, each one call of `workbook.api`, rendered as JSON for the page.

Every step returns a `Report` as a dict: `status` ("done", "problems" or "error"),
`messages` (the same sentences the command line prints), `issues` (with the cell and how
to fix it), `tables`, `charts` (inline SVG), `files` (what was written) and, for the
steps that ask the clerk first, `confirm` (what the page must show before going on).
Nothing here knows about HTTP: `web.py` runs these in a worker thread.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from workbook import api
from workbook.comments import describe_match
from workbook.issues import summary_line

Say = Callable[[str], None]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]
    key: str = ""                  # a stable name the tests and the page can find it by
    note: str = ""


@dataclass
class Report:
    step: str
    status: str = "done"
    messages: list[str] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[dict[str, str]] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)
    folder: str = ""
    confirm: dict[str, Any] | None = None
    seconds: float = 0.0

    def say(self, text: str) -> None:
        self.messages.append(text)

    def file(self, path: Path | str | None, label: str = "") -> None:
        if path:
            self.files.append({"name": label or Path(path).name, "path": str(path)})

    def problems(self, issues, closing: str = "") -> None:
        self.issues = [issue_json(i) for i in issues]
        if any(i.is_error for i in issues):
            self.status = "problems"
        if closing:
            self.say(closing)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# --- problems, with where and how to fix ---------------------------------------------------
FIXES: list[tuple[str, str]] = [
    ("BALLOT_BAD_GRADE", "对照纸质票，在该单元格改填 好/较好/一般/差（也可填 1–4）；看不清的标记在“疑问票处理”表中认定"),
    ("BALLOT_BAD_VOID", "“作废”一栏只填“是”或留空"),
    ("BALLOT_ID_DUPLICATE", "对照纸质票改正重复的票号（同一类别中每张票一个票号）"),
    ("BALLOT_UNKNOWN_CATEGORY", "改为“评议人类别”表中已有的类别名称"),
    ("BALLOT_CATEGORY_MISSING", "填写这张票的评议人类别"),
    ("BALLOT_FORMULA", "评议票中只录入票面内容：把公式改为直接录入的值"),
    ("BALLOT_HYPERLINK", "删除该单元格的超链接，只保留票面内容"),
    ("BALLOT_MERGED", "取消合并单元格，每格只录一个评价"),
    ("BALLOT_NOT_PREPARED", "先点“生成评议票”生成表头"),
    ("BALLOT_HEADER", "点“生成评议票”按述职人和评议项目重新生成表头"),
    ("BALLOT_OVER_ISSUED", "核对“评议人类别”中的发放票数和回收的纸质票"),
    ("BALLOT_DATA_OUTSIDE", "把表头以外的内容移走或删除"),
    ("RECHECK_", "对照纸质票，改正两份录入中错的一份"),
    ("ADJ_", "补全或改正“疑问票处理”表中的这一行（认定结果、认定依据、监票人）"),
    ("WEIGHT", "改正“评议项目”或“评议人类别”中的权重（各项权重之和应为 100%）"),
    ("RULE", "改正“等次规则”表中的这一行"),
    ("GRADE_", "核对“等次规则”的条件和名额上限"),
    ("MAIL_", "在“邮件设置”表中填写或改正"),
    ("REPORTER", "在“述职人”表中补全或改正这一行"),
    ("CATEGOR", "在“评议人类别”表中补全或改正"),
    ("ITEM", "在“评议项目”表中补全或改正"),
    ("PARAM", "在“参数设置”表中改正该参数"),
    ("MEETING", "在“会议信息”表中补全"),
    ("COMMENT", "在“点评”表中改正编号"),
    ("RECT", "在“整改清单”表中补全或改正"),
    ("SHEET_MISSING", "从模板复制该工作表（“新建空白工作簿”生成的模板中有）"),
    ("PREPARE_WOULD_MOVE_TYPED", "新增的述职人或项目只能加在最后；或先把已录入的票移到新列"),
]


def how_to_fix(code: str) -> str:
    for prefix, fix in FIXES:
        if code.startswith(prefix) or prefix in code:
            return fix
    return "打开工作簿，转到该位置，按说明改正后保存，再点“检查数据”"


def issue_json(issue) -> dict[str, Any]:
    source = issue.source
    return {"level": "错误" if issue.is_error else "警告", "error": issue.is_error, "code": issue.code,
            "sheet": source.sheet, "cell": source.cell, "message": issue.message, "fix": how_to_fix(issue.code)}


def edit_lines(report: Report, edit) -> None:
    """What every step that changed the workbook says: the file, its backup, the notes."""
    report.say(f"已更新：{edit.path}")
    report.say(f"修改前的备份：{edit.backup}")
    report.file(edit.backup, f"修改前的备份 {Path(edit.backup).name}" if edit.backup else "")
    for note in edit.notes:
        report.say(f"提示：{note}")


# --- the steps -------------------------------------------------------------------------------
def check(path: Path, params: dict, say: Say) -> Report:
    report = Report("check")
    say("正在检查工作簿…")
    _, issues = api.check_workbook(path)
    report.problems(issues, summary_line(issues))
    return report


def prepare(path: Path, params: dict, say: Say) -> Report:
    from workbook.prepare import describe_plan

    report = Report("prepare")
    run = api.run_prepare(path, progress=say)
    if run.refused:
        report.problems(run.issues, "未生成评议票表头，工作簿未做任何改动。请按上表处理后再运行。")
        report.status = "problems"
        return report
    for plan in run.plans:
        for line in describe_plan(plan, len(run.book.reporters), len(run.book.items)):
            report.say(line)
    if not run.edit.changed:
        report.say("评议票表头已是最新，工作簿未做任何改动。")
    else:
        edit_lines(report, run.edit)
    return report


def prepare_totals(path: Path, params: dict, say: Say) -> Report:
    """唱票计票: lay out 计票录入 (the totals per category × reporter × item)."""
    report = Report("prepare_totals")
    run = api.run_prepare_totals(path, progress=say)
    if run.refused:
        report.problems(run.issues, "未生成计票录入表，工作簿未做任何改动。请按上表处理后再运行。")
        return report
    report.say(f"“计票录入”：{run.blocks} 个评议人类别，每类 {run.rows // max(run.blocks, 1)} 行（述职人 × 评议项目）")
    if run.edit is None or not run.edit.changed:
        report.say("计票录入表已是最新，工作簿未做任何改动。")
    else:
        edit_lines(report, run.edit)
    return report


def review_table(doubts, title: str = "发文前核对：需要核对的疑点") -> Table:
    """The pre-issue review of the core (review.py), the same list the command line prints."""
    return Table(title, ["对象", "疑点"], [[d.who, d.message] for d in doubts], key="doubts",
                 note="这些不会阻止印发，但请逐条核对（如点评中的“××同志”、他人姓名、缺少点评、发文字号重复）。")


def _number(value, places: int) -> str:
    from workbook.report import score_text

    return score_text(value, places)


def _percent(value) -> str:
    from workbook.report import percent

    return percent(value)


def ranking_table(result) -> Table:
    """排名与等次 with the why of each grade: the rule that matched and any cap that moved it."""
    from workbook.sheets import why_text

    places = result.book.params.decimals
    rows = [[r.rank, r.reporter.id, r.reporter.organization, r.reporter.name, _number(r.score_rounded, places),
             _percent(r.good_rate), r.grade or "—", why_text(r, places)]
            for r in sorted(result.reporters, key=lambda r: (r.rank, r.index))]
    return Table(result.book.meeting.shown_title or "排名与等次",
                 ["排名", "编号", "党组织", "姓名", "综合得分", "好评率", "等次", "等次依据"], rows, key="ranking")


def account_table(result) -> Table:
    rows = []
    for a in (*result.accounts, result.total):
        check = ("发放票数未填" if a.issued is None else
                 "回收 ≤ 发放，相符" if a.returned <= a.issued else "回收多于发放！")
        rows.append([a.name, "—" if a.issued is None else a.issued, a.returned, a.void, a.blank, a.valid, check])
    return Table("计票单（票数核对）", ["评议人类别", "发放", "回收", "废票", "空白票", "有效票", "核对"], rows,
                 key="account")


def tally(path: Path, params: dict, say: Say) -> Report:
    from .charts import charts_of

    report = Report("tally")
    say("正在计票…")
    run = api.run_tally(path)
    if run.result is None:
        report.problems(run.issues, "工作簿中有错误，未计票。" + summary_line(run.issues))
        report.status = "problems"
        return report
    result = run.result
    report.tables.append(ranking_table(result))
    t = result.total
    report.say(f"发放 {t.issued if t.issued is not None else '—'} 张，回收 {t.returned} 张，"
               f"废票 {t.void} 张，空白票 {t.blank} 张，有效票 {t.valid} 张。")
    report.tables.append(account_table(result))
    report.charts = charts_of(result)
    if run.issues:
        report.problems(run.issues)
    if result.book.adjudicated:
        report.say(f"已应用 {len(result.book.adjudicated)} 条疑问票认定（见计票汇总表的“疑问票认定”表）")
    for output in run.outputs:
        report.say(f"已写出：{output}")
        report.file(output)
    report.folder = str(api.output_dir(path))
    return report


def forms(path: Path, params: dict, say: Say) -> Report:
    report = Report("forms")
    run = api.run_forms(path)
    if run.issues:
        report.problems(run.issues, "未生成评议表。请先改正上面的错误。")
        return report
    for form in run.forms:
        report.say(f"评议表“{form.sheet}”：评议人类别 {form.category or '（不分类别）'}，"
                   f"{len(form.reporters)} 位述职人 × {len(form.items)} 个项目")
    report.say(f"已写出：{run.output}")
    report.file(run.output)
    report.folder = str(api.output_dir(path))
    return report


def import_comments(path: Path, params: dict, say: Say) -> Report:
    report = Report("import_comments")
    speech = (params.get("speech") or "").strip()
    if not speech:
        report.status = "error"
        report.say("请先选择点评讲话稿（.docx 或 .txt）。")
        return report
    dry_run = bool(params.get("dry_run"))
    run = api.run_import_comments(path, speech, dry_run=dry_run, reviewer=params.get("reviewer") or "",
                                  progress=say)
    if run.issues:
        report.problems(run.issues, "未导入点评，工作簿未做任何改动。请先改正上面的错误。")
        return report
    if not run.matches:
        report.status = "problems"
        report.say("讲话稿中没有找到“请……同志述职”开头的点评段落，未导入任何内容。请确认这是述职评议会上的点评讲话。")
        return report
    for match in run.matches:
        report.say(describe_match(match))
    for rid in run.kept:
        report.say(f"· {rid} 在“点评”中已有综合点评，保留原有内容，未重复导入")
    names = "、".join(f"{rid} {name}" for rid, name in run.added)
    if run.dry_run:
        report.say(f"预演：将在“点评”中新增 {len(run.added)} 行（{names or '无'}）。工作簿未做任何改动。")
    elif run.edit is not None and run.edit.changed:
        report.say(f"已在“点评”中新增 {len(run.added)} 行：{names}")
        edit_lines(report, run.edit)
    else:
        report.say("没有需要新增的点评，工作簿未做任何改动。")
    unmatched = sum(m.reporter is None for m in run.matches)
    if unmatched:
        report.status = "problems"
        report.say(f"{unmatched} 段点评未能对应到述职人，见上面的 ✗ 行。")
    return report


def rectify(path: Path, params: dict, say: Say) -> Report:
    report = Report("rectify")
    run = api.run_rectify(path, progress=say)
    if run.refused:
        report.problems(run.issues, "未生成整改清单，工作簿未做任何改动。请先改正上面的错误。")
        return report
    if run.issues:
        report.problems(run.issues)
    plan = run.plan
    report.say(f"点评中共有 {plan.problems_total} 个问题；整改清单新增 {len(plan.additions)} 行，"
               f"标注 {len(plan.notes)} 行（点评中已删改的问题，只在备注中标注，不删除）。")
    if plan.additions:
        report.tables.append(Table("新增的整改事项", ["问题编号", "问题描述"],
                                   [[p.problem_id, p.description] for p in plan.additions], key="rectify"))
    if run.edit is None:
        report.say("整改清单已是最新，工作簿未做任何改动。")
    else:
        edit_lines(report, run.edit)
    return report


def notices_review(path: Path, params: dict, say: Say) -> Report:
    """Before anything is issued: who gets which notice, with which grade and how many
    problems, and what looks wrong (no comment, no e-mail address)."""
    report = Report("notices_review")
    say("正在计票，准备核对清单…")
    run = api.run_tally(path, write_files=False)
    if run.result is None:
        report.problems(run.issues, "工作簿中有错误，不能生成通知。" + summary_line(run.issues))
        report.status = "problems"
        return report
    book = run.book
    commented = {c.reporter_id for c in book.comments if (c.problems or c.achievements or c.expectations)}
    items: dict[str, int] = {}
    for row in book.rectifications:
        items[row.reporter_id] = items.get(row.reporter_id, 0) + 1
    rows, attention = [], 0
    for r in run.result.reporters:
        rid = r.reporter.id
        notes = []
        if rid not in commented:
            notes.append("无点评：反馈意见中点评部分为空")
        if not items.get(rid):
            notes.append("整改清单中没有该述职人的事项")
        if not r.reporter.email:
            notes.append("无电子邮箱：需另行送达")
        attention += bool(notes)
        rows.append([rid, r.reporter.organization, r.reporter.name, r.grade or "—", "有" if rid in commented else "无",
                     items.get(rid, 0), r.reporter.email or "—", "；".join(notes) or "✓"])
    from workbook.review import MEETING, review_papers

    doubts = review_papers(run.result, _date(params.get("date")))
    for row in rows:
        mine = [d.message for d in doubts if d.reporter_id == row[0]]
        if mine:
            row[-1] = "；".join(mine + ([] if row[-1] == "✓" else [row[-1]]))
    attention = sum(row[-1] != "✓" for row in rows)
    report.tables.append(Table("印发前核对清单", ["编号", "党组织", "姓名", "等次", "点评", "整改事项", "电子邮箱", "提示"],
                               rows, key="review",
                               note="每位述职人只收到本人的反馈意见；结果通报只列等次。请逐行核对后再生成。"))
    whole = [d for d in doubts if d.reporter_id == MEETING]
    if whole:
        report.tables.append(review_table(whole, "发文前核对：全部文件"))
    report.say(f"将为 {len(rows)} 位述职人各生成一份反馈意见，另生成结果通报；需要留意的 {attention} 位"
               + (f"，另有 {len(whole)} 处涉及全部文件" if whole else "") + "。")
    report.confirm = {"action": "notices", "label": "核对无误，生成通知"}
    if run.issues:
        report.problems(run.issues)
    return report


def _date(text: str | None) -> _dt.date | None:
    from workbook.errors import UsageError

    if not text:
        return None
    try:
        return _dt.date.fromisoformat(str(text))
    except ValueError:
        raise UsageError(f"日期应写成 2024-01-25 这样的格式：{text}") from None


def review_flags(review: Report) -> int:
    """How many lines of the pre-issue review need the clerk's eye (rows not ✓, doubts on all papers)."""
    flagged = 0
    for table in review.tables:
        if table.key == "review":
            flagged += sum(row[-1] != "✓" for row in table.rows)
        elif table.key == "doubts":
            flagged += len(table.rows)
    return flagged


def notices(path: Path, params: dict, say: Say) -> Report:
    """Issue the papers. When the pre-issue review lists doubts, only after the clerk said
    "我已逐行核对" (`reviewed: true`): the server checks it, not only the page."""
    report = Report("notices")
    if params.get("reviewed") is not True:
        review = notices_review(path, params, say)
        flagged = review_flags(review) if review.status == "done" else 0
        if flagged:
            report.status = "problems"
            report.say(f"未生成通知，未写出任何文件：印发前核对清单中有 {flagged} 处需要核对。"
                       "请先点“生成通知”查看印发前核对清单，逐行核对后勾选“我已逐行核对”，再点“核对无误，生成通知”。")
            report.tables = review.tables
            return report
    run = api.run_notices(path, issue_date=_date(params.get("date")), secret_mark=params.get("mark") or "",
                          copy_numbers=bool(params.get("copy_numbers")), cc=params.get("cc") or "",
                          pdf=params.get("pdf", True) is not False, progress=say)
    if not run.notices:
        report.problems(run.issues, "工作簿中有错误，未生成通知。" + summary_line(run.issues))
        report.status = "problems"
        return report
    if run.review:
        report.say(f"发文前核对：{len(run.review)} 处需要核对后再印发（见下表）。")
        report.tables.append(review_table(run.review))
    else:
        report.say("发文前核对：未发现疑点。")
    report.say(f"反馈意见 {len(run.notices)} 份：{run.notices[0].parent}")
    report.say(f"结果通报：{run.bulletin}")
    report.say(f"模板：通知 {run.templates.get('notice')}；通报 {run.templates.get('bulletin')}")
    if run.pdfs:
        report.say(f"PDF 副本 {len(run.pdfs)} 份")
    elif run.pdf_note:
        report.say(f"提示：{run.pdf_note}")
    report.say(f"按单位分发：{len(run.units)} 个文件夹（{run.units[0].parent}），打包：{run.archive}")
    report.file(run.bulletin)
    report.file(run.archive)
    report.file(run.notices[0].parent, "反馈意见文件夹")
    for notice in run.notices:
        report.file(notice)
    report.folder = str(api.output_dir(path))
    return report


def ledger_split(path: Path, params: dict, say: Say) -> Report:
    report = Report("ledger_split")
    run = api.run_ledger_split(path)
    if run.issues:
        report.problems(run.issues, "未生成整改台账。请先改正上面的错误。")
        return report
    if not run.files:
        report.status = "problems"
        report.say("整改清单中还没有问题，未生成台账（先点“生成整改清单”）。")
        return report
    report.say(f"已为 {len(run.files)} 个单位生成整改台账：{run.files[0].parent}")
    report.file(run.files[0].parent, "整改台账文件夹")
    for file in run.files:
        report.file(file)
    report.folder = str(run.files[0].parent)
    return report


def returned_files(params: dict) -> list[Path]:
    """The returned ledgers: the files picked, or every .xlsx in the folder picked."""
    from workbook.errors import UsageError

    picked = [Path(p) for p in params.get("files") or [] if p]
    folder = (params.get("folder") or "").strip()
    if folder:
        where = Path(folder)
        if not where.is_dir():
            raise UsageError(f"找不到文件夹：{folder}")
        picked += sorted(p for p in where.glob("*.xlsx") if not p.name.startswith("~$"))
    if not picked:
        raise UsageError("请选择各单位发回的整改台账所在的文件夹。")
    return picked


def ledger_merge(path: Path, params: dict, say: Say) -> Report:
    report = Report("ledger_merge")
    files = returned_files(params)
    run = api.run_ledger_merge(path, [str(f) for f in files], progress=say)
    if run.issues:
        report.problems(run.issues, "未合并，工作簿未做任何改动。请先改正上面的错误。")
        return report
    plan = run.plan
    report.say(f"读取 {len(files)} 个文件（单位编号 {'、'.join(run.units)}）：更新 {len(plan.updates)} 格，"
               f"冲突 {len(plan.conflicts)} 处，未采纳 {len(plan.refused)} 行")
    if plan.conflicts:
        report.tables.append(Table("冲突（未覆盖，请人工核对）", ["问题编号", "栏目", "整改清单中", "单位填报", "文件", "原因"],
                                   [[c.problem_id, c.field, c.clerk, c.unit, c.file, c.why] for c in plan.conflicts],
                                   key="conflicts"))
    for line in (*plan.refused, *plan.ignored):
        report.say(f"未采纳：{line}")
    if run.edit is not None and run.edit.changed:
        edit_lines(report, run.edit)
    else:
        report.say("没有需要写入的内容，工作簿未做任何改动。")
    if plan.conflicts or plan.refused:
        report.status = "problems"
    return report


def progress(path: Path, params: dict, say: Say) -> Report:
    from workbook.progress import summary_sentence, tally_rows
    from workbook.sheets import PROGRESS_HEADER

    report = Report("progress")
    run = api.run_progress(path, as_of=_date(params.get("as_of")))
    p = run.progress
    rows = [[*row[:-2], *("—" if v is None else f"{v:.1%}" for v in row[-2:])]
            for row in tally_rows([*p.by_reporter, p.total])]
    report.tables.append(Table(f"整改进度（截至 {p.as_of.isoformat()}）", list(PROGRESS_HEADER), rows, key="progress"))
    overdue = sorted(p.overdue, key=lambda i: -i.overdue_days)
    if overdue:
        report.tables.append(Table("逾期事项", ["问题编号", "党组织", "问题描述", "整改时限", "状态", "逾期天数"],
                                   [[i.row.problem_id, i.row.organization, i.row.description, i.deadline.isoformat(),
                                     i.status, i.overdue_days] for i in overdue], key="overdue"))
    report.say(summary_sentence(p))
    if run.issues:
        report.problems(run.issues)
        report.status = "done"
    report.say(f"已写出：{run.output}")
    report.file(run.output)
    report.folder = str(api.output_dir(path))
    return report


def _mail_preview(plan) -> Table:
    from workbook.mail import DECISION_WORDS, SKIP_PROBLEM

    rows = []
    for m in plan.messages:
        decision = plan.decisions[m.key]
        rows.append([m.label, "、".join(m.to) or "—", "、".join(p.name for p in m.attachments) or "—",
                     m.problem if decision == SKIP_PROBLEM else DECISION_WORDS[decision]])
    return Table("邮件预览", ["收件人", "邮箱", "附件", "状态"], rows, key="mail")


def mail_signature(plan) -> str:
    """What the clerk confirms: each message to send, its recipients and its attachments' digests."""
    import hashlib
    import json

    seen = sorted([m.key, sorted(m.to), sorted(m.digests.items())] for m in plan.to_send)
    return hashlib.sha256(json.dumps(seen, ensure_ascii=False).encode("utf-8")).hexdigest()


def _wanted(params: dict) -> list[str]:
    return [part.strip() for part in str(params.get("only") or "").replace("，", ",").split(",") if part.strip()]


def _stale_papers(report: Report, plan) -> bool:
    """Papers older than what they are made from: said, with the step that makes them anew
    (mail never remakes them itself, so the 成文日期 stays the clerk's)."""
    if not plan.stale:
        return False
    report.status = "problems"
    report.say("反馈意见和结果通报不是最新的，未发送任何邮件：" + "；".join(plan.stale))
    report.say("请先点“生成通知”重新生成（成文日期沿用上次的日期），再预览邮件。命令行：" + "；".join(plan.remake))
    return True


def mail_preview(path: Path, params: dict, say: Say) -> Report:
    """What would go to whom; the page must get the clerk's confirmation of exactly this.
    A preview sends nothing, so it is planned as a dry run (papers never made are made, and
    said; existing ones are never remade)."""
    from workbook import schema as S
    from workbook.issues import Source, error

    report = Report("mail_preview")
    say("正在准备邮件…")
    plan = api.plan_mail(path, _wanted(params), bool(params.get("to_leaders")), bool(params.get("resend")),
                         dry_run=True)
    try:
        if plan.issues:
            report.problems(plan.issues, "未发送任何邮件。请先改正上面的错误。")
            return report
        if _stale_papers(report, plan):
            return report
        for made in plan.made:
            report.say(f"已生成：{made}（此前没有生成过）")
        if plan.papers_date:
            report.say(f"成文日期：{plan.papers_date}")
        report.tables.append(_mail_preview(plan))
        if plan.review:
            report.say(f"发文前核对：{len(plan.review)} 处需要核对后再发送（见下表）。")
            report.tables.append(review_table(plan.review))
        keys = sorted(m.key for m in plan.to_send)
        if not keys:
            report.say("没有需要发送的邮件（已发送过的不会重发）。")
            return report
        if not plan.settings.server:
            report.problems([error("MAIL_NO_SERVER", Source(S.SHEET_MAIL), "“邮件设置”中没有填写 SMTP服务器")],
                            "可以先“生成邮件草稿”核对；填写服务器后才能发送。")
            return report
        report.say(f"将发送 {len(keys)} 封邮件：每位述职人只附本人的反馈意见，领导抄送附计票汇总表和结果通报。")
        report.confirm = {"action": "mail_send", "keys": keys, "signature": mail_signature(plan), "count": len(keys),
                          "label": f"确认发送这 {len(keys)} 封邮件", "password": bool(plan.settings.user)}
        return report
    finally:
        plan.close()


def mail_send(path: Path, params: dict, say: Say) -> Report:
    """Send only what the clerk confirmed: the plan is made again and must be the same."""
    from workbook.errors import UsageError

    report = Report("mail_send")
    if params.get("confirmed") is not True:
        raise UsageError("未确认，未发送任何邮件。")
    plan = api.plan_mail(path, _wanted(params), bool(params.get("to_leaders")), bool(params.get("resend")))
    try:      # the meeting's send-log lock is held from planning to the last answer
        return _send_confirmed(plan, params, say, report)
    finally:
        plan.close()


def _send_confirmed(plan, params: dict, say: Say, report: Report) -> Report:
    if plan.issues:
        report.problems(plan.issues, "未发送任何邮件。")
        return report
    if _stale_papers(report, plan):
        return report
    if mail_signature(plan) != params.get("signature"):
        report.status = "problems"
        report.say("要发送的邮件与刚才确认的预览不一致（工作簿或成果文件已变化），未发送任何邮件。请重新预览并确认。")
        return report
    password = params.get("password") or api.mail_password(plan.settings, interactive=False)
    results = api.send_planned(plan, password, progress=say)
    words = {"accepted": "✓ 已发送", "failed": "✗ 发送失败", "sending": "？无法确认是否送达"}
    for result in results:
        report.say(f"{words[result.state]}：{result.message.label}（{'、'.join(result.message.to)}）"
                   + ("" if result.state == "accepted" else f"——{result.answer}"))
    sent = sum(r.state == "accepted" for r in results)
    report.say(f"发送完毕：成功 {sent} 封，失败 {sum(r.state == 'failed' for r in results)} 封，"
               f"无法确认 {sum(r.state == 'sending' for r in results)} 封。发送记录：{plan.log.path}")
    report.file(plan.log.path, "发送记录")
    if sent != len(results):
        report.status = "problems"
    return report


def mail_drafts(path: Path, params: dict, say: Say) -> Report:
    report = Report("mail_drafts")
    plan = api.plan_mail(path, _wanted(params), bool(params.get("to_leaders")), bool(params.get("resend")),
                         dry_run=True)
    if plan.issues:
        report.problems(plan.issues, "未生成草稿。")
        return report
    if _stale_papers(report, plan):
        return report
    report.tables.append(_mail_preview(plan))
    drafts = api.write_drafts(plan)
    report.say(f"预演：{len(drafts)} 封邮件已写成草稿（.eml，Outlook 打开即可核对后发送）："
               f"{plan.folder / '发件箱'}。未发送任何邮件。")
    for draft in drafts:
        report.file(draft)
    report.folder = str(plan.folder)
    return report


def carry(path: Path, params: dict, say: Say) -> Report:
    from workbook.errors import UsageError

    report = Report("carry")
    old = (params.get("old") or "").strip()
    if not old:
        raise UsageError("请选择上一年度的工作簿。")
    run = api.run_carry(old, path, progress=say)
    if run.issues:
        report.problems(run.issues, "未结转，工作簿未做任何改动。请先改正上面的错误。")
        return report
    if not run.carried:
        report.say("上一年度没有需要结转的事项（或已结转过），工作簿未做任何改动。")
        return report
    report.say(f"已结转 {len(run.carried)} 项：{'、'.join(c.problem_id for c in run.carried[:8])}"
               + ("……" if len(run.carried) > 8 else ""))
    edit_lines(report, run.edit)
    return report


# (name, label on the button, what it does, changes the workbook?, run)
STEPS: dict[str, tuple[str, str, bool, Callable[[Path, dict, Say], Report]]] = {
    "prepare": ("生成评议票", "按述职人 × 评议项目生成评议票表头（修改工作簿，先备份）", True, prepare),
    "prepare_totals": ("生成计票录入表", "唱票计票时用：只录入各类别的汇总票数（修改工作簿，先备份）", True, prepare_totals),
    "forms": ("打印评议表", "会上发放的纸质评议表，每个评议人类别一张", False, forms),
    "check": ("检查数据", "一次列出所有问题和所在单元格（不修改工作簿）", False, check),
    "tally": ("计票汇总", "计票、排名、评定等次，写出计票汇总表（不修改工作簿）", False, tally),
    "import_comments": ("导入点评", "从点评讲话稿导入点评（修改工作簿，先备份）", True, import_comments),
    "rectify": ("生成整改清单", "把点评中的问题逐条列入整改清单（修改工作簿，先备份）", True, rectify),
    "notices_review": ("生成通知", "先核对印发清单，再生成反馈意见和结果通报（公文格式）", False, notices_review),
    "notices": ("生成通知（确认后）", "生成反馈意见和结果通报", False, notices),
    "ledger_split": ("整改台账 分发", "为每个单位生成只含本单位问题的整改台账", False, ledger_split),
    "ledger_merge": ("整改台账 回收", "合并各单位发回的台账（修改工作簿，先备份）", True, ledger_merge),
    "progress": ("整改进度", "统计整改进度和逾期事项", False, progress),
    "mail_preview": ("发送邮件", "先预览收件人和附件，确认后才发送", False, mail_preview),
    "mail_send": ("发送邮件（确认后）", "发送已确认的邮件", False, mail_send),
    "mail_drafts": ("生成邮件草稿", "不发送，把每封邮件写成 .eml 草稿", False, mail_drafts),
    "carry": ("结转", "把上一年度未销号的整改事项结转到本工作簿（修改工作簿，先备份）", True, carry),
}

# the labels the ribbon shows (workbook/ribbon.py), so a clerk finds the same words on both doors
from workbook.ribbon import BUTTONS as _RIBBON  # noqa: E402

for _step, _tag in {"check": "check", "prepare": "prepare", "prepare_totals": "prepare_totals", "tally": "tally",
                    "import_comments": "import_comments", "rectify": "rectify", "notices_review": "notices",
                    "progress": "progress", "mail_preview": "mail"}.items():
    if _tag in _RIBBON:
        STEPS[_step] = (_RIBBON[_tag][0], *STEPS[_step][1:])

# the buttons of the year, in order (the *_send / notices steps follow a confirmation)
YEAR = ["prepare", "prepare_totals", "forms", "check", "tally", "import_comments", "rectify", "notices_review", "ledger_split",
        "ledger_merge", "progress", "mail_preview", "carry"]

# steps of the year that only some meetings need, and when (the page shows it beside the button)
WHEN = {"prepare_totals": "唱票时用"}
