"""Evidence search and question answering over inspection reports."""

from .config import Settings
from .errors import IndexUnavailable, InvalidQuestion, QAError, ReportError

__all__ = ["Assistant", "Settings", "InvalidQuestion", "IndexUnavailable", "QAError", "ReportError"]


def __getattr__(name: str):
    # Imported lazily: the assistant pulls in torch and faiss, which `import qa_app` should not pay for.
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    raise AttributeError(name)
