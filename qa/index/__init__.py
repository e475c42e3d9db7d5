"""The index directory: immutable generations of SQLite content plus a backend's searched data.

Layout::

    index/
      CURRENT              name of the live generation ("gen-000007")
      gen-000007/          one complete generation, immutable once published
        manifest.json      embedder, model, dimension, index type, counts, source folder, backend
        chunks.sqlite      base segment: documents (original text, metadata) and chunks (text, spans)
        delta.sqlite       documents and chunks written since the base, and the base rows they replace
        bm25_vocab.json    terms; bm25_df.npy their live document frequencies; userdict.txt jieba words
        vectors.faiss …    FAISS: base vectors, BM25 postings, delta arrays (qa.index.faiss)
        facets.json        Milvus: chunk counts per place and date (the rest is in the collection)
      uploads/             originals a person uploaded (qa.library)

Modules, one concern each:

* :mod:`.errors` — typed errors carrying the fix;
* :mod:`.generations` — temporary folders, hard links, the atomic publish, pruning, the writer lock;
* :mod:`.manifest` — the manifest, and :func:`~qa.index.manifest.read_live`, the one way to read
  the live one;
* :mod:`.content` — the SQLite content store both backends share;
* :mod:`.terms` — the analyser's user words and shared analyzers;
* :mod:`.backend` — the contract a backend implements (reader protocol, write hooks);
* :mod:`.reader`, :mod:`.writer` — opening a generation; writing and publishing one;
* :mod:`.faiss`, :mod:`.milvus` — the two backends; :mod:`.factory` — the one chosen from settings.
"""
