"""``git vam share``: a presigned download URL for one staging object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from git_vam.errors import VamError
from git_vam.layout import TIME_FORMAT

if TYPE_CHECKING:
    from git_vam.context import Context
    from git_vam.projects import Project


@dataclass(frozen=True)
class Link:
    """A presigned GET ``url`` of ``project``/``path`` (``size`` bytes), valid until
    ``expires_at`` (UTC ISO-8601)."""

    project: str
    path: str
    url: str
    expires_at: str
    size: int


def share(ctx: Context, project: Project, rel: str, seconds: int) -> Link:
    """A URL anyone can download ``rel`` of ``project``'s staging with for
    ``seconds`` (SigV4: at most 7 days). Raises VamError (exit 1) when the file
    is not on S3."""
    prefix = ctx.staging_prefix(project.name)
    listing = ctx.store.list_prefix(prefix).objects
    if rel not in listing:
        raise VamError(
            f"{project.name}/{rel} is not on S3.", f"Push it first: git vam push {project.name}", exit_code=1
        )
    url = ctx.store.presign(prefix + rel, seconds)
    until = (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime(TIME_FORMAT)
    return Link(project.name, rel, url, until, listing[rel].size)
