"""Git hooks: install/uninstall the shims, and what each hook does (DESIGN §5).

The shims git runs are three lines of ``sh`` that call ``git-vam hook NAME``;
all logic is here, in Python. A foreign hook already in place is moved aside
to ``NAME.pre-vam`` and called first by ours (pre-commit's "legacy" scheme);
``uninstall`` puts it back. ``core.hooksPath`` is respected because the hooks
folder is asked of git (``git rev-parse --git-path hooks``).

- pre-commit: ``git vam check`` on the staged files.
- pre-push: every manifest entry in the commits being pushed must be on S3
  with its MD5; missing ones are uploaded from local staging; the push stops
  only when a file exists nowhere.
- post-merge, post-checkout: pull the staging files whose manifest entries
  changed between the old and the new commit. git takes post-checkout's exit
  status as checkout's own, so these always exit 0; with S3 down they warn once.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

HOOKS = ("pre-commit", "pre-push", "post-merge", "post-checkout")
MARKER = "# git-vam hook shim"
LEGACY = ".pre-vam"
MANIFEST_GLOB = "*/s3-staging.manifest.json"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
ZERO = "0" * 40
MERGE_DRIVER = "vam-manifest"
ATTRIBUTES_LINE = f"{MANIFEST_GLOB} merge={MERGE_DRIVER}"


def _git(root: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def hooks_dir(root: Path) -> Path:
    """The folder git runs hooks from (``core.hooksPath`` or ``.git/hooks``)."""
    return git_path(root, "hooks")


def shim_text(name: str) -> str:
    # The absolute interpreter is the fallback for GUI git clients whose PATH
    # lacks git-vam (pre-commit's INSTALL_PYTHON does the same).
    return (
        "#!/bin/sh\n"
        f"{MARKER}: installed by `git vam install`, removed by `git vam uninstall`.\n"
        "if command -v git-vam >/dev/null 2>&1; then\n"
        f'    exec git-vam hook {name} "$@"\n'
        "fi\n"
        f'exec "{sys.executable}" -m git_vam hook {name} "$@"\n'
    )


def is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def install(root: Path, *, force: bool = False) -> list[str]:
    """Install the four shims and the manifest merge driver; returns what was done.

    A foreign hook is kept as ``NAME.pre-vam`` and chained. Idempotent.
    """
    folder = hooks_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for name in HOOKS:
        path = folder / name
        legacy = folder / (name + LEGACY)
        text = shim_text(name)
        if path.exists() and not is_ours(path):
            if legacy.exists() and not force:
                done.append(f"{name}: kept; {legacy.name} already exists (use --force to replace the hook)")
                continue
            os.replace(path, legacy)
            done.append(f"{name}: installed; your existing hook now runs first from {legacy.name}")
        elif path.exists() and path.read_text(encoding="utf-8") == text:
            done.append(f"{name}: up to date")
            continue
        else:
            done.append(f"{name}: installed")
        path.write_text(text, encoding="utf-8", newline="\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    done.append(register_merge_driver(root))
    return done


def uninstall(root: Path) -> list[str]:
    """Remove our shims and put chained foreign hooks back. Never removes a foreign hook."""
    folder = hooks_dir(root)
    done = []
    for name in HOOKS:
        path = folder / name
        legacy = folder / (name + LEGACY)
        if path.exists() and is_ours(path):
            path.unlink()
            if legacy.exists():
                os.replace(legacy, path)
                done.append(f"{name}: removed; your previous hook is back")
            else:
                done.append(f"{name}: removed")
        elif path.exists():
            done.append(f"{name}: not ours, left alone")
    _git(root, "config", "--remove-section", f"merge.{MERGE_DRIVER}", check=False)
    return done


def register_merge_driver(root: Path) -> str:
    """``merge.vam-manifest.driver`` in ``.git/config`` and the ``.gitattributes`` line."""
    _git(root, "config", f"merge.{MERGE_DRIVER}.name", "git-vam manifest merge (file by file)")
    _git(root, "config", f"merge.{MERGE_DRIVER}.driver", "git-vam merge-manifest %O %A %B %P")
    attrs = root / ".gitattributes"
    text = attrs.read_text(encoding="utf-8") if attrs.exists() else ""
    if ATTRIBUTES_LINE in text.splitlines():
        return "merge driver: up to date"
    sep = "" if not text or text.endswith("\n") else "\n"
    attrs.write_text(text + sep + ATTRIBUTES_LINE + "\n", encoding="utf-8")
    return "merge driver: registered (commit .gitattributes to share it)"


# -- running hooks -------------------------------------------------------------


def run(name: str, args: list[str]) -> int:
    """Entry point of ``git-vam hook NAME ARGS``: chains a foreign hook, then ours."""
    if os.environ.get("VAM_SKIP_HOOKS") == "1":
        return 0
    root = Path(_git(Path.cwd(), "rev-parse", "--show-toplevel").strip())
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
    if name == "auto-pull":  # the pre-commit framework's post-merge / post-checkout stages
        if os.environ.get("PRE_COMMIT_CHECKOUT_TYPE") is not None:
            if os.environ["PRE_COMMIT_CHECKOUT_TYPE"] == "0" or rebase_in_progress(root):
                return 0
            return auto_pull(root, os.environ.get("PRE_COMMIT_FROM_REF", ""), os.environ.get("PRE_COMMIT_TO_REF", ""))
        return auto_pull(root, "ORIG_HEAD", "HEAD")
    print(f"git vam: unknown hook {name!r}", file=sys.stderr)
    return 2


def git_path(root: Path, name: str) -> Path:
    path = Path(_git(root, "rev-parse", "--git-path", name).strip())
    return path if path.is_absolute() else root / path


def rebase_in_progress(root: Path) -> bool:
    return git_path(root, "rebase-merge").exists() or git_path(root, "rebase-apply").exists()


def pre_commit(root: Path) -> int:
    from git_vam.commands import check

    return check.run_staged(root, None)


def changed_manifests(root: Path, old: str, new: str) -> list[str]:
    """Manifest paths that differ between commits ``old`` and ``new`` (one git call)."""
    out = _git(root, "diff", "--name-only", "-z", old, new, "--", MANIFEST_GLOB, check=False)
    return [p for p in out.split("\0") if p]


def manifest_at(root: Path, commit: str, path: str) -> dict[str, Any]:
    """The manifest JSON at ``commit:path``, ``{}`` when absent or unreadable."""
    if commit in ("", ZERO, EMPTY_TREE):
        return {}
    proc = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        return {}
    try:
        data = json.loads(proc.stdout)
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


def _resolve(root: Path, ref: str) -> str:
    if ref in ("", ZERO):
        return EMPTY_TREE
    out = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", ref + "^{commit}"], cwd=root, capture_output=True, text=True
    )
    return out.stdout.strip() if out.returncode == 0 else ""


def auto_pull(root: Path, old_ref: str, new_ref: str) -> int:
    """Download the staging files whose manifest entries changed from ``old_ref``
    to ``new_ref``. Always returns 0: a hook must never fail the git command."""
    try:
        _warn_tracked(root)
        old, new = _resolve(root, old_ref), _resolve(root, new_ref)
        if not old or not new or old == new:
            return 0
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
        base = _resolve(root, remote) if remote != ZERO else ""
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
    oldest = _git(root, "rev-list", "--reverse", commit, "--not", "--remotes", check=False).split()
    if not oldest:
        return commit
    return _git(root, "rev-parse", "-q", "--verify", f"{oldest[0]}~1", check=False).strip()
