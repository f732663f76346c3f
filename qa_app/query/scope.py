"""Which reports a question is about: the authority it names ("Norfolk's", "Bath and NE Somerset", "Stoke"),
and the inspection it picks by year or framework ("2017 re-inspection", "the latest inspection").

Many reports say similar things about the same topics, so the right answer from the wrong report is a
wrong answer: a question that names a place is answered from that place's reports, as if the filter had
been set. Names come from a gazetteer of English local authorities, so a place with no report loaded is
recognised and said so, instead of being answered from another place. Pure functions of the question and
the reports' facts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qa_app.records import Report, Scope

GAZETTEER = Path(__file__).with_name("data") / "authorities.txt"

_YEAR = re.compile(r"\b(20[0-4]\d)\b")
# How a council names itself around its place: "London Borough of Barnet", "Riverton Borough Council".
_COUNCIL_NAME = re.compile(
    r"^(?:the )?(?:london borough of |royal borough of |city of |county of )|(?: city| county| borough| metropolitan borough| district)? council$"
)
_REINSPECTION = re.compile(r"\bre-?inspect", re.I)
_ILACS = re.compile(r"\bILACS\b|\binspection of local authority children'?s services\b", re.I)
_SIF = re.compile(r"\bSIF\b|\bsingle inspection framework\b", re.I)
_EARLIEST = re.compile(r"\b(?:earliest|first|oldest)\b(?=.{0,40}\b(?:inspection|report)s?\b)", re.I)
_PREVIOUS = re.compile(r"\b(?:previous|earlier|prior|last but one)\b(?=.{0,40}\b(?:inspection|report)s?\b)", re.I)


@dataclass(frozen=True)
class Place:
    """One authority of the gazetteer: its name and every form people write it in (as word tuples)."""

    name: str
    forms: tuple[tuple[str, ...], ...]
    capitalised: bool  # also an ordinary word ("Reading"): counts only when written with a capital


def words_of(text: str) -> tuple[str, ...]:
    """Lower-cased words of a name or question: "&" is "and", possessives and hyphens dropped."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("&", " and ")
    text = re.sub(r"'s\b|s'(?=\s|$)", "", text.lower())
    return tuple(re.findall(r"[a-z0-9]+", text))


@lru_cache(maxsize=1)
def gazetteer() -> tuple[Place, ...]:
    places = []
    for line in GAZETTEER.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        names = [n.strip() for n in line.split("|")]
        capitalised = names[0].endswith("*")
        names[0] = names[0].rstrip("*")
        places.append(Place(names[0], tuple(dict.fromkeys(words_of(n) for n in names)), capitalised))
    return tuple(places)


def named_places(question: str, places: Sequence[Place]) -> list[Place]:
    """The places a question names, in the order it names them; the longest name wins an overlap
    ("North Somerset" is not also "Somerset")."""
    tokens = words_of(question)
    found: list[tuple[int, int, Place]] = []
    for place in places:
        for form in place.forms:
            for at in _occurrences(tokens, form):
                found.append((at, at + len(form), place))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: set[int] = set()
    chosen: list[tuple[int, Place]] = []
    for start, end, place in found:
        if taken.intersection(range(start, end)):
            continue
        if place.capitalised and not re.search(rf"\b{re.escape(place.name)}\b", question):
            continue
        taken.update(range(start, end))
        chosen.append((start, place))
    return list(dict.fromkeys(p for _, p in sorted(chosen, key=lambda c: c[0])))


def _occurrences(tokens: tuple[str, ...], form: tuple[str, ...]) -> list[int]:
    n = len(form)
    return [i for i in range(len(tokens) - n + 1) if tokens[i : i + n] == form]


def place_of(report: Report) -> Place:
    """The gazetteer place a report's authority is ("London Borough of Barnet" is Barnet); a report of a
    place the gazetteer lacks is a place of its own, so it still scopes."""
    return _place_named(report.authority or report.doc_id)


def place_name(authority: str) -> str:
    """The place an authority is, as every report of it is named ("Norfolk County Council" is Norfolk)."""
    return _place_named(authority).name


@lru_cache(maxsize=8192)
def _place_named(name: str) -> Place:
    # Every question is scoped against every report: the gazetteer is scanned once per authority, not per
    # question, and the cache is keyed by the name alone (hashing the gazetteer per call cost more than the scan).
    tokens = words_of(name)
    matches = [p for p in gazetteer() for form in p.forms if _occurrences(tokens, form)]
    if matches:
        return max(matches, key=lambda p: max(len(f) for f in p.forms if _occurrences(tokens, f)))
    short = _COUNCIL_NAME.sub("", " ".join(tokens)).strip()
    return Place(name, tuple(dict.fromkeys((tokens, tuple(short.split())))) if short else (tokens,), capitalised=False)


@lru_cache(maxsize=1)
def _gazetteer_names() -> frozenset[str]:
    return frozenset(p.name for p in gazetteer())


def resolve_scope(question: str, reports: Sequence[Report]) -> Scope | None:
    """The reports a question is about, or None when it names no place and no inspection framework."""
    by_place: dict[str, list[Report]] = {}
    local: dict[str, Place] = {}  # places of reports the gazetteer lacks
    for report in reports:
        if not report.authority:  # a text that is no inspection report names no place
            continue
        place = place_of(report)
        by_place.setdefault(place.name, []).append(report)
        if place.name not in _gazetteer_names():
            local.setdefault(place.name, place)
    named = named_places(question, [*gazetteer(), *local.values()])
    framework = _framework(question)
    if not named:
        if framework is None:
            return None
        chosen = [r for r in reports if _framework_matches(r, framework)]
        year = _year(question, chosen)
        chosen = [r for r in chosen if year is None or year in _years_of(r)] or chosen
        if not chosen:
            return None
        return Scope(tuple(r.doc_id for r in chosen), f"{framework} reports", (), (), (), "question", without_scope(question, []))
    doc_ids: list[str] = []
    labels: list[str] = []
    others: list[str] = []
    missing = tuple(p.name for p in named if p.name not in by_place)
    for place in named:
        held = sorted(by_place.get(place.name, []), key=_date_key)
        if not held:
            continue
        report = pick_report(question, held, framework)
        doc_ids.append(report.doc_id)
        labels.append(report_label(report, place.name))
        others.extend(r.doc_id for r in held if r.doc_id != report.doc_id)
    query = without_scope(question, named)
    return Scope(tuple(doc_ids), "; ".join(labels), tuple(p.name for p in named), missing, tuple(others), "question", query)


_COUNCIL_AFTER = r"\s+(?:(?:city|county|borough|metropolitan borough|district)\s+)?council"
_BEFORE_PLACE = r"(?:\b(?:in|of|for|from|at|by)\s+)?"
# The words that picked an inspection go; "inspection" itself stays where the question needs it as a noun.
_PICKING_WORDS = re.compile(
    r"\b(?:(?:the\s+)?(?:latest|most recent|previous|earlier|earliest|first)|20[0-4]\d)\s+(?=(?:re-?)?inspection)"
    r"|\bre-?(?=inspection)|\bILACS\b|\bSIF\b",
    re.I,
)
_LEADING_INSPECTION = re.compile(r"^\W*(?:the\s+)?(?:inspection|report)s?\s*[:,;–-]+\s*", re.I)
_DANGLING = re.compile(r"\s+(?:in|for|of|at|from|about|by)(?=\s*[?.!]*$)", re.I)


def without_scope(question: str, named: Sequence[Place]) -> str:
    """The question without the words that chose its reports ("in Norfolk", "Knowsley's 2017 re-"), so they
    do not pull retrieval towards passages that merely name the place; the question itself when little is left."""
    text = question
    for place in named:
        for form in sorted(place.forms, key=len, reverse=True):
            words = r"[\s\-–,]*".join(r"(?:and|&)" if w == "and" else re.escape(w) for w in form)
            # A year beside the place picks its inspection: "Stoke-on-Trent 2015:", "Norfolk's 2015", "2015 Norfolk".
            text = re.sub(
                rf"(?<!\w){words}(?:['’]s)?\s+20[0-4]\d(?!\w)|(?<!\w)20[0-4]\d\s+{words}(?:['’]s)?(?!\w)", " ", text, flags=re.I
            )
            text = re.sub(rf"(?<!\w){words}['’]s(?!\w)", " ", text, flags=re.I)  # "Norfolk's care leavers"
            text = re.sub(rf"(?<!\w){words}{_COUNCIL_AFTER}(?!\w)", " the council", text, flags=re.I)
            text = re.sub(rf"{_BEFORE_PLACE}(?<!\w){words}(?!\w)", " ", text, flags=re.I)
    text = " ".join(_PICKING_WORDS.sub(" ", text).split())
    text = _LEADING_INSPECTION.sub("", text)
    text = _DANGLING.sub("", text).strip(" :;,-–")
    text = re.sub(r"\s+([?.!,;:])", r"\1", text)
    return text if len(re.findall(r"\w{3,}", text)) >= 2 else question


def pick_report(question: str, held: Sequence[Report], framework: str | None) -> Report:
    """Of one place's reports (oldest first): the year or framework the question names, else the latest
    (or the earliest or previous one, when it asks for that)."""
    pool = [r for r in held if framework is None or _framework_matches(r, framework)] or list(held)
    year = _year(question, pool)
    pool = [r for r in pool if year is None or year in _years_of(r)] or pool
    if _EARLIEST.search(question):
        return pool[0]
    if _PREVIOUS.search(question) and len(pool) > 1:
        return pool[-2]
    return pool[-1]


def report_label(report: Report, place: str | None = None) -> str:
    """ "Norfolk, 2015 inspection" or "Knowsley, 2017 re-inspection": how the page names a report."""
    kind = "re-inspection" if report.framework == "SIF re-inspection" else "inspection"
    year = _year_of(report)
    return f"{place or report.authority or report.doc_id}, {year} {kind}" if year else f"{place or report.doc_id}"


def _framework(question: str) -> str | None:
    if _REINSPECTION.search(question):
        return "SIF re-inspection"
    if _ILACS.search(question):
        return "ILACS"
    if _SIF.search(question):
        return "SIF"
    return None


def _framework_matches(report: Report, framework: str) -> bool:
    return bool(report.framework) and (report.framework == framework or report.framework.startswith(framework + " "))


def _year(question: str, reports: Sequence[Report]) -> str | None:
    """A year the question names that one of these reports was published or inspected in."""
    years = {y for r in reports for y in _years_of(r)}
    return next((y for y in _YEAR.findall(question) if y in years), None)


def _date_key(report: Report) -> str:
    """When a report was published, or failing that the last year its inspection dates name."""
    return report.published or max(_years_of(report), default="")


def _years_of(report: Report) -> set[str]:
    return {*_YEAR.findall(report.inspection_dates or ""), *([report.published[:4]] if report.published else [])}


def _year_of(report: Report) -> str | None:
    if report.published:
        return report.published[:4]
    found = _YEAR.findall(report.inspection_dates or "")
    return found[-1] if found else None
