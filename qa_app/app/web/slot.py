"""The assistant, or how far its loading has got, so the page can come up before the index is ready."""

from __future__ import annotations

import threading

from qa_app.app.web.redact import hide_paths
from qa_app.app.web.reports import loaded_line
from qa_app.assistant import Assistant
from qa_app.errors import NotReady


class AssistantSlot:
    """Holds the assistant once it is loaded; until then, the progress of loading it."""

    def __init__(self, assistant: Assistant | None = None):
        self._lock = threading.Lock()
        self.assistant = assistant
        self.message = "Loading the index"
        self.changing = False
        self.fraction = 0.0
        self.error: str | None = None
        self.kept_because: str | None = None  # why the assistant answering is not over the corpus as it is

    def progress(self, message: str, fraction: float) -> None:
        with self._lock:
            self.message, self.fraction = message, fraction

    def ready(self, assistant: Assistant) -> None:
        with self._lock:
            self.assistant = assistant
            self.changing = False
            self.kept_because = None

    def kept(self, why: str) -> None:
        """A change to the reports could not be indexed: the current assistant goes on answering, and says why."""
        with self._lock:
            self.changing = False
            self.kept_because = why

    def change(self, message: str) -> None:
        """The reports are being changed; the current assistant answers until the new one is ready."""
        with self._lock:
            self.changing, self.message, self.fraction = True, message, 0.0

    def failed(self, message: str) -> None:
        with self._lock:
            self.error = message

    def current(self) -> Assistant:
        """The assistant; NotReady, saying how far loading has got, while there is none."""
        if self.assistant is None:
            raise NotReady(self.status())
        return self.assistant

    def status(self) -> str:
        """The status line; file paths in it are shown by name only, as any visitor sees it."""
        if self.assistant is not None:
            opened = self.assistant.opened
            line = loaded_line(
                self.assistant.reports(),
                self.assistant.skipped,
                self.message if self.changing else "",
                opened.repaired,
                self.kept_because or opened.previous,
            )
        elif self.error:
            line = f"The index could not be loaded: {self.error}"
        else:
            line = f"Building the index: {self.message} ({self.fraction:.0%}). Questions can be asked when it is ready."
        return hide_paths(line)
