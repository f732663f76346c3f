"""Search: encoders, the index and its stores, and fused retrieval -> ranked `Hit` records and `Evidence`.

May import the base modules, `qa_app.ingest` and `qa_app.query`.
"""
