"""The import layers, read statically from every module's import statements (those inside
functions too), so a crossing fails here whether or not the code path ever runs.

The layers, from the bottom:
- core: `workbook/*.py` (not cli/api/__main__): pure logic and data. Imports only the
  standard library, numpy/pyarrow and other core modules; no file formats, no mail, no door.
- io: `workbook/io/`: readers and writers. Imports the core and io, never steps or a door.
- steps: `workbook/steps/` and `workbook/api.py`: the application layer, one module per
  capability, wiring core and io. Never a door.
- doors: `workbook/cli.py`, `macros_py/`, `assistant/`: call the application layer, never
  each other. `addin/` is build tooling: it may use the core and io, never a door.

    python -m pytest tests/test_layers.py      # documents and checks the allowed imports
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# third-party packages that read or write files, talk to the network or drive Excel: io's business
IO_PACKAGES = {"openpyxl", "xlsxwriter", "docx", "docxtpl", "xlwings", "python_calamine", "fastexcel",
               "smtplib", "filelock", "keyring", "olefile", "oletools", "defusedxml", "zipfile", "shutil",
               "subprocess", "sqlite3", "socket", "urllib", "http", "aiosmtpd", "selenium", "uvicorn",
               "starlette", "fastapi", "jinja2"}
DOORS = {"cli": "workbook.cli", "macros_py": "macros_py", "assistant": "assistant"}


def layer_of(module: str) -> str:
    if module in ("workbook.cli", "workbook.__main__"):
        return "cli"
    if module == "workbook.api" or module.startswith("workbook.steps"):
        return "steps"
    if module.startswith("workbook.io"):
        return "io"
    if module.startswith("workbook"):
        return "core"
    return module.split(".")[0]        # macros_py, assistant, addin


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import statement in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or (node.level and not node.module):
                found += [(node.lineno, f"{target}.{alias.name}".strip(".")) for alias in node.names]
            else:
                found.append((node.lineno, target))
    return found


def crossing(source: str, target: str) -> str | None:
    """Why `source` may not import `target`, or None when it may."""
    mine, theirs = layer_of(source), layer_of(target)
    top = target.split(".")[0]
    ours = top in ("workbook", "macros_py", "assistant", "addin")
    if not ours:
        if mine == "core" and top in IO_PACKAGES:
            return f"the core imports {top} (file formats, mail and Excel belong in workbook/io)"
        return None
    allowed = {
        "core": {"core"},
        "io": {"core", "io"},
        "steps": {"core", "io", "steps"},
        "cli": {"core", "steps", "cli", "addin"},
        "macros_py": {"core", "io", "steps", "macros_py"},
        "assistant": {"core", "steps", "assistant"},
        "addin": {"core", "io", "addin"},
    }[mine]
    if theirs not in allowed:
        return f"{mine} imports {theirs} ({target})"
    return None


def all_modules() -> list[Path]:
    found = []
    for folder in ("workbook", "macros_py", "assistant", "addin"):
        if (ROOT / folder).is_dir():
            found += sorted((ROOT / folder).rglob("*.py"))
    return found


def private_import(source: str, node_names: list[str], target: str) -> bool:
    return target.split(".")[0] in ("workbook", "macros_py", "assistant", "addin") and any(
        n.startswith("_") and not n.startswith("__") for n in node_names)


def test_no_layer_is_crossed():
    problems = []
    for path in all_modules():
        source = module_name(path)
        for line, target in imports_of(path):
            why = crossing(source, target)
            if why:
                problems.append(f"{path.relative_to(ROOT)}:{line}: {why}")
    assert not problems, "\n".join(problems)


def test_no_private_names_across_modules():
    """A name another module needs is public; `_name` stays inside its module."""
    problems = []
    for path in all_modules():
        source = module_name(path)
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                target = node.module or ""
                if node.level:
                    base = package.split(".")
                    target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
                names = [alias.name for alias in node.names]
                if private_import(source, names, target):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {names} from {target}")
    assert not problems, "\n".join(problems)


def test_the_checker_sees_crossings():
    assert crossing("workbook.parse", "workbook.io.reader")
    assert crossing("workbook.tally", "openpyxl")
    assert crossing("macros_py.excel", "workbook.cli")
    assert crossing("workbook.io.reader", "workbook.steps.count")
    assert crossing("assistant.server", "macros_py")
    assert crossing("workbook.steps.mailing", "workbook.cli")
    assert not crossing("workbook.steps.count", "workbook.io.reader")
    assert not crossing("workbook.cli", "workbook.api")
    assert not crossing("workbook.tally", "numpy")
