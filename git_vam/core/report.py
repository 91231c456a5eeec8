"""What a transfer reports: progress (``Reporter``) and per-file results (``Outcome``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from git_vam.plan import FilePlan
from git_vam.units import Progress


class Reporter(Protocol):
    """Progress sink for transfers; the CLI gives a rich one on a terminal."""

    def start(self, label: str, total: int) -> Progress: ...

    def done(self, label: str) -> None: ...


class NullReporter:
    def start(self, label: str, total: int) -> Progress:
        return lambda n: None

    def done(self, label: str) -> None:
        pass


@dataclass
class Outcome:
    """The result of one planned file: ``ok`` False means it was not done (exit 1)."""

    item: FilePlan
    ok: bool
    message: str
    bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.item.rel,
            "action": self.item.action.value,
            "local": self.item.local_state,
            "remote": self.item.remote_state,
            "ok": self.ok,
            "message": self.message,
            "bytes": self.bytes,
        }
