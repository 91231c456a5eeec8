"""``git vam archive`` and ``git vam restore``: print what ``core.archive`` did."""

from __future__ import annotations

from pathlib import Path

from git_vam import output
from git_vam.context import Context
from git_vam.core import ssd
from git_vam.core.archive import archive, choose
from git_vam.core.restore import restore, restore_to_ssd, restore_when_ready
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK, UsageError
from git_vam.fs import printable
from git_vam.units import parse_seconds


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
        where = f"s3://{ctx.archive_bucket}/{r['key']}"
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
        for rel in r.get("from_ssd", []):
            con.print(f"  read from the SSD copy: {printable(rel)}", markup=False)
        for rel in r.get("not_on_a_connected_drive", []):
            con.print(f"  ! not archived: {printable(rel)} is only on the SSD, which is not connected", markup=False)
    if committed:
        con.print("Recorded in the manifest and committed; share it with `git push`.")
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


def say(text: str) -> None:
    output.err().print(f"git vam: {printable(text)}", markup=False)


def run_restore(
    ctx: Context, name: str, *, to: str | None, tier: str, check_status: bool, force: bool, as_json: bool,
    wait: str | None = None,
) -> int:  # fmt: skip
    """Bring back an archived project; returns 1 while a Glacier restore is pending."""
    (project,) = ctx.projects((name,), False)
    if wait is not None:
        try:
            seconds = parse_seconds(wait)
        except ValueError as exc:
            raise UsageError(f"--interval: {exc}.", "Use e.g. --interval 10m.") from None
        result = restore_when_ready(
            ctx, project, to=Path(to) if to else None, tier=tier, force=force, interval=seconds, say=say,
            reporter=output.reporter(False, False),
        )  # fmt: skip
        for warning in result.get("notify_warnings", []):
            say(f"warning: {warning}")
    elif to == "ssd":
        result = restore_to_ssd(
            ctx, project, tier=tier, check_status=check_status, force=force, say=say,
            reporter=output.reporter(False, False),
        )  # fmt: skip
    else:
        result = restore(
            ctx, project, to=Path(to) if to else None, tier=tier, check_status=check_status, force=force,
            say=say, reporter=output.reporter(False, False),
        )  # fmt: skip
    if as_json:
        output.print_json({k: v for k, v in result.items() if k != "message"})
    elif result["state"] == "restored":
        output.out().print(f"{project.name}: restored {len(result['files'])} files into {result['to']}", markup=False)
    else:
        output.out().print(f"{project.name}: {result['message']}", markup=False)
    return EXIT_OK if result["state"] == "restored" else EXIT_INCOMPLETE


def run_archive_ssd(
    ctx: Context, names: tuple[str, ...], *, older_than: str | None, delete_local: bool, dry_run: bool,
    no_commit: bool, as_json: bool,
) -> int:  # fmt: skip
    """Copy each project to the SSD; returns 1 when a copy failed (nothing of it
    recorded) or a heavy file was kept because the copy does not hold it."""
    reports, committed, incomplete = ssd.copy_to_ssd(
        ctx, choose(ctx, names, older_than), delete_local=delete_local, dry_run=dry_run, commit=not no_commit,
        reporter=output.reporter(False, False),
    )  # fmt: skip
    if as_json:
        output.print_json({"dry_run": dry_run, "committed": committed, "projects": reports})
        return EXIT_INCOMPLETE if incomplete else EXIT_OK
    con = output.out()
    if not reports:
        con.print("No project to copy.")
    for r in reports:
        to = printable(r["to"])
        if r.get("error"):
            con.print(f"{r['project']}: NOT copied to {to}: {printable(r['error'])}", markup=False)
            con.print("  nothing was recorded and no local file was touched", markup=False)
            continue
        if dry_run:
            con.print(f"{r['project']}: would copy {r['files']} files ({output.human_size(r['bytes'])}) to {to}",
                      markup=False)  # fmt: skip
        else:
            con.print(f"{r['project']}: copied and verified {len(r['copied'])} files "
                      f"({len(r['unchanged'])} already there) to {to} on drive {printable(r['drive'])}",
                      markup=False)  # fmt: skip
        for rel in r.get("deleted_local", []) or r.get("would_delete", []):
            con.print(f"  {'would remove' if dry_run else 'removed'} {printable(rel)}", markup=False)
        for rel in r.get("kept_changed", []):
            con.print(f"  ! kept {printable(rel)}: it changed while it was copied", markup=False)
        for rel in r["links_not_copied"]:
            con.print(f"  ! not copied: {printable(rel)} is a symlink", markup=False)
    if committed:
        con.print("Recorded in the manifest and committed; share it with `git push`.")
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


def run_restore_ssd(ctx: Context, name: str, *, force: bool, as_json: bool) -> int:
    """Copy a project back from the SSD; returns 1 when a file rotted on the drive."""
    (project,) = ctx.projects((name,), False)
    result = ssd.restore_from_ssd(ctx, project, force=force, reporter=output.reporter(False, False))
    bad = result["rotted"] + result["refused"]
    if as_json:
        output.print_json(result)
        return EXIT_INCOMPLETE if bad else EXIT_OK
    con = output.out()
    con.print(f"{project.name}: restored {len(result['restored'])} files from drive {printable(result['drive'])} "
              f"({len(result['same'])} already here)", markup=False)  # fmt: skip
    for rel in result["rotted"]:
        con.print(f"  ! not restored: {printable(rel)} on the drive no longer matches its MD5 (or is missing)",
                  markup=False)  # fmt: skip
    for rel in result["refused"]:
        con.print(f"  ! refused: {rel} is not a safe path", markup=False)
    return EXIT_INCOMPLETE if bad else EXIT_OK
