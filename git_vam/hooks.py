"""Git hooks: install and uninstall the shims and the manifest merge driver
(DESIGN §5). What each hook does is ``git_vam.commands.hook``.

The shims git runs are three lines of ``sh`` that call ``git-vam hook NAME``;
all logic is here, in Python. A foreign hook already in place is moved aside
to ``NAME.pre-vam`` and called first by ours (pre-commit's "legacy" scheme);
``uninstall`` puts it back. ``core.hooksPath`` is respected because the hooks
folder is asked of git (``git rev-parse --git-path hooks``).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from git_vam import git
from git_vam.layout import MANIFEST_GLOB

HOOKS = ("pre-commit", "pre-push", "post-merge", "post-checkout")
MARKER = "# git-vam hook shim"
LEGACY = ".pre-vam"
MERGE_DRIVER = "vam-manifest"
ATTRIBUTES_LINE = f"{MANIFEST_GLOB} merge={MERGE_DRIVER}"


def hooks_dir(root: Path) -> Path:
    """The folder git runs hooks from (``core.hooksPath`` or ``.git/hooks``)."""
    return git.git_path(root, "hooks")


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
    git.run(root, "config", "--remove-section", f"merge.{MERGE_DRIVER}", check=False)
    return done


def register_merge_driver(root: Path) -> str:
    """``merge.vam-manifest.driver`` in ``.git/config`` and the ``.gitattributes`` line."""
    git.run(root, "config", f"merge.{MERGE_DRIVER}.name", "git-vam manifest merge (file by file)")
    git.run(root, "config", f"merge.{MERGE_DRIVER}.driver", "git-vam merge-manifest %O %A %B %P")
    attrs = root / ".gitattributes"
    text = attrs.read_text(encoding="utf-8") if attrs.exists() else ""
    if ATTRIBUTES_LINE in text.splitlines():
        return "merge driver: up to date"
    sep = "" if not text or text.endswith("\n") else "\n"
    attrs.write_text(text + sep + ATTRIBUTES_LINE + "\n", encoding="utf-8")
    return "merge driver: registered (commit .gitattributes to share it)"
