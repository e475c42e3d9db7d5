"""纪要问答 web assistant: a Gradio app over the live index (``python app.py`` or ``qa serve``).

Two tabs, both thin layers over the library:

* 问答 — the question box on top, the conversation under it (our own HTML, see
  :mod:`qa.webview`): each answer with [n] links to its cards, the cited cards under 「答案依据」
  and the other passages folded under 「其他相关纪要（n）」, 「查看原文」 opening the whole document at
  the cited sentence. Filters folded into one line, notices where the question and the filters
  disagree, follow-ups («那太仓呢？») checked against their topic, copy and CSV/Word export, the
  conversation kept in the browser and the question in the address.
* 资料库 — the indexed documents, upload with an editable parse preview and a progress bar with
  the time left, delete, rebuild; refused in read-only mode or without the admin token.

The question-answering function is also the API endpoint ``/ask``: it returns exactly the JSON
object of ``qa ask --json``.

Writes go through :class:`qa.index.writer.IndexWriter`, which publishes a new generation atomically;
:class:`qa.api.LiveAssistant` keeps answering from the last complete generation meanwhile. With no
index at start-up the app builds one in the background and shows its progress.

The UI logic lives in :class:`WebAssistant` (plain Python, no Gradio), what the page shows in
:mod:`qa.webview` (pure functions to HTML and text); :func:`build_app` only wires them to components.
"""

from __future__ import annotations

import contextlib
import copy
import hmac
import html
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import gradio as gr

from qa.api import InputError, LiveAssistant, embedder_for, live_manifest, open_writer
from qa.config import Settings
from qa.embed import EmbedderError
from qa.index.errors import NotInIndex, StoreError, WriterBusy
from qa.index.manifest import live_or_none, read_live
from qa.index.writer import IndexWriter, WriteReport
from qa.ingest import FileError
from qa.library import Library, upload_name
from qa.webview import (
    CSS,
    HEAD,
    _e,
    citation_role,
    citation_view,
    filter_label,
    meeting_name,
    preview_table,
    render_cards,
    render_chat,
    render_document,
    url_query,
    zh_message,
)

# Example questions shown under the chat (they match the sample corpus in data/minutes).
EXAMPLES = [
    "姑苏区碳达峰方案何时审议",
    "那太仓呢？",
    "吴中区第55次常务会议由谁主持？",
    "姑苏区生态文明建设规划由哪个单位修改完善？",
    "太仓市关于推进“五化协同”持续优化营商环境的实施方案审议后提交给谁？",
    "吴中区哪次会议审议了森林消防队伍建设实施方案？",
]

UPLOAD_TYPES = [".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".ofd", ".doc", ".wps", ".rtf", ".odt"]
MAX_QUESTION_CHARS = 500
CITATIONS = 5
PREVIEW_HEADERS = ["文件", "地区", "会议", "次数", "日期", "主持", "议题数", "解析结果"]
PREVIEW_EDITABLE = {1: "region", 3: "meeting_number", 4: "date", 5: "chair"}  # column → meeting field
MAX_TURNS = 20  # a conversation kept in the browser holds at most this many answers


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
    stage_started: float = field(default_factory=time.monotonic)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def seconds_left(self) -> float | None:
        """The time left in this stage, from its pace so far (None before the first batch is done)."""
        if not self.total or not self.done or self.done >= self.total:
            return None
        elapsed = time.monotonic() - self.stage_started
        return elapsed / self.done * (self.total - self.done)

    def describe(self) -> str:
        if not self.stage:
            return self.task
        count = f" {self.done}/{self.total}" if self.total else ""
        left = self.seconds_left()
        eta = ""
        if left is not None:
            eta = f"，约剩 {max(1, round(left))} 秒" if left < 90 else f"，约剩 {round(left / 60)} 分钟"
        return f"{self.task}：{self.stage}{count}{eta}"


_STAGE_NAMES = {**_STAGES, "writing": "写入索引"}


def _progress_callback(progress: Progress, notify: Callable[[Progress], None]) -> Callable[[str, int, int], None]:
    """Turn IndexWriter's ``progress(stage, done, total)`` calls into updates of a :class:`Progress`."""

    def report(stage: str, done: int, total: int) -> None:
        name = _STAGE_NAMES.get(stage, stage)
        if name != progress.stage:
            progress.stage_started = time.monotonic()  # the time left is estimated per stage
        progress.stage, progress.done, progress.total = name, done, total
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
        self._for_llm: dict[str, dict] = {}  # turn key → its full answer, for the generated answer

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
        if isinstance(previous, str | None):  # anything else: refused by qa.api's checks below
            previous = (previous or "").strip() or None
        if isinstance(previous, str) and len(previous) > MAX_QUESTION_CHARS:
            raise UserError(f"上一个问题（previous）太长了：最多 {MAX_QUESTION_CHARS} 个字。")
        assistant = self._assistant()
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

    def prepare(self, answer: dict) -> dict:
        """Add to each citation what its card shows (``citation["view"]``, see :func:`qa.webview.citation_view`)."""
        documents: dict[str, dict | None] = {}
        for citation in answer.get("citations") or []:
            doc_id = citation.get("doc_id", "")
            if doc_id not in documents:
                documents[doc_id] = self.document(doc_id)
            citation["view"] = citation_view(documents[doc_id], citation)
        return answer

    def answer_turn(
        self,
        question: str,
        regions: Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        previous: str | None = None,
    ) -> dict:
        """One turn of the chat: the answer (as :meth:`ask`), prepared for display, with notices.

        Notices say aloud where the filters and the question disagree; a follow-up either quotes
        the sentence that holds its topic or says that none does (its cards become «related»).
        """
        chosen = [r for r in (regions or []) if r]
        turn = self.ask(question, chosen, date_from, date_to, previous=previous)
        start, end = _iso_date(date_from, "起始日期"), _iso_date(date_to, "截止日期")
        turn["ui"] = {"regions": chosen, "from": start or "", "to": end or ""}
        turn["ui_filters"] = _filter_note(chosen, start, end)
        turn["notices"] = filter_notices(question, chosen, self.regions(), start, end)
        self.prepare(turn)
        if turn.get("interpreted_as") and turn.get("found"):
            self._check_follow_up(turn)
        if self.llm_enabled() and turn.get("found"):
            # The generated answer is made from the passages, which the page does not keep: hold
            # this turn's answer (a few, newest) for the stream that follows it.
            key = uuid.uuid4().hex
            turn["llm_key"] = key
            self._for_llm[key] = copy.deepcopy(turn)
            while len(self._for_llm) > 16:
                self._for_llm.pop(next(iter(self._for_llm)))
        for citation in turn["citations"]:
            # The page shows the prepared view; the raw chunk text would only fill the browser's
            # storage (the conversation is kept in localStorage, a few MB at most).
            citation.pop("text", None)
        return turn

    def llm_enabled(self) -> bool:
        """Whether an LLM endpoint is configured (QA_LLM_BASE_URL and QA_LLM_MODEL)."""
        return bool(self.settings.llm_base_url and self.settings.llm_model)

    def llm_stream(self, turn: dict) -> Iterator[dict]:
        """The generated answer for a turn, as it grows: ``turn["llm"]`` updated, the turn yielded.

        Only text whose quotes have been checked against the passages is ever shown; the last
        value is the verified answer, or a refusal or failure with its one-line note (the
        extractive answer stays what the page shows as the answer).
        """
        from qa.llm import llm_answer_stream

        answer = self._for_llm.pop(turn.pop("llm_key", None) or "", None)
        if answer is None:
            return
        model = self.settings.llm_model or ""
        assistant = self._assistant()
        for item in llm_answer_stream(answer, self.settings, assistant.reader.document):
            if isinstance(item, str):
                turn["llm"] = {"status": "streaming", "model": model, "text": item}
            else:
                result = item.to_dict()
                result.pop("generated", None)  # a refused answer's raw text is for diagnosis, not the page
                turn["llm"] = result
            yield turn

    def _check_follow_up(self, turn: dict) -> None:
        """A follow-up's answer must rest on a sentence about the carried-over topic."""
        from qa.normalize import normalize_query

        terms = topic_terms(turn["interpreted_as"], self.regions())
        if not terms:
            return
        evidence = [c for c in turn["citations"] if citation_role(c, turn) == "evidence"]
        for citation in evidence:
            sentence = normalize_query(citation.get("sentence") or "")
            if all(term in sentence for term in terms):
                turn["follow_quote"] = (citation.get("view") or {}).get("quote") or citation.get("sentence")
                return
        topic = "".join(terms)
        turn["answer"] = f"找到的纪要里没有一句提到「{topic}」，无法回答「{turn['interpreted_as']}」。"
        turn["found"] = False
        for citation in turn["citations"]:
            citation["role"] = "related"

    def exportable(self, turn: dict) -> bool:
        """Whether a turn is worth exporting as a table: a list answer or several cited meetings."""
        if turn.get("error") or not turn.get("citations"):
            return False
        evidence = [c for c in turn["citations"] if citation_role(c, turn) == "evidence"]
        return turn.get("question_type") == "list" or len(evidence) >= 2

    def export(self, turn: dict, folder: Path) -> tuple[Path, Path]:
        """The turn's cited sources as a CSV file and a Word document in ``folder``."""
        from qa.webexport import export_turn

        return export_turn(turn, folder, self.document)

    def original_path(self, document: dict) -> Path | None:
        """The kept original file of an indexed document (an upload or a file of the source folder)."""
        name = Path(str(document.get("source") or "")).name
        if not name:
            return None
        candidates = [self.uploads_dir / name]
        manifest = live_or_none(self.index_dir)
        if manifest is not None and manifest.source:
            candidates.append(Path(manifest.source) / str(document.get("source")))
        candidates.append(Path(self.settings.source) / str(document.get("source")))
        return next((p for p in candidates if p.is_file()), None)

    # ---- who may change the library ---------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether library changes are refused (``--read-only`` / ``QA_READ_ONLY``)."""
        return bool(getattr(self.settings, "read_only", False))

    @property
    def needs_token(self) -> bool:
        """Whether library changes need the token of ``QA_ADMIN_TOKEN``."""
        return bool(getattr(self.settings, "admin_token", None))

    def authorize(self, token: str | None) -> None:
        """Refuse a library change in read-only mode or without the right token.

        Raises:
            UserError: read-only, or a token is configured and ``token`` is not it.
        """
        if self.read_only:
            raise UserError("只读模式：不能上传、删除或重建资料库。")
        expected = getattr(self.settings, "admin_token", None)
        if expected and not hmac.compare_digest(str(token or "").encode(), str(expected).encode()):
            raise UserError("需要管理口令：请在「管理口令」中填写正确的口令后再试。")

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

    def add(
        self,
        paths: Sequence[str | Path],
        notify: Callable[[Progress], None] | None = None,
        corrections: dict[str, dict] | None = None,
    ) -> WriteReport:
        """Add uploaded files to the index (bad files are reported, the others still added).

        The originals of added files are kept in ``<index>/uploads`` so that a rebuild keeps them;
        ``corrections`` (name → corrected fields, from the preview) are applied and kept with them.
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
            return self.library.add(writer, sorted(files.items()), corrections)

        report = self._write("加入资料库", write, notify) if files else WriteReport()

        report.errors[:0] = [FileError(name, reason) for name, reason in unreadable]
        for path in paths:  # Gradio's temporary copies, removed when the document is deleted
            self._temp_copies.setdefault(_upload_name(path), set()).add(str(path))
        for name in report.added + report.changed:
            self._keep_corrections(name, (corrections or {}).get(name))
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
        self._keep_corrections(doc_id, None)
        return report

    def rebuild(self, notify: Callable[[Progress], None] | None = None, task: str = "重建索引") -> WriteReport:
        """Index the source folder from scratch, then add the kept uploads again."""
        source = Path(self.settings.source)
        if self.has_index():
            manifest = live_or_none(self.index_dir)  # None: a damaged index is rebuilt from the configured folder
            if manifest is not None and manifest.source and Path(manifest.source).is_dir():
                source = Path(manifest.source)
        if not source.is_dir():
            raise UserError(f"资料文件夹 {source} 不存在，无法重建索引。")

        def write(writer: IndexWriter) -> WriteReport:
            # One generation holds the folder and the kept uploads: no moment without the uploads.
            # (qa.library: the kept uploads and the corrections kept with them)
            return self.library.build(writer, source)

        return self._write(task, write, notify, fresh=True)

    # ---- corrections made in the upload preview, kept beside the kept originals ----------------

    @property
    def _corrections_dir(self) -> Path:
        return self.uploads_dir / ".corrections"  # a folder: never taken for an upload by a rebuild

    def _keep_corrections(self, name: str, fields: dict | None) -> None:
        import json

        path = self._corrections_dir / f"{name}.json"
        if fields:
            self._corrections_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
        else:
            path.unlink(missing_ok=True)

    def _kept_corrections(self) -> dict[str, dict]:
        import json

        out: dict[str, dict] = {}
        if self._corrections_dir.is_dir():
            for path in self._corrections_dir.glob("*.json"):
                try:
                    out[path.name[: -len(".json")]] = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    logging.getLogger("qa.web").warning("unreadable correction file %s", path)
        return out

    def corrections_from(self, parsed: Sequence[Sequence], edited: Sequence[Sequence]) -> dict[str, dict]:
        """The fields a person changed in the preview table, validated (name → field → value).

        Raises:
            UserError: a date or meeting number that cannot be read, naming the file and the field.
        """
        from qa.dates import cn_to_int

        out: dict[str, dict] = {}
        for before, after in zip(parsed, edited, strict=False):
            name = str(before[0])
            if str(before[-1]).startswith("✗"):
                continue
            fields: dict = {}
            for column, key in PREVIEW_EDITABLE.items():
                old, new = str(before[column] or "").strip(), str(after[column] if column < len(after) else "").strip()
                if old == new:
                    continue
                if key == "date":
                    fields[key] = _iso_date(new, f"{name} 的日期") if new else None
                elif key == "meeting_number":
                    number = int(new) if new.isdigit() else cn_to_int(new.strip("第次")) if new else None
                    if new and not number:
                        raise UserError(f"{name} 的会议次数「{new[:20]}」不是数字。")
                    fields[key] = number
                else:
                    if len(new) > 40:
                        raise UserError(f"{name} 的{PREVIEW_HEADERS[column]}太长了：最多 40 个字。")
                    fields[key] = new or None
            if fields:
                out[name] = fields
        return out

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
                    manifest = read_live(self.index_dir, check_format=False).manifest
                except StoreError as exc:
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
    if isinstance(exc, WriterBusy):
        return "另一项资料库更新正在进行，请等它完成后再试。"
    if isinstance(exc, NotInIndex):
        return "这份纪要已不在资料库中（可能已被删除）。"
    return _one_line(exc)


def _upload_name(path: str | Path) -> str:
    """The file name an upload is indexed under (no folders: uploads land side by side)."""
    return upload_name(path)


def _iso_date(value: str | float | None, label: str) -> str | None:
    """A date typed or picked in the UI as YYYY-MM-DD (None when empty).

    Understands 2024-12-01, 2024/12/1, 2024.12.1, 20241201, 2024年12月1日 and 二〇二四年十二月一日;
    anything else is refused with a sentence naming the box.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float):
        from datetime import datetime

        return datetime.fromtimestamp(value).date().isoformat()
    from qa.dates import find_dates

    text = str(value).strip()
    bare = re.sub(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)$", "", text).strip()  # a time after the date is ignored
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", bare)
    found = [(int(compact[1]), int(compact[2]), int(compact[3]))] if compact else []
    if not found:
        mentions = [
            m for m in find_dates(bare) if m.kind == "full" and m.start == 0 and m.end >= len(bare.rstrip("日号 "))
        ]
        found = [(m.year, m.month, m.day) for m in mentions if m.year and m.month and m.day]
    if not found:
        match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", bare)
        found = [(int(match[1]), int(match[2]), int(match[3]))] if match else []
    for year, month, day in found:
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            break
    shown = text if len(text) <= 30 else text[:30] + "…"
    raise UserError(f"{label}「{shown}」不是有效的日期，请写成 2024-12-13 或 2024年12月13日。")


def _filter_note(regions: Sequence[str] | None, start: str | None, end: str | None) -> str:
    parts = []
    if regions:
        parts.append("地区 " + "、".join(regions))
    if start or end:
        parts.append(f"日期 {start or '不限'} 至 {end or '不限'}")
    return "；".join(parts)


def _short_region(name: str) -> str:
    """«姑苏» for «姑苏区», «太仓» for «太仓市»: how a question may name a region."""
    short = re.sub(r"(自治县|自治州|新区|特别行政区|区|市|县|旗|州)$", "", name)
    return short if len(short) >= 2 else name


def filter_notices(
    question: str, chosen: Sequence[str], known: Sequence[str], start: str | None = None, end: str | None = None
) -> list[str]:
    """Where the question and the chosen filters disagree, said as sentences.

    «问题中的"姑苏区"不在筛选范围（吴中区）内» when the question names a region of the index that
    the region filter leaves out; likewise a year outside the date range.
    """
    from qa.normalize import normalize_query

    norm = normalize_query(question)
    notices = []
    if chosen:
        chosen_set = set(chosen)
        for region in sorted(known, key=len, reverse=True):
            if region in chosen_set:
                continue
            named = region if region in norm else _short_region(region)
            if named in norm and not any(named in c or c in norm for c in chosen_set):
                scope = "、".join(chosen)
                notices.append(f"问题中的“{named}”不在筛选范围（{scope}）内：答案只在筛选范围内查找。")
    for match in re.finditer(r"(?<!\d)(19\d{2}|20\d{2})年", norm):
        year = match[1]
        if (start and year < start[:4]) or (end and year > end[:4]):
            notices.append(f"问题中的“{year}年”不在日期筛选（{start or '不限'} 至 {end or '不限'}）内。")
    return notices


_TOPIC_STOP = {
    "会议",
    "审议",
    "研究",
    "讨论",
    "部署",
    "工作",
    "情况",
    "方案",
    "问题",
    "事项",
    "相关",
    "有关",
    "什么",
    "哪些",
}


def topic_terms(question: str, regions: Sequence[str] = ()) -> list[str]:
    """The content words of a question's topic (place, time and question words left out)."""
    import jieba

    from qa.query import understand

    query = understand(question, [(r, None) for r in regions])
    topic = query.topic
    for region in sorted(regions, key=len, reverse=True):
        topic = topic.replace(region, " ").replace(_short_region(region), " ")
    words = [w.strip() for w in jieba.lcut(topic)]
    return [w for w in words if len(w) >= 2 and w not in _TOPIC_STOP and not re.fullmatch(r"[\d\W_]+", w)]


# ---------------------------------------------------------------------------------------------
# the knowledge base's renderings (the chat and cards are in qa/webview.py)
# ---------------------------------------------------------------------------------------------


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
    folded = stats.get("folded") or {}
    folds = []
    if folded.get("duplicates"):
        folds.append(f"{folded['duplicates']} 份重复副本")
    if folded.get("versions"):
        folds.append(f"{folded['versions']} 份旧版本")
    # One meeting, one record: copies and earlier versions stay listed but are not cited.
    fold_note = f" · 已合并{'、'.join(folds)}（不再引用）" if folds else ""
    return (
        f'<div class="qa-status">资料库：{stats["documents"]} 份纪要 · {len(regions)} 个地区（{_e(shown)}）'
        f" · {_e(dates)}{_e(fold_note)}{updating}</div>"
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
                "；".join(notes_of(d)),
            ]
        )
    return rows


def notes_of(document: dict) -> list[str]:
    """A document's notes in the table: folded into another meeting record, then the parser's notes."""
    notes = [folded_note(document["folded"])] if document.get("folded") else []
    return notes + [zh_message(w) for w in document.get("warnings") or []]


def folded_note(folded: dict) -> str:
    """«与 X 重复，不再引用» / «X 的旧版本，不再引用» for a document folded into another (qa.dedupe)."""
    kind = "重复副本" if folded.get("kind") == "duplicate" else "旧版本"
    return f"{kind}（以 {folded.get('of', '')} 为准，不再引用）"


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
        parts.append(f'<div class="qa-bad">✗ {_e(error.path)}：未能加入（{_e(zh_message(error.reason))}）</div>')
    if not parts:
        parts.append('<div class="qa-ok">没有需要更新的内容。</div>')
    return '<div class="qa-report">' + "".join(parts) + "</div>"


def render_error(message: str) -> str:
    return f'<div class="qa-report"><div class="qa-bad">✗ {_e(message)}</div></div>'


# ---------------------------------------------------------------------------------------------
# the Gradio app
# ---------------------------------------------------------------------------------------------

_CHAT_JS = """
element.addEventListener('click', (event) => {
  if (event.target.closest('[data-copy], [data-ask], summary, a[href]:not(.qa-ref)')) return;
  const open = event.target.closest('[data-open-rank]');
  if (open) {
    event.preventDefault();
    trigger('click', {rank: Number(open.dataset.openRank), turn: Number(open.dataset.openTurn ?? -1)});
    return;
  }
  const turn = event.target.closest('.qa-turn');
  if (turn) trigger('click', {turn: Number(turn.dataset.turn)});
});
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
    if (!target) return false;
    document.querySelector('#qa-doc-panel')?.scrollIntoView({block: 'start'});
    target.scrollIntoView({block: 'center'});
    return true;
  };
  let tries = 0;
  const timer = setInterval(() => { if (reveal() || ++tries > 40) clearInterval(timer); }, 50);
}
"""


def _theme():
    # Local fonts only: the default theme would fetch web fonts, and there may be no network.
    fonts = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
    theme = gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=fonts, font_mono=["monospace"])
    # Gradio's own subdued texts (labels, hints, placeholders) at WCAG AA contrast in both themes.
    return theme.set(
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_300",
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_300",
        block_label_text_color="*neutral_700",
        block_label_text_color_dark="*neutral_200",
        block_info_text_color="*neutral_600",
        block_info_text_color_dark="*neutral_300",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_dark="*primary_600",
        button_primary_background_fill_hover_dark="*primary_700",
        button_primary_text_color="white",
        button_primary_text_color_dark="white",
    )


def _with_view(history: list[dict]) -> list[dict]:
    return history[-MAX_TURNS:]


def build_app(settings: Settings, start_build: bool = True):
    """The Gradio Blocks of the web assistant (launch it with :func:`launch`).

    With no index and ``start_build``, a first build from ``settings.source`` starts in the
    background; the page shows its progress and answers once it is done.
    """
    core = WebAssistant(settings)
    if start_build:
        core.start_first_build()
    export_dir = Path(tempfile.mkdtemp(prefix="qa-export-"))
    download_dir = Path(tempfile.mkdtemp(prefix="qa-original-"))

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
        # This browser's conversation, kept in its localStorage: a reload or Back keeps it.
        turns = gr.BrowserState([], storage_key="qa-conversation")
        shown = gr.State(-1)  # which turn's citations the side column shows
        doc_ids = gr.State([])  # doc ids in the order of the 资料库 table's rows

        with gr.Row(equal_height=False, elem_id="qa-top"):
            gr.Markdown(
                "# 纪要问答\n政府常务会议纪要问答：每个答案都注明出自哪次会议、哪个议题、哪句原文。", elem_id="qa-title"
            )
            status = gr.HTML(render_status(core.status()), elem_id="qa-status", js_on_load=None)
        timer = gr.Timer(1.0, active=core.building())

        with gr.Tabs(elem_id="qa-tabs"):
            with gr.Tab("问答", id="ask", elem_id="qa-tab-ask"):
                with gr.Row(equal_height=True, elem_id="qa-ask-row"):
                    question = gr.Textbox(
                        placeholder="输入问题，回车提问；追问可以只说「那太仓呢？」",
                        show_label=False,
                        lines=1,
                        max_lines=3,
                        scale=6,
                        min_width=150,
                        elem_id="qa-question",
                    )
                    send = gr.Button("提问", variant="primary", scale=0, min_width=64, elem_id="qa-send")
                    new_chat = gr.Button("新对话", scale=0, min_width=72, elem_id="qa-new-chat")
                with (
                    gr.Accordion(filter_label(None, None, None), open=False, elem_id="qa-filters-box") as filters_box,
                    gr.Row(equal_height=False, elem_id="qa-filter-row"),
                ):
                    regions = gr.Dropdown(
                        choices=core.regions(),
                        multiselect=True,
                        label="地区（可多选）",
                        scale=3,
                        min_width=160,
                        elem_id="qa-regions",
                    )
                    date_from = gr.Textbox(
                        label="起始日期",
                        placeholder="如 2024-12-01 或 2024年12月1日",
                        max_lines=1,
                        scale=2,
                        min_width=140,
                        elem_id="qa-date-from",
                    )
                    date_to = gr.Textbox(
                        label="截止日期",
                        placeholder="如 2024-12-31",
                        max_lines=1,
                        scale=2,
                        min_width=140,
                        elem_id="qa-date-to",
                    )
                    clear_filters = gr.Button("清除筛选", size="sm", scale=0, min_width=80, elem_id="qa-clear-filters")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=340):
                        chat = gr.HTML(render_chat([], examples=EXAMPLES), elem_id="qa-chat", js_on_load=_CHAT_JS)
                    with gr.Column(scale=2, min_width=340, elem_id="qa-side"):
                        cards = gr.HTML(render_cards(None), elem_id="qa-side-cards", js_on_load=_CARDS_JS)
                        with gr.Row(visible=False, elem_id="qa-export") as export_row:
                            export_csv = gr.DownloadButton("导出 CSV", size="sm", elem_id="qa-export-csv")
                            export_docx = gr.DownloadButton("导出 Word", size="sm", elem_id="qa-export-docx")
                with gr.Column(visible=False, elem_id="qa-doc-panel") as doc_panel:
                    with gr.Row():
                        gr.Markdown("### 原文")
                        download = gr.DownloadButton(
                            "下载原件", size="sm", scale=0, visible=False, elem_id="qa-download"
                        )
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
                writable = not core.read_only
                if core.read_only:
                    gr.Markdown("**只读模式**：这里可以查看和提问，不能上传、删除或重建。", elem_id="qa-read-only")
                admin = gr.Textbox(
                    label="管理口令（上传、删除、重建需要）",
                    type="password",
                    visible=writable and core.needs_token,
                    max_lines=1,
                    elem_id="qa-admin-token",
                )
                with gr.Row(equal_height=False, elem_id="qa-kb-actions", visible=writable):
                    chosen = gr.Dropdown(label="选中的纪要", choices=[], scale=4, elem_id="qa-doc-choice")
                    delete = gr.Button("删除这份纪要", variant="stop", scale=1, elem_id="qa-delete")
                    rebuild = gr.Button("重建整个索引", scale=1, elem_id="qa-rebuild")
                with gr.Row(visible=False) as confirm_row:
                    confirm_text = gr.Markdown()
                    confirm_yes = gr.Button("确认", variant="stop", scale=0, elem_id="qa-confirm")
                    confirm_no = gr.Button("取消", scale=0)
                pending = gr.State("")  # "delete:<doc_id>" or "rebuild" while waiting for 确认
                kb_result = gr.HTML("", elem_id="qa-kb-result", js_on_load=None)
                with gr.Column(visible=writable, elem_id="qa-upload-box"):
                    gr.Markdown(
                        "### 上传纪要\n支持 .txt .md .docx .pdf（含扫描件）.html .ofd .doc .wps .rtf .odt"
                        "，可一次选多个文件。先看解析结果，再加入资料库；"
                        "无法读取的文件会单独列出，其余文件照常加入。加入过程中仍可提问（答案来自更新前的资料库）。"
                    )
                    upload = gr.File(
                        file_count="multiple",
                        file_types=UPLOAD_TYPES,
                        type="filepath",
                        label="选择文件",
                        elem_id="qa-upload",
                    )
                    with gr.Row(equal_height=True):
                        preview_note = gr.Markdown("", elem_id="qa-preview-note")
                        add = gr.Button("加入资料库", variant="primary", interactive=False, scale=0, elem_id="qa-add")
                    add_result = gr.HTML("", elem_id="qa-add-result", js_on_load=None)
                    parsed = gr.State([])  # the preview's rows as parsed, to tell the corrections apart
                    preview = gr.Dataframe(
                        headers=PREVIEW_HEADERS,
                        value=[],
                        type="array",
                        interactive=True,
                        static_columns=[i for i in range(len(PREVIEW_HEADERS)) if i not in PREVIEW_EDITABLE],
                        wrap=True,
                        max_height=360,
                        column_widths=["16%", "9%", "20%", "6%", "10%", "9%", "6%", "24%"],
                        label="解析预览（地区、次数、日期、主持可改正）",
                        visible=False,
                        elem_id="qa-preview",
                    )

        # ---- 问答 ----------------------------------------------------------------------------

        def export_updates(turn: dict | None):
            """The export buttons for a turn: shown for answers with several cited meetings or lists."""
            if not turn or not core.exportable(turn):
                return gr.Row(visible=False), gr.skip(), gr.skip()
            csv_path, docx_path = core.export(turn, export_dir)
            return gr.Row(visible=True), gr.DownloadButton(value=str(csv_path)), gr.DownloadButton(value=str(docx_path))

        def on_ask(text, history, regions_value, start, end):
            text = (text or "").strip()
            if not text:
                return (gr.skip(),) * 8
            history = list(history or [])
            previous = next(
                (t.get("interpreted_as") or t["question"] for t in reversed(history) if not t.get("error")), None
            )
            try:
                turn = core.answer_turn(text, regions_value, start, end, previous=previous)
            except UserError as exc:
                turn = {"question": text, "answer": str(exc), "found": False, "citations": [], "error": True}
            except Exception as exc:
                turn = {"question": text, "answer": _unexpected(exc), "found": False, "citations": [], "error": True}
            history = _with_view([*history, turn])
            index = len(history) - 1
            return (
                "",
                render_chat(history, index, EXAMPLES),
                history,
                index,
                render_cards(turn, index + 1),
                *export_updates(turn),
            )

        ask_outputs = [question, chat, turns, shown, cards, export_row, export_csv, export_docx]
        ask_inputs = [question, turns, regions, date_from, date_to]
        def on_llm(history):
            """The generated answer under the latest bubble, streamed as its quotes are verified."""
            history = list(history or [])
            if not history or "llm_key" not in history[-1]:
                yield gr.skip(), gr.skip()  # a generator that yields nothing would blank its outputs
                return
            index = len(history) - 1
            for turn in core.llm_stream(history[-1]):
                history[-1] = turn
                yield render_chat(history, index, EXAMPLES), history

        for trigger in (question.submit, send.click):
            event = trigger(on_ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=8)
            if core.llm_enabled():  # only with an endpoint configured (QA_LLM_BASE_URL, QA_LLM_MODEL)
                event.then(on_llm, [turns], [chat, turns], api_visibility="private", concurrency_limit=4)

        def on_new_chat():
            return (
                [],
                render_chat([], None, EXAMPLES),
                -1,
                render_cards(None),
                gr.Column(visible=False),
                "",
                gr.Row(visible=False),
            )

        new_chat.click(
            on_new_chat,
            None,
            [turns, chat, shown, cards, doc_panel, question, export_row],
            api_visibility="private",
            queue=False,
        ).then(None, None, None, js="() => { history.replaceState(null, '', location.pathname); }")

        def open_document(history, number: int, rank: int):
            if not history:
                return gr.skip(), gr.skip(), gr.skip()
            turn = history[number if 0 <= number < len(history) else -1]
            citation = next((c for c in turn.get("citations", []) if int(c["rank"]) == int(rank)), None)
            if citation is None:
                return gr.skip(), gr.skip(), gr.skip()
            document = core.document(citation["doc_id"])
            heading = (citation.get("view") or {}).get("heading")
            original = core.original_path(document) if document else None
            if original is not None:
                original = _offered_copy(original, download_dir)
            button = (
                gr.DownloadButton(value=str(original), visible=True) if original else gr.DownloadButton(visible=False)
            )
            return gr.Column(visible=True), render_document(document, citation, heading), button

        def on_chat_click(history, current, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            history = history or []
            number = data.get("turn") if isinstance(data, dict) else None
            if not isinstance(number, int | float) or not 0 <= int(number) < len(history):
                number = current if 0 <= current < len(history) else len(history) - 1
            number = int(number)
            rank = data.get("rank") if isinstance(data, dict) else None
            if isinstance(rank, int | float) and history:
                return (
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    *open_document(history, number, int(rank)),
                )
            if not history:
                return (gr.skip(),) * 8
            turn = history[number]
            return (number, render_cards(turn, number + 1), *export_updates(turn), gr.skip(), gr.skip(), gr.skip())

        chat_outputs = [shown, cards, export_row, export_csv, export_docx, doc_panel, doc_view, download]
        chat.click(on_chat_click, [turns, shown], chat_outputs, api_visibility="private").then(
            None, None, None, js=_SCROLL_JS
        )

        def on_open(history, index, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            rank = data.get("rank") if isinstance(data, dict) else None
            if not history or not isinstance(rank, int | float):
                return gr.skip(), gr.skip(), gr.skip()
            return open_document(history, index, int(rank))

        cards.click(on_open, [turns, shown], [doc_panel, doc_view, download], api_visibility="private").then(
            None, None, None, js=_SCROLL_JS
        )
        close_doc.click(lambda: gr.Column(visible=False), None, doc_panel, api_visibility="private", queue=False)

        def on_filters(regions_value, start, end):
            set_any = bool(regions_value or (start or "").strip() or (end or "").strip())
            return gr.Accordion(label=filter_label(regions_value, start, end), open=True if set_any else gr.skip())

        for component in (regions, date_from, date_to):
            component.change(
                on_filters,
                [regions, date_from, date_to],
                filters_box,
                api_visibility="private",
                queue=False,
                show_progress="hidden",
            )

        def on_date(value, label):
            """A typed date is understood (rewritten as YYYY-MM-DD) or visibly refused."""
            try:
                iso = _iso_date(value, label)
            except UserError as exc:
                return gr.Textbox(label=f"{label}：无法识别", info=str(exc))
            return gr.Textbox(value=iso or "", label=label, info=None)

        date_from.blur(lambda v: on_date(v, "起始日期"), date_from, date_from, api_visibility="private", queue=False)
        date_to.blur(lambda v: on_date(v, "截止日期"), date_to, date_to, api_visibility="private", queue=False)
        clear_filters.click(
            lambda: (
                gr.Dropdown(value=[]),
                gr.Textbox(value="", label="起始日期", info=None),
                gr.Textbox(value="", label="截止日期", info=None),
            ),
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

        # ---- status, first build, the page's address ------------------------------------------

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

        def on_load(history, request: gr.Request):
            table_value, choice, ids, region_dropdown, status_html = kb_refresh()
            building = core.building()
            history = _with_view([t for t in (history or []) if isinstance(t, dict) and "question" in t])
            params = request.query_params if request is not None else {}
            asked = (params.get("q") or "").strip()[:MAX_QUESTION_CHARS]
            wanted_regions = [r for r in params.getlist("region")] if hasattr(params, "getlist") else []
            start, end = params.get("from") or "", params.get("to") or ""
            known = set(core.regions())
            wanted_regions = [r for r in wanted_regions if r in known]
            last = history[-1] if history else None
            same = last is not None and last.get("question") == asked and url_query(last) == "?" + str(params)
            pending_question = asked if asked and not same else ""
            filters_set = bool(wanted_regions or start or end)
            selected = len(history) - 1
            return (
                status_html,
                gr.Timer(active=building),
                table_value,
                choice,
                ids,
                gr.Dropdown(choices=sorted(known), value=wanted_regions) if asked else region_dropdown,
                render_chat(history, selected, EXAMPLES),
                render_cards(last, selected + 1) if last else render_cards(None),
                selected,
                pending_question,
                gr.Textbox(value=start) if asked else gr.skip(),
                gr.Textbox(value=end) if asked else gr.skip(),
                gr.Accordion(label=filter_label(wanted_regions, start, end), open=True) if filters_set else gr.skip(),
            )

        app.load(
            on_load,
            [turns],
            [
                status,
                timer,
                table,
                chosen,
                doc_ids,
                regions,
                chat,
                cards,
                shown,
                question,
                date_from,
                date_to,
                filters_box,
            ],
            api_visibility="private",
            show_progress="hidden",
        ).then(on_ask, ask_inputs, ask_outputs, api_visibility="private")  # a question in the URL is answered

        # ---- 资料库 ----------------------------------------------------------------------------

        def on_files(paths, token):
            if not paths:
                return "", gr.Dataframe(value=[], visible=False), gr.Button(interactive=False), []
            try:
                core.authorize(token)
            except UserError as exc:
                return f"✗ {exc}", gr.Dataframe(value=[], visible=False), gr.Button(interactive=False), []
            previews = core.preview(paths)
            summary, rows = preview_table(previews)
            ready = any("error" not in p for p in previews)
            return summary, gr.Dataframe(value=rows, visible=True), gr.Button(interactive=ready), rows

        upload.change(on_files, [upload, admin], [preview_note, preview, add, parsed], api_visibility="private")

        def on_add(paths, token, edited, parsed_rows, progress=gr.Progress()):  # noqa: B008 (Gradio's progress bar)
            def notify(p: Progress) -> None:
                progress(p.fraction if p.total else None, desc=p.describe())

            try:
                core.authorize(token)
                corrections = core.corrections_from(parsed_rows or [], _table_rows(edited))
                report = core.add(paths or [], notify, corrections)
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
            [upload, admin, preview, parsed],
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

        def ask_confirm(action: str, doc_id: str | None, token: str | None):
            try:
                core.authorize(token)
            except UserError as exc:
                return gr.Row(visible=False), "", "", render_error(str(exc))
            if action == "delete":
                if not doc_id:
                    return gr.Row(visible=False), "", "", render_error("请先在表格或下拉框中选中要删除的纪要。")
                message = f"确定从资料库删除 **{_md(doc_id)}** 吗？（只删除索引中的记录，不改动资料文件夹）"
                return gr.Row(visible=True), message, f"delete:{doc_id}", ""
            message = "确定重建整个索引吗？将从资料文件夹重新解析并索引全部纪要（含已上传的文件），可能需要几分钟。"
            return gr.Row(visible=True), message, "rebuild", ""

        confirm_outputs = [confirm_row, confirm_text, pending, kb_result]
        delete.click(
            lambda d, t: ask_confirm("delete", d, t),
            [chosen, admin],
            confirm_outputs,
            api_visibility="private",
            queue=False,
        )
        rebuild.click(
            lambda t: ask_confirm("rebuild", None, t), admin, confirm_outputs, api_visibility="private", queue=False
        )
        confirm_no.click(
            lambda: (gr.Row(visible=False), "", "", ""), None, confirm_outputs, api_visibility="private", queue=False
        )

        def on_confirm(action, token, progress=gr.Progress()):  # noqa: B008
            def notify(p: Progress) -> None:
                progress(p.fraction if p.total else None, desc=p.describe())

            try:
                core.authorize(token)
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
            [pending, admin],
            [confirm_row, kb_result, *kb_outputs],
            show_progress_on=kb_result,
            api_visibility="private",
            concurrency_id="kb-write",
            concurrency_limit=1,
        )
    return app


def _offered_copy(path: Path, folder: Path, keep_seconds: float = 300) -> Path | None:
    """A copy of ``path`` under ``folder`` for the download button.

    Gradio serves only files under its allowed folders, and the source folder may be anywhere.
    Each copy gets a folder of its own (two sessions may ask at once); copies older than
    ``keep_seconds`` are removed, so that no copy of a document deleted since lies around.
    """
    import shutil

    now = time.time()
    for old in folder.iterdir():
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > keep_seconds:
                shutil.rmtree(old, ignore_errors=True)
    target = Path(tempfile.mkdtemp(dir=folder)) / path.name
    try:
        shutil.copy2(path, target)
    except OSError:
        return None
    os.utime(target.parent)  # the folder's age is the copy's age (copy2 keeps the file's own time)
    return target


def _table_rows(value) -> list[list]:
    """A Dataframe's value as a list of rows (Gradio may hand over a list, a dict or a DataFrame)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return list(value.get("data") or [])
    if hasattr(value, "values") and hasattr(value, "columns"):
        return value.values.tolist()
    return [list(row) for row in value]


def _md(text: str) -> str:
    """Text for a Markdown component, shown as the characters it is (no link, emphasis or maths)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>$~])", r"\\\1", html.escape(text))


def launch(
    app, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False, mcp: bool = False
) -> str:
    """Start the server (the theme, CSS and page script are given here, as Gradio 6 wants); returns its URL.

    ``mcp``: also serve the MCP tools of :mod:`qa.mcp` at ``/gradio_api/mcp/``.
    """
    if mcp:
        from qa.mcp import add_gradio_tools

        add_gradio_tools(app, app.qa_core._assistant, app.qa_core.settings)
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
        head=HEAD,
        footer_links=["api"],
        mcp_server=mcp,
    )
    return url or f"http://{host}:{port}/"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def access_warning(settings: Settings, host: str, port: int) -> str | None:
    """The warning for a server that others can reach and that anyone may change, else None."""
    if is_loopback(host) or settings.read_only or settings.admin_token:
        return None
    return (
        f"qa: warning: serving on {host} without --read-only or QA_ADMIN_TOKEN: anyone who can reach "
        f"port {port} can upload, delete and rebuild the library"
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, mcp: bool = False) -> int:
    """Run the web assistant until interrupted (``qa serve`` and ``python app.py``); returns the exit status."""
    import sys

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network calls home
    warning = access_warning(settings, host, port)
    if warning:
        print(warning, file=sys.stderr)
    app = build_app(settings)
    core: WebAssistant = app.qa_core  # type: ignore[attr-defined]
    if core.building():
        print(f"qa: no index at {settings.index}: building one from {settings.source} (progress on the page)")
    try:
        launch(app, host, port, block=True, mcp=mcp)
    except OSError as exc:
        print(f"qa: cannot serve on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    return 0


# Renderers that callers (tests, embedding apps) import from qa.web.
__all__ = [
    "EXAMPLES",
    "Progress",
    "UserError",
    "WebAssistant",
    "build_app",
    "launch",
    "meeting_name",
    "render_cards",
    "render_chat",
    "render_document",
    "serve",
]
