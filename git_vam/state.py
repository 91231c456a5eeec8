"""Per-clone state under ``.git/vam/`` (never committed).

- ``hashes.json``: the hash cache, MD5 by path (for files sent as multipart
  uploads also each part's MD5, their Content-MD5), valid while inode, size
  and mtime (ns) are unchanged, so unchanged files are never re-read.
- ``base/PROJECT.json``: the last-synced "base" record of every file, the
  version this clone and S3 last agreed on (DESIGN §4).
- ``tmp/``: partial downloads. ``trash/``: local files a sync replaced.
- ``lock``: one ``git vam`` at a time per clone.

A state file that cannot be parsed is treated as absent (the base then falls
back to the committed manifest and hashes are recomputed): it is a cache of
facts that S3 and the working tree hold, never the only copy of anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

from git_vam.errors import BusyError
from git_vam.layout import STATE_DIR
from git_vam.meta import Meta
from git_vam.units import HASH_READ, Progress

RACY_SECONDS = 2.0  # see State.remember_md5


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as sorted, two-space JSON with a final newline, atomically (fsync + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    """Parsed JSON at ``path``, or None when missing or unreadable as JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def md5_file(path: Path, progress: Progress | None = None) -> str:
    """Hex MD5 of the whole file, read in 1 MiB chunks."""
    return hash_file(path, 0, progress)[0]


def hash_file(path: Path, part_size: int = 0, progress: Progress | None = None) -> tuple[str, list[bytes]]:
    """``(hex MD5 of the whole file, [MD5 digest of each part_size-byte part])`` in one read.

    The part digests (none when ``part_size`` is 0) are what a multipart upload
    sends as Content-MD5; a second thread computes them while this one computes
    the whole-file MD5 (hashlib releases the GIL), so they cost no extra wall
    time on a machine with two cores.
    """
    digest = hashlib.md5()
    parts: list[bytes] = []
    feed: queue.Queue[bytes | None] = queue.Queue(maxsize=2)  # bounded memory: 3 chunks at most

    def hash_parts() -> None:
        part, filled = hashlib.md5(), 0
        while (chunk := feed.get()) is not None:
            part.update(chunk)  # chunks never straddle a part boundary
            filled += len(chunk)
            if filled == part_size:
                parts.append(part.digest())
                part, filled = hashlib.md5(), 0
        if filled:
            parts.append(part.digest())

    worker = threading.Thread(target=hash_parts, daemon=True) if part_size else None
    if worker:
        worker.start()
    try:
        with open(path, "rb", buffering=0) as fh:
            pos = 0
            while chunk := fh.read(min(HASH_READ, part_size - pos % part_size) if part_size else HASH_READ):
                digest.update(chunk)
                if worker:
                    feed.put(chunk)
                pos += len(chunk)
                if progress:
                    progress(len(chunk))
    finally:
        if worker:
            feed.put(None)
            worker.join()
    return digest.hexdigest(), parts


def state_dir(git_dir: Path) -> Path:
    """A clone's own folder, ``.git/vam/`` (never committed)."""
    return git_dir / STATE_DIR


class State:
    """The ``.git/vam`` folder of one clone, and every path in it: the hash cache,
    base records, partial downloads (``tmp/``), upload journals (``uploads/``),
    the trash and the crash log. Use as a context manager to hold the lock."""

    def __init__(self, git_dir: Path) -> None:
        self.dir = state_dir(git_dir)
        self.tmp_dir = self.dir / "tmp"
        self.trash_dir = self.dir / "trash"
        self.uploads_dir = self.dir / "uploads"
        self.crash_log = self.dir / "crash.log"
        self.conditions_file = self.dir / "conditions.json"  # per endpoint and bucket: honours If-None-Match?
        self._hashes: dict[str, list[Any]] | None = None
        self._hashes_dirty = False
        self._lock: Any = None

    # -- lock ---------------------------------------------------------------
    def __enter__(self) -> State:
        from filelock import FileLock, Timeout

        self.dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.dir / "lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise BusyError(
                "Another git vam is running in this clone.",
                "Wait for it to finish (or stop it), then run this again.",
            ) from None
        self._lock = lock
        return self

    def __exit__(self, *exc: object) -> None:
        self.save_hashes()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- hash cache ---------------------------------------------------------
    def _hash_table(self) -> dict[str, list[Any]]:
        if self._hashes is None:
            data = read_json(self.dir / "hashes.json")
            self._hashes = data if isinstance(data, dict) else {}
        return self._hashes

    def _entry(self, path: Path, st: os.stat_result) -> list[Any] | None:
        # [inode, size, mtime_ns, md5] or, with part digests, [..., md5, part_size, "hex…"]
        entry = self._hash_table().get(str(path))
        if isinstance(entry, list) and len(entry) in (4, 6) and entry[:3] == [st.st_ino, st.st_size, st.st_mtime_ns]:
            return entry
        return None

    def cached_md5(self, path: Path, st: os.stat_result) -> str | None:
        """The cached MD5 of ``path`` if inode, size and mtime still match, else None."""
        entry = self._entry(path, st)
        return str(entry[3]) if entry else None

    def cached_parts(self, path: Path, st: os.stat_result, part_size: int) -> list[bytes] | None:
        """The cached MD5 digest of each ``part_size``-byte part of ``path``, if
        the file is unchanged and was hashed with that part size, else None."""
        entry = self._entry(path, st)
        if not entry or len(entry) != 6 or entry[4] != part_size:
            return None
        try:
            blob = bytes.fromhex(str(entry[5]))
        except ValueError:
            return None
        parts = [blob[i : i + 16] for i in range(0, len(blob), 16)]
        return parts if len(parts) == max(1, -(-st.st_size // part_size)) else None

    def remember_md5(
        self, path: Path, md5: str, st: os.stat_result | None = None, parts: tuple[int, list[bytes]] | None = None
    ) -> None:
        """Cache ``md5`` for ``path`` unless the file was modified too recently to trust.

        Git's "racy clean" rule: file system clocks are coarse, so a file changed
        again within the same tick would keep its size and mtime. A file whose
        mtime is within RACY_SECONDS of now is hashed again next time instead.
        """
        st = st or path.stat()
        if abs(time.time() - st.st_mtime) < RACY_SECONDS:
            self._hashes_dirty = self._hash_table().pop(str(path), None) is not None or self._hashes_dirty
            return
        entry: list[Any] = [st.st_ino, st.st_size, st.st_mtime_ns, md5]
        if parts:
            entry += [parts[0], b"".join(parts[1]).hex()]
        self._hash_table()[str(path)] = entry
        self._hashes_dirty = True

    def md5(self, path: Path, progress: Progress | None = None, part_size: int = 0) -> str:
        """MD5 of ``path``, from the cache when the file is unchanged.

        With ``part_size`` the same read also computes (and caches) the MD5 of
        each part of that size, for a multipart upload (``cached_parts``).
        """
        st = path.stat()
        cached = self.cached_md5(path, st)
        if cached and (not part_size or self.cached_parts(path, st, part_size)):
            return cached
        md5, parts = hash_file(path, part_size, progress)
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns):
            # not cached if it changed while read
            self.remember_md5(path, md5, after, (part_size, parts) if part_size else None)
        return md5

    def save_hashes(self) -> None:
        if self._hashes_dirty and self._hashes is not None:
            live = {p: e for p, e in self._hashes.items() if os.path.exists(p)}
            write_json_atomic(self.dir / "hashes.json", live)
            self._hashes_dirty = False

    # -- base records -------------------------------------------------------
    def _base_path(self, project: str) -> Path:
        return self.dir / "base" / f"{project}.json"

    def load_base(self, project: str, location: str) -> dict[str, Meta]:
        """Base records of ``project`` for remote ``location`` (``bucket/prefix``).

        Records made against another bucket or prefix do not count.
        """
        data = read_json(self._base_path(project))
        if not isinstance(data, dict) or data.get("location") != location:
            return {}
        out = {}
        for rel, rec in (data.get("files") or {}).items():
            try:
                out[rel] = Meta(str(rec["md5"]), int(rec["size"]), str(rec.get("etag", "")))
            except (KeyError, TypeError, ValueError):
                continue  # a damaged record: fall back to the manifest for this file
        return out

    def save_base(self, project: str, location: str, records: dict[str, Meta]) -> None:
        """Write the records (atomically, fsynced), unless the file already says exactly that."""
        path = self._base_path(project)
        data = {
            "location": location,
            "files": {rel: {"md5": r.md5, "size": r.size, "etag": r.etag} for rel, r in sorted(records.items())},
        }
        if read_json(path) != data:
            write_json_atomic(path, data)

    # -- partial transfers ---------------------------------------------------
    def partial_download(self, key: str) -> Path:
        """Where the download of ``key`` collects its bytes until verified
        (``tmp/{sha1 of the key}.part``; its range record beside it)."""
        return self.tmp_dir / (hashlib.sha1(key.encode()).hexdigest() + ".part")

    def upload_journal(self, key: str) -> Path:
        """The record of a multipart upload to ``key`` in progress
        (``uploads/{sha1 of the key}.json``): what lets a push resume."""
        return self.uploads_dir / (hashlib.sha1(key.encode()).hexdigest() + ".json")

    # -- trash --------------------------------------------------------------
    def trash_path(self, project: str, rel: str, why: str) -> Path:
        """A fresh path under ``trash/`` for a replaced copy of ``project/rel``:
        ``trash/{YYYYmmddTHHMMSSZ}[-N].{why}/{project}/{rel}``, ``why`` the command
        that put it there (``pull``, ``pull-delete``, ``restore``, ``trash-restore``)."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        dest = self.trash_dir / f"{stamp}.{why}" / project / rel
        n = 1
        while dest.exists():
            dest = self.trash_dir / f"{stamp}-{n}.{why}" / project / rel
            n += 1
        return dest
