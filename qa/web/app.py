"""The Gradio wiring of the web assistant: components, events and the queue, nothing else.

Two tabs, both thin layers over the library:

* 问答 — the question box on top, the conversation under it (our own HTML, see
  :mod:`qa.web.render`): each answer with [n] links to its cards, the cited cards under 「答案依据」
  and the other passages folded under 「其他相关纪要（n）」, 「查看原文」 opening the whole document at
  the cited sentence. Filters folded into one line, notices where the question and the filters
  disagree, follow-ups («那太仓呢？») checked against their topic, copy and CSV/Word export, the
  conversation kept in the browser and the question in the address.
* 资料库 — the indexed documents, upload with an editable parse preview and a progress bar with
  the time left, delete, rebuild; refused in read-only mode or without the admin token.

The question-answering function is also the API endpoint ``/ask``: it returns exactly the JSON
object of ``qa ask --json``. What each event does is a method of
:class:`qa.web.assistant.WebAssistant`; what it shows, a function of :mod:`qa.web.render`; the
page's script and styles are files in ``qa/web/static`` (:mod:`qa.web.assets`).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import tempfile
import time
from pathlib import Path

import gradio as gr

from qa.api import MAX_QUESTION_CHARS
from qa.config import Settings
from qa.web.assets import static_text
from qa.web.assistant import PREVIEW_EDITABLE, PREVIEW_HEADERS, WebAssistant
from qa.web.inputs import iso_date
from qa.web.messages import UserError, unexpected
from qa.web.progress import Progress
from qa.web.render import (
    document_label,
    document_rows,
    filter_label,
    preview_table,
    render_cards,
    render_chat,
    render_document,
    render_error,
    render_report,
    render_status,
    url_query,
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
MAX_TURNS = 20  # a conversation kept in the browser holds at most this many answers


def _last_turns(history: list[dict]) -> list[dict]:
    """The turns a browser keeps (the newest :data:`MAX_TURNS`)."""
    return history[-MAX_TURNS:]


def build_app(settings: Settings, start_build: bool = True):
    """The Gradio Blocks of the web assistant (launch it with :func:`qa.web.server.launch`).

    With no index and ``start_build``, a first build from ``settings.source`` starts in the
    background; the page shows its progress and answers once it is done.
    """
    core = WebAssistant(settings, temp_root=gr.utils.get_upload_folder())
    if start_build:
        core.start_first_build()
    export_dir = Path(tempfile.mkdtemp(prefix="qa-export-"))
    download_dir = Path(tempfile.mkdtemp(prefix="qa-original-"))
    scroll_js = static_text("scroll.js")  # the opened document scrolled to the cited sentence

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
                        chat = gr.HTML(
                            render_chat([], examples=EXAMPLES), elem_id="qa-chat", js_on_load=static_text("chat.js")
                        )
                    with gr.Column(scale=2, min_width=340, elem_id="qa-side"):
                        cards = gr.HTML(render_cards(None), elem_id="qa-side-cards", js_on_load=static_text("cards.js"))
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
                turn = {"question": text, "answer": unexpected(exc), "found": False, "citations": [], "error": True}
            history = _last_turns([*history, turn])
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
            None, None, None, js=scroll_js
        )

        def on_open(history, index, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            rank = data.get("rank") if isinstance(data, dict) else None
            if not history or not isinstance(rank, int | float):
                return gr.skip(), gr.skip(), gr.skip()
            return open_document(history, index, int(rank))

        cards.click(on_open, [turns, shown], [doc_panel, doc_view, download], api_visibility="private").then(
            None, None, None, js=scroll_js
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
                iso = iso_date(value, label)
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
                raise gr.Error(unexpected(exc)) from None

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
            history = _last_turns([t for t in (history or []) if isinstance(t, dict) and "question" in t])
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
                return (render_error(unexpected(exc)), gr.skip(), *kb_refresh())
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
                result = render_error(unexpected(exc))
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
