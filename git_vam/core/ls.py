"""``git vam ls``: what S3 holds for the projects (DESIGN §3): each staging
object's size, uploader and time, and whether this clone has it; the
project's archive objects too on request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from git_vam.core.status import status
from git_vam.fs import printable
from git_vam.layout import archive_base, is_archive_key
from git_vam.plan import FileState

if TYPE_CHECKING:
    from git_vam.context import Context
    from git_vam.projects import Target


def archives(ctx: Context, project: str) -> list[dict[str, Any]]:
    """The project's archive objects: ``{base}.tar``, ``{base}.{time}.tar`` and the
    ``cleanup --archive`` copies under ``{base}/`` (key, size in bytes, storage class)."""
    base = archive_base(ctx.settings.archive_prefix, ctx.brand, project)
    return [
        {"key": printable(key), "size": size, "storage_class": cls}
        for key, size, cls in ctx.archive_store.list_keys(base)
        if is_archive_key(base, key)
    ]


def ls(ctx: Context, targets: list[Target], *, archive: bool = False) -> list[dict[str, Any]]:
    """One row per project: ``project``, ``prefix`` and ``files`` (``path``,
    ``size`` in bytes, ``uploaded_by``, ``uploaded_at`` and ``local``: ``same``,
    ``differs`` or ``no``); with ``archive`` its ``archives`` too. Raises
    VamError when S3 cannot be listed."""
    projects = []
    for p in status(ctx, targets):
        files = [
            {
                "path": f.path,
                "size": f.remote_size,
                "uploaded_by": f.uploaded_by,
                "uploaded_at": f.uploaded_at,
                "local": "same" if f.state == FileState.IN_SYNC else ("differs" if f.local_size is not None else "no"),
            }
            for f in p.files
            if f.remote_size is not None
        ]
        row: dict[str, Any] = {"project": p.project, "prefix": p.prefix, "files": files}
        if archive:
            row["archives"] = archives(ctx, p.project)
        projects.append(row)
    return projects
