"""Push and pull: for each target, gather → plan → execute → record, then one
manifest commit (DESIGN §4, §5). Returns plain results; the command prints them
(DVC's ``repo.push()`` behind ``commands/data_sync.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from git_vam import git
from git_vam import manifest as mf
from git_vam.core import execute, gather, locks, notify, probe, record
from git_vam.core.report import Outcome, Reporter
from git_vam.core.status import file_state
from git_vam.errors import UsageError, VamError
from git_vam.fs import UnsafePath, printable
from git_vam.git import commit_paths
from git_vam.layout import utc_now
from git_vam.paths import portability
from git_vam.plan import Action, Direction, FilePlan, FileState
from git_vam.pool import run_parallel
from git_vam.projects import Target
from git_vam.s3.model import Listing

if TYPE_CHECKING:
    from git_vam.context import Context


@dataclass
class ProjectReport:
    project: str
    outcomes: list[Outcome] = field(default_factory=list)
    planned: list[FilePlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # skipped local files, refused keys
    too_big: list[FilePlan] = field(default_factory=list)  # over ``max_size``: left for a pull by hand
    manifest_changed: bool = False
    # what a push did to S3: [{"path", "size", "md5", "action": "upload" | "delete"}]
    changes: list[dict[str, Any]] = field(default_factory=list)
    unlocked: list[str] = field(default_factory=list)  # push --unlock: your locks it removed

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
            "unlocked": self.unlocked,
        }


@dataclass
class SyncResult:
    """Every project's report, whether the manifests were committed, and (dry run,
    ``--check-only``) whether anything is left to download."""

    reports: list[ProjectReport]
    committed: bool = False
    pending: bool = False

    def failed(self, check_only: bool = False) -> bool:
        return any(r.failed() for r in self.reports) or (check_only and self.pending)


def sync(
    ctx: Context,
    direction: Direction,
    targets: list[Target],
    reporter: Reporter,
    *,
    dry_run: bool = False,
    force: bool = False,
    delete: bool = False,
    commit: bool = True,
    warn: Callable[[str], None] = lambda text: None,
    listings: dict[str, Listing] | None = None,
    only: Callable[[gather.View, FilePlan], bool] | None = None,
    max_size: int | None = None,
    write_manifest: bool = True,
    unlock: bool = False,
) -> SyncResult:
    """Push (``direction="push"``) or pull the targets. Raises VamError before any
    local work when S3 cannot be listed (credentials, bucket, network); a problem
    with one project or file is reported in its ProjectReport and the rest go on.
    ``listings`` (by project name) spares the listing when the caller has one.
    ``only`` keeps the planned items it accepts; items whose S3 object is over
    ``max_size`` bytes go to ``ProjectReport.too_big`` instead. Without
    ``write_manifest`` (the hooks) only the base records are saved. A push
    never uploads or deletes a file another person has locked (DESIGN §10: a
    conflict naming the holder); with ``unlock`` your own locks on the files it
    uploaded are removed after the upload."""
    by_name = {t.project.name: t for t in targets}
    if direction == "push" and not dry_run and commit and ctx.settings.auto_commit:
        astray = git.cannot_commit_here(ctx.root)
        if astray:  # before any transfer: the manifest commit would go astray
            raise UsageError(*astray)
    if direction == "push" and not dry_run and not probe.conditional_writes(ctx):
        warn(probe.NOT_PROTECTED)
    result = SyncResult([])
    to_commit: list[str] = []
    summaries: list[gather.View] = []  # projects whose .metadata.json a push changed
    work: list[tuple[ProjectReport, gather.View, list[FilePlan], list[FilePlan]]] = []  # (…, planned, to do)
    with ctx.state:
        if listings is None:
            listings = gather.list_remote(ctx, [t.project for t in targets]) if targets else {}
        held = locks.held(ctx, [t.project.name for t in targets]) if direction == "push" and targets else {}
        for target in targets:
            project = target.project
            report = ProjectReport(project.name)
            result.reports.append(report)
            try:
                view = gather.gather(ctx, project, reporter, listing=listings[project.name])
            except UnsafePath as exc:  # a symlinked project or s3-staging: refused, the rest goes on
                report.notes.append(exc.message)
                continue
            report.notes += [f"skipped {printable(s.rel)}: {s.reason}" for s in view.skipped]
            report.notes += [f"refused S3 key {printable(k)}: it would land outside s3-staging/" for k in view.refused]
            items = [
                i
                for i in gather.make_plan(view, direction, force=force, delete=delete)
                if target.covers(i.rel) and (only is None or only(view, i))
            ]
            items = _settle(view, items)
            if held.get(project.name):
                items = _respect_locks(ctx, held[project.name], items)
            if max_size is not None:
                report.too_big = [i for i in items if i.remote and i.remote.size > max_size]
                items = [i for i in items if i not in report.too_big]
            if target.paths and not items:
                shown = ", ".join(f"{project.name}/{p}" for p in by_name[project.name].paths)
                report.notes.append(f"nothing here or on S3 matches {printable(shown)}")
            if dry_run:
                report.planned = items
                result.pending = result.pending or any(
                    i.action in (Action.DOWNLOAD, Action.CONFLICT_COPY) for i in items
                )
                continue
            todo = [i for i in items if i.action is not Action.NONE]
            if direction == "push":
                names = portability(list(view.local))
                for item in (i for i in todo if i.action is Action.UPLOAD and i.rel in names):
                    warn(f"{project.name}/{printable(item.rel)}: {names[item.rel]}; rename it so everyone can sync it")
            work.append((report, view, items, todo))
        # every project's transfers at once: ten projects with a file each cost one round trip, not ten
        try:
            done = execute.execute(ctx, [(view, todo) for _, view, _, todo in work], reporter)
        except KeyboardInterrupt:
            for _, view, _, _ in work:
                record.save_base(ctx, view)  # what finished before Ctrl-C stays agreed
            raise
        for (report, view, items, _), outcomes in zip(work, done, strict=True):
            by_rel = {o.item.rel: o for o in outcomes}
            report.outcomes = [by_rel.get(i.rel) or Outcome(i, True, i.reason) for i in items]
            if write_manifest:
                covers = by_name[view.project.name].covers if by_name[view.project.name].paths else None
                report.manifest_changed = record.finish(ctx, view, direction, covers)
            else:
                record.save_base(ctx, view)
            if direction == "push":
                report.changes = _changes(view, outcomes)
            if unlock and direction == "push":
                mine = held.get(view.project.name, {})
                sent = [o.item.rel for o in outcomes if o.ok and o.item.action is Action.UPLOAD]
                release = [f"{view.project.name}/{rel}" for rel in sent if rel in mine and mine[rel].who == ctx.user]
                report.unlocked = [r["path"] for r in locks.unlock(ctx, release) if r["state"] == "unlocked"]
            if direction == "push" and any(
                o.ok and o.item.action in (Action.UPLOAD, Action.DELETE_REMOTE) for o in outcomes
            ):
                summaries.append(view)
            if view.project.manifest_path.exists():
                to_commit.append(view.project.manifest_relpath)
        # every changed project's summary at once: one round trip, not one per project
        for problem in run_parallel(lambda view: _update_summary(ctx, view), summaries, 16):
            if problem:
                warn(problem)
    if direction == "push" and to_commit and commit and ctx.settings.auto_commit:
        names_text = ", ".join(r.project for r in result.reports)
        result.committed = commit_paths(ctx.root, to_commit, f"vam: push {names_text}")
    if direction == "push" and ctx.settings.notify:
        for report in result.reports:
            if report.changes:
                body = notify.message(ctx.brand, report.project, ctx.user, utc_now(), report.changes)
                for warning in notify.send(ctx.settings.notify, body):
                    warn(warning)
    return result


def _respect_locks(ctx: Context, held: dict[str, locks.Lock], items: list[FilePlan]) -> list[FilePlan]:
    """Uploads and deletes of files another person has locked become conflicts
    naming the holder (DESIGN §10); your own locks never block you."""

    def blocked(item: FilePlan) -> FilePlan:
        lock = held.get(item.rel)
        if lock is None or lock.who == ctx.user or item.action not in (Action.UPLOAD, Action.DELETE_REMOTE):
            return item
        why = f" ({lock.reason})" if lock.reason else ""
        text = f"locked by {lock.who} since {lock.since}{why}: not pushed; push when they unlock it"
        return replace(item, action=Action.CONFLICT, reason=text)

    return [blocked(i) for i in items]


CLEANED_UP = "cleaned up"  # the reason of an item settled on purpose (``_settle``)


def _settle(view: gather.View, items: list[FilePlan]) -> list[FilePlan]:
    """Items left alone because they are settled as status sees them: a file
    cleaned up on purpose (``cleanup``, a verified archive) keeps the plan's
    "nothing to do", with the reason ``cleaned up`` so that push and pull stay
    quiet about it as status does."""
    archived = mf.archived_md5s(view.manifest)

    def settled(item: FilePlan) -> bool:
        state, _ = file_state(item, view.manifest.files.get(item.rel), archived)
        return item.action is Action.NONE and state is FileState.CLEANED_UP

    return [replace(i, reason=CLEANED_UP) if settled(i) else i for i in items]


def _update_summary(ctx: Context, view: gather.View) -> str:
    """Rewrite the project's ``.metadata.json``; a problem comes back as a warning
    (it is a cache for the older tools: it never fails the push)."""
    try:
        record.update_metadata_json(ctx, view)
    except VamError as exc:
        return f"could not update .metadata.json: {exc.message}"
    return ""


def _changes(view: gather.View, outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """What a push did to S3, as the notification lists it (MD5s as hashed during
    the upload; a deleted object's from its listing or base record)."""
    out = []
    for o in outcomes:
        item = o.item
        if not o.ok or item.action not in (Action.UPLOAD, Action.DELETE_REMOTE):
            continue
        if item.action is Action.UPLOAD:
            version = view.local[item.rel]
            out.append({"path": item.rel, "size": version.size, "md5": version.md5, "action": "upload"})
        elif item.remote is not None:
            md5 = item.remote.md5 or (item.base.md5 if item.base else "")
            out.append({"path": item.rel, "size": item.remote.size, "md5": md5, "action": "delete"})
    return out
