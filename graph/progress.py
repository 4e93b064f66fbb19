"""Say what long work is doing, and nothing for work that is quick.

Commands report each step of long work (a sync of the store, an aggregation) on stderr. A
step that ends within :data:`DELAY` seconds is never shown, so the everyday command on a
small graph prints only its answer; a step still running after it is shown then.

Example
-------
>>> import time
>>> seen = []
>>> say = Steps(seen.append, delay=0.05)
>>> say("quick step"); say(None)          # ended at once: not shown
>>> say("slow step"); time.sleep(0.2); say(None)
>>> seen
['slow step']
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Steps", "DELAY"]

#: seconds a step runs before it is shown
DELAY = 1.0


class Steps:
    """A ``progress(message)`` callable: ``message`` is the step now running; ``None``
    says the last one ended. Shown through ``echo`` once it has run ``delay`` seconds;
    once one step was shown, the next ones are shown at once (the work is long)."""

    def __init__(self, echo: Callable[[str], None], delay: float = DELAY):
        self.echo, self.delay = echo, delay
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self.shown = False

    def _show(self, message: str) -> None:
        with self._lock:
            if self._pending == message:
                self.shown = True
                self._pending = None
                self.echo(message)

    _pending: str | None = None

    def __call__(self, message: str | None) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._pending = message
            if message is None:
                return
            if self.shown:
                self._pending = None
                self.echo(message)
                return
            self._timer = threading.Timer(self.delay, self._show, (message,))
            self._timer.daemon = True
            self._timer.start()
