"""A whole demo meeting clicked through the 述评助手 page in headless Chromium (Debian's
`chromium` + `chromium-driver`, which `.ci/run` installs): pick the workbook, check, fix a
planted error, tally and read the ranking, import the speech, rectify, notices after the
review list, the ledgers, progress, mail to a local aiosmtpd after confirming, carry-over.
Asserts on what the page shows and on the files; saves the screenshots of docs/img/."""
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest

pytest.importorskip("starlette")
webdriver = pytest.importorskip("selenium.webdriver")

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
                                       "chromium-driver; .ci/run installs them)")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from assistant import server  # noqa: E402
from workbook import schema as S  # noqa: E402

# The screenshots of docs/img are retaken only when asked (SHUPING_SCREENSHOTS=1): a test run
# never changes the checkout; otherwise they go to a temporary folder.
SHOTS = (Path(__file__).resolve().parent.parent / "docs" / "img" if os.environ.get("SHUPING_SCREENSHOTS")
         else Path(tempfile.gettempdir()) / "shuping-assistant-shots")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1360,1000", "--lang=zh-CN"]


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="shuping-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def app(tmp_path):
    running = server.start(state_file=tmp_path / "state.json", open_files=False)
    yield running
    running.stop()


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
            return "250 OK queued"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def demo_meeting(folder: Path, smtp_port: int) -> tuple[Path, Path]:
    """The demo meeting with 点评 still empty (the speech is imported on the page), mail
    pointed at the local server, and one planted typing error: 评议票 E5 = “优”."""
    from workbook.demo import DEMO_SPEECH_FILE, demo_ballot_reporters, demo_sheets, demo_speech
    from workbook.io.template_xlsx import write_template

    folder.mkdir(parents=True)
    path = write_template(folder / "2024述职评议.xlsx", demo_sheets(comments=False), demo_ballot_reporters())
    speech = folder / DEMO_SPEECH_FILE
    speech.write_text(demo_speech(), encoding="utf-8")
    book = openpyxl.load_workbook(path)
    book[S.SHEET_BALLOTS]["E5"].value = "优"
    for row in book[S.SHEET_MAIL].iter_rows(min_row=2):
        row[1].value = {S.MAIL_SERVER: "127.0.0.1", S.MAIL_PORT: smtp_port, S.MAIL_ENCRYPTION: "无",
                        S.MAIL_USER: None}.get(row[0].value, row[1].value)
    book.save(path)
    return path, speech


class Page:
    def __init__(self, driver, app):
        self.d = driver
        self.app = app

    def find(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition, timeout=120):
        return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(lambda d: condition())

    def click(self, css):
        self.wait(lambda: self.find(css).is_displayed() and self.find(css).is_enabled())
        self.find(css).click()

    def step(self, name):
        """Click a step's button and wait for what it says."""
        self.click(f'button.step[data-step="{name}"]')
        return self.finished()

    def finished(self):
        self.wait(lambda: self.all("#status") and self.find("#progress").get_attribute("hidden") is not None)
        return self.find("#status").get_attribute("data-status")

    def text(self, css="#result"):
        return self.find(css).text

    def rows(self, key):
        table = self.find(f'table[data-key="{key}"]')
        return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]

    def shot(self, name, height=None):
        """The whole page, as tall as its content, as assistant-<name>.png in SHOTS."""
        total = self.d.execute_script("return document.body.scrollHeight")
        self.d.set_window_size(1360, height or min(max(total + 40, 920), 2400))
        time.sleep(0.2)
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.d.save_screenshot(str(SHOTS / f"assistant-{name}.png"))
        self.d.set_window_size(1360, 1000)


def test_a_whole_meeting_is_run_from_the_page(browser, app, smtp, tmp_path):
    inbox, smtp_port = smtp
    path, speech = demo_meeting(tmp_path / "会议", smtp_port)
    out = path.with_name("2024述职评议_成果")
    page = Page(browser, app)

    # pick the workbook by its path, through the folder browser
    browser.get(app.url)
    page.wait(lambda: page.find("#path-input").is_displayed())
    page.find("#path-input").send_keys(str(path.parent))
    page.click("#browse-btn")
    page.wait(lambda: page.all("#browser a.file"))
    assert [a.text for a in page.all("#browser a.file")] == ["2024述职评议.xlsx"]
    page.shot("picker")
    page.find("#browser a.file").click()
    page.wait(lambda: page.find("#meeting").is_displayed())
    page.wait(lambda: "2024述职评议.xlsx" in page.text("#card"))
    assert [b.text.split("\n")[1] for b in page.all("button.step")] == [
        "生成评议票", "生成计票录入表（唱票时用）", "打印评议表", "检查数据", "计票汇总", "导入点评", "生成整改清单", "生成通知",
        "整改台账 分发", "整改台账 回收", "整改进度", "发送邮件", "结转"]
    legend = page.text("#legend")                # the marks are explained in the page, not only on hover
    assert "改：这一步会修改工作簿" in legend and "唱票时用" in legend

    # the header of 评议票 is already laid out; the paper forms to print
    assert page.step("prepare") == "done"
    assert "评议票表头已是最新，工作簿未做任何改动。" in page.text()
    assert page.step("forms") == "done"
    assert (out / S.FORMS_WORKBOOK).is_file() and S.FORMS_WORKBOOK in page.text("#files")

    # check: the planted error, with its cell and how to fix it
    assert page.step("check") == "problems"
    issues = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in page.all("#issues tbody tr")]
    planted = [row for row in issues if row[1] == "评议票!E5"]
    assert planted and planted[0][0] == "错误" and "优" in planted[0][2] and "好/较好/一般/差" in planted[0][3]
    page.shot("check")
    # tally refuses while the error is there
    assert page.step("tally") == "problems"
    assert "未计票" in page.text() and not (out / "计票汇总表.xlsx").exists()

    # the clerk fixes the cell in Excel/WPS (here: openpyxl) and checks again
    book = openpyxl.load_workbook(path)
    book[S.SHEET_BALLOTS]["E5"].value = "好"
    book.save(path)
    assert page.step("check") == "done"
    assert "0 个错误" in page.text() or "没有发现问题" in page.text()

    # tally: the ranking with 等次 and why, the ballot account, the two charts, the files
    assert page.step("tally") == "done"
    ranking = page.rows("ranking")
    assert len(ranking) == 11 and ranking[0][0] == "1"
    assert {row[6] for row in ranking} <= {"好", "较好", "一般", "差"}
    assert all("规则" in row[7] for row in ranking)
    capped = [row for row in ranking if "名额上限" in row[7]]
    assert capped and all(row[6] == "较好" for row in capped)
    account = page.rows("account")
    assert account[-1][0] == "合计" or account[-1][2].isdigit()
    assert len(page.all("#charts svg")) == 2
    assert "综合得分" in page.find("#charts").text and "评价分布" in page.find("#charts").text
    assert (out / "计票汇总表.xlsx").is_file() and (out / "计票结果.json").is_file()
    assert "计票汇总表.xlsx" in page.text("#files")
    page.shot("ranking")

    # import the chair's speech (a path picked in the folder browser), then 整改清单
    page.click('button.step[data-step="import_comments"]')
    page.find("#speech-input").send_keys(str(speech))
    page.click("#run-btn")
    assert page.finished() == "done"
    assert "已在“点评”中新增 11 行" in page.text()
    assert "修改前的备份" in page.text() and list(path.parent.glob("2024述职评议.备份-*.xlsx"))
    assert page.step("rectify") == "done"
    assert "整改清单新增" in page.text() and page.rows("rectify")

    # notices: the review list first, then only after the tick
    assert page.step("notices_review") == "done"
    review = page.rows("review")
    assert len(review) == 11 and all(row[4] == "有" for row in review)
    assert not page.find("#confirm-btn").is_enabled()
    assert not (out / S.NOTICES_FOLDER).exists()
    page.shot("notices-review")
    page.find("#confirm-check").click()
    page.click("#confirm-btn")
    assert page.finished() == "done"
    assert len(list((out / S.NOTICES_FOLDER).glob("*.docx"))) == 11 and (out / S.BULLETIN_DOCUMENT).is_file()
    assert "反馈意见 11 份" in page.text() and "结果通报.docx" in page.text("#files")

    # the ledgers out, progress
    assert page.step("ledger_split") == "done"
    assert "已为" in page.text() and "整改台账" in page.text()
    page.click('button.step[data-step="ledger_merge"]')
    page.find("#folder-input").send_keys(str(out / S.LEDGER_FOLDER))
    page.click("#run-btn")
    assert page.finished() in ("done", "problems")
    assert "读取" in page.text()
    page.click('button.step[data-step="progress"]')
    page.find("#as-of-input").send_keys("2024-03-01")        # 43 days after the meeting
    page.click("#run-btn")
    assert page.finished() == "done"
    assert "截至 2024-03-01" in page.text()
    assert page.rows("progress") and "发现问题" in page.text()

    # mail: the preview, nothing sent until the clerk confirms
    assert page.step("mail_preview") == "done"
    preview = page.rows("mail")
    assert len(preview) == 12 and all(row[3] == "待发送" for row in preview)
    assert not page.find("#confirm-btn").is_enabled() and inbox.messages == []
    page.shot("mail")
    page.click("#drafts-btn")                                   # drafts first: nothing leaves the machine
    assert page.finished() == "done"
    assert "未发送任何邮件" in page.text() and len(list((out / "发件箱").glob("*.eml"))) == 12
    assert inbox.messages == []
    assert page.step("mail_preview") == "done"
    page.find("#confirm-check").click()
    page.click("#confirm-btn")
    assert page.finished() == "done"
    assert "发送完毕：成功 12 封" in page.text()
    assert len(inbox.messages) == 12
    mine = [content for to, content in inbox.messages if to == ["r03@units.example.cn"]]
    assert len(mine) == 1 and "03_".encode() in mine[0] or b"03" in mine[0]

    # carry-over: last year's workbook picked by path
    last_year = path.with_name("2023述职评议.xlsx")
    shutil.copyfile(path, last_year)
    page.click('button.step[data-step="carry"]')
    page.find("#old-input").send_keys(str(last_year))
    page.click("#run-btn")
    assert page.finished() == "done"
    assert "已结转" in page.text()

    # the recent workbooks remember it
    page.click("#change-btn")
    page.wait(lambda: page.all("#recent a.recent-link"))
    assert page.find("#recent a.recent-link").text == "2024述职评议.xlsx"


def test_the_page_says_when_the_workbook_is_open_in_excel(browser, app, smtp, tmp_path):
    inbox, smtp_port = smtp
    path, speech = demo_meeting(tmp_path / "会议", smtp_port)
    lock = path.with_name("~$" + path.name)
    lock.write_bytes(b"x")
    before = path.read_bytes()
    page = Page(browser, app)
    browser.get(app.url + "&workbook=" + str(path))
    page.wait(lambda: page.all("#lock-warning"))
    assert "正在 Excel 或 WPS 中打开" in page.find("#lock-warning").text
    page.click('button.step[data-step="import_comments"]')
    page.find("#speech-input").send_keys(str(speech))
    page.click("#run-btn")
    assert page.finished() == "error"
    assert "请先关闭该文件" in page.text()
    assert path.read_bytes() == before
    page.shot("locked")
