"""Failed sign-ins, counted per address: after a few, that address is locked out for a while, so a
password cannot be guessed at machine speed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_TRACKED = 10_000  # addresses remembered at once; the oldest are forgotten first


class LoginThrottle:
    """`attempts` failures from one address lock it out for `lockout_s` seconds; a success clears it."""

    def __init__(self, attempts: int, lockout_s: float, clock: Callable[[], float] = time.monotonic):
        self.attempts, self.lockout_s, self.clock = max(1, attempts), lockout_s, clock
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_s(self, address: str) -> float:
        """Seconds until this address may try again; 0 when it may now."""
        with self._lock:
            return max(0.0, self._locked_until.get(address, 0.0) - self.clock())

    def failed(self, address: str) -> None:
        with self._lock:
            count = self._failures.pop(address, 0) + 1  # re-inserted last: the dict stays oldest first
            if count >= self.attempts:
                self._locked_until[address] = self.clock() + self.lockout_s
                count = 0
            self._failures[address] = count
            for table in (self._failures, self._locked_until):
                while len(table) > MAX_TRACKED:
                    table.pop(next(iter(table)))

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)
            self._locked_until.pop(address, None)


def locked_out(wait_s: float) -> str:
    """The one sentence a locked-out address is told."""
    return f"Too many failed sign-ins from this address; wait {max(1, round(wait_s))} seconds and try again."
