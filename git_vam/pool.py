"""Run work in threads and stop promptly on the first error or Ctrl-C."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_parallel(fn: Callable[[T], R], items: Iterable[T], jobs: int) -> list[R]:
    """``[fn(item) ...]`` with ``jobs`` threads, results in input order.

    The first exception (KeyboardInterrupt included) cancels the items not yet
    started and is re-raised once the running ones end; a plain ``with
    ThreadPoolExecutor`` would instead run every queued item first.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(fn, item) for item in items]
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
