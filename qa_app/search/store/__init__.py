"""Where an index's contents and scorers live: the `Store` protocol, its implementations and the factory
that picks one from settings. Retrieval takes a Store, never its files."""
