"""``git vam archive`` and ``git vam restore``: print what ``core.archive`` did."""

from __future__ import annotations

from pathlib import Path

from git_vam import output
from git_vam.context import Context
from git_vam.core.archive import archive, choose
from git_vam.core.restore import restore
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK
from git_vam.fs import printable


def run_archive(
    ctx: Context, names: tuple[str, ...], *, older_than: str | None, storage_class: str, delete_local: bool,
    dry_run: bool, no_commit: bool, as_json: bool, force: bool = False,
) -> int:  # fmt: skip
    """Archive each project; returns 1 when a heavy file was kept because the
    verified archive does not hold its current version."""
    reports, committed, incomplete = archive(
        ctx, choose(ctx, names, older_than), storage_class=storage_class, delete_local=delete_local,
        dry_run=dry_run, skip_held=not force, commit=not no_commit,
        reporter=output.reporter(False, False),
    )  # fmt: skip
    if as_json:
        output.print_json({"dry_run": dry_run, "committed": committed, "projects": reports})
        return EXIT_INCOMPLETE if incomplete else EXIT_OK
    con = output.out()
    if not reports:
        con.print("No project to archive.")
    for r in reports:
        where = f"s3://{ctx.bucket}/{r['key']}"
        if r.get("skipped"):
            con.print(f"{r['project']}: skipped, {r['skipped']}: {where} (--force archives it again)", markup=False)
            continue
        verb = "would archive" if dry_run else "archived and verified"
        con.print(f"{r['project']}: {verb} {r['files']} files ({output.human_size(r['bytes'])}) as {where}",
                  markup=False)  # fmt: skip
        for rel in r.get("deleted_local", []) or r.get("would_delete", []):
            con.print(f"  {'would remove' if dry_run else 'removed'} {printable(rel)}", markup=False)
        for rel in r.get("kept_changed", []):
            con.print(f"  ! kept {printable(rel)}: it changed while it was archived", markup=False)
        for rel in r["links_not_archived"]:
            con.print(f"  ! not archived: {printable(rel)} is a symlink", markup=False)
    if committed:
        con.print("Recorded in the manifest and committed; share it with `git push`.")
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


def run_restore(
    ctx: Context, name: str, *, to: str | None, tier: str, check_status: bool, force: bool, as_json: bool
) -> int:
    """Bring back an archived project; returns 1 while a Glacier restore is pending."""
    (project,) = ctx.projects((name,), False)
    result = restore(
        ctx, project, to=Path(to) if to else None, tier=tier, check_status=check_status, force=force,
        say=lambda text: output.err().print(f"git vam: {printable(text)}", markup=False),
        reporter=output.reporter(False, False),
    )  # fmt: skip
    if as_json:
        output.print_json({k: v for k, v in result.items() if k != "message"})
    elif result["state"] == "restored":
        output.out().print(f"{project.name}: restored {len(result['files'])} files into {result['to']}", markup=False)
    else:
        output.out().print(f"{project.name}: {result['message']}", markup=False)
    return EXIT_OK if result["state"] == "restored" else EXIT_INCOMPLETE
