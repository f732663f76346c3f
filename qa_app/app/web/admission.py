"""Room in the model's queue when it is full. A caller turned away is told when to come back (Retry-After)
and given a ticket (a cookie) that holds a place for it then: otherwise the callers already in line, each
asking again the moment it is answered, would keep every place, and one who waited as told would never
get in."""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

RETRY_AFTER_S = 5  # long enough for a few calls to finish on two cores
HELD_PLACES = 32  # tickets out at once; past this, callers are turned away without one
TICKET_GRACE_S = 30  # a ticket not used this long after its time gives its place up
TICKET_COOKIE = "qa_queue_ticket"


def busy_message(wait_s: int) -> str:
    """The documented busy answer (HTTP 503 with Retry-After), in one sentence."""
    return f"The server is busy answering other questions; try again in {wait_s} seconds."


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    wait_s: int = 0  # when turned away: seconds until the caller may come back
    ticket: str | None = None  # when turned away: the ticket to hand it, if a place is held


class Admission:
    """Lets a call into the queue while fewer than `limit` wait (places held by tickets count as taken), and
    a ticket holder whose time has come whatever the queue's length: the queue itself must take
    `limit + HELD_PLACES`."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic):
        self.limit, self.clock = limit, clock
        self._held: dict[str, float] = {}  # ticket -> when its place is held from
        self._lock = threading.Lock()

    def admit(self, waiting: int, ticket: str | None) -> Verdict:
        """Whether a call may join a queue where `waiting` calls wait, sent with `ticket` (or none)."""
        with self._lock:
            now = self.clock()
            for old in [t for t, due in self._held.items() if now > due + TICKET_GRACE_S]:
                del self._held[old]
            due = self._held.get(ticket) if ticket else None
            if due is not None:
                if now >= due:
                    del self._held[ticket]  # type: ignore[arg-type]
                    return Verdict(True)
                return Verdict(False, math.ceil(due - now), ticket)
            if waiting + len(self._held) < self.limit:
                return Verdict(True)
            if len(self._held) >= HELD_PLACES:
                return Verdict(False, RETRY_AFTER_S)
            ticket = secrets.token_urlsafe(16)
            self._held[ticket] = now + RETRY_AFTER_S
            return Verdict(False, RETRY_AFTER_S, ticket)
