"""Every read and write of staging, restore and trash files (DESIGN §6).

What arrives through git or S3 is untrusted, so a name from a key, a manifest,
a tar member or the command line goes through one validator (``safe_rel``),
and a path is opened relative to a checked directory without following links:

- ``real_dir`` refuses a folder that is a symlink (a committed
  ``PROJECT/s3-staging -> ../.git/hooks``) or any of whose components is one;
- ``open_dir`` walks a relative path one component at a time with
  ``O_NOFOLLOW | O_DIRECTORY`` directory descriptors, creating folders as
  needed, so no write lands outside the checked folder even if a link appears;
- ``place`` renames a verified file onto its final name inside that folder,
  never replacing a folder by a file (the conflict rule decides those);
- files are created ``0666`` less the umask, never executable.

Windows has no ``O_NOFOLLOW`` nor directory descriptors; there ``open_dir``
falls back to an ``lstat`` of every component (the same rule, with a race
window that a local attacker could use, not one arriving through git).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from git_vam.errors import VamError

FILE_MODE = 0o666  # less the umask (os.open applies it): never executable
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
HAS_DIR_FD = os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")

# Code points HFS+ ignores when comparing names: git's is_hfs_dotgit skips them,
# so ".g\u200cit" is ".git" on macOS (git: utf8.c next_hfs_char).
_HFS_IGNORED = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


class UnsafePath(VamError):
    """A name or folder that would lead outside the folder it must stay in."""


def is_dotgit(component: str) -> bool:
    """Whether git would treat ``component`` as ``.git`` on some file system.

    git's ``verify_path`` rules (read-tree.c / path.c): any letter case;
    NTFS drops trailing dots and spaces and knows the 8.3 alias ``git~1`` and
    alternate streams (``.git::$INDEX_ALLOCATION``); HFS+ ignores some
    zero-width code points.
    """
    name = _HFS_IGNORED.sub("", unicodedata.normalize("NFC", component)).lower()
    name = name.split(":", 1)[0].rstrip(". ")
    return name in (".git", "git~1")


def safe_rel(rel: str) -> str | None:
    """``rel`` as an NFC POSIX path that stays inside its folder, or None if unsafe.

    Unsafe (wherever the name comes from: S3 key, manifest, tar member, command
    line): empty; absolute; a drive letter; ``.``, ``..`` or empty components;
    backslashes; NUL or other control characters; any component git refuses to
    check out as ``.git`` (``is_dotgit``).
    """
    if not rel or rel.startswith("/") or "\\" in rel or _CONTROL.search(rel) or _DRIVE.match(rel):
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") or is_dotgit(p) for p in parts):
        return None
    return unicodedata.normalize("NFC", rel)


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """``text`` with every control character escaped (``\\x1b``), and every
    bidirectional formatting character (``\\u202e``: U+202A–U+202E,
    U+2066–U+2069, the "Trojan Source" trick that shows ``invoice\\u202e4pm.exe``
    as ``invoiceexe.mp4``), so a name or a value written by someone else can
    neither drive the terminal nor disguise itself (DESIGN §6)."""

    def escape(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(escape, str(text))


def real_dir(path: Path, below: Path) -> bool:
    """Whether ``path`` is a directory reached from ``below`` through real folders
    only (no component a symlink). ``below`` itself is trusted (the work tree)."""
    try:
        rel = path.relative_to(below)
    except ValueError:
        return False
    current = below
    for part in rel.parts:
        current = current / part
        try:
            st = os.lstat(current)
        except OSError:
            return False
        if not stat.S_ISDIR(st.st_mode):
            return False
    return True


def is_real_file(path: Path, below: Path) -> bool:
    """Whether ``path`` is a regular file (not a link) in a folder reached from
    ``below`` through real folders only (``real_dir``)."""
    return real_dir(path.parent, below) and path.is_file() and not path.is_symlink()


def check_folder(path: Path, below: Path, what: str) -> None:
    """Raise UnsafePath (exit 1) when ``path`` exists but is not a real folder
    under ``below`` (a symlink somewhere on the way, or a file)."""
    if not os.path.lexists(path):
        return
    if not real_dir(path, below):
        shown = printable(path.relative_to(below).as_posix()) if path.is_relative_to(below) else printable(path)
        raise UnsafePath(
            f"{shown} is a symlink or not a folder: refused ({what} must be a real folder).",
            "Replace it with a real folder (git may have checked out a link someone committed).",
        )


@contextmanager
def open_dir(base: Path, rel_dir: str, *, create: bool) -> Iterator[int | Path]:
    """A handle on folder ``base/rel_dir``, reached without following any link.

    Yields a directory file descriptor (POSIX) or, without ``dir_fd`` support,
    the checked Path. ``base`` must itself be a real folder (``check_folder``).
    Raises UnsafePath when a component is a link or a file, FileNotFoundError
    when it is missing and ``create`` is False.
    """
    parts = [p for p in rel_dir.split("/") if p]
    if not HAS_DIR_FD:  # pragma: no cover - Windows
        current = base
        for part in parts:
            current = current / part
            if create and not os.path.lexists(current):
                current.mkdir()
            if not real_dir(current, base):
                raise UnsafePath(f"{printable(rel_dir)}: a folder on the way is a link or a file: refused.")
        yield current
        return
    fd = os.open(base, _DIR_FLAGS)
    try:
        for part in parts:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
            try:
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                raise UnsafePath(
                    f"{printable(rel_dir)}: {printable(part)} on the way is a link or a file: refused."
                ) from None
            os.close(fd)
            fd = nxt
        yield fd
    finally:
        os.close(fd)


def _at(handle: int | Path, name: str) -> tuple[str | Path, dict[str, int]]:
    """``(path argument, dir_fd kwargs)`` for ``name`` inside an ``open_dir`` handle."""
    if isinstance(handle, int):
        return name, {"dir_fd": handle}
    return handle / name, {}


def lstat_at(handle: int | Path, name: str) -> os.stat_result | None:
    """``lstat`` of ``name`` in the folder, None when absent."""
    path, kw = _at(handle, name)
    try:
        return os.stat(path, follow_symlinks=False, **kw)
    except FileNotFoundError:
        return None


def create_file(handle: int | Path, name: str) -> int:
    """A new, empty file ``name`` in the folder, opened for writing: ``O_EXCL``
    and ``O_NOFOLLOW`` (never through a link), mode 0666 less the umask."""
    path, kw = _at(handle, name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, FILE_MODE, **kw)


def open_tmp(path: Path) -> int:
    """Open (creating) a partial download under ``.git/vam/tmp/`` for reading and
    writing, without following a link, 0666 less the umask."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, FILE_MODE)


def place(src: Path, base: Path, rel: str, *, keep: Path | None = None) -> bool:
    """Rename file ``src`` onto ``base/rel``; returns True when it replaced a file.

    ``base`` is a checked real folder (``check_folder``); ``rel`` a ``safe_rel``
    name. Folders on the way are created without following links. A file or
    link already at ``rel`` is first moved to ``keep`` (the trash) when given,
    else replaced; a folder there is never replaced: UnsafePath (the caller
    reports it as a conflict). The result is made 0666 less the umask.
    """
    folder, _, name = rel.rpartition("/")
    with open_dir(base, folder, create=True) as handle:
        st = lstat_at(handle, name)
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise UnsafePath(f"{printable(rel)} is a folder here: not replaced by a file.", "Rename the folder.")
        dest, kw = _at(handle, name)
        src_kw = {"src_dir_fd": kw["dir_fd"]} if kw else {}
        if st is not None and keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            try:
                # a hard link keeps the old version while the new one is renamed
                # over it: there is no moment without a file at ``rel``
                os.link(dest, keep, follow_symlinks=False, **src_kw)
            except (OSError, NotImplementedError):  # no hard links here (or on Windows): move it
                os.replace(dest, keep, **src_kw)
        os.chmod(src, FILE_MODE & ~umask())
        try:
            os.replace(src, dest, **({"dst_dir_fd": kw["dir_fd"]} if kw else {}))
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            _copy_across(src, handle, name)  # another disk (restore --to /Volumes/…)
    return st is not None


def _copy_across(src: Path, handle: int | Path, name: str) -> None:
    """Move ``src`` onto ``name`` in another file system's folder: copied under a
    temporary name there, fsynced, renamed, then ``src`` removed."""
    import shutil
    import uuid

    tmp_name = f".vam-tmp-{uuid.uuid4().hex}"
    fd = create_file(handle, tmp_name)
    tmp, kw = _at(handle, tmp_name)
    dest, _ = _at(handle, name)
    try:
        with open(src, "rb") as source, os.fdopen(fd, "wb") as copy:
            shutil.copyfileobj(source, copy, 8 * 1024**2)
            copy.flush()
            os.fsync(copy.fileno())
        os.replace(tmp, dest, **({"src_dir_fd": kw["dir_fd"], "dst_dir_fd": kw["dir_fd"]} if kw else {}))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, **kw)
        raise
    os.unlink(src)


def take(base: Path, rel: str, dest: Path) -> None:
    """Move ``base/rel`` (a file or link, never followed) to ``dest`` (the trash)."""
    folder, _, name = rel.rpartition("/")
    with open_dir(base, folder, create=False) as handle:
        st = lstat_at(handle, name)
        if st is None:
            raise FileNotFoundError(rel)
        if stat.S_ISDIR(st.st_mode):
            raise UnsafePath(f"{printable(rel)} is a folder: not moved.")
        src, kw = _at(handle, name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest, **({"src_dir_fd": kw["dir_fd"]} if kw else {}))


def open_read(base: Path, rel: str) -> int:
    """Open ``base/rel`` for reading without following a link anywhere on the way."""
    folder, _, name = rel.rpartition("/")
    with open_dir(base, folder, create=False) as handle:
        path, kw = _at(handle, name)
        return os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), **kw)


def save_hashed(source: Any, dest: Path, block: int = 8 * 1024**2) -> str:
    """Write everything ``source`` (a readable file object) gives into the new
    file ``dest`` (never an existing one), fsynced; returns its hex MD5."""
    import hashlib

    digest = hashlib.md5()
    with open(dest, "xb") as out:
        while chunk := source.read(block):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def discard_download(tmp: Path) -> None:
    """Remove a partial download under ``.git/vam/tmp/`` and its range record
    (``NAME.json``, see ``git_vam.s3.download``)."""
    tmp.unlink(missing_ok=True)
    tmp.with_name(tmp.name + ".json").unlink(missing_ok=True)


def extract_tar(tar_path: Path, into: Path) -> list[str]:
    """Extract the tar at ``tar_path`` into the new, empty folder ``into``; returns
    the regular files written (``safe_rel`` names), in archive order.

    Only regular files and folders are created, each opened relative to its
    parent without following links (``O_NOFOLLOW``, ``O_EXCL``), mode 0666 less
    the umask, mtime kept. Link, device and fifo members, names ``safe_rel``
    refuses and repeated names raise UnsafePath naming the member: then nothing
    of the archive may be used (the caller removes ``into``). This does not rely
    on ``tarfile``'s extraction filters, whose behaviour depends on the Python
    version (CVE-2025-4517 bypassed the "data" filter).
    """
    import tarfile

    into.mkdir(parents=True, exist_ok=False)
    files: list[str] = []
    with tarfile.open(tar_path, "r:") as tar:
        for member in tar:
            name = member.name[:-1] if member.name.endswith("/") else member.name
            rel = safe_rel(name)
            kind = "folder" if member.isdir() else "file" if member.isreg() else "link or special file"
            if rel is None or kind == "link or special file":
                why = "its name would lead outside the target" if rel is None else f"it is a {kind}"
                raise UnsafePath(f"Refused to restore: member {printable(member.name)!r}: {why}.")
            folder, _, leaf = rel.rpartition("/")
            if member.isdir():
                with open_dir(into, rel, create=True):
                    continue
            with open_dir(into, folder, create=True) as handle:
                try:
                    fd = create_file(handle, leaf)
                except FileExistsError:
                    raise UnsafePath(f"Refused to restore: member {printable(rel)!r} appears twice.") from None
                with os.fdopen(fd, "wb") as out:
                    source = tar.extractfile(member)
                    assert source is not None  # a regular member always has data
                    while chunk := source.read(1024**2):
                        out.write(chunk)
                    out.flush()
                    if os.utime in os.supports_fd:
                        with contextlib.suppress(OSError, OverflowError, ValueError):
                            os.utime(out.fileno(), (member.mtime, member.mtime))
            files.append(rel)
    return files


@functools.lru_cache(maxsize=1)
def umask() -> int:
    """The process umask, read once (``os.umask`` can only be read by setting it,
    which must not happen while worker threads create files)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


umask()  # read while the process has one thread
