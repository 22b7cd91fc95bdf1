"""The bad-input corpus (tests/bad/make_corpus.py): every case × every command that reads
a workbook. Each run must give the contract's exit code and a clear Chinese message, never
a traceback, leave the input byte-identical, and leave no partial output behind."""
import re
import shutil
import stat

import pytest
from typer.testing import CliRunner

from bad.make_corpus import (COMMANDS, EDITING, FILE, LAST_YEAR, LEDGER, SPEECH, WRITING, all_cases, generate,
                              write_base)
from workbook.cli import app

runner = CliRunner()
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    made = generate(root / "cases")
    reference = root / "reference"
    reference.mkdir()
    write_base(reference / FILE)
    done = runner.invoke(app, ["tally", str(reference / FILE)])
    assert done.exit_code == 0, done.output
    return root, made, reference / "评议_成果" / "计票结果.json"


def _second_copy(path):
    """A byte copy of the case outside its folder: `compare` refuses one file given twice."""
    copy = path.parent.parent / "比对副本" / path.name
    if copy.parent.exists():
        shutil.rmtree(copy.parent)
    copy.parent.mkdir()
    if path.is_dir():
        shutil.copytree(path, copy)
    elif path.is_file():
        shutil.copyfile(path, copy)
    return copy


def _arguments(command, path, results):
    if command == "compare":
        return [command, str(path), str(_second_copy(path))]
    if command == "verify":   # a case may bring its own results file
        own = path.parent / "计票结果.json"
        return [command, str(path), str(own if own.exists() else results)]
    if command == "comments import":
        return ["comments", "import", str(path), str(path.parent / SPEECH)]
    if command == "notices":
        return ["notices", str(path), "--no-pdf", "--date", "2024-01-25"]
    if command == "mail":
        return ["mail", str(path), "--dry-run"]
    if command == "progress":
        return ["progress", str(path), "--as-of", "2024-02-01"]
    if command == "ledger split":
        return ["ledger", "split", str(path)]
    if command == "ledger merge":
        return ["ledger", "merge", str(path), str(path.parent / LEDGER)]
    if command == "carry":      # the case's file is this year's: carry writes into it
        return ["carry", str(path.parent / LAST_YEAR), str(path)]
    return [command, str(path)]


def _leftovers(folder):
    return [p.name for p in folder.rglob("*") if p.name.startswith(".~shuping")]


def _run_case(case, command, source, work, results) -> list[str]:
    """Every broken promise of one run, in words."""
    if work.exists():
        shutil.rmtree(work, onerror=lambda f, p, e: (p and __import__("os").chmod(p, 0o700), f(p)))
    shutil.copytree(source, work)
    path = work / case.file
    before = path.read_bytes() if path.is_file() else None
    names_before = {p.name for p in work.iterdir()}
    out_before = {p.name for p in (work / (path.stem + "_成果")).iterdir()} \
        if (work / (path.stem + "_成果")).is_dir() else set()
    done = runner.invoke(app, _arguments(command, path, results))
    said = "".join(done.output.split())
    problems = []
    if done.exit_code != case.expect[command]:
        problems.append(f"exit {done.exit_code}, expected {case.expect[command]}: {done.output[-300:]}")
    if done.exception and not isinstance(done.exception, SystemExit):
        problems.append(f"exception {done.exception!r}")
    if "Traceback" in done.output or "内部错误" in done.output:
        problems.append("a traceback or an internal error reached the clerk")
    if done.exit_code != 0:
        if not CJK.search(done.output):
            problems.append("no Chinese message")
        fragment = case.fragment(command)
        if fragment and "".join(fragment.split()) not in said:
            problems.append(f"message lacks “{fragment}”: {done.output[-300:]}")
    if before is not None:
        backups = [p for p in work.iterdir() if ".备份-" in p.name]
        changed = path.read_bytes() != before
        if changed and not (command in EDITING and done.exit_code == 0
                            and any(b.read_bytes() == before for b in backups)):
            problems.append("the input file was changed")
    if _leftovers(work):
        problems.append(f"partial files left: {_leftovers(work)}")
    new = {p.name for p in work.iterdir()} - names_before
    allowed = set()
    if command in WRITING and done.exit_code == 0:
        allowed.add(path.stem + "_成果")
    if command in EDITING and done.exit_code == 0:
        allowed |= {n for n in new if ".备份-" in n}
    if new - allowed:
        problems.append(f"unexpected output: {sorted(new - allowed)}")
    if command == "tally" and done.exit_code == 0:
        out = work / (path.stem + "_成果")
        made = {p.name for p in out.iterdir()} - out_before - {".shuping-manifest.json"}   # the manifest: io/manifest.py
        assert made <= {"结果通报表.xlsx", "计票汇总表.xlsx", "计票结果.json"} and (out / "计票汇总表.xlsx").is_file()
    return problems


def test_every_bad_input_with_every_command(corpus, tmp_path, capsys):
    root, made, results = corpus
    failures = []
    runs = 0
    for case in made:
        for command in COMMANDS:
            runs += 1
            for problem in _run_case(case, command, root / "cases" / case.name, tmp_path / "work", results):
                failures.append(f"{case.name} × {command}: {problem}")
    work = tmp_path / "work"
    if work.exists():
        for p in work.rglob("*"):
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
    with capsys.disabled():
        print(f"\nbad-input corpus: {len(made)} cases × {len(COMMANDS)} commands = {runs} runs checked, "
              f"{len(failures)} failed")
    assert not failures, "\n".join(failures)


def test_the_corpus_is_large_and_distinct():
    made = all_cases()
    assert len(made) >= 40
    assert len({c.name for c in made}) == len(made) and len({c.fault for c in made}) == len(made)
