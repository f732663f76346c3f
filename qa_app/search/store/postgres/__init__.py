"""The PostgreSQL store (pgvector): records, vectors and BM25 postings in one database that many app
processes share; `schema` migrates it, `write` changes it one report per transaction, `store` searches it."""
