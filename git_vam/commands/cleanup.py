"""``git vam cleanup PROJECT [--confirm] [--archive] [--force]``: remove a finished
project's staging objects on S3 (``core.cleanup``); without ``--confirm`` it only lists."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core.cleanup import CleanupResult, cleanup
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK


def run(
    ctx: Context, name: str, *, confirm: bool, archive: bool, force: bool = False, no_commit: bool, as_json: bool
) -> int:
    """List (or with ``confirm`` delete) the project's staging objects; returns 1
    when some were kept as the last copy or changed meanwhile."""
    (project,) = ctx.projects((name,), False)
    result = cleanup(ctx, project, confirm=confirm, archive=archive, force=force, commit=not no_commit)
    if as_json:
        output.print_json({
            "project": result.project, "prefix": result.prefix, "deleted": confirm, "committed": result.committed,
            "archived_to": result.archived_to, "objects": [r.to_json() for r in result.rows],
            "unfinished_uploads": result.unfinished_uploads,
        })  # fmt: skip
    else:
        _print(ctx.bucket, result, archive, force)
    return EXIT_INCOMPLETE if result.incomplete else EXIT_OK


def _print(bucket: str, result: CleanupResult, archive: bool, force: bool) -> None:
    con = output.out()
    rows = result.rows
    where = f"s3://{bucket}/{result.prefix}"
    if result.confirmed:
        gone = [r for r in rows if r.deleted]
        verb = "Archived and deleted" if archive else "Deleted"
        con.print(f"{verb} {len(gone)} of {len(rows)} objects under {where}", markup=False)
    else:
        going = [r for r in rows if not r.refused_name and (r.other_copy or force)]
        total = output.human_size(sum(r.size for r in going))
        kept = f"; {len(rows) - len(going)} kept" if len(going) < len(rows) else ""
        con.print(f"Would delete {len(going)} objects ({total}) under {where}{kept}", markup=False)
    for r in rows:
        if result.confirmed:
            detail = r.done
        elif r.refused_name:
            detail = "would keep: not a name git-vam manages"
        elif r.other_copy:
            detail = f"another copy: {r.other_copy}"
        else:
            detail = "the only copy: kept unless --archive or --force"
        mark = "!" if detail.startswith(("kept", "would keep", "the only")) else " "
        con.print(output.printable(f"{mark} {r.path}  {output.human_size(r.size)}  {detail}"), markup=False)
    if result.unfinished_uploads:
        con.print(f"  and {result.unfinished_uploads} unfinished multipart upload(s)")
    if not result.confirmed:
        con.print(
            f"Nothing deleted. Run `git vam cleanup {result.project} --confirm` to delete them (local files stay)."
        )
    elif result.committed:
        con.print("Recorded the deletions in the manifest and committed it; share it with `git push`.")
