"""``git vam push`` and ``git vam pull``: plan per project, then act, then report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from git_vam import output, sync
from git_vam.context import Context
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK, VamError
from git_vam.fs import UnsafePath, printable
from git_vam.git import commit_paths
from git_vam.plan import Action, FilePlan

ICONS = {
    Action.UPLOAD: "↑",
    Action.DOWNLOAD: "↓",
    Action.DELETE_REMOTE: "✗",
    Action.DELETE_LOCAL: "✗",
    Action.CONFLICT: "!",
    Action.CONFLICT_COPY: "!",
    Action.RECORD: "=",
    Action.FORGET: "-",
    Action.NONE: "·",
}
DRY = {
    Action.UPLOAD: "would upload",
    Action.DOWNLOAD: "would download",
    Action.DELETE_REMOTE: "would delete on S3",
    Action.DELETE_LOCAL: "would move to the trash",
    Action.CONFLICT_COPY: "would save the S3 version beside it",
    Action.RECORD: "would record as in sync",
    Action.FORGET: "would forget",
}


@dataclass
class ProjectReport:
    project: str
    outcomes: list[sync.Outcome] = field(default_factory=list)
    planned: list[FilePlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # skipped local files, refused keys
    manifest_changed: bool = False

    def failed(self) -> bool:
        return any(not o.ok for o in self.outcomes) or any(p.is_conflict for p in self.planned) or bool(self.notes)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "files": [o.to_json() for o in self.outcomes]
            or [
                {
                    "path": p.rel,
                    "action": p.action.value,
                    "local": p.local_state,
                    "remote": p.remote_state,
                    "message": p.reason,
                    "dry_run": True,
                }
                for p in self.planned
            ],
            "problems": self.notes,
            "manifest_changed": self.manifest_changed,
        }


def run(
    ctx: Context,
    direction: str,
    names: tuple[str, ...],
    *,
    use_all: bool = False,
    dry_run: bool = False,
    check_only: bool = False,
    force: bool = False,
    delete: bool = False,
    no_commit: bool = False,
    quiet: bool = False,
    as_json: bool = False,
) -> int:
    """Push or pull the named projects. Returns 0 when everything was done, 1 otherwise
    (a conflict, a failed transfer, a refused key or skipped file; with
    ``--check-only``: anything left to download)."""
    targets = {t.project.name: t for t in ctx.targets(names, use_all, s3_only=direction == "pull")}
    projects = [t.project for t in targets.values()]
    reporter = output.reporter(quiet, as_json)
    reports: list[ProjectReport] = []
    commit: list[str] = []
    pending = False
    with ctx.state:
        listings = sync.list_remote(ctx, projects)  # also the first check of credentials and bucket
        for project in projects:
            report = ProjectReport(project.name)
            reports.append(report)
            try:
                view = sync.gather(ctx, project, reporter, listing=listings[project.name])
            except UnsafePath as exc:  # a symlinked project or s3-staging: refused, the rest goes on
                report.notes.append(exc.message)
                continue
            report.notes += [f"skipped {printable(s.rel)}: {s.reason}" for s in view.skipped]
            report.notes += [f"refused S3 key {printable(k)}: it would land outside s3-staging/" for k in view.refused]
            target = targets[project.name]
            items = [i for i in sync.make_plan(view, direction, force=force, delete=delete) if target.covers(i.rel)]
            if target.paths and not items:
                shown = ", ".join(f"{project.name}/{p}" for p in target.paths)
                report.notes.append(f"nothing here or on S3 matches {printable(shown)}")
            todo = [i for i in items if i.action is not Action.NONE]
            if dry_run or check_only:
                report.planned = items
                pending = pending or any(i.action in (Action.DOWNLOAD, Action.CONFLICT_COPY) for i in items)
                continue
            outcomes = sync.execute(ctx, view, todo, reporter)
            by_rel = {o.item.rel: o for o in outcomes}
            report.outcomes = [by_rel.get(i.rel) or sync.Outcome(i, True, i.reason) for i in items]
            report.manifest_changed = sync.finish(ctx, view)
            if direction == "push" and any(
                o.ok and o.item.action in (Action.UPLOAD, Action.DELETE_REMOTE) for o in outcomes
            ):
                try:
                    sync.update_metadata_json(ctx, view)
                except VamError as exc:  # a cache for the older tools: never fails the push
                    output.err().print(f"git vam: could not update .metadata.json: {exc.message}", markup=False)
            if project.manifest_path.exists():
                commit.append(project.manifest_relpath)
    committed = False
    if direction == "push" and commit and not no_commit and ctx.settings["autoCommit"]:
        names_text = ", ".join(r.project for r in reports)
        committed = commit_paths(ctx.repo, commit, f"vam: push {names_text}")
    failed = any(r.failed() for r in reports) or (check_only and pending)
    if as_json:
        output.print_json(
            {
                "command": direction,
                "dry_run": dry_run or check_only,
                "ok": not failed,
                "committed": committed,
                "projects": [r.to_json() for r in reports],
            }
        )
    elif not quiet or failed:
        _print(reports, direction, dry_run or check_only, committed, quiet)
    return EXIT_INCOMPLETE if failed else EXIT_OK


def _print(reports: list[ProjectReport], direction: str, dry: bool, committed: bool, quiet: bool) -> None:
    con = output.out()
    for r in reports:
        lines: list[str] = []
        if dry:
            for p in r.planned:
                if p.action is Action.NONE and p.reason == "in sync":
                    continue
                verb = DRY.get(p.action, p.reason)
                detail = f" ({p.reason})" if p.action is not Action.NONE and p.reason else ""
                lines.append(f"  {ICONS[p.action]} {p.rel}: {verb}{detail}")
        else:
            for o in r.outcomes:
                if o.item.action is Action.NONE and o.item.reason == "in sync":
                    continue
                if quiet and o.ok:
                    continue
                size = f" ({output.human_size(o.bytes)})" if o.bytes else ""
                lines.append(f"  {ICONS[o.item.action]} {o.item.rel}{size}: {o.message}")
        lines += [f"  ! {n}" for n in r.notes]
        done = sum(1 for o in r.outcomes if o.ok and o.item.action in (Action.UPLOAD, Action.DOWNLOAD))
        if not lines:
            lines.append("  everything in sync")
        verb = "uploaded" if direction == "push" else "downloaded"
        summary = f"{r.project}: {done} {verb}" if not dry else f"{r.project} (dry run)"
        con.print(summary, markup=False)
        for line in lines:
            con.print(printable(line), markup=False)
    if committed:
        con.print("Committed the manifest; share it with `git push`.")
