"""Errors meant for people: each message says what is wrong and what to do."""


class QAError(Exception):
    """Base of every error the assistant raises on purpose."""


class InvalidQuestion(QAError, ValueError):
    """The question is empty, too long, or otherwise cannot be asked."""


class ReportError(QAError):
    """A report in the corpus cannot be read or parsed; the message names the file."""


class IndexUnavailable(QAError):
    """The index is missing, stale or damaged and cannot be rebuilt here."""


class UpdateFailed(IndexUnavailable):
    """A new build could not be written (a full disk, a read-only folder, a bug); the one before still answers."""

    def __init__(self, reason: str):
        self.why = f"the index could not be updated ({reason})"
        super().__init__(
            f"The index could not be updated ({reason}), so the reports loaded before still answer; "
            "free some space or fix the index folder, then restart the app."
        )


class SettingsError(QAError, ValueError):
    """A setting names something that cannot work (an unknown reader, a reader without its model)."""


class ReadOnlyStore(QAError):
    """The store's database is a read replica (or read-only to this program): reports change on the primary."""


class NotReady(QAError):
    """The index is still being built (or failed to load); the message says how far it has got."""


def skipped_note(skipped: dict[str, str]) -> str:
    """One line naming the reports left out of the index and why, for the console and the page."""
    if not skipped:
        return ""
    reports = "report" if len(skipped) == 1 else "reports"
    return (
        f"Skipped {len(skipped)} {reports}: "
        + "; ".join(f"{name} ({why.rstrip('.')})" for name, why in sorted(skipped.items()))
        + "."
    )


def failure_reason(error: BaseException) -> str:
    """What failed, in a few words for people: the system's words for a file error, else the error's first line."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    text = str(error)
    if "No space left" in text:  # FAISS reports a failed write as a RuntimeError carrying the system's words
        return "no space left on device"
    first = text.strip().splitlines()[0][:120] if text.strip() else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
