"""Speed at every size (prints figures and writes bench/RESULTS.md; not a test).

    bash bench/run            # installs what it needs, then runs this
    python bench/bench_tally.py --runs 3 --sizes S,M,L

Sizes: S 300 forms × 12 reporters, M 3,000 × 60, L 10,000 × 100, 4 items each, with
blank cells, 多选 and void forms, typed canonically (好/较好/一般/差/多选) so that the
clerks' COUNTIFS sheet can count the same data. Timed side by side, each a whole process
(start to exit) unless marked in-process, min and median of the runs, peak memory:
- the floor: python-calamine and fastexcel reading 评议票;
- `shuping tally` end to end (summary workbook and JSON written), `shuping check`;
- tally's parts in-process: read, parse + validate, count + grade, write;
- the peer: the same data with a 计票汇总 sheet of COUNTIFS (one row per reporter × item),
  recalculated by LibreOffice headless on load and saved; its numbers checked against ours;
- the live-Excel path: xlwings actions per button (remote engine) at each size.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import ballots  # noqa: E402

SIZES = {"S": (300, 12), "M": (3000, 60), "L": (10000, 100)}
ITEMS = 4
PYTHON = sys.executable
TIME = shutil.which("time") or "/usr/bin/time"


# --- data ------------------------------------------------------------------------------------------
def generate(path: Path, forms: int, reporters: int) -> Path:
    """Typed canonically, and no form entirely blank: COUNTIFS would count it as abstaining."""
    return ballots.generate(path, forms, reporters, ITEMS, ballots.CANONICAL, void_share=0.004, seed=7,
                            every_form_marked=True)


def _col(index: int) -> str:
    from workbook.cells import col_name

    return col_name(index)


def peer_workbook(source: Path, target: Path, forms: int, reporters: int) -> Path:
    """The clerks' way: the same ballots plus 计票汇总 with six COUNTIFS per reporter × item."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(source)).get_sheet_by_name("评议票").to_python(skip_empty_area=False)
    last = forms + 2
    with xlsxwriter.Workbook(str(target)) as book:
        ws = book.add_worksheet("评议票")
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v != "":
                    ws.write(r, c, v) if not isinstance(v, str) else ws.write_string(r, c, v)
        out = book.add_worksheet("计票汇总")
        header = ["述职人", "项目", "好", "较好", "一般", "差", "弃权", "多选", "有效", "好评率", "平均分"]
        for c, h in enumerate(header):
            out.write_string(0, c, h)
        void = f"评议票!$C$3:$C${last}"
        r = 1
        for k in range(reporters):
            for i in range(ITEMS):
                col = _col(3 + k * ITEMS + i)
                rng = f"评议票!${col}$3:${col}${last}"
                out.write_string(r, 0, f"{k + 1:03d}")
                out.write_string(r, 1, rows[1][3 + k * ITEMS + i])
                for c, mark in enumerate(["好", "较好", "一般", "差", "", "多选"], start=2):
                    out.write_formula(r, c, f'=COUNTIFS({rng},"{mark}",{void},"")')
                n = r + 1
                out.write_formula(r, 8, f"=SUM(C{n}:F{n})")
                out.write_formula(r, 9, f"=IF(I{n}=0,\"\",(C{n}+D{n})/I{n})")
                out.write_formula(r, 10, f"=IF(I{n}=0,\"\",(100*C{n}+80*D{n}+60*E{n}+40*F{n})/I{n})")
                r += 1
    return target


# --- timing ---------------------------------------------------------------------------------------------
def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(seconds, peak MiB) of a whole process."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        start = time.perf_counter()
        done = subprocess.run([TIME, "-f", "%M", "-o", report.name, *command], capture_output=True,
                              env={**os.environ, **(env or {})})
        seconds = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
        text = Path(report.name).read_text().strip().splitlines()
    return seconds, int(text[-1]) / 1024


def repeat(runs: int, command: list[str], env: dict | None = None) -> dict[str, float]:
    times, peaks = zip(*(timed(command, env) for _ in range(runs)))
    return {"min": min(times), "median": statistics.median(times), "peak": max(peaks)}


FLOOR_CALAMINE = ("from python_calamine import CalamineWorkbook as W; import sys; "
                  "W.from_path(sys.argv[1]).get_sheet_by_name('评议票').to_python()")
FLOOR_FASTEXCEL = ("import fastexcel, sys; fastexcel.read_excel(sys.argv[1])"
                   ".load_sheet_by_name('评议票', header_row=None).to_arrow()")


class _Read:
    """The rows already read, so parse + validate is timed without reading again."""

    def __init__(self, source, rows):
        self.source, self._rows = source, rows
        self.sheet_names = source.sheet_names

    def rows(self, name):
        return self._rows[name]

    def facts(self, name):
        return self.source.facts(name)


def parts(path: Path, runs: int) -> dict[str, float]:
    """Medians of tally's parts, in-process."""
    importlib.import_module("workbook.api")      # the imports are warm before timing
    from workbook.io.reader import open_source
    from workbook.io.results_xlsx import write_sheets
    from workbook.parse import parse_book
    from workbook.report import result_json
    from workbook.sheets import result_sheets
    from workbook.tally import tally
    from workbook.validate import validate

    measured: dict[str, list[float]] = {"read": [], "parse + validate": [], "count + grade": [], "write": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        source = open_source(path)
        grid = source.grid("评议票") if hasattr(source, "grid") else None   # the Arrow path tally takes
        read = _Read(source, {name: grid if name == "评议票" and grid is not None else source.rows(name)
                              for name in source.sheet_names})
        t1 = time.perf_counter()
        book, issues = parse_book(read, str(path))
        issues += validate(book)
        t2 = time.perf_counter()
        result, issues = tally(book, issues)
        t3 = time.perf_counter()
        data = result_json(result, issues)
        with tempfile.TemporaryDirectory() as folder:
            write_sheets(Path(folder) / "x.xlsx", result_sheets(result, issues, "now", data["fingerprints"]))
            (Path(folder) / "x.json").write_text(json.dumps(data, ensure_ascii=False))
        t4 = time.perf_counter()
        for key, value in zip(measured, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            measured[key].append(value)
    return {key: statistics.median(values) for key, values in measured.items()}


def recalc_profile() -> Path:
    """A LibreOffice profile that recalculates OOXML formulas on load (OOXMLRecalcMode 0)."""
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    user = profile / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">'
        '<value>0</value></prop></item>\n</oor:items>\n', encoding="utf-8")
    return profile


def peer(path: Path, runs: int, out: Path) -> dict[str, float] | None:
    office = shutil.which("soffice")
    if office is None:
        return None
    profile = recalc_profile()
    command = [office, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
               "--outdir", str(out), str(path)]
    timed(command)       # the first start of a profile is slower: not counted
    return repeat(runs, command)


def peer_in_process(path: Path, runs: int) -> dict[str, float] | None:
    """LibreOffice's load and recalculation, timed inside it (bench/peer_uno.py, needs python3-uno)."""
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin") or "python3"
    probe = subprocess.run([python, "-c", "import uno"], capture_output=True)
    if probe.returncode != 0 or shutil.which("soffice") is None:
        return None
    found = [json.loads(subprocess.run([python, str(HERE / "peer_uno.py"), str(path)], capture_output=True,
                                       text=True, check=True, timeout=900).stdout) for _ in range(runs)]
    return {key: statistics.median(f[key] for f in found) for key in ("load", "recalc")}


def check_peer(converted: Path, results: dict) -> str:
    """Our figures against LibreOffice's COUNTIFS, per reporter × item."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(converted)).get_sheet_by_name("计票汇总").to_python()
    by_reporter = {r["id"]: r for r in results["reporters"]}
    mismatches = 0
    for row in rows[1:]:
        ours = by_reporter[row[0]]["items"][row[1]]
        theirs = (int(row[2]), int(row[3]), int(row[4]), int(row[5]), int(row[7]), int(row[8]))
        mine = (ours["好"], ours["较好"], ours["一般"], ours["差"], ours["overvote"], ours["valid"])
        rate = ours["good_rate"]
        if theirs != mine or (rate is not None and abs(float(row[9]) - rate) > 1e-9):
            mismatches += 1
    return f"{len(rows) - 1} rows, {mismatches} mismatches"


def actions_per_button(path: Path) -> dict[str, int]:
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    sys.path.insert(0, str(ROOT / "tests"))
    from test_macros import remote_book

    from macros_py import excel

    counts = {}
    for name, function in (("check", excel.check_book), ("tally", excel.tally_book),
                           ("progress", excel.progress_book)):
        book = remote_book(path)
        excel.run_button(book, function)
        counts[name] = len(book.json()["actions"])
    return counts


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal"))) / 2**20
    except (OSError, StopIteration):
        memory = 0
    return (f"{os.cpu_count()} cores, {cpu}, {memory:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def target_lines(measured: dict[str, dict], help_time: float) -> list[str]:
    """Each target of issue #21 with its measured figure and whether it held."""
    lines = []

    def say(what: str, figure: str, held: bool) -> None:
        lines.append(f"{what}: {figure} — {'held' if held else 'NOT held'}")

    for size in ("M", "L"):
        m = measured.get(size)
        if not m:
            continue
        limit = 1.3 * m["floor"] + 0.5
        say(f"{size}: tally ≤ 1.3 × fastest floor + 0.5 s", f"{m['tally']:.2f} s vs {limit:.2f} s", m["tally"] <= limit)
        if m["peer"]:
            say(f"{size}: LibreOffice COUNTIFS peer ≥ 5 × tally", f"{m['peer'] / m['tally']:.1f} ×", m["peer"] >= 5 * m["tally"])
    if "L" in measured:
        say("L: tally peak memory < 500 MiB", f"{measured['L']['tally_peak']:.0f} MiB", measured["L"]["tally_peak"] < 500)
        say("L: check ≤ tally", f"{measured['L']['check']:.2f} s vs {measured['L']['tally']:.2f} s",
            measured["L"]["check"] <= measured["L"]["tally"])
    if "S" in measured:
        say("S: tally < 0.5 s", f"{measured['S']['tally']:.2f} s", measured["S"]["tally"] < 0.5)
    say("`shuping --help` < 0.3 s", f"{help_time:.2f} s", help_time < 0.3)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--data", default=str(HERE / ".data"))
    parser.add_argument("--edit-sizes", default="M", help="sizes at which the edit commands are timed")
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(exist_ok=True)
    shuping = [PYTHON, "-m", "workbook"]
    rows, notes = [], []
    targets: list[str] = []
    measured: dict[str, dict] = {}
    for size in args.sizes.split(","):
        forms, reporters = SIZES[size]
        path = data / f"{size}.xlsx"
        if not path.exists():
            generate(path, forms, reporters)
        work = Path(tempfile.mkdtemp(prefix=f"bench-{size}-"))
        figures = {
            "floor: python-calamine": repeat(args.runs, [PYTHON, "-c", FLOOR_CALAMINE, str(path)]),
        }
        if importlib.util.find_spec("fastexcel") is not None:
            figures["floor: fastexcel"] = repeat(args.runs, [PYTHON, "-c", FLOOR_FASTEXCEL, str(path)])
        else:
            notes.append("fastexcel is not installed: its floor is not measured")
        figures["shuping tally"] = repeat(args.runs, [*shuping, "tally", str(path), "-o", str(work / "out"),
                                                       "--json", str(work / "r.json")])
        figures["shuping check"] = repeat(args.runs, [*shuping, "check", str(path)])
        results = json.loads((work / "r.json").read_text(encoding="utf-8"))
        peer_path = peer_workbook(path, work / f"peer-{size}.xlsx", forms, reporters)
        peer_figures = peer(peer_path, args.runs, work / "converted")
        if peer_figures:
            figures["peer: LibreOffice COUNTIFS (load+recalc+save)"] = peer_figures
            notes.append(f"{size}: peer numbers vs ours: {check_peer(work / 'converted' / peer_path.name, results)}")
        else:
            notes.append(f"{size}: LibreOffice is not installed: the peer is not measured")
        inner = parts(path, args.runs)
        in_office = peer_in_process(peer_path, args.runs) if peer_figures else None
        counts = actions_per_button(path) if size != "L" or forms <= 10000 else {}
        floor = min(v["min"] for k, v in figures.items() if k.startswith("floor"))
        tally_time = figures["shuping tally"]["median"]
        for name, value in figures.items():
            rows.append((size, name, value["min"], value["median"], value["peak"]))
        rows.append((size, "in-process parts (median)", None, None, None))
        for name, value in inner.items():
            rows.append((size, f"  {name}", None, value, None))
        if in_office:
            rows.append((size, "  peer in LibreOffice: load", None, in_office["load"], None))
            rows.append((size, "  peer in LibreOffice: recalculate", None, in_office["recalc"], None))
            ours = inner["read"] + inner["parse + validate"] + inner["count + grade"]
            notes.append(f"{size}: peer load + recalc / our read + count = "
                         f"{(in_office['load'] + in_office['recalc']) / ours:.1f}")
        elif peer_figures:
            notes.append(f"{size}: python3-uno is not installed: the peer's in-process load/recalc is not split")
        ratio = f"{size}: tally / fastest floor = {tally_time / floor:.2f}"
        if peer_figures:
            ratio += f"; peer / tally = {peer_figures['median'] / tally_time:.1f}"
        notes.append(ratio)
        notes.append(f"{size}: xlwings actions per button (remote engine): {counts}")
        measured[size] = {"floor": floor, "tally": tally_time, "tally_peak": figures["shuping tally"]["peak"],
                          "check": figures["shuping check"]["median"],
                          "peer": peer_figures["median"] if peer_figures else None}
        if size in args.edit_sizes.split(","):
            import bench_edits

            edit_rows, edit_notes = bench_edits.measure(size, path, args.runs, reporters)
            rows.extend(edit_rows)
            notes.extend(edit_notes)
        print(f"{size} done", flush=True)
    started = time.perf_counter()
    subprocess.run([*shuping, "--help"], capture_output=True)
    help_time = time.perf_counter() - started
    notes.append(f"`shuping --help`: {help_time:.2f} s")
    targets.extend(target_lines(measured, help_time))
    table = ["| size | what | min s | median s | peak MiB |", "|---|---|---:|---:|---:|"]
    for size, name, low, median, peak in rows:
        table.append(f"| {size} | {name} | {'' if low is None else f'{low:.2f}'} | "
                     f"{'' if median is None else f'{median:.2f}'} | {'' if peak is None else f'{peak:.0f}'} |")
    text = "\n".join(["# Benchmark results", "", f"Machine: {machine()}", f"Runs: {args.runs} per figure", "",
                      *table, "", *[f"- {n}" for n in notes], "", "## Targets (issue #21)", "",
                      *[f"- {t}" for t in targets], ""])
    print(text)
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
