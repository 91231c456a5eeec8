"""Everything that talks to S3; the only module that imports boto3.

Listing, HEAD, conditional single and multipart uploads, resumable verified
downloads, deletes and small JSON objects. botocore errors are translated here,
where they enter, into VamError with a remedy (no credentials, access denied,
no such bucket, endpoint unreachable, precondition failed).

S3 limits this module follows (AWS S3 "Multipart upload limits"): at most
10,000 parts, each 5 MiB to 5 GiB except the last, objects up to 5 TiB.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import boto3
import botocore.exceptions
import botocore.session
import botocore.utils
from botocore.config import Config

from git_vam.errors import ConfigError, ConflictError, S3Error, VamError
from git_vam.fs import open_tmp, printable
from git_vam.pool import run_parallel

MAX_PARTS = 10_000  # S3 limit: 10,000 parts per multipart upload
MIN_PART = 5 * 1024**2  # S3 limit: parts other than the last are at least 5 MiB
DEFAULT_PART = 16 * 1024**2
STREAM_CHUNK = 1024**2
HASH_READ = 8 * 1024**2
DOWNLOAD_CHUNK = 64 * 1024**2  # ranged GETs of a large object, vam.jobs at a time
METADATA_JSON = ".metadata.json"
# botocore's name for where it found credentials → words for `git vam config`
CREDENTIAL_SOURCES = {
    "env": "environment (AWS_ACCESS_KEY_ID)",
    "shared-credentials-file": "~/.aws/credentials (profile {profile})",
    "config-file": "~/.aws/config (profile {profile})",
    "sso": "AWS SSO (profile {profile})",
    "assume-role": "assumed role (profile {profile})",
    "assume-role-with-web-identity": "web identity role",
    "custom-process": "credential_process (profile {profile})",
    "iam-role": "instance role (EC2 metadata)",
    "container-role": "container role",
}

Progress = Callable[[int], None]


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


def _meta_encode(value: str) -> str:
    # S3 user metadata travels in HTTP headers: keep it ASCII, reversible.
    return quote(value, safe=" !#$&'()*+,-./:;=?@[]^_`{|}~")


def _timestamp(value: str) -> datetime:
    """S3 listings give ISO-8601 times (``2026-12-01T11:52:00.000Z``): read them with
    ``datetime.fromisoformat`` (Python 3.11+) rather than dateutil, which took
    ~90 µs a key; anything else goes to botocore's own parser."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed: datetime = botocore.utils.parse_timestamp(value)
        return parsed


@functools.lru_cache(maxsize=1)
def _session() -> boto3.session.Session:
    """One boto3 session per process: it caches the loaded service model, which
    costs ~60 ms per client otherwise. Credentials are still given per client."""
    core = botocore.session.get_session()
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_timestamp)
    return boto3.session.Session(botocore_session=core)


@dataclass(frozen=True)
class RemoteObject:
    """An object under a project prefix. ``md5`` is known from metadata, a cache, or a
    single-part ETag; empty when not known yet. ``rel`` is the path inside ``s3-staging/``."""

    key: str
    rel: str
    size: int
    etag: str
    last_modified: str = ""
    md5: str = ""
    uploaded_by: str = ""
    uploaded_at: str = ""
    mtime: str = ""

    @property
    def plain_etag(self) -> str:
        return self.etag.strip('"')

    @property
    def parts(self) -> int:
        """The part count of a multipart ETag (``"…-N"``), else 0."""
        _, dash, count = self.plain_etag.rpartition("-")
        return int(count) if dash and count.isdigit() else 0


def _is_md5(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def _md5_from_etag(etag: str) -> str:
    """A single-part, unencrypted object's ETag is its MD5; a multipart one (``…-N``) is not."""
    plain = etag.strip('"')
    return plain if _is_md5(plain) else ""


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


RETRYABLE_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ResponseStreamingError,
    botocore.exceptions.IncompleteReadError,
    botocore.exceptions.ConnectionClosedError,
    ConnectionError,
    TimeoutError,
)


@dataclass
class S3Store:
    """One bucket on one endpoint. Thread-safe: one botocore client shared by all workers."""

    bucket: str
    endpoint: str | None = None
    region: str = "us-east-1"
    credentials: dict[str, str] = field(default_factory=dict)
    jobs: int = 4
    sse: str | None = None
    kms_key_id: str | None = None
    accelerate: bool = False
    max_bandwidth: int = 0
    max_attempts: int = 5
    connect_timeout: float = 10
    read_timeout: float = 60
    stream_retries: int = 5  # a dropped download stream resumes this many times per range
    _client: Any = None

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.max_bandwidth)

    @property
    def client(self) -> Any:
        if self._client is None:
            session = _session()
            # payload_signing_enabled=False: no SHA-256 pass over every body on
            # plain-HTTP endpoints (botocore already skips it over HTTPS). Every
            # body we send carries a Content-MD5, which is signed and which S3
            # checks, so integrity does not depend on the payload hash.
            s3_options: Any = {"use_accelerate_endpoint": self.accelerate, "payload_signing_enabled": False}
            if self.endpoint:
                s3_options["addressing_style"] = "path"
            try:
                self._client = self._make_client(session, s3_options)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                raise self.translate(exc) from exc
        return self._client

    def _make_client(self, session: Any, s3_options: Any) -> Any:
        return session.client(
            "s3",
            endpoint_url=self.endpoint or None,
            region_name=self.region,
            aws_access_key_id=self.credentials.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=self.credentials.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=self.credentials.get("AWS_SESSION_TOKEN"),
            config=Config(
                # Standard mode retries throttling, 5xx and dropped connections with
                # exponential backoff and jitter.
                retries={"mode": "standard", "max_attempts": self.max_attempts},
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                max_pool_connections=max(10, self.jobs * 3),
                s3=s3_options,
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                # SigV4 everywhere, presigned URLs included: AWS refuses SigV2
                # for buckets made after June 2020 and in newer regions
                signature_version="s3v4",
            ),
        )

    # -- errors -------------------------------------------------------------
    def translate(self, exc: Exception, key: str = "") -> VamError:
        """A VamError with a remedy for a botocore exception."""
        where = self.endpoint or "AWS S3"
        if isinstance(exc, VamError):
            return exc
        if isinstance(exc, botocore.exceptions.NoCredentialsError):
            return ConfigError(
                "No AWS credentials found.",
                "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (environment or .video-tools.env), "
                "or configure a profile (`aws configure`).",
            )
        if isinstance(exc, botocore.exceptions.PartialCredentialsError):
            missing = str(getattr(exc, "kwargs", {}).get("cred_var", "a key"))
            return ConfigError(
                f"The AWS credentials are incomplete ({printable(missing)} is missing).",
                "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then ~/.aws is used).",
            )
        if isinstance(
            exc,
            (
                botocore.exceptions.EndpointConnectionError,
                botocore.exceptions.ConnectTimeoutError,
                botocore.exceptions.ConnectionClosedError,
            ),
        ):
            return S3Error(
                f"Cannot reach S3 at {where}.",
                "Check your network and vam.endpoint / AWS_ENDPOINT_URL, then run this again.",
            )
        if isinstance(exc, botocore.exceptions.ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("BadDigest", "InvalidDigest"):
                return S3Error(
                    f"S3 received {key or 'a body'} damaged, or the file changed while it was sent ({code}).",
                    "Run the push again.",
                )
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status == 412:
                return ConflictError(f"{key or 'The object'} changed on S3 meanwhile.", "Run `git vam status`.")
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
                return ConfigError(
                    f"S3 rejected the credentials ({code}).",
                    "Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or your profile"
                    " (`git vam config` shows where they come from).",
                )
            if code in ("AccessDenied", "AllAccessDisabled") or status == 403:
                return ConfigError(
                    f"Access denied to s3://{self.bucket}/{key} ({code or status}).",
                    "Ask the bucket owner for list/get/put/delete rights on the staging prefix.",
                )
            if code == "NoSuchBucket" or (status == 404 and not key):
                return ConfigError(
                    f"Bucket {self.bucket!r} does not exist at {where}.",
                    "Create it, or fix vam.bucket / S3_BUCKET (`git vam config` shows where it is set).",
                )
            if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"):
                return ConfigError(
                    f"Bucket {self.bucket!r} is in another region than {self.region!r}.",
                    "Set vam.region (or AWS_REGION) to the bucket's region.",
                )
            text = f"S3 error on {key or self.bucket}: {code or status} {err.get('Message', '')}"
            return S3Error(printable(text.strip())[:500])
        if isinstance(exc, botocore.exceptions.BotoCoreError):
            return S3Error(f"S3 request failed: {exc}", "Run again; add --debug for details.")
        return S3Error(f"S3 request failed: {exc}")

    def _call(self, fn: Callable[..., Any], key: str = "", **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self.translate(exc, key) from exc

    # -- reading ------------------------------------------------------------
    def check_bucket(self) -> None:
        """Raise a VamError with a remedy when the bucket cannot be used.

        A one-key listing rather than HeadBucket: a HEAD error has no body, so
        a bad secret and a missing permission would both read as a bare 403.
        """
        self._call(self.client.list_objects_v2, Bucket=self.bucket, MaxKeys=1)

    def list_prefix(self, prefix: str) -> tuple[dict[str, RemoteObject], list[str]]:
        """Objects under ``prefix`` as ``({rel: object}, refused_keys)``.

        ``rel`` is the key with ``prefix`` removed. The project's own
        ``.metadata.json``, folder markers and in-progress uploads are left out;
        keys whose ``rel`` is unsafe (``..``, absolute, backslash, NUL, empty
        segments) are returned in ``refused_keys`` instead.
        """
        from git_vam.paths import safe_rel

        out: dict[str, RemoteObject] = {}
        refused: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    rel = key[len(prefix) :]
                    if rel == METADATA_JSON or key.endswith("/"):
                        continue
                    norm = safe_rel(rel)
                    if norm is None:
                        refused.append(key)
                        continue
                    etag = str(item.get("ETag", ""))
                    out[norm] = RemoteObject(
                        key=key,
                        rel=norm,
                        size=int(item["Size"]),
                        etag=etag,
                        last_modified=item["LastModified"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                        md5=_md5_from_etag(etag) if not self.sse else "",
                    )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self.translate(exc) from exc
        return out, refused

    def list_folders(self, prefix: str) -> set[str]:
        """The names of the "folders" right under ``prefix`` (ListObjectsV2 with a
        ``/`` delimiter: one request per 1,000 names)."""
        names: set[str] = set()
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, Delimiter="/"
            )
            for page in pages:
                names |= {str(p["Prefix"])[len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", [])}
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self.translate(exc) from exc
        return names

    def head(self, obj: RemoteObject) -> RemoteObject:
        """``obj`` completed with its metadata (md5, uploaded-by, uploaded-at, mtime)."""
        resp = self._call(self.client.head_object, obj.key, Bucket=self.bucket, Key=obj.key)
        # metadata is written by whoever uploaded: control characters escaped, an
        # md5 that is not 32 hex digits ignored (DESIGN §6)
        meta = {k.lower(): printable(unquote(v))[:200] for k, v in resp.get("Metadata", {}).items()}
        md5 = meta.get("md5", "").lower()
        return RemoteObject(
            key=obj.key,
            rel=obj.rel,
            size=int(resp["ContentLength"]),
            etag=str(resp["ETag"]),
            last_modified=obj.last_modified,
            md5=md5 if _is_md5(md5) else obj.md5,
            uploaded_by=meta.get("uploaded-by", ""),
            uploaded_at=meta.get("uploaded-at", ""),
            mtime=meta.get("mtime", ""),
        )

    def get_json(self, key: str) -> tuple[Any, str]:
        """``(parsed JSON, ETag)`` of a small object, ``(None, "")`` when absent or not JSON."""
        import json

        try:
            resp = self.client.get_object(Bucket=self.bucket, Key=key)
            body = resp["Body"].read()
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None, ""
            raise self.translate(exc, key) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self.translate(exc, key) from exc
        try:
            return json.loads(body), str(resp["ETag"])
        except ValueError:
            return None, str(resp["ETag"])

    def put_json(self, key: str, data: Any, etag: str) -> str:
        """Write a small JSON object only if it is still at ``etag`` (``""``: only if absent).

        Returns the new ETag; raises ConflictError when someone wrote it meanwhile.
        """
        import json

        cond = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        body = (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
        resp = self._call(
            self.client.put_object,
            key,
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),
            **cond,
            **self._sse_args(),
        )
        return str(resp["ETag"])

    # -- writing ------------------------------------------------------------
    def _sse_args(self) -> dict[str, str]:
        if not self.sse:
            return {}
        args = {"ServerSideEncryption": self.sse}
        if self.kms_key_id:
            args["SSEKMSKeyId"] = self.kms_key_id
        return args

    def upload(
        self,
        path: Path,
        key: str,
        md5: str,
        metadata: dict[str, str],
        *,
        if_match: str = "",
        threshold: int = 64 * 1024**2,
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
        meta = {k: _meta_encode(v) for k, v in metadata.items()}
        meta["md5"] = md5
        cond = {"IfMatch": if_match} if if_match else {"IfNoneMatch": "*"}
        size = path.stat().st_size
        if size < threshold:
            return self._put_single(path, key, md5, meta, cond, progress)
        return self._put_multipart(path, key, size, md5, meta, cond, progress, journal, unchanged, part_md5s)

    def _put_single(
        self, path: Path, key: str, md5: str, meta: dict[str, str], cond: dict[str, str], progress: Progress | None
    ) -> str:
        size = path.stat().st_size
        etag, _ = self._send_slice(
            self.client.put_object, key, key, path, 0, size, bytes.fromhex(md5), progress,
            Metadata=meta, **cond, **self._sse_args(),
        )  # fmt: skip
        return etag

    def _send_slice(
        self, call: Callable[..., Any], what: str, key: str, path: Path, offset: int, length: int,
        digest: bytes | None, progress: Progress | None, **args: Any,
    ) -> tuple[str, bytes]:  # fmt: skip
        """Send ``length`` bytes of ``path`` from ``offset`` as the body of ``call``
        (PutObject or UploadPart), streamed, with their Content-MD5 (``digest``,
        else hashed from the file first), which S3 checks. Returns ``(ETag,
        digest)``. Without SSE the ETag S3 returns is the MD5 of what it stored
        and must equal ``digest`` (under SSE-KMS it is not an MD5; S3's own
        Content-MD5 check stands). Raises S3Error naming ``what`` otherwise."""
        with _FileSlice(path, offset, length, progress, self.throttle) as body:
            digest = digest or body.md5()
            resp = self._call(
                call, key, Bucket=self.bucket, Key=key, Body=body,
                ContentMD5=base64.b64encode(digest).decode(), **args,
            )  # fmt: skip
        etag = str(resp["ETag"])
        if not self.sse and etag.strip('"') != digest.hex():
            raise S3Error(f"S3 stored {what} as ETag {etag}, not the MD5 sent ({digest.hex()}).", "Run the push again.")
        return etag, digest

    def _put_multipart(
        self,
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
            self._abort(str(record.get("key", key)), str(record.get("upload_id", "")))  # a stale upload
            record = None
        if record:
            upload_id = str(record["upload_id"])
            found = self._parts_on_s3(key, upload_id, {int(k): v for k, v in record.get("parts", {}).items()})
            if found is None:  # the upload is gone (aborted or expired): start over
                upload_id = ""
            else:
                done = found
        if not upload_id:
            resp = self._call(
                self.client.create_multipart_upload,
                key,
                Bucket=self.bucket,
                Key=key,
                Metadata=meta,
                **self._sse_args(),
            )
            upload_id = str(resp["UploadId"])
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
            etag, digest = self._send_slice(
                self.client.upload_part, f"part {number} of {key}", key, path, offset, length,
                part_md5s[number - 1] if part_md5s else None, None, UploadId=upload_id, PartNumber=number,
            )  # fmt: skip
            with lock:
                done[number] = {"etag": etag, "md5": digest.hex()}
                persist()
            if progress:
                progress(length)

        run_parallel(send, [n for n in range(1, count + 1) if n not in done], self.jobs)
        parts = [{"PartNumber": n, "ETag": done[n]["etag"]} for n in range(1, count + 1)]
        if not unchanged():
            self._abort(key, upload_id)
            if journal:
                journal.clear()
            raise S3Error(f"{path.name} changed while it was uploading; nothing was published.", "Run the push again.")
        try:
            resp = self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}, **cond
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            err = self.translate(exc, key)
            if isinstance(err, ConflictError):
                # The parts are useless against someone else's newer object.
                self._abort(key, upload_id)
                if journal:
                    journal.clear()
            raise err from exc
        if journal:
            journal.clear()
        etag = str(resp["ETag"])
        expected = multipart_etag([bytes.fromhex(done[n]["md5"]) for n in range(1, count + 1)])
        if not self.sse and etag.strip('"') != expected:
            raise S3Error(f"S3 assembled {key} as {etag}, expected {expected}.", "Run the push again.")
        return etag

    def _parts_on_s3(
        self, key: str, upload_id: str, saved: dict[int, dict[str, str]]
    ) -> dict[int, dict[str, str]] | None:
        """Parts of ``upload_id`` that S3 holds and that match what we recorded
        sending (same MD5); None when S3 no longer knows the upload."""
        found: dict[int, dict[str, str]] = {}
        try:
            for page in self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            ):
                for part in page.get("Parts", []):
                    n = int(part["PartNumber"])
                    etag = str(part["ETag"])
                    if n in saved and saved[n]["md5"] == etag.strip('"'):
                        found[n] = {"etag": etag, "md5": saved[n]["md5"]}
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchUpload", "404"):
                return None
            raise self.translate(exc, key) from exc
        return found

    def _abort(self, key: str, upload_id: str) -> None:
        # Best effort: the lifecycle rule aborts stale uploads after 7 days anyway.
        with contextlib.suppress(botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def keep_copy(self, obj: RemoteObject, dest_key: str) -> None:
        """Server-side copy of ``obj`` (exactly the version with its ETag) to
        ``dest_key``, metadata included; multipart for objects over 5 GiB
        (s3transfer). Raises ConflictError when the object changed meanwhile."""
        try:
            self.client.copy(
                CopySource={"Bucket": self.bucket, "Key": obj.key},
                Bucket=self.bucket,
                Key=dest_key,
                ExtraArgs={"CopySourceIfMatch": obj.etag, "MetadataDirective": "COPY", **self._sse_args()},
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self.translate(exc, obj.key) from exc

    def presign(self, key: str, seconds: int) -> str:
        """A presigned GET URL for ``key`` valid ``seconds`` (SigV4 limit: 7 days)."""
        try:
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
                )
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self.translate(exc, key) from exc

    def credentials_origin(self) -> str:
        """Where the credentials come from, as botocore found them (``""`` when none;
        the credentials themselves are never returned). Raises ConfigError for
        incomplete ones (a key id without its secret, or the reverse)."""
        if self.credentials:  # from .video-tools.env: both keys or it is a mistake
            for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                if not self.credentials.get(var):
                    raise self.translate(botocore.exceptions.PartialCredentialsError(provider="env", cred_var=var))
            return ".video-tools.env (AWS_ACCESS_KEY_ID)"
        try:
            found = _session().get_credentials()
        except botocore.exceptions.BotoCoreError as exc:
            raise self.translate(exc) from exc
        if found is None:
            return ""
        method = str(getattr(found, "method", ""))
        profile = os.environ.get("AWS_PROFILE")
        return CREDENTIAL_SOURCES.get(method, f"AWS chain ({method})").format(profile=profile or "default")

    def server_time(self) -> datetime | None:
        """The server's clock (its Date header on a one-key listing), UTC."""
        from email.utils import parsedate_to_datetime

        resp = self._call(self.client.list_objects_v2, Bucket=self.bucket, MaxKeys=1)
        date = resp.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        return parsedate_to_datetime(date) if date else None

    def lifecycle_rules(self) -> list[dict[str, Any]]:
        """The bucket's lifecycle rules (``[]`` when it has none)."""
        try:
            resp = self.client.get_bucket_lifecycle_configuration(Bucket=self.bucket)
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchLifecycleConfiguration":
                return []
            raise self.translate(exc) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self.translate(exc) from exc
        return list(resp.get("Rules", []))

    def put_lifecycle_rules(self, rules: list[dict[str, Any]]) -> str:
        """Replace the bucket's lifecycle configuration. Returns "" on success, or
        the server's error code when it refuses the rules (nothing changed then)."""
        try:
            self.client.put_bucket_lifecycle_configuration(Bucket=self.bucket, LifecycleConfiguration={"Rules": rules})
        except botocore.exceptions.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NotImplemented", "InvalidRequest", "MalformedXML", "InvalidArgument"):
                return code
            raise self.translate(exc) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self.translate(exc) from exc
        return ""

    def inventory(self, prefix: str = "") -> Iterator[tuple[str, int, str]]:
        """``(key, size in bytes, storage class)`` of every object under ``prefix``."""
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield str(item["Key"]), int(item["Size"]), str(item.get("StorageClass") or "STANDARD")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self.translate(exc) from exc

    def head_key(self, key: str) -> dict[str, Any]:
        """The raw HEAD answer for ``key`` (ContentLength, ETag, StorageClass, Restore, Metadata)."""
        return dict(self._call(self.client.head_object, key, Bucket=self.bucket, Key=key))

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists (HEAD; 404 is False, other errors raise VamError)."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise self.translate(exc, key) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self.translate(exc, key) from exc
        return True

    def request_restore(self, key: str, days: int, tier: str) -> bool:
        """Start a Glacier restore of ``key`` for ``days`` at ``tier`` (Bulk/Standard/Expedited).

        Returns False when the server has no RestoreObject (SeaweedFS, MinIO
        without tiering answer MethodNotAllowed / NotImplemented): the object is
        then stored as any other and can be read directly."""
        try:
            self.client.restore_object(
                Bucket=self.bucket, Key=key, RestoreRequest={"Days": days, "GlacierJobParameters": {"Tier": tier}}
            )
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "RestoreAlreadyInProgress":
                return True
            if code in ("MethodNotAllowed", "NotImplemented"):
                return False
            raise self.translate(exc, key) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self.translate(exc, key) from exc
        return True

    def list_uploads(self, prefix: str) -> list[tuple[str, str]]:
        """Unfinished multipart uploads under ``prefix`` as ``[(key, upload_id)]``."""
        out = []
        try:
            for page in self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=prefix):
                out += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self.translate(exc) from exc
        return out

    def abort_upload(self, key: str, upload_id: str) -> None:
        self._call(self.client.abort_multipart_upload, key, Bucket=self.bucket, Key=key, UploadId=upload_id)

    def delete(self, key: str, if_match: str = "") -> None:
        """Delete ``key``; with ``if_match`` only while it still has that ETag
        (ConflictError otherwise: someone uploaded a newer version)."""
        extra = {"IfMatch": if_match} if if_match else {}
        self._call(self.client.delete_object, key, Bucket=self.bucket, Key=key, **extra)

    def delete_version(self, obj: RemoteObject, trash_key: str) -> str:
        """Delete exactly the version ``obj`` saw, keeping it recoverable.

        First a server-side copy to ``trash_key`` (``CopySourceIfMatch``: only that
        version), then a conditional DeleteObject (``If-Match``). A server that
        ignores ``If-Match`` on deletes still leaves the version seen in the trash.
        Returns ``trash_key``; raises ConflictError when the object changed.
        """
        self.keep_copy(obj, trash_key)
        self.delete(obj.key, if_match=obj.etag)
        return trash_key

    # -- downloading ----------------------------------------------------------
    def download(
        self,
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
        jobs = self.jobs if jobs is None else jobs
        retries = self.stream_retries if retries is None else retries
        # unit: the span one MD5 covers (the object's part when the ETag can check
        # it, else a whole range); a range is a whole number of units
        unit = chunk = max(obj.size, 1)
        if jobs > 1:
            unit = _part_size_of(obj.size, obj.parts) if obj.md5 and not self.sse else 0
            unit = unit or max(chunk_size, -(-obj.size // MAX_PARTS))
            chunk = unit * max(1, chunk_size // unit)
        count = max(1, -(-obj.size // chunk))
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
                hasher = _UnitHasher(start, unit, digests)
                for pos in range(start, start + ledger.have[i], HASH_READ):  # resumed: what is on disk
                    hasher.update(os.pread(fd, min(HASH_READ, start + ledger.have[i] - pos), pos))
                attempt = 0
                while True:
                    offset = start + ledger.have[i]
                    if offset >= end and obj.size:
                        break
                    try:
                        args: dict[str, Any] = {"Bucket": self.bucket, "Key": obj.key, "IfMatch": obj.etag}
                        if obj.size:
                            args["Range"] = f"bytes={offset}-{end - 1}"
                        resp = self._call(self.client.get_object, obj.key, **args)
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
                            hasher.update(data)
                            offset += len(data)
                            ledger.advance(i, len(data))
                            self.throttle.consume(len(data))
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
            elif unit == _part_size_of(obj.size, obj.parts) and multipart_etag(digests) == obj.plain_etag:
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


def _part_size_of(size: int, parts: int) -> int:
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


def discard_download(tmp: Path) -> None:
    """Remove a partial download and its range record (see S3Store.download)."""
    tmp.unlink(missing_ok=True)
    tmp.with_name(tmp.name + ".json").unlink(missing_ok=True)


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


class StreamUpload:
    """A write-only file object that streams into a multipart upload: no temporary
    copy on disk (for archives, whose size is only known at the end).

    ``write()`` fills ``part_size`` buffers and sends each as a part (at most
    ``jobs`` in flight); ``close()`` sends the last part and completes the upload
    conditionally. ``md5`` is the MD5 of everything written, ``size`` its length.
    """

    def __init__(
        self, store: S3Store, key: str, *, part_size: int, metadata: dict[str, str], storage_class: str,
        if_match: str = "", progress: Progress | None = None,
    ) -> None:  # fmt: skip
        from concurrent.futures import Future, ThreadPoolExecutor

        self.store, self.key, self.part_size = store, key, part_size
        self.cond = {"IfMatch": if_match} if if_match else {"IfNoneMatch": "*"}
        self.progress = progress
        self._digest = hashlib.md5()
        self._buffer = bytearray()
        self._parts: dict[int, tuple[str, bytes]] = {}
        self._futures: list[Future[None]] = []
        self._pool = ThreadPoolExecutor(max_workers=max(1, store.jobs))
        self._slots = threading.Semaphore(max(1, store.jobs) * 2)  # bounded memory: 2 × jobs parts
        self.size = 0
        extra = {"StorageClass": storage_class} if storage_class and storage_class != "STANDARD" else {}
        resp = store._call(
            store.client.create_multipart_upload, key, Bucket=store.bucket, Key=key,
            Metadata={k: _meta_encode(v) for k, v in metadata.items()}, **extra, **store._sse_args(),
        )  # fmt: skip
        self.upload_id = str(resp["UploadId"])

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
                resp = self.store._call(
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
            numbers = sorted(self._parts)
            if len(numbers) > MAX_PARTS:
                raise S3Error(f"{self.key} needed more than {MAX_PARTS} parts.", "Report this as a bug.")
            resp = self.store._call(
                self.store.client.complete_multipart_upload, self.key, Bucket=self.store.bucket, Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": self._parts[n][0]} for n in numbers]},
                **self.cond,
            )  # fmt: skip
        except BaseException:
            self.abort()
            raise
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        etag = str(resp["ETag"])
        expected = multipart_etag([self._parts[n][1] for n in sorted(self._parts)])
        if not self.store.sse and etag.strip('"') != expected:
            raise S3Error(f"S3 assembled {self.key} as {etag}, expected {expected}.", "Run the archive again.")
        return etag

    def abort(self) -> None:
        self.store._abort(self.key, self.upload_id)


def _iter_body(body: Any) -> Iterator[bytes]:
    try:
        while chunk := body.read(STREAM_CHUNK):
            yield chunk
    finally:
        body.close()


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
