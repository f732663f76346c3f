"""Evaluation runs: retrieval and answer quality on gold questions and on XQuAD, with latencies."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qa_app.config import Settings
from qa_app.measure.eval_results import AnswerMetrics, EvalResult, Level, Levels, Named, Retrieval
from qa_app.measure.scoring import (
    GoldQuestion,
    abstention_scores,
    exact_match,
    f1_score,
    is_hit,
    latency_ms,
    load_gold,
    mean_interval,
    mrr_at_k,
    normalize_answer,
    recall_at_k,
    sentence_answers,
    timed,
    wilson_interval,
)
from qa_app.records import Answer, Citation, Hit

MODES = ("dense", "lexical", "hybrid")
XQUAD_CACHE = Path(".eval-cache") / "xquad"


@dataclass(frozen=True)
class Case:
    """A question with a way to tell which passages are hits and which answers are right."""

    question: str
    answerable: bool
    answers: tuple[str, ...]  # gold factoid answers (any one counts); () for explanations
    is_hit: Callable[[Hit | Citation], bool]  # reads doc_id, paragraph and text, which both carry
    doc: str | None = None  # the report whose passages count, in a set over several reports
    evidence: tuple[str, ...] = ()  # gold evidence strings, which tell a right explanation sentence


def gold_cases(questions: Sequence[GoldQuestion], prefix: str = "") -> list[Case]:
    """Cases of the gold questions; `prefix` is put before each ("Stoke-on-Trent 2015: ..."), to measure
    the same questions when they name their report."""

    def hit_test(q: GoldQuestion) -> Callable[[Hit | Citation], bool]:
        return lambda hit: is_hit(hit.text, hit.paragraph, q, hit.doc_id)

    return [
        Case(f"{prefix}{q.question}", q.answerable, (q.answer,) if q.answer else (), hit_test(q), q.doc, q.evidence)
        for q in questions
    ]


def load_gold_files(paths: Sequence[str | Path]) -> list[GoldQuestion]:
    """The questions of several gold files as one set; an id used in two files is refused."""
    questions = [q for path in paths for q in load_gold(path)]
    ids = [q.id for q in questions]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"Gold ids {twice} are used in more than one file; give each question its own id.")
    return questions


def evaluate_gold(paths: Sequence[str | Path], settings: Settings, prefix: str = "") -> EvalResult:
    from qa_app.assistant import Assistant

    assistant = Assistant.load(settings)
    cases = gold_cases(load_gold_files(paths), prefix)
    dataset = " + ".join(str(p) for p in paths) + (f" (each question after {prefix!r})" if prefix else "")
    result = evaluate(assistant, cases, dataset)
    return replace(result, named=named_metrics(assistant, cases))


def named_metrics(assistant, cases: Sequence[Case]) -> Named | None:
    """On the answerable questions that name their report (a place, year or framework): hybrid recall@5
    and the share of answers cited from another report; None when no question does."""
    named = [c for c in cases if c.answerable and c.doc and assistant.scope(c.question)[0] is not None]
    if not named:
        return None
    found = [any(c.is_hit(h) for h in assistant.search(c.question, top_k=5)) for c in named]
    answers = [assistant.ask(c.question) for c in named]
    cited = [a.citations[0].doc_id != c.doc for c, a in zip(named, answers) if a.answered and a.citations]
    return Named(len(named), _mean(found), mean_interval([float(f) for f in found]), _mean(cited))


def evaluate(assistant, cases: Sequence[Case], dataset: str = "") -> EvalResult:
    """Retrieval metrics per mode, answer metrics, and warm latencies of search and ask."""
    answerable = [c for c in cases if c.answerable]
    retrieval: dict[str, Retrieval] = {}
    search_s: list[float] = []
    for mode in MODES:
        ranks = []
        for case in answerable:
            hits, seconds = timed(assistant.search, case.question, top_k=10, mode=mode)
            if mode == "hybrid":
                search_s.append(seconds)
            ranks.append(next((i for i, h in enumerate(hits, 1) if case.is_hit(h)), None))
        retrieval[mode] = Retrieval(
            recall_at_1=recall_at_k(ranks, 1),
            recall_at_3=recall_at_k(ranks, 3),
            recall_at_5=recall_at_k(ranks, 5),
            mrr_at_10=mrr_at_k(ranks, 10),
            recall_at_5_95ci=mean_interval([float(r is not None and r <= 5) for r in ranks]),
            mrr_at_10_95ci=mean_interval([1 / r if r is not None and r <= 10 else 0.0 for r in ranks]),
        )

    answers: list[Answer] = []
    ask_s: list[float] = []
    for case in cases:
        answer, seconds = timed(assistant.ask, case.question)
        answers.append(answer)
        ask_s.append(seconds)
    return EvalResult(
        dataset=dataset,
        questions=len(cases),
        answerable=len(answerable),
        retrieval=retrieval,
        answers=answer_metrics(cases, answers),
        latency_ms=latency_ms(search_s, "search_p{}") | latency_ms(ask_s, "ask_p{}"),
    )


SHOWN = 3  # candidate sentences the answer card shows below High


def is_right(case: Case, answer: Answer, citation: int = 0) -> bool:
    """Whether an answer (its `citation`-th quoted sentence) is right: offered, from a gold passage, and
    giving the gold answer or evidence. An answer to an unanswerable question is never right."""
    if not (case.answerable and answer.answered and len(answer.citations) > citation):
        return False
    c = answer.citations[citation]
    return case.is_hit(c) and sentence_answers(c.quote, case.answers, case.evidence)


def level_metrics(cases: Sequence[Case], answers: Sequence[Answer]) -> Levels:
    """Per confidence level: answers, share right with a 95% Wilson interval, and the share of answerable
    questions answered at that level or above; plus confident answers to unanswerable questions."""
    answerable = sum(c.answerable for c in cases) or 1
    out: dict[str, Level] = {}
    covered = 0
    for level in ("high", "medium", "low"):
        at = [(c, a) for c, a in zip(cases, answers) if a.confidence_level == level]
        right = sum(is_right(c, a) for c, a in at)
        covered += sum(c.answerable for c, _ in at)
        precision = right / len(at) if at else 0.0
        out[level] = Level(len(at), precision, wilson_interval(right, len(at)), covered / answerable)
    unanswerable = [a for c, a in zip(cases, answers) if not c.answerable]
    confident = sum(a.confidence_level in ("high", "medium") for a in unanswerable)
    rate = confident / len(unanswerable) if unanswerable else 0.0
    return Levels(
        **out, confident_on_unanswerable=rate, confident_on_unanswerable_95ci=wilson_interval(confident, len(unanswerable))
    )


def answer_metrics(cases: Sequence[Case], answers: Sequence[Answer]) -> AnswerMetrics:
    """Citation accuracy, answer-sentence accuracy (top 1 and within the candidates shown), factoid EM/F1,
    the precision of each confidence level, and refusals."""
    pairs = list(zip(cases, answers))
    answerable = [(c, a) for c, a in pairs if c.answerable]
    factoid = [(c, a) for c, a in answerable if c.answers]
    cited = [bool(a.citations) and a.answered and c.is_hit(a.citations[0]) for c, a in answerable]
    in_sentence = [
        bool(a.sentence) and any(normalize_answer(g) in normalize_answer(a.sentence or "") for g in c.answers) for c, a in factoid
    ]
    em = [max(exact_match(a.answer or "", g) for g in c.answers) for c, a in factoid]
    f1 = [max(f1_score(a.answer or "", g) for g in c.answers) for c, a in factoid]
    abstention = abstention_scores([not a.answered for a in answers], [c.answerable for c in cases])
    top1 = [is_right(c, a) for c, a in answerable]
    top3 = [any(is_right(c, a, i) for i in range(SHOWN)) for c, a in answerable]
    placed = [(c, a) for c, a in answerable if c.doc and a.answered and a.citations]
    return AnswerMetrics(
        # Of the answered questions that belong to one report, the share whose first citation is from another.
        wrong_report_citations=_mean([a.citations[0].doc_id != c.doc for c, a in placed]),
        answer_sentence_top1=_mean(top1),
        answer_sentence_top1_95ci=mean_interval([float(v) for v in top1]),
        answer_sentence_top3=_mean(top3),
        answer_sentence_top3_95ci=mean_interval([float(v) for v in top3]),
        citation_accuracy=_mean(cited),
        citation_accuracy_95ci=mean_interval([float(c) for c in cited]),
        answer_sentence_accuracy=_mean(in_sentence),
        answer_sentence_accuracy_95ci=mean_interval([float(c) for c in in_sentence]),
        factoid_exact_match=_mean(em),
        factoid_f1=_mean(f1),
        factoid_questions=len(factoid),
        abstention_precision=abstention.precision,
        abstention_recall=abstention.recall,
        false_refusal_rate=abstention.false_refusal_rate,
        refused_right=abstention.recall,
        levels=level_metrics(cases, answers),
    )


def _mean(values: Sequence[float | bool]) -> float:
    return sum(float(v) for v in values) / len(values) if values else 0.0


# ---------------------------------------------------------------- XQuAD


def evaluate_xquad(path: str | Path, settings: Settings, cache: Path = XQUAD_CACHE) -> EvalResult:
    """XQuAD as an open corpus: every article becomes a report, each context a numbered paragraph."""
    from qa_app.assistant import Assistant

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    corpus_dir = cache / "corpus"
    cases = write_xquad_corpus(data, corpus_dir)
    assistant = Assistant.load(settings, corpus_dir=corpus_dir, index_dir=cache / "index")
    return evaluate(assistant, cases, str(path))


def write_xquad_corpus(data: dict, corpus_dir: Path) -> list[Case]:
    """One markdown report per article (contexts as numbered paragraphs); cases hit by (doc, paragraph)."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    for article in data["data"]:
        doc_id = re.sub(r"[^A-Za-z0-9_-]+", "-", article["title"]).strip("-")
        lines = [f"# {article['title'].replace('_', ' ')}", ""]
        for number, paragraph in enumerate(article["paragraphs"], 1):
            lines += [f"{number}. {' '.join(paragraph['context'].split())}", ""]
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                cases.append(Case(qa["question"], True, answers, _paragraph_test(doc_id, number)))
        report = corpus_dir / f"{doc_id}.md"
        text = "\n".join(lines)
        if not report.exists() or report.read_text(encoding="utf-8") != text:
            report.write_text(text, encoding="utf-8")
    return cases


def _paragraph_test(doc_id: str, number: int) -> Callable[[Hit | Citation], bool]:
    return lambda hit: hit.doc_id == doc_id and hit.paragraph == number


# ---------------------------------------------------------------- output


def _interval(bounds: Sequence[float]) -> str:
    return f"{bounds[0]:.2f}–{bounds[1]:.2f}"


def format_report(result: EvalResult) -> str:
    lines = [f"{result.dataset}: {result.questions} questions ({result.answerable} answerable)", ""]
    lines.append(f"{'retrieval':<10} {'R@1':>6} {'R@3':>6} {'R@5':>6} {'MRR@10':>7}   95% intervals: R@5, MRR@10")
    for mode, m in result.retrieval.items():
        lines.append(
            f"{mode:<10} {m.recall_at_1:6.3f} {m.recall_at_3:6.3f} {m.recall_at_5:6.3f} {m.mrr_at_10:7.3f}"
            f"   {_interval(m.recall_at_5_95ci)}, {_interval(m.mrr_at_10_95ci)}"
        )
    lines.append("")
    answers = result.answers.to_dict()
    for key, value in answers.items():
        if key.endswith("_95ci") or key == "levels":
            continue
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        if f"{key}_95ci" in answers:
            shown += f"   95% interval {_interval(answers[f'{key}_95ci'])}"
        lines.append(f"{key:<26} {shown}")
    if result.named is not None:
        named = result.named
        lines.append(
            f"{'questions naming their report':<26} {named.questions}: hybrid R@5 {named.recall_at_5:.3f} "
            f"(95% interval {_interval(named.recall_at_5_95ci)}), wrong report {named.wrong_report_citations:.3f}"
        )
    lines.append("")
    levels = result.answers.levels
    lines.append(f"{'level':<8} {'answers':>7} {'right':>6}   95% interval   coverage of answerable")
    for name, m in (("high", levels.high), ("medium", levels.medium), ("low", levels.low)):
        lines.append(f"{name:<8} {m.answers:7d} {m.precision:6.3f}   {_interval(m.precision_95ci)}      {m.coverage:.3f}")
    confident = levels.confident_on_unanswerable
    lines.append(f"confident (high/medium) on unanswerable: {confident:.3f}   {_interval(levels.confident_on_unanswerable_95ci)}")
    lines.append("")
    for key, value in result.latency_ms.items():
        lines.append(f"{key:<26} {value:.1f} ms")
    return "\n".join(lines)
