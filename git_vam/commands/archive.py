"""``git vam archive`` and ``git vam restore``: the long-term tier.

archive: a tar of the project folder is streamed straight into a multipart
upload at ``{archivePrefix}{brand}/{group}/{project}.tar`` (no temporary copy),
verified (size and multipart ETag from a HEAD), and recorded in the project
manifest (committed like a push). ``--delete-local`` then removes only heavy
files (videos and files over ``vam.maxFileSize``), only after verification.

restore: instant classes download (resumable, MD5-verified) and extract at
once; GLACIER and DEEP_ARCHIVE first need a restore request, whose state
``--check-status`` reports. The tar is extracted into an empty folder under
``.git/vam/tmp/`` by ``fs.extract_tar`` (regular files and folders only; a
link, device or fifo member, or a name that would leave the target, refuses
the whole restore), then each file is moved into place without following
links, never overwriting a different existing file without ``--force`` (which
moves it to the trash first), never rolling the project's manifest back.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

from git_vam import fs, output
from git_vam import manifest as mf
from git_vam.context import Context
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK, UsageError, VamError
from git_vam.repo import MANIFEST_NAME, Project, all_projects, archive_group, commit_paths
from git_vam.s3 import RemoteObject, StreamUpload, discard_download, part_size_for
from git_vam.state import md5_file
from git_vam.sync import utc_now

CLASSES = ("STANDARD", "STANDARD_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
NEEDS_RESTORE = ("GLACIER", "DEEP_ARCHIVE")  # GLACIER_IR reads instantly
RESTORE_DAYS = 7
_AGE = {"d": 86400, "w": 7 * 86400, "mo": 30 * 86400, "y": 365 * 86400}


def parse_age(text: str) -> int:
    """``30d``, ``2w``, ``6mo``, ``1y`` → seconds. Raises UsageError."""
    m = re.fullmatch(r"\s*(\d+)\s*(d|w|mo|y)\s*", text.lower())
    if not m:
        raise UsageError(f"--older-than {text!r} is not an age.", "Use e.g. 30d, 6mo or 1y.")
    return int(m.group(1)) * _AGE[m.group(2)]


def archive_key(ctx: Context, project: str) -> str:
    return f"{ctx.settings['archivePrefix']}{ctx.brand}/{archive_group(project)}/{project}.tar"


def project_files(folder: Path) -> list[Path]:
    """Every file and link under ``folder``, sorted (symlinks are stored, never followed)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            out.append(Path(dirpath) / name)
        out += [Path(dirpath) / d for d in dirnames if (Path(dirpath) / d).is_symlink()]
    return out


def is_heavy(path: Path, ctx: Context) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    return (
        path.suffix[1:].lower() in ctx.settings["videoExtensions"] or path.stat().st_size > ctx.settings["maxFileSize"]
    )


def last_commit(ctx: Context, name: str) -> int | None:
    out = subprocess.run(
        ["git", "log", "-1", "--format=%ct", "--", name], cwd=ctx.root, capture_output=True, text=True
    ).stdout.strip()
    return int(out) if out.isdigit() else None


def choose(ctx: Context, names: tuple[str, ...], older_than: str | None) -> list[Project]:
    if older_than:
        if names:
            raise UsageError("Name projects or use --older-than, not both.")
        limit = time.time() - parse_age(older_than)
        chosen = [n for n in all_projects(ctx.root) if (t := last_commit(ctx, n)) is not None and t < limit]
        return [Project(ctx.root, n) for n in chosen]
    if not names:
        raise UsageError("Name the project(s) to archive, or use --older-than AGE.")
    return ctx.projects(names, False)


def run_archive(
    ctx: Context, names: tuple[str, ...], *, older_than: str | None, storage_class: str, delete_local: bool,
    dry_run: bool, no_commit: bool, as_json: bool,
) -> int:  # fmt: skip
    projects = choose(ctx, names, older_than)
    reports: list[dict[str, Any]] = []
    commit: list[str] = []
    with ctx.state:
        for project in projects:
            files = project_files(project.path)
            total = sum(p.lstat().st_size for p in files)
            key = archive_key(ctx, project.name)
            heavy = [p for p in files if is_heavy(p, ctx)]
            report: dict[str, Any] = {"project": project.name, "key": key, "files": len(files), "bytes": total}
            reports.append(report)
            if dry_run:
                report["would_delete"] = [p.relative_to(project.path).as_posix() for p in heavy] if delete_local else []
                continue
            record = _archive_one(ctx, project, files, total, key, storage_class)
            report["md5"] = record["md5"]
            report["size"] = record["size"]
            manifest = mf.load(project.manifest_path, ctx.brand, project.name)
            manifest.extra["archive"] = record
            mf.save(project.manifest_path, manifest)
            commit.append(project.manifest_relpath)
            if delete_local:  # only now: the stored object was verified above
                for p in heavy:
                    p.unlink()
                report["deleted_local"] = [p.relative_to(project.path).as_posix() for p in heavy]
    committed = False
    if commit and not no_commit and ctx.settings["autoCommit"]:
        committed = commit_paths(ctx.repo, commit, "vam: archive " + ", ".join(p.name for p in projects))
    if as_json:
        output.print_json({"dry_run": dry_run, "committed": committed, "projects": reports})
        return EXIT_OK
    con = output.out()
    if not reports:
        con.print("No project to archive.")
    for r in reports:
        verb = "would archive" if dry_run else "archived and verified"
        con.print(f"{r['project']}: {verb} {r['files']} files ({output.human_size(r['bytes'])}) as "
                  f"s3://{ctx.settings.bucket}/{r['key']}", markup=False)  # fmt: skip
        for rel in r.get("deleted_local", []) or r.get("would_delete", []):
            con.print(f"  {'would remove' if dry_run else 'removed'} {rel}", markup=False)
    if committed:
        con.print("Recorded in the manifest and committed; share it with `git push`.")
    return EXIT_OK


def _archive_one(ctx: Context, project: Project, files: list[Path], total: int, key: str, cls: str) -> dict[str, Any]:
    """Stream, verify and describe one archive. Raises VamError when verification fails."""
    try:
        existing = ctx.store.head_key(key)
    except VamError:
        existing = {}
    reporter = output.reporter(False, False)
    tick = reporter.start(f"archive {project.name}", total)
    stamp = utc_now()
    writer = StreamUpload(
        ctx.store, key, part_size=part_size_for(total + 1024 * len(files) + 1024**2),
        metadata={"uploaded-by": ctx.user, "uploaded-at": stamp}, storage_class=cls,
        if_match=str(existing.get("ETag", "")), progress=tick,
    )  # fmt: skip
    try:
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            for path in files:
                tar.add(path, arcname=path.relative_to(project.path).as_posix(), recursive=False)
        etag = writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        reporter.done(f"archive {project.name}")
    head = ctx.store.head_key(key)
    if int(head["ContentLength"]) != writer.size or str(head["ETag"]) != etag:
        raise VamError(f"The archive of {project.name} did not verify on S3.", "Nothing was deleted; run it again.")
    return {
        "key": key, "size": writer.size, "md5": writer.md5, "etag": etag,
        "storage_class": str(head.get("StorageClass") or cls), "files": len(files),
        "archived_by": ctx.user, "archived_at": stamp,
    }  # fmt: skip


def run_restore(
    ctx: Context, name: str, *, to: str | None, tier: str, check_status: bool, force: bool, as_json: bool
) -> int:
    (project,) = ctx.projects((name,), False)
    record = mf.load(project.manifest_path, ctx.brand, project.name).extra.get("archive")
    if not isinstance(record, dict) or not record.get("key"):
        raise UsageError(f"{project.name} has no archive recorded in its manifest.", "Run `git vam archive` first.")
    key = str(record["key"])
    head = ctx.store.head_key(key)
    cls = str(head.get("StorageClass") or "STANDARD")
    restore = str(head.get("Restore") or "")
    state = "ready"
    if cls in NEEDS_RESTORE and 'ongoing-request="false"' not in restore:
        if 'ongoing-request="true"' in restore:
            state = "pending"
        elif check_status:
            state = "not requested"
        else:
            ctx.store.request_restore(key, RESTORE_DAYS, tier)
            state = "requested"
    if state != "ready":
        msg = {
            "pending": "the restore from {cls} is still in progress; check again later with --check-status",
            "requested": "restore from {cls} requested ({tier}); check with `git vam restore {p} --check-status`",
            "not requested": "in {cls}: run `git vam restore {p}` to request a restore",
        }[state].format(cls=cls, tier=tier, p=project.name)
        if as_json:
            output.print_json({"project": project.name, "key": key, "storage_class": cls, "state": state})
        else:
            output.out().print(f"{project.name}: {msg}", markup=False)
        return EXIT_INCOMPLETE
    target = Path(to).resolve() if to else project.path
    restored = _download_and_extract(ctx, project, record, head, target, force)
    if as_json:
        output.print_json({"project": project.name, "key": key, "state": "restored", "to": str(target),
                           "files": restored})  # fmt: skip
    else:
        output.out().print(f"{project.name}: restored {len(restored)} files into {target}", markup=False)
    return EXIT_OK


def _download_and_extract(
    ctx: Context, project: Project, record: dict[str, Any], head: dict[str, Any], target: Path, force: bool
) -> list[str]:
    key = str(record["key"])
    obj = RemoteObject(key=key, rel=f"{project.name}.tar", size=int(head["ContentLength"]),
                       etag=str(head["ETag"]), md5=str(record.get("md5", "")))  # fmt: skip
    tmp = ctx.state.tmp_dir / (hashlib.sha1(key.encode()).hexdigest() + ".part")
    with ctx.state:
        reporter = output.reporter(False, False)
        tick = reporter.start(f"↓ {obj.rel}", obj.size)
        try:
            got = ctx.store.download(obj, tmp, progress=tick)
        finally:
            reporter.done(f"↓ {obj.rel}")
        if obj.md5 and got != obj.md5:
            discard_download(tmp)
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
                real = fs.real_dir(dest.parent, target) and dest.is_file() and not dest.is_symlink()
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
                keep = ctx.state.trash_path(project.name, name) if name in clashes else None
                try:
                    fs.place(staged / name, target, name, keep=keep)
                except fs.UnsafePath as exc:
                    raise VamError(exc.message, "Move it aside and restore again.") from None
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        discard_download(tmp)
    return names
