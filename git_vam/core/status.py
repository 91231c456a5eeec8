"""Status: every staging file's state (local vs S3 vs base), who uploaded it
when, and what to run next; read from the same plan a push would make
(DESIGN §3). Beside the plan's states it knows conflict copies, partial
transfers, archived projects and files cleaned up on purpose.

``offline`` answers from the committed manifest and this clone's base
records, without the network.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from git_vam import manifest as mf
from git_vam.core import gather, locks
from git_vam.fs import UnsafePath, printable
from git_vam.paths import is_conflict_copy
from git_vam.plan import FilePlan, FileState, status_label
from git_vam.projects import Target
from git_vam.s3.model import Listing, RemoteObject
from git_vam.state import read_json

if TYPE_CHECKING:
    from git_vam.context import Context


@dataclass
class FileRow:
    """One staging file as status shows it: its ``path`` inside ``s3-staging/``,
    ``state`` and what to run ``next``, ``local_size`` and ``remote_size`` (bytes,
    None where absent), who uploaded it and when and, for a tombstone, who
    deleted it and when (UTC ISO-8601)."""

    path: str
    state: FileState
    next: str
    local_size: int | None = None
    remote_size: int | None = None
    uploaded_by: str = ""
    uploaded_at: str = ""
    deleted_by: str = ""
    deleted_at: str = ""
    locked_by: str = ""  # DESIGN §10: who holds a lock on the path, and since when
    locked_since: str = ""

    @property
    def size(self) -> int | None:
        """The local file's size, else the object's."""
        return self.local_size if self.local_size is not None else self.remote_size

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ProjectStatus:
    """One project: its S3 ``prefix``, ``files`` (sorted by path), the count of
    each state (``summary``), the newest archive record (``archived``: key,
    storage class, time) and ``problems`` (refused keys, skipped files, merge
    conflicts in the manifest)."""

    project: str
    prefix: str = ""
    files: list[FileRow] = field(default_factory=list)
    archived: dict[str, str] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.state] = counts.get(f.state, 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {"project": self.project, "prefix": self.prefix, "files": [f.to_json() for f in self.files],
                "summary": self.summary, "archived": self.archived, "problems": self.problems}  # fmt: skip


# States that need nothing from anyone (``status --exit-code`` and the dashboard agree).
SETTLED = (FileState.IN_SYNC, FileState.CLEANED_UP, FileState.ARCHIVED)


def file_state(item: FilePlan, entry: mf.Entry | None, archived: set[str]) -> tuple[FileState, str]:
    """``(state, what to run next)``: the plan's label, except that a file deleted
    on S3 by ``cleanup`` (or held by a verified archive) while this clone keeps
    it is "cleaned up", and a file that ``archive --delete-local`` removed here
    while a verified archive holds it is "archived" (``git vam restore``):
    nothing is lost, nothing to push."""
    state, hint = status_label(item)
    if state is FileState.DELETED_LOCALLY and item.base is not None and item.base.md5 in archived:
        return FileState.ARCHIVED, "git vam restore"  # archive --delete-local removed it: nothing lost
    if state is FileState.DELETED_ON_S3 and item.local is not None:
        kept = entry is not None and entry.deleted and (entry.cleanup or item.local.md5 in archived)
        if kept:
            return FileState.CLEANED_UP, ""
    return state, hint


def status(ctx: Context, targets: list[Target], *, offline: bool = False) -> list[ProjectStatus]:
    """Every target's files and problems. Raises VamError when S3 cannot be listed."""
    by_name = {t.project.name: t for t in targets}
    projects = [t.project for t in targets]
    result: list[ProjectStatus] = []
    with ctx.state:
        listings = {} if offline else gather.list_remote(ctx, projects)
        held = {} if offline or not projects else locks.held(ctx, [p.name for p in projects])
        for project in projects:
            try:
                listing: Listing
                if offline:
                    manifest = mf.load(project.manifest_path, ctx.brand, project.name)
                    listing = Listing(_from_manifest(ctx, project.name, manifest), [], {})
                else:
                    listing = listings[project.name]
                view = gather.gather(ctx, project, listing=listing, complete=offline)
            except UnsafePath as exc:
                result.append(ProjectStatus(project.name, problems=[exc.message]))
                continue
            records = mf.archive_records(view.manifest)
            files = file_rows(ctx, view, by_name[project.name], held.get(project.name))
            files.sort(key=lambda f: f.path)
            problems = [f"skipped {printable(s.rel)}: {s.reason}" for s in view.skipped]
            problems += [f"refused S3 key {printable(k)}: it would land outside s3-staging/" for k in view.refused]
            problems += [
                f"manifest merge conflict on {rel}: both sides changed it; run `git vam pull {project.name}` "
                "to rebuild the manifest from S3, then `git add` and commit it"
                for rel in sorted(view.manifest.extra.get("conflicts") or {})
            ]
            newest = records[-1] if records else None
            archived = None
            if newest:
                archived = {"key": newest.key, "storage_class": newest.storage_class, "archived_at": newest.archived_at}
            result.append(ProjectStatus(project.name, view.prefix, files, archived, problems))
    return result


def file_rows(
    ctx: Context, view: gather.View, target: Target, held: dict[str, locks.Lock] | None = None
) -> list[FileRow]:
    """One row per staging file of ``target``, its conflict copies included
    (status and the dashboard read these same rows); ``held``: the project's
    locks by path, shown on their rows (a locked path with no file gets one)."""
    project = view.project
    archived = mf.archived_md5s(view.manifest)
    partial = _partial(ctx, view)
    files: list[FileRow] = []
    for item in (i for i in gather.make_plan(view, "push") if target.covers(i.rel)):
        entry = view.manifest.files.get(item.rel)
        state, hint = file_state(item, entry, archived)
        if item.rel in partial:
            state, hint = partial[item.rel]
        obj = view.remote_objs.get(item.rel)
        tombstone = entry if entry and entry.deleted and not obj else None
        files.append(
            FileRow(
                item.rel, state, hint, item.local.size if item.local else None, obj.size if obj else None,
                obj.uploaded_by if obj else "", obj.uploaded_at if obj else "",
                tombstone.deleted_by if tombstone else "", tombstone.deleted_at if tombstone else "",
            )
        )  # fmt: skip
    for row in files:
        lock = (held or {}).get(row.path)
        if lock is not None:
            row.locked_by, row.locked_since = lock.who, lock.since
    for rel in conflict_copies(project.staging):
        if target.covers(rel):
            size = (project.staging / rel).lstat().st_size
            files.append(FileRow(rel, FileState.CONFLICT_COPY, "keep it or the original", size))
    return files


def _from_manifest(ctx: Context, project: str, manifest: mf.Manifest) -> dict[str, RemoteObject]:
    """S3 as the committed manifest last recorded it (``--offline``)."""
    prefix = ctx.staging_prefix(project)
    return {
        rel: RemoteObject(
            key=prefix + rel,
            rel=rel,
            size=e.size,
            etag=e.etag,
            md5=e.md5,
            uploaded_by=e.uploaded_by,
            uploaded_at=e.uploaded_at,
            mtime=e.mtime,
        )  # fmt: skip
        for rel, e in manifest.live().items()
    }


def _partial(ctx: Context, view: gather.View) -> dict[str, tuple[FileState, str]]:
    """Files with an unfinished transfer in this clone: a multipart upload journal
    (``.git/vam/uploads/``) or a partial download (``.git/vam/tmp/``); both resume."""
    out = {}
    uploads = ctx.state.uploads_dir
    for path in sorted(uploads.glob("*.json")) if uploads.is_dir() else []:
        record = read_json(path)
        key = record.get("key") if isinstance(record, dict) else None
        if isinstance(key, str) and key.startswith(view.prefix):
            out[key[len(view.prefix) :]] = (FileState.PARTIAL_UPLOAD, "git vam push resumes it")
    for rel, obj in view.remote_objs.items():
        if ctx.state.partial_download(obj.key).exists():
            out.setdefault(rel, (FileState.PARTIAL_DOWNLOAD, "git vam pull resumes it"))
    return out


def conflict_copies(staging: Any) -> list[str]:
    """``NAME.conflict-USER-TIME.EXT`` files a pull saved beside a local change
    (the scan leaves them out of every transfer); links are not followed."""
    out: list[str] = []
    if not staging.is_dir() or staging.is_symlink():
        return out
    for dirpath, dirnames, filenames in os.walk(staging):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), staging).replace(os.sep, "/")
            if is_conflict_copy(rel):
                out.append(rel)
    return sorted(out)
