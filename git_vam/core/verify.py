"""The pre-push guarantee (DESIGN §5): every manifest entry in the commits being
pushed exists on S3 with its MD5. Entries missing on S3 are uploaded from the
local staging folder; the push stops only for files that exist nowhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from git_vam import git
from git_vam.core.autopull import Wanted, changed_entries
from git_vam.fs import is_real_file, safe_rel
from git_vam.git import EMPTY_TREE, ZERO
from git_vam.layout import iso_from_ts
from git_vam.projects import Project
from git_vam.s3.model import object_metadata

if TYPE_CHECKING:
    from pathlib import Path

    from git_vam.context import Context


def pushed_entries(root: Path, refs: list[tuple[str, str]]) -> Wanted:
    """What the push of ``refs`` (``(local commit, remote commit)`` pairs, as git
    gives pre-push) brings: the entries each pushed commit's manifests add
    against what the remote has (for a new branch, against the commits no
    remote-tracking branch has)."""
    wanted: Wanted = {}
    for local, remote in refs:
        if local == ZERO:
            continue  # a branch deletion pushes no content
        base = git.resolve(root, remote) if remote != ZERO else ""
        if not base:
            base = git.unpushed_base(root, local) or EMPTY_TREE
        for project, entries in changed_entries(root, base, local).items():
            wanted.setdefault(project, {}).update(entries)
    return wanted


def ensure_on_s3(ctx: Context, wanted: Wanted, say: Callable[[str], None]) -> list[str]:
    """Upload the ``wanted`` entries that S3 lacks from this clone's staging
    folders (the entry's uploader and time kept in the object's metadata).
    Returns ``PROJECT/PATH`` of the entries that exist nowhere. ``say`` gets
    one line per upload, refused name or newer version on S3. Raises VamError
    when S3 cannot be reached."""
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
            obj = listing.get(rel)
            if obj is not None:
                have = obj.md5 or (entry.md5 if obj.etag == entry.etag else ctx.store.head(obj).md5)
                if have != entry.md5:
                    say(f"{name}/{rel}: S3 holds another version than the one you are pushing (run `git vam status`)")
                continue
            local = project.staging / rel
            if is_real_file(local, ctx.root) and ctx.state.md5(local) == entry.md5:
                meta = object_metadata(
                    entry.uploaded_by or ctx.user, entry.uploaded_at, iso_from_ts(local.stat().st_mtime)
                )
                ctx.store.upload(local, prefix + rel, entry.md5, meta)
                say(f"{name}/{rel}: was missing on S3; uploaded it from your s3-staging/")
            else:
                missing.append(f"{name}/{rel}")
    return missing
