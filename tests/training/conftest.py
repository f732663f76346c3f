import pytest


@pytest.fixture(scope="package")
def tiny_model(tmp_path_factory):
    """A two-layer BERT with the packaged tokenizer: the loop's mechanics without the real model's cost."""
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    from qa_app.training.loop import base_model

    folder = tmp_path_factory.mktemp("tiny")
    tokenizer = AutoTokenizer.from_pretrained(base_model())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertForQuestionAnswering(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)
