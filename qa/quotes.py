"""Which sentences of a passage answer the question, and how a quote reads.

A sentence is scored by what it means (its similarity with the question, relative to the best
sentence of its passage), the question's words it holds, and cue words of the kind of answer asked
for (a unit for «谁», a date for «何时», a decision for «怎么处理的»). The quote is the best
sentence, for what/who questions with up to two neighbours that answer nearly as well.
"""

from __future__ import annotations

import re

import numpy as np

from qa.chunks import Chunk
from qa.normalize import normalize_query, strip_glosses
from qa.query import GENERIC_FOCUS, Query
from qa.search import coverage
from qa.sentences import sentences


def display(text: str) -> str:
    """A quote for reading: wrapped lines joined; page numbers, pinyin glosses, markdown dropped."""
    text = re.sub(r"\n\s*[—\-–]\s*\d+\s*[—\-–]\s*(?=\n)", "", text)
    text = strip_glosses(text.replace("**", ""))
    text = re.sub(r"(?<=[A-Za-z])[ \t]*\n\s*(?=[A-Za-z])", " ", text)
    return re.sub(r"[ \t]*\n\s*", "", text).strip()


_CUES = {
    "who": re.compile(r"请|由|提交|提请|牵头|负责|汇报|起草|修改完善|会同|联合|交由|报送|上报"),
    "when": re.compile(r"\d{1,2}月\d{1,2}日|\d{4}年"),
    "chair": re.compile(r"主持"),
    "number": re.compile(r"第[\d一二三四五六七八九十百]+次"),
    "where": re.compile(r"会议室|会议地点|地点|礼堂|大厅|中心|在[^,。;]{2,20}(召开|举行|开始)"),
}
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万两]+[个项份次万亿吨亩人家条]")
_PLACE = re.compile(r"(?:会议地点[:：]?\s*|在)([^,，。;；:：\s]{2,20}?(?:会议室|礼堂|大厅|中心|大楼|会场))")


def meeting_place(text: str) -> str | None:
    """The place a sentence says the meeting was held in (会议地点: …, 在…会议室), as read."""
    match = _PLACE.search(display(text))
    return match.group(1) if match else None


# «怎么处理的», «什么态度», «作出了什么决定»: the answer is what the meeting decided or required.
_ASKS_DECISION = re.compile(r"处理|决定|态度|意见|怎么办|如何办|怎么做|怎样做|要求|结论|定了|拍板|怎么定")
_DECISION = re.compile(
    r"(?:会议|会上)?(?:原则)?(?:同意|要求|决定|明确|强调|指出|认为|原则通过|提出|责成|交由|提交|部署)"
    r"|^(?:[(（][一二三四五六七八九十\d]+[)）])?(?:要|必须|务必|切实|坚决|进一步)"
)


_REPORT = re.compile(r"就.{2,80}?(?:作了?|进行了?)?(?:汇报|说明)|(?:作|向会议作)了?.{0,10}汇报")
_MEETING_VERBS = frozenset("提出 要求 强调 指出 明确 研究 部署 审议 听取 讨论 作出 认为 决定 同意 通过".split())


def asks_decision(query: Query) -> bool:
    """«怎么处理的», «作出了什么决定», «什么态度»: the answer is what the meeting decided or required."""
    return query.qtype == "what" and bool(_ASKS_DECISION.search(query.norm))


def cue_score(norm: str, query: Query, scale: float = 1.0) -> float:
    """How well a sentence fits what the question asks for, apart from its topic words.

    ``scale`` < 1 when sentence similarities are also used: the cue words then only break near-ties
    instead of outvoting what the sentence means («提出了什么要求» must not pick any sentence with 提出).
    """
    score = 0.0
    cue = _CUES.get(query.qtype)
    if cue and cue.search(norm):
        score += 0.3
    if asks_decision(query):
        if _DECISION.search(norm):
            score += 0.6
        if _REPORT.search(norm):
            score -= 0.6  # «…就…作了汇报» restates the item; the decision follows it
    # Generic focus nouns (单位, 文件) name the kind of answer and would favour any sentence using them.
    score += 0.5 * sum(1 for f in query.focus if f in norm and f not in GENERIC_FOCUS)
    # Verbs every minutes uses (提出, 要求, 强调) say how the meeting spoke, not what about.
    score += 1.0 * sum(1 for v in query.verbs if v in norm and v not in _MEETING_VERBS)
    if query.quantity and _NUMBER.search(norm):
        score += 0.4
    return scale * score


# Sentence choice: meaning (similarity with the question, relative to the chunk's best sentence)
# weighs this much against lexical coverage and cue words.
W_SENTENCE_SEMANTIC = 6.0
HEADING_WORD_WEIGHT = 0.3
# Answers to what/要求/怎么/哪些 questions may quote neighbouring sentences scoring within this margin.
EXTEND_MARGIN = 0.35
MAX_QUOTED_SENTENCES = 3


def sentence_scores(
    chunk: Chunk, words: list[str], weights: list[float], query: Query, sims: np.ndarray | None = None
) -> list[tuple[int, int, float]]:
    """Every sentence of a chunk (span within the chunk text) with how well it answers the question.

    Lexical coverage of the topic words and cue words of the question type, plus, when sentence
    similarities are given, the sentence's similarity with the question relative to the best one.
    """
    spans = sentences(chunk.text)
    top = float(sims.max()) if sims is not None and len(sims) == len(spans) and len(sims) else None
    # Words of the item's heading found the item; inside it they sit in the sentence that names the
    # item, so they count less than the question's other words (财政部门 in «…条例时要求财政部门
    # 怎么做»).
    heading = normalize_query(chunk.heading)
    sentence_weights = [
        w * (HEADING_WORD_WEIGHT if word in heading else 1.0) for word, w in zip(words, weights, strict=True)
    ]
    # coverage() is a share; scaled back by the damped share, a damped word's presence counts less.
    damped_share = sum(sentence_weights) / (sum(weights) or 1.0)
    scored = []
    for index, (start, end, norm) in enumerate(spans):
        # For «what» questions meaning leads and cue words break ties; for the others (who, when …)
        # the cue is the kind of answer asked for (a unit, a date) and keeps its full weight.
        scale = 0.5 if top is not None and query.qtype == "what" else 1.0
        lexical = coverage(words, sentence_weights, norm) * damped_share if words else 0.0
        score = lexical + cue_score(norm, query, scale)
        if top is not None:
            score += W_SENTENCE_SEMANTIC * (float(sims[index]) - top)  # type: ignore[index]
        if re.match(r"^[一二三四五六七八九十]+、", norm) and len(norm) < 60:
            score -= 0.2  # a heading repeats the topic but rarely answers
        score -= 0.001 * index  # earlier sentences win ties
        scored.append((start, end, score))
    return scored


def best_sentence(
    chunk: Chunk, words: list[str], weights: list[float], query: Query, sims: np.ndarray | None = None
) -> tuple[int, int, float]:
    """The span (within the chunk text) of the sentence that best supports the answer, and its score."""
    scored = sentence_scores(chunk, words, weights, query, sims)
    if not scored:
        return 0, len(chunk.text), 0.0
    return max(scored, key=lambda s: s[2])


def answer_window(
    chunk: Chunk, words: list[str], weights: list[float], query: Query, sims: np.ndarray | None = None
) -> tuple[int, int]:
    """The quoted span: the best sentence, and for what/要求/怎么/哪些 questions up to two neighbours
    that answer nearly as well (one contiguous span, so the quote stays exact)."""
    scored = sentence_scores(chunk, words, weights, query, sims)
    if not scored:
        return 0, len(chunk.text)
    best = max(range(len(scored)), key=lambda i: scored[i][2])
    first = last = best
    if query.qtype in ("what", "who") and not query.quantity:
        limit = scored[best][2] - EXTEND_MARGIN
        while last - first + 1 < MAX_QUOTED_SENTENCES:
            after = scored[last + 1][2] if last + 1 < len(scored) else None
            before = scored[first - 1][2] if first > 0 else None
            if after is not None and after >= limit and (before is None or after >= before):
                last += 1
            elif before is not None and before >= limit and not _is_heading(chunk.text, scored[first - 1]):
                first -= 1
            else:
                break
    return scored[first][0], scored[last][1]


def _is_heading(text: str, span: tuple[int, int, float]) -> bool:
    piece = text[span[0] : span[1]]
    return bool(re.match(r"\s*[一二三四五六七八九十]+、", piece)) and len(piece) < 60


_WHO = [
    re.compile(r"(?:提交|提请|报送?|上报|呈报)([^,，。；;]{2,30}?)(?:审议|讨论|研究|审定|批准)"),
    re.compile(r"由([^,，。；;]{2,24}?)(?:牵头|负责|根据|依据|结合|会同|联合|按照|修改|组织|以)"),
    re.compile(r"请([^,，。；;]{2,24}?)(?:根据|依据|按照|结合|进一步|会同|抓紧|尽快|牵头|修改)"),
    re.compile(r"(?:听取了?|听取并原则同意)([^,，。；;]{2,24}?)(?:关于|有关|就|所作|的汇报|汇报)"),
    re.compile(r"^(?:\([一二三四五六七八九十]\))?([^,，。；;]{2,20}?)(?:就|向会议)"),
    re.compile(r"同意([^,，。；;《]{2,30}?)(?:提出|提交|起草|上报)的"),
]


def named_unit(sentence: str, query: Query) -> str | None:
    """The unit named in a supporting sentence: 市委常委会, 姑苏生态环境局, 县经信局 …"""
    norm = normalize_query(sentence)
    question = query.norm
    for verb in query.object_verbs:
        # «移交给哪个单位» → what follows 移交 in the sentence: 国资中心.
        if verb not in ("汇报", "提交", "提请", "牵头", "负责", "修改", "修改完善", "落实", "起草", "提出"):
            target = r"(?:给|至|到)?([^,，。；;]{2,16}?)(?:之后|以后|后|,|，|。|；|;|$)"
            after = re.search(re.escape(verb) + target, norm)
            if after:
                return after.group(1).strip()
    order = _WHO
    if re.search(r"汇报|提出|起草", question):
        order = [_WHO[5], _WHO[3], _WHO[4], *_WHO[:3]]
    elif re.search(r"提交|提请|报", question):
        order = _WHO
    else:
        order = [_WHO[1], _WHO[2], _WHO[0], _WHO[3], _WHO[4]]
    for pattern in order:
        match = pattern.search(norm)
        if match:
            return match.group(1).strip()
    return None


_AGENDA_ACTIONS = ("审议", "通过", "听取", "研究", "讨论", "学习", "传达", "部署", "通报")


def sentence_with_asked_action(chunk: Chunk, query: Query) -> tuple[int, int] | None:
    """The overview sentence naming what the question asks for («审议了哪些材料» → «会议对下列材料进行了审议…»)."""
    actions = [a for a in _AGENDA_ACTIONS if a in query.norm]
    # The meeting sentence itself does not count: every overview has one.
    for start, end, norm in sentences(chunk.text)[1:]:
        if actions and any(a in norm for a in actions) and "主持" not in norm:
            return start, end
    return None


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def extend_short(text: str, start: int, end: int, minimum: int = 40) -> tuple[int, int]:
    """A very short supporting sentence takes the next one along, within the same paragraph."""
    if end - start >= minimum:
        return start, end
    for a, b, _norm in sentences(text):
        if a >= end:
            if "\n" in text[end:a] or re.match(r"\s*[一二三四五六七八九十]+、", text[a:b]):
                break
            return start, b
    return start, end


def meeting_sentence(text: str, prefer: str | None = None) -> tuple[int, int]:
    """The opening sentence of an overview: date, meeting, chair."""
    spans = sentences(text)
    if prefer:
        for start, end, norm in spans:
            if prefer in norm and len(norm) < 400:
                return start, end
    for start, end, norm in spans:
        if (
            re.search(r"常务会", norm)
            and re.search(r"\d|[一二三四五六七八九十]次", norm)
            and len(norm) < 400
            and re.search(r"[,。]", norm)
        ):
            return start, end
    for start, end, norm in spans:
        if "主持" in norm:
            return start, end
    return spans[0][:2] if spans else (0, len(text))
