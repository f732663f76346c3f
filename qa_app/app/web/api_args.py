"""The HTTP API's arguments checked for type and range before any work, so a caller's mistake is a 400
with one sentence rather than an error from deep inside (or a quiet empty answer)."""

from __future__ import annotations

from collections.abc import Mapping

MAX_RADIUS = 50  # neighbours on each side that /context returns at most


def check_text(name: str, value: object) -> str:
    """The value, when it is text; a ValueError saying so otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, not {_kind(value)}.")
    return value


def check_radius(value: object) -> int:
    """A whole number of neighbours from 0 to MAX_RADIUS; a ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RADIUS:
        raise ValueError(f"radius must be a whole number from 0 to {MAX_RADIUS}, not {value!r}.")
    return value


def check_filters(value: object) -> dict | None:
    """None, or a mapping whose known keys hold values of their type; unknown keys are named by the search."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValueError('filters must be an object such as {"doc_id": "norfolk-2023-01-13"}, or null.')
    for key, check, what in _FILTER_TYPES:
        if value.get(key) is not None and not check(value[key]):
            raise ValueError(f"The {key} filter must be {what}, not {value[key]!r}.")
    return dict(value)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_texts(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_range(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(map(_is_whole, value))


def _is_dates(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(v is None or isinstance(v, str) for v in value)


def _is_judgements(value: object) -> bool:
    return isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


_FILTER_TYPES = (
    ("doc_id", _is_texts, "text or a list of texts"),
    ("kind", _is_texts, "text or a list of texts"),
    ("authority", _is_texts, "text or a list of texts"),
    ("framework", _is_texts, "text or a list of texts"),
    ("section", _is_text, "text"),
    ("published", lambda v: _is_text(v) or _is_dates(v), 'a year ("2019") or two ISO dates, ["2019-01-01", null]'),
    ("paragraph", _is_whole, "a whole number"),
    ("paragraph_range", _is_range, "two whole numbers, [first, last]"),
    ("judgement", _is_judgements, 'an object of judgement names and grades, e.g. {"Overall effectiveness": "Good"}'),
)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
