"""``git vam check``: the pre-commit guard, and ``--gitignore [--fix]``.

Imports neither boto3 nor rich: it runs on every commit.
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
from pathlib import Path

from git_vam import check, config
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK
from git_vam.fs import printable
from git_vam.units import human_size


def _settings(root: Path) -> config.Settings:
    settings = config.load(root)
    for warning in settings.warnings:
        print(f"git vam: warning: {printable(warning)}", file=sys.stderr)
    return settings


def run_staged(root: Path, files: list[str] | None, as_json: bool = False) -> int:
    """Report every staged file that must not be committed; 1 if any."""
    settings = _settings(root)
    blocked = check.check_staged(root, settings.max_file_size, settings.video_extensions, files)
    for warning in check.portability_warnings(root, sorted(check.staged_blobs(root))):
        print(f"git vam: warning: {warning}", file=sys.stderr)
    if as_json:
        print(json.dumps({"ok": not blocked, "blocked": [b.__dict__ for b in blocked]}, indent=2, sort_keys=True))
        return EXIT_INCOMPLETE if blocked else EXIT_OK
    for b in blocked:
        print(f"{b.path} ({human_size(b.size)}): {b.reason}\n    fix: {b.remedy}")
    if blocked:
        print(f"git vam: commit blocked ({len(blocked)} file{'s' * (len(blocked) != 1)}). "
              "VAM_SKIP_HOOKS=1 skips this check.", file=sys.stderr)  # fmt: skip
        return EXIT_INCOMPLETE
    return EXIT_OK


def run_gitignore(root: Path, fix: bool, as_json: bool = False, quiet: bool = False) -> int:
    """Report what ``.gitignore`` fails to ignore; with ``fix`` rewrite the managed block."""
    exts = _settings(root).video_extensions
    missing = check.check_gitignore(root, exts)
    fixed = 0
    if missing and fix:
        check.fix_gitignore(root, exts)
        still = check.check_gitignore(root, exts)
        fixed = len(missing) - len(still)
        missing = still
    tracked = check.tracked_risks(root)
    if as_json:
        print(
            json.dumps(
                {"ok": not missing and not tracked, "fixed": fixed, "tracked": tracked,
                 "not_ignored": [{"path": p, "what": w} for p, w in missing]},
                indent=2,
                sort_keys=True,
            )
        )  # fmt: skip
        return EXIT_INCOMPLETE if missing or tracked else EXIT_OK
    for path in tracked:
        print(f"git tracks {printable(path)}: a checkout would overwrite what is there locally")
    if tracked:
        print("    fix: git rm -r --cached -- <path> and commit (the local files stay)")
    if fixed:
        print(f".gitignore: managed block rewritten at the end ({fixed} rules restored)")
    for sample, what in missing:
        print(f".gitignore does not ignore {sample} ({what})")
    if missing:
        print("    fix: git vam check --gitignore --fix (rewrites the git-vam block at the end of .gitignore);")
        print("         an exception in a folder's own .gitignore must be removed there")
    if missing or tracked:
        return EXIT_INCOMPLETE
    if not fix and not quiet:
        print(".gitignore: videos, s3-staging/ and .video-tools.env are ignored")
    return EXIT_OK


def run(cwd: Path, files: tuple[str, ...], gitignore: bool, fix: bool, *, as_json: bool, quiet: bool) -> int:
    root = check.repo_root(cwd)
    if gitignore or fix:
        return run_gitignore(root, fix, as_json, quiet)
    # Names are relative to the current folder (the pre-commit framework runs
    # from the root). One resolve for the folder, plain string work per file.
    here = cwd.resolve()
    prefix = here.relative_to(root).as_posix() if here != root and here.is_relative_to(root) else ""
    names = []
    for f in files:
        if os.path.isabs(f):
            p = Path(f).resolve()
            names.append(p.relative_to(root).as_posix() if p.is_relative_to(root) else f)
        else:
            names.append(posixpath.normpath(posixpath.join(prefix, f.replace(os.sep, "/"))))
    return run_staged(root, names or None, as_json)
