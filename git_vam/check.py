"""The pre-commit check and the ``.gitignore`` rules (DESIGN §5).

Blocks staged files that are videos (by extension, case-insensitive), larger
than ``vam.maxFileSize`` (the staged blob's size), inside any ``s3-staging/``,
or named ``.video-tools.env``. Git LFS pointer files are allowed. Git is asked
once for every staged path and blob (``git diff --cached --raw -z``) and once
for the paths whose working-tree file differs from the index (``git
diff-files``); every other staged blob *is* its working-tree file, so its size
is one ``lstat``. Only the rest (changed since staging, videos, files over the
limit) are sized by one ``git cat-file --batch-check``, which costs a read of
each loose object. This path runs on every commit: it imports neither boto3 nor
rich.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from git_vam import git, gitignore
from git_vam.errors import UsageError
from git_vam.layout import ENV_FILE, STAGING_DIR

LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
LFS_POINTER_MAX = 1024  # a pointer file is ~130 bytes (git-lfs spec)


@dataclass(frozen=True)
class Blocked:
    """A staged path the commit must not contain, with why and what to do instead."""

    path: str
    size: int
    reason: str
    remedy: str


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    proc = git.run(root, *args, input=stdin, check=False)
    if proc.returncode != 0:
        raise UsageError(
            f"git {args[0]} failed: {proc.stderr.decode(errors='replace').strip()}",
            "Run this inside a git repository.",
        )
    return proc.stdout


def repo_root(cwd: Path) -> Path:
    """The working tree root around ``cwd``; UsageError outside a repository."""
    return Path(_git(cwd, "rev-parse", "--show-toplevel").decode().strip()).resolve()


def portability_warnings(root: Path, staged: list[str]) -> list[str]:
    """One line per staged path whose name breaks on macOS or Windows
    (``paths.portability``, judged against every path in the index)."""
    from git_vam.fs import printable
    from git_vam.paths import portability

    names = [p for p in _git(root, "ls-files", "-z").decode("utf-8", "replace").split("\0") if p]
    found = portability(names)
    return [f"{printable(p)}: {found[p]}; rename it so everyone can check it out" for p in staged if p in found]


def staged_blobs(root: Path) -> dict[str, str]:
    """``{path: blob sha}`` of files added, copied, modified or renamed in the index."""
    out = _git(root, "diff", "--cached", "--raw", "-z", "--no-renames", "--diff-filter=ACMR", "--no-abbrev")
    fields = out.split(b"\0")
    blobs: dict[str, str] = {}
    # Records are ":oldmode newmode oldsha newsha status\0path\0".
    for i in range(0, len(fields) - 1, 2):
        meta, path = fields[i], fields[i + 1]
        if not meta.startswith(b":"):
            continue
        parts = meta.split()
        if parts[1] == b"160000":  # a submodule: no blob here
            continue
        blobs[path.decode("utf-8", "surrogateescape")] = parts[3].decode()
    return blobs


class WorktreeChanged:
    """Paths whose working-tree file no longer matches the index (``git
    diff-files``, which compares stat data and, for racily clean entries,
    content). Started at once, read with ``result()``: git runs it while this
    process asks git for the staged blobs."""

    def __init__(self, root: Path) -> None:
        self._proc = git.popen(root, "diff-files", "--name-only", "-z")

    def result(self) -> set[str]:
        out, err = self._proc.communicate()
        if self._proc.returncode != 0:
            raise UsageError(f"git diff-files failed: {err.decode(errors='replace').strip()}")
        return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}


def staged_sizes(
    root: Path, blobs: dict[str, str], max_size: int, video_exts: tuple[str, ...], changed: set[str]
) -> dict[str, int]:
    """``{sha: size in bytes}`` of the staged blobs that ``judge`` needs sized exactly.

    A staged file whose working tree still matches the index has a blob of its
    working-tree size (no clean filter shrinks it below; Git LFS's makes it a
    pointer, which only makes it smaller), so files at or under ``max_size``
    are sized by ``lstat``; the rest go to ``git cat-file``. (The index's own
    size field is not used: it wraps at 4 GiB.)
    """
    sizes: dict[str, int] = {}
    ask: set[str] = set()
    top = f"{root}/"
    for path, sha in blobs.items():
        if path not in changed and extension(path) not in video_exts:
            try:
                st = os.lstat(top + path)
            except OSError:
                st = None
            if st is not None and (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)) and st.st_size <= max_size:
                sizes[sha] = st.st_size
                continue
        ask.add(sha)
    sizes.update(blob_sizes(root, sorted(ask)))
    return sizes


def blob_sizes(root: Path, shas: list[str]) -> dict[str, int]:
    """Sizes in bytes of ``shas``, from one ``git cat-file --batch-check``."""
    if not shas:
        return {}
    out = _git(root, "cat-file", "--batch-check=%(objectname) %(objectsize)", stdin="\n".join(shas).encode() + b"\n")
    sizes = {}
    for line in out.decode().splitlines():
        sha, _, size = line.partition(" ")
        if size.isdigit():
            sizes[sha] = int(size)
    return sizes


def lfs_pointers(root: Path, shas: list[str]) -> set[str]:
    """Which of ``shas`` (all small) are Git LFS pointer files; one ``git cat-file --batch``."""
    if not shas:
        return set()
    out = _git(root, "cat-file", "--batch", stdin="\n".join(shas).encode() + b"\n")
    found, pos = set(), 0
    while pos < len(out):
        header_end = out.index(b"\n", pos)
        sha, _, rest = out[pos:header_end].decode().partition(" ")
        size = int(rest.split()[-1]) if rest and rest.split()[-1].isdigit() else 0
        body = out[header_end + 1 : header_end + 1 + size]
        if body.startswith(LFS_POINTER):
            found.add(sha)
        pos = header_end + 1 + size + 1
    return found


def project_of(path: str) -> str:
    head, sep, _ = path.partition("/")
    return head if sep else "PROJECT"


def extension(path: str) -> str:
    """Lower-case extension of a POSIX path, without the dot (plain string work:
    this runs for every staged file)."""
    name = path.rpartition("/")[2]
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def judge(path: str, size: int, max_size: int, video_exts: tuple[str, ...], is_pointer: bool) -> Blocked | None:
    """Why ``path`` (staged, ``size`` bytes) must not be committed, or None."""
    parts = path.split("/")
    project = project_of(path)
    if parts[-1] == ENV_FILE:
        return Blocked(path, size, "personal settings and secrets", f"unstage it: git rm --cached {path}")
    if STAGING_DIR in parts[:-1]:
        return Blocked(
            path, size, "inside s3-staging/, which is shared through S3",
            f"unstage it (git rm --cached {path}) and run `git vam push {project}`",
        )  # fmt: skip
    if is_pointer:
        return None  # a Git LFS pointer: the video itself lives in LFS
    if extension(path) in video_exts:
        return Blocked(path, size, "a video file", _move_remedy(path, project))
    if size > max_size:
        return Blocked(
            path, size, f"larger than vam.maxFileSize ({max_size // 1024**2} MiB)", _move_remedy(path, project)
        )
    return None


def _move_remedy(path: str, project: str) -> str:
    # Moving the file is not enough: it stays staged until it is removed from the index.
    return f"unstage it (git rm --cached {path}), move it to {project}/{STAGING_DIR}/ and run `git vam push {project}`"
    return None


def check_staged(
    root: Path, max_size: int, video_exts: tuple[str, ...], only: list[str] | None = None
) -> list[Blocked]:
    """Every staged file that must not be committed. ``only`` limits the check to
    those paths (relative to ``root``, as the pre-commit framework passes them);
    a named path that is not staged is judged by its working-tree size."""
    changed = WorktreeChanged(root)
    blobs = staged_blobs(root)
    if only is not None:
        wanted = set(only)
        blobs = {p: s for p, s in blobs.items() if p in wanted}
        extra = sorted(wanted - set(blobs))
    else:
        extra = []
    sizes = staged_sizes(root, blobs, max_size, video_exts, changed.result())
    small_videos = [
        sha for path, sha in blobs.items() if extension(path) in video_exts and sizes.get(sha, 0) <= LFS_POINTER_MAX
    ]
    pointers = lfs_pointers(root, small_videos)
    blocked = []
    for path in sorted(blobs):
        sha = blobs[path]
        verdict = judge(path, sizes.get(sha, 0), max_size, video_exts, sha in pointers)
        if verdict:
            blocked.append(verdict)
    for path in extra:
        full = root / path
        if full.is_file():
            verdict = judge(path, full.stat().st_size, max_size, video_exts, _is_pointer_file(full))
            if verdict:
                blocked.append(verdict)
    return blocked


def _is_pointer_file(path: Path) -> bool:
    if path.stat().st_size > LFS_POINTER_MAX:
        return False
    return path.read_bytes().startswith(LFS_POINTER)


# -- .gitignore ----------------------------------------------------------------


def gitignore_samples(video_exts: tuple[str, ...], folders: list[str] | None = None) -> list[tuple[str, str]]:
    """Paths ``.gitignore`` must ignore, each with what it stands for: a generic
    project, then the same inside each of ``folders`` (every project folder and
    every folder with its own ``.gitignore``), where exceptions may hide."""
    samples = []
    for base in ["b65-project", *(folders or [])]:
        for ext in video_exts:
            samples += [
                (f"{base}/clip.{ext}", f"*.{ext} videos"),
                (f"{base}/final/cut.{ext}", f"*.{ext} videos in final/"),
                (f"{base}/final/cut.{ext.upper()}", f"*.{ext.upper()} videos in final/"),
            ]
        samples += [
            (f"{base}/{STAGING_DIR}/raw.mp4", "s3-staging/ folders"),
            (f"{base}/{STAGING_DIR}/notes/readme.txt", "everything inside s3-staging/"),
            (f"{base}/{ENV_FILE}", f"{ENV_FILE} in sub-folders"),
        ]
    samples += [(f"final/cut.{ext}", f"*.{ext} videos in final/") for ext in video_exts]
    samples.append((ENV_FILE, ENV_FILE))
    return samples


def check_gitignore(root: Path, video_exts: tuple[str, ...]) -> list[tuple[str, str]]:
    """Sample paths the repository fails to ignore, judged by git itself
    (``git check-ignore --no-index``: every ``.gitignore`` in the tree,
    ``.git/info/exclude``, ``core.excludesFile``, negations such as
    ``!b67/final/*.mp4``), in every project folder and every folder that has a
    ``.gitignore`` of its own."""
    from git_vam.projects import all_projects

    listed = git.run(root, "ls-files", "-z", "-co", "--exclude-standard", "--", ":(glob)**/.gitignore").stdout
    nested = {os.path.dirname(p.decode("utf-8", "replace")) for p in listed.split(b"\0") if p}
    folders = sorted(set(all_projects(root)) | {d for d in nested if d})
    # git refuses to judge a path beyond a symlink (a committed link is reported
    # by tracked_risks instead)
    samples = [s for s in gitignore_samples(video_exts, folders) if not _beyond_link(root, s[0])]
    # -v -n: one record per sample, "source NUL line NUL pattern NUL path NUL";
    # a pattern starting with "!" is an exception that un-ignores the path
    stdin = b"".join(s.encode() + b"\0" for s, _ in samples)
    proc = git.run(root, "check-ignore", "--no-index", "--stdin", "-z", "-v", "-n", input=stdin, check=False)
    if proc.returncode > 1:
        raise UsageError(
            f"git check-ignore failed: {proc.stderr.decode(errors='replace').strip()}",
            "Is this a git repository with a readable .gitignore?",
        )
    fields = proc.stdout.decode("utf-8", "replace").split("\0")
    verdict = {fields[i + 3]: fields[i : i + 3] for i in range(0, len(fields) - 3, 4)}
    missing = []
    for sample, what in samples:
        source, line, pattern = verdict.get(sample, ["", "", ""])
        if pattern.startswith("!"):
            missing.append((sample, f"{what}; un-ignored by {source}:{line}: {pattern}"))
        elif not pattern:
            missing.append((sample, what))
    return missing


def _beyond_link(root: Path, rel: str) -> bool:
    parts = rel.split("/")[:-1]
    return any(os.path.islink(root.joinpath(*parts[: i + 1])) for i in range(len(parts)))


def tracked_risks(root: Path) -> list[str]:
    """Paths git tracks inside (or as) an ``s3-staging`` folder, and tracked
    ``.video-tools.env`` files: git would overwrite the untracked files there on
    the next checkout, or hand someone's settings to everyone (DESIGN §6)."""
    proc = git.run(
        root, "ls-files", "-z", "--", f":(glob)**/{STAGING_DIR}", f":(glob)**/{STAGING_DIR}/**", f":(glob)**/{ENV_FILE}"
    )
    return sorted({p.decode("utf-8", "replace") for p in proc.stdout.split(b"\0") if p})


def fix_gitignore(root: Path, video_exts: tuple[str, ...]) -> bool:
    """Rewrite the managed block at the end of ``.gitignore`` so no earlier
    exception can override it. Returns True when the file changed."""
    return gitignore.write_block(root / ".gitignore", video_exts, at_end=True)
