"""The post-merge / post-checkout pull: fetch the staging files whose manifest
entries changed (and those the manifest names that this clone never had),
within ``vam.autoPull`` and ``vam.autoPullMaxSize``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from git_vam import output
from git_vam.context import open_context
from git_vam.core import execute, gather, record
from git_vam.errors import VamError
from git_vam.fs import UnsafePath, printable
from git_vam.plan import Action
from git_vam.repo import Project
from git_vam.units import human_size


def say(text: str) -> None:
    print(f"git vam: {printable(text)}", file=sys.stderr)


def run(root: Path, wanted: dict[str, dict[str, Any]]) -> None:
    """``wanted`` maps project → {path inside s3-staging: new manifest entry}. Never raises VamError."""
    ctx = open_context(root, quick=True)
    names = " ".join(sorted(wanted))
    if not ctx.settings.auto_pull:
        say(f"new staging files in {names}; run `git vam pull {names}` (vam.autoPull is off)")
        return
    limit = ctx.settings.auto_pull_max_size
    try:
        with ctx.state:
            projects = [p for p in (Project(ctx.root, name) for name in sorted(wanted)) if p.path.is_dir()]
            listings = gather.list_remote(ctx, projects) if projects else {}  # one listing for them all
            work = []
            for project in projects:
                name, entries = project.name, wanted[project.name]
                try:
                    view = gather.gather(ctx, project, listing=listings[name])
                except UnsafePath as exc:
                    say(f"{name}: {exc.message}")
                    continue
                # The changed entries, plus any the manifest names that this clone
                # never had: a manifest commit of its own may already list files
                # others pushed (push records all of S3), so the diff misses them.
                named = view.manifest.live()
                items = [
                    i
                    for i in gather.make_plan(view, "pull")
                    if i.action in (Action.DOWNLOAD, Action.CONFLICT_COPY)
                    and (i.rel in entries or (i.local_state == "absent" and i.rel in named))
                ]
                big = [i for i in items if i.remote and i.remote.size > limit]
                work.append((view, [i for i in items if i not in big], big))
            # every project's files at once: one round trip, not one per project
            done = execute.execute(ctx, [(view, todo) for view, todo, _ in work], output.reporter(False, False))
            for (view, _, big), outcomes in zip(work, done, strict=True):
                name = view.project.name
                record.save_base(ctx, view)
                pulled = [o for o in outcomes if o.ok]
                if pulled:
                    total = human_size(sum(o.bytes for o in pulled))
                    say(f"pulled {len(pulled)} file(s) into {name}/s3-staging/ ({total})")
                for o in outcomes:
                    if not o.ok:
                        say(f"{name}/{o.item.rel}: {o.message}")
                for i in big:
                    size = human_size(i.remote.size if i.remote else 0)
                    say(f"{name}/{i.rel} ({size}) is over vam.autoPullMaxSize; run `git vam pull {name}`")
    except VamError as exc:
        say(f"could not pull staging files: {exc.message} Run `git vam pull {names}` later.")
