"""``git vam cleanup PROJECT [--confirm]``: remove a finished project's staging objects.

Without ``--confirm`` it only lists. It never touches local files. With
``--archive`` each object is first copied (server-side) under the archive prefix. The deleted
files become tombstones in the manifest (committed like a push), so every clone
learns through git that they were removed on purpose.
"""

from __future__ import annotations

from git_vam import manifest as mf
from git_vam import output
from git_vam.context import Context
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK, ConflictError
from git_vam.repo import archive_group, commit_paths
from git_vam.s3 import METADATA_JSON
from git_vam.sync import utc_now


def archive_key(ctx: Context, project: str, rel: str) -> str:
    """Where ``cleanup --archive`` keeps a staging object:
    ``{archivePrefix}{brand}/{group}/{project}/s3-staging/{rel}``."""
    return f"{ctx.settings['archivePrefix']}{ctx.brand}/{archive_group(project)}/{project}/s3-staging/{rel}"


def run(ctx: Context, name: str, *, confirm: bool, archive: bool, no_commit: bool, as_json: bool) -> int:
    (project,) = ctx.projects((name,), False)
    prefix = ctx.staging_prefix(project.name)
    with ctx.state:
        objects, refused = ctx.store.list_prefix(prefix)
        uploads = ctx.store.list_uploads(prefix)
        total = sum(o.size for o in objects.values())
        committed = False
        kept: list[str] = []  # changed on S3 since the listing: not deleted
        if confirm:
            manifest = mf.load(project.manifest_path, ctx.brand, project.name)
            for rel, obj in list(objects.items()):
                try:
                    if archive:  # a server-side copy first; the delete only after it succeeded
                        ctx.store.keep_copy(obj, archive_key(ctx, project.name, rel))
                    # only the version listed: a collaborator's newer upload is never lost
                    ctx.store.delete(obj.key, if_match=obj.etag)
                except ConflictError:
                    kept.append(rel)
                    del objects[rel]
                    continue
                old = manifest.files.get(rel) or mf.Entry(obj.md5, obj.size)
                manifest.files[rel] = old.tombstone(ctx.user, utc_now())
            for key in refused:
                ctx.store.delete(key)
            ctx.store.delete(prefix + METADATA_JSON)
            for key, upload_id in uploads:
                ctx.store.abort_upload(key, upload_id)
            mf.save(project.manifest_path, manifest)
            if project.manifest_path.exists() and not no_commit and ctx.settings["autoCommit"]:
                committed = commit_paths(ctx.repo, [project.manifest_relpath], f"vam: cleanup {project.name}")
    if as_json:
        output.print_json(
            {
                "changed_meanwhile": kept,
                "project": project.name,
                "prefix": prefix,
                "deleted": confirm,
                "committed": committed,
                "archived_to": archive_key(ctx, project.name, "") if archive and confirm else "",
                "objects": [{"key": o.key, "size": o.size} for o in objects.values()],
                "unfinished_uploads": len(uploads),
            }
        )
        return EXIT_INCOMPLETE if kept else EXIT_OK
    con = output.out()
    verb = ("Archived and deleted" if archive else "Deleted") if confirm else "Would delete"
    con.print(f"{verb} {len(objects)} objects ({output.human_size(total)}) under s3://{ctx.settings.bucket}/{prefix}")
    for obj in objects.values():
        con.print(f"  {output.printable(obj.rel)}  {output.human_size(obj.size)}", markup=False)
    if uploads:
        con.print(f"  and {len(uploads)} unfinished multipart upload(s)")
    for rel in kept:
        con.print(f"  ! {output.printable(rel)}: changed on S3 meanwhile, not deleted", markup=False)
    if not confirm:
        con.print(f"Nothing deleted. Run `git vam cleanup {project.name} --confirm` to delete them (local files stay).")
    elif committed:
        con.print("Recorded the deletions in the manifest and committed it; share it with `git push`.")
    return EXIT_INCOMPLETE if kept else EXIT_OK
