"""``git vam ls [PROJECT…] [--all] [--archive]``: what S3 holds for the projects
(DESIGN §3): each staging object's size, uploader and time, and whether this
clone has it; with ``--archive`` the project's archive objects too."""

from __future__ import annotations

from typing import Any

from git_vam import output
from git_vam.context import Context
from git_vam.core.status import status
from git_vam.errors import EXIT_OK
from git_vam.fs import printable
from git_vam.layout import archive_base, is_archive_key
from git_vam.units import human_size


def archives(ctx: Context, project: str) -> list[dict[str, Any]]:
    """The project's archive objects: ``{base}.tar``, ``{base}.{time}.tar`` and the
    ``cleanup --archive`` copies under ``{base}/`` (key, size in bytes, storage class)."""
    base = archive_base(ctx.settings.archive_prefix, ctx.brand, project)
    return [
        {"key": printable(key), "size": size, "storage_class": cls}
        for key, size, cls in ctx.store.list_keys(base)
        if is_archive_key(base, key)
    ]


def run(ctx: Context, names: tuple[str, ...], *, use_all: bool, archive: bool, as_json: bool) -> int:
    at_root = ctx.cwd.resolve() == ctx.root
    projects = []
    for p in status(ctx, ctx.targets(names, use_all or (not names and at_root))):
        files = [
            {
                "path": f["path"],
                "size": f["remote_size"],
                "uploaded_by": f["uploaded_by"],
                "uploaded_at": f["uploaded_at"],
                "local": "same" if f["state"] == "in sync" else ("differs" if f["local_size"] is not None else "no"),
            }
            for f in p["files"]
            if f["remote_size"] is not None
        ]
        row: dict[str, Any] = {"project": p["project"], "prefix": p["prefix"], "files": files}
        if archive:
            row["archives"] = archives(ctx, p["project"])
        projects.append(row)
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
