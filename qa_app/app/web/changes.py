"""Adding and removing reports from the page: the corpus changes through the assistant, then the index is
brought up to date (only what changed is embedded) while the current assistant goes on answering."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from qa_app.app.web.access import Caller, corpus_change_refusal, session_token, token_refusal
from qa_app.app.web.handlers import Workbench
from qa_app.app.web.passages import render_notice
from qa_app.app.web.redact import hide_paths
from qa_app.app.web.upload_folder import PENDING_S, discard, sweep, uploads_folder
from qa_app.app.web.views import CorpusChangeView, Menus
from qa_app.assistant import Assistant
from qa_app.errors import QAError, UpdateFailed, failure_reason


class CorpusChanges:
    """One change to the reports at a time; questions go on meanwhile."""

    def __init__(self, workbench: Workbench):
        self.workbench = workbench
        self.slot = workbench.slot
        self.settings = workbench.settings
        self._changing = threading.Lock()
        self._page_key = secrets.token_bytes(32)  # signs each session's secret; new at each start

    def session_token(self, session_hash: str) -> str:
        """The secret a page of this session sends with each change (see access.session_token)."""
        return session_token(self._page_key, session_hash)

    def add(self, files: Sequence[str] | None, caller: Caller, token: str | None) -> Iterator[CorpusChangeView]:
        """Add the uploaded files (paths where the browser's files wait) as reports; added or refused, the
        uploads are deleted afterwards."""
        if not files:
            yield CorpusChangeView(render_notice("Choose one or more reports (PDF or Markdown) to add first."))
            return
        try:
            yield from self._add(files, caller, token)
        finally:
            discard(uploads_folder(self.settings), files)

    def _add(self, files: Sequence[str], caller: Caller, token: str | None) -> Iterator[CorpusChangeView]:

        def add(a: Assistant) -> str:
            uploads = []
            for f in dict.fromkeys(files):  # one upload named many times in one call is read once
                path = Path(f)
                if path.stat().st_size > self.settings.max_upload_bytes:
                    raise QAError(f"{path.name} is over the {self.settings.max_upload_mb:g} MB limit for one report.")
                uploads.append((path.name, path.read_bytes()))
            outcomes = a.add_reports(uploads)
            if not any(o.doc_id for o in outcomes):
                raise QAError(" ".join(o.error or "" for o in outcomes) + " Nothing was added.")
            return " ".join(f"Added {o.doc_id}." if o.doc_id else (o.error or "") for o in outcomes)

        yield from self._apply(add, caller, token)

    def remove(self, doc_id: str | None, caller: Caller, token: str | None) -> Iterator[CorpusChangeView]:
        """Take a report out of the corpus (its file is kept under the index folder)."""
        if not doc_id:
            yield CorpusChangeView(render_notice("Choose the report to remove first."))
            return

        def remove(a: Assistant) -> str:
            kept = a.remove_report(doc_id)  # None: a report another process added to a shared store
            return f"Removed {doc_id}; its file was kept as {kept}." if kept else f"Removed {doc_id}."

        yield from self._apply(remove, caller, token)

    def _apply(self, change: Callable[[Assistant], str], caller: Caller, token: str | None) -> Iterator[CorpusChangeView]:
        """Apply a change to the corpus folder, then reload the index in a worker; yields progress for the page.
        Refused unless access.corpus_change_refusal allows the caller and the page sent its session's secret."""
        refusal = corpus_change_refusal(self.settings, caller) or token_refusal(self._page_key, caller.session_hash, token)
        if refusal:
            yield CorpusChangeView(render_notice(refusal))
            return
        if not self._changing.acquire(blocking=False):
            yield CorpusChangeView(render_notice("Another change to the reports is under way; try again when it has finished."))
            return
        try:
            a = self.slot.current()
            message = change(a)
            self.slot.change("checking the reports")
            done: dict[str, Assistant | QAError] = {}
            worker = threading.Thread(target=lambda: done.update(result=self._reloaded(a)), daemon=True)
            worker.start()
            while worker.is_alive():
                worker.join(0.5)
                progress = f"{message} Updating the index: {self.slot.message} ({self.slot.fraction:.0%})."
                yield CorpusChangeView(render_notice(progress), Menus(status=self.slot.status()))
            result = done.get("result")
            if not isinstance(result, Assistant):
                reason = str(result).rstrip(".") if result is not None else "the update stopped"
                failed = result if isinstance(result, UpdateFailed) else UpdateFailed(reason)
                self.slot.kept(failed.why)
                yield CorpusChangeView(render_notice(self._shown(f"{message} {failed}")), self.workbench.menus(a))
                return
            self.slot.ready(result)
            yield CorpusChangeView(
                render_notice(self._shown(f"{message} The index is up to date.")), self.workbench.menus(result)
            )
        except QAError as e:
            yield CorpusChangeView(render_notice(self._shown(str(e))))
        finally:
            self._changing.release()
            sweep(uploads_folder(self.settings), pending_s=PENDING_S)

    def _shown(self, text: str) -> str:
        """`text` with the corpus and index folders named, not their absolute paths."""
        return hide_paths(text, (self.settings.corpus_dir, self.settings.index_dir))

    def _reloaded(self, assistant: Assistant) -> Assistant | QAError:
        """The assistant over the corpus as it is now, or the error that stopped the update; whatever failed,
        the caller keeps the current assistant answering."""
        try:
            return assistant.reloaded(progress=self.slot.progress)
        except QAError as e:
            return e
        except Exception as e:  # a bug: said in one sentence, never the end of the page's assistant
            return UpdateFailed(failure_reason(e))
