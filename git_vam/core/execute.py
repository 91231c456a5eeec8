"""Execute a plan: uploads, downloads, deletes, never destroying a local file
(replaced copies go to ``.git/vam/trash/``; S3 versions to the S3 trash)."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from git_vam import fs, layout
from git_vam import manifest as mf
from git_vam.core import record
from git_vam.core.gather import View
from git_vam.core.report import NullReporter, Outcome, Reporter
from git_vam.errors import ConflictError, VamError
from git_vam.layout import STAGING_DIR, iso_from_ts, ts_from_iso, utc_now
from git_vam.meta import Meta
from git_vam.paths import conflict_name
from git_vam.plan import Action, FilePlan
from git_vam.pool import Budget, run_parallel
from git_vam.projects import Project
from git_vam.s3.model import SMALL_FILES_AT_ONCE, RemoteObject, UploadJournal, object_metadata, part_size_for
from git_vam.state import read_json, write_json_atomic

if TYPE_CHECKING:
    from git_vam.context import Context

DOWNLOAD_ATTEMPTS = 3  # a download whose MD5 is wrong is fetched again, this many times in all


def staging_rel(project: Project, rel: str) -> str:
    """``PROJECT/s3-staging/REL``: a staging file's path below the work tree, the
    form ``fs`` walks without following links."""
    return f"{project.name}/{STAGING_DIR}/{rel}"


def trash_key(ctx: Context, project: str, rel: str, obj: RemoteObject) -> str:
    """Where a replaced or deleted staging object is kept on S3 (``layout.trash_key``)."""
    return layout.trash_key(ctx.settings.staging_prefix, ctx.brand, project, rel, obj.etag, utc_now())


class _Journal:
    """Multipart upload records under ``.git/vam/uploads/`` (resume across runs)."""

    def __init__(self, ctx: Context, key: str) -> None:
        self.path = ctx.state.upload_journal(key)

    def as_journal(self) -> UploadJournal:
        return UploadJournal(load=self.load, save=self.save, clear=self.clear)

    def load(self) -> dict[str, Any] | None:
        data = read_json(self.path)
        return data if isinstance(data, dict) else None

    def save(self, record: dict[str, Any]) -> None:
        write_json_atomic(self.path, record)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def execute(
    ctx: Context,
    work: list[tuple[View, list[FilePlan]]],
    reporter: Reporter | None = None,
) -> list[list[Outcome]]:
    """Carry out the items of several projects at once: the Outcomes of each
    project's items, in the order given.

    The small files of every project share one pool, as many at a time as fit
    in ``TransferConfig.in_flight_bytes`` (ten projects with a file each cost
    one round trip, not ten); files at or above the multipart threshold then
    run one at a time with their parts or ranges in parallel. A failure of one
    file is reported in its Outcome and the others still run.
    """
    reporter = reporter or NullReporter()
    threshold = ctx.store.transfer.multipart_threshold
    results: dict[tuple[int, str], Outcome] = {}
    Job = tuple[int, View, FilePlan]  # (project's index in work, its view, the item)

    def run(job: Job) -> None:
        n, view, item = job
        try:
            results[n, item.rel] = _do(ctx, view, item, reporter, threshold)
        except VamError as exc:
            results[n, item.rel] = Outcome(item, False, exc.message)
        except OSError as exc:
            results[n, item.rel] = Outcome(item, False, f"{exc.strerror or exc} ({exc.filename or item.rel})")

    def size_of(job: Job) -> int:
        item = job[2]
        v = item.local if item.action is Action.UPLOAD else item.remote
        return v.size if v else 0

    jobs = [(n, view, item) for n, (view, items) in enumerate(work) for item in items]
    small = [j for j in jobs if size_of(j) < threshold]
    large = [j for j in jobs if size_of(j) >= threshold]
    transfer = ctx.store.transfer
    budget = Budget(transfer.in_flight_bytes, floor=transfer.jobs)

    def run_small(job: Job) -> None:
        with budget.hold(size_of(job)):
            run(job)

    # as many threads as files of the median size fit in the budget: no idle
    # threads waiting on it (each costs memory: 100 × 4 MiB took 35 MiB more with 64)
    sizes = sorted(size_of(j) for j in small) or [0]
    threads = max(transfer.jobs, min(SMALL_FILES_AT_ONCE, transfer.in_flight_bytes // max(1, sizes[len(sizes) // 2])))
    try:
        run_parallel(run_small, small, threads)
        for job in large:
            run(job)
    finally:  # Ctrl-C included: what finished is recorded
        for (n, _), outcome in list(results.items()):
            record.apply(work[n][0], outcome)
    return [[results[n, i.rel] for i in items] for n, (_, items) in enumerate(work)]


def _do(ctx: Context, view: View, item: FilePlan, reporter: Reporter, threshold: int) -> Outcome:
    rel = item.rel
    if item.action is Action.UPLOAD:
        return _upload(ctx, view, item, reporter, threshold)
    if item.action in (Action.DOWNLOAD, Action.CONFLICT_COPY):
        return _download(ctx, view, item, reporter, threshold)
    if item.action is Action.DELETE_REMOTE:
        obj = view.remote_objs[rel]
        try:
            # only the version planned on: a collaborator's newer one is never lost
            kept = ctx.store.delete_version(obj, trash_key(ctx, view.project.name, rel, obj))
        except ConflictError:
            return Outcome(item, False, "conflict: changed on S3 meanwhile, not deleted; run git vam status")
        old = view.manifest.files.get(rel) or mf.Entry(obj.md5, obj.size)
        return Outcome(
            item, True, f"deleted on S3 (recoverable from {kept})", gone_remote=True, forget_base=True,
            tombstone=old.tombstone(ctx.user, utc_now()),
        )  # fmt: skip
    if item.action is Action.DELETE_LOCAL:
        dest = ctx.state.trash_path(view.project.name, rel, "pull-delete")
        fs.take(ctx.root, staging_rel(view.project, rel), dest)
        return Outcome(item, True, f"moved to {dest.relative_to(ctx.root)}", forget_base=True)
    if item.action is Action.RECORD:
        agreed = Meta(view.local[rel].md5, view.local[rel].size, view.remote_objs[rel].etag)
        return Outcome(item, True, "already the same on both sides", base=agreed)
    if item.action is Action.FORGET:
        return Outcome(item, True, "gone on both sides", forget_base=True)
    if item.action is Action.CONFLICT:
        return Outcome(item, False, item.reason)
    return Outcome(item, True, item.reason)


def _upload(ctx: Context, view: View, item: FilePlan, reporter: Reporter, threshold: int) -> Outcome:

    rel = item.rel
    path = view.local_paths[rel]
    local = view.local[rel]
    st = view.local_stats[rel]
    now = st.st_size, st.st_mtime_ns
    current = path.stat()
    if (current.st_size, current.st_mtime_ns) != now:
        return Outcome(item, False, "changed while git vam ran: run the push again")
    if not local.md5:  # new on every side: hashed here, beside the other transfers (gather)
        big = local.size > 64 * 1024**2
        tick = reporter.start(f"hashing {rel}", local.size) if big else None
        md5 = ctx.state.md5(path, tick, part_size_for(local.size) if local.size >= threshold else 0)
        if tick:
            reporter.done(f"hashing {rel}")
        current = path.stat()
        if (current.st_size, current.st_mtime_ns) != now:
            return Outcome(item, False, "changed while git vam ran: run the push again")
        local = Meta(md5, local.size)
    remote = view.remote_objs.get(rel)
    key = view.prefix + rel
    uploaded_at = utc_now()
    metadata = object_metadata(ctx.user, uploaded_at, iso_from_ts(st.st_mtime))
    kept = ""
    if remote is not None:
        # every replaced version is kept on S3 first (DESIGN §10: earlier versions
        # stay retrievable for vam.trashDays): a server-side copy, no transfer over
        # the user's link, outside every project prefix. Named by time and the
        # kept version's own ETag: two replacements in one second never share a key.
        kept = trash_key(ctx, view.project.name, rel, remote)
        try:
            ctx.store.keep_copy(remote, kept)
        except ConflictError:
            return Outcome(item, False, "conflict: S3 changed again meanwhile; run git vam status")
    tick = reporter.start(f"↑ {rel}", local.size)
    try:
        etag = ctx.store.upload(
            path,
            key,
            local.md5,
            metadata,
            if_match=remote.etag if remote else "",
            progress=tick,
            journal=_Journal(ctx, key).as_journal(),
            unchanged=lambda: (path.stat().st_size, path.stat().st_mtime_ns) == now,
            part_md5s=ctx.state.cached_parts(path, st, part_size_for(st.st_size)),
        )
    except ConflictError:
        return Outcome(item, False, "conflict: someone else uploaded this file meanwhile; run git vam status")
    finally:
        reporter.done(f"↑ {rel}")
    uploaded = RemoteObject(
        key=key,
        rel=rel,
        size=local.size,
        etag=etag,
        last_modified=uploaded_at,
        md5=local.md5,
        uploaded_by=ctx.user,
        uploaded_at=uploaded_at,
        mtime=metadata["mtime"],
    )
    message = f"uploaded (S3's previous version kept at {kept})" if kept and item.replace else "uploaded"
    return Outcome(item, True, message, local.size, local=local, remote=uploaded, base=replace(local, etag=etag))


def _download(ctx: Context, view: View, item: FilePlan, reporter: Reporter, threshold: int) -> Outcome:
    rel = item.rel
    obj = view.remote_objs[rel]
    if item.action is Action.CONFLICT_COPY:
        target_rel = conflict_name(rel, obj.uploaded_by or "unknown", obj.uploaded_at or obj.last_modified)
    else:
        target_rel = rel
    dest = view.project.staging / target_rel
    if os.path.lexists(dest) and not (dest.is_file() and not dest.is_symlink()):
        # a folder (or link, or fifo) where S3 has a file: never replaced (DESIGN §6)
        return Outcome(item, False, "conflict: a folder or link of that name is here; not replaced")
    if item.action is Action.CONFLICT_COPY and dest.is_file() and ctx.state.md5(dest) == obj.md5:
        return Outcome(item, False, f"{item.reason} (already saved as {target_rel})")
    tmp = ctx.state.partial_download(obj.key)
    got = ""
    for _attempt in range(DOWNLOAD_ATTEMPTS):
        tick = reporter.start(f"↓ {rel}", obj.size)
        try:
            # small files already run many at a time (execute): one stream each
            got = ctx.store.download(obj, tmp, progress=tick, jobs=None if obj.size >= threshold else 1)
        except ConflictError:
            return Outcome(item, False, "changed on S3 while downloading: run the pull again")
        finally:
            reporter.done(f"↓ {rel}")
        if not obj.md5 or got == obj.md5:
            break
        # Damaged in transit or at rest: never renamed into place; start over.
        fs.discard_download(tmp)
    else:
        return Outcome(
            item, False, f"download damaged {DOWNLOAD_ATTEMPTS} times (MD5 {got}, expected {obj.md5}); nothing replaced"
        )
    mtime = ts_from_iso(obj.mtime)
    if mtime is not None:
        os.utime(tmp, (time.time(), mtime))
    # The verified download goes in with one atomic rename, every folder on the
    # way opened without following links; a replaced version is kept in the trash.
    try:
        keep = ctx.state.trash_path(view.project.name, target_rel, "pull")
        replaced = fs.place(tmp, ctx.root, staging_rel(view.project, target_rel), keep=keep)
    except fs.UnsafePath as exc:
        fs.discard_download(tmp)
        return Outcome(item, False, f"refused: {exc.message}")
    trashed = " (previous version in .git/vam/trash)" if replaced else ""
    fs.discard_download(tmp)
    ctx.state.remember_md5(dest, got)
    if item.action is Action.CONFLICT_COPY:
        return Outcome(item, False, f"{item.reason}: {target_rel}", obj.size)
    st = dest.stat()
    return Outcome(
        item, True, "downloaded" + trashed + ("" if obj.md5 else " (not verified: no uploader MD5)"), obj.size,
        local=Meta(got, st.st_size), path=dest, stat=st,
        base=Meta(got, obj.size, obj.etag),
    )  # fmt: skip
