"""The ``git vam`` command line (click). Each command turns its options into
keyword arguments for one core function and exits with the int it returns.

Exit codes: 0 done; 1 not everything done; 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from git_vam import __version__
from git_vam.errors import EXIT_USAGE, VamError
from git_vam.fs import printable

F = Callable[..., Any]

COMPLETE_VAR = "_GIT_VAM_COMPLETE"


def common(f: F) -> F:
    """``--json``, ``-q`` and ``--debug`` on every command."""
    f = click.option("--debug", is_flag=True, hidden=False, help="Show tracebacks.")(f)
    f = click.option("-q", "--quiet", is_flag=True, help="Only report problems; no progress bars.")(f)
    f = click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")(f)
    return f


def complete_projects(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of a project name: the repository's project folders that
    start with what was typed (``git vam push b6<Tab>``); nothing outside one."""
    from git_vam import git
    from git_vam.projects import all_projects

    try:
        root, _ = git.locate()
        return [name for name in all_projects(root) if name.startswith(incomplete)]
    except (VamError, OSError):
        return []


def projects_args(f: F) -> F:
    f = click.option("--all", "use_all", is_flag=True, help="Every project with s3-staging/ or a manifest.")(f)
    f = click.argument("projects", nargs=-1, shell_complete=complete_projects)(f)
    return f


def jobs_option(f: F) -> F:
    what = "Parts of a big file in flight; small files: up to N × 16 MiB at once (vam.jobs)."
    return click.option("--jobs", "-j", type=click.IntRange(1, 64), help=what)(f)


def repo_context(jobs: int | None = None) -> Any:
    from git_vam.context import open_context

    return open_context(flags={"jobs": jobs})


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="git-vam")
def cli() -> None:
    """git vam: keep heavy video files out of git and share them through S3.

    Put the files to share in PROJECT/s3-staging/. `git vam push` uploads them and
    commits PROJECT/s3-staging.manifest.json; after `git pull`, `git vam pull`
    downloads what collaborators pushed. Nothing is ever overwritten silently:
    conflicts are reported (exit 1) and replaced local files go to .git/vam/trash/.

    Exit codes: 0 done, 1 not everything done, 2 usage or configuration error.
    """


# The commands register themselves on ``cli`` when their modules are imported.
from git_vam.cli import admin, sync  # noqa: E402, F401


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the command, turns errors into one-line messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    if COMPLETE_VAR in os.environ:  # click's shell completion: eval "$(_GIT_VAM_COMPLETE=bash_source git-vam)"
        return int(cli.main(args=args, prog_name="git-vam", complete_var=COMPLETE_VAR) or 0)
    debug = "--debug" in args or os.environ.get("VAM_DEBUG") == "1"
    try:
        result = cli.main(args=args, prog_name="git vam", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted. Run the same command again: transfers resume.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if exc.exit_code == 2 else exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except VamError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"git vam: {printable(exc.message)}", err=True)
        if exc.remedy:
            click.echo(f"  {printable(exc.remedy)}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted. Run the same command again: transfers resume.", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last-resort handler
        if debug:
            traceback.print_exc()
        log = _crash_log(exc)
        click.echo(f"git vam: unexpected error: {type(exc).__name__}: {printable(exc)}", err=True)
        click.echo(f"  Details in {log}; run with --debug to see the traceback.", err=True)
        return 1
    return int(result or 0)


def _crash_log(exc: Exception) -> str:
    """Write the traceback to ``.git/vam/crash.log`` (private to this clone, mode
    0600), never to a fixed path in a shared temp folder (DESIGN §6)."""
    from git_vam import git
    from git_vam.state import State

    git_dir = git.git_dir()
    if git_dir is None:
        return "(no crash log outside a repository)"
    path = State(git_dir).crash_log
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        return "(could not write a crash log)"
    return str(path)
