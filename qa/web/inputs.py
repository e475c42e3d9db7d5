"""What a person types into the page, read and checked: dates, the filters, a follow-up's topic.

Dates are understood as people write them (2024/12/1, 2024年12月1日, 二〇二四年十二月一日) or
refused with a sentence naming the box; where the question and the chosen filters disagree the
page says so (:func:`filter_notices`) rather than silently answering from the filters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from qa.web.messages import UserError


def iso_date(value: str | float | None, label: str) -> str | None:
    """A date typed or picked in the UI as YYYY-MM-DD (None when empty).

    Understands 2024-12-01, 2024/12/1, 2024.12.1, 20241201, 2024年12月1日 and 二〇二四年十二月一日;
    anything else is refused with a sentence naming the box.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float):
        from datetime import datetime

        return datetime.fromtimestamp(value).date().isoformat()
    from qa.dates import find_dates

    text = str(value).strip()
    bare = re.sub(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)$", "", text).strip()  # a time after the date is ignored
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", bare)
    found = [(int(compact[1]), int(compact[2]), int(compact[3]))] if compact else []
    if not found:
        mentions = [
            m for m in find_dates(bare) if m.kind == "full" and m.start == 0 and m.end >= len(bare.rstrip("日号 "))
        ]
        found = [(m.year, m.month, m.day) for m in mentions if m.year and m.month and m.day]
    if not found:
        match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", bare)
        found = [(int(match[1]), int(match[2]), int(match[3]))] if match else []
    for year, month, day in found:
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            break
    shown = text if len(text) <= 30 else text[:30] + "…"
    raise UserError(f"{label}「{shown}」不是有效的日期，请写成 2024-12-13 或 2024年12月13日。")


def _short_region(name: str) -> str:
    """«姑苏» for «姑苏区», «太仓» for «太仓市»: how a question may name a region."""
    short = re.sub(r"(自治县|自治州|新区|特别行政区|区|市|县|旗|州)$", "", name)
    return short if len(short) >= 2 else name


def filter_notices(
    question: str, chosen: Sequence[str], known: Sequence[str], start: str | None = None, end: str | None = None
) -> list[str]:
    """Where the question and the chosen filters disagree, said as sentences.

    «问题中的"姑苏区"不在筛选范围（吴中区）内» when the question names a region of the index that
    the region filter leaves out; likewise a year outside the date range.
    """
    from qa.normalize import normalize_query

    norm = normalize_query(question)
    notices = []
    if chosen:
        chosen_set = set(chosen)
        for region in sorted(known, key=len, reverse=True):
            if region in chosen_set:
                continue
            named = region if region in norm else _short_region(region)
            if named in norm and not any(named in c or c in norm for c in chosen_set):
                scope = "、".join(chosen)
                notices.append(f"问题中的“{named}”不在筛选范围（{scope}）内：答案只在筛选范围内查找。")
    for match in re.finditer(r"(?<!\d)(19\d{2}|20\d{2})年", norm):
        year = match[1]
        if (start and year < start[:4]) or (end and year > end[:4]):
            notices.append(f"问题中的“{year}年”不在日期筛选（{start or '不限'} 至 {end or '不限'}）内。")
    return notices


_TOPIC_STOP = {
    "会议",
    "审议",
    "研究",
    "讨论",
    "部署",
    "工作",
    "情况",
    "方案",
    "问题",
    "事项",
    "相关",
    "有关",
    "什么",
    "哪些",
}


def topic_terms(question: str, regions: Sequence[str] = ()) -> list[str]:
    """The content words of a question's topic (place, time and question words left out)."""
    import jieba

    from qa.query import understand

    query = understand(question, [(r, None) for r in regions])
    topic = query.topic
    for region in sorted(regions, key=len, reverse=True):
        topic = topic.replace(region, " ").replace(_short_region(region), " ")
    words = [w.strip() for w in jieba.lcut(topic)]
    return [w for w in words if len(w) >= 2 and w not in _TOPIC_STOP and not re.fullmatch(r"[\d\W_]+", w)]
