"""Check the training questions (training/reports-squad.json) before anyone trains on them.

    python training/check.py                      # offsets, shape and separation from eval/
    python training/check.py --corpus /work/shared/ofsted   # also: every context is a block qa_app parses

For every question it checks that each answer's text sits at its answer_start in the context, that an
impossible question has no answers and an answerable one has exactly one, and that ids are unique. For every
report (article title = doc_id) it checks that no file in eval/ names it, so that a reader tuned on these
questions is measured on reports it never saw. With --corpus it parses each report with qa_app's ingest and
checks that every context is the text of one of its blocks, as the reader will see it at question time.
Exit status 1 when anything fails; each failure is printed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training" / "reports-squad.json"


def eval_docs(eval_dir: Path) -> set[str]:
    """Every report that a file in eval/ names: `doc` of the .jsonl lines, the stems of the report lists."""
    docs: set[str] = set()
    for path in eval_dir.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and (doc := json.loads(line).get("doc")):
                docs.add(doc)
    for path in eval_dir.glob("*.txt"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                docs.add(Path(line.strip()).stem)
    return docs


def problems(data: dict, held_out: set[str]) -> list[str]:
    """Shape, offsets and separation problems of a SQuAD-format dict; [] when all is well."""
    found, ids = [], set()
    for article in data["data"]:
        doc = article["title"]
        # "stoke-on-trent-2015" in eval/gold.jsonl names stoke-on-trent-2015-08-12 too.
        if any(doc == d or re.match(re.escape(d) + r"(-\d\d){0,2}$", doc) for d in held_out):
            found.append(f"{doc}: this report is in eval/; train only on reports the evaluation never uses")
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                where = f"{doc} {qa['id']}"
                if qa["id"] in ids:
                    found.append(f"{where}: id used twice")
                ids.add(qa["id"])
                if not qa["question"].strip():
                    found.append(f"{where}: empty question")
                impossible = qa.get("is_impossible", False)
                if impossible and qa["answers"]:
                    found.append(f"{where}: impossible question with answers")
                if not impossible and len(qa["answers"]) != 1:
                    found.append(f"{where}: answerable question needs exactly one answer")
                for answer in qa["answers"]:
                    start, text = answer["answer_start"], answer["text"]
                    if not text.strip() or context[start : start + len(text)] != text:
                        found.append(f"{where}: {text!r} is not at offset {start} of its context")
    return found


def context_problems(data: dict, corpus: Path) -> list[str]:
    """Contexts that are not the text of a block that qa_app's ingest parses from the report."""
    from qa_app.ingest.corpus import load_report

    found = []
    for article in data["data"]:
        doc = article["title"]
        blocks = {b.text for b in load_report(corpus / f"{doc}.pdf").paragraphs}
        found += [
            f"{doc}: a context is no parsed block: {p['context'][:60]!r}"
            for p in article["paragraphs"]
            if p["context"] not in blocks
        ]
    return found


def summary(data: dict) -> str:
    qas = [qa for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    impossible = sum(qa.get("is_impossible", False) for qa in qas)
    contexts = sum(len(a["paragraphs"]) for a in data["data"])
    return f"{len(qas)} questions ({impossible} without an answer) in {contexts} passages of {len(data['data'])} reports"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(DATA))
    parser.add_argument("--eval-dir", default=str(ROOT / "eval"))
    parser.add_argument("--corpus", help="folder of the report PDFs: also check each context against the parse")
    args = parser.parse_args(argv)
    data = json.loads(Path(args.data).read_text(encoding="utf-8"))
    found = problems(data, eval_docs(Path(args.eval_dir)))
    if args.corpus:
        found += context_problems(data, Path(args.corpus))
    for problem in found:
        print(problem)
    print(f"{summary(data)}: {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
