"""The index on Milvus: the same generations, with vectors and analysed text in a Milvus collection.

For collections beyond one machine (a province, the whole country) the searched part of an index
lives in Milvus (through ``pymilvus``'s ``MilvusClient``): one collection per index with, per chunk,

    cid (primary key) · doc_id · kind · region · city · province · date (YYYYMMDD, 0 unknown) ·
    month · meeting_number (-1 unknown) · heading · text (jieba analyser) → sparse (BM25 function) ·
    dense (the embedding, inner product)

The index directory keeps what citations and the web app need, exactly as with FAISS: immutable
generations of SQLite (documents with their original text, chunk rows with spans and metadata,
document-number lookup), the jieba user words, the terms' document frequencies (the coverage
rerank weighs question words by them) and a small ``facets.json`` (regions and dates with their
chunk counts: question filters and ``stats`` need them, and scanning 10 M rows for them would
not do). The manifest records ``backend: milvus``, the URI and the collection, so ``qa ask``
needs no flag after ``qa index build --backend milvus``. The default URI is ``<index>/milvus.db``:
milvus-lite, in-process, no server. A server or cluster URI (``http://host:19530``) works the same.

Retrieval is Milvus's own: ``hybrid_search`` over the dense and BM25 fields with an RRF ranker
(k = 60, the constant of :mod:`qa.fusion` the searcher fuses with, so the fused scores are the same numbers), and each
request carries the question's filters as its own ``expr`` — milvus-lite ignores a top-level
``filter=`` of ``hybrid_search`` (the Milvus tests check both). Everything after retrieval
(coverage rerank, answers, citations) is the same code as with FAISS.

Writes and what they guarantee:

* **build** writes a new collection ``<alias>_g<generation>`` and then publishes the generation
  whose manifest names it (the atomic rename of CURRENT, as with FAISS); the alias ``<alias>`` is
  then switched to it for other Milvus clients. Readers open the collection their generation
  names, so a reader never mixes the SQLite rows of one build with the vectors of another.
  Collections no generation on disk refers to any more are dropped.
* **update** (and uploads, removals) changes the live collection in place, per document: the
  rows of every changed or removed document are deleted by ``doc_id`` and the new rows inserted,
  then the new generation goes live. While that runs, a question may miss a document being
  replaced (its old rows gone, its new rows unknown to the live SQLite — they are skipped), never
  see a wrong one. A writer killed half-way leaves rows the live generation does not know, and
  may have deleted the rows of documents it was replacing: the next write deletes every row whose
  id the live generation has not allocated (``cid >= next_cid``), and the next update of the folder
  finds those documents still changed and writes them again (an interrupted upload: when it is
  uploaded again).

milvus-lite lets one process at a time open a database: while ``qa serve`` runs on a lite index,
``qa index update`` from a shell is refused with a one-line error (the web page's own uploads go
through the serving process). With a Milvus server there is no such limit.

Modules: :mod:`.connection` (URIs, connections, one-line errors), :mod:`.collection` (schema,
rows, filter expressions, facets and term statistics), :mod:`.reader` and :mod:`.writer` (the
write hooks of :class:`qa.index.writer.IndexWriter`).
"""
