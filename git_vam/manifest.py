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
from git_vam.meta import Meta

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Entry(Meta):
    """One file's record in the manifest: a Meta, or a tombstone when deleted.
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
    if "archive" in extra and ArchiveRecord.from_json(extra["archive"]) is None:
        del extra["archive"]  # a record of the wrong shape is no record (it would crash its readers)
    return Manifest(printable(data.get("brand") or brand), project, files, extra)


TEXT_FIELDS = ("md5", "etag", "storage_class", "archived_by", "archived_at")


@dataclass(frozen=True)
class ArchiveRecord:
    """One archive of the project as ``archive`` recorded it: the object's ``key``,
    its ``size`` (bytes), ``md5`` and ``etag``, ``storage_class``, the number of
    ``files``, who archived it and when (UTC ISO-8601), and ``members``:
    ``{path inside the project: {"md5", "size"}}``, each hashed in the read that
    fed the tar. Fields it does not know are kept in ``extra``."""

    key: str
    size: int = 0
    md5: str = ""
    etag: str = ""
    storage_class: str = ""
    files: int = 0
    archived_by: str = ""
    archived_at: str = ""
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def md5s(self) -> set[str]:
        """The MD5s of every member: what this archive holds a verified copy of."""
        return {m["md5"] for m in self.members.values()}

    def to_json(self) -> dict[str, Any]:
        data = dict(self.extra)
        data.update(
            key=self.key, size=self.size, md5=self.md5, etag=self.etag, storage_class=self.storage_class,
            files=self.files, archived_by=self.archived_by, archived_at=self.archived_at, members=self.members,
        )  # fmt: skip
        return data

    @classmethod
    def from_json(cls, data: Any) -> ArchiveRecord | None:
        """The record, or None when ``data`` does not have the shape ``archive``
        writes (it came through git from someone else: a record of the wrong
        shape is no record, it would crash its readers)."""
        if not isinstance(data, dict) or not isinstance(data.get("key"), str) or not data["key"]:
            return None
        numbers = all(type(data.get(k, 0)) is int for k in ("size", "files"))  # bool is no size
        texts = all(isinstance(data.get(k, ""), str) for k in TEXT_FIELDS)
        members = data.get("members", {})
        shaped = isinstance(members, dict) and all(
            isinstance(m, dict) and isinstance(m.get("md5"), str) and type(m.get("size")) is int
            for m in members.values()
        )
        if not (numbers and texts and shaped):
            return None
        known = {f: data[f] for f in ("key", "size", "files", *TEXT_FIELDS) if f in data}
        extra = {k: v for k, v in data.items() if k not in known and k != "members"}
        return cls(**known, members=dict(members), extra=extra)


def archive_records(manifest: Manifest) -> list[ArchiveRecord]:
    """Every archive record of the project, oldest first (``archive`` is the newest;
    ``earlier_archives`` keeps the ones before it: an archive record is never dropped)."""
    raw = [*(manifest.extra.get("earlier_archives") or []), manifest.extra.get("archive")]
    return [r for r in map(ArchiveRecord.from_json, raw) if r is not None]


def archived_md5s(manifest: Manifest) -> set[str]:
    """The MD5 of every file that one of the project's archive records holds."""
    return {md5 for record in archive_records(manifest) for md5 in record.md5s()}


def add_archive_record(manifest: Manifest, record: ArchiveRecord) -> None:
    """Make ``record`` the newest archive record, keeping the previous ones."""
    current = manifest.extra.get("archive")
    if isinstance(current, dict):
        manifest.extra["earlier_archives"] = [*(manifest.extra.get("earlier_archives") or []), current]
    manifest.extra["archive"] = record.to_json()


@dataclass(frozen=True)
class Change:
    """How one path's entry differs between two manifests (``None``: no entry)."""

    rel: str
    old: Entry | None
    new: Entry | None

    @property
    def new_version(self) -> bool:
        """``new`` is a live version that ``old`` did not have (absent, deleted or another MD5)."""
        return (
            self.new is not None
            and not self.new.deleted
            and (self.old is None or self.old.deleted or self.old.md5 != self.new.md5)
        )

    @property
    def new_deletion(self) -> bool:
        """``new`` is a tombstone of a file ``old`` had live."""
        return self.new is not None and self.new.deleted and self.old is not None and not self.old.deleted


def changes(old: Manifest, new: Manifest) -> list[Change]:
    """Every path whose entry differs between ``old`` and ``new``, sorted by path."""
    rels = sorted(set(old.files) | set(new.files))
    return [Change(r, old.files.get(r), new.files.get(r)) for r in rels if old.files.get(r) != new.files.get(r)]


def load_at(root: Path, commit: str, path: str) -> Manifest:
    """The manifest committed at ``commit:path`` (``path`` relative to the work tree
    ``root``); an empty one when absent or not a manifest. It came through git
    from someone else: entries of the wrong shape are left out, names are kept
    as written (callers check them, DESIGN §6)."""
    from git_vam import git

    project = path.split("/")[0]
    empty = Manifest("", project)
    try:
        data = json.loads(git.show(root, commit, path) or "{}")
    except ValueError:
        return empty
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return empty
    entries = {}
    for rel, entry in files.items():
        try:
            entries[str(rel)] = Entry.from_json(entry)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return Manifest(printable(data.get("brand") or ""), project, entries)


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
