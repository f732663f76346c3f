"""The attack suite's target: the real app (`python app.py`) on a random loopback port, over temporary
copies of small reports, so no probe can touch the repository's corpus/ or index/.

Not a conftest.py: tests/app imports its conftest by name, and a second one would shadow it. Each module
starts its own app (`serving`) and shares it among its probes."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support import (
    CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH,
    CAP_FOWNER,
    PARAGRAPHS,
    dropping_capabilities,
    running_app,
    write_report,
)

START_TIMEOUT_S = 300
ALLOWED_HOST = "reports.example.org"  # listed in QA_ALLOWED_HOSTS of every app here
OUTSIDE = "The secret council keeps 99 files outside the corpus folder."  # behind a link: never read
LIVE_MARKUP = [
    "Inspectors saw <img src=x onerror=alert(1)> in the case notes.",
    'The portal offers <a href="javascript:alert(1)">a quick link</a> to the duty team.',
]


@dataclass
class Served:
    url: str
    corpus: Path
    index: Path
    printed: list[str]
    pid: int

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def make_folders(root: Path) -> tuple[Path, Path]:
    """A corpus of three small reports (one quoting live markup), with files that are not reports beside
    them and a link to a report outside it, and an index folder holding an abandoned upload."""
    corpus, index = root / "corpus", root / "index"
    write_report(corpus, name="alpha.md", title="Inspection of Alpha council children's services")
    write_report(corpus, PARAGRAPHS[::-1], name="beta.md", title="Beta council report")
    write_report(corpus, [*LIVE_MARKUP, *PARAGRAPHS[:3]], name="gamma.md", title="Gamma council report")
    (corpus / "ATTRIBUTION.txt").write_text("Contains public sector information.\n")
    (corpus / ".env").write_text("SECRET=do-not-serve\n")
    outside = write_report(root / "elsewhere", [OUTSIDE], name="secret.md", title="Inspection of Secret council")
    (corpus / "linked.md").symlink_to(outside / "secret.md")
    stale = index / "uploads" / "0123abcd"
    stale.mkdir(parents=True)
    (stale / "abandoned.pdf").write_bytes(b"%PDF-1.4 left behind by an earlier run")
    return corpus, index


@contextlib.contextmanager
def serving(root: Path, **env: str) -> Iterator[Served]:
    """The app over fresh folders under `root`, with QA_* settings in `env`. It runs without root's
    power to ignore permission bits, so a read-only folder is read-only to it as to anyone."""
    corpus, index = make_folders(root)
    printed: list[str] = []
    process: list[subprocess.Popen] = []
    settings = {"QA_ALLOWED_HOSTS": ALLOWED_HOST, **env}
    with running_app(
        "--corpus",
        str(corpus),
        "--index",
        str(index),
        timeout_s=START_TIMEOUT_S,
        output=printed,
        process=process,
        env=settings,
        preexec_fn=dropping_capabilities(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER),
    ) as url:
        yield Served(url, corpus, index, printed, process[0].pid)
