"""MCP tools (qa/mcp.py): the mcp SDK's own client lists and calls them over stdio (`qa mcp`) and over
loopback HTTP (the web app's Gradio endpoint); every result is JSON whose quotes hold at their spans."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sys

import pytest
from conftest import ROOT, settings_for

TOOLS = {"search_minutes", "ask", "get_document"}
QUESTION = "姑苏区碳达峰方案何时审议"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _exercise(session) -> dict:
    """List the tools and call each once; returns the parsed JSON results (and the listing)."""
    await session.initialize()
    listed = await session.list_tools()
    out: dict = {"tools": {t.name: t for t in listed.tools}}
    for name, arguments in (
        ("search_minutes", {"question": QUESTION, "k": 3}),
        ("ask", {"question": QUESTION}),
        ("search_minutes", {"question": "碳达峰", "date_from": "2024-13-01"}),
        ("filtered", {"question": "安全生产", "regions": ["太仓市"], "date_from": "2023-01-01", "k": 2}),
    ):
        name, key = ("search_minutes", "filtered") if name == "filtered" else (name, name)
        result = await session.call_tool(name, arguments)
        key = key if not result.isError else f"{name}-error"
        out[key] = json.loads(result.content[0].text) if not result.isError else result.content[0].text
    doc_id = out["ask"]["citations"][0]["doc_id"]
    for key, arguments in (
        ("document", {"doc_id": doc_id}),
        ("item", {"doc_id": doc_id, "item_id": out["search_minutes"]["results"][0]["item_id"]}),
        ("missing", {"doc_id": "no-such.txt"}),
    ):
        result = await session.call_tool("get_document", arguments)
        out[key] = result.content[0].text if result.isError else json.loads(result.content[0].text)
    return out


def _check(out: dict, reader) -> None:
    assert set(out["tools"]) >= TOOLS, out["tools"].keys()
    assert "question" in out["tools"]["ask"].inputSchema["properties"]
    search = out["search_minutes"]
    assert 1 <= len(search["results"]) <= 3 and search["results"][0]["rank"] == 1
    for hit in search["results"]:
        text = reader.document(hit["doc_id"])["text"]
        assert text[slice(*hit["span"])] == hit["sentence"]
        assert text[slice(*hit["text_span"])] == hit["text"]
    answer = out["ask"]
    assert answer["found"] and "碳达峰" in answer["answer"]
    for citation in answer["citations"]:
        assert reader.document(citation["doc_id"])["text"][slice(*citation["span"])] == citation["sentence"]
    filtered = out["filtered"]
    assert filtered["filters"]["regions"] == ["太仓市"] and 1 <= len(filtered["results"]) <= 2
    assert all(r["region"] == "太仓市" and r["date"] >= "2023-01-01" for r in filtered["results"])
    assert "date_from" in out["search_minutes-error"] and "YYYY-MM-DD" in out["search_minutes-error"]
    document = out["document"]
    assert document["metadata"]["date"] and "doc_number" in document["metadata"]
    assert document["items"][0]["item_id"] == f"{document['doc_id']}:0"
    assert document["text"] == reader.document(document["doc_id"])["text"]
    item = out["item"]
    assert item["item"]["item_id"] == re.sub(r"\.\d+$", "", search["results"][0]["item_id"])  # a part's item
    assert search["results"][0]["text"] in item["text"]  # the chunk is (part of) that item
    assert "no document 'no-such.txt'" in out["missing"]


@pytest.mark.slow
def test_tools_in_process(sample_assistant):
    from qa.mcp import MinutesTools, ToolError

    tools = MinutesTools(lambda: sample_assistant)
    answer = tools.ask(QUESTION)
    assert answer == sample_assistant.ask(QUESTION).to_dict()  # exactly the object of `qa ask --json`
    assert json.loads(json.dumps(tools.search_minutes(QUESTION, regions="姑苏区")))["filters"]["regions"] == ["姑苏区"]
    doc_id = answer["citations"][0]["doc_id"]
    assert tools.get_document(doc_id, 0)["item"]["kind"] == "overview"
    for call in (
        lambda: tools.search_minutes(" "),
        lambda: tools.get_document(doc_id, 999),
        lambda: tools.get_document(doc_id, "other.txt:1"),
        lambda: tools.ask(QUESTION, meeting_number=0),
    ):
        with pytest.raises(ToolError):
            call()


@pytest.mark.slow
def test_stdio_server_lists_and_calls_the_three_tools(sample_index, sample_assistant):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_LLM_")}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "qa.cli", "mcp", "--index", str(sample_index)], env=env, cwd=str(ROOT)
    )

    async def run():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            return await _exercise(session)

    out = asyncio.run(asyncio.wait_for(run(), 240))
    assert set(out["tools"]) == TOOLS
    assert all(t.annotations.readOnlyHint for t in out["tools"].values())
    _check(out, sample_assistant.reader)


def test_stdio_server_without_index_is_one_line(tmp_path):
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "mcp", "--index", str(tmp_path / "none")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "none" in result.stderr


@pytest.mark.slow
def test_web_app_mcp_endpoint_over_loopback_http(sample_index, sample_assistant):
    from gradio_client import Client
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    from qa.web import build_app, launch

    app = build_app(settings_for(sample_index), start_build=False)
    url = launch(app, "127.0.0.1", _free_port(), block=False, quiet=True, mcp=True)
    try:

        async def run():
            endpoint = url.rstrip("/") + "/gradio_api/mcp/"
            async with streamable_http_client(endpoint) as (read, write, _), ClientSession(read, write) as session:
                return await _exercise(session)

        out = asyncio.run(asyncio.wait_for(run(), 240))
        assert set(out["tools"]) == TOOLS  # the page's own /ask (a dict for gradio_client) is not listed
        _check(out, sample_assistant.reader)
        # The page's API endpoint is unchanged by the MCP tools.
        data = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        assert data["citations"] and data["answer"] == out["ask"]["answer"]
    finally:
        app.close()
