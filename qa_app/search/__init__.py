"""Search: embeddings, BM25, the index on disk and fused retrieval -> ranked `Hit` records.

May import the base modules and `qa_app.ingest`.
"""
