"""What a citation card quotes: the document as written, minus what the normaliser removed.

Quotes are shown as written (traditional stays traditional) minus what the normaliser removed
as spam or page debris (:func:`visible`); the citation spans are untouched, so a copied or
exported sentence still matches the original at its span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


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
def view_of(text: str, fmt: str | None) -> Visible:
    """:meth:`Visible.of`, memoised: a few documents per answer, the same ones again and again."""
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
            "quote": flat(sentence),
            "tail": "",
            "full_before": "",
            "full_quote": sentence,
            "full_after": "",
            "doc_number": c.get("doc_number"),
            "url": c.get("url"),
        }
    text = document["text"]
    view = view_of(text, document.get("format"))
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
    lead = flat(view.slice(ca, s)).lstrip()
    lead = ("…" + lead[-lead_chars:]) if len(lead) > lead_chars else lead
    quote = flat(view.slice(s, t))
    tail = flat(view.slice(t, cb)).rstrip()
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


def flat(text: str) -> str:
    """A quote for a card: wrapped lines joined (Chinese text has no spaces between lines)."""
    text = re.sub(r"(?<=[A-Za-z0-9])[ \t]*\n\s*(?=[A-Za-z0-9])", " ", text)
    return re.sub(r"[ \t]*\n\s*", "", text)
