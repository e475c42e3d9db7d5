"""What the web assistant shows, as pure functions from answer dicts to HTML and plain text.

No Gradio here: :class:`qa.web.assistant.WebAssistant` prepares each answer (each citation's
``view``, see :func:`qa.web.excerpt.citation_view`) and :mod:`qa.web.app` wires these renderers
to components. Every piece of document or user text goes through :func:`escape` and is shown as
HTML text, never through a Markdown or LaTeX renderer: a quote is the source's characters,
``[x](https://…)``, ``**x**`` and ``$$x$$`` included.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from qa.dates import cn_date
from qa.web.excerpt import flat, item_at, view_of, visible
from qa.web.messages import zh_message

if TYPE_CHECKING:
    from qa.index.writer import WriteReport
    from qa.web.progress import Progress


def escape(text: object) -> str:
    """Any value as HTML text, quotes included (None as nothing): the one way text enters the page's HTML."""
    return html.escape(str(text if text is not None else ""), quote=True)


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
    quote = view.get("quote") or flat(c.get("sentence") or "")
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
    text = escape(turn.get("answer", ""))

    def link(match: re.Match[str]) -> str:
        n = int(match[1])
        if n not in ranks:
            return match[0]
        return f'<a class="qa-ref" href="#qa-card-{n}" data-ref="{n}" title="看出处 [{n}]">[{n}]</a>'

    return re.sub(r"\[(\d{1,2})\]", link, text).replace("\n", "<br>")


def _bubble(turn: dict, number: int, selected: bool) -> str:
    if turn.get("error"):
        body = f'<div class="qa-answer qa-notice">{escape(turn.get("answer", ""))}</div>'
        return f'<div class="qa-bot" data-turn="{number}">{body}</div>'
    notes = []
    if turn.get("interpreted_as"):
        notes.append(f"追问，理解为「{escape(turn['interpreted_as'])}」")
    for notice in turn.get("notices") or []:
        notes.append(escape(notice))
    if turn.get("ui_filters"):
        notes.append(f"筛选：{escape(turn['ui_filters'])}")
    note_html = "".join(f'<div class="qa-note">{n}</div>' for n in notes)
    quote = turn.get("follow_quote")
    quote_html = f'<blockquote class="qa-quote">“{escape(quote)}”</blockquote>' if quote else ""
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
        f'<button type="button" class="qa-copy" data-copy="{escape(answer_text(turn))}" '
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
    model = escape(llm.get("model") or "")
    status = llm.get("status")
    if status == "verified":
        head = f"生成的回答（{model}，引文已逐字核对原文）"
        body = f'<div class="qa-llm-text">{escape(llm.get("text") or "")}</div>'
    elif status == "streaming":
        head = f"生成的回答（{model}，生成中，只显示已核对的部分）"
        body = f'<div class="qa-llm-text">{escape(llm.get("text") or "")}</div>'
    else:
        head = "未显示生成的回答"
        body = f'<div class="qa-note">{escape(llm.get("note") or "")}</div>'
    return f'<div class="qa-llm" data-status="{escape(status or "")}"><div class="qa-llm-head">{head}</div>{body}</div>'


def render_chat(turns: Sequence[dict], selected: int | None = None, examples: Sequence[str] = ()) -> str:
    """The whole conversation: each question, its answer bubble and (on narrow screens) its cards.

    The root carries ``data-url`` (the latest question as a query string) for the page script
    to put into the address bar, and ``data-selected``, the turn whose cards the side shows.
    """
    if selected is None or not 0 <= selected < len(turns):
        selected = len(turns) - 1
    recent = recent_questions(turns)
    if not turns:
        chips = "".join(
            f'<button type="button" class="qa-chip" data-ask="{escape(q)}">{escape(q)}</button>' for q in examples
        )
        body = (
            '<div class="qa-empty"><p>问一个关于政府常务会议纪要的问题，每个答案都注明出自哪次会议、'
            "哪个议题、哪句原文。</p>"
            f'<div class="qa-chips"><span>试试：</span>{chips}</div></div>'
        )
        return f'<div class="qa-chat" data-url="" data-selected="-1">{body}</div>'
    pieces = []
    if len(recent) > 1:
        chips = "".join(
            f'<button type="button" class="qa-chip" data-ask="{escape(q)}">{escape(q)}</button>' for q in recent
        )
        pieces.append(f'<details class="qa-recent"><summary>最近提问（{len(recent)}）</summary>{chips}</details>')
    for number, turn in enumerate(turns):
        last = " qa-last" if number == len(turns) - 1 else ""
        pieces.append(
            f'<section class="qa-turn{last}" data-turn="{number}">'
            f'<div class="qa-user"><span>{escape(turn.get("question", ""))}</span></div>'
            f"{_bubble(turn, number, number == selected)}"
            f'<div class="qa-turn-cards">{render_cards(turn, number + 1, inline=True)}</div>'
            "</section>"
        )
    url = url_query(turns[-1]) if not turns[-1].get("error") else ""
    return f'<div class="qa-chat" data-url="{escape(url)}" data-selected="{selected}">{"".join(pieces)}</div>'


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
        quote, tail = flat(c.get("sentence", "")), ""
    if role == "evidence":
        excerpt = f'{escape(lead)}<mark class="qa-hl">{escape(quote)}</mark>{escape(tail)}'
        full = (
            f'{escape(view.get("full_before", ""))}<mark class="qa-hl">{escape(view.get("full_quote", ""))}</mark>'
            f"{escape(view.get('full_after', ''))}"
        )
    else:  # only possibly related: no sentence is claimed to support anything
        excerpt = escape((lead + quote + tail)[:160])
        full = escape(view.get("full_before", "") + view.get("full_quote", "") + view.get("full_after", ""))
    facts = []
    number = view.get("doc_number") or c.get("doc_number")
    if number:
        facts.append(f'<span class="qa-docno">文号 {escape(number)}</span>')
    url = view.get("url") or c.get("url")
    if url and re.match(r"https?://", str(url)):
        facts.append(f'<a class="qa-url" href="{escape(url)}" target="_blank" rel="noopener noreferrer">原文网址</a>')
    confidence = c.get("ocr_confidence")
    if isinstance(confidence, int | float):
        share = confidence * 100 if confidence <= 1 else confidence
        facts.append(f'<span class="qa-ocr">文字经识别（OCR），置信度 {share:.0f}%</span>')
    facts.append(f'<span class="qa-source" title="文件">{escape(c.get("source", ""))}</span>')
    ident = f"qa-tcard-{turn_number}-{rank}" if inline else f"qa-card-{rank}"
    open_attr = f' data-open-turn="{turn_number - 1}"' if turn_number else ""
    return (
        f'<article class="qa-card qa-{role}" id="{ident}" data-rank="{rank}">'
        f'<header><span class="qa-rank">[{rank}]</span>'
        f'<span class="qa-meeting">{escape(name)}</span>'
        f'<time datetime="{escape(c.get("date") or "")}">{escape(cn_date(c.get("date"), c.get("date_partial")))}</time>'
        f"</header>"
        f'<div class="qa-item">{escape(heading)}</div>'
        f'<p class="qa-excerpt">{excerpt}</p>'
        f'<details><summary>议题全文</summary><div class="qa-fulltext">{full}</div></details>'
        f'<div class="qa-facts">{"".join(facts)}</div>'
        f'<footer><button type="button" class="qa-copy" data-copy="{escape(citation_text(c))}">复制引用</button>'
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
# the document view and the filter line
# ---------------------------------------------------------------------------------------------


def render_document(document: dict | None, citation: dict | None = None, heading: str | None = None) -> str:
    """The whole document as written (minus spam and page debris), the cited sentence marked."""
    if document is None:
        return '<div class="qa-doc"><p class="qa-cards-empty">这份纪要已不在资料库中（可能已被删除或重建）。</p></div>'
    text = document.get("text") or ""
    view = view_of(text, document.get("format"))
    meeting = document.get("meeting") or {}
    if citation is not None:
        s, t = (max(0, min(len(text), int(x))) for x in citation["span"])
        item = item_at(meeting.get("items", []), s)
        a, b = (min(item["start"], s), max(item["end"], t)) if item else (s, t)
        pieces = [
            escape(view.slice(0, a)),
            '<div class="qa-doc-item" id="qa-doc-item">',
            escape(view.slice(a, s)),
            f'<mark class="qa-target">{escape(view.slice(s, t))}</mark>',
            escape(view.slice(t, b)),
            "</div>",
            escape(view.slice(b, len(text))),
        ]
    else:
        pieces = [escape(view.slice(0, len(text)))]
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
    meta = "".join(f"<span><b>{escape(k)}</b>{escape(v)}</span>" for k, v in facts if v)
    url = meeting.get("url") or document.get("url")
    if url and re.match(r"https?://", str(url)):
        link = f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(url)}</a>'
        meta += f"<span><b>网址</b>{link}</span>"
    title = meeting.get("title") or meeting_name(meeting.get("region"), meeting.get("meeting"), None)
    located = ""
    if citation is not None:
        label = heading or citation.get("item", "")
        located = f'<div class="qa-doc-located">定位到 [{int(citation["rank"])}]：{escape(label)}</div>'
    return (
        f'<div class="qa-doc"><h3>{escape(visible(title))}</h3><div class="qa-doc-meta">{meta}</div>{located}'
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


def filter_note(regions: Sequence[str] | None, start: str | None, end: str | None) -> str:
    """The filters a turn was asked with, as its bubble notes them: «地区 吴中区；日期 2024-12-01 至 不限»."""
    parts = []
    if regions:
        parts.append("地区 " + "、".join(regions))
    if start or end:
        parts.append(f"日期 {start or '不限'} 至 {end or '不限'}")
    return "；".join(parts)


# ---------------------------------------------------------------------------------------------
# the 资料库 tab and the status line
# ---------------------------------------------------------------------------------------------


def render_status(status: dict) -> str:
    """The line at the top: what the index holds, or the first build's progress."""
    state = status["state"]
    if state == "building":
        progress: Progress = status["progress"]
        percent = int(progress.fraction * 100)
        return (
            f'<div class="qa-status qa-building">正在建立索引，完成后即可提问：{escape(progress.describe())}'
            f'<div class="qa-bar"><div style="width:{percent}%"></div></div></div>'
        )
    if state != "ready":
        return f'<div class="qa-status qa-error">{escape(status["message"])}</div>'
    stats = status["stats"]
    regions = stats.get("regions") or []
    shown = "、".join(regions[:8]) + ("等" if len(regions) > 8 else "")
    dates = " 至 ".join(stats["date_range"]) if stats.get("date_range") else "日期不详"
    updating = f'<span class="qa-updating">{escape(status["updating"])}</span>' if status.get("updating") else ""
    folded = stats.get("folded") or {}
    folds = []
    if folded.get("duplicates"):
        folds.append(f"{folded['duplicates']} 份重复副本")
    if folded.get("versions"):
        folds.append(f"{folded['versions']} 份旧版本")
    # One meeting, one record: copies and earlier versions stay listed but are not cited.
    fold_note = f" · 已合并{'、'.join(folds)}（不再引用）" if folds else ""
    return (
        f'<div class="qa-status">资料库：{stats["documents"]} 份纪要 · {len(regions)} 个地区（{escape(shown)}）'
        f" · {escape(dates)}{escape(fold_note)}{updating}</div>"
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
    """A document as the 选中的纪要 menu lists it: date, region, meeting, file name."""
    m = d["meeting"]
    return f"{m.get('date') or '日期不详'} {m.get('region') or ''} {m.get('meeting') or ''} — {d['source']}"


def render_report(report: WriteReport, documents: list[dict] | None = None) -> str:
    """The outcome of an add / delete / rebuild, with every file error on its own line."""
    by_id = {d["doc_id"]: d for d in documents or []}
    parts = []
    done = report.added + report.changed
    if done:
        names = "、".join(escape(document_label(by_id[d]) if d in by_id else d) for d in done)
        parts.append(f'<div class="qa-ok">✓ 已加入 {len(done)} 份纪要：{names}</div>')
    if report.removed:
        parts.append(f'<div class="qa-ok">✓ 已删除：{"、".join(escape(d) for d in report.removed)}</div>')
    for error in report.errors:
        parts.append(
            f'<div class="qa-bad">✗ {escape(error.path)}：未能加入（{escape(zh_message(error.reason))}）</div>'
        )
    if not parts:
        parts.append('<div class="qa-ok">没有需要更新的内容。</div>')
    return '<div class="qa-report">' + "".join(parts) + "</div>"


def render_error(message: str) -> str:
    """A refused or failed library change, as the report box shows it."""
    return f'<div class="qa-report"><div class="qa-bad">✗ {escape(message)}</div></div>'


def preview_table(previews: list[dict]) -> tuple[str, list[list]]:
    """The upload preview as a compact table: (summary line, rows of 文件/地区/会议/次数/日期/主持/议题数/解析结果).

    地区, 次数, 日期 and 主持 are editable in the page;
    :meth:`qa.web.assistant.WebAssistant.corrections_from` reads the changes back as corrections.
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
