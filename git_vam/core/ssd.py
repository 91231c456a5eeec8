"""The SSD tier (DESIGN §8): a verified full copy of a project folder on an
external drive at ``vam.ssdBase``, and the way back.

A drive is told apart by ``{ssdBase}/.vam-drive.json`` (a UUID and a label, as
git-annex tells its repositories apart), written on first use: a different
drive mounted at the same path is "another drive", never the one that holds
the copy. An absent ``ssdBase`` is a drive that is not connected (exit 2),
never a deleted copy.

A copy writes each file under a temporary name on the drive, fsyncs it,
re-reads it (the one extra read) and checks it against the MD5 of the read
that fed it, then renames it into place; a file it replaces goes to
``{ssdBase}/.vam-trash/``. Only when every file verified is
``{ssdBase}/{project}/.vam-ssd.json`` written and the copy recorded in the
manifest (``ssd``); a copy that fails part-way puts back what it replaced and
records nothing. ``--delete-local`` then removes the heavy files whose MD5 the
verified copy holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from git_vam import fs
from git_vam import manifest as mf
from git_vam.config import Settings
from git_vam.context import Context
from git_vam.core.content import delete_held, is_heavy, project_files
from git_vam.core.report import NullReporter, Reporter
from git_vam.errors import ConfigError, UsageError, VamError
from git_vam.git import TIER_MOVE, commit_paths, tracked
from git_vam.layout import compact, utc_now
from git_vam.projects import Project
from git_vam.state import md5_file

DRIVE_FILE = ".vam-drive.json"
RECORD_FILE = ".vam-ssd.json"
TRASH_DIR = ".vam-trash"
TMP_PREFIX = ".vam-tmp-"
COPY_BLOCK = 8 * 1024**2  # bytes per read/write: large blocks for a USB drive
RECORD_LIMIT = 64 * 1024**2  # a .vam-ssd.json larger than this is not ours
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Drive:
    """A drive git-vam has written to: its ``base`` folder (``vam.ssdBase``), the
    ``uuid`` in ``.vam-drive.json`` and a ``label`` for people (``T7``)."""

    base: Path
    uuid: str
    label: str


@dataclass(frozen=True)
class SsdRecord:
    """The manifest's ``ssd`` section: the drive's ``uuid`` and ``label``, who made
    the copy and when (UTC ISO-8601), the number of ``files``, their ``bytes``,
    and ``md5``: ``{path inside the project: MD5}`` of every file it holds."""

    drive: str
    label: str
    by: str
    at: str
    files: int
    bytes: int
    md5: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"drive": self.drive, "label": self.label, "by": self.by, "at": self.at,
                "files": self.files, "bytes": self.bytes, "md5": dict(sorted(self.md5.items()))}  # fmt: skip

    @classmethod
    def from_json(cls, data: Any) -> SsdRecord | None:
        """The record, or None when ``data`` is not the shape ``--to ssd`` writes
        (it came through git: a record of the wrong shape is no record)."""
        if not isinstance(data, dict):
            return None
        texts = all(isinstance(data.get(k), str) for k in ("drive", "label", "by", "at"))
        numbers = all(type(data.get(k)) is int for k in ("files", "bytes"))
        md5 = data.get("md5")
        shaped = isinstance(md5, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in md5.items())
        if not (texts and numbers and shaped) or not isinstance(md5, dict):
            return None
        return cls(data["drive"], data["label"], data["by"], data["at"], data["files"], data["bytes"], dict(md5))


def ssd_record(manifest: mf.Manifest) -> SsdRecord | None:
    """The project's SSD copy as its manifest records it, or None."""
    return SsdRecord.from_json(manifest.extra.get("ssd"))


def configured_base(settings: Settings) -> Path:
    """``vam.ssdBase`` as a path. Raises ConfigError (exit 2) when it is unset."""
    if not settings.ssd_base:
        raise ConfigError(
            "No SSD is configured.",
            "Set vam.ssdBase (`git config vam.ssdBase /Volumes/T7/projects`) or SSD_BASE in .video-tools.env.",
        )
    return Path(settings.ssd_base).expanduser()


def connected_base(settings: Settings) -> Path:
    """``vam.ssdBase`` when its folder exists. Raises ConfigError (exit 2) "SSD not
    connected at PATH" otherwise: an unplugged drive is never a deleted copy, and
    its mount point is never created (that would fill the internal disk)."""
    base = configured_base(settings)
    if not base.is_dir() or base.is_symlink() and not base.resolve().is_dir():
        raise ConfigError(
            f"SSD not connected at {fs.printable(base)}.",
            "Plug the drive in, or fix vam.ssdBase / SSD_BASE; on a new drive create that folder first.",
        )
    return base


def default_label(base: Path) -> str:
    """The volume's name: ``T7`` for ``/Volumes/T7/…`` (macOS), ``/media/USER/T7``
    or ``/run/media/USER/T7`` (Linux), ``/mnt/T7``; else the folder's name."""
    parts = base.resolve().parts
    if "Volumes" in parts[:-1]:
        return parts[len(parts) - 1 - parts[::-1].index("Volumes") + 1]
    for mount, at in ((("media",), 3), (("run", "media"), 4), (("mnt",), 2)):
        if tuple(parts[1 : 1 + len(mount)]) == mount and len(parts) > at:
            return parts[at]
    return base.name or str(base)


def read_drive(base: Path) -> Drive | None:
    """The drive at ``base`` (its ``.vam-drive.json``), or None when git-vam never
    wrote to it. Raises ConfigError when the file is not the shape git-vam writes."""
    path = base / DRIVE_FILE
    if not path.is_file() or path.is_symlink():
        return None
    try:
        data = json.loads(path.read_bytes()[:65536])
        ok = isinstance(data, dict) and _UUID.match(str(data.get("uuid", ""))) and isinstance(data.get("label"), str)
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(
            f"{fs.printable(path)} is not a git-vam drive file.",
            "Move it aside; git-vam writes a new one (copies recorded against the old one then count as elsewhere).",
        )
    return Drive(base, data["uuid"], fs.printable(data["label"])[:64])


def drive(base: Path, *, create: bool) -> Drive | None:
    """The drive at ``base``; with ``create``, one is written when there is none."""
    found = read_drive(base)
    if found is not None or not create:
        return found
    made = Drive(base, str(uuid.uuid4()), default_label(base))
    _write_json(base / DRIVE_FILE, {"uuid": made.uuid, "label": made.label, "created": utc_now()})
    return made


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``path`` whole or not at all: a temporary file, fsynced, renamed."""
    tmp = path.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}.json")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (exFAT on macOS) refuse a folder fsync; the files are synced
    finally:
        os.close(fd)


def read_copy(folder: Path) -> dict[str, dict[str, Any]]:
    """The drive's own record of a copy (``.vam-ssd.json``): ``{path: {"md5",
    "size"}}``, only entries with safe paths and the right shape; ``{}`` when
    there is none or it is unreadable."""
    path = folder / RECORD_FILE
    try:
        if path.is_symlink() or path.stat().st_size > RECORD_LIMIT:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {
        rel: {"md5": v["md5"], "size": v["size"]}
        for rel, v in files.items()
        if fs.safe_rel(rel) == rel and isinstance(v, dict) and isinstance(v.get("md5"), str)
        and type(v.get("size")) is int
    }  # fmt: skip


def where(settings: Settings, record: SsdRecord | None) -> str:
    """What the SSD tier says of a project: ``none``, ``not configured``,
    ``not connected``, ``another drive`` (the copy is on a drive not mounted
    at ``vam.ssdBase``) or ``copy``."""
    if record is None:
        return "none"
    if not settings.ssd_base:
        return "not configured"
    try:
        base = connected_base(settings)
        found = read_drive(base)
    except ConfigError:
        return "not connected"
    if found is None or found.uuid != record.drive:
        return "another drive"
    return "copy"


def project_folder(base: Path, project: Project) -> Path:
    """``{base}/{project}``, checked: a plain name, and a folder (or nothing) there."""
    if fs.safe_rel(project.name) != project.name or "/" in project.name:
        raise UsageError(f"{fs.printable(project.name)} is not a project name git-vam copies.")
    folder = base / project.name
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise VamError(f"{fs.printable(folder)} is not a folder on the drive.", "Move it aside and run this again.")
    return folder


@dataclass
class _Undo:
    """What a copy changed on the drive, to put back if it fails part-way."""

    created: list[Path] = field(default_factory=list)
    replaced: list[tuple[Path, Path]] = field(default_factory=list)  # (path, where its old file went)

    def run(self) -> None:
        for path in reversed(self.created):
            path.unlink(missing_ok=True)
        for path, kept in reversed(self.replaced):
            if kept.exists():
                os.replace(kept, path)


class _ReadBack:
    """Re-reads a copy from the drive while it is still being written: each
    ``SEGMENT`` bytes, once fsynced, are dropped from the OS cache and read back
    and hashed in a thread of their own, in order, so that the source's hash and
    the copy's hash run on two cores at once (hashlib lets go of the GIL)."""

    def __init__(self, path: Path, pool: ThreadPoolExecutor) -> None:
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self.pool, self.digest, self.done = pool, hashlib.md5(), 0
        self.pending: list[Any] = []
        _no_cache(self.fd)

    def upto(self, end: int) -> None:
        """Read back ``[done, end)``; the caller has fsynced it."""
        start, self.done = self.done, end
        self.pending.append(self.pool.submit(self._read, start, end))

    def _read(self, start: int, end: int) -> None:
        _forget(self.fd, start, end - start)
        while start < end:
            chunk = os.pread(self.fd, min(COPY_BLOCK, end - start), start)
            if not chunk:
                break
            self.digest.update(chunk)
            start += len(chunk)

    def result(self) -> str:
        try:
            for future in self.pending:
                future.result()
        finally:
            os.close(self.fd)
        return self.digest.hexdigest()


def _no_cache(fd: int) -> None:  # pragma: no cover - macOS: reads of this fd bypass the cache
    if not hasattr(os, "posix_fadvise"):
        import fcntl

        if hasattr(fcntl, "F_NOCACHE"):
            fcntl.fcntl(fd, fcntl.F_NOCACHE, 1)


def _forget(fd: int, offset: int, length: int) -> None:
    """Drop those pages from the OS cache so the re-read comes from the drive."""
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


SEGMENT = 256 * 1024**2  # bytes written, fsynced and handed to the re-read at a time


def _sync_data(fd: int) -> None:
    """The file's data on the drive (``fdatasync``; ``fsync`` where there is none: macOS)."""
    getattr(os, "fdatasync", os.fsync)(fd)


def _copy_file(ctx: Context, project: Project, rel: str, folder: Path, trash: Path, undo: _Undo,
               tick: Any) -> tuple[str, int]:  # fmt: skip
    """Copy ``project/rel`` to ``folder/rel`` verified: ``(md5, size)``.

    One read of the source, hashed as it is written (unless the hash cache knows
    its MD5), and one re-read of the copy from the drive, segment by segment after
    each fsync, overlapping the copy (``_ReadBack``). Raises VamError when the
    drive does not read back what was written, or the source changed meanwhile."""
    tmp = folder / f"{TMP_PREFIX}{uuid.uuid4().hex}"
    source = project.path / rel
    before = source.stat()
    known = ctx.state.cached_md5(source, before)
    digest = hashlib.md5()
    try:
        with ThreadPoolExecutor(1) as hashing, ThreadPoolExecutor(1) as reading:
            with os.fdopen(fs.open_read(ctx.root, f"{project.name}/{rel}"), "rb") as src, open(tmp, "xb") as dst:
                back = _ReadBack(tmp, reading)
                written, pending = 0, None
                while chunk := src.read(COPY_BLOCK):
                    if not known:
                        if pending is not None:
                            pending.result()
                        pending = hashing.submit(digest.update, chunk)
                    dst.write(chunk)
                    written += len(chunk)
                    tick(len(chunk))
                    if written - back.done >= SEGMENT:
                        dst.flush()
                        _sync_data(dst.fileno())
                        back.upto(written)
                if pending is not None:
                    pending.result()
                dst.flush()
                os.fsync(dst.fileno())
                if written > back.done or not written:
                    back.upto(written)
                copied = back.result()
            after = source.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise VamError(f"{fs.printable(rel)} changed while it was copied.", "Run this again when it is done.")
        md5 = known or digest.hexdigest()
        if copied != md5:
            raise VamError(
                f"{fs.printable(rel)} did not read back from the drive as written (MD5 {copied}).",
                "Check the drive (Disk Utility's First Aid), then run this again.",
            )
        dest = folder / rel
        keep = trash / rel if os.path.lexists(dest) else None
        try:
            fs.place(tmp, folder, rel, keep=keep)
        except fs.UnsafePath as exc:
            raise VamError(exc.message, "Move it aside on the drive and run this again.") from None
        if keep is not None:
            undo.replaced.append((dest, keep))
        else:
            undo.created.append(dest)
    finally:
        tmp.unlink(missing_ok=True)
    if not known:
        ctx.state.remember_md5(source, md5, after)
    return md5, before.st_size


def copy_to_ssd(
    ctx: Context, projects: list[Project], *, delete_local: bool, dry_run: bool,
    commit: bool = True, reporter: Reporter | None = None,
) -> tuple[list[dict[str, Any]], bool, bool]:  # fmt: skip
    """Copy each project to ``{ssdBase}/{project}/``: ``(reports, committed,
    incomplete)``. A report has ``project``, ``to``, ``files``, ``bytes``,
    ``copied`` / ``unchanged`` (paths), ``links_not_copied`` and, as applies,
    ``would_delete`` / ``deleted_local``, ``kept_changed``, ``error``.
    ``incomplete``: a project failed (nothing of it recorded) or a heavy file was
    kept because the copy does not hold its current version.

    Raises ConfigError (exit 2) when no SSD is configured or it is not connected."""
    reporter = reporter or NullReporter()
    base = connected_base(ctx.settings)
    found = drive(base, create=not dry_run)
    reports: list[dict[str, Any]] = []
    to_commit: list[str] = []
    incomplete = False
    for project in projects:
        fs.check_folder(project.path, ctx.root, "a project")
        folder = project_folder(base, project)
        files, links = project_files(project.path)
        rels = [p.relative_to(project.path).as_posix() for p in files]
        heavy = [p for p in files if is_heavy(p, ctx)]
        report: dict[str, Any] = {
            "project": project.name, "to": str(folder), "files": len(files),
            "bytes": sum(p.stat().st_size for p in files),
            "links_not_copied": [p.relative_to(project.path).as_posix() for p in links],
        }  # fmt: skip
        reports.append(report)
        if dry_run:
            report["would_delete"] = [p.relative_to(project.path).as_posix() for p in heavy] if delete_local else []
            continue
        assert found is not None
        try:
            held = _copy_project(ctx, project, rels, folder, base, found, report, reporter)
        except (VamError, OSError) as exc:
            report["error"] = exc.message if isinstance(exc, VamError) else f"{type(exc).__name__}: {exc}"
            incomplete = True
            continue
        to_commit.append(project.manifest_relpath)
        if delete_local:
            deleted, kept = delete_held(ctx, project.path, heavy, held)
            report["deleted_local"], report["kept_changed"] = deleted, kept
            incomplete = incomplete or bool(kept)
    committed = False
    if to_commit and commit and ctx.settings.auto_commit:
        names = ", ".join(r["project"] for r in reports if "error" not in r)
        committed = commit_paths(ctx.root, to_commit, f"{TIER_MOVE} --to ssd {names}")
    return reports, committed, incomplete


def _copy_project(
    ctx: Context, project: Project, rels: list[str], folder: Path, base: Path, found: Drive,
    report: dict[str, Any], reporter: Reporter,
) -> dict[str, str]:  # fmt: skip
    """Copy, verify and record one project; returns ``{path: md5}`` the copy holds.
    On any failure what was replaced is put back and nothing is recorded."""
    old = read_copy(folder)
    folder.mkdir(exist_ok=True)
    trash = base / TRASH_DIR / f"{compact(utc_now())}-{uuid.uuid4().hex[:6]}" / project.name
    undo = _Undo()
    held: dict[str, dict[str, Any]] = {}
    copied, unchanged = [], []
    tick = reporter.start(f"→ ssd {project.name}", sum((project.path / r).stat().st_size for r in rels))
    try:
        for rel in rels:
            source = project.path / rel
            dest = folder / rel
            was = old.get(rel)
            if (was and was["size"] == source.stat().st_size and fs.is_real_file(dest, folder)
                    and dest.stat().st_size == was["size"] and ctx.state.md5(source) == was["md5"]):  # fmt: skip
                held[rel] = was  # verified when it was copied
                unchanged.append(rel)
                tick(was["size"])
                continue
            md5, size = _copy_file(ctx, project, rel, folder, trash, undo, tick)
            held[rel] = {"md5": md5, "size": size}
            copied.append(rel)
        for rel, was in old.items():  # a light project: files only the drive still holds stay held
            dest = folder / rel
            if rel not in held and fs.is_real_file(dest, folder) and dest.stat().st_size == was["size"]:
                held[rel] = was
        stamp = utc_now()
        _fsync_dir(folder)
        _write_json(folder / RECORD_FILE, {"brand": ctx.brand, "project": project.name, "by": ctx.user,
                                           "at": stamp, "drive": found.uuid, "files": held})  # fmt: skip
    except BaseException:
        undo.run()
        raise
    finally:
        reporter.done(f"→ ssd {project.name}")
    record = SsdRecord(found.uuid, found.label, ctx.user, stamp, len(held),
                       sum(v["size"] for v in held.values()), {r: v["md5"] for r, v in held.items()})  # fmt: skip
    manifest = mf.load(project.manifest_path, ctx.brand, project.name)
    manifest.extra["ssd"] = record.to_json()
    mf.save(project.manifest_path, manifest)
    report.update(copied=copied, unchanged=unchanged, held=len(held), drive=found.label)
    return {r: v["md5"] for r, v in held.items()}


def restore_from_ssd(
    ctx: Context, project: Project, *, force: bool, reporter: Reporter | None = None
) -> dict[str, Any]:
    """Copy the SSD copy's files back into the project folder, each verified
    against the manifest's MD5: ``{"project", "from", "restored", "same",
    "rotted", "tracked_skipped"}``. A path git tracks is never written (the
    manifest included). ``rotted``: files whose bytes on the drive no longer
    match (not restored; the caller exits 1).

    Raises UsageError when no copy is recorded, ConfigError (exit 2) when the
    drive is not connected or is another drive, VamError when a different local
    file is in the way without ``force`` (then it goes to the trash)."""
    reporter = reporter or NullReporter()
    record = ssd_record(mf.load(project.manifest_path, ctx.brand, project.name))
    if record is None:
        raise UsageError(
            f"{project.name} has no SSD copy recorded in its manifest.",
            f"Make one with `git vam archive {project.name} --to ssd`.",
        )
    base = connected_base(ctx.settings)
    found = read_drive(base)
    if found is None or found.uuid != record.drive:
        shown = f"drive {found.label} ({found.uuid[:8]})" if found else "not a git-vam drive"
        raise ConfigError(
            f"The SSD copy of {project.name} is on drive {record.label} ({record.drive[:8]}); "
            f"{fs.printable(base)} is {shown}.",
            f"Connect drive {record.label} at vam.ssdBase.",
        )
    folder = project_folder(base, project)
    fs.check_folder(project.path, ctx.root, "the project")
    skip = {p.removeprefix(f"{project.name}/") for p in tracked(ctx.root, project.name)}
    wanted: dict[str, str] = {}
    refused: list[str] = []
    for rel, md5 in record.md5.items():
        if fs.safe_rel(rel) != rel:
            refused.append(fs.printable(rel))
        elif rel not in skip:
            wanted[rel] = md5
    same, clashes = [], []
    for rel, md5 in wanted.items():
        local = project.path / rel
        if os.path.lexists(local):
            if fs.is_real_file(local, project.path) and ctx.state.md5(local) == md5:
                same.append(rel)
            else:
                clashes.append(rel)
    if clashes and not force:
        shown = ", ".join(fs.printable(c) for c in clashes[:5]) + (" …" if len(clashes) > 5 else "")
        raise VamError(
            f"Restoring would replace {len(clashes)} different file(s): {shown}",
            "Use --force (the current files go to .git/vam/trash/).",
        )
    restored, rotted = [], []
    ctx.state.tmp_dir.mkdir(parents=True, exist_ok=True)
    for rel, md5 in wanted.items():
        if rel in same:
            continue
        tmp = ctx.state.tmp_dir / f"ssd-{uuid.uuid4().hex}"
        try:
            with os.fdopen(fs.open_read(folder, rel), "rb") as src:
                got = fs.save_hashed(src, tmp, COPY_BLOCK)
            if got != md5:
                rotted.append(rel)
                continue
            keep = ctx.state.trash_path(project.name, rel, "restore") if rel in clashes else None
            fs.place(tmp, project.path, rel, keep=keep)
            restored.append(rel)
        except FileNotFoundError:
            rotted.append(rel)
        except fs.UnsafePath as exc:
            raise VamError(exc.message, "Move it aside and restore again.") from None
        finally:
            tmp.unlink(missing_ok=True)
    return {
        "project": project.name, "from": str(folder), "drive": record.label, "restored": restored, "same": same,
        "rotted": rotted, "refused": refused, "tracked_skipped": sorted(set(record.md5) & skip),
    }  # fmt: skip


def record_folder(ctx: Context, project: Project, folder: Path, found: Drive, expected: dict[str, str]) -> SsdRecord:
    """Re-read every file of ``folder`` (a copy on the drive made another way, as
    ``restore --to ssd`` does), check each against ``expected`` (``{path: md5}``,
    where known), and record it (``.vam-ssd.json`` and the manifest's ``ssd``).
    Raises VamError naming a file that does not match."""
    held: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        if rel == RECORD_FILE or rel.startswith(TMP_PREFIX) or fs.safe_rel(rel) != rel:
            continue
        md5 = md5_file(path)
        if expected.get(rel, md5) != md5:
            raise VamError(f"{fs.printable(rel)} on the drive does not match the archive (MD5 {md5}).",
                           "Check the drive, then restore again.")  # fmt: skip
        held[rel] = {"md5": md5, "size": path.stat().st_size}
    stamp = utc_now()
    _write_json(folder / RECORD_FILE, {"brand": ctx.brand, "project": project.name, "by": ctx.user, "at": stamp,
                                       "drive": found.uuid, "files": held})  # fmt: skip
    record = SsdRecord(found.uuid, found.label, ctx.user, stamp, len(held), sum(v["size"] for v in held.values()),
                       {r: v["md5"] for r, v in held.items()})  # fmt: skip
    manifest = mf.load(project.manifest_path, ctx.brand, project.name)
    manifest.extra["ssd"] = record.to_json()
    mf.save(project.manifest_path, manifest)
    return record


def only_on_drive(ctx: Context, project: Project, here: set[str]) -> tuple[Path | None, dict[str, str]]:
    """The files the project's SSD copy holds that are not in the project folder
    (``here``: paths present locally): ``(folder on the drive, {path: md5})``;
    the folder is None when the drive is not configured, not connected or
    another one (then those files cannot be read now). Unsafe paths are left out."""
    record = ssd_record(mf.load(project.manifest_path, ctx.brand, project.name))
    if record is None:
        return None, {}
    missing = {rel: md5 for rel, md5 in record.md5.items() if rel not in here and fs.safe_rel(rel) == rel}
    if not missing or where(ctx.settings, record) != "copy":
        return None, missing
    return project_folder(connected_base(ctx.settings), project), missing
