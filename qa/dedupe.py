"""One meeting, one record: fold re-uploaded versions and mirror copies of the same minutes.

A meeting is identified by its government, meeting number and date (吴中区 · 第55次 · 2025-07-17),
or by its document number (文号, brackets unified). Documents sharing either key are one meeting.
Of each such group the newest document is the record answers cite; every other one is folded:

- a **duplicate** when its text is near-identical to the record's (a mirror copy of the same page
  on another site, the same file saved twice), or
- a **previous version** otherwise (a corrected file re-uploaded): it stays in the document list,
  marked as superseded, but is not cited.

"Newest" is, in order: the later issue date (印发) when both documents state one; else the later
file modification time when both came from a folder; else the later indexing time; ties go to the
larger document id, so the choice never depends on the order rows are read in.

The folding is computed from a generation's ``documents`` table when a reader opens it (one SQL
scan of the metadata; texts are read only for documents that share a key), so it always matches
the documents of that generation, whichever of base and delta they live in.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# A mirror copy differs from the record only in spacing, punctuation and page furniture: lines such
# as 来源：… / 发布时间：… / 【打印】【关闭】 that a site adds around the article. A corrected version
# changes the words themselves, however few.
_FURNITURE_LINE = re.compile(
    r"^\s*[（(【\[]?\s*(来源|信息来源|稿源|发布时间|发布日期|发布机构|发布者|浏览次数|访问量|阅读量|阅读次数|点击数|"
    r"字号|字体|责任编辑|编辑|审核|校对|分享到?|打印|关闭|保存|扫一扫|【)",
    re.M,
)


@dataclass
class DocFacts:
    """What folding needs to know about one indexed document."""

    doc_id: str
    region: str | None
    meeting_number: int | None
    date: str | None
    doc_key: str | None  # document number with brackets unified (qa.docnumber.key)
    issued: str | None
    mtime_ns: int | None
    indexed_at: str | None
    items: int = 0


@dataclass
class Fold:
    """A document that is not cited: a duplicate or previous version of ``of`` (the record)."""

    doc_id: str
    kind: str  # "duplicate" | "version"
    of: str
    similarity: float

    def to_dict(self) -> dict:
        return {"kind": self.kind, "of": self.of, "similarity": round(self.similarity, 3)}


@dataclass
class Folding:
    """The folded documents of a generation, by document id."""

    folds: dict[str, Fold] = field(default_factory=dict)

    @property
    def folded(self) -> frozenset[str]:
        """Ids of documents that answers must not cite."""
        return frozenset(self.folds)

    def counts(self) -> dict[str, int]:
        """How many duplicates and previous versions were folded (for ``qa index stats``)."""
        kinds = [f.kind for f in self.folds.values()]
        return {"duplicates": kinds.count("duplicate"), "versions": kinds.count("version")}

    def of(self, doc_id: str) -> dict | None:
        """The fold of one document as JSON-ready data, or None when it is a record."""
        fold = self.folds.get(doc_id)
        return fold.to_dict() if fold else None


def meeting_keys(facts: DocFacts) -> list[str]:
    """The keys that identify the document's meeting (none when its metadata is incomplete)."""
    keys = []
    if facts.region and facts.meeting_number is not None and facts.date:
        keys.append(f"meeting|{facts.region}|{facts.meeting_number}|{facts.date}")
    if facts.doc_key:
        keys.append(f"number|{facts.doc_key}")
    return keys


_NOT_TEXT = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]+")


def _core(text: str) -> str:
    return _NOT_TEXT.sub("", text)


def is_mirror(a: str, b: str) -> bool:
    """Whether two texts of one meeting are the same text: equal once spacing, punctuation and
    furniture lines are dropped (one is a mirror copy of the other)."""

    def words(text: str) -> str:
        return _core("\n".join(line for line in text.splitlines() if not _FURNITURE_LINE.match(line)))

    return words(a) == words(b)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character 4-grams of two texts, punctuation and spacing ignored."""

    def grams(text: str) -> set[str]:
        core = _core(text)
        return {core[i : i + 4] for i in range(max(1, len(core) - 3))}

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb) if ga or gb else 1.0


def _newness(facts: DocFacts, others: Sequence[DocFacts]) -> tuple:
    # Each criterion counts only when every document of the group has it, so that one missing
    # value cannot make an old file look new.
    issued = facts.issued if all(o.issued for o in others) else ""
    mtime = facts.mtime_ns if all(o.mtime_ns is not None for o in others) else 0
    return (issued or "", mtime or 0, facts.indexed_at or "", facts.doc_id)


def fold_documents(documents: Sequence[DocFacts], text_of: Callable[[str], str]) -> Folding:
    """Group documents by meeting key and fold all but the newest of each group."""
    parent: dict[str, str] = {}

    def find(doc: str) -> str:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    owner: dict[str, str] = {}
    for facts in documents:
        parent.setdefault(facts.doc_id, facts.doc_id)
        for key in meeting_keys(facts):
            if key in owner:
                parent[find(facts.doc_id)] = find(owner[key])
            else:
                owner[key] = facts.doc_id
    groups: dict[str, list[DocFacts]] = {}
    for facts in documents:
        groups.setdefault(find(facts.doc_id), []).append(facts)
    folding = Folding()
    for members in groups.values():
        if len(members) < 2:
            continue
        record = max(members, key=lambda f: _newness(f, members))
        record_text = text_of(record.doc_id)
        for facts in members:
            if facts is record:
                continue
            text = text_of(facts.doc_id)
            mirror = facts.items == record.items and is_mirror(text, record_text)
            kind = "duplicate" if mirror else "version"
            score = similarity(text, record_text)
            folding.folds[facts.doc_id] = Fold(facts.doc_id, kind, record.doc_id, score)
    return folding


def folding_from_db(db: sqlite3.Connection) -> Folding:
    """The folding of the documents in a generation's SQLite (the ``documents`` table or view)."""
    rows = db.execute(
        "SELECT doc_id, json_extract(meeting, '$.region'), json_extract(meeting, '$.meeting_number'), "
        "json_extract(meeting, '$.date'), doc_key, json_extract(meeting, '$.issued'), mtime_ns, indexed_at, "
        "json_array_length(json_extract(meeting, '$.items')) FROM documents"
    ).fetchall()
    documents = [DocFacts(*row[:8], items=row[8] or 0) for row in rows]

    def text_of(doc_id: str) -> str:
        row = db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else ""

    return fold_documents(documents, text_of)
