"""App: the people-facing edges, the Gradio page and HTTP API, and the command line.

May import everything below it.
"""
