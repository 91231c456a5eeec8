"""The pull that the post-merge, post-checkout and post-rewrite hooks run (DESIGN
§5): fetch the staging files whose manifest entries changed between two
commits, within ``vam.autoPull`` and ``vam.autoPullMaxSize`` (a per-file limit).

``changed_entries`` reads git only: the common case (no manifest changed) never
touches the network nor imports boto3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from git_vam import git
from git_vam import manifest as mf
from git_vam.layout import MANIFEST_GLOB
from git_vam.plan import Action
from git_vam.projects import Project, Target

if TYPE_CHECKING:
    from pathlib import Path

    from git_vam.context import Context
    from git_vam.core.gather import View
    from git_vam.core.report import Reporter
    from git_vam.core.transfer import SyncResult
    from git_vam.plan import FilePlan

Wanted = dict[str, dict[str, mf.Entry]]  # project → {path inside s3-staging: manifest entry}
PULLED = (Action.DOWNLOAD, Action.CONFLICT_COPY)


def changed_entries(root: Path, old: str, new: str) -> Wanted:
    """The live manifest entries that are new in commit ``new``, or have another
    MD5 than in ``old``, by project (one ``git diff``, two ``git show`` per
    changed manifest)."""
    wanted: Wanted = {}
    for path in git.changed_paths(root, old, new, MANIFEST_GLOB):
        found = mf.changes(mf.load_at(root, old, path), mf.load_at(root, new, path))
        entries = {c.rel: c.new for c in found if c.new_version and c.new is not None}
        if entries:
            wanted.setdefault(path.split("/")[0], {}).update(entries)
    return wanted


def arrived(root: Path, old_ref: str, new_ref: str) -> Wanted:
    """What the commits from ``old_ref`` to ``new_ref`` brought, compared from
    their fork point (``git.fork_point``): ``{}`` when the refs name nothing or
    the same commit."""
    old, new = git.resolve(root, old_ref), git.resolve(root, new_ref)
    if not old or not new or old == new:
        return {}
    return changed_entries(root, git.fork_point(root, old, new), new)


def auto_pull(ctx: Context, wanted: Wanted, reporter: Reporter) -> SyncResult:
    """Pull the ``wanted`` entries of the projects whose folders exist here — and
    the files the manifest names that this clone never had (a manifest commit
    of its own may already list what others pushed, so the diff misses them) —
    with the same rules as ``git vam pull``, never over ``vam.autoPullMaxSize``
    (those go to ``ProjectReport.too_big``). Never writes the tracked manifest.
    Raises VamError when S3 cannot be listed."""
    from git_vam.core.transfer import sync

    targets = [Target(p) for p in (Project(ctx.root, name) for name in sorted(wanted)) if p.path.is_dir()]

    def only(view: View, item: FilePlan) -> bool:
        changed = item.rel in wanted[view.project.name]
        never_had = item.local_state == "absent" and item.rel in view.manifest.live()
        return item.action in PULLED and (changed or never_had)

    return sync(
        ctx, "pull", targets, reporter, only=only, max_size=ctx.settings.auto_pull_max_size, write_manifest=False
    )
