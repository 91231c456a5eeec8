"""What S3 objects and transfers are, without boto3: limits, part sizes, ETag
arithmetic, the object type, the bandwidth limit and the upload journal.

S3 limits followed here (AWS S3 "Multipart upload limits"): at most 10,000
parts, each 5 MiB to 5 GiB except the last, objects up to 5 TiB.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

from git_vam.fs import printable
from git_vam.meta import Meta
from git_vam.units import Progress as Progress  # re-exported for upload/download

MAX_PARTS = 10_000  # S3 limit: 10,000 parts per multipart upload
MIN_PART = 5 * 1024**2  # S3 limit: parts other than the last are at least 5 MiB
DEFAULT_PART = 16 * 1024**2
STREAM_CHUNK = 1024**2
DOWNLOAD_CHUNK = 64 * 1024**2  # ranged GETs of a large object, vam.jobs at a time
SMALL_FILES_AT_ONCE = 64  # small files in flight at most (TransferConfig.in_flight_bytes)


@dataclass(frozen=True)
class TransferConfig:
    """How transfers run, built once from the settings and handed down
    (s3transfer's ``TransferConfig``); nothing below re-reads the settings."""

    # No defaults for these two: the settings' (config.Settings) are the only ones.
    multipart_threshold: int  # bytes: files at or above go up in parts (vam.multipartThreshold)
    jobs: int  # one big file's parts or ranges in flight at once (vam.jobs); small files: in_flight_bytes
    max_bandwidth: int = 0  # bytes/s shared by every transfer of the run; 0: unlimited (vam.maxBandwidth)
    max_attempts: int = 5  # per request, botocore's standard retry mode (throttling, 5xx, dropped links)
    connect_timeout: float = 10  # seconds
    read_timeout: float = 60  # seconds
    stream_retries: int = 5  # a dropped download stream resumes this many times per range

    @property
    def in_flight_bytes(self) -> int:
        """Bytes of small files (under the multipart threshold) in flight at once:
        jobs × 16 MiB, what a big file's parts hold. Files that small cost a round
        trip (220 ms from Asia to us-east-1) more than bandwidth, so as many go
        at once as fit, at most SMALL_FILES_AT_ONCE, and never fewer than
        ``jobs``. Bigger files go fewer at a time, so each one finishes sooner:
        a dropped link costs the files in flight, each a single PUT or GET.
        Measured in benchmarks/bench_wan.py (220 ms, 200 Mbit/s), 50 files of
        256 KiB: push 4.8 s at 4 in flight, 2.1 s at 16, 1.8 s at 50."""
        return self.jobs * DEFAULT_PART

    @property
    def connections(self) -> int:
        """HTTP connections to keep: the most small files in flight, plus a big file's parts."""
        return SMALL_FILES_AT_ONCE + self.jobs

    @classmethod
    def for_hooks(cls, **settings: Any) -> TransferConfig:
        """Bounded for hooks (DESIGN §5): short timeouts and at most one retry, so a
        server that refuses, hangs or throttles cannot hold git for more than ~15 s."""
        return cls(max_attempts=2, connect_timeout=2, read_timeout=4, stream_retries=1, **settings)


def part_size_for(size: int, preferred: int = DEFAULT_PART) -> int:
    """Part size (bytes) for an object of ``size`` bytes: ``preferred`` unless
    that would need more than 10,000 parts, then the smallest whole MiB that fits
    (5 TiB → 525 MiB parts)."""
    needed = -(-size // MAX_PARTS)
    part = max(preferred, MIN_PART, needed)
    return -(-part // 1024**2) * 1024**2


def multipart_etag(part_md5s: list[bytes]) -> str:
    """The ETag S3 gives a multipart object: MD5 of the concatenated part MD5s, ``-N``."""
    return f"{hashlib.md5(b''.join(part_md5s)).hexdigest()}-{len(part_md5s)}"


def object_metadata(uploaded_by: str, uploaded_at: str, mtime: str = "") -> dict[str, str]:
    """The user metadata every object carries besides its ``md5`` (DESIGN §4):
    who uploaded it, when, and the file's mtime (UTC ISO-8601)."""
    meta = {"uploaded-by": uploaded_by, "uploaded-at": uploaded_at}
    if mtime:
        meta["mtime"] = mtime
    return meta


def encode_metadata(metadata: dict[str, str], md5: str = "") -> dict[str, str]:
    """``metadata`` (and ``md5``) as S3 user metadata: it travels in HTTP headers,
    so values are kept ASCII by reversible percent-encoding."""
    meta = {k: quote(v, safe=" !#$&'()*+,-./:;=?@[]^_`{|}~") for k, v in metadata.items()}
    if md5:
        meta["md5"] = md5
    return meta


def decode_metadata(raw: dict[str, str]) -> dict[str, str]:
    """S3 user metadata as written by whoever uploaded (DESIGN §6): keys lower-case,
    values decoded, control characters escaped, at most 200 characters; an ``md5``
    that is not 32 hex digits is dropped."""
    meta = {k.lower(): printable(unquote(v))[:200] for k, v in raw.items()}
    if not is_md5(meta.get("md5", "").lower()):
        meta.pop("md5", None)
    else:
        meta["md5"] = meta["md5"].lower()
    return meta


@dataclass(frozen=True, kw_only=True)
class RemoteObject(Meta):
    """An object under a project prefix: a Meta with its ``key``, its ``rel`` (the
    path inside ``s3-staging/``) and ``last_modified`` (UTC ISO-8601). ``md5`` is known
    from metadata, a cache, or a single-part ETag; empty when not known yet."""

    md5: str = ""
    key: str
    rel: str
    last_modified: str = ""

    @property
    def plain_etag(self) -> str:
        return self.etag.strip('"')

    @property
    def part_count(self) -> int:
        """The part count of a multipart ETag (``"…-N"``), else 0."""
        _, dash, count = self.plain_etag.rpartition("-")
        return int(count) if dash and count.isdigit() else 0


class Listing(NamedTuple):
    """One listing of a prefix: ``objects`` by ``rel`` (the key less the prefix),
    ``refused`` keys (unsafe ``rel``) and ``summaries``: the ETag of each
    ``.metadata.json`` seen, by its folder's ``rel`` (``""``: the prefix's own), so
    that a conditional rewrite needs no read first."""

    objects: dict[str, RemoteObject]
    refused: list[str]
    summaries: dict[str, str]


def is_md5(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def etag_is_digest(answer: dict[str, Any], sse: str | None = None) -> bool:
    """Whether the ETag of an S3 answer (PutObject, UploadPart, Complete, HEAD) is
    the MD5 of the bytes (of the parts' MD5s for a multipart ETag). AWS: only
    for objects stored unencrypted or with SSE-S3; with SSE-KMS or SSE-C (the
    answer names the encryption) it is not, and then verification rests on the
    uploader's ``md5`` metadata and the Content-MD5 S3 checked (DESIGN §9)."""
    encryption = str(answer.get("ServerSideEncryption") or "")
    return (
        sse not in ("aws:kms", "aws:kms:dsse")
        and not encryption.startswith("aws:kms")
        and "SSECustomerAlgorithm" not in answer
    )


def md5_from_etag(etag: str) -> str:
    """A single-part, unencrypted object's ETag is its MD5; a multipart one (``…-N``) is not."""
    plain = etag.strip('"')
    return plain if is_md5(plain) else ""


class Throttle:
    """A token bucket shared by all transfers of a run (``vam.maxBandwidth``, bytes/s; 0 = off)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def consume(self, n: int) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + n / self.rate
            wait = start - now
        if wait > 0:
            time.sleep(wait)


@dataclass
class UploadJournal:
    """Where a multipart upload's id and finished parts are kept between runs.

    ``load()`` returns the saved record or None; ``save(record)`` persists it;
    ``clear()`` forgets it. The record is a JSON-able dict.
    """

    load: Callable[[], dict[str, Any] | None]
    save: Callable[[dict[str, Any]], None]
    clear: Callable[[], None]


def part_size_of(size: int, parts: int) -> int:
    """The part size (bytes) an upload of ``size`` bytes in ``parts`` parts used:
    git-vam's own (``part_size_for``), else the whole-MiB size the count implies
    (aws s3's 8 MiB, for instance); 0 when neither fits (then the file is hashed
    whole after the download, so a wrong guess costs time, never correctness)."""
    if parts < 2:
        return 0
    for guess in (part_size_for(size), -(-size // parts // 1024**2) * 1024**2 or 1024**2):
        if guess >= MIN_PART and -(-size // guess) == parts:
            return guess
    return 0
