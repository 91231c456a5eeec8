"""``git vam cleanup PROJECT [--confirm] [--archive] [--force]``: remove a finished
project's staging objects on S3.

Without ``--confirm`` it only lists. It never touches local files. The last
copy is sacred (DESIGN §3): an object is deleted only where another copy exists
— this clone's local file with the same MD5, a verified archive record listing
its MD5, or (``--archive``) a server-side copy under the archive prefix made
just before. The others are refused and reported (exit 1); ``--force`` deletes
them after a server-side copy to the S3 trash. Every delete is conditional on
the version listed (``If-Match``). Deleted files become tombstones in the
manifest (committed like a push), so every clone learns of them through git.
"""

from __future__ import annotations

from typing import Any

from git_vam import fs, output
from git_vam import manifest as mf
from git_vam.context import Context
from git_vam.core.execute import trash_key
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK, ConflictError
from git_vam.git import commit_paths
from git_vam.layout import METADATA_JSON, STAGING_DIR, archive_base, utc_now
from git_vam.s3.model import RemoteObject


def archive_key(ctx: Context, project: str, rel: str) -> str:
    """Where ``cleanup --archive`` keeps a staging object:
    ``{archivePrefix}{brand}/{group}/{project}/s3-staging/{rel}``."""
    return f"{archive_base(ctx.settings.archive_prefix, ctx.brand, project)}/{STAGING_DIR}/{rel}"


def other_copy(ctx: Context, staging_md5: dict[str, str], archived: set[str], rel: str, obj: RemoteObject) -> str:
    """Where another copy of ``obj`` lives ("" when none): this clone's local file
    of the same MD5, or a verified archive record that lists the MD5."""
    if obj.md5 and staging_md5.get(rel) == obj.md5:
        return "your local copy"
    if obj.md5 and obj.md5 in archived:
        return "a verified archive"
    return ""


def run(
    ctx: Context, name: str, *, confirm: bool, archive: bool, force: bool = False, no_commit: bool, as_json: bool
) -> int:
    """List (or with ``confirm`` delete) the project's staging objects; returns 1
    when some were kept as the last copy or changed meanwhile."""
    (project,) = ctx.projects((name,), False)
    prefix = ctx.staging_prefix(project.name)
    with ctx.state:
        listed, refused, _ = ctx.store.list_prefix(prefix)
        objects = {rel: (o if o.md5 else ctx.store.head(o)) for rel, o in listed.items()}
        uploads = ctx.store.list_uploads(prefix)
        manifest = mf.load(project.manifest_path, ctx.brand, project.name)
        archived = {
            m["md5"] for r in mf.archive_records(manifest) for m in (r.get("members") or {}).values()
        }  # fmt: skip
        local = {}
        if project.staging.is_dir() and not project.staging.is_symlink():
            for rel in objects:
                path = project.staging / rel
                if fs.real_dir(path.parent, ctx.root) and path.is_file() and not path.is_symlink():
                    local[rel] = ctx.state.md5(path)
        rows: list[dict[str, Any]] = []
        for rel, obj in objects.items():
            copy = "the archive prefix (--archive)" if archive else other_copy(ctx, local, archived, rel, obj)
            rows.append({"path": rel, "key": obj.key, "size": obj.size, "other_copy": copy, "done": ""})
        rows += [{"path": k, "key": k, "size": 0, "other_copy": "", "done": "", "refused_name": True} for k in refused]
        committed = False
        if confirm:
            for row in rows:
                if row.get("refused_name"):
                    row["done"] = "kept: not a name git-vam manages"
                    continue
                obj = objects[row["path"]]
                row["done"] = _delete(ctx, project.name, obj, row["other_copy"], archive=archive, force=force)
                if row["done"].startswith("deleted"):
                    old = manifest.files.get(row["path"]) or mf.Entry(obj.md5, obj.size)
                    manifest.files[row["path"]] = old.tombstone(ctx.user, utc_now(), cleanup=True)
            if all(r["done"].startswith("deleted") for r in rows):
                ctx.store.delete(prefix + METADATA_JSON)  # a cache, rebuilt by the next push
                for key, upload_id in uploads:
                    ctx.store.abort_upload(key, upload_id)
            mf.save(project.manifest_path, manifest)
            if project.manifest_path.exists() and not no_commit and ctx.settings.auto_commit:
                committed = commit_paths(ctx.repo, [project.manifest_relpath], f"vam: cleanup {project.name}")
    incomplete = confirm and any(not r["done"].startswith("deleted") for r in rows)
    if not confirm:
        incomplete = False
    if as_json:
        output.print_json({
            "project": project.name, "prefix": prefix, "deleted": confirm, "committed": committed,
            "archived_to": archive_key(ctx, project.name, "") if archive and confirm else "",
            "objects": rows, "unfinished_uploads": len(uploads),
        })  # fmt: skip
        return EXIT_INCOMPLETE if incomplete else EXIT_OK
    _print(ctx, project.name, prefix, rows, confirm, archive, force, len(uploads), committed)
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


def _delete(ctx: Context, project: str, obj: RemoteObject, other: str, *, archive: bool, force: bool) -> str:
    """Delete one object under the last-copy rule; returns what happened."""
    try:
        if archive:  # a server-side copy first; the delete only after it succeeded
            ctx.store.keep_copy(obj, archive_key(ctx, project, obj.rel))
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


def _print(
    ctx: Context, project: str, prefix: str, rows: list[dict[str, Any]], confirm: bool, archive: bool, force: bool,
    uploads: int, committed: bool,
) -> None:  # fmt: skip
    con = output.out()
    total = sum(r["size"] for r in rows)
    where = f"s3://{ctx.bucket}/{prefix}"
    if confirm:
        gone = [r for r in rows if r["done"].startswith("deleted")]
        verb = "Archived and deleted" if archive else "Deleted"
        con.print(f"{verb} {len(gone)} of {len(rows)} objects under {where}", markup=False)
    else:
        con.print(f"Would delete {len(rows)} objects ({output.human_size(total)}) under {where}", markup=False)
    for r in rows:
        if confirm:
            detail = r["done"]
        elif r.get("refused_name"):
            detail = "would keep: not a name git-vam manages"
        elif r["other_copy"]:
            detail = f"another copy: {r['other_copy']}"
        else:
            detail = "the only copy: kept unless --archive or --force"
        mark = "!" if detail.startswith(("kept", "would keep", "the only")) else " "
        line = f"{mark} {r['path']}  {output.human_size(r['size'])}  {detail}"
        con.print(output.printable(line), markup=False)
    if uploads:
        con.print(f"  and {uploads} unfinished multipart upload(s)")
    if not confirm:
        con.print(f"Nothing deleted. Run `git vam cleanup {project} --confirm` to delete them (local files stay).")
    elif committed:
        con.print("Recorded the deletions in the manifest and committed it; share it with `git push`.")
