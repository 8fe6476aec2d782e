"""Knowledge: retrieval over approved content (RAG-lite).

What is indexed: the curated FinOps base shipped in `content/` (global: every tenant reads it)
and each tenant's own generated texts (recommendation texts, reports: that tenant only). Chunks
live in Postgres (migration 0010) with a full-text vector and an embedding; `search` fuses both
rankings (reciprocal rank fusion) and never returns another tenant's chunk: the tenant always
comes from the verified principal.

- `documents`: the packaged base, read from its markdown files;
- `chunking`: documents into passages by heading and paragraph;
- `embedding`: the local model shipped in a PyPI package (wordllama), or the gateway's endpoint;
- `index`: writing documents' chunks (idempotent by content hash, under advisory locks);
- `search`: the hybrid query; `answer`: the offline answer's lines; `model`: the tool's output.
"""
