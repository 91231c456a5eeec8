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

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from git_vam import git
from git_vam.git import EMPTY_TREE, ZERO
from git_vam.hooks import LEGACY, hooks_dir
from git_vam.layout import MANIFEST_GLOB


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
        prev, new, flag = (args + ["", "", "1"])[:3]
        if flag == "0" or rebase_in_progress(root):
            return 0  # a file checkout, or a rebase replaying commits
        return auto_pull(root, prev, new)
    if name == "post-rewrite":
        return auto_pull(root, "ORIG_HEAD", "HEAD") if args[:1] == ["rebase"] else 0
    if name == "auto-pull":  # the pre-commit framework's post-merge / post-checkout / post-rewrite stages
        if os.environ.get("PRE_COMMIT_REWRITE_COMMAND") is not None:
            return auto_pull(root, "ORIG_HEAD", "HEAD") if os.environ["PRE_COMMIT_REWRITE_COMMAND"] == "rebase" else 0
        if os.environ.get("PRE_COMMIT_CHECKOUT_TYPE") is not None:
            if os.environ["PRE_COMMIT_CHECKOUT_TYPE"] == "0" or rebase_in_progress(root):
                return 0
            return auto_pull(root, os.environ.get("PRE_COMMIT_FROM_REF", ""), os.environ.get("PRE_COMMIT_TO_REF", ""))
        return auto_pull(root, "ORIG_HEAD", "HEAD")
    print(f"git vam: unknown hook {name!r}", file=sys.stderr)
    return 2


def rebase_in_progress(root: Path) -> bool:
    return git.git_path(root, "rebase-merge").exists() or git.git_path(root, "rebase-apply").exists()


def pre_commit(root: Path) -> int:
    from git_vam.commands import check

    return check.run_staged(root, None)


def fork_point(root: Path, old: str, new: str) -> str:
    """Where the commits that came in start: the merge base of ``old`` and ``new``
    (after a rebase, the old upstream; after a merge, that of its two parents).

    Comparing from there rather than from ``old`` matters because every push
    commits the manifest from what S3 holds: a local manifest commit may already
    name a file a collaborator pushed, and the diff from ``old`` would miss it."""
    base = git.out(root, "merge-base", old, new, check=False).strip()
    if base == old:
        parents = git.out(root, "rev-list", "--parents", "-n1", new, check=False).split()[1:]
        if len(parents) == 2:  # a merge commit: what its other side brought in
            base = git.out(root, "merge-base", *parents, check=False).strip() or base
    return base or old


def changed_manifests(root: Path, old: str, new: str) -> list[str]:
    """Manifest paths that differ between commits ``old`` and ``new`` (one git call)."""
    return git.changed_paths(root, old, new, MANIFEST_GLOB)


def manifest_at(root: Path, commit: str, path: str) -> dict[str, Any]:
    """The manifest JSON at ``commit:path``, ``{}`` when absent or unreadable."""
    text = git.show(root, commit, path)
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def changed_entries(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Live entries of ``new`` that are absent from ``old`` or have another MD5."""
    before = old.get("files") or {}
    out = {}
    for rel, entry in (new.get("files") or {}).items():
        if not isinstance(entry, dict) or entry.get("deleted"):
            continue
        prev = before.get(rel)
        if not isinstance(prev, dict) or prev.get("deleted") or prev.get("md5") != entry.get("md5"):
            out[rel] = entry
    return out


def auto_pull(root: Path, old_ref: str, new_ref: str) -> int:
    """Download the staging files whose manifest entries changed from ``old_ref``
    to ``new_ref``. Always returns 0: a hook must never fail the git command."""
    try:
        _warn_tracked(root)
        old, new = git.resolve(root, old_ref), git.resolve(root, new_ref)
        if not old or not new or old == new:
            return 0
        old = fork_point(root, old, new)
        paths = changed_manifests(root, old, new)
        if not paths:
            return 0  # the common case: no network, no heavy imports
        wanted = {p.split("/")[0]: changed_entries(manifest_at(root, old, p), manifest_at(root, new, p)) for p in paths}
        wanted = {project: entries for project, entries in wanted.items() if entries}
        if not wanted:
            return 0
        from git_vam.commands import autopull

        autopull.run(root, wanted)
    except Exception as exc:  # noqa: BLE001 - a hook must never break git
        print(f"git vam: could not pull staging files ({exc}); run `git vam pull --all` later.", file=sys.stderr)
    return 0


def _warn_tracked(root: Path) -> None:
    """One line per tracked s3-staging path or .video-tools.env (DESIGN §6)."""
    from git_vam.check import tracked_risks
    from git_vam.fs import printable

    for path in tracked_risks(root):
        print(
            f"git vam: warning: git tracks {printable(path)}; checkouts may overwrite local staging files "
            "(run `git vam check --gitignore`).",
            file=sys.stderr,
        )


def pre_push(root: Path, stdin: str) -> int:
    """Make sure S3 holds every manifest entry the pushed commits name."""
    lines = [line.split() for line in stdin.splitlines() if line.strip()]
    if not lines and os.environ.get("PRE_COMMIT_TO_REF"):  # the pre-commit framework passes refs in env
        lines = [["", os.environ["PRE_COMMIT_TO_REF"], "", os.environ.get("PRE_COMMIT_FROM_REF", ZERO)]]
    wanted: dict[str, dict[str, dict[str, Any]]] = {}
    for fields in lines:
        if len(fields) < 4 or fields[1] == ZERO:
            continue  # a branch deletion pushes no content
        local, remote = fields[1], fields[3]
        base = git.resolve(root, remote) if remote != ZERO else ""
        if not base:
            base = _merge_base_with_remotes(root, local) or EMPTY_TREE
        for path in changed_manifests(root, base, local):
            entries = changed_entries(manifest_at(root, base, path), manifest_at(root, local, path))
            if entries:
                wanted.setdefault(path.split("/")[0], {}).update(entries)
    if not wanted:
        return 0
    from git_vam.commands import prepush

    return prepush.run(root, wanted)


def _merge_base_with_remotes(root: Path, commit: str) -> str:
    """The parent of the oldest commit in ``commit``'s history that no
    remote-tracking branch has ("" for a root commit: compare with nothing)."""
    oldest = git.out(root, "rev-list", "--reverse", commit, "--not", "--remotes", check=False).split()
    if not oldest:
        return commit
    return git.out(root, "rev-parse", "-q", "--verify", f"{oldest[0]}~1", check=False).strip()
