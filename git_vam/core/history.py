"""``git vam log``: the history of staging files, read from the manifest's git
history (DESIGN §3). Each commit that changed an entry gives one row: the
version's MD5, size, who uploaded or deleted it and when, and the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from git_vam import git
from git_vam import manifest as mf
from git_vam.fs import safe_rel
from git_vam.layout import TIME_FORMAT
from git_vam.projects import Target

if TYPE_CHECKING:
    from git_vam.context import Context

SEP = "\x1f"


@dataclass(frozen=True)
class Change:
    """One version of one file: ``action`` ``upload`` or ``delete``, ``by`` and ``at``
    (UTC ISO-8601) from the manifest entry, ``commit`` (abbreviated) and its date."""

    project: str
    rel: str
    action: str
    md5: str
    size: int
    by: str
    at: str
    commit: str
    committed: str

    def to_json(self) -> dict[str, Any]:
        return {"project": self.project, "path": self.rel, "action": self.action, "md5": self.md5, "size": self.size,
                "by": self.by, "at": self.at, "commit": self.commit, "committed": self.committed}  # fmt: skip


def utc(stamp: str) -> str:
    """git's ``%cI`` time (``2026-12-01T09:00:00+07:00``) in UTC as every other
    time git-vam prints (``2026-12-01T02:00:00Z``)."""
    try:
        return datetime.fromisoformat(stamp).astimezone(timezone.utc).strftime(TIME_FORMAT)
    except ValueError:
        return stamp


def history(ctx: Context, target: Target, limit: int | None) -> list[Change]:
    """Newest first: the versions of ``target``'s files that its manifest's last
    ``limit`` commits (all when None) recorded. The history was written by
    others: entries of the wrong shape or with unsafe names are left out."""
    path = target.project.manifest_relpath
    args = ["log", "--first-parent", f"--format=%H{SEP}%h{SEP}%cI"]
    if limit:
        args.append(f"-n{limit}")
    lines = git.out(ctx.root, *args, "--", path, check=False).splitlines()
    out = []
    for line in lines:
        full, short, committed = line.split(SEP)
        for change in mf.changes(mf.load_at(ctx.root, f"{full}^", path), mf.load_at(ctx.root, full, path)):
            entry = change.new
            if entry is None or safe_rel(change.rel) != change.rel or not target.covers(change.rel):
                continue
            if change.new_deletion:
                action, by, at = "delete", entry.deleted_by, entry.deleted_at
            elif change.new_version:  # not the same version recorded again (a new ETag or time)
                action, by, at = "upload", entry.uploaded_by, entry.uploaded_at
            else:
                continue
            out.append(
                Change(target.project.name, change.rel, action, entry.md5, entry.size, by, at, short, utc(committed))
            )
    return out
