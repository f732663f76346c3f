"""How closely one store's answers follow another's on gold questions: the share of questions whose top five
passages are the same, their mean overlap, and the share of answers that are word for word the same; with
each store's search and ask latencies, taken question by question in turn so a loaded machine slows both alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from qa_app.config import Settings
from qa_app.measure.evaluation import load_gold_files
from qa_app.measure.scoring import latency_ms, timed


@dataclass(frozen=True)
class Overlap:
    questions: int
    same_top5: float  # share of questions whose top five passages are the same set
    same_order: float  # ... in the same order
    mean_overlap: float  # mean of |top5 ∩ top5'| / 5
    same_answer: float  # share of questions answered (or abstained on) alike
    disagreements: tuple[str, ...]  # the questions whose top five differ
    latency: dict[str, dict[str, float]]  # "first search", "second ask", ...: p50_ms and p95_ms

    def to_dict(self) -> dict:
        return asdict(self)


def store_overlap(paths: Sequence[str | Path], settings: Settings, other: Settings, top_k: int = 5) -> Overlap:
    """Each gold question searched and asked through both stores (one embedding model loaded)."""
    from qa_app.assistant import Assistant
    from qa_app.search.embedding import Embedder
    from qa_app.search.store.factory import open_store

    embedder = Embedder.from_settings(settings)
    first, second = (Assistant(s, embedder, *open_store(s, embedder)) for s in (settings, other))
    questions = [q.question for q in load_gold_files(paths)]
    same, ordered, shares, answers, differ = 0, 0, [], 0, []
    times: dict[str, list[float]] = {f"{s} {c}": [] for s in ("first", "second") for c in ("search", "ask")}
    for assistant in (first, second) if questions else ():
        assistant.ask(questions[0])  # warm-up: models, connections and caches, so neither store pays for them timed
    for question in questions:
        found = []
        for name, assistant in (("first", first), ("second", second)):
            hits, seconds = timed(assistant.search, question, top_k=top_k)
            found.append([h.block_id for h in hits])
            times[f"{name} search"].append(seconds)
        a, b = found
        same += set(a) == set(b)
        ordered += a == b
        shares.append(len(set(a) & set(b)) / max(len(a), len(b)) if a or b else 1.0)  # both found nothing: alike
        if set(a) != set(b):
            differ.append(question)
        (x, ask_first), (y, ask_second) = timed(first.ask, question), timed(second.ask, question)
        times["first ask"].append(ask_first)
        times["second ask"].append(ask_second)
        answers += (x.answered, x.answer) == (y.answered, y.answer)
    n = max(len(questions), 1)
    latency = {k: latency_ms(v) for k, v in times.items()}
    return Overlap(len(questions), same / n, ordered / n, sum(shares) / n, answers / n, tuple(differ), latency)


def format_overlap(result: Overlap, first: str, second: str) -> str:
    lines = [
        f"{result.questions} gold questions, {second} against {first}:",
        f"  same top 5 (as a set): {result.same_top5:.1%}; in the same order: {result.same_order:.1%}",
        f"  mean overlap@5: {result.mean_overlap:.3f}; same answer: {result.same_answer:.1%}",
    ]
    for name, label in (("first", first), ("second", second)):
        search, ask = result.latency.get(f"{name} search", {}), result.latency.get(f"{name} ask", {})
        if search and ask:
            lines.append(
                f"  {label}: search p50 / p95 {search['p50_ms']:.0f} / {search['p95_ms']:.0f} ms, "
                f"ask p50 / p95 {ask['p50_ms']:.0f} / {ask['p95_ms']:.0f} ms"
            )
    lines += [f"  differs: {q}" for q in result.disagreements[:10]]
    return "\n".join(lines)
