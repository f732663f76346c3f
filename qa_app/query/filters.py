"""`Filters`: what a caller narrows a search to, checked once where it comes in.

Paragraph-level filters select blocks (report, section prefix, kind, paragraph number or range);
report-level ones select whole reports by the facts each states about itself (authority, framework,
publication date, judgements). Callers may be other programs, so a filter of the wrong shape is refused
with one sentence saying what is expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from qa_app.records import Block

FILTER_KEYS = {"doc_id", "section", "kind", "paragraph", "paragraph_range"}
REPORT_FILTER_KEYS = {"authority", "framework", "published", "judgement"}
_EMPTY = (None, "", [], {})  # a report-level filter given one of these is not set

Published = str | tuple[str | None, str | None]  # a year or date prefix, or an inclusive ISO date range


@dataclass(frozen=True)
class Filters:
    """Checked filters; a field left None does not filter."""

    doc_id: frozenset[str] | None = None
    section: str | None = None  # the start of a section path
    kind: frozenset[str] | None = None
    paragraph: int | None = None
    paragraph_range: tuple[int, int] | None = None  # inclusive
    authority: tuple[str, ...] | None = None
    framework: tuple[str, ...] | None = None
    published: Published | None = None
    judgement: tuple[tuple[str, str], ...] | None = None  # (area, grade) pairs, each to be met

    @classmethod
    def of(cls, filters: Mapping[str, object] | Filters | None) -> Filters:
        """Filters from a caller's mapping such as {"section": "The local authority"}; ValueError, in one
        sentence, for a filter of the wrong shape or an unknown one."""
        if isinstance(filters, Filters):
            return filters
        if not filters:
            return cls()
        if not isinstance(filters, Mapping):
            raise ValueError('filters must be a mapping such as {"authority": "Norfolk"}.')
        given = {k: v for k, v in filters.items() if k not in REPORT_FILTER_KEYS or v not in _EMPTY}
        # Report-level filters are checked first, then the names, then the paragraph-level filters.
        authority = _listed("authority", given.get("authority"))
        framework = _listed("framework", given.get("framework"))
        published = _published(given.get("published"))
        judgement = _judgement(given.get("judgement"))
        unknown = set(given) - FILTER_KEYS - REPORT_FILTER_KEYS
        if unknown:
            accepted = ", ".join(sorted(FILTER_KEYS | REPORT_FILTER_KEYS))
            raise ValueError(f"Unknown filter {sorted(map(str, unknown))[0]!r}; use one of: {accepted}.")
        return cls(
            doc_id=_as_set(_listed("doc_id", given.get("doc_id"))),
            kind=_as_set(_listed("kind", given.get("kind"))),
            section=_section(given.get("section")),
            paragraph=_paragraph(given.get("paragraph")),
            paragraph_range=_paragraph_range(given.get("paragraph_range")),
            authority=authority,
            framework=framework,
            published=published,
            judgement=judgement,
        )

    @property
    def by_report(self) -> bool:
        """Whether any report-level filter is set."""
        return any(v is not None for v in (self.authority, self.framework, self.published, self.judgement))

    def within(self, doc_ids: Iterable[str]) -> Filters:
        """These filters narrowed to the given reports."""
        return replace(self, doc_id=_as_set(tuple(doc_ids)))

    def of_kind(self, kinds: Iterable[str]) -> Filters:
        """These filters narrowed to blocks of the given kinds."""
        return replace(self, kind=_as_set(tuple(kinds)))

    def admits(self, block: Block) -> bool:
        """Whether a block passes the paragraph-level filters."""
        if self.doc_id and block.doc_id not in self.doc_id:
            return False
        if self.section and not block.section_path.startswith(self.section):
            return False
        if self.kind and block.kind not in self.kind:
            return False
        if self.paragraph is not None and block.number != self.paragraph:
            return False
        if self.paragraph_range:
            lo, hi = self.paragraph_range
            if block.number is None or not lo <= block.number <= hi:
                return False
        return True


def _listed(key: str, value: object) -> tuple[str, ...] | None:
    """A text or a list of texts as a tuple; None when not given."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if isinstance(v, str))
    raise ValueError(f"The {key} filter must be text or a list of texts.")


def _as_set(texts: tuple[str, ...] | None) -> frozenset[str] | None:
    """Texts to match against; none, or only empty text, does not filter."""
    return frozenset(texts) if texts and any(texts) else None


def _section(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise ValueError("The section filter must be text: the start of a section path.")


def _paragraph(value: object) -> int | None:
    if value is None or _is_whole(value):
        return value if isinstance(value, int) else None
    raise ValueError("The paragraph filter must be a whole number.")


def _paragraph_range(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        first, last = value
        if _is_whole(first) and _is_whole(last):
            return int(first), int(last)
    raise ValueError("The paragraph_range filter must be two whole numbers, [first, last].")


def _published(value: object) -> Published | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and len(value) == 2:
        low, high = value
        if (low is None or isinstance(low, str)) and (high is None or isinstance(high, str)):
            return low, high
    raise ValueError('The published filter must be a year ("2019") or a range of ISO dates, ["2019-01-01", "2020-12-31"].')


def _judgement(value: object) -> tuple[tuple[str, str], ...] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        pairs = tuple((k, v) for k, v in value.items() if isinstance(k, str) and isinstance(v, str))
        if len(pairs) == len(value):
            return pairs
    raise ValueError('The judgement filter must map an area to a grade, {"Overall effectiveness": "Inadequate"}.')


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
