"""The web assistant (qa/web/): a real browser, the Gradio API and concurrent clients.

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
from conftest import ROOT
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from qa.api import build_index
from qa.config import Settings

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


# The question was taken: its answer is in, or Gradio marks the chat as waiting for it.
_TAKEN_JS = (
    "n => document.querySelectorAll('#qa-chat .qa-turn').length >= n"
    " || !!document.querySelector('#qa-chat.pending, #qa-chat .pending, #qa-side-cards .pending')"
)


def ask(page, question: str) -> None:
    """Type a question, press Enter and wait until its answer is in the chat."""
    before = page.locator("#qa-chat .qa-turn").count()
    page.fill("#qa-question textarea", question)
    page.keyboard.press("Enter")
    try:
        page.wait_for_function(_TAKEN_JS, arg=before + 1, timeout=10_000)
    except PlaywrightTimeout:
        # On a cold machine the first keypress can land before Gradio has wired the box (seen once
        # in a clean-clone run); 提问 sends the same event. Enter itself is tested with the IME checks.
        page.click("#qa-send")
    wait_turns(page, before + 1)


def wait_turns(page, count: int) -> None:
    page.wait_for_function("n => document.querySelectorAll('#qa-chat .qa-turn').length >= n", arg=count, timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#qa-side-cards .pending, #qa-chat .pending')")


def shot(page, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def new_page(browser, url: str, width: int = 1366, height: int = 768, scheme: str = "light", **options):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", color_scheme=scheme, **options
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("#qa-question textarea")
    return context, page


# Text colour against the effective background (the first opaque ancestor's), WCAG 2 contrast.
CONTRAST_JS = """
(selectors) => {
  const rgb = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1};
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ({r, g, b}) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.a > 0.5) return c;
    }
    return rgb(getComputedStyle(document.body).backgroundColor);
  };
  const out = [];
  for (const [selector, pseudo] of selectors) {
    for (const el of Array.from(document.querySelectorAll(selector)).slice(0, 3)) {
      if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
      const style = getComputedStyle(el, pseudo || null);
      const fg = rgb(style.color), bg = background(el);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      out.push({selector, pseudo, ratio: (a + 0.05) / (b + 0.05), fg: style.color, bg: `rgb(${bg.r},${bg.g},${bg.b})`});
    }
  }
  return out;
}
"""
CONTRAST_TARGETS = [
    ["#qa-chat .qa-answer", ""],
    ["#qa-chat .qa-user span", ""],
    ["#qa-chat .qa-note", ""],
    ["#qa-chat a.qa-ref", ""],
    [".qa-card mark.qa-hl", ""],
    [".qa-card time", ""],
    [".qa-card .qa-source", ""],
    [".qa-card .qa-rank", ""],
    [".qa-card .qa-copy", ""],
    [".qa-card .qa-item", ""],
    [".qa-related > summary", ""],
    [".qa-status", ""],
    ["#qa-title p", ""],
    ["#qa-question textarea", "::placeholder"],
    ["#qa-filters-box button span", ""],
    ["#qa-tabs button[role=tab]", ""],
    ["#qa-send", ""],
    ["#qa-new-chat", ""],
]


def assert_contrast(page, label: str) -> None:
    measured = page.evaluate(CONTRAST_JS, CONTRAST_TARGETS)
    assert len({m["selector"] for m in measured}) >= 10, measured
    low = [m for m in measured if m["ratio"] < 4.5]
    assert not low, f"{label}: below WCAG AA 4.5:1: {low}"


# ---------------------------------------------------------------------------------------------
# browser
# ---------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_first_screen_evidence_apart_document_url_and_reload(browser, web):
    context, page = new_page(browser, web[1])
    try:
        box = page.locator("#qa-question textarea").bounding_box()
        assert box["y"] + box["height"] < 300  # the question box is at the top of the first screen
        ask(page, QUESTION)
        latest = page.locator("#qa-chat .qa-turn.qa-last .qa-bot").bounding_box()
        assert latest["y"] + latest["height"] <= 768 and page.locator("#qa-question textarea").is_visible()
        chat = page.inner_text("#qa-chat")
        assert "2024年12月13日" in chat and "出处见引用卡片" not in chat
        side = page.locator("#qa-side-cards")
        evidence = side.locator(".qa-card.qa-evidence")
        assert evidence.count() >= 1 and "答案依据" in side.inner_text()
        card = evidence.first
        card_text = card.inner_text()
        assert "[1]" in card_text and "姑苏区" in card_text and "第39次" in card_text and "2024年12月13日" in card_text
        # The supporting sentence is highlighted, in the traditional script the source is written in.
        assert "碳達峰" in card.locator("mark.qa-hl").first.inner_text()
        assert "審議《蘇州市姑蘇區碳達峰實施方案》" in card.locator(".qa-item").inner_text()
        related = side.locator("details.qa-related")
        assert related.count() == 1 and "其他相关纪要（" in related.locator("> summary").inner_text()
        assert related.locator("mark").count() == 0  # related passages claim no supporting sentence
        # README's picture: into artifacts/ on every run; over docs/ only when asked (QA_REFRESH_DOCS=1),
        # so that running the tests leaves the checkout clean.
        picture = ROOT / "docs" if os.environ.get("QA_REFRESH_DOCS") == "1" else ARTIFACTS
        page.screenshot(path=str(picture / "screenshot-chat.png"))
        # [1] in the answer is a link to its card.
        page.locator("#qa-chat a.qa-ref").first.click()
        page.wait_for_selector("#qa-side-cards #qa-card-1.qa-flash")
        shot(page, "web-chat-light-wide.png")
        shot(page, "web-chat.png", full_page=True)

        card.locator("button.qa-open").click()
        target = page.locator("#qa-doc mark.qa-target")
        target.wait_for()
        assert "碳達峰" in target.inner_text()
        assert "審議《蘇州市姑蘇區碳達峰實施方案》" in page.locator("#qa-doc .qa-doc-item").inner_text()
        document_text = page.inner_text("#qa-doc .qa-doc-text")
        assert document_text.index("第39次常務會議") < document_text.index("碳達峰實施方案")
        page.wait_for_function(
            "() => { const r = document.querySelector('#qa-doc mark.qa-target').getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; }"
        )
        assert page.locator("#qa-download").is_visible()  # the kept original can be downloaded
        shot(page, "web-document.png")
        page.click("#qa-close-doc")
        page.locator("#qa-doc-panel").wait_for(state="hidden")

        # The question is in the address; a reload keeps the conversation and does not ask again.
        assert "q=%E5%A7%91%E8%8B%8F" in page.url
        page.reload()
        page.wait_for_selector("#qa-chat .qa-turn")
        page.wait_for_timeout(1500)
        assert page.locator("#qa-chat .qa-turn").count() == 1
        assert "2024年12月13日" in page.inner_text("#qa-chat")
        assert "第 1 问" in page.inner_text("#qa-side-cards")
    finally:
        context.close()


@pytest.mark.browser
def test_both_themes_and_sizes_contrast_and_a_shared_link(browser, web):
    shared = f"{web[1]}?q=碳达峰方案何时审议&region=吴中区"
    for scheme in ("light", "dark"):
        for size, (width, height) in (("wide", (1366, 768)), ("phone", (390, 844))):
            context, page = new_page(browser, shared, width, height, scheme)
            try:
                wait_turns(page, 1)  # the question in the link is answered on load, with its filter
                chat = page.inner_text("#qa-chat")
                assert "吴中区" in chat and "地区 吴中区" in chat
                assert "吴中区" in page.inner_text("#qa-filters-box")
                bubble = page.locator("#qa-chat .qa-turn.qa-last .qa-bot").bounding_box()
                assert bubble["y"] < height  # the answer starts in the first screen
                if size == "phone":
                    # Each answer's cards directly under its bubble; the side column is not shown.
                    inline = page.locator("#qa-chat .qa-turn.qa-last .qa-turn-cards .qa-card").first
                    assert inline.is_visible() and not page.locator("#qa-side-cards").is_visible()
                    assert inline.bounding_box()["y"] >= bubble["y"] + bubble["height"]
                    box = page.locator("#qa-question textarea").bounding_box()
                    assert box["y"] + box["height"] < height / 2
                page.evaluate("() => document.querySelectorAll('details.qa-related').forEach(d => { d.open = true; })")
                assert_contrast(page, f"{scheme} {size}")
                shot(page, f"web-chat-{scheme}-{size}.png")
            finally:
                context.close()


HOSTILE = (
    "平江县人民政府第12次常务会议纪要\n2024年5月6日，县长张三主持召开县政府第12次常务会议。\n"
    "一、审议《政务外网统一认证平台建设方案》\n"
    "会议要求各单位登录[政务外网统一认证平台](https://evil.example/login)完成认证，**限期**完成$$x^2$$。\n"
)


@pytest.mark.browser
def test_spam_markdown_copy_mismatch_dates_ime_and_follow_up(browser, web, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    report = web[0].qa_core.add([hostile])
    assert report.added == ["hostile.txt"], report.errors
    context, page = new_page(browser, web[1], permissions=["clipboard-read", "clipboard-write"])
    try:
        # Spam injected into the minutes never reaches a card or the answer.
        ask(page, "吴中区哪次会议审议了森林消防队伍建设实施方案？")
        shown = page.inner_text("#qa-chat") + page.inner_text("#qa-side-cards")
        assert "森林消防队伍建设实施方案" in shown and "新万博" not in shown and "劲爆" not in shown
        # 复制引用 and 复制答案 copy plain text.
        page.locator("#qa-side-cards #qa-card-1 .qa-copy").click()
        page.wait_for_selector("#qa-side-cards #qa-card-1 .qa-copy.qa-done")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert "吴中区" in copied and "2025年2月24日" in copied and "森林消防队伍建设实施方案" in copied
        assert "新万博" not in copied
        page.locator("#qa-chat .qa-turn.qa-last .qa-bot .qa-copy").click()
        page.wait_for_selector("#qa-chat .qa-turn.qa-last .qa-bot .qa-copy.qa-done")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied.startswith("问：吴中区哪次会议") and "\n出处：\n[1] " in copied and "**" not in copied

        # Markdown and LaTeX in minutes are shown as the characters they are.
        ask(page, "政务外网统一认证平台建设方案何时审议")
        card = page.locator("#qa-side-cards .qa-card").first.inner_text()
        assert "[政务外网统一认证平台](https://evil.example/login)" in card
        assert "**限期**完成$$x^2$$" in card
        assert page.locator("a[href*='evil.example'], .katex, #qa-chat strong, #qa-side-cards strong").count() == 0

        # Enter while an input method is composing does not send; a plain Enter does.
        count = page.locator("#qa-chat .qa-turn").count()
        page.fill("#qa-question textarea", "养老")
        composing_enter = """(composing) => {
          const box = document.querySelector('#qa-question textarea');
          box.focus();
          if (composing) box.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true}));
          for (const type of ['keydown', 'keypress']) {
            box.dispatchEvent(new KeyboardEvent(type, {key: 'Enter', code: 'Enter', keyCode: composing ? 229 : 13,
              isComposing: composing, bubbles: true, cancelable: true}));
          }
          if (composing) box.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: '养老'}));
        }"""
        page.evaluate(composing_enter, True)
        page.wait_for_timeout(1500)
        assert page.locator("#qa-chat .qa-turn").count() == count
        assert page.input_value("#qa-question textarea") == "养老"
        page.evaluate(composing_enter, False)
        wait_turns(page, count + 1)

        # A filter that leaves out the place the question names is said aloud.
        page.click("#qa-filters-box button")
        page.locator("#qa-regions input").click()
        page.get_by_role("option", name="吴中区").click()
        page.keyboard.press("Escape")
        ask(page, QUESTION)
        assert "问题中的“姑苏区”不在筛选范围（吴中区）内" in page.inner_text("#qa-chat .qa-turn.qa-last")
        # Dates typed in Chinese are understood, or visibly refused.
        page.fill("#qa-date-from input, #qa-date-from textarea", "2024年12月1日")
        page.keyboard.press("Tab")
        page.wait_for_function(
            "() => document.querySelector('#qa-date-from input, #qa-date-from textarea').value === '2024-12-01'"
        )
        page.fill("#qa-date-to input, #qa-date-to textarea", "明年")
        page.keyboard.press("Tab")
        page.wait_for_function("() => document.querySelector('#qa-date-to').innerText.includes('无法识别')")
        ask(page, "碳达峰方案何时审议")
        assert "截止日期「明年」不是有效的日期" in page.inner_text("#qa-chat .qa-turn.qa-last")
        page.click("#qa-clear-filters")
        page.wait_for_function("() => !document.querySelector('#qa-regions').innerText.includes('吴中区')")
        assert page.input_value("#qa-date-from input, #qa-date-from textarea") == ""

        # A follow-up keeps the topic; where the other place's minutes do not mention it, it says so.
        page.click("#qa-new-chat")
        page.wait_for_function("() => !document.querySelector('#qa-chat .qa-turn')")
        ask(page, QUESTION)
        ask(page, "那太仓呢？")
        last = page.inner_text("#qa-chat .qa-turn.qa-last")
        # Taicang's minutes never mention 碳达峰: the page says so (or the answer module finds nothing),
        # rather than quoting a sentence about something else.
        assert "太仓碳达峰方案何时审议" in last
        assert "没有一句提到「碳达峰」" in last or "没有找到" in last
        assert page.locator("#qa-chat .qa-turn.qa-last mark.qa-hl").count() == 0
        # Clicking an earlier answer brings back its cards; the recent questions are listed.
        page.locator("#qa-chat .qa-turn").first.locator(".qa-answer").click()
        page.wait_for_function("() => document.querySelector('#qa-side-cards').innerText.includes('第 1 问')")
        assert "第39次" in page.inner_text("#qa-side-cards")
        assert "最近提问（2）" in page.inner_text("#qa-chat")
        shot(page, "web-follow-up.png")
    finally:
        context.close()
        web[0].qa_core.delete("hostile.txt")


@pytest.mark.browser
def test_list_answer_exports_csv_and_word(browser, web, tmp_path):
    context, page = new_page(browser, web[1], accept_downloads=True)
    try:
        ask(page, "哪些会议审议了碳达峰方案？")
        page.wait_for_selector("#qa-export-csv")
        with page.expect_download() as download:
            page.click("#qa-export-csv")
        path = tmp_path / "answer.csv"
        download.value.save_as(path)
        from qa.export import read_csv

        rows = read_csv(path.read_bytes())
        assert len(rows) >= 2 and {row["role"] for row in rows} == {"依据"}
        core = web[0].qa_core
        for row in rows:
            document = core.document(row["source"])
            start, end = (int(x) for x in row["span"].split("-"))
            assert row["sentence"].strip() == document["text"][start:end].strip()  # the sentence at its span
        with page.expect_download() as download:
            page.click("#qa-export-docx")
        assert download.value.suggested_filename.endswith(".docx")
    finally:
        context.close()


@pytest.mark.browser
def test_upload_preview_add_then_ask_and_delete(page, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    page.get_by_role("tab", name="资料库").click()
    page.wait_for_selector("#qa-docs")
    assert "002_8c407e3f08d337ae.txt" in page.inner_text("#qa-docs")
    page.set_input_files("#qa-upload input[type=file]", [str(EXTERNAL / "ext_016.txt"), str(broken)])
    page.wait_for_function("() => document.querySelector('#qa-preview-note').innerText.includes('解析结果')")
    preview = page.inner_text("#qa-preview")
    assert "霍城县" in preview and "ext_016.txt" in preview and "可以加入" in preview
    assert "broken.pdf" in preview and "无法读取" in preview and "PDF 文件不完整或已损坏" in preview
    docs = page.inner_text("#qa-docs")
    assert "去除垃圾推广内容" in docs and "SEO spam" not in docs  # parser notes in Chinese
    # The button stays in reach above the preview table.
    assert page.locator("#qa-add").bounding_box()["y"] < page.locator("#qa-preview").bounding_box()["y"]
    # Every label in Chinese: no Gradio English left on the page.
    body = page.inner_text("body")
    for english in ("Drop File Here", "Click to Upload", "Use via API", "Clear", "Submit", "Loading"):
        assert english not in body
    shot(page, "web-upload-preview.png", full_page=True)
    # A parsed field is corrected in the table before adding; the correction is kept with the document.
    page.locator("#qa-preview").get_by_text("艾斯克尔·阿布都维力", exact=True).last.dblclick()
    page.locator("#qa-preview input, #qa-preview textarea").first.fill("王五")
    page.keyboard.press("Enter")

    page.click("#qa-add")
    page.wait_for_selector("#qa-add-result .qa-report", timeout=120_000)
    result = page.inner_text("#qa-add-result")
    assert "已加入 1 份纪要" in result and "ext_016.txt" in result
    assert "broken.pdf" in result and "未能加入" in result
    page.wait_for_function("() => document.querySelector('#qa-docs').innerText.includes('ext_016.txt')")
    assert "已人工更正：主持" in page.inner_text("#qa-docs")
    assert page.evaluate("() => document.querySelector('#qa-docs').innerText").count("ext_016.txt") == 1
    shot(page, "web-library.png", full_page=True)

    page.get_by_role("tab", name="问答").click()
    ask(page, "霍城县公务用车报废相关事宜是哪天研究的？")
    assert "2023年11月27日" in page.inner_text("#qa-chat .qa-turn.qa-last")
    assert "霍城县" in page.locator("#qa-side-cards .qa-card").first.inner_text()

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
    assert "没有霍城县的会议纪要" in page.inner_text("#qa-chat .qa-turn.qa-last")


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
        context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="zh-CN")
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
    # Read-only (a shared deployment): asking works, the library cannot be changed.
    settings = settings_for(index, embedding_cache).with_overrides(read_only=True)
    with running_app(settings) as (app, url):
        check_api(url, sample_index, embedding_cache)
        from qa.web import UserError

        with pytest.raises(UserError, match="只读模式"):
            app.qa_core.authorize(None)


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
    # (Whether it is found is the answer module's business; the page checks the topic itself, see
    # test_spam_markdown_copy_mismatch_dates_ime_and_follow_up.)
    assert follow["interpreted_as"] == "太仓碳达峰方案何时审议"
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
                write["report"] = core.add(
                    [EXTERNAL / "ext_006.txt", EXTERNAL / "ext_013.txt"],
                    lambda p: seen.append((p.stage, p.done, p.total, p.describe())),  # a snapshot per report
                )
            except BaseException as exc:
                failures.append(exc)
            write["end"] = time.monotonic()

        seen: list = []  # every progress report of the upload
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
        # The progress bar moved per batch of passages and estimated the time left.
        embedding = [(done, total, text) for stage, done, total, text in seen if stage == "计算向量"]
        dones = [d for d, _t, _text in embedding]
        assert dones == sorted(dones) and dones[-1] == embedding[-1][1] > 0
        if embedding[-1][1] > 32:  # more than one batch: it moved in between, with a time left
            assert any(0 < d < embedding[-1][1] for d in dones)
            assert any("约剩" in text for _d, _t, text in embedding)
        # And the new minutes are answerable once the update is live.
        after = clients[0].predict("东辽县第几次常务会议？", regions=["东辽县"], api_name="/ask")
        assert after["found"] and after["citations"][0]["region"] == "东辽县"


def test_uploads_survive_a_rebuild_and_errors_are_sentences(sample_index, embedding_cache, tmp_path):
    from qa.web import UserError, WebAssistant

    index = copy_index(sample_index, tmp_path / "index")
    core = WebAssistant(settings_for(index, embedding_cache))
    report = core.add([EXTERNAL / "ext_016.txt"], corrections={"ext_016.txt": {"chair": "王五", "meeting_number": 8}})
    assert report.added == ["ext_016.txt"]
    rebuilt = core.rebuild()
    assert "ext_016.txt" in rebuilt.added
    # The corrections made in the preview are kept with the upload and applied again by the rebuild.
    meeting = core.document("ext_016.txt")["meeting"]
    assert meeting["chair"] == "王五" and meeting["meeting_number"] == 8
    assert "corrected by hand: chair, meeting_number" in meeting["warnings"]
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
