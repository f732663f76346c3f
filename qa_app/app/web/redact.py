"""What visitors see of the server's files: names, never absolute paths, which tell an attacker where
things live and who runs them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# An absolute POSIX path that is not part of a URL ("http://x/y") or a relative path ("a/b").
_ABSOLUTE = re.compile(r"(?<![\w:/.~-])/(?:[^\s/'\"()<>]+/)*([^\s/'\"()<>]*)")


def hide_paths(text: str, folders: Iterable[Path] = ()) -> str:
    """`text` with each of `folders` (as written or resolved) shown by its own name, and any other absolute
    path by its last part: "kept as /srv/qa/index/removed/x.pdf" becomes "kept as index/removed/x.pdf"."""
    for folder in folders:
        for form in sorted({str(Path(folder)), str(Path(folder).resolve())}, key=len, reverse=True):
            if form.startswith("/") and form != "/":
                text = text.replace(form, Path(folder).resolve().name)
    return _ABSOLUTE.sub(lambda m: m.group(1) or "/", text)
