"""The library as MCP tools, for assistants and editors: ``search_minutes``, ``ask``, ``get_document``.

Two ways in, the same three read-only tools, each returning a JSON object:

* ``qa mcp``: an MCP server over stdio (the ``mcp`` SDK's FastMCP), for desktop assistants;
* the web app's endpoint ``http://127.0.0.1:7860/gradio_api/mcp/`` (Gradio's own MCP server,
  ``launch(mcp_server=True)``, enabled by ``qa serve --mcp``): :func:`add_gradio_tools` registers them.

Nothing here writes to the index. Tools answer from the live index generation (a :class:`LiveAssistant`
follows builds and updates), so a long-running server never serves stale answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qa.query import Filters

if TYPE_CHECKING:
    from qa.api import Assistant
    from qa.config import Settings

SERVER_NAME = "minutes-qa"
MAX_K = 50
MAX_QUESTION_CHARS = 500

_ITEM_ID = re.compile(r"^(?P<doc>.+):(?P<item>\d+)(?:\.\d+)?$")


class ToolError(ValueError):
    """A tool call with bad arguments or no usable index; the message is one line for the caller."""


def _filters(
    regions: list[str] | str | None, date_from: str | None, date_to: str | None, meeting_number: int | None
) -> Filters | None:
    from datetime import date

    if isinstance(regions, str):
        regions = [r for r in re.split(r"[,，、\s]+", regions) if r]
    dates = []
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value:
            try:
                value = date.fromisoformat(str(value).strip()).isoformat()
            except ValueError:
                raise ToolError(f"{name}: '{value}' is not a date in the form YYYY-MM-DD") from None
        dates.append(value or None)
    if meeting_number is not None and (not isinstance(meeting_number, int) or meeting_number < 1):
        raise ToolError(f"meeting_number: '{meeting_number}' is not a positive whole number")
    chosen = [r for r in regions or [] if r]
    if not (chosen or dates[0] or dates[1] or meeting_number):
        return None
    return Filters(regions=chosen, date_from=dates[0], date_to=dates[1], meeting_number=meeting_number)


def _question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise ToolError("question: empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise ToolError(f"question: longer than {MAX_QUESTION_CHARS} characters")
    return question


def _k(k: int, default: int) -> int:
    if k is None:
        return default
    if not isinstance(k, int) or k < 1:
        raise ToolError(f"k: '{k}' is not a positive whole number")
    return min(k, MAX_K)


class MinutesTools:
    """The three tools as plain methods over an assistant (no MCP here): each returns a JSON-ready dict.

    ``assistant`` is called for every request, so that the live index generation answers
    (``LiveAssistant(settings).get``, or the web app's own).
    """

    def __init__(self, assistant: Callable[[], Assistant], llm: Any = None):
        self._assistant = assistant
        self.llm = llm  # an optional qa.llm.LLMAnswerer: ask() then adds its verified answer

    def search_minutes(
        self,
        question: str,
        regions: list[str] | str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        meeting_number: int | None = None,
        k: int = 10,
    ) -> dict:
        """Ranked passages of the minutes for a question, each with its supporting sentence and exact span."""
        question = _question(question)
        filters = _filters(regions, date_from, date_to, meeting_number)
        assistant = self._assistant()
        query = assistant.searcher.understand(question, filters)
        hits = assistant.searcher.search(query, k=_k(k, 10))
        results = []
        # The quoted sentence is chosen as the answers choose theirs (meaning and words).
        for hit, citation in zip(hits, assistant.answerer.cite_hits(query, hits), strict=True):
            chunk = hit.chunk
            results.append(
                {
                    "rank": citation.rank,
                    "score": round(hit.score, 4),
                    "doc_id": chunk.doc_id,
                    "item_id": chunk.chunk_id,
                    "source": chunk.source,
                    "region": chunk.region,
                    "meeting": chunk.meeting,
                    "meeting_number": chunk.meeting_number,
                    "date": chunk.date,
                    "item": chunk.heading,
                    "kind": chunk.kind,
                    "text": chunk.text,
                    "text_span": [chunk.start, chunk.end],
                    "sentence": citation.sentence,
                    "span": list(citation.span),
                }
            )
        return {"question": question, "filters": query.filters.to_dict(), "results": results}

    def ask(
        self,
        question: str,
        regions: list[str] | str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        meeting_number: int | None = None,
        previous: str | None = None,
        k: int = 5,
    ) -> dict:
        """The cited extractive answer: the object of ``qa ask --json`` (plus ``llm`` when configured)."""
        question = _question(question)
        filters = _filters(regions, date_from, date_to, meeting_number)
        assistant = self._assistant()
        answer = assistant.ask(question, k=_k(k, 5), filters=filters, previous=(previous or "").strip() or None)
        data = answer.to_dict()
        if self.llm is not None:
            data["llm"] = self.llm.answer(answer, assistant.reader.document).to_dict()
        return data

    def get_document(self, doc_id: str, item_id: str | int | None = None) -> dict:
        """A document's metadata, agenda items and original text; or, with ``item_id``, one item."""
        doc_id = (doc_id or "").strip()
        if isinstance(item_id, str) and not item_id.strip():
            item_id = None
        if not doc_id and isinstance(item_id, str) and _ITEM_ID.match(item_id):
            doc_id = _ITEM_ID.match(item_id).group("doc")
        if not doc_id:
            raise ToolError("doc_id: empty")
        reader = self._assistant().reader
        document = reader.document(doc_id)
        if document is None:
            raise ToolError(f"doc_id: no document '{doc_id}' in the index")
        meeting = document["meeting"]
        items = [{"item_id": f"{doc_id}:{i}", "index": i, **item} for i, item in enumerate(meeting.get("items", []))]
        metadata = {k: v for k, v in meeting.items() if k != "items"}
        if item_id is None:
            return {"doc_id": doc_id, "metadata": metadata, "items": items, "text": document["text"]}
        index = _item_index(item_id, doc_id)
        if not 0 <= index < len(items):
            raise ToolError(
                f"item_id: '{item_id}' is not an item of {doc_id} (it has {len(items)}: 0 … {len(items) - 1})"
            )
        item = items[index]
        return {
            "doc_id": doc_id,
            "source": document["source"],
            "region": meeting.get("region"),
            "meeting": meeting.get("meeting"),
            "date": meeting.get("date"),
            "item": item,
            "text": document["text"][item["start"] : item["end"]],
        }


def _item_index(item_id: str | int, doc_id: str) -> int:
    if isinstance(item_id, int):
        return item_id
    text = str(item_id).strip()
    if text.isdigit():
        return int(text)
    match = _ITEM_ID.match(text)
    if not match or match.group("doc") != doc_id:
        raise ToolError(f"item_id: '{item_id}' is not an item of {doc_id} (expected {doc_id}:N or N)")
    return int(match.group("item"))


# ---------------------------------------------------------------------------------------------
# tool descriptions (shared by both servers)
# ---------------------------------------------------------------------------------------------

_FILTER_ARGS = """
        regions: only minutes of these regions, e.g. ["姑苏区"] (as named in the index)
        date_from: only meetings on or after this date (YYYY-MM-DD)
        date_to: only meetings on or before this date (YYYY-MM-DD)
        meeting_number: only the meeting with this number (第N次)"""

SEARCH_DOC = (
    """Search Chinese local-government executive-meeting minutes (政府常务会议纪要); ranked passages.

    Each result has the meeting (region, date, number), the agenda item, its original text, the
    sentence that best matches and its character span in the document (exact, quotable).

    Args:
        question: the question or keywords, in Chinese, e.g. 姑苏区碳达峰方案何时审议"""
    + _FILTER_ARGS
    + """
        k: how many passages (default 10, at most 50)
    """
)

ASK_DOC = (
    """Answer a question about the indexed meeting minutes, extractively, with exact citations.

    Returns the answer text (quotes in 「」 with [n] marks), whether it was found, and the citations
    (meeting, date, item, quoted sentence, span in the original document, doc_id).

    Args:
        question: the question in Chinese, e.g. 姑苏区碳达峰方案何时审议"""
    + _FILTER_ARGS
    + """
        previous: the previous question, for follow-ups such as 那太仓呢？
        k: how many citations (default 5)
    """
)

DOCUMENT_DOC = """Get one indexed minutes document: metadata (meeting, date, chair, 文号 …), agenda items and
    the original text; or only one agenda item with item_id.

    Args:
        doc_id: the document id (doc_id of a search_minutes or ask citation), e.g. 000_6d9facc7abbcbe20.txt
        item_id: optional: one item, as "<doc_id>:<index>" (item_id of a search result) or its index
    """


# ---------------------------------------------------------------------------------------------
# stdio: `qa mcp`
# ---------------------------------------------------------------------------------------------


def _tool_functions(tools: MinutesTools, call: Callable[..., Any], returns: type) -> tuple[Callable, ...]:
    """The three tools as plain functions with typed parameters (both MCP servers read the signatures
    to make their input schemas); ``call`` adapts the result and errors to the server."""

    def search_minutes(
        question: str,
        regions: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        meeting_number: int | None = None,
        k: int = 10,
    ):
        return call(tools.search_minutes, question, regions, date_from, date_to, meeting_number, k)

    def ask(
        question: str,
        regions: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        meeting_number: int | None = None,
        previous: str | None = None,
        k: int = 5,
    ):
        return call(tools.ask, question, regions, date_from, date_to, meeting_number, previous, k)

    def get_document(doc_id: str, item_id: str | None = None):
        return call(tools.get_document, doc_id, item_id)

    functions = (search_minutes, ask, get_document)
    for fn, doc in zip(functions, (SEARCH_DOC, ASK_DOC, DOCUMENT_DOC), strict=True):
        fn.__doc__ = doc
        fn.__annotations__["return"] = returns
    return functions


def build_stdio_server(tools: MinutesTools):
    """A FastMCP server with the three tools (returning JSON objects, as text and structured content)."""
    from mcp.server.fastmcp import FastMCP
    from mcp.types import ToolAnnotations

    server = FastMCP(
        SERVER_NAME,
        instructions="Read-only search and cited answers over government meeting minutes.",
        log_level="WARNING",  # not a line per request on the client's stderr
    )
    read_only = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)

    for fn in _tool_functions(tools, _call, dict):
        server.add_tool(fn, name=fn.__name__, description=_summary(fn.__doc__ or ""), annotations=read_only)
    return server


def _summary(doc: str) -> str:
    """The docstring as a tool description (FastMCP takes argument names from the signature)."""
    return re.sub(r"\n {4}", "\n", doc).strip()


def _call(fn: Callable[..., dict], *args) -> dict:
    """Run a tool; bad arguments and index problems become one-line errors for the client."""
    from qa.index.errors import StoreError

    try:
        return fn(*args)
    except (ToolError, StoreError) as exc:
        # FastMCP turns an exception into an isError result carrying its message.
        raise ToolError(str(exc)) from None


def serve_stdio(settings: Settings) -> int:
    """Run ``qa mcp``: the tools over stdio until the client closes it. Returns the exit status."""
    import sys

    from qa.api import LiveAssistant
    from qa.embed import EmbedderError
    from qa.index.errors import StoreError
    from qa.llm import llm_from_settings

    live = LiveAssistant(settings)
    try:
        live.get()  # fail now, in one line, rather than on the first call
    except (StoreError, EmbedderError) as exc:
        print(f"qa: {exc}", file=sys.stderr)
        return 1
    server = build_stdio_server(MinutesTools(live.get, llm=llm_from_settings(settings)))
    server.run("stdio")
    return 0


# ---------------------------------------------------------------------------------------------
# the web app: Gradio's MCP endpoint
# ---------------------------------------------------------------------------------------------


def add_gradio_tools(app, assistant: Callable[[], Assistant], settings: Settings | None = None) -> None:
    """Register the three tools on the web app's Blocks, for ``launch(mcp_server=True)``.

    Gradio's MCP server sends a tool's return value as ``str(value)``: the tools here return JSON
    text, so clients get JSON rather than a Python repr. The page's own ``/ask`` API endpoint
    (a dict, for gradio_client) stays as it is but is kept out of the MCP tool list, where the JSON
    ``ask`` replaces it.
    """
    import gradio as gr

    from qa.llm import llm_from_settings

    tools = MinutesTools(assistant, llm=llm_from_settings(settings) if settings else None)

    search_minutes, ask, get_document = _tool_functions(tools, _gradio_call, str)
    _hide_from_mcp(app, "ask")
    with app:
        gr.api(search_minutes, api_name="search_minutes", concurrency_limit=8)
        gr.api(ask, api_name="mcp_ask", concurrency_limit=8)
        gr.api(get_document, api_name="get_document", concurrency_limit=8)


def _gradio_call(fn: Callable[..., dict], *args) -> str:
    import gradio as gr

    from qa.index.errors import StoreError

    try:
        return json.dumps(fn(*args), ensure_ascii=False)
    except (ToolError, StoreError) as exc:
        raise gr.Error(str(exc)) from None
    except Exception as exc:  # e.g. the web app's «index is still building» sentence
        raise gr.Error(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__) from None


def _hide_from_mcp(app, api_name: str) -> None:
    """Keep an existing API endpoint out of the MCP tool list (Gradio names tools by function name).

    The endpoint's function is replaced by a same-behaving wrapper under another name, marked as a
    non-tool, so that the MCP tool of that name is ours. Its API behaviour is unchanged.
    """
    import functools

    for block_fn in app.fns.values():
        if block_fn.api_name == api_name and block_fn.fn is not None:
            original = block_fn.fn

            @functools.wraps(original)
            def wrapper(*args, __original=original, **kwargs):
                return __original(*args, **kwargs)

            wrapper.__name__ = f"{api_name}_api"
            wrapper._mcp_type = "api"  # type: ignore[attr-defined]  # list_tools lists only "tool"
            block_fn.fn = wrapper


__all__ = ["MinutesTools", "ToolError", "add_gradio_tools", "build_stdio_server", "serve_stdio"]
