"""The corpus folder: which files are reports (markdown, PDF), and reading each into a `Report`."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

from qa_app.errors import ReportError
from qa_app.ingest.checksums import file_sha256
from qa_app.ingest.facts import report_facts
from qa_app.ingest.judgements import carry_judgements
from qa_app.ingest.layout import markdown_layout
from qa_app.ingest.structure import parse_report
from qa_app.records import Chunk, Report, paragraph_count

REPORT_SUFFIXES = (".md", ".pdf")


def load_report(path: str | Path, corpus_dir: str | Path | None = None) -> Report:
    """Parse one report; with corpus_dir, refuse any path that resolves outside it."""
    path = Path(path)
    if corpus_dir is not None and not path.resolve().is_relative_to(Path(corpus_dir).resolve()):
        raise ReportError(f"{path} is outside the corpus folder {corpus_dir}; copy the report into {corpus_dir}/.")
    if not path.is_file():
        raise ReportError(f"{path} is not a report file; check the path.")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise unreadable_report(path, error) from None
    return read_report(data, path)


def read_report(data: bytes, path: Path) -> Report:
    """Parse a report from its bytes; `path` only names it (doc_id is its stem, the format its suffix), so
    an upload is read, and refused, before anything is written."""
    if path.suffix.lower() == ".pdf":
        from qa_app.ingest.pdf import read_pdf  # pypdfium2 is loaded only for a corpus that holds PDFs

        layout = read_pdf(data, path)
    else:
        layout = markdown_layout(_decode(data, path))
    title, blocks = parse_report(layout, doc_id=path.stem, name=str(path))
    facts = report_facts(title, blocks, path.stem)
    if layout.page_starts and facts.framework is None:
        raise not_an_inspection_report(path)
    sha256 = hashlib.sha256(data).hexdigest()
    blocks = carry_judgements(blocks, facts.judgements)
    return Report(path.stem, title, str(path), sha256, blocks, **vars(facts), pages=len(layout.page_starts) or None)


def load_corpus(corpus_dir: str | Path) -> list[Report]:
    """Every report (*.md, *.pdf) in the folder, sorted by doc_id; ReportError names any bad file."""
    root = Path(corpus_dir)
    paths = report_paths(root)
    if not paths:
        raise ReportError(f"The corpus folder {root} holds no reports (*.md, *.pdf); add at least one report.")
    return [load_report(p, root) for p in paths]


def report_paths(corpus_dir: str | Path) -> list[Path]:
    """The report files (*.md, *.pdf, dot-files left out) in doc_id order: what is parsed is what is fingerprinted."""
    root = Path(corpus_dir)
    if not root.is_dir():
        raise ReportError(f"The corpus folder {root} does not exist; create it and put reports (*.md, *.pdf) in it.")
    paths = (p for p in root.iterdir() if p.suffix.lower() in REPORT_SUFFIXES and not p.name.startswith("."))
    return sorted(paths, key=lambda p: (p.stem, p.suffix))


class Parser(Protocol):
    """What parses a report file (`sandbox.ReportParser`: in a capped worker process)."""

    def load(self, path: Path, corpus_dir: Path | None = None) -> Report: ...


@dataclass(frozen=True)
class ReportFile:
    """A report file of the corpus: named now, checksummed when first asked (never for a link out of the
    folder, which is refused unread), parsed only when `load`ed, so an index that holds a report's segment
    already never parses it again."""

    path: Path
    corpus_dir: Path

    @cached_property
    def sha256(self) -> str:
        """The file's SHA-256; ReportError when it cannot be read."""
        return report_sha256(self.path)

    def load(self, parser: Parser | None = None) -> Report:
        """The parsed report, in `parser`'s capped worker process when given; ReportError says why it cannot be read."""
        return (parser.load if parser is not None else load_report)(self.path, self.corpus_dir)


def report_files(corpus_dir: str | Path) -> Iterator[ReportFile]:
    """Every report file of the folder in doc_id order."""
    for path in report_paths(corpus_dir):
        yield ReportFile(path, Path(corpus_dir))


def report_sha256(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as error:
        raise unreadable_report(path, error) from None


def not_an_inspection_report(path: Path) -> ReportError:
    """The same words for a PDF the reader refuses and a Markdown upload the page refuses."""
    kind = "a PDF" if path.suffix.lower() == ".pdf" else "a Markdown file"
    return ReportError(
        f"{path} is {kind}, but not an Ofsted children's services inspection report (its first pages name no "
        "inspection framework); add only published inspection reports, and take it out of the corpus folder if it is there."
    )


def unreadable_report(path: Path, error: OSError) -> ReportError:
    """The same words wherever a report is opened (parsing or fingerprinting), so the file is named either way."""
    return ReportError(f"{path} cannot be read ({error.strerror}); check its permissions.")


def _decode(data: bytes, path: Path) -> str:
    if not data.strip():
        raise ReportError(f"{path} is empty; put the report's text in it or remove the file.")
    if b"\x00" in data:
        raise ReportError(f"{path} is a binary file, not a markdown report; export the report as UTF-8 markdown.")
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReportError(f"{path} is not UTF-8 text (bad byte at offset {error.start}); re-save it as UTF-8.") from None
    if not source.strip(" \t\r\n\ufeff"):
        raise ReportError(f"{path} is empty; put the report's text in it or remove the file.")
    return source


def summarize(reports: Sequence[Report], chunks: Sequence[Chunk], token_count: Callable[[str], int]) -> dict:
    """Counts for `python -m qa_app corpus`: what was read and how it was cut."""
    blocks = [b for r in reports for b in r.paragraphs]
    return {
        "documents": len(reports),
        "paragraphs": paragraph_count(blocks),
        "blocks": len(blocks),
        "blocks_by_kind": dict(sorted(Counter(b.kind for b in blocks).items())),
        "chunks": len(chunks),
        "longest_chunk_tokens": max((token_count(c.text) for c in chunks), default=0),
    }
