"""Every git call git-vam makes, through one runner (pre-commit's ``git.py`` on
``cmd_output``): a failure becomes a GitError that says what to check.

Plain subprocesses, not GitPython, on the paths that run on every commit and
every hook (GitPython's import alone costs more than the call); GitPython is
used only here, only to commit, where its error type carries git's message.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from git_vam.errors import UsageError, VamError

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


TIER_MOVE = "vam: archive"  # the subject of every commit a tier move makes (DESIGN §8)


def last_commit_time(root: Path, path: str) -> int | None:
    """Committer time (UTC seconds) of the last commit that touched ``path``, not
    counting tier moves (subjects starting ``vam: archive``): moving a project is
    not activity, so it does not reset the project's idle age (DESIGN §8)."""
    text = out(root, "log", "-1", "--format=%ct", "--invert-grep", f"--grep=^{TIER_MOVE}", "--", path,
               check=False).strip()  # fmt: skip
    return int(text) if text.isdigit() else None


def tracked(root: Path, path: str) -> list[str]:
    """Every path git tracks under ``path`` (repository-relative, POSIX)."""
    data = run(root, "ls-files", "-z", "--", path, check=False).stdout
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


def commit_paths(root: Path, paths: list[str], message: str) -> bool:
    """Commit exactly ``paths`` (repository-relative), leaving other staged work alone.

    Returns False when none of them changed. Raises VamError when git refuses
    (no identity configured, a hook blocked the commit).
    """
    import git as gitpython

    try:
        repo = gitpython.Repo(root)
        repo.git.add("--", *paths)
        if not repo.git.status("--porcelain", "--", *paths).strip():
            return False
        # `git commit --only -- paths` commits just these paths' working-tree
        # content; whatever else is staged stays staged for the user's commit.
        repo.git.commit("--only", "-m", message, "--", *paths)
    except (gitpython.GitCommandError, gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError) as exc:
        detail = (getattr(exc, "stderr", "") or str(exc)).strip().splitlines()
        raise VamError(
            f"git could not commit the manifest: {detail[-1] if detail else exc}",
            "Fix that (e.g. `git config user.name` / `user.email`), then commit " + " ".join(paths) + " yourself.",
        ) from None
    return True


def set_config(root: Path, file: Path, key: str, value: str) -> None:
    """``git config -f FILE KEY VALUE`` (e.g. ``.vamconfig``, git-config syntax)."""
    run(root, "config", "-f", str(file), key, value)


def fork_point(root: Path, old: str, new: str) -> str:
    """Where the commits that came in start: the merge base of ``old`` and ``new``
    (after a rebase, the old upstream; after a merge, that of its two parents).

    Comparing from there rather than from ``old`` matters because every push
    commits the manifest from what S3 holds: a local manifest commit may already
    name a file a collaborator pushed, and the diff from ``old`` would miss it."""
    base = out(root, "merge-base", old, new, check=False).strip()
    if base == old:
        parents = out(root, "rev-list", "--parents", "-n1", new, check=False).split()[1:]
        if len(parents) == 2:  # a merge commit: what its other side brought in
            base = out(root, "merge-base", *parents, check=False).strip() or base
    return base or old


def rebase_in_progress(root: Path) -> bool:
    """Whether a rebase is stopped or replaying commits in this work tree."""
    return git_path(root, "rebase-merge").exists() or git_path(root, "rebase-apply").exists()


def unpushed_base(root: Path, commit: str) -> str:
    """The parent of the oldest commit in ``commit``'s history that no
    remote-tracking branch has (``""`` for a root commit: compare with nothing)."""
    oldest = out(root, "rev-list", "--reverse", commit, "--not", "--remotes", check=False).split()
    if not oldest:
        return commit
    return out(root, "rev-parse", "-q", "--verify", f"{oldest[0]}~1", check=False).strip()


def cannot_commit_here(root: Path) -> tuple[str, str] | None:
    """``(what is wrong, remedy)`` when a commit now would go astray: during a
    rebase, merge or cherry-pick that stopped, or on a detached HEAD (no branch
    would hold it); None when committing is fine."""
    for name, command in (("rebase-merge", "rebase"), ("rebase-apply", "rebase"), ("MERGE_HEAD", "merge"),
                          ("CHERRY_PICK_HEAD", "cherry-pick")):  # fmt: skip
        if git_path(root, name).exists():
            return (
                f"A git {command} is in progress; git vam would commit the manifest in the middle of it.",
                f"Finish it with `git {command} --continue` (or `git {command} --abort`), then push.",
            )
    if run(root, "symbolic-ref", "-q", "HEAD", check=False).returncode != 0:
        return (
            "HEAD is detached (no branch is checked out); the manifest commit would belong to no branch.",
            "Switch to your branch (`git switch main`), then push.",
        )
    return None
