"""``git vam trash [list] / restore PATH / empty``: the local trash, printed."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core import trash
from git_vam.core.archive import parse_age
from git_vam.errors import EXIT_OK
from git_vam.fs import printable
from git_vam.units import human_size


def run_list(ctx: Context, *, as_json: bool) -> int:
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
