"""``git vam cleanup``: remove a finished project's staging objects on S3 under
the last-copy rule (DESIGN §3).

An object is deleted only where another copy exists — this clone's local file
with the same MD5, a verified archive record listing its MD5, or
(``archive``) a server-side copy under the archive prefix made just before.
The others are kept and reported; ``force`` deletes them after a server-side
copy to the S3 trash. Every delete is conditional on the version listed
(``If-Match``). Deleted files become tombstones in the manifest (committed like
a push), so every clone learns of them through git. Local files are never
touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from git_vam import fs
from git_vam import manifest as mf
from git_vam.core.execute import trash_key
from git_vam.errors import ConflictError
from git_vam.git import commit_paths
from git_vam.layout import METADATA_JSON, STAGING_DIR, archive_base, utc_now
from git_vam.s3.model import RemoteObject

if TYPE_CHECKING:
    from git_vam.context import Context
    from git_vam.projects import Project


@dataclass
class CleanupRow:
    """One staging object: its ``path`` inside ``s3-staging/``, ``key``, ``size``
    (bytes), where ``other_copy`` lives (``""``: nowhere), what was ``done``
    (``""`` before ``confirm``), and ``refused_name`` for a key git-vam does not
    manage (an unsafe name: never touched)."""

    path: str
    key: str
    size: int
    other_copy: str = ""
    done: str = ""
    refused_name: bool = False

    @property
    def deleted(self) -> bool:
        return self.done.startswith("deleted")

    def to_json(self) -> dict[str, Any]:
        data = {"path": self.path, "key": self.key, "size": self.size, "other_copy": self.other_copy,
                "done": self.done}  # fmt: skip
        if self.refused_name:
            data["refused_name"] = True
        return data


@dataclass
class CleanupResult:
    """What ``cleanup`` found (and with ``confirm`` did) under ``prefix``."""

    project: str
    prefix: str
    confirmed: bool
    rows: list[CleanupRow] = field(default_factory=list)
    unfinished_uploads: int = 0
    committed: bool = False
    archived_to: str = ""  # the archive prefix the copies went to (``archive`` and ``confirm``)

    @property
    def incomplete(self) -> bool:
        """Some objects were kept (the last copy, changed meanwhile, unmanaged names)."""
        return self.confirmed and any(not r.deleted for r in self.rows)


def archive_key(ctx: Context, project: str, rel: str) -> str:
    """Where ``cleanup --archive`` keeps a staging object:
    ``{archivePrefix}{brand}/{group}/{project}/s3-staging/{rel}``."""
    return f"{archive_base(ctx.settings.archive_prefix, ctx.brand, project)}/{STAGING_DIR}/{rel}"


def other_copy(local_md5: dict[str, str], archived: set[str], rel: str, obj: RemoteObject) -> str:
    """Where another copy of ``obj`` lives ("" when none): this clone's local file
    of the same MD5, or a verified archive record that lists the MD5."""
    if obj.md5 and local_md5.get(rel) == obj.md5:
        return "your local copy"
    if obj.md5 and obj.md5 in archived:
        return "a verified archive"
    return ""


def cleanup(
    ctx: Context, project: Project, *, confirm: bool, archive: bool, force: bool = False, commit: bool = True
) -> CleanupResult:
    """List (or with ``confirm`` delete) the project's staging objects. Raises
    VamError when S3 cannot be listed; a kept object is a row, not an error."""
    prefix = ctx.staging_prefix(project.name)
    result = CleanupResult(project.name, prefix, confirm)
    with ctx.state:
        listed, refused, _ = ctx.store.list_prefix(prefix)
        objects = {rel: (o if o.md5 else ctx.store.head(o)) for rel, o in listed.items()}
        uploads = ctx.store.list_uploads(prefix)
        result.unfinished_uploads = len(uploads)
        manifest = mf.load(project.manifest_path, ctx.brand, project.name)
        archived = mf.archived_md5s(manifest)
        local = {}
        if project.staging.is_dir() and not project.staging.is_symlink():
            for rel in objects:
                path = project.staging / rel
                if fs.is_real_file(path, ctx.root):
                    local[rel] = ctx.state.md5(path)
        for rel, obj in objects.items():
            copy = "the archive prefix (--archive)" if archive else other_copy(local, archived, rel, obj)
            result.rows.append(CleanupRow(rel, obj.key, obj.size, copy))
        result.rows += [CleanupRow(k, k, 0, refused_name=True) for k in refused]
        if not confirm:
            return result
        for row in result.rows:
            if row.refused_name:
                row.done = "kept: not a name git-vam manages"
                continue
            obj = objects[row.path]
            row.done = _delete(ctx, project.name, obj, row.other_copy, archive=archive, force=force)
            if row.deleted:
                old = manifest.files.get(row.path) or mf.Entry(obj.md5, obj.size)
                manifest.files[row.path] = old.tombstone(ctx.user, utc_now(), cleanup=True)
        if all(r.deleted for r in result.rows):
            ctx.store.delete(prefix + METADATA_JSON)  # a cache, rebuilt by the next push
            for key, upload_id in uploads:
                ctx.store.abort_upload(key, upload_id)
        mf.save(project.manifest_path, manifest)
        if archive:
            result.archived_to = archive_key(ctx, project.name, "")
        if project.manifest_path.exists() and commit and ctx.settings.auto_commit:
            result.committed = commit_paths(ctx.root, [project.manifest_relpath], f"vam: cleanup {project.name}")
    return result


def _delete(ctx: Context, project: str, obj: RemoteObject, other: str, *, archive: bool, force: bool) -> str:
    """Delete one object under the last-copy rule; returns what happened."""
    try:
        if archive:  # a server-side copy first; the delete only after it succeeded
            ctx.archive_store.keep_copy(obj, archive_key(ctx, project, obj.rel), source_bucket=ctx.bucket)
        elif not other and not force:
            return "kept: the only copy (archive it, pull it, or use --force)"
        elif not other:
            kept = ctx.store.delete_version(obj, trash_key(ctx, project, obj.rel, obj))
            return f"deleted (recoverable from {kept})"
        # only the version listed: a collaborator's newer upload is never lost
        ctx.store.delete(obj.key, if_match=obj.etag)
    except ConflictError:
        return "kept: changed on S3 meanwhile, not deleted"
    return f"deleted ({other or 'copied to the archive prefix'} remains)"
