"""述评助手: the time from pressing 计票汇总 to the ranking on screen (prints figures; not a test).

    python bench/bench_assistant.py                      # M: 3,000 forms x 60 reporters, 3 runs
    python bench/bench_assistant.py --forms 10000 --reporters 100 --runs 2

In headless Chromium (Debian's chromium + chromium-driver) when present: the click on the
button to the ranking table drawn in the page (the count, the three output files, the JSON,
the SVG charts and the page's polling all included). Without Chromium: from the POST to the
finished job's JSON, the same path minus the drawing.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ballots import workbook_from_arguments  # noqa: E402

from assistant import server  # noqa: E402

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def by_api(running, path: Path) -> float:
    headers = {"X-Shuping-Token": running.settings.token, "Content-Type": "application/json"}
    t0 = time.perf_counter()
    request = urllib.request.Request(f"{running.base}/api/run/tally", json.dumps({"path": str(path)}).encode(),
                                     headers, method="POST")
    job = json.load(urllib.request.urlopen(request))
    while job["state"] == "running":
        time.sleep(0.05)
        job = json.load(urllib.request.urlopen(urllib.request.Request(f"{running.base}/api/job/{job['id']}",
                                                                       headers=headers)))
    assert job["result"]["status"] == "done", job["result"]["messages"]
    return time.perf_counter() - t0


def by_browser(running, path: Path, runs: int) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="shuping-bench-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1360,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    times = []
    try:
        driver.get(f"{running.url}&workbook={path}")
        wait = WebDriverWait(driver, 600, poll_frequency=0.02)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'button.step[data-step="tally"]'))
        for _ in range(runs):
            driver.find_element(By.CSS_SELECTOR, 'button.step[data-step="check"]').click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#status"))
            t0 = time.perf_counter()
            driver.find_element(By.CSS_SELECTOR, 'button.step[data-step="tally"]').click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'table[data-key="ranking"] tbody tr'))
            times.append(time.perf_counter() - t0)
            rows = len(driver.find_elements(By.CSS_SELECTOR, 'table[data-key="ranking"] tbody tr'))
            assert rows > 0
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return times


def main() -> None:
    runs = 3
    if "--runs" in sys.argv:
        k = sys.argv.index("--runs")
        runs = int(sys.argv[k + 1])
        del sys.argv[k:k + 2]
    with workbook_from_arguments() as path, tempfile.TemporaryDirectory() as state:
        running = server.start(state_file=Path(state) / "state.json", open_files=False)
        try:
            by_api(running, path)        # warm: imports, numpy, the file in the page cache
            api_times = [by_api(running, path) for _ in range(runs)]
            print(f"{path.name}: POST /api/run/tally -> finished JSON (ranking, account, charts, 3 files; the client polls "
                  f"from inside the server's process, sharing its GIL): "
                  f"best {min(api_times):.2f}s, median {sorted(api_times)[len(api_times) // 2]:.2f}s "
                  f"over {runs} runs")
            if CHROMIUM.exists() and DRIVER.exists():
                page_times = by_browser(running, path, runs)
                print(f"{path.name}: click 计票汇总 -> ranking table on screen (headless Chromium): "
                      f"best {min(page_times):.2f}s, median {sorted(page_times)[len(page_times) // 2]:.2f}s "
                      f"over {runs} runs")
            else:
                print("(no /usr/bin/chromium: the in-page figure was not measured)")
        finally:
            running.stop()


if __name__ == "__main__":
    main()
