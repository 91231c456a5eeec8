"""Earlier versions of a staging file (DESIGN §10): any version ``git vam log``
lists, fetched from wherever a copy still exists, verified by its MD5, and
written beside the file as ``NAME.vMD5PREFIX.EXT`` (or into ``--to DIR``),
never over the current file.

Where a version can be: the current object; the S3 trash (every push that
replaced or deleted it kept it there, for ``vam.trashDays``); a member of a
verified archive (read from the tar as it streams, never stored whole); a
noncurrent version of the object where the bucket keeps versions.
"""

from __future__ import annotations

import re
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from git_vam import fs
from git_vam import manifest as mf
from git_vam.context import Context
from git_vam.core.history import Change, history
from git_vam.core.remote_trash import parse, trash_prefix
from git_vam.errors import UsageError, VamError
from git_vam.layout import STAGING_DIR
from git_vam.paths import version_name
from git_vam.projects import Project, Target
from git_vam.s3.model import RemoteObject, is_md5

GLACIER = ("GLACIER", "DEEP_ARCHIVE")


@dataclass(frozen=True)
class Source:
    """Where one version can be read: ``where`` (``current``, ``S3 trash`` or
    ``archive``), the object's ``key`` and, for an archive, the ``member`` path."""

    where: str
    key: str
    size: int = 0
    etag: str = ""
    member: str = ""
    storage_class: str = ""
    version_id: str = ""  # a noncurrent version of a versioned bucket

    def to_json(self) -> dict[str, Any]:
        return {"where": self.where, "key": self.key, "member": self.member, "storage_class": self.storage_class,
                "version_id": self.version_id}  # fmt: skip


def one_file(ctx: Context, text: str) -> tuple[Project, str]:
    """``PROJECT/PATH`` → the project and the path inside ``s3-staging/``. Raises
    UsageError unless it names exactly one file."""
    (target,) = ctx.targets((text,), False, command="pull")
    if len(target.paths) != 1:
        raise UsageError(f"--version needs one file: PROJECT/PATH, not {fs.printable(text)}.",
                         "e.g. git vam pull b65/edited.mp4 --version 1a2b3c4d")  # fmt: skip
    return target.project, target.paths[0]


def pick(changes: list[Change], wanted: str) -> Change:
    """The upload ``wanted`` names: an MD5 or a commit (a unique prefix of at
    least 6 hex digits of either). Raises UsageError naming the choices."""
    wanted = wanted.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{6,40}", wanted):
        raise UsageError(f"--version {fs.printable(wanted)} is not an MD5 or a commit.",
                         "Use the MD5 or commit `git vam log` shows (at least 6 hex digits).")  # fmt: skip
    uploads = [c for c in changes if c.action == "upload" and is_md5(c.md5)]  # the history is others' text
    found = {c.md5: c for c in uploads if c.md5.startswith(wanted)}
    if not found:
        found = {c.md5: c for c in uploads if c.commit.startswith(wanted) or wanted.startswith(c.commit)}
    if len(found) != 1:
        shown = ", ".join(f"{c.md5[:8]} ({c.commit})" for c in uploads[:8]) or "none"
        what = "matches several versions" if found else "is no version `git vam log` lists"
        raise UsageError(f"--version {wanted} {what}; versions: {shown}.", "Give more digits of the MD5.")
    return next(iter(found.values()))


def holdings(ctx: Context, project: Project, rel: str) -> dict[str, list[Source]]:
    """``{md5: [Source, …]}``: every version of ``rel`` that a copy still holds,
    best first: the current object, the S3 trash, archive members. One HEAD of
    the object, one listing of its trash keys and a HEAD of each, whatever the
    number of versions asked about."""
    out: dict[str, list[Source]] = {}
    current = ctx.store.find(RemoteObject(key=ctx.staging_prefix(project.name) + rel, rel=rel, size=0))
    if current is not None and current.md5:
        out.setdefault(current.md5, []).append(Source("current", current.key, current.size, current.etag))
    prefix = f"{trash_prefix(ctx)}{project.name}/{rel}."
    for key, size, _ in ctx.store.list_keys(prefix):
        kept = parse(ctx, key, size)
        if kept is None or kept.rel != rel:
            continue
        obj = ctx.store.find(RemoteObject(key=key, rel=rel, size=size))
        if obj is not None and obj.md5:
            out.setdefault(obj.md5, []).append(Source("S3 trash", key, obj.size, obj.etag))
    member = f"{STAGING_DIR}/{rel}"
    for record in reversed(mf.archive_records(mf.load(project.manifest_path, ctx.brand, project.name))):
        md5 = record.members.get(member, {}).get("md5")
        if md5:
            out.setdefault(md5, []).append(
                Source("archive", record.key, record.size, record.etag, member, record.storage_class)
            )
    return out


def sources(ctx: Context, project: Project, rel: str, md5: str) -> list[Source]:
    """Every place that still holds the version with ``md5``, best first; last,
    where nothing else does, the bucket's own object versions (versioning on)."""
    found = holdings(ctx, project, rel).get(md5, [])
    if not found:
        key = ctx.staging_prefix(project.name) + rel
        found = [Source("object versions", key, version_id=vid) for vid, got in ctx.store.earlier_versions(key)
                 if got == md5][:1]  # fmt: skip
    return found


def retrievable(ctx: Context, project: Project, changes: list[Change]) -> dict[tuple[str, str], str]:
    """``{(path, md5): where}`` for the uploads in ``changes``: ``current``, ``S3
    trash``, ``archive`` or ``object versions``; ``""`` when no copy is left.
    Per file: ``holdings`` once, and the object versions listed once if needed."""
    out: dict[tuple[str, str], str] = {}
    for rel in sorted({c.rel for c in changes}):
        held = holdings(ctx, project, rel)
        wanted = {c.md5 for c in changes if c.rel == rel and c.action == "upload"}
        missing = wanted - set(held)
        versions = (
            {got for _, got in ctx.store.earlier_versions(ctx.staging_prefix(project.name) + rel)} if missing else set()
        )
        for md5 in wanted:
            out[(rel, md5)] = held[md5][0].where if md5 in held else "object versions" if md5 in versions else ""
    return out


def fetch(ctx: Context, text: str, wanted: str, to: Path | None = None) -> dict[str, Any]:
    """``pull PROJECT/PATH --version MD5|COMMIT [--to DIR]``: the version written
    beside the file as ``NAME.vMD5PREFIX.EXT`` (or into ``to``), verified by its
    MD5. Returns ``{"project", "path", "md5", "commit", "from", "to", "state"}``
    (state ``fetched`` or ``already there``). Raises UsageError for an unknown
    version, VamError when no copy is left or the one read is damaged."""
    project, rel = one_file(ctx, text)
    changes = [c for c in history(ctx, Target(project, (rel,)), None) if c.rel == rel]
    change = pick(changes, wanted)
    found = sources(ctx, project, rel, change.md5)
    readable = [s for s in found if s.storage_class not in GLACIER]
    if not readable:
        why = "only in a Glacier archive: `git vam restore` it first" if found else "no copy of it is left on S3"
        raise VamError(f"{project.name}/{fs.printable(rel)} version {change.md5[:8]}: {why}.",
                       "`git vam log` shows which versions can still be fetched.")  # fmt: skip
    base = to.resolve() if to else project.staging
    name = version_name(rel, change.md5) if not to else version_name(rel.rpartition("/")[2], change.md5)
    base.mkdir(parents=True, exist_ok=True)
    dest = base / name
    result = {"project": project.name, "path": rel, "md5": change.md5, "commit": change.commit,
              "from": readable[0].to_json(), "to": str(dest)}  # fmt: skip
    if fs.is_real_file(dest, base) and ctx.state.md5(dest) == change.md5:
        return {**result, "state": "already there"}
    ctx.state.tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = ctx.state.tmp_dir / f"version-{uuid.uuid4().hex}"
    try:
        got = _read(ctx, readable[0], rel, change.md5, tmp)
        if got != change.md5:
            raise VamError(f"The copy in {readable[0].where} arrived damaged (MD5 {got}).", "Run it again.")
        try:
            fs.place(tmp, base, name, keep=ctx.state.trash_path(project.name, name, "pull-version"))
        except fs.UnsafePath as exc:
            raise VamError(exc.message, "Move it aside and run this again.") from None
    finally:
        fs.discard_download(tmp)
    return {**result, "state": "fetched"}


def _read(ctx: Context, source: Source, rel: str, md5: str, tmp: Path) -> str:
    """Bring ``source`` to ``tmp``; returns the MD5 of what arrived."""
    if source.version_id:
        return fs.save_hashed(ctx.store.stream(source.key, source.version_id), tmp)
    if not source.member:
        obj = RemoteObject(key=source.key, rel=rel, size=source.size, etag=source.etag, md5=md5)
        return ctx.store.download(obj, tmp)
    with tarfile.open(fileobj=ctx.archive_store.stream(source.key), mode="r|") as tar:
        for info in tar:
            if info.name == source.member and info.isreg() and (member := tar.extractfile(info)) is not None:
                return fs.save_hashed(member, tmp)
    raise VamError(
        f"{fs.printable(source.member)} is not in {fs.printable(source.key)}.", "The archive record is wrong."
    )
