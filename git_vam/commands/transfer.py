"""``git vam push`` and ``git vam pull``: plan per project, then act, then report."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core.transfer import CLEANED_UP, ProjectReport, sync
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK
from git_vam.fs import printable
from git_vam.plan import Action, Direction

QUIET = ("in sync", CLEANED_UP)  # nothing to do, nothing to say (as status)
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


def run(
    ctx: Context,
    direction: Direction,
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
    unlock: bool = False,
) -> int:
    """Push or pull the named projects. Returns 0 when everything was done, 1 otherwise
    (a conflict, a failed transfer, a refused key or skipped file; with
    ``--check-only``: anything left to download)."""
    # pull at the repository root means every project (as `git lfs pull`); push asks
    at_root = not names and direction == "pull" and ctx.cwd.resolve() == ctx.root
    targets = ctx.targets(names, use_all or at_root, s3_only=direction == "pull", command=direction)
    result = sync(
        ctx, direction, targets, output.reporter(quiet, as_json), dry_run=dry_run or check_only, force=force,
        delete=delete, commit=not no_commit, unlock=unlock,
        warn=lambda text: output.err().print(f"git vam: {printable(text)}", markup=False),
    )  # fmt: skip
    reports, committed = result.reports, result.committed
    failed = result.failed(check_only)
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


DONE = {
    Action.UPLOAD: "uploaded",
    Action.DOWNLOAD: "downloaded",
    Action.DELETE_REMOTE: "deleted on S3",
    Action.DELETE_LOCAL: "moved to the trash",
    Action.CONFLICT_COPY: "saved beside a local change",
    Action.RECORD: "recorded as in sync",
}


def summarize(report: ProjectReport) -> str:
    """``2 uploaded, 1 deleted on S3, 1 conflict``: every action counted, nothing
    said as ``0 …``; ``nothing to do`` when nothing happened."""
    counts: dict[str, int] = {}
    for o in report.outcomes:
        if o.item.action is Action.NONE and o.item.reason in QUIET:
            continue
        what = DONE.get(o.item.action) if o.ok and o.item.action is not Action.CONFLICT_COPY else None
        what = what or ("conflict" if o.item.is_conflict else "not done" if not o.ok else "left as is")
        counts[what] = counts.get(what, 0) + 1
    return ", ".join(f"{n} {what}" for what, n in counts.items()) or "nothing to do"


def _print(reports: list[ProjectReport], direction: Direction, dry: bool, committed: bool, quiet: bool) -> None:
    con = output.out()
    for r in reports:
        lines: list[str] = []
        if dry:
            for p in r.planned:
                if p.action is Action.NONE and p.reason in QUIET:
                    continue
                verb = DRY.get(p.action, p.reason)
                detail = f" ({p.reason})" if p.action is not Action.NONE and p.reason else ""
                lines.append(f"  {ICONS[p.action]} {p.rel}: {verb}{detail}")
        else:
            for o in r.outcomes:
                if o.item.action is Action.NONE and o.item.reason in QUIET:
                    continue
                if quiet and o.ok:
                    continue
                size = f" ({output.human_size(o.bytes)})" if o.bytes else ""
                lines.append(f"  {ICONS[o.item.action]} {o.item.rel}{size}: {o.message}")
        lines += [f"  ! {n}" for n in r.notes]
        if not lines:
            lines.append("  everything in sync")
        summary = f"{r.project}: {summarize(r)}" if not dry else f"{r.project} (dry run)"
        con.print(summary, markup=False)
        for line in lines:
            con.print(printable(line), markup=False)
    if committed:
        con.print("Committed the manifest; share it with `git push`.")
