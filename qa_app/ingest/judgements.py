"""Every block carries the judgement of the area its section reports on.

The structure rules read grades from headings ("Requires improvement to be good" under an area, "...: good");
where a report states a grade only in its judgement table (the first page's "Children who need help and
protection | Requires improvement"), the table grades the sections that name its areas.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from qa_app.ingest.markdown import heading_key, stated_grade
from qa_app.ingest.structure import SECTION_SEPARATOR
from qa_app.records import Block

# Words areas are written with or without: "Experiences and progress of care leavers" in the table is the
# section "The graded judgement about the experience and progress of care leavers ...".
_FILLER = re.compile(r"^\d+(?:\.\d+)*\.?\s+|\bthe\b|\bexperiences? and progress of\b|\([^)]*\)|[^a-z ]")


def area_grades(table: Mapping[str, str]) -> dict[str, str]:
    """The judgement table as area key -> grade ("Requires improvement"), areas that are not sections left out."""
    grades = {}
    for area, written in table.items():
        key, grade = _key(area), stated_grade(written)
        if key and grade and key != "overall effectiveness":
            grades[key] = grade
    return grades


def section_grade(section_path: str, grades: Mapping[str, str]) -> str | None:
    """The grade of the deepest section in the path that names an area (the longest area it names)."""
    for title in reversed(section_path.split(SECTION_SEPARATOR)):
        title_key = _key(title)
        named = [area for area in grades if area in title_key]
        if named:
            return grades[max(named, key=len)]
    return None


def carry_judgements(blocks: Sequence[Block], table: Mapping[str, str]) -> tuple[Block, ...]:
    """The blocks, each without a judgement given its section's grade from the table."""
    grades = area_grades(table)
    carried = []
    for block in blocks:
        grade = None if block.judgement else section_grade(block.section_path, grades)
        carried.append(dataclasses.replace(block, judgement=grade) if grade else block)
    return tuple(carried)


def _key(text: str) -> str:
    return " ".join(_FILLER.sub(" ", heading_key(text).replace("’", "'")).split())
