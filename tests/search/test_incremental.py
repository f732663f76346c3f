"""Adding, changing or removing one report re-embeds that report only; a build that dies resumes."""

from __future__ import annotations

import pytest
from support import PARAGRAPHS, CountingEmbedder, write_report

from qa_app.config import Settings
from qa_app.errors import IndexUnavailable
from qa_app.search.embedding import Embedder
from qa_app.search.index.opening import ensure_index
from qa_app.search.segments import SEGMENTS

OTHER = [
    "The other council had 75 children on child protection plans.",
    "Return home interviews were completed within 72 hours for most children.",
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture
def settings(tmp_path) -> Settings:
    write_report(tmp_path / "corpus")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def texts_of(data, doc_id: str) -> list[str]:
    return [b.text for b in data.blocks if b.doc_id == doc_id]


def test_adding_a_report_embeds_only_its_texts(settings, embedder):
    ensure_index(settings, embedder)
    write_report(settings.corpus_dir, OTHER, name="other.md", title="Other council report")
    counting = CountingEmbedder(embedder)
    data, opened = ensure_index(settings, counting)
    assert "out of date" in opened.line and "other.md" in opened.line
    assert counting.texts and all(not any(p in t for p in PARAGRAPHS) for t in counting.texts)
    assert any(OTHER[0] in t for t in counting.texts)
    assert texts_of(data, "other") == OTHER and texts_of(data, "tiny") == PARAGRAPHS
    assert [r.doc_id for r in data.reports] == ["other", "tiny"]


def test_removing_a_report_drops_its_passages_and_its_segment(settings, embedder):
    write_report(settings.corpus_dir, OTHER, name="other.md")
    ensure_index(settings, embedder)
    (settings.corpus_dir / "other.md").unlink()
    counting = CountingEmbedder(embedder)
    data, _ = ensure_index(settings, counting)
    assert counting.texts == []  # nothing left to embed: tiny.md comes from its segment
    assert {b.doc_id for b in data.blocks} == {"tiny"}
    assert [p.name.split("-")[0] for p in (settings.index_dir / SEGMENTS).iterdir()] == ["tiny"]


def test_changing_a_report_re_embeds_that_report(settings, embedder):
    write_report(settings.corpus_dir, OTHER, name="other.md")
    ensure_index(settings, embedder)
    write_report(settings.corpus_dir, [*OTHER, "Managers now audit every case each quarter."], name="other.md")
    counting = CountingEmbedder(embedder)
    data, _ = ensure_index(settings, counting)
    assert any("audit every case" in t for t in counting.texts)
    assert not any(PARAGRAPHS[0] in t for t in counting.texts)
    assert len(texts_of(data, "other")) == 3


def test_a_build_that_dies_half_way_resumes_where_it_stopped(settings, embedder):
    write_report(settings.corpus_dir, OTHER, name="zzz.md")  # read after tiny.md
    with pytest.raises(IndexUnavailable, match=r"could not be updated \(RuntimeError: killed half-way\)"):
        ensure_index(settings, CountingEmbedder(embedder, fail_on="other council"))
    assert not (settings.index_dir / "CURRENT").exists()  # nothing half-built was made live
    counting = CountingEmbedder(embedder)
    data, _ = ensure_index(settings, counting)
    assert counting.texts and not any(PARAGRAPHS[0] in t for t in counting.texts)  # tiny.md was kept
    assert {b.doc_id for b in data.blocks} == {"tiny", "zzz"}


def test_a_report_that_cannot_be_read_is_skipped_and_named(settings, embedder):
    (settings.corpus_dir / "broken.md").write_bytes(b"\x00\x01binary")
    data, opened = ensure_index(settings, embedder)
    assert {b.doc_id for b in data.blocks} == {"tiny"}
    assert "broken.md" in data.manifest.skipped and "binary" in data.manifest.skipped["broken.md"]
    assert "Skipped 1 report: broken.md" in opened.line


def test_a_damaged_segment_is_embedded_again(settings, embedder):
    ensure_index(settings, embedder)
    segment = next((settings.index_dir / SEGMENTS).iterdir())
    (segment / "chunk_vectors.npy").write_bytes(b"not numpy")
    write_report(settings.corpus_dir, OTHER, name="other.md")
    counting = CountingEmbedder(embedder)
    data, _ = ensure_index(settings, counting)
    assert any(PARAGRAPHS[0] in t for t in counting.texts)
    assert texts_of(data, "tiny") == PARAGRAPHS
