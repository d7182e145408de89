"""A child's output, capped while it is read: the supervisor's output pump.

A base layer: the standard library only.
"""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Sequence
from typing import BinaryIO

_CHUNK = 1 << 16


class Pump:
    """Empties a child's output pipes into its capture files as the output arrives: at most
    ``cap`` bytes a stream are kept, the rest is read, counted and dropped. Stops at end of
    file on every pipe, or when told to (a descendant that escaped still holds one open)."""

    def __init__(self, pipes: Sequence[tuple[str, int, BinaryIO]], cap: int) -> None:
        self.cap = cap
        self.seen = {name: 0 for name, _, _ in pipes}
        self._files = {fd: (name, fh) for name, fd, fh in pipes}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dlrec-output-pump", daemon=True)
        self._thread.start()

    def _keep(self, name: str, fh: BinaryIO, data: bytes) -> None:
        room = self.cap - self.seen[name]
        self.seen[name] += len(data)
        if room <= 0:
            return
        view = memoryview(data)[:room]
        try:
            fd = fh.fileno()
            while view:
                view = view[os.write(fd, view) :]
        except (OSError, ValueError):  # the caller closed it, or the disk is full: drain
            pass

    def _run(self) -> None:
        poller = select.poll()
        for fd in self._files:
            poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        open_fds = set(self._files)
        try:
            while open_fds and not self._stop.is_set():
                for fd, _ in poller.poll(100):
                    try:
                        data = os.read(fd, _CHUNK)
                    except OSError:
                        data = b""
                    if data:
                        self._keep(*self._files[fd], data)
                    else:
                        poller.unregister(fd)
                        open_fds.discard(fd)
        finally:
            for fd in self._files:
                os.close(fd)

    def finish(self, grace: float) -> None:
        """Wait up to ``grace`` s for end of file (the tree is dead), then stop reading."""
        self._thread.join(grace)
        self._stop.set()
        self._thread.join()
