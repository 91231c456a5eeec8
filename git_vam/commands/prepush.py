"""The pre-push guarantee: S3 holds every manifest entry the pushed commits name."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from git_vam import fs
from git_vam.context import open_context
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK, VamError
from git_vam.fs import printable, safe_rel
from git_vam.repo import Project


def say(text: str) -> None:
    print(f"git vam: {printable(text)}", file=sys.stderr)


def run(root: Path, wanted: dict[str, dict[str, Any]]) -> int:
    """``wanted`` maps project → {path: manifest entry}. Uploads entries missing on
    S3 from local staging; returns 1 (stop the push) only when some exist nowhere."""
    try:
        ctx = open_context(root, quick=True)  # bounded in time (DESIGN §5)
        with ctx.state:
            missing = _ensure(ctx, wanted)
    except VamError as exc:
        # Unverifiable is not "exists nowhere": warn and let the push go.
        say(f"could not check S3 before the push: {exc.message}")
        return EXIT_OK
    if not missing:
        return EXIT_OK
    for path in missing:
        say(f"{path}: named by the manifest you are pushing, but neither on S3 nor in your s3-staging/")
    say("push stopped. Put the files back and run `git vam push`, or push anyway with VAM_SKIP_HOOKS=1 git push.")
    return EXIT_INCOMPLETE


def _ensure(ctx: Any, wanted: dict[str, dict[str, Any]]) -> list[str]:
    from git_vam.layout import iso_from_ts

    missing = []
    for name, entries in sorted(wanted.items()):
        project = Project(ctx.root, name)
        prefix = ctx.staging_prefix(name)
        listing = ctx.store.list_prefix(prefix).objects  # one listing per project, not a request per file
        for rel, entry in sorted(entries.items()):
            if safe_rel(rel) != rel or safe_rel(name) != name or "/" in name:
                # a manifest entry from someone else naming ../ or an absolute path:
                # never hashed, never uploaded (DESIGN §6)
                say(f"{name}/{rel}: refused, the name would lead outside s3-staging/")
                continue
            want = str(entry.get("md5", ""))
            obj = listing.get(rel)
            if obj is not None:
                have = obj.md5 or (want if obj.etag == entry.get("etag") else ctx.store.head(obj).md5)
                if have != want:
                    say(f"{name}/{rel}: S3 holds another version than the one you are pushing (run `git vam status`)")
                continue
            local = project.staging / rel
            real = fs.real_dir(local.parent, ctx.root) and local.is_file() and not local.is_symlink()
            if real and ctx.state.md5(local) == want:
                meta = {
                    "uploaded-by": str(entry.get("uploaded_by") or ctx.user),
                    "uploaded-at": str(entry.get("uploaded_at", "")),
                    "mtime": iso_from_ts(local.stat().st_mtime),
                }
                ctx.store.upload(local, prefix + rel, want, meta, threshold=ctx.store.transfer.multipart_threshold)
                say(f"{name}/{rel}: was missing on S3; uploaded it from your s3-staging/")
            else:
                missing.append(f"{name}/{rel}")
    return missing
