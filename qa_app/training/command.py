"""`qa-app models train-reader`: data, training (resumable), report fine-tuning, export, measurement, card."""

from __future__ import annotations

import json
import platform
import random
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from qa_app.answer.span_model import SHIPPED, OnnxSpanModel
from qa_app.answer.trained_reader import TrainedReader
from qa_app.measure.reading import ReadingScore, format_scores, score_reader
from qa_app.measure.squad_readers import sample
from qa_app.training import squad
from qa_app.training.export import export_onnx, load_trained, write_card
from qa_app.training.loop import TrainConfig, base_model, train

HELD_OUT_SHARE = 0.02  # SQuAD train articles kept for choosing settings (dev stays an honest measurement)
INT8_TOLERANCE = 1.0  # F1 points int8 may lose against fp32 and still ship


@dataclass(frozen=True)
class TrainOptions:
    work: Path = Path("models/reader")  # checkpoints and data (ignored by git)
    ship: Path = SHIPPED  # where the exported reader goes
    steps: int = 1600
    report_steps: int = 100  # second stage on report questions (about two passes, with as many SQuAD ones); 0 to skip
    report_data: Path | None = Path("training/reports-squad.json")
    device: str = "cpu"
    hours: float | None = None  # stop the first stage cleanly after this long, to resume later
    batch_size: int = 16
    eval_questions: int = 2000  # SQuAD dev questions measured, a fixed random sample (0: all 10,570)
    start: Path | None = None  # continue from these weights (an earlier run's model folder) instead of the base model
    seed: int = 13  # picks the SQuAD questions seen; a new seed on a continued run sees mostly new ones
    learning_rate: float = 1e-4


def predictor(reader: TrainedReader):
    def predict(question: str, context: str) -> str:
        spans = reader.spans(question, [context])
        best = max(spans, key=lambda s: s.score, default=None)
        return context[best.start : best.end] if best else ""

    return predict


def train_reader(options: TrainOptions, say=print) -> dict:
    """Runs every stage that is not done yet; returns the card's facts."""
    began = time.time()
    paths = squad.fetch(options.work / "data")
    examples, held = squad.split_by_article(squad.load(paths["train"]), HELD_OUT_SHARE)
    say(f"SQuAD v1.1 train: {len(examples)} questions to train on, {len(held)} held out by article")
    config = TrainConfig(
        base_model=str(options.start) if options.start else base_model(),
        max_steps=options.steps,
        batch_size=options.batch_size,
        learning_rate=options.learning_rate,
        seed=options.seed,
        bf16=True,
    )
    stop_at = began + options.hours * 3600 if options.hours else None
    stage1 = options.work / "squad"
    model_dir = train(config, examples, stage1, options.device, lambda p: say(f"step {p.step}: loss {p.loss:.3f}"), stop_at)
    state = json.loads((model_dir / "training.json").read_text())
    state["data"] = (
        f"SQuAD v1.1 train, {1 - HELD_OUT_SHARE:.0%} of articles (seed {options.seed}), "
        f"{state['steps'] * options.batch_size:,} windows with {config.negative_share:.0%} unanswerable pairs"
        + (f", continuing from {options.start.name}" if options.start else ", from all-MiniLM-L6-v2")
    )
    if state["steps"] < options.steps:
        say(f"Stopped at step {state['steps']} of {options.steps}; run the same command again to resume.")
        return state
    trained = _earlier_stages(options.start) + [state]
    if options.report_steps and options.report_data and options.report_data.exists():
        reports = squad.load(options.report_data)
        # As many SQuAD questions again, so that learning the reports' language does not unlearn reading.
        reports += random.Random(1).sample(examples, min(len(examples), len(reports)))
        say(f"Report questions: {len(reports) // 2} from {options.report_data}, with as many from SQuAD")
        second = replace(
            config,
            base_model=str(model_dir),
            max_steps=options.report_steps,
            learning_rate=3e-5,
            negative_share=0.0,
            checkpoint_every=50,
            warmup_share=0.1,
        )
        model_dir = train(
            second, reports, options.work / "reports", options.device, lambda p: say(f"reports step {p.step}: loss {p.loss:.3f}")
        )
        trained.append(
            json.loads((model_dir / "training.json").read_text())
            | {"data": f"{options.report_data}: {len(reports) // 2} report questions with as many from SQuAD"}
        )
    return export_and_measure(model_dir, options, trained, say)


def command_line(options: TrainOptions) -> str:
    """The command that makes these weights again, for the card."""
    words = f"qa-app models train-reader --steps {options.steps} --report-steps {options.report_steps}"
    if options.start:
        words += f" --start {options.start} --seed {options.seed} --learning-rate {options.learning_rate:g}"
    return words


def _earlier_stages(start: Path | None) -> list[dict]:
    """The stages behind a continued run's starting weights, so the card tells the whole history."""
    if start is None or not (start / "training.json").exists():
        return []
    return [json.loads((start / "training.json").read_text())]


def export_and_measure(model_dir: Path, options: TrainOptions, trained: list[dict], say=print) -> dict:
    """fp32 and int8 exports scored on held-out SQuAD articles; int8 ships if within INT8_TOLERANCE F1."""
    paths = squad.fetch(options.work / "data")
    _, held = squad.split_by_article(squad.load(paths["train"]), HELD_OUT_SHARE)
    model = load_trained(model_dir)
    candidates: dict[str, ReadingScore] = {}
    for name, quantize in (("fp32", False), ("int8", True)):
        folder = options.work / "export" / name
        export_onnx(model, model_dir, folder, quantize)
        candidates[name] = score_reader(name, predictor(TrainedReader(OnnxSpanModel(folder))), held)
    say(format_scores(list(candidates.values())))
    chosen = "int8" if candidates["int8"].f1 >= candidates["fp32"].f1 - INT8_TOLERANCE else "fp32"
    export_onnx(model, model_dir, options.ship, chosen == "int8")
    dev = sample(squad.load(paths["dev"]), options.eval_questions)
    shipped = score_reader(f"shipped ({chosen})", predictor(TrainedReader(OnnxSpanModel(options.ship))), dev)
    say(format_scores([shipped]))
    facts = {
        "command": command_line(options),
        "hardware": f"{platform.processor() or platform.machine()}, {options.device}",
        "training": trained[0],
        "stages": trained,
        "weights": f"{chosen} ONNX, {(options.ship / 'model.onnx').stat().st_size / 1e6:.1f} MB",
        "metrics": {
            "held-out SQuAD train articles, fp32 F1": round(candidates["fp32"].f1, 1),
            "held-out SQuAD train articles, int8 F1": round(candidates["int8"].f1, 1),
            f"SQuAD v1.1 dev ({shipped.questions} questions, gold paragraph) EM / F1": f"{shipped.exact_match:.1f} / {shipped.f1:.1f}",
        },
        "scores": [asdict(s) for s in (*candidates.values(), shipped)],
    }
    write_card(options.ship, facts)
    return facts
