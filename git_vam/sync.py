"""Push, pull and status of one project: gather L, R, B; plan; execute.

``gather`` reads the three sides (local scan with the hash cache, one S3
listing per project, the base records and the committed manifest); ``plan``
(git_vam.plan) decides; ``execute`` carries the plan out, never destroying a
local file (replaced copies go to ``.git/vam/trash/``), and ``finish`` records
the new base, rewrites the manifest and the project's ``.metadata.json``.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from git_vam import fs, layout
from git_vam import manifest as mf
from git_vam.errors import ConflictError, VamError
from git_vam.layout import METADATA_JSON, STAGING_DIR, iso_from_ts, ts_from_iso, utc_now
from git_vam.paths import Skipped, conflict_name, scan
from git_vam.plan import Action, FilePlan, Version, plan
from git_vam.pool import run_parallel
from git_vam.repo import Project
from git_vam.s3.model import RemoteObject, UploadJournal, part_size_for
from git_vam.state import BaseRecord, read_json, write_json_atomic

if TYPE_CHECKING:
    from git_vam.context import Context


MAX_KEY_BYTES = 1024  # S3 limit: object keys are at most 1,024 bytes of UTF-8
DOWNLOAD_ATTEMPTS = 3  # a download whose MD5 is wrong is fetched again, this many times in all


Listing = tuple[dict[str, "RemoteObject"], list[str]]  # (objects by rel, refused keys)


class Reporter(Protocol):
    """Progress sink for transfers; the CLI gives a rich one on a terminal."""

    def start(self, label: str, total: int) -> Callable[[int], None]: ...

    def done(self, label: str) -> None: ...


class NullReporter:
    def start(self, label: str, total: int) -> Callable[[int], None]:
        return lambda n: None

    def done(self, label: str) -> None:
        pass


@dataclass
class View:
    """Everything known about one project before acting."""

    project: Project
    prefix: str
    manifest: mf.Manifest
    local_paths: dict[str, Path] = field(default_factory=dict)
    local_stats: dict[str, os.stat_result] = field(default_factory=dict)
    local: dict[str, Version] = field(default_factory=dict)
    remote_objs: dict[str, RemoteObject] = field(default_factory=dict)
    base: dict[str, Version] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    metadata_etag: str = ""

    @property
    def remote(self) -> dict[str, Version]:
        return {rel: Version(o.md5, o.size, o.etag) for rel, o in self.remote_objs.items()}


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


def list_remote(ctx: Context, projects: list[Project]) -> dict[str, Listing]:
    """``{project name: (objects by rel, refused keys)}`` from as few listings as
    possible: the project's own prefix for one project, else one listing of the
    brand prefix split by project (one request per 1,000 keys instead of one
    per project). Raises VamError (credentials, bucket, network) before any
    local work is done."""
    from dataclasses import replace

    if len(projects) == 1:
        return {projects[0].name: ctx.store.list_prefix(ctx.staging_prefix(projects[0].name))}
    brand_prefix = f"{ctx.settings['stagingPrefix']}{ctx.brand}/"
    listing, refused = ctx.store.list_prefix(brand_prefix)
    out: dict[str, Listing] = {p.name: ({}, []) for p in projects}
    for rel, obj in listing.items():
        name, _, path = rel.partition("/")
        if name in out and path and path != METADATA_JSON:
            out[name][0][path] = replace(obj, rel=path)
    for key in refused:
        name = key[len(brand_prefix) :].partition("/")[0]
        if name in out:
            out[name][1].append(key)
    return out


def gather(
    ctx: Context,
    project: Project,
    reporter: Reporter | None = None,
    *,
    tolerate_bad_manifest: bool = False,
    listing: Listing | None = None,
) -> View:
    """Read L (scan + hash cache), R (one listing, metadata from the manifest,
    ``.metadata.json`` or HEAD) and B.

    A manifest that is not valid JSON raises ConfigError, unless
    ``tolerate_bad_manifest`` (rebuilding it from S3), when it counts as empty.
    ``listing`` (from ``list_remote``) replaces the project's own listing when
    a caller listed a wider prefix once.
    """
    reporter = reporter or NullReporter()
    try:
        manifest = mf.load(project.manifest_path, ctx.brand, project.name)
    except VamError:
        if not tolerate_bad_manifest:
            raise
        manifest = mf.Manifest(ctx.brand, project.name)
    # A committed symlink as the project or its s3-staging/ would lead reads and
    # writes out of the repository (DESIGN §6): the project is refused whole.
    fs.check_folder(project.path, ctx.root, "a project")
    fs.check_folder(project.staging, ctx.root, "s3-staging")
    view = View(project, ctx.staging_prefix(project.name), manifest)
    remote, refused = listing if listing is not None else ctx.store.list_prefix(view.prefix)
    view.refused = list(refused)
    view.local_paths, view.skipped = scan(project.staging)
    for rel in [r for r in view.local_paths if len((view.prefix + r).encode()) > MAX_KEY_BYTES]:
        del view.local_paths[rel]
        view.skipped.append(Skipped(rel, f"its S3 key would be over {MAX_KEY_BYTES:,} bytes (S3 limit): shorten it"))
    records = ctx.state.load_base(project.name, ctx.location(project.name))
    # A file that S3, the base and the manifest all lack can only be uploaded, and
    # its MD5 decides nothing here: it is hashed by the upload itself, in parallel
    # with the other transfers (its md5 stays "" until then).
    known = set(remote) | set(records) | set(manifest.files)
    threshold = int(ctx.settings["multipartThreshold"])
    for rel, path in view.local_paths.items():
        st = path.stat()
        md5 = ctx.state.cached_md5(path, st)
        if md5 is None and rel not in known:
            md5 = ""
        elif md5 is None:
            tick = reporter.start(f"hashing {rel}", st.st_size) if st.st_size > 64 * 1024**2 else None
            # the same read hashes the parts a multipart upload would send
            md5 = ctx.state.md5(path, tick, part_size_for(st.st_size) if st.st_size >= threshold else 0)
            if tick:
                reporter.done(f"hashing {rel}")
            st = path.stat()
        view.local_stats[rel] = st
        view.local[rel] = Version(md5, st.st_size)

    def metadata_json() -> Any:
        meta, view.metadata_etag = ctx.store.get_json(view.prefix + METADATA_JSON)
        return meta

    view.remote_objs = _resolve_remote(ctx, remote, view.manifest, metadata_json)

    for rel, rec in records.items():
        view.base[rel] = Version(rec.md5, rec.size, rec.etag)
    # Without a record of its own, the clone falls back to the committed manifest
    # (DESIGN §4), but only where the local file *is* that version: then both
    # sides evidently agreed on it. A manifest entry the clone never had is no
    # base: a missing file is "absent" (a fresh clone downloads it, not
    # "deleted"), and a different local file is "new" (a conflict with S3's,
    # never an overwrite of a version this clone has not seen).
    for rel, entry in view.manifest.files.items():
        if rel not in view.base and rel in view.local and view.local[rel].md5 == entry.md5:
            view.base[rel] = Version(entry.md5, entry.size, entry.etag)
    return view


def _resolve_remote(
    ctx: Context, listing: dict[str, RemoteObject], manifest: mf.Manifest, metadata_json: Callable[[], Any]
) -> dict[str, RemoteObject]:
    """Fill md5 and uploader of each listed object from what is already known for
    its ETag: the committed manifest first, then (read only when the manifest
    leaves some unknown) ``.metadata.json``, HEAD-ing only what is still unknown."""
    from dataclasses import replace

    known: dict[str, dict[str, Any]] = {}
    for entry in manifest.live().values():
        if entry.etag:
            known[entry.etag] = {
                "md5": entry.md5,
                "uploaded_by": entry.uploaded_by,
                "uploaded_at": entry.uploaded_at,
                "mtime": entry.mtime,
            }
    out: dict[str, RemoteObject] = {}

    def fill(objs: list[RemoteObject]) -> list[RemoteObject]:
        """Fill what ``known`` covers into ``out``; return the rest."""
        rest = []
        for obj in objs:
            info = known.get(obj.etag)
            if info and info["uploaded_by"]:
                out[obj.rel] = replace(obj, **info)
            else:
                rest.append(obj)
        return rest

    unknown = fill(list(listing.values()))
    meta_json = metadata_json() if unknown else None
    if isinstance(meta_json, dict):
        for f in meta_json.get("files") or []:
            if isinstance(f, dict) and f.get("etag") and f.get("md5"):
                known.setdefault(
                    str(f["etag"]),
                    {
                        "md5": str(f["md5"]),
                        "uploaded_by": str(f.get("uploaded_by", "")),
                        "uploaded_at": str(f.get("uploaded_at", "")),
                        "mtime": str(f.get("mtime", "")),
                    },
                )
        unknown = fill(unknown)
    for obj in run_parallel(ctx.store.head, unknown, min(16, max(4, ctx.settings["jobs"] * 2))):
        out[obj.rel] = obj
    return dict(sorted(out.items()))


def staging_rel(project: Project, rel: str) -> str:
    """``PROJECT/s3-staging/REL``: a staging file's path below the work tree, the
    form ``fs`` walks without following links."""
    return f"{project.name}/{STAGING_DIR}/{rel}"


def trash_key(ctx: Context, project: str, rel: str, obj: RemoteObject) -> str:
    """Where a replaced or deleted staging object is kept on S3 (``layout.trash_key``)."""
    return layout.trash_key(ctx.settings["stagingPrefix"], ctx.brand, project, rel, obj.etag, utc_now())


def make_plan(view: View, direction: str, *, force: bool = False, delete: bool = False) -> list[FilePlan]:
    return plan(direction, view.local, view.remote, view.base, force=force, delete=delete)


class _Journal:
    """Multipart upload records under ``.git/vam/uploads/`` (resume across runs)."""

    def __init__(self, ctx: Context, key: str) -> None:
        self.path = ctx.state.dir / "uploads" / (hashlib.sha1(key.encode()).hexdigest() + ".json")

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
    view: View,
    items: list[FilePlan],
    reporter: Reporter | None = None,
) -> list[Outcome]:
    """Carry out ``items``; one Outcome each, in the order given.

    Small files run ``vam.jobs`` at a time; files at or above the multipart
    threshold run one at a time with their parts or ranges in parallel. A failure of one
    file is reported in its Outcome and the others still run.
    """
    reporter = reporter or NullReporter()
    threshold = int(ctx.settings["multipartThreshold"])
    results: dict[str, Outcome] = {}

    def run(item: FilePlan) -> None:
        try:
            results[item.rel] = _do(ctx, view, item, reporter, threshold)
        except VamError as exc:
            results[item.rel] = Outcome(item, False, exc.message)
        except OSError as exc:
            results[item.rel] = Outcome(item, False, f"{exc.strerror or exc} ({exc.filename or item.rel})")

    def size_of(item: FilePlan) -> int:
        v = item.local if item.action is Action.UPLOAD else item.remote
        return v.size if v else 0

    small = [i for i in items if size_of(i) < threshold]
    large = [i for i in items if size_of(i) >= threshold]
    run_parallel(run, small, ctx.settings["jobs"])
    for item in large:
        run(item)
    return [results[i.rel] for i in items]


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
        del view.remote_objs[rel]
        view.base.pop(rel, None)
        old = view.manifest.files.get(rel) or mf.Entry(obj.md5, obj.size)
        view.manifest.files[rel] = old.tombstone(ctx.user, utc_now())
        return Outcome(item, True, f"deleted on S3 (recoverable from {kept})")
    if item.action is Action.DELETE_LOCAL:
        dest = ctx.state.trash_path(view.project.name, rel)
        fs.take(ctx.root, staging_rel(view.project, rel), dest)
        view.base.pop(rel, None)
        return Outcome(item, True, f"moved to {dest.relative_to(ctx.root)}")
    if item.action is Action.RECORD:
        view.base[rel] = Version(view.local[rel].md5, view.local[rel].size, view.remote_objs[rel].etag)
        return Outcome(item, True, "already the same on both sides")
    if item.action is Action.FORGET:
        view.base.pop(rel, None)
        return Outcome(item, True, "gone on both sides")
    if item.action is Action.CONFLICT:
        return Outcome(item, False, item.reason)
    return Outcome(item, True, item.reason)


def _upload(ctx: Context, view: View, item: FilePlan, reporter: Reporter, threshold: int) -> Outcome:
    from dataclasses import replace

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
        local = view.local[rel] = Version(md5, local.size)
    remote = view.remote_objs.get(rel)
    key = view.prefix + rel
    uploaded_at = utc_now()
    metadata = {"uploaded-by": ctx.user, "uploaded-at": uploaded_at, "mtime": iso_from_ts(st.st_mtime)}
    kept = ""
    if item.replace and remote is not None:
        # --force replaces someone else's version: keep it on S3 first (server-side,
        # no transfer over the user's link), outside every project prefix.
        # Named by time and the kept version's own ETag: two replacements in
        # one second must not land on one key.
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
            threshold=threshold,
            progress=tick,
            journal=_Journal(ctx, key).as_journal(),
            unchanged=lambda: (path.stat().st_size, path.stat().st_mtime_ns) == now,
            part_md5s=ctx.state.cached_parts(path, st, part_size_for(st.st_size)),
        )
    except ConflictError:
        return Outcome(item, False, "conflict: someone else uploaded this file meanwhile; run git vam status")
    finally:
        reporter.done(f"↑ {rel}")
    view.remote_objs[rel] = RemoteObject(
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
    view.base[rel] = replace(local, etag=etag)
    return Outcome(item, True, f"uploaded (S3's previous version kept at {kept})" if kept else "uploaded", local.size)


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
    tmp = ctx.state.tmp_dir / (hashlib.sha1(obj.key.encode()).hexdigest() + ".part")
    got = ""
    for _attempt in range(DOWNLOAD_ATTEMPTS):
        tick = reporter.start(f"↓ {rel}", obj.size)
        try:
            # small files already run vam.jobs at a time (execute): one stream each
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
        keep = ctx.state.trash_path(view.project.name, target_rel)
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
    view.local_paths[rel] = dest
    view.local_stats[rel] = st
    view.local[rel] = Version(got, st.st_size)
    view.base[rel] = Version(got, obj.size, obj.etag)
    return Outcome(item, True, "downloaded" + trashed, obj.size)


def save_base(ctx: Context, view: View) -> None:
    """Record the base: the version of each file this clone and S3 now agree on."""
    ctx.state.save_base(
        view.project.name,
        ctx.location(view.project.name),
        {rel: BaseRecord(v.md5, v.size, v.etag) for rel, v in view.base.items()},
    )


def rebuilt_manifest(view: View) -> mf.Manifest:
    """The manifest as S3 now holds the project: one entry per object, plus the
    old tombstones of paths still absent. Merge-conflict notes are dropped: S3
    is the truth that resolves them."""
    files: dict[str, mf.Entry] = {
        rel: e for rel, e in view.manifest.files.items() if e.deleted and rel not in view.remote_objs
    }
    for rel, obj in view.remote_objs.items():
        files[rel] = mf.Entry(
            md5=obj.md5, size=obj.size, uploaded_by=obj.uploaded_by, uploaded_at=obj.uploaded_at,
            etag=obj.etag, mtime=obj.mtime,
        )  # fmt: skip
    extra = {k: v for k, v in view.manifest.extra.items() if k != "conflicts"}
    return mf.Manifest(view.manifest.brand, view.project.name, files, extra)


def finish(ctx: Context, view: View) -> bool:
    """Save the base records and rewrite the manifest from what S3 now holds.

    Returns True when the manifest file changed.
    """
    save_base(ctx, view)
    manifest = rebuilt_manifest(view)
    view.manifest = manifest
    if not manifest.files and not manifest.extra and not view.project.manifest_path.exists():
        return False
    return mf.save(view.project.manifest_path, manifest)


def update_metadata_json(ctx: Context, view: View) -> None:
    """Rewrite the project's ``.metadata.json`` (the existing tools' summary) with a
    conditional write; on a lost race, re-read its ETag and try again (it is a cache)."""
    key = view.prefix + METADATA_JSON
    data = {
        "project_id": view.project.name,
        "repo": ctx.brand,
        "last_sync": utc_now(),
        "files": [
            {
                "name": rel,
                "size_bytes": o.size,
                "uploaded_by": o.uploaded_by,
                "uploaded_at": o.uploaded_at,
                "md5": o.md5,
                "etag": o.etag,
                "mtime": o.mtime,
            }
            for rel, o in view.remote_objs.items()
        ],
    }
    etag = view.metadata_etag
    for _ in range(3):
        try:
            view.metadata_etag = ctx.store.put_json(key, data, etag)
            return
        except ConflictError:
            _, etag = ctx.store.get_json(key)
