"""Every git call git-vam makes, through one runner (pre-commit's ``git.py`` on
``cmd_output``): a failure becomes a GitError that says what to check.

Plain subprocesses, not GitPython, on the paths that run on every commit and
every hook (GitPython's import alone costs more than the call); GitPython is
used only to commit, where its error type carries git's message.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from git_vam.errors import UsageError, VamError

if TYPE_CHECKING:
    import git as gitpython

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's well-known empty tree
ZERO = "0" * 40  # git's "no commit" in hook arguments


class GitError(VamError):
    """git refused or could not be run; the remedy says what to check (exit 2)."""

    exit_code = 2


def run(
    cwd: Path | None, *args: str, input: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``cwd`` with its output captured (bytes). With ``check``
    a non-zero exit raises GitError naming git's last line of complaint."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH).", "Install git, then run this again.") from None
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(
            f"git {args[0]} failed: {detail[-1] if detail else f'exit {proc.returncode}'}",
            "Is git installed, and are you in a git repository?",
        )
    return proc


def out(cwd: Path | None, *args: str, check: bool = True) -> str:
    """The text git printed for ``git ARGS`` (UTF-8, undecodable bytes replaced)."""
    return run(cwd, *args, check=check).stdout.decode("utf-8", "replace")


def popen(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    """``git ARGS`` started in the background, its output captured."""
    return subprocess.Popen(["git", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def locate(cwd: Path | None = None) -> tuple[Path, Path]:
    """``(work tree root, git dir)`` of the repository around ``cwd``, from one
    ``git rev-parse``. Raises UsageError outside a repository or in a bare one."""
    proc = run(cwd or Path.cwd(), "rev-parse", "--is-bare-repository", "--absolute-git-dir", "--show-toplevel",
               check=False)  # fmt: skip
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if lines[:1] == ["true"]:
        raise UsageError("This is a bare repository.", "Run git vam in a clone with a working tree.")
    if len(lines) == 2:
        raise UsageError("This is inside the .git folder.", "Run git vam in the repository's working tree.")
    if proc.returncode != 0 or len(lines) < 3:
        raise UsageError(
            "Not inside a git repository.",
            "Run git vam inside a brand repository (e.g. v-appydave/), or `git init` one first.",
        )
    return Path(lines[2]).resolve(), Path(lines[1])


def git_dir(cwd: Path | None = None) -> Path | None:
    """The absolute git dir around ``cwd``, None outside a repository."""
    proc = run(cwd, "rev-parse", "--absolute-git-dir", check=False)
    text = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return Path(text) if proc.returncode == 0 and text else None


def git_path(root: Path, name: str) -> Path:
    """``git rev-parse --git-path NAME``: right in linked worktrees and with
    ``core.hooksPath``."""
    path = Path(out(root, "rev-parse", "--git-path", name).strip())
    return path if path.is_absolute() else root / path


def user_name(root: Path) -> str | None:
    """git's ``user.name`` for the repository at ``root``, None when unset."""
    proc = run(root, "config", "user.name", check=False)
    return proc.stdout.decode("utf-8", "replace").strip() or None if proc.returncode == 0 else None


def resolve(root: Path, ref: str) -> str:
    """The commit ``ref`` names; the empty tree for "no commit" (``""`` or zeros);
    ``""`` when it names nothing."""
    if ref in ("", ZERO):
        return EMPTY_TREE
    proc = run(root, "rev-parse", "--verify", "-q", ref + "^{commit}", check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else ""


def show(root: Path, commit: str, path: str) -> str | None:
    """The text of ``commit:path``, None when absent."""
    if commit in ("", ZERO, EMPTY_TREE):
        return None
    proc = run(root, "show", f"{commit}:{path}", check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def changed_paths(root: Path, old: str, new: str, pathspec: str) -> list[str]:
    """Paths matching ``pathspec`` that differ between commits ``old`` and ``new``."""
    text = out(root, "diff", "--name-only", "-z", old, new, "--", pathspec, check=False)
    return [p for p in text.split("\0") if p]


def last_commit_time(root: Path, path: str) -> int | None:
    """Committer time (UTC seconds) of the last commit that touched ``path``."""
    text = out(root, "log", "-1", "--format=%ct", "--", path, check=False).strip()
    return int(text) if text.isdigit() else None


def open_repo(cwd: Path | None = None) -> gitpython.Repo:
    """GitPython's view of the repository containing ``cwd`` (to commit); raises
    UsageError (exit 2) outside one or in a bare one."""
    import git as gitpython

    try:
        repo = gitpython.Repo(cwd or Path.cwd(), search_parent_directories=True)
    except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError):
        raise UsageError(
            "Not inside a git repository.",
            "Run git vam inside a brand repository (e.g. v-appydave/), or `git init` one first.",
        ) from None
    if repo.bare or repo.working_tree_dir is None:
        raise UsageError("This is a bare repository.", "Run git vam in a clone with a working tree.")
    return repo


def root_of(repo: gitpython.Repo) -> Path:
    assert repo.working_tree_dir is not None
    return Path(repo.working_tree_dir).resolve()


def commit_paths(repo: gitpython.Repo, paths: list[str], message: str) -> bool:
    """Commit exactly ``paths`` (repository-relative), leaving other staged work alone.

    Returns False when none of them changed. Raises VamError when git refuses
    (no identity configured, a hook blocked the commit).
    """
    import git as gitpython

    try:
        repo.git.add("--", *paths)
        if not repo.git.status("--porcelain", "--", *paths).strip():
            return False
        # `git commit --only -- paths` commits just these paths' working-tree
        # content; whatever else is staged stays staged for the user's commit.
        repo.git.commit("--only", "-m", message, "--", *paths)
    except gitpython.GitCommandError as exc:
        detail = (exc.stderr or str(exc)).strip().splitlines()
        raise VamError(
            f"git could not commit the manifest: {detail[-1] if detail else exc}",
            "Fix that (e.g. `git config user.name` / `user.email`), then commit " + " ".join(paths) + " yourself.",
        ) from None
    return True
