"""``git-vam hook NAME``: what each installed hook does (DESIGN §5), as
pre-commit's ``hook_impl``; one entry point for raw git hooks and the
pre-commit framework.

- pre-commit: ``git vam check`` on the staged files.
- pre-push: every manifest entry in the commits being pushed must be on S3
  with its MD5; missing ones are uploaded from local staging; the push stops
  only when a file exists nowhere.
- post-merge, post-checkout: pull the staging files whose manifest entries
  changed between the old and the new commit. git takes post-checkout's exit
  status as checkout's own, so these always exit 0; with S3 down they warn once.
- post-rewrite: after a rebase (``git pull --rebase``), the same pull for what
  the rebase brought in (``ORIG_HEAD`` → ``HEAD``); nothing after an amend.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from git_vam import git
from git_vam.core import autopull, verify
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK
from git_vam.fs import printable
from git_vam.git import ZERO
from git_vam.hooks import LEGACY, hooks_dir
from git_vam.units import human_size


def run(name: str, args: list[str]) -> int:
    """Entry point of ``git-vam hook NAME ARGS``: chains a foreign hook, then ours."""
    if os.environ.get("VAM_SKIP_HOOKS") == "1":
        return 0
    root, _ = git.locate(Path.cwd())
    # git gives pre-push its refs on stdin; the pre-commit framework gives them in
    # PRE_COMMIT_* variables instead (and its stdin may never close: don't read it).
    reads_stdin = name == "pre-push" and "PRE_COMMIT_TO_REF" not in os.environ
    stdin = sys.stdin.buffer.read() if reads_stdin and sys.stdin is not None and not sys.stdin.isatty() else b""
    legacy = hooks_dir(root) / (name + LEGACY)
    if legacy.exists() and os.access(legacy, os.X_OK):
        rc = subprocess.run([str(legacy), *args], input=stdin, cwd=root).returncode
        if rc != 0 and name in ("pre-commit", "pre-push"):
            return rc
    if name == "pre-commit":
        return pre_commit(root)
    if name == "pre-push":
        return pre_push(root, stdin.decode())
    if name == "post-merge":
        return auto_pull(root, "ORIG_HEAD", "HEAD")
    if name == "post-checkout":
        _pull_strategy(root)  # a clone made with `install --global`'s template gets it here
        prev, new, flag = (args + ["", "", "1"])[:3]
        if flag == "0" or git.rebase_in_progress(root):
            return 0  # a file checkout, or a rebase replaying commits
        return auto_pull(root, prev, new)
    if name == "post-rewrite":
        return auto_pull(root, "ORIG_HEAD", "HEAD") if args[:1] == ["rebase"] else 0
    if name == "auto-pull":  # the pre-commit framework's post-merge / post-checkout / post-rewrite stages
        if os.environ.get("PRE_COMMIT_REWRITE_COMMAND") is not None:
            return auto_pull(root, "ORIG_HEAD", "HEAD") if os.environ["PRE_COMMIT_REWRITE_COMMAND"] == "rebase" else 0
        if os.environ.get("PRE_COMMIT_CHECKOUT_TYPE") is not None:
            if os.environ["PRE_COMMIT_CHECKOUT_TYPE"] == "0" or git.rebase_in_progress(root):
                return 0
            return auto_pull(root, os.environ.get("PRE_COMMIT_FROM_REF", ""), os.environ.get("PRE_COMMIT_TO_REF", ""))
        return auto_pull(root, "ORIG_HEAD", "HEAD")
    print(f"git vam: unknown hook {name!r}", file=sys.stderr)
    return 2


def _pull_strategy(root: Path) -> None:
    """``hooks.ensure_pull_strategy``, said in one line. Never fails."""
    from git_vam import hooks

    try:
        done = hooks.ensure_pull_strategy(root)
    except Exception:  # noqa: BLE001 - a hook must never break git
        return
    if done:
        say(done)


def pre_commit(root: Path) -> int:
    from git_vam.commands import check

    return check.run_staged(root, None)


def say(text: str) -> None:
    print(f"git vam: {printable(text)}", file=sys.stderr)


def auto_pull(root: Path, old_ref: str, new_ref: str) -> int:
    """Download the staging files whose manifest entries changed from ``old_ref``
    to ``new_ref``. Always returns 0: a hook must never fail the git command."""
    try:
        _warn_tracked(root)
        wanted = autopull.arrived(root, old_ref, new_ref)
        if wanted:  # else the common case: no network, no heavy imports
            _pull(root, wanted)
    except Exception as exc:  # noqa: BLE001 - a hook must never break git
        say(f"could not pull staging files ({exc}); run `git vam pull --all` later.")
    return 0


def _pull(root: Path, wanted: autopull.Wanted) -> None:
    from git_vam import output
    from git_vam.context import open_context
    from git_vam.errors import VamError

    ctx = open_context(root, quick=True)
    names = " ".join(sorted(wanted))
    if not ctx.settings.auto_pull:
        say(f"new staging files in {names}; run `git vam pull {names}` (vam.autoPull is off)")
        return
    try:
        result = autopull.auto_pull(ctx, wanted, output.reporter(False, False))
    except VamError as exc:
        say(f"could not pull staging files: {exc.message} Run `git vam pull {names}` later.")
        return
    for report in result.reports:
        name = report.project
        for note in report.notes:
            say(f"{name}: {note}")
        pulled = [o for o in report.outcomes if o.ok]
        if pulled:
            say(f"pulled {len(pulled)} file(s) into {name}/s3-staging/ ({human_size(sum(o.bytes for o in pulled))})")
        for o in report.outcomes:
            if not o.ok:
                say(f"{name}/{o.item.rel}: {o.message}")
        for i in report.too_big:
            size = human_size(i.remote.size if i.remote else 0)
            say(f"{name}/{i.rel} ({size}) is over vam.autoPullMaxSize; run `git vam pull {name}`")


def _warn_tracked(root: Path) -> None:
    """One line per tracked s3-staging path or .video-tools.env (DESIGN §6)."""
    from git_vam.check import tracked_risks

    for path in tracked_risks(root):
        say(
            f"warning: git tracks {path}; checkouts may overwrite local staging files "
            "(run `git vam check --gitignore`)."
        )


def pre_push(root: Path, stdin: str) -> int:
    """Make sure S3 holds every manifest entry the pushed commits name; 1 (stop the
    push) only when some exist nowhere."""
    refs = [(f[1], f[3]) for f in (line.split() for line in stdin.splitlines()) if len(f) >= 4]
    if not refs and os.environ.get("PRE_COMMIT_TO_REF"):  # the pre-commit framework passes refs in env
        refs = [(os.environ["PRE_COMMIT_TO_REF"], os.environ.get("PRE_COMMIT_FROM_REF", ZERO))]
    wanted = verify.pushed_entries(root, refs)
    if not wanted:
        return EXIT_OK
    from git_vam.context import open_context
    from git_vam.errors import VamError

    try:
        ctx = open_context(root, quick=True)  # bounded in time (DESIGN §5)
        with ctx.state:
            missing = verify.ensure_on_s3(ctx, wanted, say)
    except VamError as exc:
        # Unverifiable is not "exists nowhere": warn and let the push go.
        say(f"could not check S3 before the push: {exc.message}")
        return EXIT_OK
    for path in missing:
        say(f"{path}: named by the manifest you are pushing, but neither on S3 nor in your s3-staging/")
    if missing:
        say("push stopped. Put the files back and run `git vam push`, or push anyway with VAM_SKIP_HOOKS=1 git push.")
        return EXIT_INCOMPLETE
    return EXIT_OK
