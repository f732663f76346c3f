"""Question understanding: cleaning, everyday phrasings, ¶ references, scope and filters, into one `Query`.
May import the base modules and `qa_app.ingest`."""
