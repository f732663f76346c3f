"""Following a shared store: when another app process on the same database adds or removes a report, this
one reloads its snapshot within seconds (it polls the corpus version, one tiny query)."""

from __future__ import annotations

import threading
import time

from qa_app.app.web.slot import AssistantSlot

FOLLOW_S = 1.0  # between polls: an upload elsewhere is answered here within about this plus a reload


def follow_changes(slot: AssistantSlot, every_s: float = FOLLOW_S) -> threading.Thread | None:
    """Start polling when the slot's assistant reads a shared store; None (nothing to follow) otherwise."""
    if not slot.current().shared:
        return None
    thread = threading.Thread(target=_follow, args=(slot, every_s), name="follow-store", daemon=True)
    thread.start()
    return thread


def _follow(slot: AssistantSlot, every_s: float) -> None:
    while True:
        time.sleep(every_s)
        try:
            assistant = slot.current()
            if not slot.changing and assistant.outdated:
                slot.ready(assistant.reloaded())
        except Exception:  # the database away for a moment: keep answering from the snapshot, poll again
            continue
