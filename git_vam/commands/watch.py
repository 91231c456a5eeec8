"""``git vam watch``: keep the staging folders pulled until Ctrl-C (or one round
with ``--once``, for tests and cron). Prints one line per file a round brought."""

from __future__ import annotations

import time

from git_vam import output
from git_vam.context import Context
from git_vam.core.watch import PULLED, watch
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK, UsageError
from git_vam.fs import printable
from git_vam.units import human_size, parse_seconds


def run(
    ctx: Context, names: tuple[str, ...], *, use_all: bool, interval: str, once: bool, quiet: bool, as_json: bool
) -> int:
    """Watch the named projects (none: the one you are in; at the repository root
    or with ``--all``: every project). ``--once``: exit 1 when the round left
    something undone, as ``git vam pull`` would. Ctrl-C ends the watch with 0."""
    try:
        seconds = parse_seconds(interval)
    except ValueError as exc:
        raise UsageError(f"--interval: {exc}.", "Use e.g. --interval 60s or 5m.") from None
    targets = ctx.targets(names, use_all or (not names and ctx.cwd.resolve() == ctx.root))
    err = output.err()

    def warn(text: str) -> None:
        err.print(f"git vam: {printable(text)}", markup=False)

    if not once and not quiet and not as_json:
        shown = ", ".join(t.project.name for t in targets)
        err.print(f"Watching {printable(shown)} every {seconds} s; Ctrl-C stops.", markup=False)
    failed = rounds = False
    try:
        for result in watch(ctx, targets, output.reporter(quiet, as_json), interval=seconds, once=once, warn=warn):
            failed, rounds = result.failed(), True
            if as_json:
                output.print_json(
                    {"command": "watch", "ok": not failed, "projects": [r.to_json() for r in result.reports]}
                )
                continue
            stamp = time.strftime("%H:%M:%S")
            for report in result.reports:
                for o in report.outcomes:
                    if o.item.action in PULLED or not o.ok:
                        size = f" ({human_size(o.bytes)})" if o.bytes else ""
                        line = f"{stamp} {report.project}/{o.item.rel}{size}: {o.message}"
                        output.out().print(printable(line), markup=False)
                for note in report.notes:
                    warn(f"{report.project}: {note}")
    except KeyboardInterrupt:
        return EXIT_OK
    if once and not rounds and as_json:
        output.print_json({"command": "watch", "ok": True, "projects": []})
    elif once and not rounds and not quiet:
        err.print("Nothing new on S3.", markup=False)
    return EXIT_INCOMPLETE if once and failed else EXIT_OK
