"""Command line: `qa-app corpus|index|search|ask|eval|calibrate|readers|plot|models|bench|conformance|soak|store`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tqdm import tqdm

from qa_app.app.store_commands import add_store_commands, add_store_flag
from qa_app.config import ReaderKind, Settings, StoreKind
from qa_app.errors import QAError
from qa_app.records import paragraph_count

# The gold questions: the original 100, and those on trust (headline facts, paragraph look-ups, false premises).
GOLD_FILES = ["eval/gold.jsonl", "eval/trust.jsonl"]
APP_START_QUESTION = "How many children were looked after?"  # the bench's first answer after a restart


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args, settings_from_flags(args))
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def add_settings_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that override Settings, shared with app.py so both accept the same ones."""
    parser.add_argument("--corpus", help="folder of reports, *.md and *.pdf (default: corpus/ of QA_HOME or the project)")
    parser.add_argument("--index", help="index folder (default: index/ of QA_HOME or the project)")
    parser.add_argument("--model", help="sentence-transformers model path or name (default: the packaged MiniLM)")
    parser.add_argument(
        "--reader", choices=[k.value for k in ReaderKind], help="answer reader (default: QA_READER, else sentence)"
    )
    parser.add_argument("--reader-model", help="model folder for --reader trained (ONNX) or transformers")
    parser.add_argument("--device", help="cpu, cuda, ... (default: the CPU; with --embedding-runtime torch, CUDA when present)")
    parser.add_argument(
        "--embedding-runtime",
        choices=["auto", "onnx", "torch"],
        help="what computes embeddings (default: auto, ONNX Runtime on the CPU, PyTorch on CUDA)",
    )


def settings_from_flags(args: argparse.Namespace, env: Mapping[str, str] | None = None, **extra: object) -> Settings:
    """Defaults, then QA_* variables (`env`, else the process's), then the flags given and `extra`."""
    flags = {
        "corpus_dir": args.corpus,
        "index_dir": args.index,
        "model": args.model,
        "reader": args.reader,
        "reader_model": args.reader_model,
        "device": args.device,
        "embedding_runtime": args.embedding_runtime,
        "store": getattr(args, "store", None),  # index, search, ask, eval and bench take --store
    }
    return Settings.load(env, **flags, **extra)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa-app", description=__doc__)
    add_settings_flags(parser)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    corpus = commands.add_parser("corpus", help="summarise the parsed reports")
    corpus.add_argument("--json", action="store_true", help="print every record as JSON")
    corpus.set_defaults(run=_corpus)

    index = commands.add_parser("index", help="build the index if missing or stale")
    index.add_argument("--rebuild", action="store_true", help="build anew even if the index is fresh")
    add_store_flag(index)
    index.set_defaults(run=_index)

    # search lists 10 passages, as the API does; ask reads Settings.top_k unless told otherwise.
    for name, run, default_k, k_help in (
        ("search", _search, 10, "passages to list (default: 10)"),
        ("ask", _ask, None, "passages to answer from (default: QA_TOP_K, else 5)"),
    ):
        sub = commands.add_parser(name, help=f"{name} the reports")
        sub.add_argument("text", help="the query or question")
        sub.add_argument("--top-k", type=int, default=default_k, help=k_help)
        sub.add_argument("--doc", help="only this report (doc id)")
        sub.add_argument("--section", help="only sections whose path starts with this")
        sub.add_argument("--kind", help="only this block kind (finding, recommendation, ...)")
        sub.add_argument("--json", action="store_true")
        add_store_flag(sub)
        sub.set_defaults(run=run)

    evaluate = commands.add_parser("eval", help="retrieval and answer quality on gold questions")
    evaluate.add_argument("gold", nargs="*", default=GOLD_FILES, help="gold question files (.jsonl)")
    evaluate.add_argument("--xquad", help="evaluate on XQuAD (SQuAD v1.1 JSON) as an open corpus instead")
    evaluate.add_argument("--prefix", default="", help='put this before each question, e.g. "Stoke-on-Trent 2015: "')
    evaluate.add_argument("--json", action="store_true")
    add_store_flag(evaluate)
    evaluate.set_defaults(run=_eval)

    calibrate = commands.add_parser("calibrate", help="fit the reader's abstention to gold questions")
    calibrate.add_argument("gold", nargs="*", default=GOLD_FILES, help="gold question files (.jsonl)")
    calibrate.add_argument("--json", action="store_true")
    calibrate.add_argument("--save", help="also write the per-question results (JSON) here, for `plot`")

    plot = commands.add_parser("plot", help="risk-coverage plot of saved calibrate runs")
    plot.add_argument("runs", nargs="+", help="files written by calibrate --save")
    plot.add_argument("--out", default="docs/risk-coverage.png", help="the PNG to write")
    plot.set_defaults(run=_plot)

    calibrate.set_defaults(run=_calibrate)
    readers = commands.add_parser("readers", help="the readers side by side on SQuAD v1.1 dev, gold paragraph given")
    readers.add_argument("--questions", type=int, default=2000, help="a fixed random sample of dev (0: all 10,570)")
    readers.set_defaults(run=_readers)
    models = commands.add_parser("models", help="install a stronger embedding model, or train the reader")
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")
    install = actions.add_parser("install", help="install a stronger embedding model into models/")
    install.add_argument("name", choices=["mpnet"], help="mpnet: all-mpnet-base-v2 from PyPI, SHA-256 checked")
    install.set_defaults(run=_models)
    train = actions.add_parser("train-reader", help="train the span reader on SQuAD and report questions, export it to ONNX")
    train.add_argument(
        "--steps", type=int, default=1600, help="SQuAD steps of 16 questions (a GPU does a full epoch, 5,300, in minutes)"
    )
    train.add_argument("--report-steps", type=int, default=100, help="steps on training/reports-squad.json afterwards (0: none)")
    train.add_argument("--hours", type=float, help="stop cleanly after this long; the same command resumes")
    train.add_argument("--start", type=Path, help="continue from an earlier run's model folder instead of MiniLM")
    train.add_argument("--seed", type=int, default=13, help="which SQuAD questions are drawn (a new one for a continued run)")
    train.add_argument("--learning-rate", type=float, default=1e-4)
    train.add_argument("--eval-questions", type=int, default=2000, help="SQuAD dev questions measured (0: all)")
    train.add_argument("--out", default="qa_app/answer/reader_model", help="where the exported reader goes")
    train.set_defaults(run=_train_reader)

    bench = commands.add_parser("bench", help="timings and scaling on this machine")
    bench.add_argument("--full", action="store_true", help="add corpus sizes (1, 30, all reports) and the scaling curve")
    bench.add_argument("--sizes", default="10000,100000,1000000", help="synthetic corpus sizes in chunks, with --full")
    bench.add_argument("--json", action="store_true")
    add_store_flag(bench)
    bench.add_argument("--synthetic", type=int, default=0, help="with --store: also N synthetic passages (e.g. 1000000)")
    bench.set_defaults(run=_bench)

    conformance = commands.add_parser("conformance", help="how well a folder of published PDF reports is read")
    conformance.add_argument("folder", help="folder of reports, e.g. ../shared/ofsted")
    conformance.add_argument("--json", action="store_true", help="one JSON record per report, then the summary")
    conformance.set_defaults(run=_conformance)

    soak = commands.add_parser("soak", help="N clients asking a real app over HTTP on 127.0.0.1: throughput, latency, memory")
    soak.add_argument("--clients", type=int, default=20, help="clients asking at once (default: 20)")
    soak.add_argument("--minutes", type=float, default=10, help="how long the clients ask (default: 10)")
    soak.add_argument("--every", type=float, default=30, help="seconds between memory samples (default: 30)")
    soak.add_argument("--url", help="soak an app already running here, e.g. http://127.0.0.1:7860 (default: start one)")
    soak.add_argument("--pid", type=int, help="that app's process id, for its memory")
    add_store_flag(soak)
    soak.add_argument("--processes", type=int, default=1, help="app processes sharing the --store database (default: 1)")
    soak.add_argument(
        "--change-at-minute", type=float, help="with --store: remove and add again one report through process 1 then"
    )
    soak.add_argument("--json", action="store_true")
    soak.set_defaults(run=_soak)
    add_store_commands(commands)
    return parser


class ProgressBar:
    """A console bar for Assistant.load's (stage, fraction) callbacks.

    Drawn on the first callback, so loading a fresh index, which reports none, prints no empty bar.
    """

    def __init__(self, mirror: Callable[[str, float], None] | None = None):
        self.mirror = mirror  # also told of every update, e.g. the page's status line
        self.bar: tqdm | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        if self.mirror is not None:
            self.mirror(stage, fraction)
        if self.bar is None:
            bar_format = "{desc:<20} {percentage:3.0f}%|{bar}| {elapsed}"
            self.bar = tqdm(total=100, desc=stage, unit="%", file=sys.stderr, bar_format=bar_format)
        self.bar.set_description_str(stage)
        self.bar.n = round(100 * fraction)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def load_assistant(settings: Settings, rebuild: bool = False):
    from qa_app.assistant import Assistant

    progress = ProgressBar()
    try:
        assistant = Assistant.load(settings, progress=progress, rebuild=rebuild)
    finally:
        progress.close()
    print(assistant.status, file=sys.stderr)
    return assistant


def _corpus(args, settings: Settings) -> int:
    from qa_app.errors import skipped_note
    from qa_app.measure.corpus import parse_corpus

    corpus = parse_corpus(settings)
    if args.json:
        print(json.dumps(corpus.to_dict(), ensure_ascii=False, indent=1))
        return 0
    for report in corpus.reports:
        numbered = paragraph_count(report.paragraphs)
        pages = f"{report.pages} pages" if report.pages else "no pages"
        print(
            f"{report.doc_id}: {report.framework}, {report.authority}, overall {report.overall}, {numbered} paragraphs, {pages}"
        )
    if corpus.skipped:
        print(skipped_note(corpus.skipped))
    for key, value in corpus.summary().items():
        print(f"{key}: {value}")
    return 0


def _index(args, settings: Settings) -> int:
    # A database is made to mirror the corpus folder every time: that is what loading a corpus into it means.
    load_assistant(settings, rebuild=args.rebuild or settings.store is StoreKind.POSTGRES)
    return 0


def _filters(args) -> dict:
    pairs = {"doc_id": args.doc, "section": args.section, "kind": args.kind}
    return {k: v for k, v in pairs.items() if v}


def _search(args, settings: Settings) -> int:
    from qa_app.app.terminal import format_hit

    hits = load_assistant(settings).search(args.text, top_k=args.top_k, filters=_filters(args))
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
        return 0
    for rank, hit in enumerate(hits, 1):
        print(format_hit(rank, hit))
    return 0


def _ask(args, settings: Settings) -> int:
    from qa_app.app.terminal import format_answer

    top_k = settings.top_k if args.top_k is None else args.top_k
    answer = load_assistant(settings).ask(args.text, top_k=top_k, filters=_filters(args))
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(format_answer(answer))
    return 0


def _eval(args, settings: Settings) -> int:
    from qa_app.measure.evaluation import evaluate_gold, evaluate_xquad, format_report

    result = evaluate_xquad(args.xquad, settings) if args.xquad else evaluate_gold(args.gold, settings, args.prefix)
    print(json.dumps(result.to_dict(), indent=1) if args.json else format_report(result))
    return 0


def _calibrate(args, settings: Settings) -> int:
    from qa_app.measure.calibration import calibrate, format_calibration

    if settings.reader == ReaderKind.TRAINED:
        from qa_app.measure.span_calibration import calibrate_trained, format_trained

        model = Path(settings.reader_model) if settings.reader_model else None
        result = calibrate_trained(args.gold, settings, model)
        print(json.dumps(result, indent=1) if args.json else format_trained(result))
        return 0
    result = calibrate(args.gold, settings)
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1) if args.json else format_calibration(result))
    return 0


def _conformance(args, settings: Settings) -> int:
    from pathlib import Path

    from qa_app.measure.conformance import check_folder, describe, summary

    results = []
    for result in check_folder(Path(args.folder)):
        results.append(result)
        print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else describe(result), flush=True)
    print(summary(results))
    return 0 if all(r.ok for r in results) else 1


def _soak(args, settings: Settings) -> int:
    from qa_app.measure.soak import format_sample, format_soak, run_soak, to_dict

    if args.url and not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise QAError(f"{args.url} is not on this machine; soak only an app on 127.0.0.1.")
    if args.processes > 1 or args.change_at_minute is not None:
        return _soak_shared(args, settings)
    report = None if args.json else (lambda sample: print(format_sample(sample), flush=True))
    result = run_soak(settings, args.clients, args.minutes * 60, args.every, args.url, args.pid, report=report)
    print(json.dumps(to_dict(result), indent=1) if args.json else format_soak(result))
    return 0 if result.errors == 0 else 1


def _soak_shared(args, settings: Settings) -> int:
    from qa_app.measure.soak import format_sample
    from qa_app.measure.soak_shared import format_shared, soak_shared, to_dict

    if args.url:
        raise QAError("--processes and --change-at-minute start their own apps; leave out --url.")
    report = None if args.json else (lambda s: print(f"process {s.process}: {format_sample(s)}", flush=True))
    change_at_s = None if args.change_at_minute is None else args.change_at_minute * 60
    result = soak_shared(settings, args.processes, args.clients, args.minutes * 60, args.every, change_at_s, report=report)
    print(json.dumps(to_dict(result), indent=1) if args.json else format_shared(result))
    return 0 if result.ok else 1


def _plot(args, settings: Settings) -> int:
    from qa_app.measure.plots import risk_coverage_plot

    runs = [json.loads(Path(p).read_text(encoding="utf-8")) for p in args.runs]
    print(risk_coverage_plot(runs, Path(args.out)))
    return 0


def _models(args, settings: Settings) -> int:
    from qa_app.app.install import install

    folder = install(args.name)
    print(f"Installed and checked {folder}; use it with --model {folder} (or QA_MODEL={folder}).")
    return 0


def _readers(args, settings: Settings) -> int:
    from qa_app.measure.reading import format_scores
    from qa_app.measure.squad_readers import side_by_side

    print(format_scores(side_by_side(settings, args.questions)))
    return 0


def _train_reader(args, settings: Settings) -> int:
    from qa_app.training.command import TrainOptions, train_reader

    device = settings.device or "cpu"
    options = TrainOptions(
        steps=args.steps,
        report_steps=args.report_steps,
        hours=args.hours,
        device=device,
        eval_questions=args.eval_questions,
        ship=Path(args.out),
        start=args.start,
        seed=args.seed,
        learning_rate=args.learning_rate,
    )
    train_reader(options)
    return 0


def _bench(args, settings: Settings) -> int:
    from qa_app.measure.app_start import app_start, format_app_start
    from qa_app.measure.bench import run_bench
    from qa_app.measure.bench_table import format_bench

    if settings.store is StoreKind.POSTGRES:
        return _bench_store(args, settings)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result = run_bench(settings, sizes, full=args.full)
    restart = app_start(settings, APP_START_QUESTION)  # the settings' index, built by now or on this start
    if args.json:
        print(json.dumps({**result.to_dict(), "app_start": restart.to_dict()}, indent=1))
    else:
        print(format_bench(result) + "\n" + format_app_start("Restart of the app to page, workbench, first answer", restart))
    return 0


def _bench_store(args, settings: Settings) -> int:
    from qa_app.measure.bench import unscoped_questions
    from qa_app.measure.bench_store import format_store_bench, store_bench
    from qa_app.measure.scoring import load_gold

    questions = unscoped_questions([q.question for q in load_gold("eval/gold.jsonl")])
    rows = store_bench(settings, questions, synthetic=args.synthetic)
    print(json.dumps([r.to_dict() for r in rows], indent=1) if args.json else format_store_bench(rows))
    return 0
