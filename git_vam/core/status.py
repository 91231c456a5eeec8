"""Status: every staging file's state (local vs S3 vs base), who uploaded it
when, and what to run next; read from the same plan a push would make."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from git_vam.core import gather
from git_vam.fs import UnsafePath, printable
from git_vam.plan import status_label
from git_vam.repo import Target

if TYPE_CHECKING:
    from git_vam.context import Context


def status(ctx: Context, targets: list[Target]) -> list[dict[str, Any]]:
    """One dict per project: ``project``, ``prefix``, ``files`` (``path``, ``state``,
    ``next``, sizes in bytes, uploader and UTC time, tombstone) and ``problems``.
    Raises VamError when S3 cannot be listed."""
    by_name = {t.project.name: t for t in targets}
    projects = [t.project for t in targets]
    result: list[dict[str, Any]] = []
    with ctx.state:
        listings = gather.list_remote(ctx, projects)
        for project in projects:
            try:
                view = gather.gather(ctx, project, listing=listings[project.name])
            except UnsafePath as exc:
                result.append({"project": project.name, "prefix": "", "files": [], "problems": [exc.message]})
                continue
            files = []
            for item in (i for i in gather.make_plan(view, "push") if by_name[project.name].covers(i.rel)):
                state, hint = status_label(item)
                obj = view.remote_objs.get(item.rel)
                entry = view.manifest.files.get(item.rel)
                files.append(
                    {
                        "path": item.rel,
                        "state": state,
                        "next": hint,
                        "local_size": item.local.size if item.local else None,
                        "remote_size": obj.size if obj else None,
                        "uploaded_by": obj.uploaded_by if obj else "",
                        "uploaded_at": obj.uploaded_at if obj else "",
                        "deleted_by": entry.deleted_by if entry and entry.deleted and not obj else "",
                        "deleted_at": entry.deleted_at if entry and entry.deleted and not obj else "",
                    }
                )
            problems = [f"skipped {printable(s.rel)}: {s.reason}" for s in view.skipped]
            problems += [f"refused S3 key {printable(k)}: it would land outside s3-staging/" for k in view.refused]
            problems += [
                f"manifest merge conflict on {rel}: both sides changed it; run `git vam pull {project.name}` "
                "to rebuild the manifest from S3, then `git add` and commit it"
                for rel in sorted(view.manifest.extra.get("conflicts") or {})
            ]
            result.append({"project": project.name, "prefix": view.prefix, "files": files, "problems": problems})
    return result
