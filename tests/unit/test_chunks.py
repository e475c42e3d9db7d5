"""qa.chunks: item granularity, context headers, long items split with their heading."""

from __future__ import annotations

from conftest import sample

from qa.chunks import CLOSING_HEADING, TARGET_CHARS, chunk_meeting
from qa.minutes import parse_file, parse_text


def test_one_chunk_per_item_plus_overview_and_closing_lines(parsed_samples):
    meeting = parsed_samples["002"]
    chunks = chunk_meeting(meeting, "002.txt")
    assert [c.kind for c in chunks] == ["overview"] + ["item"] * 8 + ["closing"]
    closing = chunks[-1]
    # The attendance lines after the last item are a chunk of their own (they are also metadata).
    assert closing.text.startswith("會議還研究了其他事項") and "列席" in closing.text
    assert closing.heading == CLOSING_HEADING and closing.item_index == 9
    assert [c.chunk_id for c in chunks][:2] == ["002.txt:0", "002.txt:1"]
    for chunk in chunks:
        assert meeting.text[chunk.start : chunk.end] == chunk.text
        assert chunk.region == "姑苏区" and chunk.date == "2024-12-13" and chunk.meeting_number == 39


def test_context_header_names_region_date_meeting_and_item(parsed_samples):
    chunk = chunk_meeting(parsed_samples["002"], "002.txt")[7]
    assert (
        chunk.header
        == "姑苏区 2024-12-13 保护区管委会、姑苏区政府第39次常务会议 七、审议《苏州市姑苏区碳达峰实施方案》"
    )
    assert chunk.embed_text().startswith(chunk.header + "\n")
    assert "碳达峰实施方案" in chunk.norm and "碳達峰實施方案" in chunk.text  # searched simplified, shown as written


def test_overview_header_names_the_chair(parsed_samples):
    overview = chunk_meeting(parsed_samples["000"], "000.txt")[0]
    assert "主持:区长万利" in overview.header
    assert "吴政办纪﹝2025﹞36号" in overview.text  # the document number is findable


def test_long_item_is_split_at_subitems_with_heading_repeated():
    body = "".join(f"（{n}）" + "会议要求各部门加强安全生产隐患排查整治工作。" * 14 + "\n" for n in "一二三四")
    text = "2024年3月1日，区长张三主持召开区政府第5次常务会议。\n一、听取安全生产工作汇报\n" + body
    meeting = parse_text(text, "long.txt")
    item_chunks = [c for c in chunk_meeting(meeting) if c.kind == "item"]
    assert len(item_chunks) > 1
    assert all(len(c.norm) <= TARGET_CHARS * 1.6 for c in item_chunks)
    assert item_chunks[1].norm.startswith("一、听取安全生产工作汇报\n")
    assert len({c.chunk_id for c in item_chunks}) == len(item_chunks)
    # The parts tile the item without gaps.
    assert item_chunks[0].start == meeting.items[1].start and item_chunks[-1].end == meeting.items[1].end


def test_every_external_meeting_chunks(parsed_external):
    for name, meeting in parsed_external.items():
        chunks = chunk_meeting(meeting, name)
        assert chunks[0].kind == "overview" and any(c.kind == "item" for c in chunks), name


def test_chunk_ids_are_stable_across_parses():
    first = [c.chunk_id for c in chunk_meeting(parse_file(sample("003")), "003.txt")]
    second = [c.chunk_id for c in chunk_meeting(parse_file(sample("003")), "003.txt")]
    assert first == second
