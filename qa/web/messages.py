"""What the page says when something goes wrong, and the library's English messages said in Chinese.

The library speaks English (the CLI's language); the page speaks Chinese. :class:`UserError` is
what a person can fix or wait for, shown as is; anything else is a bug, logged and shown as one
sentence (:func:`unexpected`).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.index.errors import StoreError


class UserError(Exception):
    """Something the person using the app can fix or wait for; ``str(err)`` is shown as is."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def unexpected(exc: BaseException) -> str:
    """A bug, not the user's doing: logged with its traceback, shown as one sentence."""
    logging.getLogger("qa.web").exception("unexpected error")
    return f"出错了（{type(exc).__name__}: {one_line(exc)}）。请稍后重试；如果一再出现，请报告这个问题。"


def store_message(exc: StoreError) -> str:
    """An index error as the page says it (a concurrent writer and a vanished document in Chinese)."""
    from qa.index.errors import NotInIndex, WriterBusy

    if isinstance(exc, WriterBusy):
        return "另一项资料库更新正在进行，请等它完成后再试。"
    if isinstance(exc, NotInIndex):
        return "这份纪要已不在资料库中（可能已被删除）。"
    return one_line(exc)


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
