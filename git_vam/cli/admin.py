"""The commands around the transfers: hooks and checks, archive, the bucket,
settings, trust, and the team's views (log, ls, trash)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from git_vam.cli import cli, common, complete_projects, repo_context
from git_vam.layout import STORAGE_CLASSES


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
@click.option("--global", "is_global", is_flag=True, help="Once per machine: every later clone gets the hooks.")
@common
def install(force: bool, is_global: bool, as_json: bool, **_: Any) -> int:
    """Install the git hooks (pre-commit, pre-push, post-merge, post-checkout, post-rewrite).

    An existing hook is kept and chained (run first), never clobbered. With --global
    (once per machine, like `git lfs install`) the hooks go into git's template folder
    (init.templateDir), so every later `git clone` of a brand repository has them and
    fetches its staging files; they do nothing in a repository without .vamconfig.
    """
    from git_vam import git, hooks

    if is_global:
        return _report(hooks.install_global(), as_json)
    return _report(hooks.install(git.locate()[0], force=force), as_json)


@cli.command()
@click.option("--global", "is_global", is_flag=True, help="Undo `install --global` (clones keep their hooks).")
@common
def uninstall(is_global: bool, as_json: bool, **_: Any) -> int:
    """Remove the git hooks; a hook they had chained is put back."""
    from git_vam import git, hooks

    if is_global:
        return _report(hooks.uninstall_global(), as_json)
    return _report(hooks.uninstall(git.locate()[0]), as_json)


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

    return lifecycle_cmd.run(repo_context(), apply=apply, as_json=as_json)


@cli.command()
@click.option("--admin", is_flag=True, help="Add the lifecycle actions (`git vam lifecycle --apply`).")
@common
def policy(admin: bool, as_json: bool, **_: Any) -> int:
    """Print the least-privilege IAM policy for one person's IAM user: the S3 actions
    git-vam uses, on this brand's prefixes (the policy JSON on stdout)."""
    from git_vam.commands import policy_cmd

    return policy_cmd.run(repo_context(), admin=admin, as_json=as_json)


@cli.command()
@click.argument("projects", nargs=-1, shell_complete=complete_projects)
@click.option("--all", "use_all", is_flag=True, help="Every project (the default when none is named).")
@click.option(
    "--apply", "do_apply", is_flag=True, help="Make the moves the policy names (for cron; exit 1 if one failed)."
)
@click.option("--notify", is_flag=True, help="Post the summary to vam.notify.")
@common
def tiers(projects: tuple[str, ...], use_all: bool, do_apply: bool, notify: bool, as_json: bool, **_: Any) -> int:
    """Where each project is: local (full/light/absent), SSD, S3 staging, S3 archive
    (class, Glacier retrieval), idle age, and the next move the policy would make.

    The policy (DESIGN §8): idle ≥ vam.ssdAfter (90d) → a verified SSD copy, heavy
    files removed here; idle ≥ vam.archiveAfter (180d) → an S3 archive (SSD-only
    files read from the drive); an SSD copy that a verified S3 archive holds whole,
    vam.ssdRetentionDays (90) after it → removed. Nothing removes a last copy.
    Tier moves do not count as activity.
    """
    from git_vam.commands import tiers as cmd

    return cmd.run(repo_context(), () if use_all else projects, apply=do_apply, notify=notify, as_json=as_json)


@cli.command()
@click.option("--scenarios", "with_scenarios", is_flag=True,
              help="Add the roadmap's three: all Standard, all Deep Archive, the tier policy's hybrid.")  # fmt: skip
@common
def cost(with_scenarios: bool, as_json: bool, **_: Any) -> int:
    """Monthly cost estimate by prefix and storage class, from the bucket listing.

    With vam.budget (USD per month) set, an estimate over it is a warning.
    """
    from git_vam.commands import cost as cmd

    return cmd.run(repo_context(), as_json=as_json, with_scenarios=with_scenarios)


@cli.command()
@click.argument("projects", nargs=-1)
@click.option("--older-than", help="Every project whose last commit is older than this (30d, 6mo, 1y).")
@click.option("--storage-class", type=click.Choice(STORAGE_CLASSES, case_sensitive=False), default="GLACIER_IR",
              show_default=True)  # fmt: skip
@click.option("--delete-local", is_flag=True, help="After verification, remove heavy files (videos, big files) here.")
@click.option("--dry-run", "-n", is_flag=True, help="Show what would be archived; change nothing.")
@click.option("--no-commit", is_flag=True, help="Record the archive in the manifest but do not commit.")
@click.option("--force", is_flag=True, help="Archive again even when the newest archive holds the current content.")
@click.option("--to", "to", type=click.Choice(["s3", "ssd"]), default="s3", show_default=True,
              help="s3: a tar in the archive prefix; ssd: a verified copy at vam.ssdBase (SSD_BASE).")  # fmt: skip
@common
def archive(projects: tuple[str, ...], older_than: str | None, storage_class: str, delete_local: bool,
            dry_run: bool, no_commit: bool, force: bool, to: str, as_json: bool, **_: Any) -> int:  # fmt: skip
    """Stream a tar of each project to the archive prefix, verify it, record it in the manifest.

    A project whose newest archive already holds its current content is skipped
    (the line names that archive) unless --force.

    With --to ssd every file of the project folder is copied to {ssdBase}/{project}/,
    each fsynced, re-read and checked by MD5 before it counts; the copy is recorded
    in the manifest, and --delete-local then removes the heavy files it holds.
    """
    from git_vam.commands import archive as cmd

    if to == "ssd":
        return cmd.run_archive_ssd(
            repo_context(), projects, older_than=older_than, delete_local=delete_local, dry_run=dry_run,
            no_commit=no_commit, as_json=as_json,
        )  # fmt: skip
    return cmd.run_archive(
        repo_context(), projects, older_than=older_than, storage_class=storage_class.upper(),
        delete_local=delete_local, dry_run=dry_run, no_commit=no_commit, force=force, as_json=as_json,
    )  # fmt: skip


@cli.command()
@click.argument("project", shell_complete=complete_projects)
@click.option("--to", "to", type=click.Path(file_okay=False),
              help="Extract here, not in the project (DIR is created); ssd: {ssdBase}/{project}/.")  # fmt: skip
@click.option("--from", "source", type=click.Choice(["s3", "ssd"]), default="s3", show_default=True,
              help="s3: the newest archive; ssd: the verified copy on the drive at vam.ssdBase.")  # fmt: skip
@click.option("--tier", type=click.Choice(["Bulk", "Standard", "Expedited"]), default="Standard", show_default=True)
@click.option("--check-status", is_flag=True, help="Only report a Glacier restore's state (download when ready).")
@click.option("--force", is_flag=True, help="Overwrite different existing files (they go to the trash).")
@click.option("--wait", is_flag=True, help="Glacier classes: request, ask again every --interval until ready, "
              "download, and post to vam.notify.")  # fmt: skip
@click.option("--interval", default="10m", show_default=True, help="With --wait: how often to ask S3 (30s, 1h).")
@common
def restore(project: str, to: str | None, source: str, tier: str, check_status: bool, force: bool, wait: bool,
            interval: str, as_json: bool, **_: Any) -> int:  # fmt: skip
    """Bring an archived project back (Glacier classes: request a restore first).

    --from ssd copies the drive's files back, each checked against the manifest's
    MD5 (a file that rotted on the drive is named and not restored, exit 1); paths
    git tracks are never written. --to ssd restores the S3 archive onto the drive
    (`--to ./ssd` for a folder named ssd).
    """
    from git_vam.commands import archive as cmd

    if source == "ssd":
        if to:
            raise click.UsageError("--from ssd restores into the project folder; --to is for the S3 archive.")
        return cmd.run_restore_ssd(repo_context(), project, force=force, as_json=as_json)
    if wait and (check_status or to == "ssd"):
        raise click.UsageError("--wait restores into the project or --to DIR; not with --check-status or --to ssd.")
    return cmd.run_restore(
        repo_context(), project, to=to, tier=tier, check_status=check_status, force=force, as_json=as_json,
        wait=interval if wait else None,
    )  # fmt: skip


@cli.command()
@common
def trust(as_json: bool, **_: Any) -> int:
    """Accept the destination (endpoint, bucket, prefixes, region, SSE, notify) that .vamconfig now names.

    Shows what changed since this clone last used S3, in which commit and by whom.
    """
    from git_vam.commands import trust_cmd

    return trust_cmd.run(as_json=as_json)


@cli.command("config")
@click.argument("key", required=False)
@click.argument("value", required=False)
@click.option("--team", is_flag=True, help="Write to .vamconfig (tracked: the team's settings), not your git config.")
@common
def config_cmd(key: str | None, value: str | None, team: bool, as_json: bool, **_: Any) -> int:
    """Print the effective settings and where each came from (secrets redacted).

    KEY prints one setting. KEY VALUE sets it after checking the value: in this clone's
    git config, or with --team in .vamconfig (personal keys, such as vam.user, vam.jobs
    and vam.maxBandwidth, never go there). vam.notify adds one more webhook each time.
    """
    from git_vam.commands import config_cmd as cmd

    if value is not None:
        return cmd.set_value(repo_context(), key or "", value, team=team, as_json=as_json)
    if team:
        raise click.UsageError("--team needs KEY VALUE.")
    return cmd.run(repo_context(), as_json=as_json, only=key)


def _report(lines: list[str], as_json: bool) -> int:
    if as_json:
        from git_vam import output

        output.print_json({"actions": lines})
    else:
        for line in lines:
            click.echo(line)
    return 0


@cli.group(invoke_without_command=True)
@click.option("--remote", is_flag=True, help="The S3 trash ({stagingPrefix}.vam-trash/) instead of the local one.")
@click.pass_context
def trash(click_ctx: click.Context, remote: bool) -> int | None:
    """The local trash (.git/vam/trash/): every local file git-vam replaced or removed.

    With --remote, the S3 trash: the versions that push --delete, push --force
    and cleanup --force kept on S3, until the expiry rule removes them.
    Without a subcommand: the same as `git vam trash [--remote] list`.
    """
    click_ctx.obj = {"remote": remote}
    if click_ctx.invoked_subcommand is None:
        from git_vam.commands import trash_cmd

        return trash_cmd.run_list(repo_context(), as_json=False, remote=remote)
    return None


@trash.command("list")
@common
@click.pass_context
def trash_list(click_ctx: click.Context, /, as_json: bool, **_: Any) -> int:
    """What is in the trash: id (with --remote: the S3 key), file, size, and why."""
    from git_vam.commands import trash_cmd

    return trash_cmd.run_list(repo_context(), as_json=as_json, remote=click_ctx.obj["remote"])


@trash.command("restore")
@click.argument("path", metavar="[ID/]PROJECT/PATH | KEY")
@click.option("--force", is_flag=True, help="Replace the file that is there now (it goes to the trash).")
@common
@click.pass_context
def trash_restore(click_ctx: click.Context, /, path: str, force: bool, as_json: bool, **_: Any) -> int:
    """Put a trashed file back into PROJECT/s3-staging/ (its newest copy, or the one ID names).

    With --remote: copy the version KEY back to its staging key on S3, only where
    that key is free or holds the same content (never over a newer version).
    """
    from git_vam.commands import trash_cmd

    if click_ctx.obj["remote"]:
        return trash_cmd.run_restore_remote(repo_context(), path, as_json=as_json)
    return trash_cmd.run_restore(repo_context(), path, force=force, as_json=as_json)


@trash.command("empty")
@click.option("--older-than", help="Only what went in longer ago than this (30d, 2w, 6mo).")
@click.option("--dry-run", "-n", is_flag=True, help="Show what would be deleted; delete nothing.")
@common
@click.pass_context
def trash_empty(click_ctx: click.Context, /, older_than: str | None, dry_run: bool, as_json: bool, **_: Any) -> int:
    """Delete trashed files for good and free the space."""
    from git_vam.commands import trash_cmd

    if click_ctx.obj["remote"]:
        raise click.UsageError(
            "The S3 trash empties itself: the staging expiry rule (vam.lifecycleDays, `git vam lifecycle`)."
        )
    return trash_cmd.run_empty(repo_context(), older_than, dry_run=dry_run, as_json=as_json)


# git's own completion calls _git_vam for `git vam …` (bash) and _git-vam (zsh);
# both hand the words, minus the leading "git", to click's completion of git-vam.
GIT_ADAPTER = {
    "bash": """
_git_vam() {
    local COMP_WORDS=(git-vam "${COMP_WORDS[@]:2}")
    local COMP_CWORD=$((COMP_CWORD - 1))
    _git_vam_completion git-vam
}
""",
    "zsh": """
_git-vam() {
    words=(git-vam "${(@)words[2,-1]}")
    _git_vam_completion
}
""",
}


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> int:
    """Print the completion script for SHELL: `eval "$(git vam completion bash)"` in ~/.bashrc.

    It completes both `git-vam …` and `git vam …` (through git's own completion).
    """
    from click.shell_completion import get_completion_class

    from git_vam.cli import COMPLETE_VAR

    cls = get_completion_class(shell)
    assert cls is not None  # the three choices are click's own
    click.echo(cls(cli, {}, "git-vam", COMPLETE_VAR).source() + GIT_ADAPTER.get(shell, ""))
    return 0


@cli.command("help")
@click.argument("command", required=False)
@click.pass_context
def help_(ctx: click.Context, command: str | None) -> int:
    """The help of git vam, or of COMMAND: the same text as `--help`.

    (`git vam --help` is git's: it opens the man page, `man git-vam`.)
    """
    parent = ctx.parent
    assert parent is not None  # a subcommand of the group
    if command is None:
        click.echo(parent.get_help(), color=ctx.color)
        return 0
    found = cli.get_command(parent, command)
    if found is None:
        raise click.UsageError(f"No such command {command!r}.", parent)
    with click.Context(found, info_name=command, parent=parent) as sub:
        click.echo(found.get_help(sub), color=ctx.color)
    return 0
