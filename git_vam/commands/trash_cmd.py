"""``git vam trash [list] / restore PATH / empty``: the local trash, printed."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core import remote_trash, trash
from git_vam.core.archive import parse_age
from git_vam.errors import EXIT_OK
from git_vam.fs import printable
from git_vam.units import human_size


def run_list(ctx: Context, *, as_json: bool, remote: bool = False) -> int:
    if remote:
        return _list_remote(ctx, as_json=as_json)
    found = trash.entries(ctx)
    total = sum(e.size for e in found)
    if as_json:
        output.print_json({"files": [e.to_json() for e in found], "bytes": total})
        return EXIT_OK
    con = output.out()
    if not found:
        con.print("The trash is empty.", markup=False)
        return EXIT_OK
    for e in found:
        line = f"{e.id}  {e.project}/{e.rel}  {human_size(e.size)}  {e.why or '?'}"
        con.print(printable(line), markup=False)
    con.print(f"{len(found)} file(s), {human_size(total)} in {ctx.state.trash_dir}", markup=False)
    con.print("Put one back: git vam trash restore PROJECT/PATH; free the space: git vam trash empty", markup=False)
    return EXIT_OK


def run_restore(ctx: Context, spec: str, *, force: bool, as_json: bool) -> int:
    with ctx.state:
        entry = trash.find(ctx, spec)
        replaced = trash.restore(ctx, entry, force=force)
    if as_json:
        output.print_json({"restored": entry.to_json(), "replaced": replaced})
    else:
        note = " (the file that was there is now in the trash)" if replaced else ""
        output.out().print(printable(f"Put back {entry.project}/s3-staging/{entry.rel}{note}"), markup=False)
    return EXIT_OK


def run_empty(ctx: Context, older_than: str | None, *, dry_run: bool, as_json: bool) -> int:
    seconds = parse_age(older_than) if older_than else None
    with ctx.state:
        gone, freed = trash.empty(ctx, seconds, dry_run=dry_run)
    if as_json:
        output.print_json({"dry_run": dry_run, "files": [e.to_json() for e in gone], "bytes": freed})
    else:
        verb = "Would delete" if dry_run else "Deleted"
        output.out().print(f"{verb} {len(gone)} file(s) from the trash, {human_size(freed)}.", markup=False)
    return EXIT_OK


def _list_remote(ctx: Context, *, as_json: bool) -> int:
    found = remote_trash.kept_versions(ctx)
    total = sum(k.size for k in found)
    if as_json:
        output.print_json({"versions": [k.to_json() for k in found], "bytes": total})
        return EXIT_OK
    con = output.out()
    if not found:
        con.print(f"The S3 trash is empty ({remote_trash.trash_prefix(ctx)}).", markup=False)
        return EXIT_OK
    for k in found:
        con.print(printable(f"{k.kept_at}  {k.project}/{k.rel}  {human_size(k.size)}"), markup=False)
        con.print(printable(f"    {k.key}"), markup=False, crop=False, overflow="ignore")
    con.print(f"{len(found)} version(s), {human_size(total)} on S3 until the staging expiry rule", markup=False)
    con.print("Put one back: git vam trash --remote restore KEY", markup=False)
    return EXIT_OK


def run_restore_remote(ctx: Context, key: str, *, as_json: bool) -> int:
    kept, done = remote_trash.restore_kept(ctx, key)
    if as_json:
        output.print_json({"restored": kept.to_json(), "result": done})
    else:
        where = f"s3://{ctx.bucket}/{ctx.staging_prefix(kept.project)}{kept.rel}"
        said = "is already there" if done == "already there" else f"is back at {where}"
        output.out().print(printable(f"{kept.project}/{kept.rel} of {kept.kept_at} {said}"), markup=False)
        output.out().print(f"Fetch it with `git vam pull {kept.project}`.", markup=False)
    return EXIT_OK
