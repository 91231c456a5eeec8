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
