"""An optional LLM-written answer over the extractive answer's citations, shown only when its quotes check out.

Off unless ``QA_LLM_BASE_URL`` and ``QA_LLM_MODEL`` are set (any OpenAI-compatible endpoint: Ollama,
vLLM, llama.cpp server, Xinference, a hosted Qwen or DeepSeek), through the ``openai`` client with a
short timeout and no retries. The model gets the question and the cited passages, numbered as the
extractive answer numbers them, and must quote 「verbatim」[n] for every fact. Before anything is
shown, every quote is checked mechanically to be a substring of passage n and mapped back to its
exact span in the original document. An answer with an unverified quote, an unknown [n], or no quote
at all is refused: the extractive answer stands, with a one-line note. So is any failure of the
endpoint (down, slow, wrong model name).

from qa.llm import llm_from_settings
llm = llm_from_settings(settings)                  # None when not configured
result = llm.answer(answer, reader.document)       # LLMAnswer: .shown, .text, .quotes, .note
for event in llm.stream(answer, reader.document):  # the web page: verified text as it grows
    ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from qa.normalize import normalize

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.citations import Citation
    from qa.config import Settings

DocLookup = Callable[[str], dict | None]

# One passage's share of the prompt: enough for an agenda item, bounded so a small local model copes.
MAX_PASSAGE_CHARS = 1500
MAX_PASSAGES = 10  # a list answer may cite dozens of items: the model gets the first ones
MAX_ANSWER_TOKENS = 800

SYSTEM_PROMPT = """你是政府常务会议纪要问答助手。只能依据用户给出的编号资料回答，不得使用资料以外的知识，不得推测。
要求：
1. 用简体中文作答，简洁明了。
2. 每一个事实都必须逐字引用资料原文，格式为「原文」[编号]，例如「会议原则同意该方案」[2]。
   引号内的文字必须与资料[编号]中的文字一字不差，不得改写、缩写、增删或合并不同位置的句子。
3. 只能使用给出的资料编号，不得编造编号。
4. 资料中没有答案时，只回答：资料中没有相关内容。"""

QUOTE = re.compile(r"「([^「」]*)」\s*(?:\[(\d+)\]|［(\d+)］)?")
REF = re.compile(r"\[(\d+)\]|［(\d+)］")
NO_ANSWER = "资料中没有相关内容"
_PENDING_REF = re.compile(r"\s*(?:[\[［]\d*)?$")


@dataclass
class LLMConfig:
    """Where the model is. The key is excluded from ``repr`` and from :meth:`LLMAnswer.to_dict`."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 30.0


def llm_from_settings(settings: Settings) -> LLMAnswerer | None:
    """The LLM answerer when ``QA_LLM_BASE_URL`` and ``QA_LLM_MODEL`` are both set, else None."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    return LLMAnswerer(LLMConfig(settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout))


@dataclass
class Passage:
    """A cited passage as the model sees it (normalised), with the way back to the original."""

    number: int
    citation: Citation
    shown: str  # normalised text given to the model
    origin_start: int  # where ``original`` starts in the original document
    original: str  # the passage (or the window of it given) as written
    _norm: object = field(default=None, repr=False)

    def locate(self, quote: str) -> tuple[int, int] | None:
        """The span in the original document of a verbatim quote of this passage, or None."""
        position = self.shown.find(quote)
        if position < 0 or not quote:
            return None
        start, end = self._norm.to_original(position, position + len(quote))  # type: ignore[attr-defined]
        return self.origin_start + start, self.origin_start + end


@dataclass
class Quote:
    """One 「quote」[n] of the generated answer and what checking it found."""

    text: str
    number: int | None
    verified: bool
    span: list[int] | None = None  # in the original document
    original: str | None = None  # the original text at that span (as written: may be traditional)
    source: str | None = None
    doc_id: str | None = None
    reason: str | None = None  # why it was not verified


@dataclass
class LLMAnswer:
    """The outcome: ``shown`` (verified text to display), or refused / failed with a one-line note."""

    status: str  # "verified" | "refused" | "failed"
    model: str
    text: str | None = None  # the generated answer, only when verified
    quotes: list[Quote] = field(default_factory=list)
    note: str | None = None  # one line: why the generated answer is not shown
    generated: str | None = None  # a refused answer's raw text, for diagnosis (never shown as an answer)

    @property
    def shown(self) -> bool:
        return self.status == "verified"

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# passages and checking
# ---------------------------------------------------------------------------------------------


def _origin_start(citation: Citation, document: DocLookup | None) -> int:
    """Where the citation's passage text starts in its document (the citation span lies inside it)."""
    doc = document(citation.doc_id) if document and citation.doc_id else None
    text = (doc or {}).get("text") or ""
    position = text.find(citation.text)
    while position >= 0:
        if position <= citation.span[0] and citation.span[1] <= position + len(citation.text):
            return position
        position = text.find(citation.text, position + 1)
    # Without the document: the supporting sentence fixes the offset when it occurs once in the passage.
    inside = citation.text.find(citation.sentence)
    return citation.span[0] - max(inside, 0)


def passages_for(answer: Answer, document: DocLookup | None) -> list[Passage]:
    """The answer's first evidence citations as numbered passages ([n] = the citation's rank).

    A long passage is cut to a window around its supporting sentence, so that a small local model
    gets the part that matters.
    """
    out = []
    # Only the evidence: a passage cited as merely related would invite the model to answer from it.
    evidence = [c for c in answer.citations if getattr(c, "role", "evidence") != "related"]
    for citation in evidence[:MAX_PASSAGES]:
        text, start = citation.text, _origin_start(citation, document)
        if len(text) > MAX_PASSAGE_CHARS:
            inside = citation.span[0] - start
            cut = max(0, min(inside - MAX_PASSAGE_CHARS // 3, len(text) - MAX_PASSAGE_CHARS))
            text, start = text[cut : cut + max(MAX_PASSAGE_CHARS, citation.span[1] - citation.span[0])], start + cut
        norm = normalize(text)
        out.append(Passage(citation.rank, citation, norm.text, start, text, norm))
    return out


def build_messages(question: str, passages: list[Passage]) -> list[dict]:
    """The chat messages: the rules, then the question and the numbered passages."""
    blocks = []
    for passage in passages:
        c = passage.citation
        head = " ".join(p for p in (c.region or "", c.meeting or "", c.date or "", c.item) if p)
        blocks.append(f"[{passage.number}] {head}\n{passage.shown}")
    user = (
        f"问题：{question}\n\n资料：\n"
        + "\n\n".join(blocks)
        + "\n\n请依据以上资料回答问题，每个事实都用「原文」[编号]逐字引用。"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def check(text: str, passages: list[Passage], model: str = "") -> LLMAnswer:
    """Verify every quote and reference of a generated answer against the passages.

    Verified: every 「quote」 is a verbatim substring of the passage its [n] names (a quote without
    [n] must be in some passage), every [n] names a passage, and there is at least one quote (or
    the answer says the passages do not hold one).
    """
    by_number = {p.number: p for p in passages}
    text = (text or "").strip()
    quotes: list[Quote] = []
    problems: list[str] = []
    for match in QUOTE.finditer(text):
        quoted = match.group(1).strip()
        number = match.group(2) or match.group(3)
        n = int(number) if number else None
        candidates = [by_number[n]] if n in by_number else ([] if n is not None else passages)
        if n is not None and n not in by_number:
            quotes.append(Quote(quoted, n, False, reason=f"资料[{n}]不存在（共{len(passages)}条）"))
            problems.append(f"引用了不存在的资料[{n}]")
            continue
        for passage in candidates:
            span = passage.locate(quoted)
            if span is not None:
                c = passage.citation
                original = _original(passage, span)
                quotes.append(Quote(quoted, passage.number, True, list(span), original, c.source, c.doc_id))
                break
        else:
            where = f"资料[{n}]" if n is not None else "任何资料"
            quotes.append(Quote(quoted, n, False, reason=f"{where}中没有这段原文"))
            problems.append(f"引文「{_clip(quoted)}」不在{where}中")
    for match in REF.finditer(QUOTE.sub("", text)):
        n = int(match.group(1) or match.group(2))
        if n not in by_number:
            problems.append(f"引用了不存在的资料[{n}]")
    if not problems and not quotes and NO_ANSWER not in text:
        problems.append("回答没有引用任何原文")
    if not text:
        problems = ["模型没有给出回答"]
    if problems:
        note = "生成的回答未通过引文核对，未显示：" + "；".join(dict.fromkeys(problems)) + "。以下为摘录式回答。"
        return LLMAnswer("refused", model, quotes=quotes, note=note, generated=text)
    return LLMAnswer("verified", model, text=text, quotes=quotes)


def _original(passage: Passage, span: tuple[int, int]) -> str:
    return passage.original[span[0] - passage.origin_start : span[1] - passage.origin_start]


def _clip(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def verified_prefix(text: str, passages: list[Passage]) -> tuple[str, bool]:
    """For a growing answer: the part that can be shown already (up to the end of its last complete
    quote, all verified) and whether a complete quote so far failed (then the answer is refused)."""
    end = 0
    for match in QUOTE.finditer(text):
        if not (match.group(2) or match.group(3)) and _PENDING_REF.match(text, match.end()):
            break  # its [n] may still be on its way
        if not check(match.group(0), passages).shown:
            return text[:end], True
        end = match.end()
    return text[:end], False


# ---------------------------------------------------------------------------------------------
# the endpoint
# ---------------------------------------------------------------------------------------------


class LLMAnswerer:
    """Asks an OpenAI-compatible endpoint for an answer over an extractive answer's citations."""

    def __init__(self, config: LLMConfig):
        self.config = config
        self._client = None

    @property
    def client(self):
        if self._client is None:
            from openai import OpenAI

            # No retries: a failing endpoint costs one timeout at most, and the extractive answer waits.
            self._client = OpenAI(
                base_url=self.config.base_url,
                api_key=self.config.api_key or "not-needed",
                timeout=self.config.timeout,
                max_retries=0,
            )
        return self._client

    def _failed(self, message: str) -> LLMAnswer:
        return LLMAnswer("failed", self.config.model, note=f"LLM 回答不可用：{message}。以下为摘录式回答。")

    def _skip(self, answer: Answer) -> LLMAnswer | None:
        if not answer.found or not any(getattr(c, "role", "evidence") != "related" for c in answer.citations):
            return LLMAnswer("refused", self.config.model, note="没有可供生成回答的引文：以下为摘录式回答。")
        return None

    def answer(self, answer: Answer, document: DocLookup | None = None) -> LLMAnswer:
        """The checked LLM answer for an extractive answer (never raises for endpoint failures)."""
        skipped = self._skip(answer)
        if skipped:
            return skipped
        passages = passages_for(answer, document)
        try:
            response = self.client.chat.completions.create(
                model=self.config.model,
                messages=build_messages(answer.question, passages),  # type: ignore[arg-type]
                temperature=0,
                max_tokens=MAX_ANSWER_TOKENS,
            )
            text = response.choices[0].message.content if response.choices else None
        except Exception as exc:  # every client error becomes one line (see describe_error)
            return self._failed(describe_error(exc, self.config))
        return check(text or "", passages, self.config.model)

    def stream(self, answer: Answer, document: DocLookup | None = None) -> Iterator[str | LLMAnswer]:
        """Stream for a page: verified text as it grows (str), then the final :class:`LLMAnswer`.

        Only text up to the last verified quote is ever yielded; a failing quote stops the stream
        and the final answer is a refusal.
        """
        skipped = self._skip(answer)
        if skipped:
            yield skipped
            return
        passages = passages_for(answer, document)
        text, shown = "", ""
        try:
            stream = self.client.chat.completions.create(
                model=self.config.model,
                messages=build_messages(answer.question, passages),  # type: ignore[arg-type]
                temperature=0,
                max_tokens=MAX_ANSWER_TOKENS,
                stream=True,
            )
            for chunk in stream:
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if not delta:
                    continue
                text += delta
                prefix, failed = verified_prefix(text, passages)
                if failed:
                    stream.close()  # refused whatever follows: stop generating
                    break
                if len(prefix) > len(shown):
                    shown = prefix
                    yield shown
        except Exception as exc:
            yield self._failed(describe_error(exc, self.config))
            return
        yield check(text, passages, self.config.model)


def answer_from_dict(data: dict) -> Answer:
    """An :class:`Answer` back from its ``qa ask --json`` dict (the web page keeps dicts); extra fields
    that other parts of the product add to citations are ignored."""
    from dataclasses import fields

    from qa.answer import Answer
    from qa.citations import Citation

    names = {f.name for f in fields(Citation)}
    citations = [
        Citation(**{k: (tuple(v) if k == "span" else v) for k, v in c.items() if k in names})
        for c in data.get("citations") or []
    ]
    return Answer(
        question=data.get("interpreted_as") or data.get("question") or "",
        answer=data.get("answer") or "",
        found=bool(data.get("found")),
        question_type=data.get("question_type") or "",
        filters=data.get("filters") or {},
        citations=citations,
    )


def llm_answer_stream(answer: Answer | dict, settings: Settings, document: DocLookup | None = None) -> Iterator:
    """For the web page: the verified LLM text as it grows (str), then the final :class:`LLMAnswer`.

    Yields nothing when no LLM is configured. ``document`` is the reader's ``document`` lookup (to
    map quotes to spans in the original); endpoint failures end in a ``failed`` LLMAnswer with a note.
    """
    llm = llm_from_settings(settings)
    if llm is None:
        return
    yield from llm.stream(answer_from_dict(answer) if isinstance(answer, dict) else answer, document)


def describe_error(exc: BaseException, config: LLMConfig) -> str:
    """One line for an endpoint failure, naming the endpoint and the model, never the key."""
    import openai

    where = config.base_url
    if isinstance(exc, openai.APITimeoutError):
        return f"{where} 在 {config.timeout:g} 秒内没有回应（超时）"
    if isinstance(exc, openai.APIConnectionError):
        return f"无法连接 {where}（服务未启动或地址有误）"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return f"{where} 拒绝了 API key（HTTP {exc.status_code}）"
    if isinstance(exc, openai.APIStatusError):
        message = _first_line(getattr(exc, "message", "") or str(exc), secret=config.api_key)
        if isinstance(exc, openai.NotFoundError) and "model" not in message.lower():
            return f"{where} 没有 chat/completions 接口（HTTP 404），请检查 QA_LLM_BASE_URL（通常以 /v1 结尾）"
        if "model" in message.lower() and ("not" in message.lower() or "exist" in message.lower()):
            return f"{where} 没有模型 '{config.model}'（HTTP {exc.status_code}），请检查 QA_LLM_MODEL"
        return f"{where} 返回错误 HTTP {exc.status_code}：{message}"
    return f"{where} 的回应无法读取（{exc.__class__.__name__}：{_first_line(str(exc), secret=config.api_key)}）"


def _first_line(text: str, limit: int = 160, secret: str | None = None) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    if secret:
        line = line.replace(secret, "***")  # an endpoint echoing the key must not get it printed
    return line if len(line) <= limit else line[: limit - 1] + "…"


__all__ = [
    "LLMAnswer",
    "LLMAnswerer",
    "LLMConfig",
    "Quote",
    "answer_from_dict",
    "build_messages",
    "check",
    "describe_error",
    "llm_answer_stream",
    "llm_from_settings",
    "passages_for",
]
