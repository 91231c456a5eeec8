"""Gather: the three sides of every staging file of a project, L (the local scan
with the hash cache), R (one listing, metadata from the manifest,
``.metadata.json`` or HEAD) and B (base records, else the committed manifest),
as a ``View``; and the plan of a view (``git_vam.plan`` decides)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from git_vam import fs
from git_vam import manifest as mf
from git_vam.core.report import NullReporter, Reporter
from git_vam.errors import VamError
from git_vam.layout import METADATA_JSON, STAGING_DIR
from git_vam.meta import Meta
from git_vam.paths import Skipped, scan
from git_vam.plan import Direction, FilePlan, plan
from git_vam.pool import run_parallel
from git_vam.projects import Project
from git_vam.s3.model import Listing, RemoteObject, part_size_for

if TYPE_CHECKING:
    from git_vam.context import Context

MAX_KEY_BYTES = 1024  # S3 limit: object keys are at most 1,024 bytes of UTF-8


@dataclass
class View:
    """Everything known about one project before acting."""

    project: Project
    prefix: str
    manifest: mf.Manifest
    local_paths: dict[str, Path] = field(default_factory=dict)
    local_stats: dict[str, os.stat_result] = field(default_factory=dict)
    local: dict[str, Meta] = field(default_factory=dict)
    remote_objs: dict[str, RemoteObject] = field(default_factory=dict)
    base: dict[str, Meta] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    metadata_etag: str = ""


def list_remote(ctx: Context, projects: list[Project]) -> dict[str, Listing]:
    """``{project name: (objects by rel, refused keys)}`` from as few listings as
    possible: the project's own prefix for one project, else one listing of the
    brand prefix split by project (one request per 1,000 keys instead of one
    per project). Raises VamError (credentials, bucket, network) before any
    local work is done."""

    if len(projects) == 1:
        return {projects[0].name: ctx.store.list_prefix(ctx.staging_prefix(projects[0].name))}
    return split_by_project(ctx, projects, ctx.store.list_prefix(ctx.brand_prefix))


def split_by_project(ctx: Context, projects: list[Project], listing: Listing) -> dict[str, Listing]:
    """A listing of the brand prefix (``rel`` = ``project/path``) as each project's
    own listing (``rel`` = path inside ``s3-staging/``)."""
    prefix = ctx.brand_prefix
    out = {p.name: Listing({}, [], {}) for p in projects}
    for rel, obj in listing.objects.items():
        name, _, path = rel.partition("/")
        if name in out and path and path != METADATA_JSON:
            out[name].objects[path] = replace(obj, rel=path)
    for key in listing.refused:
        name = key[len(prefix) :].partition("/")[0]
        if name in out:
            out[name].refused.append(key)
    for name, etag in listing.summaries.items():
        if name in out:
            out[name].summaries[""] = etag
    return out


def gather(
    ctx: Context,
    project: Project,
    reporter: Reporter | None = None,
    *,
    tolerate_bad_manifest: bool = False,
    listing: Listing | None = None,
    complete: bool = False,
) -> View:
    """Read L (scan + hash cache), R (one listing, metadata from the manifest,
    ``.metadata.json`` or HEAD) and B.

    A manifest that is not valid JSON raises ConfigError, unless
    ``tolerate_bad_manifest`` (rebuilding it from S3), when it counts as empty.
    ``listing`` (from ``list_remote``) replaces the project's own listing when
    a caller listed a wider prefix once; ``complete`` says its objects already
    carry their MD5 and uploader (``status --offline``: nothing is asked of S3).
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
    fs.check_folder(project.staging, ctx.root, STAGING_DIR)
    view = View(project, ctx.staging_prefix(project.name), manifest)
    remote, refused, summaries = listing if listing is not None else ctx.store.list_prefix(view.prefix)
    view.refused = list(refused)
    view.metadata_etag = summaries.get("", "")
    view.local_paths, view.skipped = scan(project.staging)
    for rel in [r for r in view.local_paths if len((view.prefix + r).encode()) > MAX_KEY_BYTES]:
        del view.local_paths[rel]
        view.skipped.append(Skipped(rel, f"its S3 key would be over {MAX_KEY_BYTES:,} bytes (S3 limit): shorten it"))
    records = ctx.state.load_base(project.name, ctx.location(project.name))
    # A file that S3, the base and the manifest all lack can only be uploaded, and
    # its MD5 decides nothing here: it is hashed by the upload itself, in parallel
    # with the other transfers (its md5 stays "" until then).
    known = set(remote) | set(records) | set(manifest.files)
    threshold = ctx.settings.multipart_threshold
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
        view.local[rel] = Meta(md5, st.st_size)

    def metadata_json() -> Any:
        meta, view.metadata_etag = ctx.store.get_json(view.prefix + METADATA_JSON)
        return meta

    view.remote_objs = remote if complete else _resolve_remote(ctx, remote, view.manifest, metadata_json)

    view.base.update(records)
    # Without a record of its own, the clone falls back to the committed manifest
    # (DESIGN §4), but only where the local file *is* that version: then both
    # sides evidently agreed on it. A manifest entry the clone never had is no
    # base: a missing file is "absent" (a fresh clone downloads it, not
    # "deleted"), and a different local file is "new" (a conflict with S3's,
    # never an overwrite of a version this clone has not seen).
    for rel, entry in view.manifest.files.items():
        if rel not in view.base and rel in view.local and view.local[rel].md5 == entry.md5:
            view.base[rel] = Meta(entry.md5, entry.size, entry.etag)
    return view


def _resolve_remote(
    ctx: Context, listing: dict[str, RemoteObject], manifest: mf.Manifest, metadata_json: Callable[[], Any]
) -> dict[str, RemoteObject]:
    """Fill md5 and uploader of each listed object from what is already known for
    its key and ETag: the committed manifest first, then (read only when the
    manifest leaves some unknown) ``.metadata.json``, HEAD-ing only what is still
    unknown. Known by key and ETag together, never by ETag alone: another tool's
    upload of the same bytes under another key is not the uploader's."""

    known: dict[tuple[str, str], dict[str, Any]] = {}
    for rel, entry in manifest.live().items():
        if entry.etag:
            known[rel, entry.etag] = {
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
            info = known.get((obj.rel, obj.etag))
            if info and info["uploaded_by"]:
                out[obj.rel] = replace(obj, **info)
            else:
                rest.append(obj)
        return rest

    unknown = fill(list(listing.values()))
    meta_json = metadata_json() if unknown else None
    if isinstance(meta_json, dict):
        for f in meta_json.get("files") or []:
            if isinstance(f, dict) and f.get("etag") and f.get("md5") and f.get("name"):
                known.setdefault(
                    (str(f["name"]), str(f["etag"])),
                    {
                        "md5": str(f["md5"]),
                        "uploaded_by": str(f.get("uploaded_by", "")),
                        "uploaded_at": str(f.get("uploaded_at", "")),
                        "mtime": str(f.get("mtime", "")),
                    },
                )
        unknown = fill(unknown)
    for obj in run_parallel(ctx.store.head, unknown, min(16, max(4, ctx.store.jobs * 2))):
        out[obj.rel] = obj
    return dict(sorted(out.items()))


def make_plan(view: View, direction: Direction, *, force: bool = False, delete: bool = False) -> list[FilePlan]:
    return plan(direction, view.local, view.remote_objs, view.base, force=force, delete=delete)
