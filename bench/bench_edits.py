"""Edit commands timed beside `check` (whole processes, a fresh copy of the workbook per run;
prints a table and returns it to bench_tally.py; not a test).

    python bench/bench_edits.py --sizes M --runs 3

For each size:
- `shuping check` (the yardstick: an edit should cost ≤ 1.5 × check);
- the command line as it is (the openpyxl save path): prepare with nothing to change,
  prepare with one late reporter, rectify, comments import (a speech naming 5 reporters);
- the package-level editor (workbook/io/package_edit.py) applying the planners' EditPlans
  (plans.plan_rectify, plans.plan_import_comments) with lock-free safe edit: backup,
  temporary file, read-back, rename — `bench/edit_plan.py`.
`ledger merge` is not measured here (it needs returned ledgers; its plan is not written yet).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_tally  # noqa: E402

PYTHON = sys.executable
SHUPING = [PYTHON, "-m", "workbook"]


SPOKEN = 5   # reporters 001–005 are in the speech and not yet in 点评


def speech(reporters: int, count: int = SPOKEN) -> str:
    lines = ["同志们：", "下面，进行第一项议程，请各党（工）委书记现场述职。"]
    for k in range(min(count, reporters)):
        lines += [f"请人{k}同志述职。", f"点评：人{k}同志抓党建工作思路清晰。",
                  "存在问题：一是基层组织建设有短板。二是制度落实不到位。", "希望：继续努力。"]
    return "\n".join(lines) + "\n"


def seeded(path: Path, target: Path, reporters: int) -> Path:
    """The bench workbook with its header laid out (prepare), 点评 rows with problems for
    every reporter but the first SPOKEN (for rectify), written by the package editor."""
    from workbook import schema as S
    from workbook.io.package_edit import apply_plan_to_package
    from workbook.plans import EditPlan, SheetChange

    staged = target.with_name("staged.xlsx")
    shutil.copy(path, staged)
    bench_tally.subprocess.run([*SHUPING, "prepare", str(staged)], capture_output=True, check=False)
    plan = EditPlan("seed")
    plan.changes.append(SheetChange(S.SHEET_COMMENTS, append=[
        [f"{k + 1:03d}", S.AREA_GENERAL, "成绩", f"一是问题甲{k}。二是问题乙{k}。", "希望", None]
        for k in range(SPOKEN, reporters)]))
    apply_plan_to_package(staged, plan, target)
    return target


def late_reporter(path: Path, target: Path, reporters: int) -> Path:
    from workbook import schema as S
    from workbook.io.package_edit import apply_plan_to_package
    from workbook.plans import EditPlan, SheetChange

    plan = EditPlan("late")
    plan.changes.append(SheetChange(S.SHEET_REPORTERS, append=[["999", "迟到单位", "迟到者", "书记", "现场"]]))
    apply_plan_to_package(path, plan, target)
    return target


def fresh_runs(runs: int, original: Path, work: Path, command: list[str]) -> dict[str, float]:
    """Each run on a fresh copy (an edit changes its file)."""
    found = []
    for n in range(runs):
        copy = work / f"run{n}.xlsx"
        shutil.copy(original, copy)
        for old in work.glob("run*.备份-*"):
            old.unlink()
        found.append(bench_tally.timed([part.replace("{path}", str(copy)) for part in command]))
    times, peaks = zip(*found)
    return {"min": min(times), "median": statistics.median(times), "peak": max(peaks)}


def measure(size: str, path: Path, runs: int, reporters: int) -> tuple[list[tuple], list[str]]:
    work = Path(tempfile.mkdtemp(prefix=f"bench-edits-{size}-"))
    base = seeded(path, work / "base.xlsx", reporters)
    late = late_reporter(base, work / "late.xlsx", reporters)
    text = work / "讲话.txt"
    text.write_text(speech(reporters), encoding="utf-8")
    figures: dict[str, dict[str, float]] = {}
    figures["shuping check"] = fresh_runs(runs, base, work, [*SHUPING, "check", "{path}"])
    figures["prepare, nothing to change (command line)"] = fresh_runs(runs, base, work, [*SHUPING, "prepare", "{path}"])
    figures["prepare, one late reporter (command line)"] = fresh_runs(runs, late, work, [*SHUPING, "prepare", "{path}"])
    figures["rectify (command line)"] = fresh_runs(runs, base, work, [*SHUPING, "rectify", "{path}"])
    figures["comments import (command line)"] = fresh_runs(
        runs, base, work, [*SHUPING, "comments", "import", "{path}", str(text)])
    figures["rectify (package editor)"] = fresh_runs(
        runs, base, work, [PYTHON, str(HERE / "edit_plan.py"), "rectify", "{path}"])
    figures["comments import (package editor)"] = fresh_runs(
        runs, base, work, [PYTHON, str(HERE / "edit_plan.py"), "comments", "{path}", str(text)])
    rows = [(size, name, v["min"], v["median"], v["peak"]) for name, v in figures.items()]
    check = figures["shuping check"]["median"]
    notes = []
    for name, v in figures.items():
        if name == "shuping check":
            continue
        held = v["median"] <= 2.0 and v["median"] <= 1.5 * check
        notes.append(f"{size}: {name}: {v['median']:.2f} s = {v['median'] / check:.2f} × check "
                     f"(target ≤ 2 s and ≤ 1.5 × check: {'held' if held else 'NOT held'})")
    shutil.rmtree(work, ignore_errors=True)
    return rows, notes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="M")
    parser.add_argument("--data", default=str(HERE / ".data"))
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(exist_ok=True)
    for size in args.sizes.split(","):
        forms, reporters = bench_tally.SIZES[size]
        path = data / f"{size}.xlsx"
        if not path.exists():
            bench_tally.generate(path, forms, reporters)
        rows, notes = measure(size, path, args.runs, reporters)
        for size_, name, low, median, peak in rows:
            print(f"| {size_} | {name} | {low:.2f} | {median:.2f} | {peak:.0f} |")
        print("\n".join(notes))


if __name__ == "__main__":
    main()
