"""``git vam ls [PROJECT…] [--all] [--archive]``: what S3 holds for the projects (``core.ls``)."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core.ls import ls
from git_vam.errors import EXIT_OK
from git_vam.fs import printable
from git_vam.units import human_size


def run(ctx: Context, names: tuple[str, ...], *, use_all: bool, archive: bool, as_json: bool) -> int:
    at_root = ctx.cwd.resolve() == ctx.root
    projects = ls(ctx, ctx.targets(names, use_all or (not names and at_root)), archive=archive)
    if as_json:
        output.print_json({"projects": projects})
        return EXIT_OK
    con = output.out()
    for p in projects:
        total = sum(f["size"] for f in p["files"])
        con.print(printable(f"{p['project']}: {len(p['files'])} file(s), {human_size(total)} on S3"), markup=False)
        for f in p["files"]:
            who = f"{f['uploaded_by'] or '?'} {f['uploaded_at']}".strip()
            line = f"  {f['path']}  {human_size(f['size'])}  {who}  local: {f['local']}"
            con.print(printable(line), markup=False, crop=False)
        for a in p.get("archives", []):
            con.print(printable(f"  archive {a['key']}  {human_size(a['size'])}  {a['storage_class']}"), markup=False)
    return EXIT_OK
