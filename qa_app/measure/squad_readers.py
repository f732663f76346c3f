"""Readers side by side on SQuAD v1.1 dev with the gold paragraph: the trained one, the sentence reader, and
the same span decoding over an untrained head (the anchor that says how much training bought)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from qa_app.answer.span_model import OnnxSpanModel
from qa_app.answer.trained_reader import TrainedReader
from qa_app.ingest.sentences import split_sentences
from qa_app.measure.reading import ReadingScore, SpanPredictor, score_reader
from qa_app.records import Hit
from qa_app.search.evidence import Evidence

OFFERED = (2.0, 2.0, -1.0)  # thresholds under which a reader offers every answer: EM/F1 measure the span alone


def span_predictor(model_dir: Path) -> SpanPredictor:
    """The best span of the trained (or untrained) span model, ignoring its no-answer score."""
    reader = TrainedReader(OnnxSpanModel(model_dir))

    def predict(question: str, context: str) -> str:
        best = max(reader.spans(question, [context]), key=lambda s: s.score, default=None)
        return context[best.start : best.end] if best else ""

    return predict


def sentence_predictor(encode) -> SpanPredictor:
    """The sentence reader on one paragraph; `encode(texts)` gives normalised sentence vectors."""
    from qa_app.answer.reader import SentenceReader

    reader = SentenceReader(thresholds=OFFERED)

    def predict(question: str, context: str) -> str:
        spans = split_sentences(context)
        vectors = encode([context[s:e] for s, e in spans])
        hit = Hit("squad", "", "squad:1", None, "", None, "finding", context, 1.0, 0, len(context))
        evidence = Evidence((hit,), encode([question])[0], lambda _: (spans, vectors))
        answer = reader.read(question, [hit], evidence)
        return answer.answer or ""

    return predict


def untrained_head(base_model: str, folder: Path, seed: int = 0) -> Path:
    """The base model with a freshly initialised span head, exported like the trained one."""
    import torch
    from transformers import AutoModelForQuestionAnswering

    from qa_app.training.export import export_onnx

    if not (folder / "model.onnx").exists():
        torch.manual_seed(seed)
        model = AutoModelForQuestionAnswering.from_pretrained(base_model, attn_implementation="eager").eval()
        export_onnx(model, Path(base_model), folder, quantize=False)
    return folder


def sample(examples: Sequence, size: int, seed: int = 0) -> list:
    """A fixed random sample (all when size is 0 or larger than the set), the same for every reader."""
    if not size or size >= len(examples):
        return list(examples)
    return random.Random(seed).sample(list(examples), size)


def compare(examples: Sequence, predictors: dict[str, SpanPredictor]) -> list[ReadingScore]:
    return [score_reader(name, predict, examples) for name, predict in predictors.items()]


def side_by_side(settings, questions: int = 2000, work: Path = Path("models/reader")) -> list[ReadingScore]:
    """The trained reader in use, the sentence reader and the untrained head, on one sample of SQuAD v1.1 dev."""
    from qa_app.answer.span_model import SHIPPED
    from qa_app.search.embedding import Embedder
    from qa_app.training import squad
    from qa_app.training.loop import base_model

    dev = sample(squad.load(squad.fetch(work / "data")["dev"]), questions)
    trained = Path(settings.reader_model) if settings.reader_model else SHIPPED
    encoder = Embedder.from_settings(settings)
    return compare(
        dev,
        {
            "trained reader": span_predictor(trained),
            "sentence reader": sentence_predictor(encoder.encode),
            "untrained span head (anchor)": span_predictor(untrained_head(base_model(), work / "untrained")),
        },
    )
