"""A page → the meeting reports it carries (issue 12, class 2).

A news page may report several meetings: a 常务会议 and, after «又讯», the next one; a 党组会议
then a 常务会议; a weekly round-up. Each report is parsed as a meeting of its own
(:mod:`qa.minutes`); what one report leaves out (its place, its year), another of the same page
may say (:func:`share_between_parts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from qa.dates import cn_to_int, find_dates
from qa.meeting import Meeting
from qa.normalize import Normalized
from qa.parse.patterns import MEETING, OPENING, PARTY_MEETING, PUBLIC_RECORD, is_title, paragraphs
from qa.regions import own_government_kind

# Where a page's next report starts: «又讯», «另讯», or a paragraph that opens a meeting of its own
# — its date, then the meeting held or chaired — after the first report's body. A 党组会议 held
# before the 常务会议 is a meeting too (PARTY_MEETING).
_NEXT_REPORT = re.compile(r"^[【\[(]?(?:又讯|另讯|又讯:|本报又讯)[】\])]?")


@dataclass
class Report:
    """One meeting's report on a page: its span in the original text and the hints it is read with."""

    start: int
    end: int
    hints: list[str]


def split_page(text: str, hints: list[str], norm: Normalized) -> list[Report]:
    """The reports of a page (original ``text``, its ``hints``, ``norm`` its normalised form), in order.

    One report, the whole page, for most files. Later reports also get the page's furniture
    (its publication line, site name) as hints, since it dates and places every report.
    """
    cuts = meeting_starts(norm)
    if len(cuts) <= 1:
        return [Report(0, len(text), hints)]
    bounds = [0] + [norm.to_original(c, c + 1)[0] for c in cuts[1:]] + [len(text)]
    # The page's own lines before the first report's lead (title, publication line) date every report.
    lines = norm.text[: cuts[1]].split("\n")
    lead = next((k for k, line in enumerate(lines) if opens_meeting(line)), 0)
    # Not the first report's headline: it would name that report's government and chair.
    page_lines = [line for line in lines[:lead] if re.search(r"发布|时间|日期|来源|\d{4}\s*[-/.年]", line)]
    reports = []
    for part, (start, end) in enumerate(pairwise(bounds), 1):
        extra = [h for h in [*norm.hints, *page_lines] if h not in hints] if part > 1 else []
        reports.append(Report(start, end, list(dict.fromkeys([*hints, *extra]))))
    return reports


def opens_meeting(text: str) -> bool:
    """A paragraph that reports a meeting being held: «6月3日，区长…主持召开区政府第12次常务会议»."""
    head = text[:120]
    if is_title(text) or PUBLIC_RECORD.search(head):
        return False
    if not (OPENING.search(head) or PARTY_MEETING.search(head)):
        return False
    if re.match(r"^(?:会议|会上|与会|在|此前|之前|针对|按照|根据)", text):
        return False  # a matter of the current report: «会议传达学习了4月8日省政府常务会议精神»
    anchor = re.search(r"主持|召开|举行", head)
    before = head[: anchor.start()] if anchor else head
    if re.search(r"传达|学习|贯彻|落实|精神|关于", before):
        return False  # a meeting relayed, not held
    dates = find_dates(before)
    return bool(dates) and dates[0].start < 30


def _report_key(text: str) -> tuple[tuple[int | None, int | None], int | None, bool]:
    """(month, day), meeting number and whether it is a 党组会议: a new meeting or a restatement?"""
    dates = find_dates(text[:60])
    when = (dates[0].month, dates[0].day) if dates else (None, None)
    number = None
    for match in MEETING.finditer(text):
        number = cn_to_int(match.group("num"))
        break
    return when, number, bool(PARTY_MEETING.search(text[:120])) and not OPENING.search(text[:120])


def meeting_starts(norm: Normalized) -> list[int]:
    """Normalised offsets where each meeting's report starts; one entry for a single meeting."""
    paras = paragraphs(norm.text)
    starts: list[int] = []
    last = -1  # index of the paragraph opening the current report
    for i, para in enumerate(paras):
        offset, text = para.start, para.text
        marked = bool(_NEXT_REPORT.match(text)) and last >= 0
        if not (marked or opens_meeting(text)):
            continue
        if last >= 0 and not marked:
            (when, number, party), (last_when, last_number, last_party) = (
                _report_key(text),
                _report_key(paras[last].text),
            )
            same_number = number is None or last_number is None or number == last_number
            if when == last_when and same_number and party == last_party:
                continue  # the same meeting told again (a repeated lead, a public-opinion section)
            if i - last < 2 and (number is None or number == last_number) and party == last_party:
                continue  # a subtitle right under the lead; a round-up entry has its own number
            if i - last < 2 and len(paras[last].text) <= 8 and _NEXT_REPORT.match(paras[last].text):
                continue  # the lead right under a bare «又讯» line: the report it announced
        start, k = offset, i
        while last >= 0 and k - 1 > last + 1 and is_title(paras[k - 1].text) and not marked:
            k -= 1  # the next report's headline (and its site line) goes with it
            start = paras[k].start
        starts.append(start if starts else 0)
        last = i
    return starts or [0]


def share_between_parts(meetings: list[Meeting]) -> None:
    """What one report of a page leaves out, another of the same government may say (class 2).

    A 党组会议 report that names no place is the same government's as the 常务会议 report after it
    when both speak of the same level (县政府 …); a report dated 4月18日 with no year shares the
    year of a report of that page held the same day.
    """
    for m in meetings:
        others = [o for o in meetings if o is not m]
        kind = own_government_kind(m.text[m.items[0].start : m.items[-1].end]) if m.items else None
        if m.region is None and kind:
            for o in others:
                o_kind = own_government_kind(o.text[o.items[0].start : o.items[-1].end]) if o.items else None
                if o.region and o_kind == kind:
                    m.region, m.city, m.province = o.region, o.city, o.province
                    m.region_inferred_from = o.region_inferred_from or "本页另一会议"
                    m.warnings = [w for w in m.warnings if "地区" not in w]
                    m.warnings.append(f"地区：本页另一会议的地区（{o.region}，同为{kind}政府）")
                    break
        if m.date is None and m.date_partial:
            for o in others:
                if o.date and o.date[5:] == m.date_partial:
                    m.date, m.date_inferred, m.date_inferred_from = o.date, True, "同页同日另一会议的日期"
                    m.warnings = [w for w in m.warnings if "年份留空" not in w]
                    m.warnings.append(f"会议日期：与本页另一会议同日，补全为 {m.date}")
                    break
