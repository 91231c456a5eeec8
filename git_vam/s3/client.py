"""The S3 client: connection, one error translator, listing and small operations.

``git_vam.s3`` is the only package that imports boto3. botocore errors are
translated here, where they enter, into VamError with a remedy (no
credentials, access denied, no such bucket, endpoint unreachable,
precondition failed).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import botocore.exceptions
import botocore.session
import botocore.utils
from botocore.config import Config

from git_vam.errors import VamError
from git_vam.fs import printable
from git_vam.layout import METADATA_JSON, TIME_FORMAT
from git_vam.s3.errors import translate
from git_vam.s3.model import Listing, RemoteObject, Throttle, TransferConfig, is_md5, md5_from_etag
from git_vam.s3.upload import no_expect_for_small_bodies

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


@dataclass
class S3Store:
    """One bucket on one endpoint. Thread-safe: one botocore client shared by all workers."""

    bucket: str
    transfer: TransferConfig
    endpoint: str | None = None
    region: str = "us-east-1"
    credentials: dict[str, str] = field(default_factory=dict)
    sse: str | None = None
    kms_key_id: str | None = None
    accelerate: bool = False
    _client: Any = None

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.transfer.max_bandwidth)

    @property
    def jobs(self) -> int:
        """Transfers (or parts, ranges) in flight at once (``TransferConfig.jobs``)."""
        return self.transfer.jobs

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
            with self.translated():
                self._client = self._make_client(session, s3_options)
        return self._client

    def _make_client(self, session: Any, s3_options: Any) -> Any:
        client = session.client(
            "s3",
            endpoint_url=self.endpoint or None,
            region_name=self.region,
            aws_access_key_id=self.credentials.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=self.credentials.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=self.credentials.get("AWS_SESSION_TOKEN"),
            config=Config(
                # Standard mode retries throttling, 5xx and dropped connections with
                # exponential backoff and jitter.
                retries={"mode": "standard", "max_attempts": self.transfer.max_attempts},
                connect_timeout=self.transfer.connect_timeout,
                read_timeout=self.transfer.read_timeout,
                max_pool_connections=self.transfer.connections,
                s3=s3_options,
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                # SigV4 everywhere, presigned URLs included: AWS refuses SigV2
                # for buckets made after June 2020 and in newer regions
                signature_version="s3v4",
            ),
        )
        client.meta.events.register_last("before-call.s3", no_expect_for_small_bodies)
        return client

    # -- errors -------------------------------------------------------------
    def translate(self, exc: Exception, key: str = "") -> VamError:
        """A VamError with a remedy for a botocore exception (``s3.errors.translate``)."""
        return translate(exc, bucket=self.bucket, endpoint=self.endpoint, region=self.region, key=key)

    @contextlib.contextmanager
    def translated(self, key: str = "") -> Iterator[None]:
        """Run the block, turning a botocore error into VamError (``translate``)."""
        try:
            yield
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self.translate(exc, key) from exc

    def call(self, fn: Callable[..., Any], key: str = "", **kwargs: Any) -> Any:
        """``fn(**kwargs)`` (a client operation), its errors translated."""
        with self.translated(key):
            return fn(**kwargs)

    # -- reading ------------------------------------------------------------
    def check_bucket(self) -> None:
        """Raise a VamError with a remedy when the bucket cannot be used.

        A one-key listing rather than HeadBucket: a HEAD error has no body, so
        a bad secret and a missing permission would both read as a bare 403.
        """
        self.call(self.client.list_objects_v2, Bucket=self.bucket, MaxKeys=1)

    def list_prefix(self, prefix: str) -> Listing:
        """Everything under ``prefix``, as a ``Listing``.

        ``rel`` is the key with ``prefix`` removed. The prefix's own
        ``.metadata.json`` (its ETag goes to ``summaries``), folder markers and
        in-progress uploads are left out of ``objects``; keys whose ``rel`` is
        unsafe (``..``, absolute, backslash, NUL, empty segments) go to
        ``refused`` instead.
        """
        from git_vam.paths import safe_rel

        out: dict[str, RemoteObject] = {}
        refused: list[str] = []
        summaries: dict[str, str] = {}
        with self.translated():
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    rel = key[len(prefix) :]
                    folder, _, name = rel.rpartition("/")
                    if name == METADATA_JSON:
                        summaries[folder] = str(item.get("ETag", ""))
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
                        last_modified=item["LastModified"].strftime(TIME_FORMAT),
                        md5=md5_from_etag(etag) if not self.sse else "",
                    )
        return Listing(out, refused, summaries)

    def list_folders(self, prefix: str) -> set[str]:
        """The names of the "folders" right under ``prefix`` (ListObjectsV2 with a
        ``/`` delimiter: one request per 1,000 names)."""
        names: set[str] = set()
        with self.translated():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, Delimiter="/"
            )
            for page in pages:
                names |= {str(p["Prefix"])[len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", [])}
        return names

    def head(self, obj: RemoteObject) -> RemoteObject:
        """``obj`` completed with its metadata (md5, uploaded-by, uploaded-at, mtime)."""
        resp = self.call(self.client.head_object, obj.key, Bucket=self.bucket, Key=obj.key)
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
            md5=md5 if is_md5(md5) else obj.md5,
            uploaded_by=meta.get("uploaded-by", ""),
            uploaded_at=meta.get("uploaded-at", ""),
            mtime=meta.get("mtime", ""),
        )

    def get_json(self, key: str) -> tuple[Any, str]:
        """``(parsed JSON, ETag)`` of a small object, ``(None, "")`` when absent or not JSON."""

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

        cond = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        body = (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
        resp = self.call(
            self.client.put_object,
            key,
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),
            **cond,
            **self.sse_args(),
        )
        return str(resp["ETag"])

    # -- writing ------------------------------------------------------------
    def sse_args(self) -> dict[str, str]:
        if not self.sse:
            return {}
        args = {"ServerSideEncryption": self.sse}
        if self.kms_key_id:
            args["SSEKMSKeyId"] = self.kms_key_id
        return args

    def abort_quietly(self, key: str, upload_id: str) -> None:
        # Best effort: the lifecycle rule aborts stale uploads after 7 days anyway.
        with contextlib.suppress(botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def keep_copy(self, obj: RemoteObject, dest_key: str) -> None:
        """Server-side copy of ``obj`` (exactly the version with its ETag) to
        ``dest_key``, metadata included; multipart for objects over 5 GiB
        (s3transfer). Raises ConflictError when the object changed meanwhile."""
        with self.translated(obj.key):
            self.client.copy(
                CopySource={"Bucket": self.bucket, "Key": obj.key},
                Bucket=self.bucket,
                Key=dest_key,
                ExtraArgs={"CopySourceIfMatch": obj.etag, "MetadataDirective": "COPY", **self.sse_args()},
            )

    def presign(self, key: str, seconds: int) -> str:
        """A presigned GET URL for ``key`` valid ``seconds`` (SigV4 limit: 7 days)."""
        with self.translated(key):
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
                )
            )

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

        resp = self.call(self.client.list_objects_v2, Bucket=self.bucket, MaxKeys=1)
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

    def list_keys(self, prefix: str = "") -> Iterator[tuple[str, int, str]]:
        """``(key, size in bytes, storage class)`` of every object under ``prefix``."""
        with self.translated():
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield str(item["Key"]), int(item["Size"]), str(item.get("StorageClass") or "STANDARD")

    def head_key(self, key: str) -> dict[str, Any]:
        """The raw HEAD answer for ``key`` (ContentLength, ETag, StorageClass, Restore, Metadata)."""
        return dict(self.call(self.client.head_object, key, Bucket=self.bucket, Key=key))

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
        with self.translated():
            for page in self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=prefix):
                out += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
        return out

    def abort_upload(self, key: str, upload_id: str) -> None:
        self.call(self.client.abort_multipart_upload, key, Bucket=self.bucket, Key=key, UploadId=upload_id)

    def delete(self, key: str, if_match: str = "") -> None:
        """Delete ``key``; with ``if_match`` only while it still has that ETag
        (ConflictError otherwise: someone uploaded a newer version)."""
        extra = {"IfMatch": if_match} if if_match else {}
        self.call(self.client.delete_object, key, Bucket=self.bucket, Key=key, **extra)

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

    # -- transfers (s3/upload.py, s3/download.py) ----------------------------
    def upload(self, path: Path, key: str, md5: str, metadata: dict[str, str], **options: Any) -> str:
        """Upload ``path`` to ``key``; see ``git_vam.s3.upload.upload``."""
        from git_vam.s3.upload import upload

        return upload(self, path, key, md5, metadata, **options)

    def download(self, obj: RemoteObject, tmp: Path, **options: Any) -> str:
        """Download ``obj`` into ``tmp``; see ``git_vam.s3.download.download``."""
        from git_vam.s3.download import download

        return download(self, obj, tmp, **options)
