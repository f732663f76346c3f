"""App: the people-facing edges, the web page and HTTP API (web/), and the command line.

Imports the assistant, records, errors, config and measure; never ingest, search or answer directly.
"""
