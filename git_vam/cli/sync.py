"""The commands that move files and manifests: init, push, pull, status, watch,
cleanup, manifest, share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from git_vam.cli import cli, common, complete_projects, jobs_option, projects_args, repo_context


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
@click.option("--unlock", is_flag=True, help="Then remove your locks on the files it uploaded.")
@jobs_option
@common
def push(
    projects: tuple[str, ...],
    use_all: bool,
    dry_run: bool,
    force: bool,
    delete: bool,
    no_commit: bool,
    unlock: bool,
    jobs: int | None,
    quiet: bool,
    as_json: bool,
    **_: Any,
) -> int:
    """Upload new and changed staging files, then update and commit the manifest.

    PROJECT is a folder name or a unique prefix (b65); none means the project you are in.
    PROJECT/PATH (or a path inside the project folder) limits it to that file or folder
    of s3-staging/. A file someone else has locked (`git vam lock`) is not pushed.
    """
    from git_vam.commands import transfer

    return transfer.run(
        repo_context(jobs),
        "push",
        projects,
        use_all=use_all,
        dry_run=dry_run,
        force=force,
        delete=delete,
        no_commit=no_commit,
        quiet=quiet,
        as_json=as_json,
        unlock=unlock,
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--reason", default="", help="Why (shown to the others), e.g. 'colour grade'.")
@common
def lock(paths: tuple[str, ...], reason: str, as_json: bool, **_: Any) -> int:
    """Lock PROJECT/PATH… so that no one else pushes over it while you edit it.

    The lock is an object on S3 created only if none exists (If-None-Match), so of
    two people locking at once exactly one wins. Exit 1 names who holds a lock
    already. Your own lock never blocks you; `git vam unlock` (or `push --unlock`)
    ends it.
    """
    from git_vam.commands import locks_cmd

    return locks_cmd.run_lock(repo_context(), paths, reason=reason, as_json=as_json)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Break another person's lock (says whose, tells vam.notify).")
@common
def unlock(paths: tuple[str, ...], force: bool, as_json: bool, **_: Any) -> int:
    """Remove your lock on PROJECT/PATH… (only while it is the lock you read)."""
    from git_vam.commands import locks_cmd

    return locks_cmd.run_unlock(repo_context(), paths, force=force, as_json=as_json)


@cli.command()
@projects_args
@common
def locks(projects: tuple[str, ...], use_all: bool, as_json: bool, **_: Any) -> int:
    """Every lock of the brand (or of PROJECT…): path, who, since when, why."""
    from git_vam.commands import locks_cmd

    return locks_cmd.run_locks(repo_context(), projects, as_json=as_json)


@cli.command()
@projects_args
@click.option("--dry-run", "-n", is_flag=True, help="Show what would happen; change nothing.")
@click.option("--check-only", is_flag=True, help="Report what would download; exit 1 if anything would.")
@click.option("--force", is_flag=True, help="Resolve conflicts by taking S3's version (yours goes to the trash).")
@click.option("--delete", is_flag=True, help="Move to the trash local files that were deleted on S3.")
@click.option("--version", "version", metavar="MD5|COMMIT",
              help="An earlier version `git vam log` lists, written beside the file as NAME.vMD5.EXT.")  # fmt: skip
@click.option("--to", "to", type=click.Path(file_okay=False), help="With --version: write it into DIR instead.")
@jobs_option
@common
def pull(
    projects: tuple[str, ...],
    use_all: bool,
    dry_run: bool,
    check_only: bool,
    force: bool,
    delete: bool,
    version: str | None,
    to: str | None,
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

    With --version MD5|COMMIT, PROJECT/PATH's earlier version comes back from wherever
    a copy is left (the current object, the S3 trash, an archive), verified by its MD5,
    beside the file (never over it) or into --to DIR.
    """
    from git_vam.commands import transfer

    if version or to:
        if not version or len(projects) != 1:
            raise click.UsageError("--version needs one PROJECT/PATH (and --to only goes with --version).")
        from git_vam.commands import versions_cmd

        return versions_cmd.run(repo_context(jobs), projects[0], version, to, as_json=as_json)
    return transfer.run(
        repo_context(jobs),
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
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything needs doing.")
@click.option("--offline", is_flag=True, help="No network: S3 as the committed manifest last recorded it.")
@common
def status(projects: tuple[str, ...], use_all: bool, exit_code: bool, offline: bool, as_json: bool, **_: Any) -> int:
    """Local vs S3 vs last sync, per file, with who uploaded when and what to run next.

    PROJECT is a folder name or a unique prefix (b65); none means the project you are in
    (at the repository root: every project). PROJECT/PATH (or a path inside the project
    folder) limits it to that file or folder of s3-staging/. Besides the sync states it
    shows conflict copies, partial transfers, archived projects and files cleaned up.
    """
    from git_vam.commands import status as cmd

    return cmd.run(repo_context(), projects, use_all=use_all, exit_code=exit_code, offline=offline,
                   as_json=as_json)  # fmt: skip


@cli.command()
@click.argument("project", shell_complete=complete_projects)
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
        repo_context(), project, confirm=confirm, archive=archive, force=force, no_commit=no_commit, as_json=as_json
    )


@cli.command()
@projects_args
@click.option("--check", "check_only", is_flag=True, help="Exit 1 when a manifest disagrees with S3 (for CI).")
@common
def manifest(projects: tuple[str, ...], use_all: bool, check_only: bool, as_json: bool, **_: Any) -> int:
    """Rebuild manifests from S3 (the object metadata is the truth).

    PROJECT is a folder name or a unique prefix (b65); none means the project you are in.
    """
    from git_vam.commands import manifest_cmd

    return manifest_cmd.run(repo_context(), projects, use_all=use_all, check=check_only, as_json=as_json)


@cli.command()
@click.argument("target", metavar="PROJECT/FILE")
@click.option("--expires", default="7d", show_default=True, help="How long the URL works (30m, 12h, 7d; at most 7d).")
@common
def share(target: str, expires: str, as_json: bool, **_: Any) -> int:
    """Print a presigned download URL for a staging file (for people without AWS access)."""
    from git_vam.commands import share as cmd

    return cmd.run(repo_context(), target, expires=expires, as_json=as_json)


@cli.command()
@projects_args
@click.option("--interval", default="60s", show_default=True, help="Time between rounds (30s, 5m, 1h).")
@click.option("--once", is_flag=True, help="One round, then exit (for cron and tests).")
@click.option("--install-service", is_flag=True,
              help="Write a per-user systemd unit (Linux) or launchd agent (macOS) running it here.")  # fmt: skip
@click.option("--uninstall-service", is_flag=True, help="Remove that unit or agent.")
@common
def watch(
    projects: tuple[str, ...], use_all: bool, interval: str, once: bool, install_service: bool,
    uninstall_service: bool, quiet: bool, as_json: bool, **_: Any,
) -> int:  # fmt: skip
    """Keep s3-staging/ pulled: every interval, one listing of S3, then the pull of what changed.

    Never deletes a local file and never overwrites a local change (a file changed on
    both sides gets S3's version saved beside it). Ctrl-C or SIGTERM stops it. At the
    repository root (or with --all) it watches every project. With vam.desktopNotify
    each arrival is also a desktop notification.

    --install-service makes it run by itself, for this repository, every --interval
    (prints how to start and stop it and where its log is).
    """
    from git_vam.commands import watch as cmd

    if install_service or uninstall_service:
        if install_service and uninstall_service or once or projects:
            raise click.UsageError("--install-service / --uninstall-service take only --interval.")
        return cmd.run_service(repo_context(), install=install_service, interval=interval, as_json=as_json)
    return cmd.run(repo_context(), projects, use_all=use_all, interval=interval, once=once, quiet=quiet,
                   as_json=as_json)  # fmt: skip


@cli.command()
@click.argument("projects", nargs=-1, metavar="[PROJECT[/PATH]]...")
@click.option("-n", "--max-count", "limit", type=click.IntRange(1), help="Only the last N manifest commits.")
@common
def log(projects: tuple[str, ...], limit: int | None, as_json: bool, **_: Any) -> int:
    """The history of staging files from the manifest's git history: each version's MD5,
    size, who uploaded or deleted it, when, and the commit. Newest first."""
    from git_vam.commands import log_cmd

    return log_cmd.run(repo_context(), projects, limit=limit, as_json=as_json)


@cli.command()
@projects_args
@click.option("--archive", is_flag=True, help="Also the project's archive objects.")
@common
def ls(projects: tuple[str, ...], use_all: bool, archive: bool, as_json: bool, **_: Any) -> int:
    """What S3 holds for the projects: staging files, size, uploader, time, and whether
    this clone has them (at the repository root: every project)."""
    from git_vam.commands import ls_cmd

    return ls_cmd.run(repo_context(), projects, use_all=use_all, archive=archive, as_json=as_json)
