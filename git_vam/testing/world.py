"""Helpers shared by the tests and the demo: git in a folder, a clone with an
identity, the MD5 of a file (streamed)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    """``git ARGS`` in ``cwd``; its output (text). Raises CalledProcessError on failure."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def new_clone(origin: Path, where: Path, user: str) -> Path:
    """Clone ``origin`` into ``where`` as ``user`` (user.name, user.email)."""
    where.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(where)], check=True, capture_output=True)
    git(where, "config", "user.name", user)
    git(where, "config", "user.email", f"{user}@example.com")
    return where


def md5(path: Path) -> str:
    """Hex MD5 of the file at ``path``, read in 1 MiB chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
