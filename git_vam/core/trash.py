"""The local trash, ``.git/vam/trash/`` (DESIGN §3): every local file a command
replaced or removed is moved there, never destroyed. This lists it, puts one
file back, and frees the space.

Layout (``State.trash_path``): ``{YYYYmmddTHHMMSSZ}[-N].{why}/{project}/{path}``.
An entry's id is its first folder.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from git_vam import fs
from git_vam.errors import UsageError
from git_vam.layout import STAGING_DIR, TIME_FORMAT, ts_from_iso
from git_vam.projects import Project

if TYPE_CHECKING:
    from git_vam.context import Context

_ID = re.compile(r"(\d{8}T\d{6})Z?(?:-\d+)?(?:\.([a-z-]+))?")


@dataclass(frozen=True)
class TrashEntry:
    """One trashed file: ``id`` (its folder), ``project``, ``rel`` (path inside
    ``s3-staging/``), ``size`` in bytes, ``at`` (UTC ISO-8601), ``why`` (the command)."""

    id: str
    project: str
    rel: str
    path: Path
    size: int
    at: str
    why: str

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "project": self.project, "path": self.rel, "size": self.size, "at": self.at,
                "why": self.why}  # fmt: skip


def entries(ctx: Context) -> list[TrashEntry]:
    """Every trashed file, newest first. Links are listed, never followed."""
    out: list[TrashEntry] = []
    root = ctx.state.trash_dir
    if not root.is_dir():
        return out
    for folder in sorted(root.iterdir(), reverse=True):
        m = _ID.fullmatch(folder.name)
        if not m or not folder.is_dir() or folder.is_symlink():
            continue
        at = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc).strftime(TIME_FORMAT)
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath, name)
                project, _, rel = path.relative_to(folder).as_posix().partition("/")
                st = path.lstat()
                if rel and (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                    out.append(TrashEntry(folder.name, project, rel, path, st.st_size, at, m.group(2) or ""))
    return out


def find(ctx: Context, spec: str) -> TrashEntry:
    """The entry ``spec`` names: ``ID/PROJECT/PATH``, or ``PROJECT/PATH`` (its
    newest copy). Raises UsageError when none or several match."""
    found = [e for e in entries(ctx) if spec.strip("/") in (f"{e.id}/{e.project}/{e.rel}", f"{e.project}/{e.rel}")]
    if not found:
        raise UsageError(f"Nothing in the trash is {spec!r}.", "See `git vam trash list` for what is there.")
    return found[0]


def restore(ctx: Context, entry: TrashEntry, *, force: bool) -> bool:
    """Move ``entry`` back to ``PROJECT/s3-staging/PATH``; returns True when it
    replaced a file (which went to the trash first: ``--force``). Raises
    UsageError when a file is there and ``force`` is not given."""
    if fs.safe_rel(entry.rel) != entry.rel or fs.safe_rel(entry.project) != entry.project:
        raise UsageError(f"{fs.printable(entry.rel)} is not a name git-vam writes.", "Move it by hand.")
    project = Project(ctx.root, entry.project)
    fs.check_folder(project.path, ctx.root, "a project")
    fs.check_folder(project.staging, ctx.root, STAGING_DIR)
    rel = f"{project.name}/{STAGING_DIR}/{entry.rel}"
    if os.path.lexists(ctx.root / rel) and not force:
        raise UsageError(
            f"{rel} exists.", "Add --force to put the trashed copy back (the current file goes to the trash)."
        )
    keep = ctx.state.trash_path(project.name, entry.rel, "trash-restore")
    replaced = fs.place(entry.path, ctx.root, rel, keep=keep)
    _prune(entry.path.parent, ctx.state.trash_dir)
    return replaced


def empty(ctx: Context, older_than: int | None, *, dry_run: bool = False) -> tuple[list[TrashEntry], int]:
    """Delete trashed files (all, or those older than ``older_than`` seconds);
    returns ``(entries deleted, bytes freed)``. The only place git-vam destroys a
    local file: the user asked for it by name."""
    now = time.time()
    gone = [e for e in entries(ctx) if older_than is None or now - (ts_from_iso(e.at) or now) > older_than]
    if not dry_run:
        for e in gone:
            e.path.unlink()
            _prune(e.path.parent, ctx.state.trash_dir)
    return gone, sum(e.size for e in gone)


def _prune(folder: Path, top: Path) -> None:
    """Remove the now-empty folders from ``folder`` up to (not including) ``top``."""
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
