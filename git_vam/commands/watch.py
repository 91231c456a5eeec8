"""``git vam watch``: keep the staging folders pulled until Ctrl-C (or one round
with ``--once``, for tests and cron). Prints one line per file a round brought."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from types import FrameType

from git_vam import output
from git_vam.context import Context
from git_vam.core import service
from git_vam.core.watch import PULLED, watch
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK, UsageError
from git_vam.fs import printable
from git_vam.units import human_size, parse_seconds


class Stopper:
    """Ctrl-C (SIGINT) and a service manager's stop (SIGTERM) end the watch with
    exit 0. Between rounds they end it at once; during a round the first one
    lets the round finish, so that a file it brought is reported and nothing is
    half-written, and a second one stops it now (transfers resume later)."""

    def __init__(self, warn: Callable[[str], None]) -> None:
        self.requested = False
        self.sleeping = False
        self.warn = warn

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.sleeping or self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.warn("stopping after this round; press Ctrl-C again to stop now.")

    def sleep(self, seconds: float) -> None:
        self.sleeping = True
        try:
            if not self.requested:
                time.sleep(seconds)
        finally:
            self.sleeping = False

    def install(self) -> dict[int, object]:
        return {sig: signal.signal(sig, self.handler) for sig in (signal.SIGINT, signal.SIGTERM)}


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
    # every project (at the repository root, or --all): found again each round
    if use_all and names:
        raise UsageError("Name projects or use --all, not both.")
    every = use_all or (not names and ctx.cwd.resolve() == ctx.root)
    targets = None if every else ctx.targets(names, False)
    err = output.err()

    def warn(text: str) -> None:
        err.print(f"git vam: {printable(text)}", markup=False)

    if not once and not quiet and not as_json:
        shown = "every project" if targets is None else ", ".join(t.project.name for t in targets)
        err.print(f"Watching {printable(shown)} every {seconds} s; Ctrl-C stops.", markup=False)
    failed = rounds = False
    stopper = Stopper(warn)
    previous = stopper.install()
    try:
        for result in watch(
            ctx, targets, output.reporter(quiet, as_json), interval=seconds, once=once, warn=warn,
            sleep=stopper.sleep, stopping=lambda: stopper.requested,
        ):  # fmt: skip
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
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
    if once and not rounds and as_json:
        output.print_json({"command": "watch", "ok": True, "projects": []})
    elif once and not rounds and not quiet:
        err.print("Nothing new on S3.", markup=False)
    return EXIT_INCOMPLETE if once and failed else EXIT_OK


def run_service(ctx: Context, *, install: bool, interval: str, as_json: bool) -> int:
    """Write (or remove) this repository's watcher service and say how to run it."""
    try:
        seconds = parse_seconds(interval)
    except ValueError as exc:
        raise UsageError(f"--interval: {exc}.", "Use e.g. --interval 5m.") from None
    if install:
        found, there = service.install(ctx, seconds), True
    else:
        found, there = service.uninstall(ctx)
    start, stop = " ".join(found.start), " ".join(found.stop)
    if as_json:
        output.print_json({"kind": found.kind, "name": found.name, "file": str(found.path), "installed": install,
                           "was_there": there, "start": start, "stop": stop, "logs": found.logs})  # fmt: skip
        return EXIT_OK
    con = output.out()
    if not install:
        con.print(f"{'Removed' if there else 'No service file at'} {printable(found.path)}.", markup=False)
        if there:
            con.print(f"If it still runs, stop it:  {stop}", markup=False)
        return EXIT_OK
    con.print(f"Wrote the {found.kind} {'unit' if found.kind == 'systemd' else 'agent'} {printable(found.path)}",
              markup=False)  # fmt: skip
    con.print(f"  start (and at every login):  {start}", markup=False)
    con.print(f"  stop:                        {stop}", markup=False)
    con.print(f"  its log:                     {found.logs}", markup=False)
    if found.kind == "systemd":
        con.print("  to run it while you are logged out:  loginctl enable-linger $USER", markup=False)
    return EXIT_OK
