"""What the web assistant shows, as pure functions from answer dicts to HTML and plain text.

No Gradio here: :mod:`qa.web` prepares each answer (:func:`prepare_turn`, with the documents it
cites) and wires these renderers to components. Every piece of document or user text goes
through :func:`_e` (HTML escaping) and is shown as HTML text, never through a Markdown or LaTeX
renderer: a quote is the source's characters, ``[x](https://…)``, ``**x**`` and ``$$x$$``
included.

Quotes are shown as written (traditional stays traditional) minus what the normaliser removed
as spam or page debris (:func:`visible`); the citation spans are untouched, so a copied or
exported sentence still matches the original at its span.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from qa.dates import cn_date

# ---------------------------------------------------------------------------------------------
# what the normaliser kept
# ---------------------------------------------------------------------------------------------


@dataclass
class Visible:
    """Which characters of a document's original text survive normalisation.

    ``kept[i]`` is true when ``text[i]`` reaches the normalised text (spam, page furniture, HTML
    debris and pinyin glosses do not). Line breaks always count as kept, so paragraphs stay.
    """

    text: str
    kept: bytearray

    @classmethod
    def of(cls, text: str, fmt: str | None = None) -> Visible:
        """Normalise ``text`` the way the parser does and record which characters survived."""
        from qa.normalize import normalize

        norm = normalize(text, wrapped=True if fmt == "pdf" else None)
        kept = bytearray(len(text))
        for pos in norm.origin:
            if 0 <= pos < len(text):
                kept[pos] = 1
        # Line breaks keep paragraphs; Markdown marks (** and leading #) are characters of the
        # source that the normaliser drops for searching only: a quote shows them as written.
        for match in re.finditer(r"\n|\*\*|^#{1,6}[ ]+", text, re.M):
            kept[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
        return cls(text, kept)

    def slice(self, start: int, end: int) -> str:
        """``text[start:end]`` without the removed characters (blank lines collapsed)."""
        start, end = max(0, start), min(len(self.text), end)
        out = "".join(ch for ch, k in zip(self.text[start:end], self.kept[start:end], strict=True) if k)
        return re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n", out)


def visible(text: str, fmt: str | None = None) -> str:
    """The whole of ``text`` as shown: the original minus what the normaliser removed."""
    return Visible.of(text, fmt).slice(0, len(text))


def item_at(items: Sequence[dict], position: int) -> dict | None:
    """The agenda item (rather than the overview) whose span holds ``position``."""
    inside = [i for i in items if i.get("start", 0) <= position < i.get("end", 0)]
    inside.sort(key=lambda i: (i.get("kind") == "overview", i["end"] - i["start"]))
    return inside[0] if inside else None


def written_heading(view: Visible, item: dict) -> tuple[str | None, int]:
    """An item's heading as the document writes it, and where its first line ends.

    The first line of the item, minus removed spam, is matched against the parser's normalised
    heading; only a number such as 七、 or （一） may come before it.
    """
    from qa.normalize import normalize

    a, b = item["start"], item["end"]
    raw = view.text[a:b]
    a += len(raw) - len(raw.lstrip())
    line_end = view.text.find("\n", a, b)
    line_end = b if line_end < 0 else line_end
    line = view.slice(a, min(line_end, a + 300)).strip()
    heading = (item.get("heading") or "").rstrip("…")
    if not line or not heading:
        return None, line_end
    norm = normalize(line)
    at = norm.text.find(heading)
    if at < 0 or at > 12:
        return None, line_end
    start, end = norm.to_original(0, at + len(heading))
    written = line[start:end].strip()
    if not written:
        return None, line_end
    return written + ("…" if item["heading"].endswith("…") else ""), line_end


@lru_cache(maxsize=64)
def _view_of(text: str, fmt: str | None) -> Visible:
    # A few documents per answer, the same ones again and again: normalise each once.
    return Visible.of(text, fmt)


def citation_view(document: dict | None, c: dict, lead_chars: int = 70, tail_chars: int = 110) -> dict:
    """What a card shows for one citation, cut from the document as written minus removed debris.

    Returns ``heading``, the excerpt as ``lead``/``quote``/``tail`` (the quote is the cited span),
    the whole item as ``full_before``/``full_quote``/``full_after``, and ``doc_number``/``url``
    when known. The citation's span itself is not changed.
    """
    sentence = c.get("sentence") or ""
    if document is None or not document.get("text"):
        return {
            "heading": c.get("item", ""),
            "lead": "",
            "quote": _flat(sentence),
            "tail": "",
            "full_before": "",
            "full_quote": sentence,
            "full_after": "",
            "doc_number": c.get("doc_number"),
            "url": c.get("url"),
        }
    text = document["text"]
    view = _view_of(text, document.get("format"))
    meeting = document.get("meeting") or {}
    s, t = (max(0, min(len(text), int(x))) for x in c["span"])
    item = item_at(meeting.get("items", []), s)
    a, b = (item["start"], item["end"]) if item else (max(0, s - 200), min(len(text), t + 300))
    chunk = c.get("text") or ""
    at = text.find(chunk, max(0, t - len(chunk)), s + len(chunk)) if chunk else -1
    ca, cb = (at, at + len(chunk)) if at >= 0 else (a, b)
    label = c.get("item") or ""
    heading, line_end = (None, a)
    if item is not None and label != "会议概况":
        heading, line_end = written_heading(view, item)
    if heading and ca <= line_end <= s:
        ca = line_end  # the heading is shown above the excerpt already
    lead = _flat(view.slice(ca, s)).lstrip()
    lead = ("…" + lead[-lead_chars:]) if len(lead) > lead_chars else lead
    quote = _flat(view.slice(s, t))
    tail = _flat(view.slice(t, cb)).rstrip()
    tail = (tail[:tail_chars] + "…") if len(tail) > tail_chars else tail
    if len(quote) > 180:  # a long overview sentence: its start here, the whole of it under 议题全文
        quote, tail = quote[:180] + "…", ""
    return {
        "heading": heading or label,
        "lead": lead,
        "quote": quote,
        "tail": tail,
        "full_before": view.slice(a, s),
        "full_quote": view.slice(s, t),
        "full_after": view.slice(t, b),
        "doc_number": c.get("doc_number") or meeting.get("doc_number"),
        "url": c.get("url") or meeting.get("url") or meeting.get("source_url"),
    }


# Parser notes and file errors come from the library in English (the CLI's language); the page
# says them in Chinese. Unknown messages are shown as they are rather than hidden.
_ZH_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"^SEO spam removed from normalised text: (.*)$", r"已去除混入正文的垃圾广告词：\1"),
        (r"^chair not found$", "未找到主持人"),
        (r"^region not found$", "未识别出地区"),
        (r"^meeting date not found$", "未找到会议日期"),
        (r"^no meeting number found$", "未找到会议次数"),
        (r"^no agenda items recognised$", "未识别出议题"),
        (r"^no text left after removing page furniture$", "去掉网页栏目后没有正文"),
        (
            r"^meeting date could not be completed: no year or publication date in the page$",
            "会议日期不完整：网页中没有年份或发布日期",
        ),
        (r"^date: completed from the latest year the agenda names$", "日期：年份按议题中最近的年份补全"),
        (r"^date: completed from publication date (\S+)$", r"日期：年份按发布日期 \1 补全"),
        (r"^date: completed from (.*)$", r"日期：年份按\1补全"),
        (
            r"^the text breaks off \(ends with ……\): the source page was truncated$",
            "正文不完整（以……结尾）：原网页被截断",
        ),
        (r"^does not look like meeting minutes: .*$", "看起来不是会议纪要：没有说明召开或主持会议的句子"),
        (r"^empty file( \(only whitespace\))?$", "空文件"),
        (r"^not a PDF \(missing %PDF header\)$", "不是 PDF 文件（缺少 %PDF 文件头）"),
        (r"^truncated or corrupt PDF \((\w+)\)$", r"PDF 文件不完整或已损坏（\1）"),
        (r"^truncated PDF \(no end-of-file marker\)$", "PDF 文件不完整（缺少文件结束标记）"),
        (r"^PDF has no text layer.*$", "PDF 没有文字层（可能是扫描件），暂不支持文字识别"),
        (r"^truncated or corrupt \.docx.*$", ".docx 文件不完整或已损坏"),
        (r"^corrupt \.docx.*$", ".docx 文件已损坏"),
        (r"^\.docx has no text$", ".docx 文件中没有文字"),
        (r"^HTML page has no article text$", "网页中没有正文"),
        (r"^binary file.*$", "二进制文件，不是文本"),
        (r"^binary or (corrupt|garbled) file.*$", "文件已损坏或是乱码，可读文字太少"),
        (r"^truncated file: .*$", "文件不完整：在一个字符中间截断"),
        (r"^undecodable text.*$", "无法识别文字编码"),
        (r"^cannot read file \((.*)\)$", r"无法读取文件（\1）"),
        (r"^unsupported file type '([^']*)'.*$", r"不支持的文件类型 \1（支持 .txt .md .docx .pdf .html）"),
        (r"^could not be parsed \((.*)\)$", r"解析出错（\1）"),
    ]
]


def zh_message(text: str) -> str:
    """A parser note or file error of the library, said in Chinese when it is a known one."""
    text = str(text or "").strip()
    if text.startswith("corrected by hand: "):
        names = {"region": "地区", "meeting_number": "次数", "date": "日期", "chair": "主持"}
        fields = [names.get(f.strip(), f.strip()) for f in text.split(":", 1)[1].split(",")]
        return "已人工更正：" + "、".join(fields)
    for pattern, replacement in _ZH_MESSAGES:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


# ---------------------------------------------------------------------------------------------
# small pieces
# ---------------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def _flat(text: str) -> str:
    """A quote for a card: wrapped lines joined (Chinese text has no spaces between lines)."""
    text = re.sub(r"(?<=[A-Za-z0-9])[ \t]*\n\s*(?=[A-Za-z0-9])", " ", text)
    return re.sub(r"[ \t]*\n\s*", "", text)


def meeting_name(region: str | None, meeting: str | None, number: int | None) -> str:
    """«姑苏区 · 保护区管委会、姑苏区政府第39次常务会议» (the number added when the name lacks it)."""
    name = meeting or "常务会议"
    if number and not re.search(r"[\d一二三四五六七八九十百千〇零两]+次", name):
        name = f"第{number}次{name}" if name == "常务会议" else f"{name}（第{number}次）"
    return " · ".join(p for p in (region, name) if p)


def citation_role(citation: dict, answer: dict) -> str:
    """«evidence» (the answer cites it) or «related» (shown only as possibly related).

    The answer module may set ``role`` itself; otherwise a citation is evidence when the answer
    text carries its marker [n] and the answer was found.
    """
    if answer.get("found") is False:
        return "related"
    role = citation.get("role")
    if role in ("evidence", "related"):
        return role
    return "evidence" if f"[{int(citation.get('rank', 0))}]" in (answer.get("answer") or "") else "related"


# ---------------------------------------------------------------------------------------------
# plain text to take away
# ---------------------------------------------------------------------------------------------


def citation_text(c: dict) -> str:
    """One citation as plain text: meeting, date, item, the quoted sentence, 文号 and URL when known."""
    view = c.get("view") or {}
    name = meeting_name(c.get("region"), c.get("meeting"), c.get("meeting_number"))
    parts = [name, cn_date(c.get("date"), c.get("date_partial"))]
    heading = view.get("heading") or c.get("item")
    if heading:
        parts.append(f"议题：{heading}")
    quote = view.get("quote") or _flat(c.get("sentence") or "")
    text = "，".join(parts) + (f"：“{quote}”" if quote else "")
    extra = []
    if view.get("doc_number") or c.get("doc_number"):
        extra.append(f"文号：{view.get('doc_number') or c.get('doc_number')}")
    if view.get("url") or c.get("url"):
        extra.append(f"来源：{view.get('url') or c.get('url')}")
    extra.append(f"文件：{c.get('source', '')}")
    return text + "（" + "；".join(extra) + "）"


def answer_text(turn: dict) -> str:
    """The answer as plain text with its numbered sources (what 「复制答案」 copies)."""
    lines = [f"问：{turn.get('question', '')}", f"答：{turn.get('answer', '')}"]
    citations = turn.get("citations") or []
    evidence = [c for c in citations if citation_role(c, turn) == "evidence"]
    if evidence:
        lines.append("")
        lines.append("出处：")
        lines += [f"[{int(c['rank'])}] {citation_text(c)}" for c in evidence]
    elif citations:
        lines.append("")
        lines.append("可能相关的纪要（未作为答案依据）：")
        lines += [f"[{int(c['rank'])}] {citation_text(c)}" for c in citations]
    return "\n".join(lines)


def url_query(turn: dict) -> str:
    """``?q=…&region=…&from=…&to=…`` for a turn, so that the answer can be bookmarked or sent."""
    params: list[tuple[str, str]] = [("q", turn.get("question", ""))]
    ui = turn.get("ui") or {}
    params += [("region", r) for r in ui.get("regions") or []]
    if ui.get("from"):
        params.append(("from", ui["from"]))
    if ui.get("to"):
        params.append(("to", ui["to"]))
    return "?" + urlencode(params)


# ---------------------------------------------------------------------------------------------
# the conversation
# ---------------------------------------------------------------------------------------------


def _answer_html(turn: dict) -> str:
    """The answer text, escaped, with each [n] a link to its card."""
    ranks = {int(c["rank"]) for c in turn.get("citations") or []}
    text = _e(turn.get("answer", ""))

    def link(match: re.Match[str]) -> str:
        n = int(match[1])
        if n not in ranks:
            return match[0]
        return f'<a class="qa-ref" href="#qa-card-{n}" data-ref="{n}" title="看出处 [{n}]">[{n}]</a>'

    return re.sub(r"\[(\d{1,2})\]", link, text).replace("\n", "<br>")


def _bubble(turn: dict, number: int, selected: bool) -> str:
    if turn.get("error"):
        body = f'<div class="qa-answer qa-notice">{_e(turn.get("answer", ""))}</div>'
        return f'<div class="qa-bot" data-turn="{number}">{body}</div>'
    notes = []
    if turn.get("interpreted_as"):
        notes.append(f"追问，理解为「{_e(turn['interpreted_as'])}」")
    for notice in turn.get("notices") or []:
        notes.append(_e(notice))
    if turn.get("ui_filters"):
        notes.append(f"筛选：{_e(turn['ui_filters'])}")
    note_html = "".join(f'<div class="qa-note">{n}</div>' for n in notes)
    quote = turn.get("follow_quote")
    quote_html = f'<blockquote class="qa-quote">“{_e(quote)}”</blockquote>' if quote else ""
    citations = turn.get("citations") or []
    evidence = [c for c in citations if citation_role(c, turn) == "evidence"]
    if evidence:
        refs = "".join(
            f'<a class="qa-ref" href="#qa-card-{int(c["rank"])}" data-ref="{int(c["rank"])}">[{int(c["rank"])}]</a>'
            for c in evidence
        )
        source = f'<div class="qa-basis">依据 {refs}</div>'
    elif citations:
        source = f'<div class="qa-basis">没有可作答的依据；另有 {len(citations)} 份可能相关的纪要</div>'
    else:
        source = ""
    copy = (
        f'<button type="button" class="qa-copy" data-copy="{_e(answer_text(turn))}" '
        'title="复制答案和出处（纯文本）">复制答案</button>'
    )
    cls = "qa-bot qa-selected" if selected else "qa-bot"
    return (
        f'<div class="{cls}" data-turn="{number}">{note_html}'
        f'<div class="qa-answer">{_answer_html(turn)}</div>{quote_html}'
        f'<div class="qa-bot-foot">{source}{copy}</div>{llm_html(turn.get("llm"))}</div>'
    )


def llm_html(llm: dict | None) -> str:
    """The generated answer under the extractive one, labelled as generated (text only, never Markdown).

    While it streams, only the part whose quotes are verified is shown; a refused or failed answer
    shows its one-line note instead.
    """
    if not llm:
        return ""
    model = _e(llm.get("model") or "")
    status = llm.get("status")
    if status == "verified":
        head = f"生成的回答（{model}，引文已逐字核对原文）"
        body = f'<div class="qa-llm-text">{_e(llm.get("text") or "")}</div>'
    elif status == "streaming":
        head = f"生成的回答（{model}，生成中，只显示已核对的部分）"
        body = f'<div class="qa-llm-text">{_e(llm.get("text") or "")}</div>'
    else:
        head = "未显示生成的回答"
        body = f'<div class="qa-note">{_e(llm.get("note") or "")}</div>'
    return f'<div class="qa-llm" data-status="{_e(status or "")}"><div class="qa-llm-head">{head}</div>{body}</div>'



def render_chat(turns: Sequence[dict], selected: int | None = None, examples: Sequence[str] = ()) -> str:
    """The whole conversation: each question, its answer bubble and (on narrow screens) its cards.

    The root carries ``data-url`` (the latest question as a query string) for the page script
    to put into the address bar, and ``data-selected``, the turn whose cards the side shows.
    """
    if selected is None or not 0 <= selected < len(turns):
        selected = len(turns) - 1
    recent = recent_questions(turns)
    if not turns:
        chips = "".join(f'<button type="button" class="qa-chip" data-ask="{_e(q)}">{_e(q)}</button>' for q in examples)
        body = (
            '<div class="qa-empty"><p>问一个关于政府常务会议纪要的问题，每个答案都注明出自哪次会议、'
            "哪个议题、哪句原文。</p>"
            f'<div class="qa-chips"><span>试试：</span>{chips}</div></div>'
        )
        return f'<div class="qa-chat" data-url="" data-selected="-1">{body}</div>'
    pieces = []
    if len(recent) > 1:
        chips = "".join(f'<button type="button" class="qa-chip" data-ask="{_e(q)}">{_e(q)}</button>' for q in recent)
        pieces.append(f'<details class="qa-recent"><summary>最近提问（{len(recent)}）</summary>{chips}</details>')
    for number, turn in enumerate(turns):
        last = " qa-last" if number == len(turns) - 1 else ""
        pieces.append(
            f'<section class="qa-turn{last}" data-turn="{number}">'
            f'<div class="qa-user"><span>{_e(turn.get("question", ""))}</span></div>'
            f"{_bubble(turn, number, number == selected)}"
            f'<div class="qa-turn-cards">{render_cards(turn, number + 1, inline=True)}</div>'
            "</section>"
        )
    url = url_query(turns[-1]) if not turns[-1].get("error") else ""
    return f'<div class="qa-chat" data-url="{_e(url)}" data-selected="{selected}">{"".join(pieces)}</div>'


def recent_questions(turns: Sequence[dict], limit: int = 8) -> list[str]:
    """The last distinct questions asked, newest first."""
    out: list[str] = []
    for turn in reversed(turns):
        q = (turn.get("question") or "").strip()
        if q and q not in out:
            out.append(q)
        if len(out) >= limit:
            break
    return out


# ---------------------------------------------------------------------------------------------
# citation cards
# ---------------------------------------------------------------------------------------------


def _card(c: dict, role: str, turn_number: int | None, inline: bool) -> str:
    view = c.get("view") or {}
    rank = int(c["rank"])
    name = meeting_name(c.get("region"), c.get("meeting"), c.get("meeting_number"))
    heading = view.get("heading") or c.get("item", "")
    lead, quote, tail = view.get("lead", ""), view.get("quote", ""), view.get("tail", "")
    if not view:  # an answer kept from before this version: the raw text, still escaped
        quote, tail = _flat(c.get("sentence", "")), ""
    if role == "evidence":
        excerpt = f'{_e(lead)}<mark class="qa-hl">{_e(quote)}</mark>{_e(tail)}'
        full = (
            f'{_e(view.get("full_before", ""))}<mark class="qa-hl">{_e(view.get("full_quote", ""))}</mark>'
            f"{_e(view.get('full_after', ''))}"
        )
    else:  # only possibly related: no sentence is claimed to support anything
        excerpt = _e((lead + quote + tail)[:160])
        full = _e(view.get("full_before", "") + view.get("full_quote", "") + view.get("full_after", ""))
    facts = []
    number = view.get("doc_number") or c.get("doc_number")
    if number:
        facts.append(f'<span class="qa-docno">文号 {_e(number)}</span>')
    url = view.get("url") or c.get("url")
    if url and re.match(r"https?://", str(url)):
        facts.append(f'<a class="qa-url" href="{_e(url)}" target="_blank" rel="noopener noreferrer">原文网址</a>')
    confidence = c.get("ocr_confidence")
    if isinstance(confidence, int | float):
        share = confidence * 100 if confidence <= 1 else confidence
        facts.append(f'<span class="qa-ocr">文字经识别（OCR），置信度 {share:.0f}%</span>')
    facts.append(f'<span class="qa-source" title="文件">{_e(c.get("source", ""))}</span>')
    ident = f"qa-tcard-{turn_number}-{rank}" if inline else f"qa-card-{rank}"
    open_attr = f' data-open-turn="{turn_number - 1}"' if turn_number else ""
    return (
        f'<article class="qa-card qa-{role}" id="{ident}" data-rank="{rank}">'
        f'<header><span class="qa-rank">[{rank}]</span>'
        f'<span class="qa-meeting">{_e(name)}</span>'
        f'<time datetime="{_e(c.get("date") or "")}">{_e(cn_date(c.get("date"), c.get("date_partial")))}</time>'
        f"</header>"
        f'<div class="qa-item">{_e(heading)}</div>'
        f'<p class="qa-excerpt">{excerpt}</p>'
        f'<details><summary>议题全文</summary><div class="qa-fulltext">{full}</div></details>'
        f'<div class="qa-facts">{"".join(facts)}</div>'
        f'<footer><button type="button" class="qa-copy" data-copy="{_e(citation_text(c))}">复制引用</button>'
        f'<button type="button" class="qa-open" data-open-rank="{rank}"{open_attr}>查看原文 ›</button></footer>'
        "</article>"
    )


def render_cards(turn: dict | None, turn_number: int | None = None, inline: bool = False) -> str:
    """One answer's cards: the cited ones under 「答案依据」, the rest folded under 「其他相关纪要（n）」.

    When nothing was found every card is only possibly related and they are listed under
    「可能相关的纪要」, without a highlighted sentence.
    """
    if turn is None:
        return (
            '<div class="qa-cards"><div class="qa-cards-empty">提问后，答案依据的纪要原文会显示在这里：'
            "会议、日期、议题，以及支持答案的句子。</div></div>"
        )
    citations = turn.get("citations") or []
    label = f"<span>（第 {turn_number} 问）</span>" if turn_number and not inline else ""
    root = f' data-turn="{turn_number - 1}"' if turn_number and not inline else ""
    if not citations:
        if inline:
            return ""
        reason = "出错了，没有出处。" if turn.get("error") else "没有找到可以引用的纪要内容。"
        head = f'<div class="qa-cards-head">答案依据{label}</div>'
        return f'<div class="qa-cards"{root}>{head}<div class="qa-cards-empty">{reason}</div></div>'
    evidence = [c for c in citations if citation_role(c, turn) == "evidence"]
    related = [c for c in citations if citation_role(c, turn) != "evidence"]
    parts = []
    if evidence:
        parts.append(f'<div class="qa-cards-head">答案依据{label}</div>')
        parts += [_card(c, "evidence", turn_number, inline) for c in evidence]
        if related:
            inner = "".join(_card(c, "related", turn_number, inline) for c in related)
            parts.append(
                f'<details class="qa-related"><summary>其他相关纪要（{len(related)}）</summary>{inner}</details>'
            )
    else:
        parts.append(f'<div class="qa-cards-head">可能相关的纪要{label}</div>')
        parts.append('<div class="qa-cards-empty">这些纪要与问题有关，但没有一句能回答它。</div>')
        parts += [_card(c, "related", turn_number, inline) for c in related]
    return f'<div class="qa-cards"{root}>{"".join(parts)}</div>'


# ---------------------------------------------------------------------------------------------
# the document view, status line, knowledge base
# ---------------------------------------------------------------------------------------------


def render_document(document: dict | None, citation: dict | None = None, heading: str | None = None) -> str:
    """The whole document as written (minus spam and page debris), the cited sentence marked."""
    if document is None:
        return '<div class="qa-doc"><p class="qa-cards-empty">这份纪要已不在资料库中（可能已被删除或重建）。</p></div>'
    text = document.get("text") or ""
    view = _view_of(text, document.get("format"))
    meeting = document.get("meeting") or {}
    if citation is not None:
        s, t = (max(0, min(len(text), int(x))) for x in citation["span"])
        item = item_at(meeting.get("items", []), s)
        a, b = (min(item["start"], s), max(item["end"], t)) if item else (s, t)
        pieces = [
            _e(view.slice(0, a)),
            '<div class="qa-doc-item" id="qa-doc-item">',
            _e(view.slice(a, s)),
            f'<mark class="qa-target">{_e(view.slice(s, t))}</mark>',
            _e(view.slice(t, b)),
            "</div>",
            _e(view.slice(b, len(text))),
        ]
    else:
        pieces = [_e(view.slice(0, len(text)))]
    facts = [
        (
            "地区",
            (meeting.get("region") or "")
            + (f"（据「{meeting['region_inferred_from']}」推断）" if meeting.get("region_inferred_from") else ""),
        ),
        ("会议", meeting_name(None, meeting.get("meeting"), meeting.get("meeting_number"))),
        (
            "日期",
            cn_date(meeting.get("date"), meeting.get("date_partial"))
            + ("（推断）" if meeting.get("date_inferred") else ""),
        ),
        ("主持", " ".join(p for p in (meeting.get("chair_title"), meeting.get("chair")) if p)),
        ("文号", meeting.get("doc_number")),
        ("文件", document.get("source")),
    ]
    meta = "".join(f"<span><b>{_e(k)}</b>{_e(v)}</span>" for k, v in facts if v)
    url = meeting.get("url") or document.get("url")
    if url and re.match(r"https?://", str(url)):
        meta += f'<span><b>网址</b><a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(url)}</a></span>'
    title = meeting.get("title") or meeting_name(meeting.get("region"), meeting.get("meeting"), None)
    located = ""
    if citation is not None:
        label = heading or citation.get("item", "")
        located = f'<div class="qa-doc-located">定位到 [{int(citation["rank"])}]：{_e(label)}</div>'
    return (
        f'<div class="qa-doc"><h3>{_e(visible(title))}</h3><div class="qa-doc-meta">{meta}</div>{located}'
        f'<div class="qa-doc-text">{"".join(pieces)}</div></div>'
    )


def filter_label(regions: Sequence[str] | None, start: str | None, end: str | None) -> str:
    """The folded filter line's title: «筛选：未设置» or «筛选：吴中区 · 2024-12-01 至 不限»."""
    parts = []
    if regions:
        parts.append("、".join(regions))
    if start or end:
        parts.append(f"{start or '不限'} 至 {end or '不限'}")
    return "筛选：" + (" · ".join(parts) if parts else "未设置（点此按地区、日期筛选）")


def preview_table(previews: list[dict]) -> tuple[str, list[list]]:
    """The upload preview as a compact table: (summary line, rows of 文件/地区/会议/次数/日期/主持/议题数/解析结果).

    地区, 次数, 日期 and 主持 are editable in the page; qa.web reads the changes back as corrections.
    """
    rows = []
    for p in previews:
        if "error" in p:
            rows.append([p["name"], "", "", "", "", "", 0, f"✗ 无法读取，不会加入：{zh_message(p['error'])}"])
            continue
        m = p["meeting"]
        items = [i for i in m.get("items", []) if i.get("kind") != "overview"]
        notes = []
        if p.get("replaces"):
            notes.append("将替换同名文件")
        notes += [zh_message(w) for w in m.get("warnings") or []]
        rows.append(
            [
                p["name"],
                m.get("region") or "",
                m.get("meeting") or "",
                str(m.get("meeting_number") or ""),
                m.get("date") or "",
                m.get("chair") or "",
                len(items),
                "✓ 可以加入" + ("；" + "；".join(notes) if notes else ""),
            ]
        )
    good = sum(1 for p in previews if "error" not in p)
    summary = (
        f"解析结果：{good} 个文件可以加入，{len(previews) - good} 个文件无法读取。"
        "地区、次数、日期、主持可以直接在表中改正，核对后点「加入资料库」。"
    )
    return summary, rows


def json_attr(value: object) -> str:
    """A value as an HTML attribute holding JSON (for the page script)."""
    return _e(json.dumps(value, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------
# styles and the page script
# ---------------------------------------------------------------------------------------------

# Colours are our own variables, set for both themes, each pair checked for WCAG AA (4.5:1) by
# tests/test_web.py in a real browser.
CSS = """
:root, .gradio-container { --qa-fg: #1f2328; --qa-muted: #4b5563; --qa-accent: #0b57d0; --qa-bg-soft: #f3f6fb;
  --qa-hl-bg: #fff0a8; --qa-hl-fg: #1f2328; --qa-target-bg: #ffd666; --qa-bad: #a4161a; --qa-ok: #116329;
  --qa-warn: #7a4b00; --qa-user-bg: #e3ecfd; --qa-card-bg: #ffffff; --qa-border: #c9d1dc; }
.dark, .dark .gradio-container { --qa-fg: #e6e8eb; --qa-muted: #b4bcc8; --qa-accent: #8ab4f8; --qa-bg-soft: #1f2630;
  --qa-hl-bg: #6b5300; --qa-hl-fg: #fff8dc; --qa-target-bg: #8a6100; --qa-bad: #ff9b9b; --qa-ok: #7ee2a8;
  --qa-warn: #ffd27a; --qa-user-bg: #23344f; --qa-card-bg: #161b22; --qa-border: #3b4552; }
.gradio-container { max-width: 1400px !important; }
#qa-title { margin: 0 !important; }
#qa-title h1 { margin: 0; font-size: 1.35em; display: inline; }
#qa-title p { display: inline; margin-left: .8em; color: var(--qa-muted); font-size: .92em; }
.qa-status { padding: 2px 8px; border-radius: 6px; font-size: .9em; color: var(--qa-muted); }
.qa-status.qa-error { background: #fdecea; color: #8a1c12; }
.dark .qa-status.qa-error { background: #3d1512; color: #ffb4ab; }
.qa-status.qa-building { background: var(--qa-bg-soft); color: var(--qa-fg); }
.qa-updating { margin-left: 1em; color: var(--qa-warn); }
.qa-bar { height: 6px; background: var(--qa-border); border-radius: 3px; margin-top: 4px; overflow: hidden; }
.qa-bar > div { height: 100%; background: var(--qa-accent); }
#qa-ask-row { align-items: stretch; gap: 8px; flex-wrap: nowrap; }
#qa-ask-row button { white-space: nowrap; }
.qa-status { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#qa-top { align-items: baseline; gap: 4px 16px; }
#qa-filters-box { margin: 0 !important; }
#qa-tabs button[role=tab][aria-selected=true], #qa-tabs button[role=tab].selected { color: var(--qa-accent); }
#qa-chat { overflow-y: auto; max-height: calc(100vh - 250px); min-height: 120px; }
.qa-chat { display: flex; flex-direction: column; gap: 12px; color: var(--qa-fg); }
.qa-empty p { color: var(--qa-muted); margin: 4px 0 8px; }
.qa-chips { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.qa-chips span { color: var(--qa-muted); font-size: .9em; }
.qa-chip { border: 1px solid var(--qa-border); background: var(--qa-bg-soft); color: var(--qa-fg); border-radius: 14px;
  padding: 3px 10px; cursor: pointer; font-size: .88em; margin: 2px; }
.qa-recent summary { cursor: pointer; color: var(--qa-muted); font-size: .9em; }
.qa-user { display: flex; justify-content: flex-end; }
.qa-user span { background: var(--qa-user-bg); color: var(--qa-fg); padding: 6px 12px;
  border-radius: 12px 12px 2px 12px; max-width: 85%; overflow-wrap: anywhere; }
.qa-bot { border: 1px solid var(--qa-border); background: var(--qa-card-bg); color: var(--qa-fg);
  border-radius: 2px 12px 12px 12px; padding: 8px 12px; margin-top: 6px; cursor: pointer; }
.qa-bot.qa-selected { border-color: var(--qa-accent); }
.qa-answer { line-height: 1.75; overflow-wrap: anywhere; }
.qa-answer.qa-notice { color: var(--qa-bad); }
.qa-note { color: var(--qa-warn); font-size: .9em; }
.qa-llm { margin-top: .6em; padding: .5em .7em; border-left: 3px solid var(--qa-warn); }
.qa-llm-head { font-size: .85em; font-weight: 600; }
.qa-llm-text { white-space: pre-wrap; }
.qa-quote { margin: 6px 0; padding: 2px 10px; border-left: 3px solid var(--qa-accent); color: var(--qa-fg); }
.qa-bot-foot { display: flex; justify-content: space-between; align-items: center; gap: 8px; margin-top: 4px;
  font-size: .9em; color: var(--qa-muted); }
a.qa-ref { color: var(--qa-accent); font-weight: 600; text-decoration: none; margin: 0 1px; }
a.qa-ref:hover, a.qa-ref:focus { text-decoration: underline; }
.qa-copy, .qa-open { border: 1px solid var(--qa-accent); color: var(--qa-accent); background: transparent;
  border-radius: 6px; padding: 1px 9px; cursor: pointer; white-space: nowrap; font-size: .88em; }
.qa-copy.qa-done { color: var(--qa-ok); border-color: var(--qa-ok); }
.qa-turn-cards { display: none; margin-top: 8px; }
.qa-cards { display: flex; flex-direction: column; gap: 10px; color: var(--qa-fg); }
.qa-cards-head { font-weight: 600; font-size: 1.02em; }
.qa-cards-head span { font-weight: normal; color: var(--qa-muted); font-size: .9em; }
.qa-cards-empty { color: var(--qa-muted); padding: 4px 0; }
.qa-card { border: 1px solid var(--qa-border); border-radius: 8px; padding: 8px 12px; background: var(--qa-card-bg);
  color: var(--qa-fg); scroll-margin-top: 12px; }
.qa-card.qa-flash { box-shadow: 0 0 0 3px var(--qa-accent); }
.qa-card header { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; }
.qa-rank { font-weight: 700; color: var(--qa-accent); }
.qa-meeting { font-weight: 600; }
.qa-card time { color: var(--qa-muted); margin-left: auto; }
.qa-item { margin: 4px 0; font-weight: 500; }
.qa-excerpt { margin: 4px 0; line-height: 1.7; }
mark.qa-hl { background: var(--qa-hl-bg); color: var(--qa-hl-fg); padding: 0 1px; border-radius: 2px; }
mark.qa-target { background: var(--qa-target-bg); color: var(--qa-hl-fg); padding: 1px 2px; border-radius: 3px; }
.qa-card details summary, .qa-related > summary { cursor: pointer; color: var(--qa-muted); font-size: .92em; }
.qa-related { display: flex; flex-direction: column; gap: 8px; }
.qa-related .qa-card { margin-top: 8px; }
.qa-fulltext { white-space: pre-wrap; max-height: 260px; overflow: auto; font-size: .92em; line-height: 1.6; }
.qa-facts { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: .85em; color: var(--qa-muted); margin-top: 4px; }
.qa-facts a, .qa-doc-meta a { color: var(--qa-accent); }
.qa-source { overflow-wrap: anywhere; }
.qa-card footer { display: flex; justify-content: flex-end; gap: 8px; margin-top: 6px; }
.qa-doc { color: var(--qa-fg); }
.qa-doc h3 { margin: 0 0 4px; }
.qa-doc-meta { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: .92em; margin: 4px 0; }
.qa-doc-meta b { margin-right: 4px; color: var(--qa-muted); font-weight: normal; }
.qa-doc-located { margin: 6px 0; color: var(--qa-warn); }
.qa-doc-item { display: inline; background: var(--qa-bg-soft); box-shadow: -6px 0 0 var(--qa-accent); }
.qa-doc-text { white-space: pre-wrap; line-height: 1.8; max-height: 70vh; overflow: auto; padding: 8px 12px;
  border: 1px solid var(--qa-border); border-radius: 6px; }
.qa-bad { color: var(--qa-bad); }
.qa-ok { color: var(--qa-ok); }
.qa-warn { color: var(--qa-warn); font-size: .9em; }
#qa-kb-actions, #qa-filter-row { align-items: flex-end; }
#qa-preview-table { max-height: 50vh; overflow: auto; }
@media (max-width: 899px) {
  #qa-side-cards { display: none; }
  .qa-turn-cards { display: block; }
  #qa-chat { max-height: none; }
  #qa-title p { display: none; }
}
"""

# Runs once in the page (launch(head=…)): Enter that does not send while an input method is
# composing, copy buttons, [n] links, the address bar, chips that ask. (Gradio's own texts follow
# the browser's language; a zh-CN browser gets its Chinese translations.)
HEAD = """
<script>
(() => {
  let composing = false;
  const inQuestion = (el) => el && el.closest && el.closest('#qa-question');
  document.addEventListener('compositionstart', (e) => { if (inQuestion(e.target)) composing = true; }, true);
  document.addEventListener('compositionend', (e) => {
    if (inQuestion(e.target)) setTimeout(() => { composing = false; }, 0);
  }, true);
  const guard = (e) => {
    if (e.key === 'Enter' && inQuestion(e.target) && (e.isComposing || composing || e.keyCode === 229)) {
      e.stopImmediatePropagation();  // the Enter belongs to the input method, not to 提问
    }
  };
  window.addEventListener('keydown', guard, true);
  window.addEventListener('keypress', guard, true);

  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {}
    const area = document.createElement('textarea');
    area.value = text; document.body.appendChild(area); area.select();
    const ok = document.execCommand('copy'); area.remove(); return ok;
  };
  const ask = (q) => {
    const box = document.querySelector('#qa-question textarea, #qa-question input');
    if (!box) return;
    box.value = q; box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => document.querySelector('#qa-send')?.click(), 50);
  };
  const flash = (card) => {
    card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    card.classList.add('qa-flash'); setTimeout(() => card.classList.remove('qa-flash'), 1500);
  };
  document.addEventListener('click', (e) => {
    const button = e.target.closest('[data-copy]');
    if (button) {
      e.preventDefault(); e.stopPropagation();
      copy(button.dataset.copy).then((ok) => {
        const label = button.textContent; button.textContent = ok ? '已复制' : '复制失败';
        button.classList.add('qa-done');
        setTimeout(() => { button.textContent = label; button.classList.remove('qa-done'); }, 1500);
      });
      return;
    }
    const chip = e.target.closest('[data-ask]');
    if (chip) { e.preventDefault(); ask(chip.dataset.ask); return; }
    const ref = e.target.closest('a.qa-ref');
    if (ref) {
      e.preventDefault();
      const turn = ref.closest('.qa-turn');
      const n = ref.dataset.ref;
      const inline = turn && turn.querySelector(`.qa-turn-cards [data-rank="${n}"]`);
      if (inline && inline.offsetParent) {
        const related = inline.closest('details'); if (related) related.open = true;
        flash(inline); return;
      }
      const find = () => document.querySelector(`#qa-side-cards #qa-card-${n}`);
      const wanted = turn ? turn.dataset.turn : null;
      let tries = 0;
      const wait = setInterval(() => {
        const root = document.querySelector('#qa-side-cards .qa-cards');
        const card = find();
        const shown = root ? root.dataset.turn : null;
        if (card && (wanted === null || shown === wanted)) {
          clearInterval(wait); const related = card.closest('details'); if (related) related.open = true; flash(card);
        } else if (++tries > 60 || !root) clearInterval(wait);
      }, 50);
    }
  }, true);

  // The address bar follows the latest question; the conversation scrolls to the latest answer.
  const sync = () => {
    const chat = document.querySelector('#qa-chat .qa-chat');
    if (!chat) return;
    const url = chat.dataset.url;
    if (url && url !== location.search) history.replaceState(null, '', location.pathname + url);
    if (chat.dataset.rendered !== '1') {
      chat.dataset.rendered = '1';
      const last = chat.querySelector('.qa-turn.qa-last');
      const box = document.querySelector('#qa-chat');
      if (last && box && box.scrollHeight > box.clientHeight) {
        box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top;
      }
    }
  };
  new MutationObserver(sync).observe(document.documentElement, {childList: true, subtree: true});
})();
</script>
"""
