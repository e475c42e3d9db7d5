"""The web assistant's core: what the page asks of the library, as plain methods (no Gradio here).

One :class:`WebAssistant` serves every browser session: questions (``ask``, the chat's
``answer_turn`` with its notices and follow-up check, the optional generated answer), the
documents they cite, export, and the 资料库 tab's changes (preview, add, delete, rebuild), which
go through :class:`qa.library.Library`, the policy shared with the command line, and are refused
in read-only mode or without the admin token. :mod:`qa.web.app` wires these methods to the page.
"""

from __future__ import annotations

import contextlib
import copy
import hmac
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from qa.api import MAX_QUESTION_CHARS, Assistant, InputError, LiveAssistant, embedder_for, live_manifest, open_writer
from qa.config import Settings
from qa.embed import EmbedderError
from qa.index.errors import StoreError
from qa.index.manifest import read_live
from qa.index.writer import IndexWriter, WriteReport
from qa.ingest import FileError
from qa.library import Library, upload_name
from qa.web.excerpt import citation_view
from qa.web.inputs import filter_notices, iso_date, topic_terms
from qa.web.messages import UserError, one_line, store_message
from qa.web.progress import Progress
from qa.web.render import citation_role, filter_note

CITATIONS = 5  # citations per answer
PREVIEW_HEADERS = ["文件", "地区", "会议", "次数", "日期", "主持", "议题数", "解析结果"]
PREVIEW_EDITABLE = {1: "region", 3: "meeting_number", 4: "date", 5: "chair"}  # column → meeting field


class WebAssistant:
    """What the web app does, as plain methods: ask, list, preview, add, delete, rebuild.

    One instance serves every browser session. Reads go through a :class:`LiveAssistant`, which
    follows the index's CURRENT pointer; writes are serialised by a lock (and, across processes,
    by the store's own writer lock).
    """

    def __init__(self, settings: Settings, temp_root: Path | str | None = None):
        """``temp_root``: the folder the page's uploads arrive in (Gradio's upload folder); the
        temporary copies there of a document's files are removed when the document is deleted."""
        self.settings = settings
        self.index_dir = Path(settings.index)
        self.library = Library(self.index_dir)  # keeps uploaded originals (qa.library: the shared policy)
        self.uploads_dir = self.library.uploads_dir
        self.temp_root = Path(temp_root).resolve() if temp_root is not None else None
        self._temp_copies: dict[str, set[str]] = {}  # document → temporary upload files under temp_root
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
            return {"state": "error", "message": f"索引无法读取：{one_line(exc)}"}
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
                self._build_error = one_line(exc)

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

    def live_assistant(self) -> Assistant:
        """The assistant over the live index (cheap: no stats).

        Raises:
            UserError: the first build is running, there is no index, or it cannot be read.
        """
        if self.building():
            progress = self._progress or Progress(task="首次建立索引")
            raise UserError(f"资料库正在建立索引（{progress.describe()}），请稍后再问。")
        if not self.has_index():
            status = self.status()
            raise UserError(status["message"])
        try:
            return self.live.get()
        except Exception as exc:  # a damaged index must show as a sentence, not a traceback
            raise UserError(f"索引无法读取：{one_line(exc)}") from None

    # ---- asking -----------------------------------------------------------------------------

    def regions(self) -> list[str]:
        """Regions in the live index (for the filter's choices); empty without an index."""
        try:
            return self.live_assistant().reader.regions()
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
        start, end = iso_date(date_from, "起始日期"), iso_date(date_to, "截止日期")
        if start and end and start > end:
            raise UserError("起始日期晚于截止日期。")
        filters = None
        if chosen or start or end or meeting_number:
            filters = Filters(regions=chosen, date_from=start, date_to=end, meeting_number=meeting_number or None)
        if isinstance(previous, str | None):  # anything else: refused by qa.api's checks below
            previous = (previous or "").strip() or None
        if isinstance(previous, str) and len(previous) > MAX_QUESTION_CHARS:
            raise UserError(f"上一个问题（previous）太长了：最多 {MAX_QUESTION_CHARS} 个字。")
        assistant = self.live_assistant()
        try:
            return assistant.ask(question, k=k, filters=filters, previous=previous).to_dict()
        except InputError as exc:  # qa.api's limits (previous, filters): the Chinese sentence
            raise UserError(exc.zh) from None

    def document(self, doc_id: str) -> dict | None:
        """A document's text and metadata from the live index (None if it is no longer there)."""
        try:
            return self.live_assistant().reader.document(doc_id)
        except UserError:
            return None

    def prepare(self, answer: dict) -> dict:
        """Add to each citation what its card shows (``citation["view"]``, see :func:`qa.web.excerpt.citation_view`)."""
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
        start, end = iso_date(date_from, "起始日期"), iso_date(date_to, "截止日期")
        turn["ui"] = {"regions": chosen, "from": start or "", "to": end or ""}
        turn["ui_filters"] = filter_note(chosen, start, end)
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
        assistant = self.live_assistant()
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
        from qa.web.export import export_turn

        return export_turn(turn, folder, self.document)

    def original_path(self, document: dict) -> Path | None:
        """The kept original file of an indexed document (an upload or a file of the source folder)."""
        manifest = live_manifest(self.settings)
        built_from = [manifest.source] if manifest is not None and manifest.source else []
        return self.library.original(str(document.get("source") or ""), [*built_from, self.settings.source])

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
            return self.live_assistant().reader.documents()
        except UserError:
            return []

    def preview(self, paths: Sequence[str | Path]) -> list[dict]:
        """Parse uploaded files without indexing: one ``{"name", "meeting"|"error", "replaces"}`` each."""
        known = {d["doc_id"] for d in self.documents()}
        readable, out = [], {}
        for path in paths:
            name = upload_name(path)
            try:
                readable.append((name, Path(path).read_bytes()))
            except OSError as exc:
                reason = f"cannot read file ({exc.strerror or exc})"
                out[name] = {"name": name, "replaces": name in known, "error": reason}
        # Parsed in a child process with a memory ceiling (qa.library): one file cannot take the server down.
        for entry in self.library.preview(readable, known):
            out[entry["name"]] = entry
        return [out[upload_name(p)] for p in paths if upload_name(p) in out]

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
            name = upload_name(path)
            try:
                files[name] = Path(path).read_bytes()  # a name uploaded twice: the last one wins
            except OSError as exc:
                unreadable.append((name, f"cannot read file ({exc.strerror or exc})"))
        if not files and not unreadable:
            raise UserError("请先选择要上传的纪要文件。")

        def write(writer: IndexWriter) -> WriteReport:
            # qa.library keeps the originals and their corrections (and checks each file in a child
            # process first).
            return self.library.add(writer, sorted(files.items()), corrections)

        report = self._write("加入资料库", write, notify) if files else WriteReport()
        report.errors[:0] = [FileError(name, reason) for name, reason in unreadable]
        for path in paths:  # the page's temporary copies, removed when the document is deleted
            self._temp_copies.setdefault(upload_name(path), set()).add(str(path))
        return report

    def delete(self, doc_id: str) -> WriteReport:
        """Remove one document from the index (and its kept upload, if it was uploaded)."""
        if not doc_id:
            raise UserError("请先选择要删除的纪要。")
        # qa.library removes the kept original and its corrections too.
        report = self._write("删除纪要", lambda writer: self.library.delete(writer, [doc_id]), None)
        # Gradio would still serve its temporary copy of the upload: removed too (only files inside
        # its upload folder; a path given by an API caller is theirs).
        temp_root = self.temp_root
        for temp in self._temp_copies.pop(doc_id, set()):
            path = Path(temp).resolve()
            if temp_root is not None and path.is_relative_to(temp_root) and path != temp_root:
                path.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    if path.parent != temp_root:
                        path.parent.rmdir()  # Gradio's per-file folder, when empty
        return report

    def rebuild(self, notify: Callable[[Progress], None] | None = None, task: str = "重建索引") -> WriteReport:
        """Index the source folder from scratch, then add the kept uploads again."""
        # The same folder `qa index build` reads (a damaged index: the configured folder).
        source = self.library.rebuild_folder(self.settings.source)
        if not source.is_dir():
            raise UserError(f"资料文件夹 {source} 不存在，无法重建索引。")

        def write(writer: IndexWriter) -> WriteReport:
            # One generation holds the folder and the kept uploads: no moment without the uploads.
            # (qa.library: the kept uploads and the corrections kept with them)
            return self.library.build(writer, source)

        return self._write(task, write, notify, fresh=True)

    # ---- corrections made in the upload preview ---------------------------------------------

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
                    fields[key] = iso_date(new, f"{name} 的日期") if new else None
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
                    raise UserError(f"索引无法读取：{one_line(exc)}；请重建索引。") from None
            # FAISS or Milvus: as configured, else as the live index is held (a rebuild keeps it).
            writer = open_writer(
                self.settings,
                embedder_for(self.settings, manifest),
                manifest or live_manifest(self.settings),
                show_progress=False,
                progress=progress.reporter(notify or (lambda _p: None)),
            )
            report = operation(writer)
            self._build_error = None
            return report
        except StoreError as exc:
            raise UserError(store_message(exc)) from None
        except EmbedderError as exc:
            raise UserError(f"无法加载向量模型：{one_line(exc)}") from None
        finally:
            self._progress = None
            self._write_lock.release()
