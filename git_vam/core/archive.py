"""Archive, the long-term tier (DESIGN §3, "The last copy is sacred"); restore
is ``core/restore.py``.

A tar of the project folder is streamed straight into a multipart
upload at ``{archivePrefix}{brand}/{group}/{project}.tar`` (a taken key gets a
time-stamped one: an archive is never overwritten), verified (size and
multipart ETag from a HEAD), and recorded in the manifest with every member's
MD5; earlier records are kept. ``--delete-local`` then removes only heavy files
the verified record holds as they are here.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from git_vam import fs
from git_vam import manifest as mf
from git_vam.context import Context
from git_vam.core import ssd
from git_vam.core.content import delete_held, is_heavy, project_files
from git_vam.core.report import NullReporter, Reporter
from git_vam.errors import UsageError, VamError
from git_vam.git import TIER_MOVE, commit_paths, last_commit_time
from git_vam.layout import MANIFEST_NAME, STAGING_DIR, archive_base, compact, utc_now
from git_vam.projects import Project, all_projects
from git_vam.s3.model import object_metadata, part_size_for
from git_vam.s3.upload import StreamUpload
from git_vam.units import parse_seconds


def parse_age(text: str) -> int:
    """``30d``, ``2w``, ``6mo``, ``1y`` → seconds (``units.parse_seconds``; an age is
    at least a day, so ``6m`` is refused rather than read as six minutes). Raises UsageError."""
    try:
        return parse_seconds(text, zero=True, smallest="d")
    except ValueError:
        raise UsageError(f"--older-than {text!r} is not an age.", "Use e.g. 30d, 6mo or 1y.") from None


def archive_key(ctx: Context, project: str) -> str:
    """Where a new archive of ``project`` goes: ``{archivePrefix}{brand}/{group}/{project}.tar``,
    or, when that key is taken, ``{project}.{YYYYmmddTHHMMSSZ}.tar``: an archive
    object is never overwritten (DESIGN §3, "The last copy is sacred")."""
    base = archive_base(ctx.settings.archive_prefix, ctx.brand, project)
    if not ctx.archive_store.exists(f"{base}.tar"):
        return f"{base}.tar"
    return f"{base}.{compact(utc_now())}.tar"


def copies_prefix(ctx: Context, project: str) -> str:
    """Where ``cleanup --archive`` keeps a project's staging objects:
    ``{archivePrefix}{brand}/{group}/{project}/s3-staging/``."""
    return f"{archive_base(ctx.settings.archive_prefix, ctx.brand, project)}/{STAGING_DIR}/"


def choose(ctx: Context, names: tuple[str, ...], older_than: str | None) -> list[Project]:
    if older_than:
        if names:
            raise UsageError("Name projects or use --older-than, not both.")
        limit = time.time() - parse_age(older_than)
        chosen = [n for n in all_projects(ctx.root) if (t := last_commit_time(ctx.root, n)) is not None and t < limit]
        return [Project(ctx.root, n) for n in chosen]
    if not names:
        raise UsageError("Name the project(s) to archive, or use --older-than AGE.")
    return ctx.projects(names, False)


def holding_archive(ctx: Context, project: Project, files: list[Path], on_drive: dict[str, str]) -> str:
    """The key of the newest archive that holds every file of ``project`` as it is
    now (same path, size and MD5; the manifest aside; ``on_drive``: ``{path:
    md5}`` of files only the SSD copy holds), else ``""``."""
    records = mf.archive_records(mf.load(project.manifest_path, ctx.brand, project.name))
    members = records[-1].members if records else None
    if not members:
        return ""
    for path in files:
        rel = path.relative_to(project.path).as_posix()
        if rel == MANIFEST_NAME:
            continue
        member = members.get(rel)
        if not member or member["size"] != path.stat().st_size or member["md5"] != ctx.state.md5(path):
            return ""
    if any(members.get(rel, {}).get("md5") != md5 for rel, md5 in on_drive.items()):
        return ""
    return records[-1].key


@dataclass(frozen=True)
class Source:
    """One file that goes into an archive: its ``rel`` path in the project, read
    without following links as ``base/base_rel``; ``md5`` is what the read must
    give when known beforehand (a file read from the SSD copy)."""

    rel: str
    base: Path
    base_rel: str
    md5: str = ""

    @property
    def path(self) -> Path:
        return self.base / self.base_rel


def archive(
    ctx: Context, projects: list[Project], *, storage_class: str, delete_local: bool, dry_run: bool,
    skip_held: bool = False, commit: bool = True, reporter: Reporter | None = None,
) -> tuple[list[dict[str, Any]], bool, bool]:  # fmt: skip
    """Archive each project: ``(reports, committed, incomplete)``. A report has
    ``project``, ``files``, ``bytes``, ``key``, ``links_not_archived`` and, as
    applies, ``skipped`` (``skip_held``: its newest archive holds its content),
    ``would_delete``, ``md5``, ``size``, ``deleted_local``, ``kept_changed``.
    ``incomplete``: a heavy file was kept because the verified archive does not
    hold its current version."""
    reporter = reporter or NullReporter()
    reports: list[dict[str, Any]] = []
    to_commit: list[str] = []
    incomplete = False
    with ctx.state:
        for project in projects:
            fs.check_folder(project.path, ctx.root, "a project")
            files, links = project_files(project.path)
            rels = [p.relative_to(project.path).as_posix() for p in files]
            drive_folder, on_drive = ssd.only_on_drive(ctx, project, set(rels))
            sources = [Source(rel, ctx.root, f"{project.name}/{rel}") for rel in rels]
            if drive_folder is not None:
                sources += [Source(rel, drive_folder, rel, md5) for rel, md5 in sorted(on_drive.items())]
            total = sum(s.path.stat().st_size for s in sources)
            heavy = [p for p in files if is_heavy(p, ctx)]
            report: dict[str, Any] = {"project": project.name, "files": len(sources), "bytes": total}
            report["links_not_archived"] = [p.relative_to(project.path).as_posix() for p in links]
            report["from_ssd"] = sorted(on_drive) if drive_folder is not None else []
            report["not_on_a_connected_drive"] = sorted(on_drive) if drive_folder is None else []
            incomplete = incomplete or bool(report["not_on_a_connected_drive"])
            reports.append(report)
            held = (
                holding_archive(ctx, project, files, on_drive if drive_folder is not None else {}) if skip_held else ""
            )
            if held:
                report.update(key=held, skipped="its newest archive already holds its current content")
                continue
            report["key"] = key = archive_key(ctx, project.name)
            if dry_run:
                report["would_delete"] = [p.relative_to(project.path).as_posix() for p in heavy] if delete_local else []
                continue
            record = _archive_one(ctx, project, sources, total, key, storage_class, reporter)
            report["md5"] = record.md5
            report["size"] = record.size
            manifest = mf.load(project.manifest_path, ctx.brand, project.name)
            mf.add_archive_record(manifest, record)
            mf.save(project.manifest_path, manifest)
            to_commit.append(project.manifest_relpath)
            if delete_local:  # only now, and only what the verified archive holds as it is here
                holds = {rel: m["md5"] for rel, m in record.members.items()}
                deleted, kept = delete_held(ctx, project.path, heavy, holds)
                report["deleted_local"], report["kept_changed"] = deleted, kept
                incomplete = incomplete or bool(kept)
    committed = False
    if to_commit and commit and ctx.settings.auto_commit:
        committed = commit_paths(ctx.root, to_commit, f"{TIER_MOVE} " + ", ".join(p.name for p in projects))
    return reports, committed, incomplete


class _Hashing:
    """A file wrapper that MD5-hashes what ``tarfile`` reads from it (one read per file)."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.digest = fh, hashlib.md5()

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.digest.update(data)
        return bytes(data)


def _archive_one(
    ctx: Context, project: Project, sources: list[Source], total: int, key: str, cls: str, reporter: Reporter
) -> mf.ArchiveRecord:
    """Stream, verify and describe one archive: key, size, MD5, ETag, class, who,
    when and ``members`` (``{path: {"md5", "size"}}``, each hashed in the same
    read that fed the tar). The key must be new (``If-None-Match: *``). Raises
    VamError when verification fails or a file read from the SSD copy does not
    match its recorded MD5 (the upload is then aborted)."""
    tick = reporter.start(f"archive {project.name}", total)
    stamp = utc_now()
    members: dict[str, dict[str, Any]] = {}
    writer = StreamUpload(
        ctx.archive_store, key, part_size=part_size_for(total + 1024 * len(sources) + 1024**2),
        metadata=object_metadata(ctx.user, stamp), storage_class=cls, progress=tick,
    )  # fmt: skip
    files = len(sources)
    try:
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            for source in sources:
                path, rel = source.path, source.rel
                before = path.stat()
                info = tar.gettarinfo(str(path), arcname=rel)
                with os.fdopen(fs.open_read(source.base, source.base_rel), "rb") as fh:
                    reader = _Hashing(fh)
                    tar.addfile(info, reader)
                md5 = reader.digest.hexdigest()
                if source.md5 and md5 != source.md5:
                    raise VamError(
                        f"{fs.printable(rel)} on the SSD no longer matches its recorded MD5: not archived.",
                        "Nothing was recorded; bring the file back another way (git vam restore) first.",
                    )
                members[rel] = {"md5": md5, "size": info.size}
                after = path.stat()
                if not source.md5 and (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns):
                    ctx.state.remember_md5(path, md5, after)  # --delete-local checks against it
        etag = writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        reporter.done(f"archive {project.name}")
    head = ctx.archive_store.head_key(key)
    if int(head["ContentLength"]) != writer.size or str(head["ETag"]) != etag:
        raise VamError(f"The archive of {project.name} did not verify on S3.", "Nothing was deleted; run it again.")
    return mf.ArchiveRecord(
        key=key, size=writer.size, md5=writer.md5, etag=etag, storage_class=str(head.get("StorageClass") or cls),
        files=files, archived_by=ctx.user, archived_at=stamp, members=members,
    )  # fmt: skip
