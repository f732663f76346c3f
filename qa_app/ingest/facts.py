"""What a report says about itself: authority, framework, dates, lead inspector and its graded judgements.

Read from the parsed blocks, not from a file format, so markdown and PDF reports get the same facts. Each
fact is None (judgements empty) where the report does not state it; the file name is only a fallback for
the publication date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from qa_app.records import Block

# The frameworks as MANIFEST.csv names them, each recognised by the words of its title page (first match wins).
# A SIF report reviews the LSCB when its title says so or the LSCB is a part of the report; a footnote that
# mentions the review is boilerplate some SIF-only reports kept.
FRAMEWORKS = (
    (
        "SIF with LSCB review",
        r"review of the (?:effectiveness of the )?local safeguarding|^the local safeguarding children board\b",
    ),
    ("SIF re-inspection", r"re-?inspection of services for children in need|this is a re-?inspection"),
    ("SIF", r"inspection of services for children in need of help and protection"),
    ("ILACS (2018-19 template)", r"inspection of children's social care services"),
    ("ILACS", r"inspection of .+ children's (?:social care )?services"),
)
OVERALL = "Overall effectiveness"
LSCB = "Local Safeguarding Children Board"
_GRADE = r"outstanding|good|requires? improvement to be good|requires? improvement|inadequate"
_HEADLINE = re.compile(rf"children's services in .+? (?:are |is )?({_GRADE})\.?$", re.I)
_LSCB_GRADE = re.compile(rf"^the local safeguarding children board (?:is |are )?({_GRADE})\.?$", re.I)
_NUMBERING = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_ILACS_TITLE = re.compile(r"inspection of (.+?) (?:local authority )?children's services", re.I)
_DATE_FORMATS = ("%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%d/%m/%y")


@dataclass(frozen=True)
class Facts:
    authority: str | None = None
    framework: str | None = None
    inspection_dates: str | None = None
    published: str | None = None
    lead_inspector: str | None = None
    judgements: dict[str, str] = field(default_factory=dict)
    overall: str | None = None


def report_facts(title: str, blocks: Sequence[Block], doc_id: str) -> Facts:
    """The facts the title page and the inspection-team section state."""
    first = next((i for i, b in enumerate(blocks) if b.number is not None), len(blocks))
    front = [b.text for b in blocks[:first]]
    texts = [_plain(t) for t in (title, *front)]
    # Headings are not blocks: the title page's subtitle ("Inspection of ...") is in the section paths.
    head = [_plain(t).lower() for t in (title, *(b.text for b in blocks[:first] if b.kind != "footnote"))]
    head += sorted({_plain(b.section_path).lower() for b in blocks})
    framework = next((name for name, words in FRAMEWORKS if any(re.search(words, h) for h in head)), None)
    judgements = _judgements(blocks[:first], blocks)
    return Facts(
        authority=_authority(_plain(title)),
        framework=framework,
        inspection_dates=_labelled(texts, r"inspection dates?"),
        published=_iso(_labelled(texts, r"report published")) or _iso_from_name(doc_id),
        lead_inspector=_lead_inspector([_plain(b.text) for b in blocks]),
        judgements=judgements,
        overall=judgements.get(OVERALL),
    )


def grade_words(text: str) -> str | None:
    """A grade as the report words it, capitalised: "require improvement to be good" -> "Requires improvement to be good"."""
    match = re.fullmatch(rf"\s*({_GRADE})\s*\.?\s*", text, re.I)
    if not match:
        return None
    words = re.sub(r"^requires? ", "requires ", match.group(1).lower())
    return words[0].upper() + words[1:]


def _plain(text: str) -> str:
    return " ".join(text.translate(str.maketrans("‘’“”", "''\"\"")).split())


def _authority(title: str) -> str | None:
    """ILACS names the authority inside its title; the older templates' title is the authority's name."""
    if match := _ILACS_TITLE.search(title):
        return match.group(1).strip()
    name = re.split(r"\s+Inspection of\b|\s+Re-inspection of\b", title)[0].strip()
    return name or None


def _labelled(texts: Sequence[str], label: str) -> str | None:
    for text in texts:
        if match := re.match(rf"\s*{label}\s*:\s*(.+)", text, re.I):
            return match.group(1).strip()
    return None


def _lead_inspector(texts: Sequence[str]) -> str | None:
    """The name(s) without the title: "Paula Thomson-Jones", "Rebecca Quested and Matthew Reed"."""
    value = _labelled(texts, "lead inspectors?")
    if value is None:
        return None
    value = re.sub(r",?\s*\b(?:Her|His) Majesty's(?: Inspector)?\b|\s+HMI\b", "", value)
    names = [n.strip(" ,.") for n in re.split(r",?\s+and\s+|,", value)]
    return " and ".join(n for n in names if n) or None


def _iso(written: str | None) -> str | None:
    if not written:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(written.strip().rstrip("."), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _iso_from_name(doc_id: str) -> str | None:
    match = re.search(r"(\d{4})-(\d{2})-(\d{2})$", doc_id)
    if not match:
        return None
    try:
        return date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def _judgements(front: Sequence[Block], blocks: Sequence[Block]) -> dict[str, str]:
    """Area -> grade: the headline (older templates), the first page's table, the LSCB's own grade."""
    judgements: dict[str, str] = {}
    for block in front:
        text = _plain(block.text)
        if match := _HEADLINE.search(text):
            judgements.setdefault(OVERALL, grade_words(match.group(1)) or "")
        elif block.kind == "table" and "; " in text:
            area, cell = text.rsplit("; ", 1)
            grade = grade_words(cell)
            if grade:
                judgements.setdefault(_NUMBERING.sub("", area).strip(), grade)
    for block in blocks:
        if match := _LSCB_GRADE.match(_plain(block.text)):
            judgements.setdefault(LSCB, grade_words(match.group(1)) or "")
            break
    return judgements
