import numpy as np
import pytest

from qa_app.query.filters import Filters
from qa_app.query.paragraphs import paragraph_reference
from qa_app.records import Block
from qa_app.search.retrieval import best_per_owner, filter_mask, fuse, standardise
from qa_app.search.store.files import nearest


def block(number, section="A > Inspection findings", kind="finding", doc="r1"):
    return Block(
        id=f"{doc}:p{number}",
        doc_id=doc,
        doc_title="R",
        number=number,
        section_path=section,
        judgement=None,
        kind=kind,
        text=f"text {number}",
        start=0,
        end=1,
    )


@pytest.mark.parametrize(
    "query, number, rest",
    [
        ("paragraph 65", 65, ""),
        ("¶65", 65, ""),
        ("para. 12 IRO caseloads", 12, "IRO caseloads"),
        ("IRO caseloads", None, "IRO caseloads"),
    ],
)
def test_paragraph_references_are_recognised(query, number, rest):
    assert paragraph_reference(query) == (number, rest)


def test_filters_by_section_prefix_kind_report_and_range():
    blocks = [block(1, kind="recommendation"), block(2, section="B > Summary"), block(3, doc="r2"), block(None)]
    assert filter_mask(blocks, Filters.of({"section": "A"})).tolist() == [True, False, True, True]
    assert filter_mask(blocks, Filters.of({"kind": ["recommendation"]})).tolist() == [True, False, False, False]
    assert filter_mask(blocks, Filters.of({"doc_id": "r2"})).tolist() == [False, False, True, False]
    assert filter_mask(blocks, Filters.of({"paragraph_range": [2, 3]})).tolist() == [False, True, True, False]
    assert filter_mask(blocks, Filters.of({"paragraph": 1})).tolist() == [True, False, False, False]


def test_unknown_filter_is_refused_by_name_listing_every_accepted_key():
    with pytest.raises(ValueError, match="colour") as refused:
        Filters.of({"colour": "red"})
    for key in ("doc_id", "section", "kind", "paragraph", "paragraph_range", "authority", "framework", "published", "judgement"):
        assert key in str(refused.value)


def test_standardise_gives_z_scores_and_others_the_lowest():
    scores = np.array([2.0, 4.0, 3.0, 9.0])
    out = standardise(scores, np.array([True, True, True, False]))
    spread = np.std([2.0, 4.0, 3.0])
    assert np.allclose(out, [-1 / spread, 1 / spread, 0.0, -1 / spread])


def test_fusion_lets_a_match_that_stands_out_in_one_retriever_win():
    # Dense sees near-ties; BM25 sees one paragraph far ahead of the rest. Min-max scaling would
    # stretch the dense near-ties over the whole range and bury the exact match.
    rng = np.random.default_rng(0)
    dense = rng.uniform(0.49, 0.52, 50).astype(np.float32)
    lexical = rng.uniform(0.5, 1.0, 50).astype(np.float32)
    dense[0], dense[1] = 0.52, 0.50
    lexical[1] = 9.0
    fused = fuse(dense, lexical, np.ones(50, dtype=bool), dense_weight=0.7, depth=100)
    assert int(np.argmax(fused)) == 1
    assert np.all((fused > 0) & (fused < 1))


def test_fusion_prefers_a_chunk_both_retrievers_rank_high():
    dense = np.array([0.9, 0.8, 0.1], dtype=np.float32)
    lexical = np.array([0.0, 5.0, 6.0], dtype=np.float32)
    fused = fuse(dense, lexical, np.ones(3, dtype=bool), dense_weight=0.5, depth=10)
    assert int(np.argmax(fused)) == 1


def test_fusion_ignores_chunks_outside_the_filter():
    dense = np.array([0.9, 0.2], dtype=np.float32)
    lexical = np.array([3.0, 1.0], dtype=np.float32)
    fused = fuse(dense, lexical, np.array([False, True]), dense_weight=0.5, depth=10)
    assert fused[0] == 0.0


def test_windows_of_one_paragraph_collapse_into_its_best_score():
    scores = np.array([0.2, 0.9, 0.5], dtype=np.float32)
    owner = np.array([0, 0, 1])
    assert best_per_owner(scores, owner, 3).tolist() == [pytest.approx(0.9), pytest.approx(0.5), -np.inf]


def test_a_small_index_scores_every_row_however_shallow_the_search():
    import faiss

    vectors = np.eye(8, dtype=np.float32)
    index = faiss.IndexFlatIP(8)
    index.add(vectors)
    query = np.linspace(1.0, 0.3, 8, dtype=np.float32).reshape(1, -1)
    scores = nearest(index, query, np.ones(8, dtype=bool), depth=1)
    assert scores.tolist() == pytest.approx(query.ravel().tolist())


@pytest.mark.parametrize(
    "filters, message",
    [
        ("section", "mapping"),
        ({"paragraph_range": 5}, "two whole numbers"),
        ({"paragraph_range": [1]}, "two whole numbers"),
        ({"doc_id": 5}, "text or a list of texts"),
        ({"paragraph": "65"}, "whole number"),
        ({"section": ["a"]}, "section filter must be text"),
    ],
)
def test_filters_of_the_wrong_shape_are_refused_in_one_sentence(filters, message):
    with pytest.raises(ValueError, match=message):
        Filters.of(filters)
