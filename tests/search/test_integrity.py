"""The index trusts nothing it did not just check: altered segments are re-embedded and named, a rebuild
re-embeds everything, a failed write keeps the previous index answering and leaves no partial file, and
copies or links out of the corpus folder are named and left out without making every start a rebuild."""

from __future__ import annotations

import errno
import json

import numpy as np
import pytest
from support import PARAGRAPHS, CountingEmbedder, write_report

from qa_app.assistant import Assistant
from qa_app.config import Settings
from qa_app.errors import IndexUnavailable
from qa_app.search.embedding import Embedder
from qa_app.search.index import build as build_module
from qa_app.search.index.manifest import read_manifest
from qa_app.search.index.opening import ensure_index
from qa_app.search.segments import SEGMENTS

OTHER = ["The other council had 75 children on child protection plans."]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture
def settings(tmp_path) -> Settings:
    write_report(tmp_path / "corpus")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def segment_of(settings: Settings, doc_id: str):
    [folder] = [p for p in (settings.index_dir / SEGMENTS).iterdir() if p.name.startswith(f"{doc_id}-")]
    return folder


def alter_paragraph(folder) -> None:
    rows = [json.loads(line) for line in (folder / "blocks.jsonl").read_text(encoding="utf-8").splitlines()]
    rows[0]["text"] = "ALTERED IN THE CACHE: " + rows[0]["text"]
    (folder / "blocks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def leftovers(settings: Settings) -> list[str]:
    """Temporary files and folders anywhere under the corpus and index folders."""
    roots = (settings.corpus_dir, settings.index_dir)
    return sorted(str(p) for root in roots for p in root.rglob("*") if ".tmp-" in p.name or p.name.endswith(".part"))


# ---------------------------------------------------------------- checksummed segments


@pytest.mark.parametrize("damage", ["paragraph", "vectors"])
def test_an_altered_segment_is_re_embedded_named_and_never_served(settings, embedder, damage):
    ensure_index(settings, embedder)
    folder = segment_of(settings, "tiny")
    if damage == "paragraph":
        alter_paragraph(folder)
    else:
        vectors = np.load(folder / "chunk_vectors.npy")
        np.save(folder / "chunk_vectors.npy", np.random.default_rng(0).random(vectors.shape, dtype=np.float32))
    write_report(settings.corpus_dir, OTHER, name="other.md")  # any change: the next build reads the segment
    counting = CountingEmbedder(embedder)
    data, opened = ensure_index(settings, counting)
    assert "Re-embedded tiny: the cached copy under segments/ was altered or damaged." in opened.line
    assert opened.repaired == ("tiny",)
    assert any(PARAGRAPHS[0] in t for t in counting.texts)
    assert [b.text for b in data.blocks if b.doc_id == "tiny"] == PARAGRAPHS
    assert read_manifest(settings.index_dir)[1].repaired == ["tiny"]
    assert "ALTERED" not in (segment_of(settings, "tiny") / "blocks.jsonl").read_text(encoding="utf-8")
    assert ensure_index(settings, embedder)[1].repaired == ()  # said by the start that repaired it, not every later one


def test_a_segment_without_checksums_is_made_again(settings, embedder):
    ensure_index(settings, embedder)
    (segment_of(settings, "tiny") / "checksums.json").unlink()
    counting = CountingEmbedder(embedder)
    ensure_index(settings, counting, rebuild=False)  # fresh: the live build is served, no segment read
    assert counting.texts == []
    write_report(settings.corpus_dir, OTHER, name="other.md")
    _, opened = ensure_index(settings, counting)
    assert "Re-embedded tiny" in opened.line


def test_a_rebuild_re_embeds_every_report_even_with_intact_segments(settings, embedder):
    write_report(settings.corpus_dir, OTHER, name="other.md")
    ensure_index(settings, embedder)
    counting = CountingEmbedder(embedder)
    ensure_index(settings, counting, rebuild=True)
    assert any(PARAGRAPHS[0] in t for t in counting.texts) and any(OTHER[0] in t for t in counting.texts)


# ---------------------------------------------------------------- a failed write


@pytest.fixture
def full_disk(monkeypatch):
    """Every index record file fails to write as on a full disk (the writer seam of a build)."""

    def no_space(path, rows):
        open(path, "wb").close()  # the file was created, then the disk filled
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(build_module, "write_jsonl", no_space)


def test_a_failed_update_leaves_the_previous_index_answering_and_no_partial_file(settings, embedder, request):
    data, _ = ensure_index(settings, embedder)
    assistant = Assistant(settings, embedder, data, "")
    write_report(settings.corpus_dir, OTHER, name="other.md")
    request.getfixturevalue("full_disk")
    with pytest.raises(IndexUnavailable) as failed:
        assistant.reloaded()
    assert str(failed.value) == (
        "The index could not be updated (no space left on device), so the reports loaded before still answer; "
        "free some space or fix the index folder, then restart the app."
    )
    assert assistant.ask("How many children were looked after?").answered
    assert leftovers(settings) == []

    restarted, opened = ensure_index(settings, embedder)  # a start on the same full disk
    assert opened.line == (
        f"The index in {settings.index_dir} could not be updated (no space left on device); "
        "answering from the previous index, read-only, until it can be rebuilt."
    )
    assert opened.previous == "the index could not be updated (no space left on device)"
    assert {r.doc_id for r in restarted.reports} == {"tiny"}
    assert leftovers(settings) == []


def test_a_start_with_no_previous_index_and_a_failing_write_says_so_in_one_sentence(settings, embedder, monkeypatch):
    monkeypatch.setattr(build_module, "write_jsonl", lambda path, rows: (_ for _ in ()).throw(RuntimeError("a bug")))
    with pytest.raises(IndexUnavailable) as failed:
        ensure_index(settings, embedder)
    assert str(failed.value) == (
        f"The index in {settings.index_dir} could not be updated (RuntimeError: a bug), and there is no earlier "
        "index to answer from; free some space or fix the folder, then start again."
    )
    assert leftovers(settings) == []


# ---------------------------------------------------------------- copies and links


def test_a_copy_of_a_report_under_another_name_is_left_out_and_named(settings, embedder):
    (settings.corpus_dir / "tiny-copy.md").write_bytes((settings.corpus_dir / "tiny.md").read_bytes())
    data, opened = ensure_index(settings, embedder)
    assert [r.doc_id for r in data.reports] == ["tiny"]
    assert "tiny-copy.md (tiny-copy.md has the same contents as tiny.md; remove one of the two copies)" in opened.line
    assert ensure_index(settings, embedder)[1].line.startswith("Loaded the index")


def test_a_link_out_of_the_corpus_folder_is_refused_named_and_starts_no_rebuild(settings, embedder, tmp_path):
    outside = write_report(tmp_path / "elsewhere", OTHER, name="secret.md") / "secret.md"
    (settings.corpus_dir / "linked.md").symlink_to(outside)
    data, opened = ensure_index(settings, embedder)
    assert [r.doc_id for r in data.reports] == ["tiny"]
    assert "linked.md is a link to a file outside the corpus folder; copy the report into the folder instead" in opened.line
    assert not any(OTHER[0] in b.text for b in data.blocks)
    assert ensure_index(settings, embedder)[1].line.startswith("Loaded the index")
