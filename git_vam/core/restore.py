"""Restore, the way back from the long-term tier (DESIGN §3).

Instant classes download (resumable, MD5-verified) and extract at
once; GLACIER and DEEP_ARCHIVE first need a restore request (on a server
without one, the object is read directly). The tar is extracted into an empty
folder under ``.git/vam/tmp/`` by ``fs.extract_tar`` (regular files and folders
only), then each file is moved into place without following links, never
overwriting a different file without ``--force`` (which moves it to the
trash), never rolling the project's manifest back. Objects that
``cleanup --archive`` copied come back into ``s3-staging/`` too.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from git_vam import fs
from git_vam import manifest as mf
from git_vam.context import Context
from git_vam.core import notify, ssd
from git_vam.core.archive import copies_prefix
from git_vam.core.report import NullReporter, Reporter
from git_vam.errors import UsageError, VamError
from git_vam.git import TIER_MOVE, commit_paths
from git_vam.layout import MANIFEST_NAME, STAGING_DIR
from git_vam.projects import Project
from git_vam.s3.model import RemoteObject
from git_vam.state import md5_file

NEEDS_RESTORE = ("GLACIER", "DEEP_ARCHIVE")  # GLACIER_IR reads instantly
RESTORE_DAYS = 7


def _readiness(
    ctx: Context, key: str, head: dict[str, Any], tier: str, check_status: bool, say: Callable[[str], None]
) -> str:
    """``ready``, ``pending``, ``requested`` or ``not requested`` for one object;
    starts a Glacier restore when one is needed (not with ``check_status``). On a
    server without Glacier restore the object is read directly (one line says so)."""
    cls = str(head.get("StorageClass") or "STANDARD")
    restore = str(head.get("Restore") or "")
    if cls not in NEEDS_RESTORE or 'ongoing-request="false"' in restore:
        return "ready"
    if 'ongoing-request="true"' in restore:
        return "pending"
    if check_status:
        return "not requested"
    if ctx.archive_store.request_restore(key, RESTORE_DAYS, tier):
        return "requested"
    say(f"this server has no Glacier restore; reading {fs.printable(key)} directly.")
    return "ready"


def restore(
    ctx: Context, project: Project, *, to: Path | None, tier: str, check_status: bool, force: bool,
    say: Callable[[str], None] = lambda text: None, reporter: Reporter | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Bring back the newest archive of ``project`` and the staging objects that
    ``cleanup --archive`` copied. Returns ``{"project", "key", "state", …}``:
    ``state`` is ``restored`` (with ``to`` and ``files``) or, while a Glacier
    restore is needed, ``pending`` / ``requested`` / ``not requested`` (with
    ``storage_class``, ``objects`` and ``message``). Raises UsageError when there
    is nothing to restore, VamError when a different file is in the way."""
    records = mf.archive_records(mf.load(project.manifest_path, ctx.brand, project.name))
    record = records[-1] if records else None
    copies = ctx.archive_store.list_prefix(copies_prefix(ctx, project.name)).objects
    if record is None and not copies:
        raise UsageError(
            f"{project.name} has no archive recorded in its manifest and no copies from `cleanup --archive`.",
            "Run `git vam archive` first.",
        )
    keys = ([record.key] if record else []) + [o.key for o in copies.values()]
    heads = {key: ctx.archive_store.head_key(key) for key in keys}
    states = {key: _readiness(ctx, key, heads[key], tier, check_status, say) for key in keys}
    waiting = {k: s for k, s in states.items() if s != "ready"}
    if waiting:
        key, state = next(iter(waiting.items()))
        cls = str(heads[key].get("StorageClass") or "STANDARD")
        msg = {
            "pending": "the restore from {cls} is still in progress; check again later with --check-status",
            "requested": "restore from {cls} requested ({tier}); check with `git vam restore {p} --check-status`",
            "not requested": "in {cls}: run `git vam restore {p}` to request a restore",
        }[state].format(cls=cls, tier=tier, p=project.name)
        more = f" (and {len(waiting) - 1} more object(s))" if len(waiting) > 1 else ""
        return {"project": project.name, "key": key, "storage_class": cls, "state": state,
                "objects": [{"key": k, "state": s} for k, s in states.items()], "message": msg + more}  # fmt: skip
    target = to.resolve() if to else project.path
    if target == project.path:
        fs.check_folder(target, ctx.root, "the project")
    else:
        target.mkdir(parents=True, exist_ok=True)  # every kind of archive lands in a new DIR
    restored: list[str] = []
    with ctx.state:
        clashes = _copy_clashes(ctx, copies, target) if not force else []
        if clashes:
            raise VamError(
                f"Restoring would overwrite {len(clashes)} different file(s): {', '.join(clashes[:5])}",
                "Use --to DIR, or --force (the current files go to .git/vam/trash/).",
            )
        if record:
            restored += _download_and_extract(
                ctx, project, record, heads[record.key], target, force, reporter or NullReporter()
            )
        restored += _restore_copies(ctx, project, copies, target)
    return {"project": project.name, "key": keys[0], "state": "restored", "to": str(target), "files": restored}


def _copy_clashes(ctx: Context, copies: dict[str, RemoteObject], target: Path) -> list[str]:
    """Staging files that a restore of ``cleanup --archive`` copies would replace by another version."""
    out = []
    for rel, obj in copies.items():
        dest = target / STAGING_DIR / rel
        if os.path.lexists(dest):
            want = obj.md5 or ctx.archive_store.head(obj).md5
            real = fs.is_real_file(dest, target)
            if not real or ctx.state.md5(dest) != want:
                out.append(fs.printable(f"{STAGING_DIR}/{rel}"))
    return out


def _restore_copies(ctx: Context, project: Project, copies: dict[str, RemoteObject], target: Path) -> list[str]:
    """Download each ``cleanup --archive`` copy (verified by its MD5) into
    ``target/s3-staging/``; a different file there goes to the trash (the caller
    checked ``--force``), an identical one stays."""
    done = []
    for rel, listed in copies.items():
        obj = ctx.archive_store.head(listed)
        dest_rel = f"{STAGING_DIR}/{rel}"
        dest = target / dest_rel
        if os.path.lexists(dest) and dest.is_file() and not dest.is_symlink() and ctx.state.md5(dest) == obj.md5:
            continue
        tmp = ctx.state.partial_download(obj.key)
        got = ctx.archive_store.download(obj, tmp)
        if obj.md5 and got != obj.md5:
            fs.discard_download(tmp)
            raise VamError(f"{fs.printable(obj.key)} arrived damaged (MD5 {got}).", "Run the restore again.")
        try:
            fs.place(tmp, target, dest_rel, keep=ctx.state.trash_path(project.name, dest_rel, "restore"))
        except fs.UnsafePath as exc:
            raise VamError(exc.message, "Move it aside and restore again.") from None
        fs.discard_download(tmp)
        done.append(dest_rel)
    return done


def _download_and_extract(
    ctx: Context,
    project: Project,
    record: mf.ArchiveRecord,
    head: dict[str, Any],
    target: Path,
    force: bool,
    reporter: Reporter,
) -> list[str]:
    key = record.key
    obj = RemoteObject(key=key, rel=f"{project.name}.tar", size=int(head["ContentLength"]),
                       etag=str(head["ETag"]), md5=record.md5)  # fmt: skip
    tmp = ctx.state.partial_download(key)
    tick = reporter.start(f"↓ {obj.rel}", obj.size)
    try:
        got = ctx.archive_store.download(obj, tmp, progress=tick)
    finally:
        reporter.done(f"↓ {obj.rel}")
    if obj.md5 and got != obj.md5:
        fs.discard_download(tmp)
        raise VamError(f"The archive of {project.name} is damaged (MD5 {got}).", "Nothing was extracted.")
    # Extract into an empty folder of our own, links and special files refused,
    # then move regular files into place with the rules of a pull (DESIGN §6).
    staged = ctx.state.tmp_dir / f"restore-{uuid.uuid4().hex}"
    try:
        try:
            names = fs.extract_tar(tmp, staged)
        except fs.UnsafePath as exc:
            raise VamError(exc.message, "Nothing was extracted.") from None
        if target == project.path:
            fs.check_folder(target, ctx.root, "the project")
            # the manifest in place is newer than the archived one and holds the
            # archive record: a restore never rolls it back
            names = [n for n in names if n != MANIFEST_NAME]
        target.mkdir(parents=True, exist_ok=True)
        clashes, same = [], set()
        for name in names:
            dest = target / name
            if not os.path.lexists(dest):
                continue
            real = fs.is_real_file(dest, target)
            if real and md5_file(dest) == md5_file(staged / name):
                same.add(name)
            else:
                clashes.append(name)
        if clashes and not force:
            shown = ", ".join(fs.printable(c) for c in clashes[:5]) + (" …" if len(clashes) > 5 else "")
            raise VamError(
                f"Restoring would overwrite {len(clashes)} different file(s): {shown}",
                "Use --to DIR, or --force (the current files go to .git/vam/trash/).",
            )
        for name in names:
            if name in same:
                continue
            keep = ctx.state.trash_path(project.name, name, "restore") if name in clashes else None
            try:
                fs.place(staged / name, target, name, keep=keep)
            except fs.UnsafePath as exc:
                raise VamError(exc.message, "Move it aside and restore again.") from None
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    fs.discard_download(tmp)
    return names


def restore_to_ssd(
    ctx: Context, project: Project, *, tier: str, check_status: bool, force: bool,
    say: Callable[[str], None] = lambda text: None, reporter: Reporter | None = None, commit: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """``restore PROJECT --to ssd``: the S3 archive restored into
    ``{ssdBase}/{project}/``, then every file there re-read, checked against the
    archive's member MD5s and recorded as the project's SSD copy
    (``ssd.record_folder``). Returns ``restore``'s result with ``recorded``.
    Raises ConfigError (exit 2) when the drive is not connected."""
    base = ssd.connected_base(ctx.settings)
    found = ssd.drive(base, create=True)
    assert found is not None
    folder = ssd.project_folder(base, project)
    result = restore(ctx, project, to=folder, tier=tier, check_status=check_status, force=force, say=say,
                     reporter=reporter)  # fmt: skip
    result["recorded"] = False
    if result["state"] != "restored":
        return result
    records = mf.archive_records(mf.load(project.manifest_path, ctx.brand, project.name))
    expected = {rel: m["md5"] for rel, m in records[-1].members.items()} if records else {}
    ssd.record_folder(ctx, project, folder, found, expected)
    if commit and ctx.settings.auto_commit:
        commit_paths(ctx.root, [project.manifest_relpath], f"{TIER_MOVE} --to ssd {project.name} (restored)")
    result["recorded"] = True
    return result


def restore_when_ready(
    ctx: Context, project: Project, *, to: Path | None, tier: str, force: bool, interval: float,
    say: Callable[[str], None] = lambda text: None, reporter: Reporter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:  # fmt: skip
    """``restore PROJECT --wait``: request the Glacier restore if needed, ask again
    every ``interval`` seconds until the object is readable, download and extract
    (``restore``), then post to ``vam.notify`` (the roadmap's "notify when
    ready"). Returns ``restore``'s result with ``waited`` (seconds) and
    ``notify_warnings``. Ctrl-C stops the wait; the request stays with S3."""
    started = time.monotonic()
    result = restore(ctx, project, to=to, tier=tier, check_status=False, force=force, say=say, reporter=reporter)
    while result["state"] != "restored":
        state = {"requested": "restore requested", "pending": "restore in progress"}.get(result["state"], "waiting")
        say(f"{project.name}: {state} ({result['storage_class']}); asking again in {int(interval)} s "
            "(Ctrl-C stops waiting; the request stays with S3)")  # fmt: skip
        sleep(interval)
        result = restore(ctx, project, to=to, tier=tier, check_status=True, force=force, say=say, reporter=reporter)
        if result["state"] == "not requested":  # the restored copy expired meanwhile: ask again
            result = restore(ctx, project, to=to, tier=tier, check_status=False, force=force, say=say,
                             reporter=reporter)  # fmt: skip
    result["waited"] = round(time.monotonic() - started, 1)
    text = (f"{ctx.user}: {ctx.brand}/{project.name} is back from the archive ({len(result['files'])} files "
            f"in {result['to']}).")  # fmt: skip
    body = {"text": text, "content": text, "brand": ctx.brand, "project": project.name, "by": ctx.user,
            "restored": result["files"]}  # fmt: skip
    result["notify_warnings"] = notify.send(ctx.settings.notify, body) if ctx.settings.notify else []
    return result
