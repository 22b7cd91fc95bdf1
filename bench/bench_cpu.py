"""CPU seconds (user + sys) and peak memory of whole processes, new reading path beside the
old one (SHUPING_NO_ARROW=1 reads 评议票 by calamine rows as before): a figure that a busy
shared machine distorts far less than wall time (prints a Markdown table; not a test).

    python bench/bench_cpu.py --sizes M,L --runs 3
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_tally  # noqa: E402

PYTHON = sys.executable


def cpu(command: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, peak MiB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        done = subprocess.run([bench_tally.TIME, "-f", "%U %S %e %M", "-o", report.name, *command],
                              capture_output=True, env={**os.environ, **(env or {})})
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr.decode()[-2000:])
        user, system, wall, peak = Path(report.name).read_text().split()[-4:]
    return float(user) + float(system), float(wall), int(peak) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--data", default=str(HERE / ".data"))
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(exist_ok=True)
    print("| size | what | CPU s (median) | wall s (median) | peak MiB |")
    print("|---|---|---:|---:|---:|")
    for size in args.sizes.split(","):
        forms, reporters = bench_tally.SIZES[size]
        path = data / f"{size}.xlsx"
        if not path.exists():
            bench_tally.generate(path, forms, reporters)
        out = Path(tempfile.mkdtemp())
        commands = {
            "floor: fastexcel": ([PYTHON, "-c", bench_tally.FLOOR_FASTEXCEL, str(path)], None),
            "floor: python-calamine": ([PYTHON, "-c", bench_tally.FLOOR_CALAMINE, str(path)], None),
            "tally (Arrow reading)": ([PYTHON, "-m", "workbook", "tally", str(path), "-o", str(out / "a")], None),
            "tally (old: calamine rows)": ([PYTHON, "-m", "workbook", "tally", str(path), "-o", str(out / "b")],
                                           {"SHUPING_NO_ARROW": "1"}),
            "check (Arrow reading)": ([PYTHON, "-m", "workbook", "check", str(path)], None),
            "check (old: calamine rows)": ([PYTHON, "-m", "workbook", "check", str(path)], {"SHUPING_NO_ARROW": "1"}),
        }
        for name, (command, env) in commands.items():
            found = [cpu(command, env) for _ in range(args.runs)]
            print(f"| {size} | {name} | {statistics.median(f[0] for f in found):.2f} | "
                  f"{statistics.median(f[1] for f in found):.2f} | {max(f[2] for f in found):.0f} |", flush=True)


if __name__ == "__main__":
    main()
