"""Check a multi-report gold file (eval-format.md) against the parsed text of its reports.

    python eval/check_gold.py eval/multi.jsonl --corpus /work/shared/ofsted --list eval/corpus-30.txt

Needs a qa_app whose `load_report` reads PDFs (run it where qa_app.ingest.pdf exists, or put such a checkout first
on PYTHONPATH). For every gold line it checks:
  - keys and types as eval-format.md has them; `doc` names a report of the list;
  - every evidence string is 40-200 characters (or a whole shorter block, "Overall effectiveness; Good") and,
    whitespace collapsed, inside one parsed block of `doc`
    (for a compare question, `doc` null: of any listed report, and of at least two different reports);
  - each such block's paragraph number is in `paragraphs` (unnumbered blocks need none), and every number in
    `paragraphs` is a block that holds an evidence string; compare questions keep `paragraphs` empty, since
    without `doc` a paragraph number would match that paragraph in every report;
  - a factoid `answer` occurs in one of the evidence strings;
  - unanswerable lines have no evidence, no paragraphs and no answer; a false premise may add `report_says`,
    {"answer", "evidence", "paragraphs"}: what its `doc` does say, checked as evidence is;
  - an authority the question names (any usual form) maps to `doc`: the report of that authority whose year
    (inspection or publication) the question names, or whose framework it names, else the latest one listed.
Exit status 1 when any line fails; each failure is printed with the line's id.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

TYPES = {
    "number",
    "percent",
    "date",
    "person",
    "judgement",
    "yesno",
    "explanation",
    "list",
    "location",
    "unanswerable",
    "compare",
}
# Usual short forms that the file stems and the reports' own titles do not give.
EXTRA_ALIASES = {
    "stoke": "stoke-on-trent",
    "bath and ne somerset": "bath-and-north-east-somerset",
    "b&nes": "bath-and-north-east-somerset",
    "banes": "bath-and-north-east-somerset",
    "cwac": "cheshire-west-and-chester",
    "scilly": "isles-of-scilly",
    "hull": "kingston-upon-hull",
}
SUFFIXES = (" city council", " borough council", " county council", " metropolitan borough council", " council")


def collapse(text: str) -> str:
    return " ".join(text.split())


def authority_of(stem: str) -> str:
    return re.sub(r"-\d{4}-\d{2}-\d{2}$", "", stem)


def build_aliases(manifest: Path, reports: dict) -> dict[str, str]:
    """alias (lower case) -> authority slug, for every authority of the manifest plus the listed reports' titles."""
    aliases: dict[str, str] = {}
    with manifest.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            slug = row["authority"]
            aliases[slug.replace("-", " ")] = slug
            aliases[slug] = slug
    for stem, report in reports.items():
        slug = authority_of(stem)
        name = (report.authority or "").lower().replace("’", "'")
        if name:
            aliases[name] = slug
            for suffix in SUFFIXES:
                if name.endswith(suffix):
                    aliases[name[: -len(suffix)]] = slug
            aliases[name.removeprefix("council of the ")] = slug
    aliases.update(EXTRA_ALIASES)
    return aliases


def named_authorities(question: str, aliases: dict[str, str]) -> set[str]:
    text = " " + re.sub(r"[^a-z&' -]", " ", question.lower().replace("’", "'")) + " "
    found = set()
    for alias in sorted(aliases, key=len, reverse=True):
        pattern = r"(?<![a-z])" + re.escape(alias) + r"(?![a-z])"
        if re.search(pattern, text):
            found.add(aliases[alias])
            text = re.sub(pattern, " ", text)  # "Cheshire West and Chester" is not also "Chester"
    return found


def report_years(report) -> set[str]:
    return set(re.findall(r"20\d\d", (report.inspection_dates or "") + " " + (report.published or "")))


def framework_named(question: str, framework: str | None) -> bool | None:
    q = question.lower()
    fw = (framework or "").lower()
    if "re-inspection" in q or "reinspection" in q:
        return "re-inspection" in fw
    if "ilacs" in q:
        return fw.startswith("ilacs")
    if re.search(r"\bsif\b|single inspection", q):
        return fw.startswith("sif")
    return None


def check_authority(gold: dict, reports: dict, aliases: dict[str, str], listed: set[str]) -> list[str]:
    problems = []
    named = named_authorities(gold["question"], aliases)
    doc = gold.get("doc")
    if not gold["answerable"] and doc is None:
        return problems  # out-of-list authorities and years are the point of these
    if gold["type"] == "compare":
        return problems
    if not named:
        return problems  # identified by a distinctive fact
    if doc is None:
        return [f"question names {sorted(named)} but has no doc"]
    own = authority_of(doc)
    if named != {own}:
        return [f"question names {sorted(named)} but doc is {doc}"]
    candidates = sorted(s for s in reports if authority_of(s) == own)
    years = set(re.findall(r"20\d\d", gold["question"]))
    # A named framework narrows the reports, then a named year; a year that fits none of them is a date in the
    # question ("at 31 December 2017"), not a pick. With neither, the latest (stems sort by publication date).
    if framework_named(gold["question"], None) is not None:
        candidates = [s for s in candidates if framework_named(gold["question"], reports[s].framework)] or candidates
    by_year = [s for s in candidates if years & report_years(reports[s])]
    intended = (by_year or candidates)[-1]
    if doc != intended:
        problems.append(f"question maps to {intended}, not {doc}")
    return problems


def check_line(gold: dict, reports: dict) -> list[str]:
    problems = []
    for key in ("id", "question", "evidence", "paragraphs", "answer", "type", "answerable"):
        if key not in gold:
            problems.append(f"missing key {key}")
    if problems:
        return problems
    if gold["type"] not in TYPES:
        problems.append(f"type {gold['type']!r}")
    doc = gold.get("doc")
    if doc is not None and doc not in reports:
        problems.append(f"doc {doc} is not a listed report")
        return problems
    if not gold["answerable"]:
        if gold["evidence"] or gold["paragraphs"] or gold["answer"] is not None:
            problems.append("unanswerable line with evidence, paragraphs or answer")
        if gold["type"] != "unanswerable":
            problems.append("unanswerable line whose type is not 'unanswerable'")
        return problems + check_report_says(gold, reports)
    if "report_says" in gold:
        problems.append("report_says on an answerable line (it corrects a false premise)")
    if not gold["evidence"]:
        problems.append("answerable line without evidence")
    if doc is None and gold["type"] != "compare":
        problems.append("answerable non-compare line without doc")
    if gold["type"] == "compare" and gold["paragraphs"]:
        problems.append("compare line with paragraphs (they would match any report's paragraph of that number)")
    pool = [reports[doc]] if doc else list(reports.values())
    return problems + check_citation(gold, pool, compare=gold["type"] == "compare")


def check_report_says(gold: dict, reports: dict) -> list[str]:
    """A false premise may record what the report does say: {"answer", "evidence", "paragraphs"} of its `doc`."""
    says = gold.get("report_says")
    if says is None:
        return []
    if gold.get("doc") is None:
        return ["report_says without doc"]
    if not isinstance(says, dict) or {"answer", "evidence", "paragraphs"} - set(says) or not says["evidence"]:
        return ["report_says needs answer, evidence (not empty) and paragraphs"]
    return [f"report_says: {p}" for p in check_citation(says, [reports[gold["doc"]]], compare=False)]


def check_citation(gold: dict, pool: list, compare: bool) -> list[str]:
    """Evidence verbatim in a block of the pool, paragraphs matching those blocks, the answer inside the evidence."""
    problems = []
    holding_numbers, holding_docs = set(), set()
    for evidence in gold["evidence"]:
        needle = collapse(evidence)
        hits = [(r.doc_id, b) for r in pool for b in r.paragraphs if needle in collapse(b.text)]
        # A short one-line block ("Overall effectiveness; Inadequate", "Lead inspector: ...") counts whole.
        whole_block = any(needle == collapse(b.text) for _, b in hits)
        if not 40 <= len(needle) <= 200 and not (len(needle) < 40 and whole_block):
            problems.append(f"evidence of {len(needle)} characters: {needle[:60]!r}")
        if not hits:
            problems.append(f"evidence not in any parsed block: {needle[:80]!r}")
            continue
        holding_docs.update(d for d, _ in hits)
        numbers = {b.number for _, b in hits if b.number is not None}
        holding_numbers |= numbers
        if not compare and numbers and not numbers & set(gold["paragraphs"]):
            problems.append(f"evidence is in paragraph(s) {sorted(numbers)}, not in paragraphs {gold['paragraphs']}")
    if not compare:
        stray = set(gold["paragraphs"]) - holding_numbers
        if stray:
            problems.append(f"paragraphs {sorted(stray)} hold no evidence")
    elif len(holding_docs) < 2:
        problems.append(f"compare evidence from {len(holding_docs)} report(s) only")
    if gold["answer"] is not None:
        answer = collapse(gold["answer"])
        if not any(answer in collapse(e) for e in gold["evidence"]):
            problems.append(f"answer {answer!r} is in no evidence string")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold")
    parser.add_argument("--corpus", default="/work/shared/ofsted")
    parser.add_argument("--list", default="eval/corpus-30.txt", help="the report file names, one a line, # comments")
    args = parser.parse_args(argv)

    from qa_app.ingest.corpus import load_report

    corpus = Path(args.corpus)
    names = [
        line.strip()
        for line in Path(args.list).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    reports = {Path(n).stem: load_report(corpus / n) for n in names}
    aliases = build_aliases(corpus / "MANIFEST.csv", reports)
    listed = {authority_of(s) for s in reports}

    lines = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    failures, ids = 0, set()
    for gold in lines:
        problems = check_line(gold, reports)
        if gold.get("id") in ids:
            problems.append("id used twice")
        ids.add(gold.get("id"))
        if not problems:
            problems = check_authority(gold, reports, aliases, listed)
        if not gold.get("answerable", True):
            outside = named_authorities(gold["question"], aliases) - listed
            if outside and gold.get("doc"):
                problems.append(f"names {sorted(outside)}, not listed, yet has doc {gold['doc']}")
        for p in problems:
            print(f"{gold.get('id')}: {p}")
        failures += bool(problems)
    kinds: dict[str, int] = {}
    for gold in lines:
        kind = (
            "unanswerable"
            if not gold["answerable"]
            else "compare"
            if gold["type"] == "compare"
            else "named"
            if named_authorities(gold["question"], aliases)
            else "distinctive"
        )
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{len(lines)} questions over {len(reports)} reports {kinds}: {failures} failing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
