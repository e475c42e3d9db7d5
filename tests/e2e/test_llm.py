"""The optional LLM answer (qa/llm.py) against an OpenAI-compatible stand-in served on 127.0.0.1 by the test.

No model and no network: the stand-in answers from the passages in the prompt it receives, faithfully
or not, as its model name says. Every shown quote must be verified and mapped to its exact span.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import clirun
import pytest
from conftest import sample

from qa.answer import Answer, Citation
from qa.config import Settings, load_settings
from qa.llm import LLMAnswerer, LLMConfig, check, llm_answer_stream, passages_for, verified_prefix
from qa.normalize import normalize

MODELS = {"faithful", "hallucinate", "unknown-ref", "no-quote", "slow"}


def _passages(prompt: str) -> dict[int, str]:
    """The numbered passages of our prompt: «[n] heading» then the passage text."""
    listed = prompt.split("资料：\n", 1)[1].rsplit("\n\n请依据", 1)[0]
    parts = re.split(r"^\[(\d+)\] [^\n]*\n", listed, flags=re.M)
    return {int(n): text.strip() for n, text in zip(parts[1::2], parts[2::2], strict=True)}


def _reply(model: str, prompt: str) -> str:
    passages = _passages(prompt)
    first = passages[min(passages)].splitlines()[0]
    if model == "faithful":
        last = max(passages)
        tail = passages[last].splitlines()[-1]
        return f"根据纪要，「{first[:30]}」[{min(passages)}]。另外，「{tail[-20:]}」[{last}]。"
    if model == "hallucinate":
        n = min(passages)
        return f"「{first[:12]}」[{n}]，并且「会议决定全面取消所有重点项目」[{n}]。"
    if model == "unknown-ref":
        return f"「{first[:12]}」[1]，详见[9]。"
    return "会议研究了相关事项，要求各部门抓紧落实。"  # no-quote


class _StandIn(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"body": request, "auth": self.headers.get("Authorization")})  # type: ignore[attr-defined]
        model = request["model"]
        if self.path != "/v1/chat/completions":
            return self._json(404, {"detail": "Not Found"})
        if model not in MODELS:
            error = {
                "message": f"model '{model}' not found",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
            return self._json(404, {"error": error})
        if model == "slow":
            time.sleep(3)
        text = _reply(model, request["messages"][-1]["content"])
        if not request.get("stream"):
            message = {"role": "assistant", "content": text}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            body = {"id": "x", "object": "chat.completion", "created": 0, "model": model, "choices": [choice]}
            return self._json(200, body)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for start in range(0, len(text), 7):
                delta = {"index": 0, "delta": {"content": text[start : start + 7]}, "finish_reason": None}
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [delta]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.01)
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: a refused answer ends the stream early


@pytest.fixture(scope="module")
def standin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    server.daemon_threads = True
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def run_qa(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`qa …` with these LLM settings (and none inherited from the developer's shell)."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("QA_LLM_")}
    return clirun.run_qa(*args, env={**unset, **env})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def answer_and_document(parsed_samples):
    """An extractive answer citing three items of a real meeting (spans in its original text)."""
    meeting = parsed_samples["002"]
    citations = []
    for rank, item in enumerate(meeting.items[1:4], 1):
        text = meeting.text[item.start : item.end]
        line_end = text.find("\n", 10)
        sentence = text[: line_end if line_end > 0 else len(text)]
        citations.append(
            Citation(
                rank=rank,
                source=meeting.source,
                title=meeting.title,
                region=meeting.region,
                meeting=meeting.meeting,
                date=meeting.date,
                item=item.heading,
                text=text,
                sentence=sentence,
                span=(item.start, item.start + len(sentence)),
                score=1.0,
                doc_id="002.txt",
            )
        )
    answer = Answer("这次会议研究了什么", "「…」[1]", True, "what", {}, citations)
    document = {"text": meeting.text, "meeting": meeting.to_dict()}
    return answer, (lambda doc_id: document if doc_id == "002.txt" else None), meeting.text


def _assert_verified(result, original: str) -> None:
    assert result.status == "verified" and result.shown, result.note
    assert result.quotes and all(q.verified for q in result.quotes)
    for quote in result.quotes:
        start, end = quote.span
        assert quote.original == original[start:end]  # the span holds the original text
        assert normalize(original[start:end]).text == quote.text  # which is what the model quoted


def test_faithful_answer_is_shown_with_verified_spans(standin, answer_and_document):
    server, url = standin
    answer, document, original = answer_and_document
    llm = LLMAnswerer(LLMConfig(url, "faithful", api_key="sk-test-secret", timeout=5))
    result = llm.answer(answer, document)
    _assert_verified(result, original)
    assert [q.number for q in result.quotes] == [1, 3]
    request = server.requests[-1]
    assert request["auth"] == "Bearer sk-test-secret"
    assert "「原文」[编号]" in request["body"]["messages"][-1]["content"]  # the rule is in the prompt
    assert "sk-test-secret" not in json.dumps(result.to_dict()) + repr(llm.config)


@pytest.mark.parametrize(
    ("model", "reason"),
    [("hallucinate", "不在资料[1]中"), ("unknown-ref", "不存在的资料[9]"), ("no-quote", "没有引用任何原文")],
)
def test_unfaithful_answers_are_refused(standin, answer_and_document, model, reason):
    _server, url = standin
    answer, document, _original = answer_and_document
    result = LLMAnswerer(LLMConfig(url, model, timeout=5)).answer(answer, document)
    assert result.status == "refused" and not result.shown and result.text is None
    assert reason in result.note and "\n" not in result.note and "摘录式回答" in result.note


def test_check_unit(answer_and_document):
    answer, document, _original = answer_and_document
    passages = passages_for(answer, document)
    first = passages[0].shown[:10]
    assert check(f"「{first}」[1]", passages).shown
    assert not check(f"「{first}」[2]", passages).shown  # a real quote with the wrong number
    assert not check(f"「{first}」[1]，见[4]", passages).shown  # three passages: no [4]
    assert check("资料中没有相关内容。", passages).shown
    assert verified_prefix(f"甲「{first}」[1]乙「{first[:3]}", passages) == (f"甲「{first}」[1]", False)
    assert verified_prefix(f"甲「{first}」[1]乙「{first[:3]}」 [", passages) == (f"甲「{first}」[1]", False)
    assert verified_prefix("「编造」[1]", passages)[1] is True


def test_stream_yields_only_verified_text(standin, answer_and_document):
    _server, url = standin
    answer, document, original = answer_and_document
    events = list(LLMAnswerer(LLMConfig(url, "faithful", timeout=5)).stream(answer, document))
    *partial, final = events
    _assert_verified(final, original)
    assert partial and all(isinstance(p, str) and final.text.startswith(p) for p in partial)
    assert all(p.endswith(("]", "」")) for p in partial)  # each ends on a checked quote
    events = list(LLMAnswerer(LLMConfig(url, "hallucinate", timeout=5)).stream(answer, document))
    assert events[-1].status == "refused"
    assert all("取消" not in e for e in events[:-1])


def test_a_long_passage_is_cut_around_its_sentence_and_spans_still_hold(standin, answer_and_document):
    _server, url = standin
    answer, document, original = answer_and_document
    last = answer.citations[-1]
    start = original.rfind("\n", 0, len(original) - 5) + 1
    whole = replace(last, text=original, sentence=original[start:], span=(start, len(original)))
    long_answer = replace(answer, citations=[whole])
    (passage,) = passages_for(long_answer, document)
    assert len(original) > 3000 and passage.origin_start > 0 and original[start:] in passage.original
    result = LLMAnswerer(LLMConfig(url, "faithful", timeout=5)).answer(long_answer, document)
    _assert_verified(result, original)


def test_only_evidence_is_given_to_the_model(answer_and_document):
    answer, document, _original = answer_and_document
    mixed = replace(answer, citations=[answer.citations[0], replace(answer.citations[1], role="related")])
    assert [p.number for p in passages_for(mixed, document)] == [1]
    only_related = replace(answer, citations=[replace(answer.citations[1], role="related")])
    result = LLMAnswerer(LLMConfig("http://127.0.0.1:9/v1", "faithful")).answer(only_related, document)
    assert result.status == "refused" and "没有可供生成回答的引文" in result.note  # and no request was made


def test_stream_for_the_web_takes_the_answer_dict(standin, answer_and_document):
    _server, url = standin
    answer, document, original = answer_and_document
    settings = load_settings().with_overrides(llm_base_url=url, llm_model="faithful", llm_timeout=5.0)
    *_partial, final = llm_answer_stream(answer.to_dict(), settings, document)
    _assert_verified(final, original)
    assert list(llm_answer_stream(answer.to_dict(), Settings(llm_model="x"))) == []  # not configured: nothing


def test_endpoint_failures_are_one_line(standin, answer_and_document):
    _server, url = standin
    answer, document, _original = answer_and_document
    down = f"http://127.0.0.1:{_free_port()}/v1"
    cases = {
        "down": (LLMConfig(down, "faithful", timeout=2), "无法连接"),
        "timeout": (LLMConfig(url, "slow", timeout=1), "超时"),
        "wrong model": (LLMConfig(url, "qwen-nonexistent", timeout=5), "没有模型 'qwen-nonexistent'"),
        "wrong path": (LLMConfig(url.removesuffix("/v1"), "faithful", timeout=5), "请检查 QA_LLM_BASE_URL"),
    }
    for name, (config, expected) in cases.items():
        started = time.monotonic()
        result = LLMAnswerer(config).answer(answer, document)
        assert result.status == "failed", name
        assert expected in result.note and "\n" not in result.note, (name, result.note)
        assert time.monotonic() - started < 2.9, name  # no retries: one timeout at most
        streamed = list(LLMAnswerer(config).stream(answer, document))
        assert len(streamed) == 1 and streamed[0].status == "failed", name


@pytest.mark.slow
def test_cli_ask_llm_returns_both_and_failures_are_one_line(standin, sample_index):
    _server, url = standin
    question = "姑苏区碳达峰方案何时审议"
    env = {"QA_LLM_BASE_URL": url, "QA_LLM_MODEL": "faithful", "QA_LLM_API_KEY": "sk-never-shown"}
    result = run_qa("ask", question, "--index", str(sample_index), "--llm", "--json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["found"] and data["citations"] and data["answer"]  # the extractive answer
    assert data["llm"]["status"] == "verified" and data["llm"]["quotes"]
    assert "sk-never-shown" not in result.stdout + result.stderr

    result = run_qa("ask", question, "--index", str(sample_index), "--llm", env={**env, "QA_LLM_MODEL": "hallucinate"})
    assert result.returncode == 0 and "碳达峰" in result.stdout  # extractive answer printed
    assert "生成的回答" not in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "未通过引文核对" in result.stderr

    down = {**env, "QA_LLM_BASE_URL": f"http://127.0.0.1:{_free_port()}/v1"}
    result = run_qa("ask", question, "--index", str(sample_index), "--llm", env=down)
    assert result.returncode == 0 and "碳达峰" in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "无法连接" in result.stderr


def test_env_timeout_is_validated():
    result = run_qa("ask", "x", "--index", str(sample("000")), env={"QA_LLM_TIMEOUT": "soon"})
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "qa: QA_LLM_TIMEOUT='soon' is not allowed: give a number of seconds above 0, at most 600"
    )


def test_the_web_page_streams_the_verified_llm_answer_under_the_extractive_one(standin, sample_index):
    """The page's turn gets the generated answer as it grows, labelled as generated, quotes checked."""
    from conftest import settings_for

    from qa.web import WebAssistant
    from qa.webview import llm_html

    _server, url = standin
    for model, status in (("faithful", "verified"), ("hallucinate", "refused")):
        settings = settings_for(sample_index).with_overrides(llm_base_url=url, llm_model=model, llm_timeout=5.0)
        core = WebAssistant(settings)
        turn = core.answer_turn("姑苏区碳达峰方案何时审议")
        assert turn["found"] and "llm_key" in turn
        updates = [dict(t["llm"]) for t in core.llm_stream(turn)]
        final = updates[-1]
        assert final["status"] == status and "generated" not in final
        html = llm_html(final)
        if status == "verified":
            assert "生成的回答" in html and "引文已逐字核对原文" in html and final["text"]
            assert all(u["status"] == "streaming" for u in updates[:-1])
        else:
            assert "未显示生成的回答" in html and final["note"]
    # Without an endpoint there is nothing to stream and the turn carries no key.
    core = WebAssistant(settings_for(sample_index))
    turn = core.answer_turn("姑苏区碳达峰方案何时审议")
    assert "llm_key" not in turn and list(core.llm_stream(turn)) == []
