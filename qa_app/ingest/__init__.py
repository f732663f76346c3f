"""Ingest: report files -> `Report` records of blocks (format readers, shared structure rules, chunking).

May import only the base modules (`qa_app.config`, `qa_app.errors`, `qa_app.records`).
"""
