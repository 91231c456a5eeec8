"""``git vam log``: the history of staging files, read from the manifest's git
history (DESIGN §3). Each commit that changed an entry gives one row: the
version's MD5, size, who uploaded or deleted it and when, and the commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from git_vam import git
from git_vam.fs import safe_rel
from git_vam.manifest import Entry
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


def entries_at(ctx: Context, commit: str, path: str) -> dict[str, Entry]:
    """The manifest's entries at ``commit:path``; ``{}`` when absent or not a
    manifest. Entries of the wrong shape or with unsafe names are left out (the
    history was written by others)."""
    text = git.show(ctx.root, commit, path)
    try:
        files = json.loads(text or "{}").get("files") or {}
    except (ValueError, AttributeError):
        return {}
    out = {}
    for rel, data in files.items() if isinstance(files, dict) else ():
        try:
            if safe_rel(str(rel)) == rel:
                out[rel] = Entry.from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return out


def history(ctx: Context, target: Target, limit: int | None) -> list[Change]:
    """Newest first: the versions of ``target``'s files that its manifest's last
    ``limit`` commits (all when None) recorded."""
    path = target.project.manifest_relpath
    args = ["log", "--first-parent", f"--format=%H{SEP}%h{SEP}%cI"]
    if limit:
        args.append(f"-n{limit}")
    lines = git.out(ctx.root, *args, "--", path, check=False).splitlines()
    out = []
    for line in lines:
        full, short, committed = line.split(SEP)
        new, old = entries_at(ctx, full, path), entries_at(ctx, f"{full}^", path)
        for rel, entry in sorted(new.items()):
            before = old.get(rel)
            if not target.covers(rel):
                continue
            if entry.deleted:
                if before is None or before.deleted:
                    continue  # no new deletion here
                action, by, at = "delete", entry.deleted_by, entry.deleted_at
            else:
                if before is not None and not before.deleted and before.md5 == entry.md5:
                    continue  # the same version recorded again (a new ETag or time)
                action, by, at = "upload", entry.uploaded_by, entry.uploaded_at
            out.append(Change(target.project.name, rel, action, entry.md5, entry.size, by, at, short, committed))
    return out
