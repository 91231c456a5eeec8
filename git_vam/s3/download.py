"""Downloads: ranged, resumable, verified as they stream (DESIGN §4)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions

from git_vam.errors import S3Error
from git_vam.fs import open_tmp, printable
from git_vam.pool import check_cancelled, run_parallel
from git_vam.s3.connection import Connection
from git_vam.s3.model import (
    DOWNLOAD_CHUNK,
    MAX_PARTS,
    STREAM_CHUNK,
    Progress,
    RemoteObject,
    multipart_etag,
    part_size_of,
)
from git_vam.units import HASH_READ

RETRYABLE_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ResponseStreamingError,
    botocore.exceptions.IncompleteReadError,
    botocore.exceptions.ConnectionClosedError,
    ConnectionError,
    TimeoutError,
)


def download(
    store: Connection,
    obj: RemoteObject,
    tmp: Path,
    *,
    progress: Progress | None = None,
    retries: int | None = None,
    jobs: int | None = None,
    chunk_size: int = DOWNLOAD_CHUNK,
) -> str:
    """Download ``obj`` into ``tmp``; returns the MD5 (hex) of what was received.

    With ``jobs`` > 1 (default: the store's) the object comes as ranges,
    ``jobs`` at a time, each written in place and MD5-hashed as it streams
    in (verification overlaps the transfer and uses every core):

    - one range: its MD5 is the file's;
    - ranges that are the object's own multipart parts (git-vam's part size,
      or the part size the ETag's part count implies): the MD5 of their MD5s
      must equal the ETag S3 computed from the parts it stored ("…-N").
      That binds the bytes to the upload whose whole-file MD5 is
      ``obj.md5``, which is then returned;
    - otherwise (no ``obj.md5``, SSE, other part sizes) or on a mismatch:
      the file is read back and hashed whole, and that MD5 is returned.

    Every GET is conditional on the ETag (a changed object raises
    ConflictError). A dropped stream resumes from its last byte, up to
    ``retries`` times per range with backoff. ``tmp.name + '.json'`` records
    the ETag and how many bytes of each range are on disk; a later call
    resumes from there, another ETag starts from byte 0. The caller compares
    the MD5 with the one it expects, then renames. The file is fsynced
    before returning. Raises S3Error when a range keeps failing, OSError on
    local write errors.
    """
    jobs = store.jobs if jobs is None else jobs
    retries = store.transfer.stream_retries if retries is None else retries
    # unit: the span one MD5 covers (the object's part when the ETag can check
    # it, else a whole range); a range is a whole number of units
    unit = chunk = max(obj.size, 1)
    if jobs > 1:
        unit = part_size_of(obj.size, obj.part_count) if obj.md5 and not store.sse else 0
        unit = unit or max(chunk_size, -(-obj.size // MAX_PARTS))
        chunk = unit * max(1, chunk_size // unit)
    count = max(1, -(-obj.size // chunk))
    # the ranges' MD5s check something only as the whole file's (one range) or as
    # the object's parts; else the file is hashed whole once at the end, and only then
    by_parts = bool(obj.md5) and not store.sse and unit == part_size_of(obj.size, obj.part_count)
    ledger = _RangeLedger.resume(tmp, obj.etag, chunk, count)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    fd = open_tmp(tmp)
    failed = threading.Event()
    digests: list[bytes] = [b""] * max(1, -(-obj.size // unit))
    try:
        os.ftruncate(fd, min(os.fstat(fd).st_size, ledger.extent()))
        ledger.save()
        if progress and ledger.total():
            progress(ledger.total())

        def fetch(i: int) -> None:
            start, end = i * chunk, min(obj.size, (i + 1) * chunk)
            hasher = _UnitHasher(start, unit, digests) if len(digests) == 1 or by_parts else None
            for pos in range(start, start + ledger.have[i], HASH_READ):  # resumed: what is on disk
                if hasher:
                    hasher.update(os.pread(fd, min(HASH_READ, start + ledger.have[i] - pos), pos))
            attempt = 0
            while True:
                offset = start + ledger.have[i]
                if offset >= end and obj.size:
                    break
                try:
                    args: dict[str, Any] = {"Bucket": store.bucket, "Key": obj.key, "IfMatch": obj.etag}
                    if obj.size:
                        args["Range"] = f"bytes={offset}-{end - 1}"
                    resp = store.call(store.client.get_object, obj.key, **args)
                    for data in _iter_body(resp["Body"]):
                        if failed.is_set():
                            return
                        if offset + len(data) > end:
                            # a server answer is bounded: never more than the Range asked for
                            raise S3Error(
                                f"S3 sent more bytes than asked for {printable(obj.key)} (at byte {end}).",
                                "Check vam.endpoint: the server or a proxy in front of it misbehaves.",
                            )
                        os.pwrite(fd, data, offset)
                        if hasher:
                            hasher.update(data)
                        offset += len(data)
                        ledger.advance(i, len(data))
                        store.throttle.consume(len(data))
                        if progress:
                            progress(len(data))
                    if offset < end:
                        raise ConnectionError("stream ended early")
                    if not obj.size:
                        break
                except RETRYABLE_STREAM_ERRORS as exc:
                    attempt += 1
                    if attempt > retries:
                        raise S3Error(
                            f"Download of {obj.key} kept failing ({type(exc).__name__}) at byte {offset}.",
                            "Run the pull again: it resumes from there.",
                        ) from exc
                    time.sleep(min(8.0, 0.5 * 2**attempt))
            if hasher:
                hasher.finish()

        try:
            if count == 1:
                fetch(0)
            else:
                run_parallel(fetch, range(count), jobs)
        except BaseException:
            failed.set()
            raise
        if len(digests) == 1:
            md5 = digests[0].hex()
        elif by_parts and multipart_etag(digests) == obj.plain_etag:
            md5 = obj.md5  # the bytes are the parts S3 stored for that upload
        else:
            whole = hashlib.md5()
            for pos in range(0, obj.size, HASH_READ):
                whole.update(os.pread(fd, min(HASH_READ, obj.size - pos), pos))
            md5 = whole.hexdigest()
        os.fsync(fd)
    finally:
        failed.set()
        ledger.save()
        os.close(fd)
    return md5


class _UnitHasher:
    """MD5 of each ``unit``-byte span of a range that starts at ``start`` (a
    multiple of ``unit``), fed in order; digests land in ``out[span index]``."""

    def __init__(self, start: int, unit: int, out: list[bytes]) -> None:
        self.pos, self.unit, self.out = start, unit, out
        self.digest = hashlib.md5()

    def update(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            room = self.unit - self.pos % self.unit
            piece, view = view[:room], view[room:]
            self.digest.update(piece)
            self.pos += len(piece)
            if self.pos % self.unit == 0:
                self.out[self.pos // self.unit - 1] = self.digest.digest()
                self.digest = hashlib.md5()

    def finish(self) -> None:
        """Record the last, shorter span (the object's end)."""
        if self.pos % self.unit or self.pos == 0:
            self.out[self.pos // self.unit] = self.digest.digest()


class _RangeLedger:
    """Which bytes of a ranged download are on disk: ``have[i]`` bytes from the
    start of range ``i``. Saved beside the partial file (``NAME.json``) at most
    twice a second while data arrives, and on exit; data is written before it
    is counted, so the record never claims unwritten bytes."""

    def __init__(self, path: Path, etag: str, chunk: int, have: list[int]) -> None:
        self.path, self.etag, self.chunk, self.have = path, etag, chunk, have
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._saved_at = 0.0

    @classmethod
    def resume(cls, tmp: Path, etag: str, chunk: int, count: int) -> _RangeLedger:
        path = tmp.with_name(tmp.name + ".json")
        have = [0] * count
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            rec = json.loads(path.read_text())
            if (rec["etag"], rec["chunk"], len(rec["have"])) == (etag, chunk, count):
                have = [int(h) for h in rec["have"]]
        ledger = cls(path, etag, chunk, have)
        size = tmp.stat().st_size if tmp.exists() else 0
        if size < ledger.extent() or any(not 0 <= h <= chunk for h in have):
            ledger.have = [0] * count  # the record claims bytes the file lacks: start over
        return ledger

    def extent(self) -> int:
        """Bytes up to the end of the last range that holds data."""
        ends = [i * self.chunk + h for i, h in enumerate(self.have) if h]
        return max(ends, default=0)

    def total(self) -> int:
        return sum(self.have)

    def advance(self, i: int, n: int) -> None:
        with self._lock:
            self.have[i] += n
        if time.monotonic() - self._saved_at > 0.5:
            self.save(wait=False)

    def save(self, wait: bool = True) -> None:
        if not self._save_lock.acquire(blocking=wait):
            return  # another thread is saving right now
        try:
            with self._lock:
                rec = {"etag": self.etag, "chunk": self.chunk, "have": list(self.have)}
                self._saved_at = time.monotonic()
            part = self.path.with_name(self.path.name + ".new")
            with contextlib.suppress(OSError):
                part.write_text(json.dumps(rec) + "\n")
                os.replace(part, self.path)
        finally:
            self._save_lock.release()


def _iter_body(body: Any) -> Iterator[bytes]:
    try:
        while chunk := body.read(STREAM_CHUNK):
            check_cancelled()
            yield chunk
    finally:
        body.close()
