"""The committed manifest ``PROJECT/s3-staging.manifest.json`` (DESIGN §5).

What the project's ``s3-staging/`` holds on S3, one entry per file keyed by its
POSIX path inside ``s3-staging/``. JSON with sorted keys, two-space indent and
a final newline, so diffs and merges stay file-by-file::

    {
      "brand": "v-appydave",
      "files": {
        "raw.mp4": {"etag": "\\"…-3\\"", "md5": "…", "mtime": "2026-…Z", "size": 1048576,
                    "uploaded_at": "2026-12-01T08:00:00Z", "uploaded_by": "david"},
        "old.mp4": {"deleted": true, "deleted_at": "…", "deleted_by": "jan", "md5": "…", "size": 10}
      },
      "project": "b65-guy-monroe-marketing-plan",
      "version": 1
    }

An entry with ``"deleted": true`` is a tombstone: the file was deleted on
purpose (``push --delete`` or ``cleanup``), by whom and when.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from git_vam.errors import ConfigError
from git_vam.fs import printable
from git_vam.version import Version

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Entry(Version):
    """One file's record in the manifest: a Version, or a tombstone when deleted.
    Times are UTC ISO-8601 strings (``2026-12-01T08:00:00Z``)."""

    deleted: bool = False
    deleted_by: str = ""
    deleted_at: str = ""
    cleanup: bool = False  # deleted on S3 by `git vam cleanup`: clones keep their copies

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"md5": self.md5, "size": self.size}
        if self.deleted:
            data.update(deleted=True, deleted_by=self.deleted_by, deleted_at=self.deleted_at)
            if self.cleanup:
                data["cleanup"] = True
            return data
        for name in ("uploaded_by", "uploaded_at", "etag", "mtime"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        # written by someone else: control characters escaped (DESIGN §6)
        return cls(
            md5=printable(data["md5"]),
            size=int(data["size"]),
            uploaded_by=printable(data.get("uploaded_by", "")),
            uploaded_at=printable(data.get("uploaded_at", "")),
            etag=printable(data.get("etag", "")),
            mtime=printable(data.get("mtime", "")),
            deleted=bool(data.get("deleted", False)),
            deleted_by=printable(data.get("deleted_by", "")),
            deleted_at=printable(data.get("deleted_at", "")),
            cleanup=data.get("cleanup") is True,
        )

    def tombstone(self, by: str, at: str, *, cleanup: bool = False) -> Entry:
        return replace(self, deleted=True, deleted_by=by, deleted_at=at, cleanup=cleanup)


@dataclass
class Manifest:
    """A project's manifest; ``files`` maps POSIX path inside ``s3-staging/`` to its entry."""

    brand: str
    project: str
    files: dict[str, Entry] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # sections other commands own (archive)

    def live(self) -> dict[str, Entry]:
        """Entries that are not tombstones."""
        return {k: e for k, e in self.files.items() if not e.deleted}

    def to_json(self) -> dict[str, Any]:
        data = dict(self.extra)
        data.update(
            version=FORMAT_VERSION,
            brand=self.brand,
            project=self.project,
            files={k: e.to_json() for k, e in sorted(self.files.items())},
        )
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(path: Path, brand: str, project: str) -> Manifest:
    """Read the manifest at ``path``; an absent file gives an empty manifest.

    Raises ConfigError (exit 2) when it is not valid manifest JSON, saying how
    to get a good one back; nothing is overwritten in that case.
    """
    if path.is_symlink():  # a committed link would make us read (and rewrite) another file
        raise ConfigError(
            f"{project}/{path.name} is a symlink: refused.",
            f"Replace it with the real manifest (`git vam manifest {project}` rebuilds it from S3).",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Manifest(brand, project)
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("files", {}), dict):
            raise ValueError("expected an object with a 'files' object")
        files = {str(k): Entry.from_json(v) for k, v in (data.get("files") or {}).items()}
    except (ValueError, KeyError, TypeError) as exc:
        why = "it has git conflict markers" if "<<<<<<<" in text else str(exc).splitlines()[0]
        raise ConfigError(
            f"{project}/{path.name} is not a valid manifest: {why}.",
            f"Restore it with `git checkout -- {project}/{path.name}`, or rebuild it from S3 "
            f"by deleting it and running `git vam pull {project}`.",
        ) from None
    extra = {k: v for k, v in data.items() if k not in ("version", "brand", "project", "files")}
    if "archive" in extra and not valid_archive_record(extra["archive"]):
        del extra["archive"]  # a record of the wrong shape is no record (it would crash its readers)
    return Manifest(printable(data.get("brand") or brand), project, files, extra)


def valid_archive_record(record: Any) -> bool:
    """Whether ``record`` has the shape ``archive`` writes: ``key``, ``md5`` and
    ``storage_class`` strings, ``size`` and ``files`` whole numbers, ``members``
    (when present) ``{path: {"md5", "size"}}``."""
    if not isinstance(record, dict) or not isinstance(record.get("key"), str) or not record["key"]:
        return False
    numbers = all(type(record.get(k, 0)) is int for k in ("size", "files"))  # bool is no size
    texts = all(isinstance(record.get(k, ""), str) for k in ("md5", "storage_class", "archived_by", "archived_at"))
    members = record.get("members", {})
    shaped = isinstance(members, dict) and all(
        isinstance(m, dict) and isinstance(m.get("md5"), str) and type(m.get("size")) is int for m in members.values()
    )
    return numbers and texts and shaped


def archive_records(manifest: Manifest) -> list[dict[str, Any]]:
    """Every archive record of the project, oldest first (``archive`` is the newest;
    ``earlier_archives`` keeps the ones before it: an archive record is never dropped)."""
    earlier = [r for r in manifest.extra.get("earlier_archives") or [] if valid_archive_record(r)]
    newest = manifest.extra.get("archive")
    return earlier + ([newest] if isinstance(newest, dict) else [])


def add_archive_record(manifest: Manifest, record: dict[str, Any]) -> None:
    """Make ``record`` the newest archive record, keeping the previous ones."""
    current = manifest.extra.get("archive")
    if isinstance(current, dict):
        manifest.extra["earlier_archives"] = [*(manifest.extra.get("earlier_archives") or []), current]
    manifest.extra["archive"] = record


def save(path: Path, manifest: Manifest) -> bool:
    """Write ``manifest`` if its text changed; returns True when the file was written."""
    text = manifest.dumps()
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    from git_vam.state import write_json_atomic

    write_json_atomic(path, manifest.to_json())
    return True


def merge3(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Three-way merge of manifest JSON objects, file by file (the git merge driver).

    A file changed on one side takes that side; changed identically on both,
    either; changed differently on both is a conflict: ours stays in ``files``
    and both versions go to ``conflicts[path] = {"ours": …, "theirs": …}``, so
    the result is still valid JSON. Returns ``(merged, conflicting paths)``.
    Other top-level keys follow the same rule, ours winning a clash.
    """
    merged: dict[str, Any] = {}
    for key in sorted(set(base) | set(ours) | set(theirs)):
        if key in ("files", "conflicts"):
            continue
        o, a, b = base.get(key), ours.get(key), theirs.get(key)
        value = b if a == o else a
        if value is not None:
            merged[key] = value
    files_o = base.get("files") or {}
    files_a = ours.get("files") or {}
    files_b = theirs.get("files") or {}
    conflicts: dict[str, Any] = dict(ours.get("conflicts") or {})
    files: dict[str, Any] = {}
    for rel in sorted(set(files_o) | set(files_a) | set(files_b)):
        o, a, b = files_o.get(rel), files_a.get(rel), files_b.get(rel)
        if a == b or b == o:
            value = a
        elif a == o:
            value = b
        else:
            conflicts[rel] = {"ours": a, "theirs": b}
            value = a if a is not None else b
        if value is not None:
            files[rel] = value
    merged["files"] = files
    if conflicts:
        merged["conflicts"] = conflicts
    return merged, sorted(conflicts)
