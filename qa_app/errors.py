"""Errors meant for people: each message says what is wrong and what to do."""


class QAError(Exception):
    """Base of every error the assistant raises on purpose."""


class InvalidQuestion(QAError, ValueError):
    """The question is empty, too long, or otherwise cannot be asked."""


class ReportError(QAError):
    """A report in the corpus cannot be read or parsed; the message names the file."""


class IndexUnavailable(QAError):
    """The index is missing, stale or damaged and cannot be rebuilt here."""


class SettingsError(QAError, ValueError):
    """A setting names something that cannot work (an unknown reader, a reader without its model)."""
