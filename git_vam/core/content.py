"""What a project folder holds, as the tier moves see it (DESIGN §8): its
regular files (links are never followed nor copied), and which are heavy
(videos by ``vam.videoExtensions``, and files over ``vam.maxFileSize``)."""

from __future__ import annotations

import os
from pathlib import Path

from git_vam.context import Context


def project_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """``(regular files, links)`` under ``folder``, sorted. Links are never
    followed nor archived (a restore refuses link members, so an archive with
    one could never come back whole)."""
    files, links = [], []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        links += [Path(dirpath) / d for d in dirnames if (Path(dirpath) / d).is_symlink()]
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink():
                links.append(path)
            elif path.is_file():
                files.append(path)
    return files, links


def is_heavy(path: Path, ctx: Context) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    return path.suffix[1:].lower() in ctx.settings.video_extensions or path.stat().st_size > ctx.settings.max_file_size


def delete_held(ctx: Context, folder: Path, heavy: list[Path], held: dict[str, str]) -> tuple[list[str], list[str]]:
    """``--delete-local`` under the last-copy rule: remove each heavy file whose
    current MD5 is the one a verified copy holds (``held``: path → MD5), keep the
    others. Returns ``(deleted, kept)`` paths relative to ``folder``."""
    deleted, kept = [], []
    for path in heavy:
        rel = path.relative_to(folder).as_posix()
        if held.get(rel) == ctx.state.md5(path):
            path.unlink()
            deleted.append(rel)
        else:
            kept.append(rel)
    return deleted, kept
