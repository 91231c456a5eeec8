"""Run work in threads and stop promptly on the first error or Ctrl-C.

On Ctrl-C the transfers already running stop too, at their next chunk
(``check_cancelled``), instead of finishing their part: on a 1 MB/s uplink
four 16 MiB parts in flight would otherwise hold the prompt for a minute.
What they sent is not lost: finished parts are journaled and resume.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


CANCELLED = threading.Event()  # set by Ctrl-C; the process is ending


class Cancelled(Exception):
    """Raised in a worker's body read or write after Ctrl-C. Not an OSError, so
    neither urllib3 nor botocore takes it for a network error to retry."""


def check_cancelled() -> None:
    """Raise Cancelled when Ctrl-C has been pressed (called once per chunk)."""
    if CANCELLED.is_set():
        raise Cancelled


def run_parallel(fn: Callable[[T], R], items: Iterable[T], jobs: int) -> list[R]:
    """``[fn(item) ...]`` with ``jobs`` threads, results in input order.

    The first exception (KeyboardInterrupt included) cancels the items not yet
    started and is re-raised once the running ones end; a plain ``with
    ThreadPoolExecutor`` would instead run every queued item first.
    """
    if threading.current_thread() is threading.main_thread():
        CANCELLED.clear()  # a new batch from the top (in-process callers: tests, the demo)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(fn, item) for item in items]
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        CANCELLED.set()  # the running ones stop at their next chunk
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class Budget:
    """Bytes in flight across threads. ``hold(n)`` waits until ``n`` more bytes
    fit under ``limit``, except that up to ``floor`` holders always run (so a
    file bigger than the whole budget still goes). Ctrl-C ends a wait with
    Cancelled."""

    def __init__(self, limit: int, floor: int) -> None:
        self.limit, self.floor = limit, floor
        self.used = self.holders = 0
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, size: int) -> Iterator[None]:
        with self._cond:
            while not (self.holders < self.floor or self.used + size <= self.limit):
                check_cancelled()
                self._cond.wait(0.2)
            self.used += size
            self.holders += 1
        try:
            yield
        finally:
            with self._cond:
                self.used -= size
                self.holders -= 1
                self._cond.notify_all()
