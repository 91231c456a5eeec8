"""What a transfer reports: progress (``Reporter``) and per-file results (``Outcome``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from git_vam.manifest import Entry
from git_vam.meta import Meta
from git_vam.plan import FilePlan
from git_vam.s3.model import RemoteObject
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
    """The result of one planned file: ``ok`` False means it was not done (exit 1);
    ``bytes`` moved. A worker changes nothing shared: what it learned comes back
    here and ``record.apply`` writes it into the project's View — ``local`` (the
    version on disk now, with its ``path`` and ``stat``), ``remote`` (S3's new
    object), ``gone_remote`` (the object was deleted), ``tombstone`` (the
    manifest entry of a deletion), ``base`` (the version both sides now agree
    on) or ``forget_base``."""

    item: FilePlan
    ok: bool
    message: str
    bytes: int = 0
    local: Meta | None = None
    path: Path | None = None
    stat: os.stat_result | None = None
    remote: RemoteObject | None = None
    gone_remote: bool = False
    tombstone: Entry | None = None
    base: Meta | None = None
    forget_base: bool = False

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
