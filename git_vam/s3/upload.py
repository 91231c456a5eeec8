"""Uploads: conditional single PUTs, and one multipart engine (create → parts →
complete with a condition → verify the ETag → abort on failure) with two
inputs: a file, resumable from the parts already on S3 (``upload``), and a
stream whose size is known only at the end (``StreamUpload``, archives). One
part sender (``_send_slice``) serves PutObject and UploadPart; only the
client's public API is used."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from git_vam.errors import ConflictError, S3Error
from git_vam.pool import CANCELLED, check_cancelled, run_parallel
from git_vam.s3.connection import Connection, conditions
from git_vam.s3.model import (
    MAX_PARTS,
    Progress,
    Throttle,
    UploadJournal,
    encode_metadata,
    etag_is_digest,
    multipart_etag,
    part_size_for,
)
from git_vam.units import HASH_READ


def upload(
    store: Connection,
    path: Path,
    key: str,
    md5: str,
    metadata: dict[str, str],
    *,
    if_match: str = "",
    threshold: int | None = None,
    progress: Progress | None = None,
    journal: UploadJournal | None = None,
    unchanged: Callable[[], bool] = lambda: True,
    part_md5s: list[bytes] | None = None,
) -> str:
    """Upload ``path`` to ``key``; returns the new ETag.

    Bodies are streamed from the file (memory does not grow with part
    size) with a Content-MD5 that S3 checks: ``part_md5s`` are the digests
    of the ``part_size_for(size)``-byte parts when the caller has them (the
    hash cache), else each part is hashed just before it is sent.

    Conditional (DESIGN §4): with ``if_match`` only over that ETag, else only
    if the key does not exist (``If-None-Match: *``), also on
    CompleteMultipartUpload. Raises ConflictError when the condition fails,
    S3Error when S3 stored something other than what was sent.
    ``unchanged()`` is asked before a multipart upload is completed: False
    (the file changed after it was hashed) aborts it rather than publish an
    object whose ``md5`` metadata would be wrong.
    ``metadata`` values are made ASCII-safe (percent-encoding).
    """
    meta = encode_metadata(metadata, md5)
    cond = conditions(if_match)
    size = path.stat().st_size
    if size < (store.transfer.multipart_threshold if threshold is None else threshold):
        return _put_single(store, path, key, md5, meta, cond, progress)
    return _put_multipart(store, path, key, size, md5, meta, cond, progress, journal, unchanged, part_md5s)


def _put_single(
    store: Connection,
    path: Path,
    key: str,
    md5: str,
    meta: dict[str, str],
    cond: dict[str, str],
    progress: Progress | None,
) -> str:
    size = path.stat().st_size
    etag, _ = _send_slice(
        store, store.client.put_object, key, key, path, 0, size, bytes.fromhex(md5), progress,
        Metadata=meta, **cond, **store.sse_args(),
    )  # fmt: skip
    return etag


def _send_slice(
    store: Connection, call: Callable[..., Any], what: str, key: str, path: Path, offset: int, length: int,
    digest: bytes | None, progress: Progress | None, **args: Any,
) -> tuple[str, bytes]:  # fmt: skip
    """Send ``length`` bytes of ``path`` from ``offset`` as the body of ``call``
    (PutObject or UploadPart), streamed, with their Content-MD5 (``digest``,
    else hashed from the file first), which S3 checks. Returns ``(ETag,
    digest)``. Without SSE the ETag S3 returns is the MD5 of what it stored
    and must equal ``digest`` (under SSE-KMS it is not an MD5; S3's own
    Content-MD5 check stands). Raises S3Error naming ``what`` otherwise."""
    with _FileSlice(path, offset, length, progress, store.throttle) as body:
        digest = digest or body.md5()
        resp = store.call(
            call, key, Bucket=store.bucket, Key=key, Body=body,
            ContentMD5=base64.b64encode(digest).decode(), **args,
        )  # fmt: skip
    etag = str(resp["ETag"])
    if etag_is_digest(resp, store.sse) and etag.strip('"') != digest.hex():
        raise S3Error(f"S3 stored {what} as ETag {etag}, not the MD5 sent ({digest.hex()}).", "Run the push again.")
    return etag, digest


def _put_multipart(
    store: Connection,
    path: Path,
    key: str,
    size: int,
    md5: str,
    meta: dict[str, str],
    cond: dict[str, str],
    progress: Progress | None,
    journal: UploadJournal | None,
    unchanged: Callable[[], bool],
    part_md5s: list[bytes] | None,
) -> str:
    part_size = part_size_for(size)
    count = -(-size // part_size)
    if part_md5s is not None and len(part_md5s) != count:
        part_md5s = None
    record = journal.load() if journal else None
    done: dict[int, dict[str, str]] = {}
    upload_id = ""
    if record and (record.get("key"), record.get("md5"), record.get("part_size")) != (key, md5, part_size):
        store.abort_quietly(str(record.get("key", key)), str(record.get("upload_id", "")))  # a stale upload
        record = None
    if record:
        upload_id = str(record["upload_id"])
        found = _parts_on_s3(store, key, upload_id, {int(k): v for k, v in record.get("parts", {}).items()})
        if found is None:  # the upload is gone (aborted or expired): start over
            upload_id = ""
        else:
            done = found
    if not upload_id:
        upload_id = create_upload(store, key, meta)
        done = {}
    lock = threading.Lock()

    def persist() -> None:
        if journal:
            journal.save(
                {
                    "key": key,
                    "md5": md5,
                    "size": size,
                    "part_size": part_size,
                    "upload_id": upload_id,
                    "parts": {str(n): p for n, p in done.items()},
                }
            )

    persist()
    if progress:
        progress(sum(min(part_size, size - (n - 1) * part_size) for n in done))

    def send(number: int) -> None:
        offset = (number - 1) * part_size
        length = min(part_size, size - offset)
        etag, digest = _send_slice(store, 
            store.client.upload_part, f"part {number} of {key}", key, path, offset, length,
            part_md5s[number - 1] if part_md5s else None, None, UploadId=upload_id, PartNumber=number,
        )  # fmt: skip
        with lock:
            done[number] = {"etag": etag, "md5": digest.hex()}
            persist()
        if progress:
            progress(length)

    run_parallel(send, [n for n in range(1, count + 1) if n not in done], store.jobs)
    if not unchanged():
        store.abort_quietly(key, upload_id)
        if journal:
            journal.clear()
        raise S3Error(f"{path.name} changed while it was uploading; nothing was published.", "Run the push again.")
    parts = [(done[n]["etag"], bytes.fromhex(done[n]["md5"])) for n in range(1, count + 1)]
    return complete_upload(store, key, upload_id, parts, cond, journal=journal)


def create_upload(store: Connection, key: str, meta: dict[str, str], **extra: Any) -> str:
    """CreateMultipartUpload with the object's metadata (already encoded) and
    SSE; returns the upload id."""
    resp = store.call(
        store.client.create_multipart_upload, key, Bucket=store.bucket, Key=key, Metadata=meta,
        **extra, **store.sse_args(),
    )  # fmt: skip
    return str(resp["UploadId"])


def complete_upload(
    store: Connection, key: str, upload_id: str, parts: list[tuple[str, bytes]], cond: dict[str, Any],
    *, journal: UploadJournal | None = None, again: str = "Run the push again.", verify: bool = True,
) -> str:  # fmt: skip
    """CompleteMultipartUpload of ``parts`` (``(ETag, MD5 digest)`` in part order)
    under the write condition ``cond``; returns the object's ETag.

    Raises ConflictError when the condition fails (the upload is aborted: its
    parts are useless against someone else's newer object), S3Error when S3
    assembled something other than the parts sent: without SSE the ETag must
    be the MD5 of the part MD5s with ``-N`` (S3 limit: 10,000 parts)."""
    if len(parts) > MAX_PARTS:
        raise S3Error(f"{key} needed more than {MAX_PARTS} parts.", "Report this as a bug.")
    numbered = [{"PartNumber": n, "ETag": etag} for n, (etag, _) in enumerate(parts, 1)]
    try:
        resp = store.call(
            store.client.complete_multipart_upload, key, Bucket=store.bucket, Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": numbered}, **cond,
        )  # fmt: skip
    except ConflictError:
        store.abort_quietly(key, upload_id)
        if journal:
            journal.clear()
        raise
    if journal:
        journal.clear()
    etag = str(resp["ETag"])
    expected = multipart_etag([digest for _, digest in parts])
    if verify and etag_is_digest(resp, store.sse) and etag.strip('"') != expected:
        raise S3Error(f"S3 assembled {key} as {etag}, expected {expected}.", again)
    return etag


def _parts_on_s3(
    store: Connection, key: str, upload_id: str, saved: dict[int, dict[str, str]]
) -> dict[int, dict[str, str]] | None:
    """Parts of ``upload_id`` that S3 holds and that match what we recorded
    sending (same MD5); None when S3 no longer knows the upload."""
    found: dict[int, dict[str, str]] = {}
    pages = store.client.get_paginator("list_parts").paginate(Bucket=store.bucket, Key=key, UploadId=upload_id)
    listed = store.call(lambda: list(pages), key, tolerate={"NoSuchUpload": None, "404": None})
    if listed is None:
        return None
    for page in listed:
        for part in page.get("Parts", []):
            n = int(part["PartNumber"])
            etag = str(part["ETag"])
            if n in saved and saved[n]["md5"] == etag.strip('"'):
                found[n] = {"etag": etag, "md5": saved[n]["md5"]}
    return found


class StreamUpload:
    """A write-only file object that streams into a multipart upload: no temporary
    copy on disk (for archives, whose size is only known at the end).

    ``write()`` fills ``part_size`` buffers and sends each as a part (at most
    ``jobs`` in flight); ``close()`` sends the last part and completes the upload
    conditionally. ``md5`` is the MD5 of everything written, ``size`` its length.
    """

    def __init__(
        self, store: Connection, key: str, *, part_size: int, metadata: dict[str, str], storage_class: str,
        if_match: str = "", progress: Progress | None = None,
    ) -> None:  # fmt: skip
        from concurrent.futures import Future, ThreadPoolExecutor

        self.store, self.key, self.part_size = store, key, part_size
        self.cond = conditions(if_match)
        self.progress = progress
        self._digest = hashlib.md5()
        self._buffer = bytearray()
        self._parts: dict[int, tuple[str, bytes]] = {}
        self._futures: list[Future[None]] = []
        self._pool = ThreadPoolExecutor(max_workers=max(1, store.jobs))
        self._slots = threading.Semaphore(max(1, store.jobs) * 2)  # bounded memory: 2 × jobs parts
        self.size = 0
        extra = {"StorageClass": storage_class} if storage_class and storage_class != "STANDARD" else {}
        self.upload_id = create_upload(store, key, encode_metadata(metadata), **extra)

    @property
    def md5(self) -> str:
        return self._digest.hexdigest()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        self._buffer += data
        self.size += len(data)
        while len(self._buffer) >= self.part_size:
            chunk = bytes(self._buffer[: self.part_size])
            del self._buffer[: self.part_size]
            self._send(chunk)
        return len(data)

    def _send(self, chunk: bytes) -> None:
        number = len(self._futures) + 1
        self._slots.acquire()

        def send() -> None:
            try:
                self.store.throttle.consume(len(chunk))
                digest = hashlib.md5(chunk).digest()
                resp = self.store.call(
                    self.store.client.upload_part, self.key, Bucket=self.store.bucket, Key=self.key,
                    UploadId=self.upload_id, PartNumber=number, Body=chunk,
                    ContentMD5=base64.b64encode(digest).decode(),
                )  # fmt: skip
                self._parts[number] = (str(resp["ETag"]), digest)
                if self.progress:
                    self.progress(len(chunk))
            finally:
                self._slots.release()

        self._futures.append(self._pool.submit(send))

    def close(self) -> str:
        """Send the rest and complete; returns the ETag (checked against the part MD5s)."""
        try:
            if self._buffer or not self._futures:
                self._send(bytes(self._buffer))
                self._buffer.clear()
            for f in self._futures:
                f.result()
            parts = [self._parts[n] for n in sorted(self._parts)]
            return complete_upload(
                self.store, self.key, self.upload_id, parts, self.cond, again="Run the archive again."
            )
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                CANCELLED.set()  # the parts in flight stop at their next chunk
            self.abort()
            raise
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        self.store.abort_quietly(self.key, self.upload_id)


class _FileSlice:
    """``length`` bytes of a file from ``offset`` as a seekable, read-only file
    object: a request body streamed from disk instead of held in memory.
    Progress and the bandwidth limit count each byte once, even when botocore
    rewinds the body to retry."""

    def __init__(self, path: Path, offset: int, length: int, progress: Progress | None, throttle: Throttle) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self._offset, self._length = offset, length
        self._pos = self._high = 0
        self._progress, self._throttle = progress, throttle

    def read(self, n: int | None = -1) -> bytes:
        check_cancelled()
        left = self._length - self._pos
        n = left if n is None or n < 0 else min(n, left)
        data = os.pread(self._fd, n, self._offset + self._pos) if n > 0 else b""
        self._pos += len(data)
        if self._pos > self._high:
            gained, self._high = self._pos - self._high, self._pos
            self._throttle.consume(gained)
            if self._progress:
                self._progress(gained)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._length)[whence]
        self._pos = max(0, min(self._length, base + offset))
        return self._pos

    def tell(self) -> int:
        return self._pos

    def md5(self) -> bytes:
        """MD5 digest of the whole slice (position and progress untouched)."""
        digest = hashlib.md5()
        for start in range(0, self._length, HASH_READ):
            digest.update(os.pread(self._fd, min(HASH_READ, self._length - start), self._offset + start))
        return digest.digest()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> _FileSlice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
