import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

ROOT = Path(__file__).resolve().parents[1]
SHARED_EXAMPLES = ROOT.parent / "shared" / "examples"


@pytest.fixture
def worked_example() -> Path:
    path = SHARED_EXAMPLES / "worked_example.xlsx"
    if not path.exists():
        pytest.skip("shared/examples is not beside this checkout")
    return path


@pytest.fixture(scope="session")
def demo_workbook(tmp_path_factory) -> Path:
    from workbook.api import new_workbook

    return new_workbook(tmp_path_factory.mktemp("demo") / "demo.xlsx", demo=True)


@pytest.fixture(autouse=True, scope="session")
def _private_send_logs(tmp_path_factory):
    """The per-meeting send logs (io/sendlog.py) of the tests live in a temporary folder,
    never in the home folder of whoever runs them; subprocesses inherit it."""
    os.environ["SHUPING_HOME"] = str(tmp_path_factory.mktemp("shuping-home"))
    yield
