"""Terminal output: messages, sizes, tables and progress bars (rich), or JSON.

Progress bars appear only on a terminal and not with ``-q`` or ``--json``;
rich honours ``NO_COLOR``.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from rich.console import Console

from git_vam.fs import printable
from git_vam.units import Progress, human_size

__all__ = ["human_size", "out", "err", "print_json", "printable", "reporter"]

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


def out() -> Console:
    return _out


def err() -> Console:
    return _err


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


class RichReporter:
    """Progress bars for transfers, shared by worker threads."""

    def __init__(self) -> None:
        from rich import progress as bars

        self.progress = bars.Progress(
            bars.TextColumn("{task.description}", justify="left"),
            bars.BarColumn(),
            bars.DownloadColumn(binary_units=True),
            bars.TransferSpeedColumn(),
            bars.TimeRemainingColumn(),
            console=_err,
            transient=True,
        )
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._live = 0

    def start(self, label: str, total: int) -> Progress:
        with self._lock:
            if self._live == 0:
                self.progress.start()
            self._live += 1
            task = self.progress.add_task(label, total=total)
            self._tasks[label] = task
        return lambda n: self.progress.advance(task, n)

    def done(self, label: str) -> None:
        with self._lock:
            task = self._tasks.pop(label, None)
            if task is not None:
                self.progress.remove_task(task)
            self._live -= 1
            if self._live == 0:
                self.progress.stop()


def reporter(quiet: bool, as_json: bool) -> Any:
    """A RichReporter on an interactive stderr, else a silent one."""
    from git_vam.core.report import NullReporter

    if quiet or as_json or not _err.is_terminal:
        return NullReporter()
    return RichReporter()
