"""Write the man pages (man/git-vam.1, man/git-vam-COMMAND.1) from the click help,
with click-man; pyproject.toml installs them into share/man/man1, where `man`
finds them beside the venv's bin/ (so `git vam --help`, git's `man git-vam`,
works). tests/test_new_user.py fails when the committed pages are stale:
run `.venv/bin/python scripts/man.py` after changing a command's help."""

from __future__ import annotations

import sys
from pathlib import Path

import click_man.core

import git_vam
from git_vam.cli import cli

DATE = "2026-12"  # fixed, so that the pages change only when the help does


def write(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.1"):
        old.unlink()
    click_man.core.write_man_pages("git-vam", cli, version=git_vam.__version__, target_dir=str(target), date=DATE)


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "man")
