import pytest

from qa_app.errors import InvalidQuestion
from qa_app.query.cleaning import clean_question


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\u200f\u200e", "\x00\x00"])
def test_empty_or_invisible_question_is_refused(question):
    with pytest.raises(InvalidQuestion, match="empty"):
        clean_question(question)


def test_question_over_the_limit_is_refused_with_the_limit_named():
    with pytest.raises(InvalidQuestion, match="limit is 1,000"):
        clean_question("why " * 300)


def test_huge_payload_is_refused_before_any_work():
    with pytest.raises(InvalidQuestion, match="too long"):
        clean_question("x" * 5_000_000)


def test_control_characters_and_bidi_marks_are_removed_and_spaces_folded():
    assert clean_question("How\x00 many\u202e children\r\n\tlooked\u200b after?") == "How many children looked after?"


def test_emoji_mixed_scripts_and_html_are_kept_as_text():
    text = "<script>alert(1)</script> 👶 مرحبا children"
    assert clean_question(text) == text


def test_non_text_is_refused():
    with pytest.raises(InvalidQuestion):
        clean_question(None)  # type: ignore[arg-type]
