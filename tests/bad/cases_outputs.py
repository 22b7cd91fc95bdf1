"""Corpus cases for outputs and mail (issue #18): what is already in or beside the output
folder, Word templates, reporter numbers and names that broke file names or matching.
Each is one class of fault; `tests/test_outputs_safety.py` has the finer cases (links,
concurrent mail, a full disk)."""
from __future__ import annotations

from pathlib import Path

from bad.make_corpus import FILE, FINE, WRITING, Case, write_base

OUT = Path(FILE).stem + "_成果"
WRITERS = WRITING          # the commands that write into the output folder; the others never look at it


def _only(codes: dict[str, int]) -> dict[str, int]:
    return {**FINE, **codes}


def _output_folder_is_a_file(folder: Path) -> None:
    write_base(folder / FILE)
    (folder / OUT).write_text("这是文书自己的文件，恰好与输出文件夹同名", encoding="utf-8")


def _clerks_summary(folder: Path) -> None:
    write_base(folder / FILE)
    (folder / OUT).mkdir()
    (folder / OUT / "计票汇总表.xlsx").write_bytes(b"the clerk's own summary, not made by shuping")


def _template_with_code(folder: Path) -> None:
    import docx

    from workbook.io.gongwen_docx import NOTICE_TEMPLATE, build_template

    write_base(folder / FILE)
    template = folder / NOTICE_TEMPLATE
    template.write_bytes(build_template("notice"))
    document = docx.Document(template)
    document.add_paragraph("{{ cycler.__init__.__globals__.os.popen('id').read() }}")
    document.save(template)


def _stale_papers(folder: Path) -> None:
    """Papers made, then a grade corrected: mail must stop and say so, not remake or send."""
    import openpyxl

    from workbook.api import run_notices, run_tally

    write_base(folder / FILE)
    assert run_tally(folder / FILE).result is not None
    assert run_notices(folder / FILE, pdf=False).notices
    book = openpyxl.load_workbook(folder / FILE)
    cell = book["评议票"]["D3"]
    cell.value = "差" if cell.value != "差" else "好"
    book.save(folder / FILE)


def _change_reporters(change):
    def build(folder: Path) -> None:
        write_base(folder / FILE, change)
    return build


def _long_organisation(book: dict) -> None:
    for row in book["述职人"][1:3]:
        row[1] = "中共某某市某某区某某街道某某社区" * 7           # 112 characters, 336 bytes: twice


def _prefixed_numbers(book: dict) -> None:
    """编号 01 and 01_2: the old matcher by file-name prefix sent 01_2's notice to 01."""
    renames = {"02": "01_2", "03": "01:2"}
    for row in book["述职人"][1:]:
        row[0] = renames.get(row[0], row[0])
    header = book["评议票"][0]
    for k, value in enumerate(header):
        if isinstance(value, str) and value[:2] in renames and value[2] == " ":
            header[k] = renames[value[:2]] + value[2:]


def cases() -> list[Case]:
    return [
        Case("output-folder-is-a-file", "工作簿旁有一个与输出文件夹（评议_成果）同名的文件",
             _output_folder_is_a_file, _only({c: 2 for c in WRITERS}), message="不是文件夹",
             messages={"mail": "不是文件夹"}),
        Case("clerks-file-at-an-output-name", "输出文件夹里已有文书自己的“计票汇总表.xlsx”（不是 shuping 写的）",
             _clerks_summary, _only({"tally": 2, "mail": 1}), message="不是shuping写出的文件",
             messages={"notices": "", "mail": "计票汇总表还没有生成"}),
        Case("template-runs-code", "工作簿旁的“通知模板.docx”里有试图执行程序的模板代码",
             _template_with_code, _only({"notices": 2, "mail": 2}), message="不允许的模板代码",
             messages={"mail": "不允许的模板代码"}),
        Case("papers-older-than-the-ballots", "反馈意见生成之后又改了评议票，再发送邮件",
             _stale_papers, _only({"mail": 1, "verify": 1}), messages={"mail": "评议票（或疑问票认定）"}),
        Case("organisation-name-too-long-for-a-file", "党组织名称长达 112 个汉字（文件名超过 255 字节），且两个单位同名",
             # other results than the reference (verify); 01's returned ledger and last year's rows name
             # the old 党组织 (ledger merge, carry refuse them)
             _change_reporters(_long_organisation), _only({"verify": 1, "ledger merge": 1, "carry": 1})),
        Case("numbers-sharing-a-prefix", "述职人编号 01、01_2、01:2（前缀相同，含文件名不允许的字符）",
             _change_reporters(_prefixed_numbers), _only({"verify": 1})),
    ]
