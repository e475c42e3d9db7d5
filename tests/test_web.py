"""The web assistant (qa/web.py): a real browser, the Gradio API and concurrent clients.

Browser tests drive Debian's chromium through Playwright against the app launched in-process on
a free loopback port. Screenshots of the main views are written to artifacts/ (git-ignored).

The index of data/minutes is built once per session; each app gets its own copy of it, and the
embedding cache (QA_CACHE_DIR, default .pytest_cache/embeddings) makes building it nearly free
after the first run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.api import build_index
from qa.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "minutes"
EXTERNAL = ROOT / "data" / "external"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("QA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
QUESTION = "姑苏区碳达峰方案何时审议"

pytestmark = [
    pytest.mark.slow,
    # Gradio's queue statistics use pandas options that pandas 3 deprecates: not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*"),
]
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def embedding_cache() -> Path:
    """The embedding cache shared by every test session (re-embedding the same text is free)."""
    explicit = os.environ.get("QA_CACHE_DIR")
    return Path(explicit) if explicit else ROOT / ".pytest_cache" / "embeddings"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, embedding_cache) -> Path:
    """data/minutes indexed once per session (never the repository's own index/)."""
    index = tmp_path_factory.mktemp("web") / "index"
    build_index(Settings(source=SAMPLES, index=index, cache_dir=embedding_cache), show_progress=False)
    return index


def settings_for(index: Path, cache: Path, source: Path = SAMPLES) -> Settings:
    return Settings(source=source, index=index, cache_dir=cache)


def copy_index(sample_index: Path, target: Path) -> Path:
    shutil.copytree(sample_index, target, ignore=shutil.ignore_patterns(".lock"))
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(settings: Settings, start_build: bool = True) -> Iterator[tuple[object, str]]:
    """The app on a free loopback port, shut down afterwards."""
    from qa.web import build_app, launch

    app = build_app(settings, start_build=start_build)
    url = launch(app, "127.0.0.1", free_port(), block=False, quiet=True)
    try:
        yield app, url
    finally:
        app.close()


@pytest.fixture(scope="module")
def web(sample_index, embedding_cache, tmp_path_factory):
    """One app over a private copy of the sample index for this module's browser tests."""
    index = copy_index(sample_index, tmp_path_factory.mktemp("web-app") / "index")
    with running_app(settings_for(index, embedding_cache)) as (app, url):
        yield app, url


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright (never a downloaded browser build)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        message = f"chromium not installed at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI"):  # CI must run the browser tests, not skip them
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, web):
    """A new browser context (its own Gradio session) on the app's page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(web[1])
    page.wait_for_selector("#qa-question textarea")
    yield page
    context.close()


def ask(page, question: str) -> None:
    """Type a question, press Enter and wait until its answer is in the chat."""
    before = page.locator("#qa-chat .message").count()
    page.fill("#qa-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .message').length >= n + 2", arg=before, timeout=30_000
    )
    page.wait_for_function("() => !document.querySelector('#qa-cards .pending, #qa-chat .pending')")


def shot(page, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


# ---------------------------------------------------------------------------------------------
# browser
# ---------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_answer_with_citation_card_and_document_view(page):
    ask(page, QUESTION)
    chat = page.inner_text("#qa-chat")
    assert "2024年12月13日" in chat and "[1]" in chat
    card = page.locator("#qa-cards .qa-card").first
    card_text = card.inner_text()
    assert "[1]" in card_text and "姑苏区" in card_text and "第39次" in card_text
    assert "2024年12月13日" in card_text
    # The supporting sentence is highlighted, in the traditional script the source is written in.
    assert "碳達峰" in card.locator("mark.qa-hl").first.inner_text()
    assert "審議《蘇州市姑蘇區碳達峰實施方案》" in card.locator(".qa-item").inner_text()
    shot(page, "web-chat.png", full_page=True)
    shot(page, "web-chat-viewport.png")

    card.locator("button.qa-open").click()
    target = page.locator("#qa-doc mark.qa-target")
    target.wait_for()
    assert "碳達峰" in target.inner_text()
    assert "審議《蘇州市姑蘇區碳達峰實施方案》" in page.locator("#qa-doc .qa-doc-item").inner_text()
    # The whole document is there, and the cited item is scrolled into view.
    document_text = page.inner_text("#qa-doc .qa-doc-text")
    assert document_text.index("第39次常務會議") < document_text.index("碳達峰實施方案")
    page.wait_for_function(
        "() => { const r = document.querySelector('#qa-doc mark.qa-target').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }"
    )
    shot(page, "web-document.png")
    page.click("#qa-close-doc")
    page.locator("#qa-doc-panel").wait_for(state="hidden")


@pytest.mark.browser
def test_follow_up_not_found_and_sessions(page, browser, web):
    ask(page, QUESTION)
    ask(page, "那太仓呢？")
    chat = page.inner_text("#qa-chat")
    assert "太仓碳达峰方案何时审议" in chat  # the follow-up reused the previous question's topic
    assert "没有找到" in chat  # …and Taicang's minutes say nothing about it, plainly
    assert "没有找到可以引用的纪要内容" in page.inner_text("#qa-cards")
    # Clicking an earlier answer brings back its citation cards.
    page.locator("#qa-chat .message").nth(1).click()
    page.wait_for_function("() => document.querySelector('#qa-cards').innerText.includes('第 1 问')")
    assert "第39次" in page.inner_text("#qa-cards")

    # Another browser session has its own conversation.
    other = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        second = other.new_page()
        second.goto(web[1])
        second.wait_for_selector("#qa-question textarea")
        assert second.locator("#qa-chat .message").count() == 0
        ask(second, "吴中区第55次常务会议由谁主持？")
        assert "万利" in second.inner_text("#qa-chat")
    finally:
        other.close()
    assert "万利" not in page.inner_text("#qa-chat")

    # Example questions are asked with one click; filters narrow the search and can be cleared.
    page.click("#qa-new-chat")
    page.get_by_role("button", name="吴中区哪次会议审议了森林消防队伍建设实施方案？").click()
    page.wait_for_function("() => document.querySelector('#qa-chat').innerText.includes('2025年2月24日')")
    page.locator("#qa-regions input").click()
    page.get_by_role("option", name="太仓市").click()
    page.keyboard.press("Escape")
    ask(page, "碳达峰方案何时审议")
    assert "地区 太仓市" in page.inner_text("#qa-chat")
    assert "姑苏区" not in page.inner_text("#qa-cards")
    page.click("#qa-clear-filters")
    page.wait_for_function("() => !document.querySelector('#qa-regions').innerText.includes('太仓市')")
    assert page.input_value("#qa-date-from input") == ""


@pytest.mark.browser
def test_upload_preview_add_then_ask_and_delete(page, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    page.get_by_role("tab", name="资料库").click()
    page.wait_for_selector("#qa-docs")
    assert "002_8c407e3f08d337ae.txt" in page.inner_text("#qa-docs")
    page.set_input_files("#qa-upload input[type=file]", [str(EXTERNAL / "ext_016.txt"), str(broken)])
    page.wait_for_selector("#qa-preview .qa-preview")
    preview = page.inner_text("#qa-preview")
    assert "霍城县" in preview and "研究霍城县党政机关事业单位公务用车报废相关事宜" in preview
    assert "broken.pdf" in preview and "无法读取" in preview
    shot(page, "web-upload-preview.png", full_page=True)

    page.click("#qa-add")
    page.wait_for_selector("#qa-add-result .qa-report", timeout=120_000)
    result = page.inner_text("#qa-add-result")
    assert "已加入 1 份纪要" in result and "ext_016.txt" in result
    assert "broken.pdf" in result and "未能加入" in result
    page.wait_for_function("() => document.querySelector('#qa-docs').innerText.includes('ext_016.txt')")
    shot(page, "web-library.png", full_page=True)

    page.get_by_role("tab", name="问答").click()
    ask(page, "霍城县公务用车报废相关事宜是哪天研究的？")
    assert "2023年11月27日" in page.inner_text("#qa-chat")
    assert "霍城县" in page.locator("#qa-cards .qa-card").first.inner_text()

    # Delete it again: the question now says plainly that there is nothing to answer from.
    page.get_by_role("tab", name="资料库").click()
    page.locator("#qa-docs").get_by_text("ext_016.txt").click()
    page.wait_for_function("() => document.querySelector('#qa-doc-choice input').value.includes('ext_016.txt')")
    page.click("#qa-delete")
    page.click("#qa-confirm")
    page.wait_for_function("() => document.querySelector('#qa-kb-result').innerText.includes('已删除')")
    page.wait_for_function("() => !document.querySelector('#qa-docs').innerText.includes('ext_016.txt')")
    page.get_by_role("tab", name="问答").click()
    ask(page, "霍城县公务用车报废相关事宜是哪天研究的？")
    assert "没有霍城县的会议纪要" in page.inner_text("#qa-chat")


@pytest.mark.browser
def test_first_start_builds_the_index_and_shows_progress(browser, tmp_path):
    source = tmp_path / "minutes"
    source.mkdir()
    shutil.copy(next(SAMPLES.glob("002_*")), source)
    # A cache of its own, so that the build really embeds and takes a few seconds.
    settings = settings_for(tmp_path / "index", tmp_path / "cache", source=source)
    with running_app(settings) as (app, url):
        core = app.qa_core
        assert core.status()["state"] == "building"
        with pytest.raises(Exception, match="正在建立索引"):
            core.ask(QUESTION)
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        try:
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("#qa-status")
            if core.building():
                assert "正在建立索引" in page.inner_text("#qa-status")
                shot(page, "web-first-start.png")
            page.wait_for_function(
                "() => document.querySelector('#qa-status').innerText.includes('资料库：1 份纪要')", timeout=120_000
            )
            ask(page, QUESTION)
            assert "2024年12月13日" in page.inner_text("#qa-chat")
        finally:
            context.close()


# ---------------------------------------------------------------------------------------------
# API and concurrency
# ---------------------------------------------------------------------------------------------


def test_api_ask_returns_the_cli_json(sample_index, embedding_cache, tmp_path):
    # An app of its own: the browser tests' app has had documents added and deleted.
    index = copy_index(sample_index, tmp_path / "index")
    with running_app(settings_for(index, embedding_cache)) as (_app, url):
        check_api(url, sample_index, embedding_cache)


def check_api(url: str, sample_index: Path, embedding_cache: Path) -> None:
    from gradio_client import Client

    from qa.api import open_assistant

    client = Client(url, verbose=False)
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    result = client.predict(QUESTION, api_name="/ask")
    assistant = open_assistant(settings_for(sample_index, embedding_cache))
    try:
        expected = assistant.ask(QUESTION).to_dict()  # what `qa ask --json` prints
    finally:
        assistant.close()
    assert result == expected
    assert result["found"] and "2024年12月13日" in result["answer"]
    # Filters are optional later inputs; a follow-up names its previous question.
    filtered = client.predict("碳达峰方案何时审议", regions=["吴中区"], api_name="/ask")
    assert filtered["filters"]["regions"] == ["吴中区"]
    assert all(c["region"] == "吴中区" for c in filtered["citations"])
    follow = client.predict("那太仓呢？", previous=QUESTION, api_name="/ask")
    assert follow["interpreted_as"] == "太仓碳达峰方案何时审议" and not follow["found"]
    with pytest.raises(Exception, match="不是有效的日期"):
        client.predict(QUESTION, date_from="2024-13-45", api_name="/ask")


def test_concurrent_clients_during_an_upload(sample_index, tmp_path):
    """Two clients keep asking while an upload is embedded and swapped in: every answer is right."""
    from gradio_client import Client

    index = copy_index(sample_index, tmp_path / "index")
    # A cache of its own: the uploaded file is really embedded, so the write takes seconds.
    settings = settings_for(index, tmp_path / "cache")
    questions = [
        (QUESTION, lambda r: "2024年12月13日" in r["answer"] and r["citations"][0]["meeting_number"] == 39),
        ("吴中区第55次常务会议由谁主持？", lambda r: "万利" in r["answer"]),
    ]
    with running_app(settings) as (app, url):
        core = app.qa_core
        clients = [Client(url, verbose=False) for _ in range(2)]
        for client in clients:  # warm up: the first question loads the index
            client.predict(QUESTION, api_name="/ask")
        write: dict = {}

        def upload() -> None:
            write["start"] = time.monotonic()
            try:
                write["report"] = core.add([EXTERNAL / "ext_006.txt", EXTERNAL / "ext_013.txt"])
            except BaseException as exc:
                failures.append(exc)
            write["end"] = time.monotonic()

        results: list[list[tuple[float, float, str, bool]]] = [[], []]
        failures: list[BaseException] = []

        def keep_asking(number: int) -> None:
            deadline = time.monotonic() + 120
            try:
                while time.monotonic() < deadline and len(results[number]) < 400:
                    question, check = questions[(number + len(results[number])) % 2]
                    started = time.monotonic()
                    answer = clients[number].predict(question, api_name="/ask")
                    results[number].append((started, time.monotonic(), question, bool(check(answer))))
                    if "end" in write and started > write["end"]:
                        break
            except BaseException as exc:
                failures.append(exc)

        writer = threading.Thread(target=upload)
        writer.start()
        while "start" not in write:
            time.sleep(0.01)
        askers = [threading.Thread(target=keep_asking, args=(n,)) for n in range(2)]
        for thread in askers:
            thread.start()
        writer.join(timeout=180)
        for thread in askers:
            thread.join(timeout=180)
        assert not failures, failures
        report = write["report"]
        assert sorted(report.added) == ["ext_006.txt", "ext_013.txt"] and not report.errors
        for number, answers in enumerate(results):
            during = [a for a in answers if a[1] < write["end"]]
            assert during, f"client {number} asked nothing while the upload was being indexed"
            wrong = [a for a in answers if not a[3]]
            assert not wrong, f"client {number} got wrong answers: {wrong[:3]}"
        # And the new minutes are answerable once the update is live.
        after = clients[0].predict("东辽县第几次常务会议？", regions=["东辽县"], api_name="/ask")
        assert after["found"] and after["citations"][0]["region"] == "东辽县"


def test_uploads_survive_a_rebuild_and_errors_are_sentences(sample_index, embedding_cache, tmp_path):
    from qa.web import UserError, WebAssistant

    index = copy_index(sample_index, tmp_path / "index")
    core = WebAssistant(settings_for(index, embedding_cache))
    report = core.add([EXTERNAL / "ext_016.txt"])
    assert report.added == ["ext_016.txt"]
    rebuilt = core.rebuild()
    assert "ext_016.txt" in rebuilt.added
    sources = {d["source"] for d in core.documents()}
    assert "ext_016.txt" in sources and len(sources) == 6
    core.delete("ext_016.txt")
    assert not (index / "uploads" / "ext_016.txt").exists()
    with pytest.raises(UserError, match="已不在资料库中"):
        core.delete("ext_016.txt")
    with pytest.raises(UserError, match="请输入问题"):
        core.ask("  ")
    with pytest.raises(UserError, match="起始日期晚于截止日期"):
        core.ask(QUESTION, date_from="2025-01-01", date_to="2024-01-01")
    assert core.ask(QUESTION, date_from="2024/12/01", date_to="2024年12月31日")["found"]
    # No index at all: a sentence saying what to do, not a traceback.
    empty = WebAssistant(settings_for(tmp_path / "none", embedding_cache, source=tmp_path / "nothing"))
    assert empty.status()["state"] == "missing"
    with pytest.raises(UserError, match="还没有索引"):
        empty.ask(QUESTION)
    with pytest.raises(UserError, match="不存在"):
        empty.rebuild()
