"""Record what was agreed: base records, the manifest rebuilt from what S3 holds,
and the project's ``.metadata.json`` (the existing tools' summary, a cache)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from git_vam import manifest as mf
from git_vam.core.gather import View
from git_vam.core.report import Outcome
from git_vam.errors import ConflictError
from git_vam.layout import METADATA_JSON, utc_now
from git_vam.plan import Direction

if TYPE_CHECKING:
    from git_vam.context import Context


def apply(view: View, outcome: Outcome) -> None:
    """Write what one finished file's worker learned (``Outcome``) into its
    project's View, from the one thread that collects the results."""
    rel = outcome.item.rel
    if outcome.local is not None:
        view.local[rel] = outcome.local
    if outcome.path is not None and outcome.stat is not None:
        view.local_paths[rel], view.local_stats[rel] = outcome.path, outcome.stat
    if outcome.remote is not None:
        view.remote_objs[rel] = outcome.remote
    if outcome.gone_remote:
        view.remote_objs.pop(rel, None)
    if outcome.tombstone is not None:
        view.manifest.files[rel] = outcome.tombstone
    if outcome.forget_base:
        view.base.pop(rel, None)
    if outcome.base is not None:
        view.base[rel] = outcome.base


def save_base(ctx: Context, view: View) -> None:
    """Record the base: the version of each file this clone and S3 now agree on."""
    ctx.state.save_base(
        view.project.name,
        ctx.location(view.project.name),
        dict(view.base),
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


def finish(ctx: Context, view: View, direction: Direction, covers: Callable[[str], bool] | None = None) -> bool:
    """Save the base records and, after a push, rewrite the manifest from what S3
    now holds. A pull leaves the tracked manifest alone (as ``git lfs pull``
    leaves tracked files): a pull, or a watcher, that edited it would make the
    next ``git pull`` refuse to merge. The one exception is a manifest with a
    merge conflict, which S3, the truth, resolves (DESIGN §5).

    ``covers`` (a push of some paths) limits the rewrite to the entries of
    those paths: a path is never widened to the project (DESIGN §1).

    Returns True when the manifest file changed.
    """
    save_base(ctx, view)
    if direction != "push" and "conflicts" not in view.manifest.extra:
        return False
    manifest = rebuilt_manifest(view)
    if covers is not None:
        kept = {rel: e for rel, e in view.manifest.files.items() if not covers(rel)}
        manifest.files = {**kept, **{rel: e for rel, e in manifest.files.items() if covers(rel)}}
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
