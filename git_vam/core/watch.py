"""``git vam watch``: keep the staging folders pulled (DESIGN §3; seed roadmap
phase 3, "upload → notify → download").

Every interval: one listing of the brand prefix; for each watched project
whose objects (key → ETag) differ from the last round, the same pull as
``git vam pull`` with neither ``--force`` nor ``--delete``: nothing local is
deleted, and a file changed on both sides gets the S3 version saved beside it
(the local change is never overwritten). No lock is held between rounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from git_vam.core import gather, service
from git_vam.core.report import Reporter
from git_vam.core.transfer import SyncResult, sync
from git_vam.errors import VamError
from git_vam.fs import safe_rel
from git_vam.plan import Action
from git_vam.projects import Project, Target, synced_projects
from git_vam.s3.model import Listing

if TYPE_CHECKING:
    from git_vam.context import Context

PULLED = (Action.DOWNLOAD, Action.CONFLICT_COPY)


def every_project(ctx: Context, listing: Listing) -> list[Target]:
    """Every project as one round of the watcher sees it: the folders here with
    ``s3-staging/`` or a manifest, and the projects that exist only on S3 under
    the brand prefix (a collaborator pushed a new one; the pull creates its
    folder). A name from S3 must be a plain folder name (DESIGN §6)."""
    names = set(synced_projects(ctx.root))
    for rel in listing.objects:
        name = rel.split("/", 1)[0]
        if "/" in rel and safe_rel(name) == name and not name.startswith("."):
            names.add(name)
    return [Target(Project(ctx.root, name)) for name in sorted(names)]


def watch(
    ctx: Context,
    targets: list[Target] | None,
    reporter: Reporter,
    *,
    interval: float,
    once: bool = False,
    warn: Callable[[str], None] = lambda text: None,
    sleep: Callable[[float], None] = time.sleep,
    stopping: Callable[[], bool] = lambda: False,
) -> Iterator[SyncResult]:
    """Yield one SyncResult per round that pulled something (``interval`` in
    seconds between rounds). ``targets`` None: every project, found again each
    round (``every_project``). A round that cannot reach S3 is one warning and the
    watch goes on; with ``once`` it raises VamError instead. A project whose
    pull left something undone (a failed download, a conflict) is tried again
    next round even if S3 did not change. ``stopping()`` is asked after each
    round: True ends the watch there (a stop asked for during a round lets the
    round finish, so what it brought is reported)."""
    seen: dict[str, dict[str, str]] = {}
    while True:
        try:
            brand = ctx.store.list_prefix(ctx.brand_prefix)
            watched = every_project(ctx, brand) if targets is None else targets
            listings = gather.split_by_project(ctx, [t.project for t in watched], brand)
            now = {name: {rel: obj.etag for rel, obj in listing.objects.items()} for name, listing in listings.items()}
            changed = [t for t in watched if seen.get(t.project.name) != now[t.project.name]]
            if changed:
                result = sync(ctx, "pull", changed, reporter, warn=warn, listings=listings)
                for report in result.reports:
                    if report.failed():
                        seen.pop(report.project, None)
                    else:
                        seen[report.project] = now[report.project]
                arrived = [f"{r.project}/{o.item.rel}" for r in result.reports for o in r.outcomes
                           if o.ok and o.item.action in PULLED]  # fmt: skip
                if arrived and ctx.settings.desktop_notify:  # DESIGN §10: vam.desktopNotify
                    more = f" and {len(arrived) - 3} more" if len(arrived) > 3 else ""
                    service.desktop_notify(f"git vam: {len(arrived)} file(s) arrived", ", ".join(arrived[:3]) + more)
                if result.failed() or arrived:
                    yield result
        except VamError as exc:
            if once:
                raise
            warn(f"{exc.message} Trying again in {interval:g} s.")
        if once or stopping():
            return
        sleep(interval)
