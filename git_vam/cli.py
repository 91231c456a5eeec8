"""The ``git vam`` command line (click). Each command turns its options into
keyword arguments for one core function and exits with the int it returns.

Exit codes: 0 done; 1 not everything done; 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
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


def projects_args(f: F) -> F:
    f = click.option("--all", "use_all", is_flag=True, help="Every project with s3-staging/ or a manifest.")(f)
    f = click.argument("projects", nargs=-1)(f)
    return f


def jobs_option(f: F) -> F:
    return click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Parallel transfers (vam.jobs).")(f)


def _context(jobs: int | None = None) -> Any:
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


@cli.command()
@click.option("--bucket", help="S3 bucket shared by the team.")
@click.option("--endpoint", help="S3 endpoint URL (for S3-compatible servers).")
@click.option("--prefix", help="Key prefix for staging files (default staging/).")
@click.option("--region", help="Bucket region (default us-east-1).")
@common
def init(
    bucket: str | None, endpoint: str | None, prefix: str | None, region: str | None, as_json: bool, **_: Any
) -> int:
    """Write .vamconfig and the managed .gitignore block, install the hooks (idempotent)."""
    from git_vam.commands import init as cmd

    return cmd.run(Path.cwd(), bucket=bucket, endpoint=endpoint, prefix=prefix, region=region, as_json=as_json)


@cli.command()
@projects_args
@click.option("--dry-run", "-n", is_flag=True, help="Show what would happen; change nothing.")
@click.option("--force", is_flag=True, help="Resolve conflicts by uploading the local version.")
@click.option("--delete", is_flag=True, help="Delete on S3 the files you deleted locally (recorded as tombstones).")
@click.option("--no-commit", is_flag=True, help="Update the manifest but do not commit it.")
@jobs_option
@common
def push(
    projects: tuple[str, ...],
    use_all: bool,
    dry_run: bool,
    force: bool,
    delete: bool,
    no_commit: bool,
    jobs: int | None,
    quiet: bool,
    as_json: bool,
    **_: Any,
) -> int:
    """Upload new and changed staging files, then update and commit the manifest.

    PROJECT is a folder name or a unique prefix (b65); none means the project you are in.
    PROJECT/PATH (or a path inside the project folder) limits it to that file or folder
    of s3-staging/.
    """
    from git_vam.commands import transfer

    return transfer.run(
        _context(jobs),
        "push",
        projects,
        use_all=use_all,
        dry_run=dry_run,
        force=force,
        delete=delete,
        no_commit=no_commit,
        quiet=quiet,
        as_json=as_json,
    )


@cli.command()
@projects_args
@click.option("--dry-run", "-n", is_flag=True, help="Show what would happen; change nothing.")
@click.option("--check-only", is_flag=True, help="Report what would download; exit 1 if anything would.")
@click.option("--force", is_flag=True, help="Resolve conflicts by taking S3's version (yours goes to the trash).")
@click.option("--delete", is_flag=True, help="Move to the trash local files that were deleted on S3.")
@jobs_option
@common
def pull(
    projects: tuple[str, ...],
    use_all: bool,
    dry_run: bool,
    check_only: bool,
    force: bool,
    delete: bool,
    jobs: int | None,
    quiet: bool,
    as_json: bool,
    **_: Any,
) -> int:
    """Download new and changed files from S3 into s3-staging/.

    A full project name that exists only on S3 (pushed, manifest not yet pulled) works too.

    PROJECT is a folder name or a unique prefix (b65); none means the project you are in.
    PROJECT/PATH (or a path inside the project folder) limits it to that file or folder
    of s3-staging/.
    """
    from git_vam.commands import transfer

    return transfer.run(
        _context(jobs),
        "pull",
        projects,
        use_all=use_all,
        dry_run=dry_run,
        check_only=check_only,
        force=force,
        delete=delete,
        quiet=quiet,
        as_json=as_json,
    )


@cli.command()
@projects_args
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything is not in sync.")
@common
def status(projects: tuple[str, ...], use_all: bool, exit_code: bool, as_json: bool, **_: Any) -> int:
    """Local vs S3 vs last sync, per file, with who uploaded when and what to run next.

    PROJECT is a folder name or a unique prefix (b65); none means the project you are in.
    PROJECT/PATH (or a path inside the project folder) limits it to that file or folder
    of s3-staging/.
    """
    from git_vam.commands import status as cmd

    return cmd.run(_context(), projects, use_all=use_all, exit_code=exit_code, as_json=as_json)


@cli.command()
@click.argument("project")
@click.option("--confirm", is_flag=True, help="Really delete (without it, only list).")
@click.option("--archive", is_flag=True, help="Copy each object to the archive prefix (server-side) before deleting.")
@click.option("--force", is_flag=True, help="Also delete objects that have no other copy (kept in the S3 trash first).")
@click.option("--no-commit", is_flag=True, help="Record the deletions in the manifest but do not commit.")
@common
def cleanup(project: str, confirm: bool, archive: bool, force: bool, no_commit: bool, as_json: bool, **_: Any) -> int:
    """Delete a finished project's staging objects on S3 (never local files).

    Without --confirm it only lists what would go. An object is deleted only where
    another copy exists (your local file, a verified archive, or --archive's copy);
    the others are kept and reported (exit 1) unless --force.
    """
    from git_vam.commands import cleanup as cmd

    return cmd.run(
        _context(), project, confirm=confirm, archive=archive, force=force, no_commit=no_commit, as_json=as_json
    )


@cli.command()
@click.argument("files", nargs=-1)
@click.option(
    "--gitignore", is_flag=True, help="Check that .gitignore ignores videos, s3-staging/ and .video-tools.env."
)
@click.option("--fix", is_flag=True, help="With --gitignore: rewrite the managed block at the end of .gitignore.")
@common
def check(files: tuple[str, ...], gitignore: bool, fix: bool, as_json: bool, quiet: bool, **_: Any) -> int:
    """The pre-commit check: block staged videos, big files, s3-staging/ and .video-tools.env.

    With FILEs, checks those (as the pre-commit framework passes them); without,
    every staged file. Git LFS pointer files are allowed.
    """
    from git_vam.commands import check as cmd

    return cmd.run(Path.cwd(), files, gitignore, fix, as_json=as_json, quiet=quiet)


@cli.command()
@click.option("--force", is_flag=True, help="Replace a hook even when a chained copy already exists.")
@common
def install(force: bool, as_json: bool, **_: Any) -> int:
    """Install the git hooks (pre-commit, pre-push, post-merge, post-checkout).

    An existing hook is kept and chained (run first), never clobbered.
    """
    from git_vam import git, hooks

    return _report(hooks.install(git.root_of(git.open_repo()), force=force), as_json)


@cli.command()
@common
def uninstall(as_json: bool, **_: Any) -> int:
    """Remove the git hooks; a hook they had chained is put back."""
    from git_vam import git, hooks

    return _report(hooks.uninstall(git.root_of(git.open_repo())), as_json)


def _report(lines: list[str], as_json: bool) -> int:
    if as_json:
        from git_vam import output

        output.print_json({"actions": lines})
    else:
        for line in lines:
            click.echo(line)
    return 0


@cli.command()
@projects_args
@click.option("--check", "check_only", is_flag=True, help="Exit 1 when a manifest disagrees with S3 (for CI).")
@common
def manifest(projects: tuple[str, ...], use_all: bool, check_only: bool, as_json: bool, **_: Any) -> int:
    """Rebuild manifests from S3 (the object metadata is the truth).

    PROJECT is a folder name or a unique prefix (b65); none means the project you are in.
    """
    from git_vam.commands import manifest_cmd

    return manifest_cmd.run(_context(), projects, use_all=use_all, check=check_only, as_json=as_json)


@cli.command(hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook(name: str, args: tuple[str, ...]) -> int:
    """Run hook NAME (called by the installed shims and the pre-commit framework)."""
    from git_vam.commands import hook as cmd

    return cmd.run(name, list(args))


@cli.command("merge-manifest", hidden=True)
@click.argument("base", type=click.Path())
@click.argument("ours", type=click.Path())
@click.argument("theirs", type=click.Path())
@click.argument("path", default="")
def merge_manifest(base: str, ours: str, theirs: str, path: str) -> int:
    """git merge driver for s3-staging.manifest.json (%O %A %B %P)."""
    from git_vam.commands import merge_driver

    return merge_driver.run(Path(base), Path(ours), Path(theirs), path)


@cli.command()
@click.argument("target", metavar="PROJECT/FILE")
@click.option("--expires", default="7d", show_default=True, help="How long the URL works (30m, 12h, 7d; at most 7d).")
@common
def share(target: str, expires: str, as_json: bool, **_: Any) -> int:
    """Print a presigned download URL for a staging file (for people without AWS access)."""
    from git_vam.commands import share as cmd

    return cmd.run(_context(), target, expires=expires, as_json=as_json)


@cli.command()
@common
def doctor(as_json: bool, **_: Any) -> int:
    """Check git, hooks, .gitignore, settings, credentials, bucket rights and clock skew."""
    from git_vam.commands import doctor as cmd

    return cmd.run(Path.cwd(), as_json=as_json)


@cli.command()
@click.option("-o", "--output", "out_file", type=click.Path(dir_okay=False), help="Where to write the HTML page.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option("--all-brands", type=click.Path(file_okay=False), help="Every brand repository in this folder.")
@common
def dashboard(out_file: str | None, open_browser: bool, all_brands: str | None, as_json: bool, **_: Any) -> int:
    """Write a self-contained HTML page of all projects: sync state, archive, sizes, costs."""
    from git_vam.commands import dashboard as cmd

    return cmd.run(Path.cwd(), out_file=out_file, open_browser=open_browser, all_brands=all_brands, as_json=as_json)


@cli.command()
@click.option("--apply", is_flag=True, help="Add or update git-vam's rules; other rules are kept.")
@common
def lifecycle(apply: bool, as_json: bool, **_: Any) -> int:
    """Show (and with --apply, merge in) the bucket rules: staging expiry, abort stale uploads, archive to Glacier."""
    from git_vam.commands import lifecycle_cmd

    return lifecycle_cmd.run(_context(), apply=apply, as_json=as_json)


@cli.command()
@common
def cost(as_json: bool, **_: Any) -> int:
    """Monthly cost estimate by prefix and storage class, from the bucket listing."""
    from git_vam.commands import cost as cmd

    return cmd.run(_context(), as_json=as_json)


@cli.command()
@click.argument("projects", nargs=-1)
@click.option("--older-than", help="Every project whose last commit is older than this (30d, 6mo, 1y).")
@click.option("--storage-class", type=click.Choice(["STANDARD", "STANDARD_IA", "GLACIER_IR", "GLACIER",
              "DEEP_ARCHIVE"], case_sensitive=False), default="GLACIER_IR", show_default=True)  # fmt: skip
@click.option("--delete-local", is_flag=True, help="After verification, remove heavy files (videos, big files) here.")
@click.option("--dry-run", "-n", is_flag=True, help="Show what would be archived; change nothing.")
@click.option("--no-commit", is_flag=True, help="Record the archive in the manifest but do not commit.")
@common
def archive(projects: tuple[str, ...], older_than: str | None, storage_class: str, delete_local: bool,
            dry_run: bool, no_commit: bool, as_json: bool, **_: Any) -> int:  # fmt: skip
    """Stream a tar of each project to the archive prefix, verify it, record it in the manifest."""
    from git_vam.commands import archive as cmd

    return cmd.run_archive(
        _context(), projects, older_than=older_than, storage_class=storage_class.upper(),
        delete_local=delete_local, dry_run=dry_run, no_commit=no_commit, as_json=as_json,
    )  # fmt: skip


@cli.command()
@click.argument("project")
@click.option("--to", "to", type=click.Path(file_okay=False), help="Extract here instead of the project folder.")
@click.option("--tier", type=click.Choice(["Bulk", "Standard", "Expedited"]), default="Standard", show_default=True)
@click.option("--check-status", is_flag=True, help="Only report a Glacier restore's state (download when ready).")
@click.option("--force", is_flag=True, help="Overwrite different existing files (they go to the trash).")
@common
def restore(project: str, to: str | None, tier: str, check_status: bool, force: bool, as_json: bool, **_: Any) -> int:
    """Bring an archived project back (Glacier classes: request a restore first)."""
    from git_vam.commands import archive as cmd

    return cmd.run_restore(
        _context(), project, to=to, tier=tier, check_status=check_status, force=force, as_json=as_json
    )


@cli.command()
@common
def trust(as_json: bool, **_: Any) -> int:
    """Accept the destination (endpoint, bucket, prefixes, region, SSE, notify) that .vamconfig now names.

    Shows what changed since this clone last used S3, in which commit and by whom.
    """
    from git_vam.commands import trust_cmd

    return trust_cmd.run(as_json=as_json)


@cli.command("config")
@common
def config_cmd(as_json: bool, **_: Any) -> int:
    """Print the effective settings and where each came from (secrets redacted)."""
    from git_vam.commands import config_cmd as cmd

    return cmd.run(_context(), as_json=as_json)


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

    git_dir = git.git_dir()
    if git_dir is None:
        return "(no crash log outside a repository)"
    path = git_dir / "vam" / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        return "(could not write a crash log)"
    return str(path)
