"""The sync planner: local (L), remote (R) and base (B) → one action per file.

Pure data in, pure data out (DESIGN §4); ``push``, ``pull``, ``status``,
``--dry-run`` and ``--json`` all read the same plan. Files are compared by MD5;
when a remote MD5 is unknown (an object written by another tool, multipart, no
metadata) the remote is compared with the base by ETag.

States of one side against the base:

=========  ====================================================
absent     no base and no file
new        no base, a file
same       equal to the base
changed    differs from the base
deleted    a base, no file
=========  ====================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from git_vam.meta import Meta

Direction = Literal["push", "pull"]  # which way a sync moves files


class Action(str, Enum):
    NONE = "none"  # nothing to do (the reason may still say what to run)
    RECORD = "record"  # already equal on both sides: record the base
    FORGET = "forget"  # gone on both sides: drop the base
    UPLOAD = "upload"
    DOWNLOAD = "download"
    DELETE_REMOTE = "delete-remote"
    DELETE_LOCAL = "delete-local"  # moved to the trash, never destroyed
    CONFLICT = "conflict"  # skipped; exit 1
    CONFLICT_COPY = "conflict-copy"  # pull: save the remote beside the local; exit 1


class FileState(str, Enum):
    """A file's state as ``status``, ``ls`` and the dashboard show it. A string
    (``FileState.CONFLICT == "conflict"``), printed and written to JSON as its value."""

    IN_SYNC = "in sync"
    CONFLICT = "conflict"
    LOCAL_ONLY = "local only"
    CHANGED_LOCALLY = "changed locally"
    ON_S3_ONLY = "on S3 only"
    CHANGED_ON_S3 = "changed on S3"
    DELETED_LOCALLY = "deleted locally"
    DELETED_ON_S3 = "deleted on S3"
    DELETED_ON_BOTH = "deleted on both sides"
    CLEANED_UP = "cleaned up"  # deleted on S3 on purpose (cleanup, a verified archive): nothing to do
    ARCHIVED = "archived"  # removed here by archive --delete-local: a verified archive holds it
    CONFLICT_COPY = "conflict copy"  # NAME.conflict-USER-TIME.EXT saved by a pull
    PARTIAL_UPLOAD = "partial upload"
    PARTIAL_DOWNLOAD = "partial download"
    UNUSUAL = "unusual"  # a pairing of sides the table does not name (the hint says which)

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


@dataclass(frozen=True)
class FilePlan:
    """What to do with one file, and why. ``replace`` means the action overwrites
    the other side's different content (``--force``): a replaced local file goes to
    the trash, a replaced remote object is written with ``If-Match`` on its ETag."""

    rel: str
    local_state: str
    remote_state: str
    action: Action
    reason: str
    local: Meta | None = None
    remote: Meta | None = None
    base: Meta | None = None
    replace: bool = False

    @property
    def is_conflict(self) -> bool:
        return self.action in (Action.CONFLICT, Action.CONFLICT_COPY)


def side_state(version: Meta | None, base: Meta | None, *, remote: bool = False) -> str:
    if base is None:
        return "absent" if version is None else "new"
    if version is None:
        return "deleted"
    if version.md5 and base.md5:
        return "same" if version.md5 == base.md5 else "changed"
    if remote and version.etag and base.etag:
        return "same" if version.etag == base.etag else "changed"
    return "changed"


def decide(
    direction: Direction,
    local: Meta | None,
    remote: Meta | None,
    base: Meta | None,
    *,
    force: bool = False,
    delete: bool = False,
) -> tuple[Action, str, bool]:
    """``(action, reason, replace)`` for one file; ``direction`` is ``push`` or ``pull``.

    The table is DESIGN §4's, completed for the rows it leaves out: a file
    deleted on one side and changed on the other is brought back (pull) or is a
    conflict (push: the deletion was deliberate); nothing is ever destroyed
    without ``--force`` or ``--delete``.
    """
    ls = side_state(local, base)
    rs = side_state(remote, base, remote=True)
    if local is not None and remote is not None and local.md5 and local.md5 == remote.md5:
        if base is not None and (base.md5, base.etag) == (local.md5, remote.etag):
            return Action.NONE, "in sync", False
        return Action.RECORD, "same content on both sides", False
    if ls in ("deleted", "absent") and rs in ("deleted", "absent"):
        return (Action.FORGET, "deleted on both sides", False) if base else (Action.NONE, "", False)
    if direction == "push":
        return _decide_push(ls, rs, force, delete)
    return _decide_pull(ls, rs, force, delete)


def _decide_push(ls: str, rs: str, force: bool, delete: bool) -> tuple[Action, str, bool]:
    match ls, rs:
        case "new", "absent":
            return Action.UPLOAD, "new", False
        case "changed", "same":
            return Action.UPLOAD, "changed locally", False
        case (("absent" | "deleted"), "new"):
            return Action.NONE, "only on S3: run git vam pull", False
        case "deleted", "changed":
            return Action.NONE, "deleted locally but changed on S3: git vam pull brings it back", False
        case "same", "changed":
            return Action.NONE, "changed on S3: run git vam pull first", False
        case "deleted", "same":
            if delete:
                return Action.DELETE_REMOTE, "deleted locally", False
            return Action.NONE, "deleted locally: git vam push --delete removes it from S3", False
        case "same", "deleted":
            if force:
                return Action.UPLOAD, "deleted on S3; re-uploading (--force)", False
            return Action.NONE, "deleted on S3: --force re-uploads it, git vam pull --delete removes it here", False
        case "changed", "deleted":
            if force:
                return Action.UPLOAD, "changed locally, deleted on S3; re-uploading (--force)", False
            return Action.CONFLICT, "conflict: changed locally but deleted on S3 (--force re-uploads it)", False
        case (("new" | "changed"), ("new" | "changed")):
            if force:
                return Action.UPLOAD, "conflict resolved with --force: local version replaces S3", True
            return Action.CONFLICT, "conflict: changed locally and on S3 (push --force or pull --force)", False
    return Action.NONE, "in sync", False


def _decide_pull(ls: str, rs: str, force: bool, delete: bool) -> tuple[Action, str, bool]:
    match ls, rs:
        case "absent", "new":
            return Action.DOWNLOAD, "new on S3", False
        case "same", "changed":
            return Action.DOWNLOAD, "changed on S3", True
        case "deleted", "changed":
            return Action.DOWNLOAD, "deleted locally but changed on S3: bringing it back", False
        case "new", "absent":
            return Action.NONE, "only local: run git vam push", False
        case "changed", "same":
            return Action.NONE, "changed locally: run git vam push", False
        case "deleted", "same":
            if force:
                return Action.DOWNLOAD, "deleted locally; downloading again (--force)", False
            return Action.NONE, "deleted locally (not downloaded again; --force does)", False
        case "same", "deleted":
            if delete:
                return Action.DELETE_LOCAL, "deleted on S3; moving the local copy to the trash", False
            return Action.NONE, "deleted on S3: --delete moves the local copy to the trash", False
        case "changed", "deleted":
            if force and delete:
                return Action.DELETE_LOCAL, "deleted on S3; moving the changed local copy to the trash", False
            return (
                Action.CONFLICT,
                "conflict: changed locally but deleted on S3 (git vam push --force re-uploads it)",
                False,
            )
        case (("new" | "changed"), ("new" | "changed")):
            if force:
                return Action.DOWNLOAD, "conflict resolved with --force: S3 version replaces local", True
            return Action.CONFLICT_COPY, "conflict: changed locally and on S3; S3 version saved beside it", False
    return Action.NONE, "in sync", False


def plan(
    direction: Direction,
    local: Mapping[str, Meta],
    remote: Mapping[str, Meta],
    base: Mapping[str, Meta],
    *,
    force: bool = False,
    delete: bool = False,
) -> list[FilePlan]:
    """One FilePlan per path known to any side, sorted by path; paths with nothing
    known but a base-less absence on both sides are left out."""
    out = []
    for rel in sorted(set(local) | set(remote) | set(base)):
        lv, rv, bv = local.get(rel), remote.get(rel), base.get(rel)
        action, reason, replace = decide(direction, lv, rv, bv, force=force, delete=delete)
        if action is Action.NONE and not reason:
            continue
        out.append(
            FilePlan(
                rel=rel,
                local_state=side_state(lv, bv),
                remote_state=side_state(rv, bv, remote=True),
                action=action,
                reason=reason,
                local=lv,
                remote=rv,
                base=bv,
                replace=replace,
            )
        )
    return out


STATUS_TABLE: dict[tuple[str, str], tuple[FileState, str]] = {
    ("new", "absent"): (FileState.LOCAL_ONLY, "git vam push"),
    ("changed", "same"): (FileState.CHANGED_LOCALLY, "git vam push"),
    ("absent", "new"): (FileState.ON_S3_ONLY, "git vam pull"),
    ("deleted", "new"): (FileState.ON_S3_ONLY, "git vam pull"),
    ("same", "changed"): (FileState.CHANGED_ON_S3, "git vam pull"),
    ("deleted", "changed"): (FileState.CHANGED_ON_S3, "git vam pull"),
    ("deleted", "same"): (FileState.DELETED_LOCALLY, "git vam push --delete (or pull --force)"),
    ("same", "deleted"): (FileState.DELETED_ON_S3, "git vam pull --delete (or push --force)"),
    ("deleted", "deleted"): (FileState.DELETED_ON_BOTH, "git vam pull"),
}


def status_label(item: FilePlan) -> tuple[FileState, str]:
    """``(state, what to run next)`` of one file for ``git vam status``."""
    ls, rs = item.local_state, item.remote_state
    if item.action in (Action.NONE, Action.RECORD) and item.reason in ("in sync", "same content on both sides"):
        return FileState.IN_SYNC, ""
    if item.is_conflict:
        return FileState.CONFLICT, "push --force keeps yours, pull --force takes S3's"
    return STATUS_TABLE.get((ls, rs), (FileState.UNUSUAL, f"{ls} here, {rs} on S3"))
