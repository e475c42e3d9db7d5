"""纪要问答 web assistant: a Gradio app over the live index (``python app.py`` or ``qa serve``).

Two tabs, both thin layers over the library:

* 问答 — a chat whose answers carry citation markers [1][2]; beside it one card per citation
  (meeting, date, agenda item, the supporting sentence highlighted in the item text as written)
  with a control that opens the whole document scrolled to that item. Filters (region, date
  range), example questions, a conversation per browser session and follow-ups («那太仓呢？»).
* 资料库 — the indexed documents, upload with a parse preview and a progress bar, delete, rebuild.

The question-answering function is also the API endpoint ``/ask``: it returns exactly the JSON
object of ``qa ask --json``.

Writes go through :class:`qa.store.IndexWriter`, which publishes a new generation atomically;
:class:`qa.api.LiveAssistant` keeps answering from the last complete generation meanwhile. With no
index at start-up the app builds one in the background and shows its progress.

The UI logic lives in :class:`WebAssistant` (plain Python, no Gradio) and the ``render_*``
functions (HTML/markdown); :func:`build_app` only wires them to components.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gradio as gr

from qa.api import InputError, LiveAssistant, embedder_for, live_manifest, open_writer
from qa.config import Settings
from qa.embed import EmbedderError
from qa.library import Library, upload_name
from qa.store import IndexWriter, Manifest, StoreError, WriteReport, current_generation

# Example questions shown under the chat (they match the sample corpus in data/minutes).
EXAMPLES = [
    "姑苏区碳达峰方案何时审议",
    "那太仓呢？",
    "吴中区第55次常务会议由谁主持？",
    "姑苏区生态文明建设规划由哪个单位修改完善？",
    "太仓市关于推进“五化协同”持续优化营商环境的实施方案审议后提交给谁？",
    "吴中区哪次会议审议了森林消防队伍建设实施方案？",
]

UPLOAD_TYPES = [".txt", ".md", ".docx", ".pdf", ".html", ".htm"]
MAX_QUESTION_CHARS = 500
CITATIONS = 5


class UserError(Exception):
    """Something the person using the app can fix or wait for; ``str(err)`` is shown as is."""


# ---------------------------------------------------------------------------------------------
# progress of index writes
# ---------------------------------------------------------------------------------------------

_STAGES = {"parsing": "解析文件", "embedding": "计算向量"}


@dataclass
class Progress:
    """Where a running index write is: stage (解析文件 / 计算向量 / 写入索引), done and total."""

    task: str = ""
    stage: str = ""
    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def describe(self) -> str:
        if not self.stage:
            return self.task
        count = f" {self.done}/{self.total}" if self.total else ""
        return f"{self.task}：{self.stage}{count}"


_STAGE_NAMES = {**_STAGES, "writing": "写入索引"}


def _progress_callback(progress: Progress, notify: Callable[[Progress], None]) -> Callable[[str, int, int], None]:
    """Turn IndexWriter's ``progress(stage, done, total)`` calls into updates of a :class:`Progress`."""

    def report(stage: str, done: int, total: int) -> None:
        progress.stage, progress.done, progress.total = _STAGE_NAMES.get(stage, stage), done, total
        notify(progress)

    return report


# ---------------------------------------------------------------------------------------------
# the assistant behind the UI (no Gradio here)
# ---------------------------------------------------------------------------------------------


class WebAssistant:
    """What the web app does, as plain methods: ask, list, preview, add, delete, rebuild.

    One instance serves every browser session. Reads go through a :class:`LiveAssistant`, which
    follows the index's CURRENT pointer; writes are serialised by a lock (and, across processes,
    by the store's own writer lock).
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.index_dir = Path(settings.index)
        self.library = Library(self.index_dir)  # keeps uploaded originals (qa.library: the shared policy)
        self.uploads_dir = self.library.uploads_dir
        self._temp_copies: dict[str, set[str]] = {}  # document → Gradio's temporary upload files
        self.live = LiveAssistant(settings)
        self._write_lock = threading.Lock()
        self._progress: Progress | None = None  # set while a write runs
        self._build_error: str | None = None
        self._build_thread: threading.Thread | None = None

    # ---- state ------------------------------------------------------------------------------

    def has_index(self) -> bool:
        """Whether a published generation exists (it may still be damaged)."""
        return (self.index_dir / "CURRENT").exists()

    def progress(self) -> Progress | None:
        """The running write's progress, or None when no write runs."""
        return self._progress

    def building(self) -> bool:
        """Whether the first build (no index yet) is running."""
        thread = self._build_thread
        return thread is not None and thread.is_alive() and not self.has_index()

    def status(self) -> dict:
        """``{"state": ready|building|missing|error, "message": …, "stats": …, "progress": …}``."""
        progress = self._progress
        if self.building() or (progress is not None and not self.has_index()):
            progress = progress or Progress(task="首次建立索引")
            return {"state": "building", "message": progress.describe(), "progress": progress}
        if not self.has_index():
            if self._build_error:
                return {"state": "error", "message": f"建立索引失败：{self._build_error}"}
            return {"state": "missing", "message": "还没有索引：请在「资料库」上传纪要或重建索引。"}
        try:
            stats = self.live.get().reader.stats()
        except Exception as exc:  # a damaged index must show as a sentence, not a traceback
            return {"state": "error", "message": f"索引无法读取：{_one_line(exc)}"}
        status: dict = {"state": "ready", "message": "", "stats": stats}
        if progress is not None:
            status["updating"] = progress.describe()
        return status

    def start_first_build(self) -> bool:
        """With no index, build one from the source folder in a background thread.

        Returns whether a build was started. Questions asked meanwhile get a «please wait».
        """
        if self.has_index() or (self._build_thread and self._build_thread.is_alive()):
            return False

        def run() -> None:
            try:
                self.rebuild(task="首次建立索引")
            except Exception as exc:
                self._build_error = _one_line(exc)

        self._build_thread = threading.Thread(target=run, name="qa-first-build", daemon=True)
        self._build_thread.start()
        return True

    def wait_for_build(self, timeout: float | None = None) -> bool:
        """Wait for a background first build; returns whether none is running any more."""
        thread = self._build_thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _assistant(self):
        """The live assistant, or a UserError saying why there is none (cheap: no stats)."""
        if self.building():
            progress = self._progress or Progress(task="首次建立索引")
            raise UserError(f"资料库正在建立索引（{progress.describe()}），请稍后再问。")
        if not self.has_index():
            status = self.status()
            raise UserError(status["message"])
        try:
            return self.live.get()
        except Exception as exc:  # a damaged index must show as a sentence, not a traceback
            raise UserError(f"索引无法读取：{_one_line(exc)}") from None

    # ---- asking -----------------------------------------------------------------------------

    def regions(self) -> list[str]:
        """Regions in the live index (for the filter's choices); empty without an index."""
        try:
            return self._assistant().reader.regions()
        except UserError:
            return []

    def ask(
        self,
        question: str,
        regions: Sequence[str] | str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        meeting_number: int | None = None,
        previous: str | None = None,
        k: int = CITATIONS,
    ) -> dict:
        """Answer with citations: the JSON object of ``qa ask --json``.

        Raises:
            UserError: an empty or overlong question, a malformed date, or no usable index.
        """
        from qa.query import Filters

        if question is not None and not isinstance(question, str):  # the /ask API takes any JSON
            raise UserError("问题必须是文字。")
        question = (question or "").strip()
        if not question:
            raise UserError("请输入问题。")
        if len(question) > MAX_QUESTION_CHARS:
            raise UserError(f"问题太长了：最多 {MAX_QUESTION_CHARS} 个字。")
        if isinstance(regions, str):
            regions = [r for r in re.split(r"[,，、\s]+", regions) if r]
        chosen = [r for r in (regions or []) if r]
        start, end = _iso_date(date_from, "起始日期"), _iso_date(date_to, "截止日期")
        if start and end and start > end:
            raise UserError("起始日期晚于截止日期。")
        filters = None
        if chosen or start or end or meeting_number:
            filters = Filters(regions=chosen, date_from=start, date_to=end, meeting_number=meeting_number or None)
        assistant = self._assistant()
        if isinstance(previous, str | None):
            previous = (previous or "").strip() or None
        try:
            return assistant.ask(question, k=k, filters=filters, previous=previous).to_dict()
        except InputError as exc:  # qa.api's limits (previous, filters): the Chinese sentence
            raise UserError(exc.zh) from None

    def document(self, doc_id: str) -> dict | None:
        """A document's text and metadata from the live index (None if it is no longer there)."""
        try:
            return self._assistant().reader.document(doc_id)
        except UserError:
            return None

    def written_headings(self, citations: Sequence[dict]) -> list[str]:
        """Each cited item's heading as the document writes it (traditional stays traditional)."""
        documents: dict[str, dict | None] = {}
        out = []
        for citation in citations:
            label = citation.get("item") or ""
            doc_id = citation.get("doc_id", "")
            if doc_id not in documents:
                documents[doc_id] = self.document(doc_id)
            document = documents[doc_id]
            item = _item_at(document["meeting"].get("items", []), citation["span"][0]) if document else None
            heading = _heading_as_written(document["text"], item) if document and item else None
            out.append(label if label == "会议概况" else heading or label)
        return out

    # ---- the knowledge base -----------------------------------------------------------------

    def documents(self) -> list[dict]:
        """Indexed documents (metadata, no text), sorted by date."""
        try:
            return self._assistant().reader.documents()
        except UserError:
            return []

    def preview(self, paths: Sequence[str | Path]) -> list[dict]:
        """Parse uploaded files without indexing: one ``{"name", "meeting"|"error", "replaces"}`` each."""
        known = {d["doc_id"] for d in self.documents()}
        readable, out = [], {}
        for path in paths:
            name = _upload_name(path)
            try:
                readable.append((name, Path(path).read_bytes()))
            except OSError as exc:
                reason = f"cannot read file ({exc.strerror or exc})"
                out[name] = {"name": name, "replaces": name in known, "error": reason}
        # Parsed in a child process with a memory ceiling (qa.library): one file cannot take the server down.
        for entry in self.library.preview(readable, known):
            out[entry["name"]] = entry
        return [out[_upload_name(p)] for p in paths if _upload_name(p) in out]

    def add(self, paths: Sequence[str | Path], notify: Callable[[Progress], None] | None = None) -> WriteReport:
        """Add uploaded files to the index (bad files are reported, the others still added).

        The originals of added files are kept in ``<index>/uploads`` so that a rebuild keeps them.
        """
        files: dict[str, bytes] = {}
        unreadable: list[tuple[str, str]] = []
        for path in paths:
            name = _upload_name(path)
            try:
                files[name] = Path(path).read_bytes()  # a name uploaded twice: the last one wins
            except OSError as exc:
                unreadable.append((name, f"cannot read file ({exc.strerror or exc})"))
        if not files and not unreadable:
            raise UserError("请先选择要上传的纪要文件。")

        def write(writer: IndexWriter) -> WriteReport:
            # qa.library keeps the originals (and checks each file in a child process first).
            return self.library.add(writer, sorted(files.items()))

        report = self._write("加入资料库", write, notify) if files else WriteReport()
        from qa.store import FileError

        report.errors[:0] = [FileError(name, reason) for name, reason in unreadable]
        for path in paths:  # Gradio's temporary copies, removed when the document is deleted
            self._temp_copies.setdefault(_upload_name(path), set()).add(str(path))
        return report

    def delete(self, doc_id: str) -> WriteReport:
        """Remove one document from the index (and its kept upload, if it was uploaded)."""
        if not doc_id:
            raise UserError("请先选择要删除的纪要。")
        report = self._write("删除纪要", lambda writer: self.library.delete(writer, [doc_id]), None)
        # Gradio would still serve its temporary copy of the upload: removed too (only files inside
        # Gradio's upload folder; a path given by an API caller is theirs).
        temp_root = Path(gr.utils.get_upload_folder()).resolve()
        for temp in self._temp_copies.pop(doc_id, set()):
            path = Path(temp).resolve()
            if path.is_relative_to(temp_root) and path != temp_root:
                path.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    if path.parent != temp_root:
                        path.parent.rmdir()  # Gradio's per-file folder, when empty
        return report

    def rebuild(self, notify: Callable[[Progress], None] | None = None, task: str = "重建索引") -> WriteReport:
        """Index the source folder from scratch, then add the kept uploads again."""
        source = Path(self.settings.source)
        if self.has_index():
            try:
                manifest = Manifest.read(current_generation(self.index_dir) / "manifest.json")
                if manifest.source and Path(manifest.source).is_dir():
                    source = Path(manifest.source)
            except (StoreError, OSError, ValueError):
                pass  # a damaged index is rebuilt from the configured folder
        if not source.is_dir():
            raise UserError(f"资料文件夹 {source} 不存在，无法重建索引。")

        def write(writer: IndexWriter) -> WriteReport:
            # One generation holds the folder and the kept uploads: no moment without the uploads.
            return self.library.build(writer, source)

        return self._write(task, write, notify, fresh=True)

    def _write(
        self,
        task: str,
        operation: Callable[[IndexWriter], WriteReport],
        notify: Callable[[Progress], None] | None,
        fresh: bool = False,
    ) -> WriteReport:
        if not self._write_lock.acquire(blocking=False):
            raise UserError("另一项资料库更新正在进行，请等它完成后再试。")
        progress = Progress(task=task)
        try:
            self._progress = progress
            manifest = None  # no index yet: uploads start one with the configured embedder
            if not fresh and self.has_index():
                try:
                    manifest = Manifest.read(current_generation(self.index_dir) / "manifest.json")
                except (StoreError, OSError, ValueError) as exc:
                    raise UserError(f"索引无法读取：{_one_line(exc)}；请重建索引。") from None
            # FAISS or Milvus: as configured, else as the live index is held (a rebuild keeps it).
            writer = open_writer(
                self.settings,
                embedder_for(self.settings, manifest),
                manifest or live_manifest(self.settings),
                show_progress=False,
                progress=_progress_callback(progress, notify or (lambda _p: None)),
            )
            report = operation(writer)
            self._build_error = None
            return report
        except StoreError as exc:
            raise UserError(_store_message(exc)) from None
        except EmbedderError as exc:
            raise UserError(f"无法加载向量模型：{_one_line(exc)}") from None
        finally:
            self._progress = None
            self._write_lock.release()


def _unexpected(exc: BaseException) -> str:
    """A bug, not the user's doing: logged with its traceback, shown as one sentence."""
    logging.getLogger("qa.web").exception("unexpected error")
    return f"出错了（{type(exc).__name__}: {_one_line(exc)}）。请稍后重试；如果一再出现，请报告这个问题。"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _store_message(exc: StoreError) -> str:
    text = _one_line(exc)
    if "another build or update" in text:
        return "另一项资料库更新正在进行，请等它完成后再试。"
    if text.startswith("not in the index"):
        return "这份纪要已不在资料库中（可能已被删除）。"
    return text


def _upload_name(path: str | Path) -> str:
    """The file name an upload is indexed under (no folders: uploads land side by side)."""
    return upload_name(path)


def _iso_date(value: str | float | None, label: str) -> str | None:
    """A date typed or picked in the UI as YYYY-MM-DD (None when empty)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float):
        from datetime import datetime

        return datetime.fromtimestamp(value).date().isoformat()
    text = value.strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?", text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            pass
    raise UserError(f"{label}「{text}」不是有效的日期，请写成 2024-12-13 这样的格式。")


def _item_at(items: list[dict], position: int) -> dict | None:
    """The agenda item (rather than the overview) whose span holds ``position``."""
    inside = [i for i in items if i.get("start", 0) <= position < i.get("end", 0)]
    inside.sort(key=lambda i: (i.get("kind") == "overview", i["end"] - i["start"]))
    return inside[0] if inside else None


def _heading_as_written(text: str, item: dict) -> str | None:
    """Map an item's normalised heading back onto the original text's first line."""
    from qa.normalize import normalize

    original = text[item["start"] : item["end"]].strip()
    first = original.split("\n", 1)[0][:300]
    heading = (item.get("heading") or "").rstrip("…")
    if not first or not heading:
        return None
    norm = normalize(first)
    at = norm.text.find(heading)
    if at < 0 or at > 12:  # only a number like 七、 or （一） may come before the heading
        return None
    start, end = norm.to_original(0, at + len(heading))
    written = first[start:end].strip()
    return written + ("…" if item["heading"].endswith("…") else "") if written else None


# ---------------------------------------------------------------------------------------------
# rendering (HTML and markdown; every piece of document or user text is escaped)
# ---------------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def _cn_date(iso: str | None) -> str:
    if not iso:
        return "日期不详"
    year, month, day = iso.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


def meeting_name(region: str | None, meeting: str | None, number: int | None) -> str:
    """«姑苏区 · 保护区管委会、姑苏区政府第39次常务会议» (the number added when the name lacks it)."""
    name = meeting or "常务会议"
    if number and not re.search(r"[\d一二三四五六七八九十百千〇零两]+次", name):
        name = f"第{number}次{name}" if name == "常务会议" else f"{name}（第{number}次）"
    return " · ".join(p for p in (region, name) if p)


def render_chat_message(turn: dict) -> str:
    """The assistant's chat bubble for one turn (markdown)."""
    if turn.get("error"):
        return f"**提示：** {_e(turn['answer'])}"
    lines = []
    if turn.get("interpreted_as"):
        lines.append(f"*（追问，理解为「{_e(turn['interpreted_as'])}」）*")
    answer = _e(turn.get("answer", ""))
    lines.append(answer.replace("\n", "  \n"))
    if turn.get("ui_filters"):
        lines.append(f"*筛选：{_e(turn['ui_filters'])}*")
    if turn.get("citations"):
        lines.append(f"*出处见引用卡片 [1]–[{len(turn['citations'])}]*")
    return "\n\n".join(lines)


def chat_messages(turns: list[dict]) -> list[dict]:
    """Chatbot messages (user/assistant pairs) for the session's turns."""
    messages: list[dict] = []
    for turn in turns:
        messages.append({"role": "user", "content": _e(turn["question"])})
        messages.append({"role": "assistant", "content": render_chat_message(turn)})
    return messages


def _excerpt(text: str, sentence: str, heading: str | None) -> tuple[str, str, str]:
    """The item text split around its supporting sentence: (before, sentence, after), as written."""
    at = text.find(sentence) if sentence else -1
    if at < 0:
        return "", "", text
    before, after = text[:at], text[at + len(sentence) :]
    first = text.split("\n", 1)[0]
    if heading and before.startswith(first) and len(first) < 120:
        before = before[len(first) :]  # the heading is shown above the excerpt already
    return before, sentence, after


def render_cards(turn: dict | None, turn_number: int | None = None, headings: Sequence[str] = ()) -> str:
    """The citation cards of one answer; each card's «查看原文» button carries its rank."""
    from qa.answer import display

    if turn is None:
        return (
            '<div class="qa-cards"><div class="qa-cards-empty">提问后，答案引用的纪要原文会显示在这里：'
            "会议、日期、议题，以及支持答案的句子。</div></div>"
        )
    head = "引用出处" + (f"<span>（第 {turn_number} 问）</span>" if turn_number else "")
    citations = turn.get("citations") or []
    if not citations:
        reason = "出错了，没有出处。" if turn.get("error") else "没有找到可以引用的纪要内容。"
        empty = f'<div class="qa-cards-empty">{reason}</div>'
        return f'<div class="qa-cards"><div class="qa-cards-head">{head}</div>{empty}</div>'
    cards = []
    for index, c in enumerate(citations):
        heading = headings[index] if index < len(headings) and headings[index] else c.get("item", "")
        before, sentence, after = _excerpt(c.get("text", ""), c.get("sentence", ""), heading)
        lead = display(before)
        lead = ("…" + lead[-70:]) if len(lead) > 70 else lead
        tail = display(after)
        tail = (tail[:110] + "…") if len(tail) > 110 else tail
        quote = display(sentence)
        if len(quote) > 180:  # a long overview sentence: its start here, the whole of it under 议题全文
            quote, tail = quote[:180] + "…", ""
        text = c.get("text", "")
        at = text.find(sentence) if sentence else -1
        if at >= 0:
            full = f'{_e(text[:at])}<mark class="qa-hl">{_e(sentence)}</mark>{_e(text[at + len(sentence) :])}'
        else:
            full = _e(text)
        rank = int(c["rank"])
        name = meeting_name(c.get("region"), c.get("meeting"), c.get("meeting_number"))
        cards.append(
            f'<article class="qa-card" id="qa-card-{rank}" data-rank="{rank}">'
            f'<header><span class="qa-rank">[{rank}]</span>'
            f'<span class="qa-meeting">{_e(name)}</span>'
            f'<time datetime="{_e(c.get("date") or "")}">{_e(_cn_date(c.get("date")))}</time></header>'
            f'<div class="qa-item" title="{_e(c.get("item", ""))}">{_e(heading)}</div>'
            f'<p class="qa-excerpt">{_e(lead)}<mark class="qa-hl">{_e(quote)}</mark>{_e(tail)}</p>'
            f'<details><summary>议题全文</summary><div class="qa-fulltext">{full}</div></details>'
            f'<footer><span class="qa-source" title="文件">{_e(c.get("source", ""))}</span>'
            f'<button type="button" class="qa-open" data-open-rank="{rank}">查看原文 ›</button></footer>'
            "</article>"
        )
    return f'<div class="qa-cards"><div class="qa-cards-head">{head}</div>{"".join(cards)}</div>'


def render_document(document: dict | None, citation: dict | None = None, heading: str | None = None) -> str:
    """The whole document as written, with the cited item highlighted and its sentence marked."""
    if document is None:
        return '<div class="qa-doc"><p class="qa-cards-empty">这份纪要已不在资料库中（可能已被删除或重建）。</p></div>'
    text = document.get("text") or ""
    meeting = document.get("meeting") or {}
    item = sentence = None
    if citation is not None:
        start, end = (int(x) for x in citation["span"])
        item = _item_at(meeting.get("items", []), start)
        sentence = (max(0, start), min(len(text), end))
    pieces: list[str] = []
    if item is not None and sentence is not None:
        a, b = item["start"], item["end"]
        s, t = max(sentence[0], a), min(sentence[1], b)
        if s >= t:
            s = t = a
        pieces = [
            _e(text[:a]),
            '<div class="qa-doc-item" id="qa-doc-item">',
            _e(text[a:s]),
            f'<mark class="qa-target">{_e(text[s:t])}</mark>' if t > s else '<span class="qa-target"></span>',
            _e(text[t:b]),
            "</div>",
            _e(text[b:]),
        ]
    elif sentence is not None:
        s, t = sentence
        pieces = [_e(text[:s]), f'<mark class="qa-target">{_e(text[s:t])}</mark>', _e(text[t:])]
    else:
        pieces = [_e(text)]
    facts = [
        ("地区", meeting.get("region")),
        ("会议", meeting_name(None, meeting.get("meeting"), meeting.get("meeting_number"))),
        ("日期", _cn_date(meeting.get("date")) + ("（推断）" if meeting.get("date_inferred") else "")),
        ("主持", " ".join(p for p in (meeting.get("chair_title"), meeting.get("chair")) if p)),
        ("文号", meeting.get("doc_number")),
        ("文件", document.get("source")),
    ]
    meta = "".join(f"<span><b>{_e(k)}</b>{_e(v)}</span>" for k, v in facts if v)
    title = meeting.get("title") or meeting_name(meeting.get("region"), meeting.get("meeting"), None)
    located = ""
    if citation is not None:
        label = heading or citation.get("item", "")
        located = f'<div class="qa-doc-located">定位到 [{int(citation["rank"])}]：{_e(label)}</div>'
    return (
        f'<div class="qa-doc"><h3>{_e(title)}</h3><div class="qa-doc-meta">{meta}</div>{located}'
        f'<div class="qa-doc-text">{"".join(pieces)}</div></div>'
    )


def render_status(status: dict) -> str:
    """The line at the top: what the index holds, or the first build's progress."""
    state = status["state"]
    if state == "building":
        progress: Progress = status["progress"]
        percent = int(progress.fraction * 100)
        return (
            f'<div class="qa-status qa-building">正在建立索引，完成后即可提问：{_e(progress.describe())}'
            f'<div class="qa-bar"><div style="width:{percent}%"></div></div></div>'
        )
    if state != "ready":
        return f'<div class="qa-status qa-error">{_e(status["message"])}</div>'
    stats = status["stats"]
    regions = stats.get("regions") or []
    shown = "、".join(regions[:8]) + ("等" if len(regions) > 8 else "")
    dates = " 至 ".join(stats["date_range"]) if stats.get("date_range") else "日期不详"
    updating = f'<span class="qa-updating">{_e(status["updating"])}</span>' if status.get("updating") else ""
    return (
        f'<div class="qa-status">资料库：{stats["documents"]} 份纪要 · {len(regions)} 个地区（{_e(shown)}）'
        f" · {_e(dates)}{updating}</div>"
    )


def document_rows(documents: list[dict]) -> list[list]:
    """Rows of the 资料库 table: 地区, 会议, 日期, 议题数, 文件名, 解析提示."""
    rows = []
    for d in documents:
        m = d["meeting"]
        items = sum(1 for i in m.get("items", []) if i.get("kind") != "overview")
        rows.append(
            [
                m.get("region") or "—",
                meeting_name(None, m.get("meeting"), m.get("meeting_number")),
                m.get("date") or "—",
                items,
                d["source"],
                "；".join(d.get("warnings") or []) or "",
            ]
        )
    return rows


def document_label(d: dict) -> str:
    m = d["meeting"]
    return f"{m.get('date') or '日期不详'} {m.get('region') or ''} {m.get('meeting') or ''} — {d['source']}"


def render_preview(previews: list[dict]) -> str:
    """What the parser read from each uploaded file, before anything is added."""
    if not previews:
        return ""
    blocks = []
    for p in previews:
        if "error" in p:
            blocks.append(
                f'<div class="qa-preview qa-bad"><b>✗ {_e(p["name"])}</b>'
                f"<div>无法读取，不会加入资料库：{_e(p['error'])}</div></div>"
            )
            continue
        m = p["meeting"]
        facts = [
            ("地区", m.get("region")),
            ("会议", meeting_name(None, m.get("meeting"), m.get("meeting_number"))),
            ("日期", m.get("date")),
            ("主持", m.get("chair")),
            ("文号", m.get("doc_number")),
            ("标题", m.get("title")),
        ]
        meta = "".join(f"<span><b>{_e(k)}</b>{_e(v)}</span>" for k, v in facts if v)
        items = [i for i in m.get("items", []) if i.get("kind") != "overview"]
        listing = "".join(
            f"<li>{_e((i['number'] + '、') if i.get('number') else '· ')}{_e(i['heading'])}</li>" for i in items[:30]
        )
        more = f"<li>… 共 {len(items)} 项</li>" if len(items) > 30 else ""
        warnings = "".join(f'<div class="qa-warn">! {_e(w)}</div>' for w in m.get("warnings", []))
        note = '<span class="qa-replace">将替换资料库中的同名文件</span>' if p.get("replaces") else ""
        blocks.append(
            f'<div class="qa-preview"><b>✓ {_e(p["name"])}</b>{note}<div class="qa-doc-meta">{meta}</div>'
            f"<div>议题 {len(items)} 项：</div><ul>{listing}{more}</ul>{warnings}</div>"
        )
    good = sum(1 for p in previews if "error" not in p)
    head = f"<p>解析结果：{good} 个文件可以加入，{len(previews) - good} 个文件无法读取。核对后点「加入资料库」。</p>"
    return head + "".join(blocks)


def render_report(report: WriteReport, documents: list[dict] | None = None) -> str:
    """The outcome of an add / delete / rebuild, with every file error on its own line."""
    by_id = {d["doc_id"]: d for d in documents or []}
    parts = []
    done = report.added + report.changed
    if done:
        names = "、".join(_e(document_label(by_id[d]) if d in by_id else d) for d in done)
        parts.append(f'<div class="qa-ok">✓ 已加入 {len(done)} 份纪要：{names}</div>')
    if report.removed:
        parts.append(f'<div class="qa-ok">✓ 已删除：{"、".join(_e(d) for d in report.removed)}</div>')
    for error in report.errors:
        parts.append(f'<div class="qa-bad">✗ {_e(error.path)}：未能加入（{_e(error.reason)}）</div>')
    if not parts:
        parts.append('<div class="qa-ok">没有需要更新的内容。</div>')
    return '<div class="qa-report">' + "".join(parts) + "</div>"


def render_error(message: str) -> str:
    return f'<div class="qa-report"><div class="qa-bad">✗ {_e(message)}</div></div>'


# ---------------------------------------------------------------------------------------------
# the Gradio app
# ---------------------------------------------------------------------------------------------

CSS = """
.gradio-container { max-width: 1400px !important; }
#qa-title h1 { margin-bottom: 0; }
.qa-status { padding: 6px 10px; border-radius: 6px; background: var(--block-background-fill); font-size: 0.95em; }
.qa-status.qa-error { background: #fdecea; color: #8a1c12; }
.qa-status.qa-building { background: #fff6e0; }
.qa-updating { margin-left: 1em; color: #8a5a00; }
.qa-bar { height: 6px; background: #eee; border-radius: 3px; margin-top: 4px; overflow: hidden; }
.qa-bar > div { height: 100%; background: var(--color-accent); }
.qa-cards { display: flex; flex-direction: column; gap: 10px; }
.qa-cards-head { font-weight: 600; font-size: 1.05em; }
.qa-cards-head span { font-weight: normal; color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-cards-empty { color: var(--body-text-color-subdued); padding: 8px 0; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  background: var(--block-background-fill); }
.qa-card header { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; }
.qa-rank { font-weight: 700; color: var(--color-accent); }
.qa-meeting { font-weight: 600; }
.qa-card time { color: var(--body-text-color-subdued); margin-left: auto; }
.qa-item { margin: 4px 0; font-weight: 500; }
.qa-excerpt { margin: 4px 0; line-height: 1.7; }
mark.qa-hl { background: #ffe58f; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.qa-target { background: #ffc53d; color: inherit; padding: 1px 2px; border-radius: 3px;
  box-shadow: 0 0 0 2px #fa8c16; }
.qa-card details summary { cursor: pointer; color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-fulltext { white-space: pre-wrap; max-height: 260px; overflow: auto; font-size: 0.92em; line-height: 1.6; }
.qa-card footer { display: flex; justify-content: space-between; align-items: center; margin-top: 6px; gap: 8px; }
.qa-source { color: var(--body-text-color-subdued); font-size: 0.85em; overflow-wrap: anywhere; }
.qa-open { border: 1px solid var(--color-accent); color: var(--color-accent); background: transparent;
  border-radius: 6px; padding: 2px 10px; cursor: pointer; white-space: nowrap; }
.qa-open:hover { background: var(--color-accent); color: white; }
.qa-doc h3 { margin: 0 0 4px; }
.qa-doc-meta { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 0.92em; margin: 4px 0; }
.qa-doc-meta b { margin-right: 4px; color: var(--body-text-color-subdued); font-weight: normal; }
.qa-doc-located { margin: 6px 0; color: #8a5a00; }
.qa-doc-text { white-space: pre-wrap; line-height: 1.8; max-height: 70vh; overflow: auto; padding: 8px 12px;
  border: 1px solid var(--border-color-primary); border-radius: 6px; }
.qa-doc-item { display: inline; background: #fffbe6; box-shadow: -6px 0 0 #ffd666; }
.qa-preview { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 8px 12px; margin: 6px 0; }
.qa-preview ul { margin: 4px 0 0 1em; list-style: none; padding: 0; }
.qa-bad { color: #b42318; }
.qa-ok { color: #1a7f37; }
.qa-warn { color: #8a5a00; font-size: 0.9em; }
.qa-replace { margin-left: 8px; color: #8a5a00; font-size: 0.9em; }
#qa-filters, #qa-kb-actions { align-items: flex-end; }
.qa-examples button { font-size: 0.85em !important; }
"""

_CARDS_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-open-rank]');
  if (button) { event.preventDefault(); trigger('click', {rank: Number(button.dataset.openRank)}); }
});
"""

_SCROLL_JS = """
() => {
  const reveal = () => {
    const target = document.querySelector('#qa-doc .qa-target');
    if (target) { target.scrollIntoView({block: 'center'}); return true; }
    return false;
  };
  let tries = 0;
  const timer = setInterval(() => { if (reveal() || ++tries > 40) clearInterval(timer); }, 50);
}
"""


def _theme():
    # Local fonts only: the default theme would fetch web fonts, and there may be no network.
    fonts = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=fonts, font_mono=["monospace"])


def build_app(settings: Settings, start_build: bool = True):
    """The Gradio Blocks of the web assistant (launch it with :func:`launch`).

    With no index and ``start_build``, a first build from ``settings.source`` starts in the
    background; the page shows its progress and answers once it is done.
    """
    core = WebAssistant(settings)
    if start_build:
        core.start_first_build()

    def kb_refresh():
        documents = core.documents()
        return (
            gr.Dataframe(value=document_rows(documents)),
            gr.Dropdown(choices=[(document_label(d), d["doc_id"]) for d in documents], value=None),
            [d["doc_id"] for d in documents],
            gr.Dropdown(choices=core.regions()),
            render_status(core.status()),
        )

    with gr.Blocks(title="纪要问答", analytics_enabled=False) as app:
        app.qa_core = core  # type: ignore[attr-defined]  # for tests and embedding apps
        turns = gr.State([])  # this browser session's conversation: one answer dict per question
        shown = gr.State(-1)  # which turn's citations the cards show
        doc_ids = gr.State([])  # doc ids in the order of the 资料库 table's rows

        gr.Markdown(
            "# 纪要问答\n政府常务会议纪要智能问答：每个答案都注明出自哪次会议、哪个议题、哪句原文。", elem_id="qa-title"
        )
        status = gr.HTML(render_status(core.status()), elem_id="qa-status", js_on_load=None)
        timer = gr.Timer(1.0, active=core.building())

        with gr.Tabs(elem_id="qa-tabs"):
            with gr.Tab("问答", id="ask", elem_id="qa-tab-ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        with gr.Row(equal_height=False, elem_id="qa-filters"):
                            regions = gr.Dropdown(
                                choices=core.regions(),
                                multiselect=True,
                                label="地区（可多选）",
                                scale=3,
                                min_width=160,
                                elem_id="qa-regions",
                            )
                            date_from = gr.DateTime(
                                include_time=False,
                                type="string",
                                label="起始日期",
                                scale=2,
                                min_width=140,
                                elem_id="qa-date-from",
                            )
                            date_to = gr.DateTime(
                                include_time=False,
                                type="string",
                                label="截止日期",
                                scale=2,
                                min_width=140,
                                elem_id="qa-date-to",
                            )
                            clear_filters = gr.Button(
                                "清除筛选", size="sm", scale=0, min_width=80, elem_id="qa-clear-filters"
                            )
                        chatbot = gr.Chatbot(
                            label="对话",
                            height=480,
                            elem_id="qa-chat",
                            feedback_options=None,
                            buttons=["copy"],
                            placeholder="问一个关于政府常务会议纪要的问题，例如「姑苏区碳达峰方案何时审议」。",
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                placeholder="输入问题，回车提问；追问可以只说「那太仓呢？」",
                                show_label=False,
                                scale=6,
                                max_lines=3,
                                elem_id="qa-question",
                            )
                            send = gr.Button("提问", variant="primary", scale=1, elem_id="qa-send")
                            new_chat = gr.Button("新对话", scale=1, elem_id="qa-new-chat")
                        gr.Markdown("**示例问题**（点击即问）")
                        with gr.Row(elem_classes=["qa-examples"]):
                            example_buttons = [gr.Button(q, size="sm") for q in EXAMPLES]
                    with gr.Column(scale=2, min_width=360):
                        cards = gr.HTML(render_cards(None), elem_id="qa-cards", js_on_load=_CARDS_JS)
                with gr.Column(visible=False, elem_id="qa-doc-panel") as doc_panel:
                    with gr.Row():
                        gr.Markdown("### 原文")
                        close_doc = gr.Button("关闭原文", size="sm", scale=0, elem_id="qa-close-doc")
                    doc_view = gr.HTML("", elem_id="qa-doc", js_on_load=None)

            with gr.Tab("资料库", id="library", elem_id="qa-tab-library"):
                table = gr.Dataframe(
                    headers=["地区", "会议", "日期", "议题数", "文件名", "解析提示"],
                    value=document_rows(core.documents()),
                    interactive=False,
                    wrap=True,
                    max_height=420,
                    column_widths=["9%", "25%", "10%", "6%", "20%", "30%"],
                    label="已收录的纪要（点击一行可选中）",
                    elem_id="qa-docs",
                )
                with gr.Row(equal_height=False, elem_id="qa-kb-actions"):
                    chosen = gr.Dropdown(label="选中的纪要", choices=[], scale=4, elem_id="qa-doc-choice")
                    delete = gr.Button("删除这份纪要", variant="stop", scale=1, elem_id="qa-delete")
                    rebuild = gr.Button("重建整个索引", scale=1, elem_id="qa-rebuild")
                with gr.Row(visible=False) as confirm_row:
                    confirm_text = gr.Markdown()
                    confirm_yes = gr.Button("确认", variant="stop", scale=0, elem_id="qa-confirm")
                    confirm_no = gr.Button("取消", scale=0)
                pending = gr.State("")  # "delete:<doc_id>" or "rebuild" while waiting for 确认
                kb_result = gr.HTML("", elem_id="qa-kb-result", js_on_load=None)
                gr.Markdown(
                    "### 上传纪要\n支持 .txt .md .docx .pdf .html，可一次选多个文件。先看解析结果，再加入资料库；"
                    "无法读取的文件会单独列出，其余文件照常加入。加入过程中仍可提问（答案来自更新前的资料库）。"
                )
                upload = gr.File(
                    file_count="multiple",
                    file_types=UPLOAD_TYPES,
                    type="filepath",
                    label="选择文件",
                    elem_id="qa-upload",
                )
                preview = gr.HTML("", elem_id="qa-preview", js_on_load=None)
                add = gr.Button("加入资料库", variant="primary", interactive=False, elem_id="qa-add")
                add_result = gr.HTML("", elem_id="qa-add-result", js_on_load=None)

        # ---- 问答 ----------------------------------------------------------------------------

        def on_ask(text, history, regions_value, start, end):
            text = (text or "").strip()
            if not text:
                return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            previous = next(
                (t.get("interpreted_as") or t["question"] for t in reversed(history) if not t.get("error")), None
            )
            try:
                turn = core.ask(text, regions_value, start, end, previous=previous)
                turn["ui_filters"] = _filter_note(regions_value, start, end)
                turn["headings"] = core.written_headings(turn["citations"])
            except UserError as exc:
                turn = {"question": text, "answer": str(exc), "found": False, "citations": [], "error": True}
            except Exception as exc:
                turn = {"question": text, "answer": _unexpected(exc), "found": False, "citations": [], "error": True}
            history = [*history, turn]
            index = len(history) - 1
            return (
                "",
                chat_messages(history),
                history,
                index,
                render_cards(turn, index + 1, turn.get("headings", ())),
            )

        ask_outputs = [question, chatbot, turns, shown, cards]
        ask_inputs = [question, turns, regions, date_from, date_to]
        for trigger in (question.submit, send.click):
            trigger(on_ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=8)
        for button, text in zip(example_buttons, EXAMPLES, strict=True):
            button.click(lambda q=text: q, None, question, api_visibility="private", queue=False).then(
                on_ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=8
            )

        def on_new_chat():
            return [], [], -1, render_cards(None), gr.Column(visible=False), ""

        # The chat's own trash button clears the conversation state too, not only what is shown.
        chatbot.clear(
            on_new_chat,
            None,
            [chatbot, turns, shown, cards, doc_panel, question],
            api_visibility="private",
            queue=False,
        )
        new_chat.click(
            on_new_chat,
            None,
            [chatbot, turns, shown, cards, doc_panel, question],
            api_visibility="private",
            queue=False,
        )

        def on_select_message(history, evt: gr.SelectData):
            index = evt.index if isinstance(evt.index, int) else (evt.index[0] if evt.index else 0)
            number = int(index) // 2
            if not 0 <= number < len(history):
                return gr.skip(), gr.skip()
            turn = history[number]
            return number, render_cards(turn, number + 1, turn.get("headings", ()))

        chatbot.select(on_select_message, [turns], [shown, cards], api_visibility="private")

        def on_open(history, index, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            rank = data.get("rank") if isinstance(data, dict) else None
            if not history or not isinstance(rank, int | float):
                return gr.skip(), gr.skip()
            turn = history[index if 0 <= index < len(history) else -1]
            citations = turn.get("citations", [])
            at = next((i for i, c in enumerate(citations) if c["rank"] == int(rank)), None)
            if at is None:
                return gr.skip(), gr.skip()
            citation, headings = citations[at], turn.get("headings") or []
            heading = headings[at] if at < len(headings) else None
            return gr.Column(visible=True), render_document(core.document(citation["doc_id"]), citation, heading)

        cards.click(on_open, [turns, shown], [doc_panel, doc_view], api_visibility="private").then(
            None, None, None, js=_SCROLL_JS
        )
        close_doc.click(lambda: gr.Column(visible=False), None, doc_panel, api_visibility="private", queue=False)
        clear_filters.click(
            lambda: (gr.Dropdown(value=[]), None, None),
            None,
            [regions, date_from, date_to],
            api_visibility="private",
            queue=False,
        )

        # The API endpoint /ask: same function, JSON out (the object of `qa ask --json`).
        def ask(
            question: str,
            regions: list[str] | None = None,
            date_from: str | None = None,
            date_to: str | None = None,
            meeting_number: int | None = None,
            previous: str | None = None,
        ) -> dict:
            """Answer a question about the indexed minutes, with citations.

            Args:
                question: the question, e.g. 姑苏区碳达峰方案何时审议
                regions: only minutes of these regions (as listed in the index)
                date_from: only meetings on or after this date (YYYY-MM-DD)
                date_to: only meetings on or before this date (YYYY-MM-DD)
                meeting_number: only the meeting with this number (第N次)
                previous: the previous question, for follow-ups such as 那太仓呢？
            """
            try:
                return core.ask(question, regions, date_from, date_to, meeting_number, previous)
            except UserError as exc:
                raise gr.Error(str(exc)) from None
            except Exception as exc:
                raise gr.Error(_unexpected(exc)) from None

        gr.api(ask, api_name="ask", concurrency_limit=8)

        # ---- status and first build ----------------------------------------------------------

        def on_tick():
            building = core.building()
            if building:
                return render_status(core.status()), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            table_value, choice, ids, region_dropdown, status_html = kb_refresh()
            return status_html, gr.Timer(active=False), table_value, choice, ids, region_dropdown

        # Polling must not flash Gradio's loading overlay over the page every second.
        timer.tick(
            on_tick,
            None,
            [status, timer, table, chosen, doc_ids, regions],
            api_visibility="private",
            queue=False,
            show_progress="hidden",
        )

        def on_load():
            table_value, choice, ids, region_dropdown, status_html = kb_refresh()
            building = core.building()
            return status_html, gr.Timer(active=building), table_value, choice, ids, region_dropdown

        app.load(
            on_load,
            None,
            [status, timer, table, chosen, doc_ids, regions],
            api_visibility="private",
            show_progress="hidden",
        )

        # ---- 资料库 ----------------------------------------------------------------------------

        def on_files(paths):
            if not paths:
                return "", gr.Button(interactive=False)
            previews = core.preview(paths)
            ready = any("error" not in p for p in previews)
            return render_preview(previews), gr.Button(interactive=ready)

        upload.change(on_files, upload, [preview, add], api_visibility="private")

        def on_add(paths, progress=gr.Progress()):  # noqa: B008 (how Gradio injects a progress bar)
            def notify(p: Progress) -> None:
                progress(p.fraction if p.total else None, desc=p.describe())

            try:
                report = core.add(paths or [], notify)
            except UserError as exc:
                # Keep the chosen files so that the person can try again.
                return (render_error(str(exc)), gr.skip(), *kb_refresh())
            except Exception as exc:
                return (render_error(_unexpected(exc)), gr.skip(), *kb_refresh())
            # The files are in: clear the picker (its change event clears the preview too).
            return (render_report(report, core.documents()), None, *kb_refresh())

        kb_outputs = [table, chosen, doc_ids, regions, status]
        add.click(
            on_add,
            upload,
            [add_result, upload, *kb_outputs],
            show_progress_on=add_result,  # one progress bar, under the button, not over the table
            api_visibility="private",
            concurrency_id="kb-write",
            concurrency_limit=1,
        )

        def on_row(ids, evt: gr.SelectData):
            row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
            return gr.Dropdown(value=ids[row]) if isinstance(row, int) and 0 <= row < len(ids) else gr.skip()

        table.select(on_row, doc_ids, chosen, api_visibility="private")

        def ask_confirm(action: str, doc_id: str | None):
            if action == "delete":
                if not doc_id:
                    return gr.Row(visible=False), "", "", render_error("请先在表格或下拉框中选中要删除的纪要。")
                message = f"确定从资料库删除 **{_e(doc_id)}** 吗？（只删除索引中的记录，不改动资料文件夹）"
                return gr.Row(visible=True), message, f"delete:{doc_id}", ""
            message = "确定重建整个索引吗？将从资料文件夹重新解析并索引全部纪要（含已上传的文件），可能需要几分钟。"
            return gr.Row(visible=True), message, "rebuild", ""

        confirm_outputs = [confirm_row, confirm_text, pending, kb_result]
        delete.click(lambda d: ask_confirm("delete", d), chosen, confirm_outputs, api_visibility="private", queue=False)
        rebuild.click(
            lambda: ask_confirm("rebuild", None), None, confirm_outputs, api_visibility="private", queue=False
        )
        confirm_no.click(
            lambda: (gr.Row(visible=False), "", "", ""), None, confirm_outputs, api_visibility="private", queue=False
        )

        def on_confirm(action, progress=gr.Progress()):  # noqa: B008
            def notify(p: Progress) -> None:
                progress(p.fraction if p.total else None, desc=p.describe())

            try:
                if action.startswith("delete:"):
                    report = core.delete(action.split(":", 1)[1])
                elif action == "rebuild":
                    report = core.rebuild(notify)
                else:
                    return (gr.Row(visible=False), "", *kb_refresh())
                result = render_report(report, core.documents())
            except UserError as exc:
                result = render_error(str(exc))
            except Exception as exc:
                result = render_error(_unexpected(exc))
            return (gr.Row(visible=False), result, *kb_refresh())

        confirm_yes.click(
            on_confirm,
            pending,
            [confirm_row, kb_result, *kb_outputs],
            show_progress_on=kb_result,
            api_visibility="private",
            concurrency_id="kb-write",
            concurrency_limit=1,
        )
    return app


def _filter_note(regions: Sequence[str] | None, start: str | None, end: str | None) -> str:
    parts = []
    if regions:
        parts.append("地区 " + "、".join(regions))
    if start or end:
        parts.append(f"日期 {start or '不限'} 至 {end or '不限'}")
    return "；".join(parts)


def launch(app, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False) -> str:
    """Start the server (the theme and CSS are given here, as Gradio 6 wants); returns its URL."""
    app.queue(default_concurrency_limit=4)
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        quiet=quiet,
        show_error=False,
        max_file_size="50mb",
        theme=_theme(),
        css=CSS,
        footer_links=["api"],
    )
    return url or f"http://{host}:{port}/"


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> int:
    """Run the web assistant until interrupted (``qa serve`` and ``python app.py``); returns the exit status."""
    import sys

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network calls home
    app = build_app(settings)
    core: WebAssistant = app.qa_core  # type: ignore[attr-defined]
    if core.building():
        print(f"qa: no index at {settings.index}: building one from {settings.source} (progress on the page)")
    try:
        launch(app, host, port, block=True)
    except OSError as exc:
        print(f"qa: cannot serve on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    return 0


__all__ = ["EXAMPLES", "Progress", "UserError", "WebAssistant", "build_app", "launch", "serve"]
