"""Plain-text answers and hits for the terminal: what `qa-app ask` and `qa-app search` print."""

from __future__ import annotations

import textwrap

from qa_app.app.web.labels import CONFIDENCE_WORDS, SHOWN_CANDIDATES, label_of, not_sure
from qa_app.records import Answer, Citation, Hit


def marked_sentence(citation: Citation, marker: str = "**") -> str:
    """The supporting sentence with the answer span wrapped in markers."""
    quote = citation.text[citation.quote_start : citation.quote_end]
    if citation.answer_start is None or citation.answer_end is None:
        return quote
    start = citation.answer_start - citation.quote_start
    end = citation.answer_end - citation.quote_start
    if not 0 <= start < end <= len(quote) or end - start == len(quote):
        return quote
    return f"{quote[:start]}{marker}{quote[start:end]}{marker}{quote[end:]}"


def format_hit(rank: int, hit: Hit) -> str:
    label = label_of(hit)
    body = textwrap.fill(hit.text, width=100, initial_indent="    ", subsequent_indent="    ")
    return f"{rank:>2}. {label}  (score {hit.score:.3f}, {hit.doc_id})\n{body}"


def format_answer(answer: Answer) -> str:
    """The answer as a person reads it: at High the answer marked in its sentence; below High the best
    candidate sentences, each with where it is; on a refusal the message and the closest passages."""
    lines: list[str] = []
    level = answer.confidence_level
    if level == "high" and answer.citations:
        first = answer.citations[0]
        if answer.answer and answer.answer != answer.sentence:
            lines.append(f"Answer: {answer.answer}")
        lines.append(textwrap.fill(marked_sentence(first), width=100))
        lines.append(f"{CONFIDENCE_WORDS[level]} ({answer.confidence:.2f})")
    elif level is not None:
        lines.append(f"{CONFIDENCE_WORDS[level]} ({answer.confidence:.2f}): {not_sure(level)}")
        for c in answer.citations[:SHOWN_CANDIDATES]:
            lines.append(textwrap.fill(c.quote, width=100, initial_indent="  - ", subsequent_indent="    "))
            lines.append(f"    {label_of(c)}  ({c.doc_id})")
        return "\n".join(lines)
    else:
        lines.append(answer.message)
    if answer.citations:
        lines.append("")
        lines.append("Sources:" if answer.answered else "Closest passages:")
        for c in answer.citations:
            lines.append(f"  {label_of(c)}  ({c.doc_id})")
    return "\n".join(lines)
