"""The readers settings choose from: one entry per `ReaderKind`, each building its reader on first use of
the module it lives in, so a reader's heavy imports are paid only by those who choose it."""

from __future__ import annotations

import functools
from collections.abc import Callable

from qa_app.answer.base import Reader
from qa_app.config import ReaderKind, Settings
from qa_app.errors import SettingsError
from qa_app.search.store.base import Store


def sentence_reader(settings: Settings, store: Store) -> Reader:
    from qa_app.answer.reader import SentenceReader

    return SentenceReader(common_words=store.common_words)


def transformers_reader(settings: Settings, store: Store) -> Reader:
    from qa_app.answer.neural_reader import TransformersReader

    if not settings.reader_model:
        raise SettingsError("reader='transformers' needs reader_model: the path of a question-answering model.")
    return TransformersReader(settings.reader_model, device=settings.device)


def trained_reader(settings: Settings, store: Store) -> Reader:
    from pathlib import Path

    from qa_app.answer.span_model import SHIPPED
    from qa_app.answer.trained_reader import TrainedReader

    return TrainedReader(_span_model(Path(settings.reader_model) if settings.reader_model else SHIPPED))


@functools.cache
def _span_model(folder):
    """One span model per folder for the process: an assistant reloaded after an upload keeps the loaded,
    checksum-checked ONNX session instead of hashing and loading 23 MB again."""
    from qa_app.answer.span_model import OnnxSpanModel

    return OnnxSpanModel(folder)


READERS: dict[ReaderKind, Callable[[Settings, Store], Reader]] = {
    ReaderKind.SENTENCE: sentence_reader,
    ReaderKind.TRAINED: trained_reader,
    ReaderKind.TRANSFORMERS: transformers_reader,
}


def make_reader(settings: Settings, store: Store) -> Reader:
    """The reader the settings name, over the store's corpus."""
    return READERS[settings.reader](settings, store)
