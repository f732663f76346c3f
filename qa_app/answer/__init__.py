"""Answer: a `Reader` reading the hits -> an `Answer` with a short span, confidence and citations.

May import the base modules, `qa_app.ingest`, `qa_app.query` and `qa_app.search`.
"""
