"""One edit through the package-level editor, as a whole process for bench_edits.py:
the workbook loaded, the planner's EditPlan made, `package_edit.edit_package` applying it
(backup, temporary file, read-back of every changed cell, atomic rename).

    python bench/edit_plan.py rectify WORKBOOK
    python bench/edit_plan.py comments WORKBOOK SPEECH.txt
"""
from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    from workbook.io.book import load_book
    from workbook.io.package_edit import edit_package
    from workbook import plans

    command, path = sys.argv[1], Path(sys.argv[2])
    book, issues = load_book(path)
    now = _dt.datetime.now()
    if command == "rectify":
        plan, _ = plans.plan_rectify(book, issues, now)
    elif command == "comments":
        from workbook.comments import match_blocks, parse_speech

        matches = match_blocks(parse_speech(Path(sys.argv[3]).read_text(encoding="utf-8")), book.reporters)
        plan, _, _ = plans.plan_import_comments(book, issues, matches)
    else:
        raise SystemExit(f"unknown command {command}")
    if plan.refused:
        print("refused:", [i.message for i in plan.blockers[:3]])
        return 1
    result = edit_package(path, plan, now=now)
    print(result.changed, result.summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
