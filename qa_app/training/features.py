"""Questions and contexts as labelled token windows: the answer's first and last token, or [CLS] for no answer."""

from __future__ import annotations

import random
from dataclasses import dataclass

from qa_app.training.squad import Example


@dataclass(frozen=True)
class Window:
    """One training row: token ids of question + context window, and the answer's token positions (0, 0 = none)."""

    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...]
    start: int
    end: int


def with_negatives(examples: list[Example], share: float, seed: int) -> list[Example]:
    """Adds `share` × len(examples) questions paired with another paragraph of the same article, which does not
    hold the answer: SQuAD v1.1 has no unanswerable questions, and the reader must learn to say so."""
    rng = random.Random(seed)
    contexts: dict[str, list[str]] = {}
    for e in examples:
        pool = contexts.setdefault(e.article, [])
        if not pool or pool[-1] != e.context:
            pool.append(e.context)
    out = list(examples)
    for e in rng.sample(examples, min(len(examples), round(len(examples) * share))):
        others = [c for c in contexts[e.article] if c != e.context and not any(a in c for a, _ in e.answers)]
        if others:
            out.append(Example(e.id + "-neg", e.article, rng.choice(others), e.question, ()))
    return out


def windows(examples: list[Example], tokenizer, max_length: int, stride: int) -> list[Window]:
    """Every window of every example; a window that cuts the answer off is labelled as holding none."""
    encoding = tokenizer(
        [e.question for e in examples],
        [e.context for e in examples],
        truncation="only_second",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    out = []
    for w, offsets in enumerate(encoding["offset_mapping"]):
        example = examples[encoding["overflow_to_sample_mapping"][w]]
        sequence = encoding.sequence_ids(w)
        start = end = 0
        if example.answers:
            text, char_start = example.answers[0]
            char_end = char_start + len(text)
            context = [i for i, s in enumerate(sequence) if s == 1]
            if context and offsets[context[0]][0] <= char_start and offsets[context[-1]][1] >= char_end:
                start = next(i for i in context if offsets[i][1] > char_start)
                end = next(i for i in reversed(context) if offsets[i][0] < char_end)
        out.append(Window(tuple(encoding["input_ids"][w]), tuple(encoding["token_type_ids"][w]), start, end))
    return out


def batches(rows: list[Window], batch_size: int, seed: int) -> list[list[Window]]:
    """Shuffled batches of similar length (little padding), in an order fixed by the seed so a run can resume."""
    rng = random.Random(seed)
    order = list(range(len(rows)))
    rng.shuffle(order)
    pool = batch_size * 50
    grouped = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i : i + pool], key=lambda r: len(rows[r].input_ids))
        grouped += [[rows[r] for r in chunk[j : j + batch_size]] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(grouped)
    return grouped
