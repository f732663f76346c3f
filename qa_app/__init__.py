"""Evidence search and question answering over inspection reports."""

from qa_app.config import Settings
from qa_app.errors import IndexUnavailable, InvalidQuestion, QAError, ReportError
from qa_app.ingest.corpus import load_corpus, load_report

__all__ = [
    "Assistant",
    "Settings",
    "load_report",
    "load_corpus",
    "InvalidQuestion",
    "IndexUnavailable",
    "QAError",
    "ReportError",
]


def __getattr__(name: str):
    # Imported lazily: the assistant pulls in torch and faiss, which `import qa_app` should not pay for.
    if name == "Assistant":
        from qa_app.assistant import Assistant

        return Assistant
    raise AttributeError(name)
