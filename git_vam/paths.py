"""Names inside ``s3-staging/``: the rules that keep keys and local paths safe.

Keys are POSIX paths in Unicode NFC (DESIGN §4), so a name typed on macOS
(NFD) and on Linux or Windows map to one key. A remote key that would land
outside ``s3-staging/`` is refused, and the local scan never follows a symlink
out of the folder.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from git_vam.fs import safe_rel
from git_vam.layout import METADATA_JSON

__all__ = [
    "OS_JUNK", "Skipped", "conflict_name", "is_conflict_copy", "is_version_copy", "portability", "safe_rel", "scan",
    "version_name",
]  # fmt: skip

# Files the operating system drops into folders; never shared.
OS_JUNK = {".DS_Store", "Thumbs.db", "desktop.ini"}
CONFLICT_RE = re.compile(r"\.conflict-[^/]+-\d{8}T\d{6}(\.[^./]*)?$")
VERSION_RE = re.compile(r"\.v[0-9a-f]{8}(\.[^./]*)?$")  # an earlier version fetched beside the file (DESIGN §10)


def conflict_name(rel: str, user: str, stamp: str) -> str:
    """``raw.mp4`` → ``raw.conflict-USER-YYYYmmddTHHMMSS.mp4`` (DESIGN §4).

    ``stamp`` is an ISO-8601 UTC time; ``user`` is made filename-safe.
    """
    head, _, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    who = re.sub(r"[^A-Za-z0-9_-]+", "-", user).strip("-") or "unknown"
    when = re.sub(r"[^0-9T]", "", stamp)[:15] or "00000000T000000"
    new = f"{stem}.conflict-{who}-{when}" + (f".{ext}" if ext else "")
    return f"{head}/{new}" if head else new


def is_conflict_copy(rel: str) -> bool:
    return bool(CONFLICT_RE.search(rel))


def version_name(rel: str, md5: str) -> str:
    """``edited.mp4`` → ``edited.v1a2b3c4d.mp4``: where ``pull --version`` puts an
    earlier version beside the file (never over it; never pushed)."""
    head, _, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    new = f"{stem}.v{md5[:8]}" + (f".{ext}" if ext else "")
    return f"{head}/{new}" if head else new


def is_version_copy(rel: str) -> bool:
    return bool(VERSION_RE.search(rel))


@dataclass(frozen=True)
class Skipped:
    """A local entry the scan left out, with the reason shown to the user."""

    rel: str
    reason: str


def scan(staging: Path) -> tuple[dict[str, Path], list[Skipped]]:
    """Files to share under ``staging`` as ``({nfc_rel: path}, skipped)``.

    Leaves out OS junk, conflict copies and fetched earlier versions silently; symlinks that lead out of
    ``staging`` and unreadable entries are reported in ``skipped``.
    """
    files: dict[str, Path] = {}
    skipped: list[Skipped] = []
    if not os.path.lexists(staging):
        return files, skipped
    if staging.is_symlink() or not staging.is_dir():
        # a committed link (s3-staging -> ~/.aws) must never be read (DESIGN §6)
        skipped.append(Skipped(".", "s3-staging is a symlink or not a folder: refused"))
        return files, skipped
    root = staging.resolve()
    for dirpath, dirnames, filenames in os.walk(staging, followlinks=False, onerror=None):
        base = Path(dirpath)
        for d in list(dirnames):
            p = base / d
            if p.is_symlink():
                dirnames.remove(d)
                rel = p.relative_to(staging).as_posix()
                skipped.append(Skipped(rel, "symlinked folder: not followed"))
        dirnames.sort()
        for name in sorted(filenames):
            p = base / name
            rel = p.relative_to(staging).as_posix()
            if name in OS_JUNK or name.startswith("._") or is_conflict_copy(rel) or is_version_copy(rel):
                continue
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                skipped.append(Skipped(shown, "name is not valid UTF-8: rename it"))
                continue
            norm = safe_rel(rel)
            if norm is None:
                skipped.append(Skipped(rel, "name cannot be an S3 key (control characters or backslash)"))
                continue
            if p.is_symlink():
                target = p.resolve()
                if not target.is_relative_to(root) or not target.is_file():
                    skipped.append(Skipped(rel, "symlink to outside s3-staging/: not followed"))
                    continue
            elif not p.is_file():
                continue  # sockets, fifos
            if not os.access(p, os.R_OK):
                skipped.append(Skipped(rel, "not readable (check its permissions)"))
                continue
            if norm == METADATA_JSON:
                skipped.append(Skipped(rel, "reserved name (the project's S3 summary): rename it"))
                continue
            if norm in files:
                skipped.append(Skipped(rel, f"same name as {norm} after Unicode normalisation"))
                continue
            files[norm] = p
    return files, skipped


# Windows cannot hold these characters in a name, nor these names with any
# extension (Microsoft, "Naming Files, Paths, and Namespaces").
WINDOWS_CHARS = set('<>:"|?*')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)}


def portability(rels: list[str]) -> dict[str, str]:
    """``{path: why}`` for names that work here but break on a collaborator's
    macOS or Windows: two names that differ only in case (one file there), a
    character or a reserved name Windows refuses, a trailing space or dot."""
    out: dict[str, str] = {}
    by_fold: dict[str, list[str]] = {}
    for rel in rels:
        by_fold.setdefault(unicodedata.normalize("NFC", rel).casefold(), []).append(rel)
    for same in by_fold.values():
        for rel in same[1:] if len(same) > 1 else []:
            out[rel] = f"differs from {same[0]} only in case: one file on macOS and Windows"
    for rel in rels:
        for part in rel.split("/"):
            bad = sorted(WINDOWS_CHARS & set(part))
            if bad:
                out.setdefault(rel, f"Windows cannot hold {' '.join(bad)} in a name")
            elif part.split(".")[0].upper() in WINDOWS_RESERVED:
                out.setdefault(rel, f"{part.split('.')[0]} is a reserved name on Windows")
            elif part.endswith((" ", ".")):
                out.setdefault(rel, "a name ending in a space or dot loses it on Windows")
    return out
