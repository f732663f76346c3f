"""Shared helper for the frozen dataclass records: JSON-ready dictionaries."""

from __future__ import annotations

import dataclasses
from typing import Any


def to_dict(record: Any) -> dict[str, Any]:
    """A plain, JSON-serialisable dict of a dataclass record (tuples become lists)."""
    return _plain(dataclasses.asdict(record))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
