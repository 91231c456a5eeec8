"""The connection to one bucket: the boto3 session and client, the one error
translator, and what every request shares (SSE arguments, write conditions).

``upload.py``, ``download.py`` and ``store.py`` sit above this module; it
imports none of them. botocore errors are translated here, where they enter,
into VamError with a remedy (``s3.errors.translate``).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
import botocore.utils
from botocore.config import Config

from git_vam.errors import VamError
from git_vam.s3.errors import translate
from git_vam.s3.model import Throttle, TransferConfig

EXPECT_MIN = 8 * 1024**2  # bytes: smaller bodies go without Expect: 100-continue
CONFLICT_RETRIES = 4  # 409 ConditionalRequestConflict: tries after the first (0.2 + 0.4 + 0.8 + 1.6 s at most)


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
def session() -> boto3.session.Session:
    """One boto3 session per process: it caches the loaded service model, which
    costs ~60 ms per client otherwise. Credentials are still given per client."""
    core = botocore.session.get_session()
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_timestamp)
    return boto3.session.Session(botocore_session=core)


def no_expect_for_small_bodies(params: dict[str, Any], **_: Any) -> None:
    """botocore asks for ``Expect: 100-continue`` on every file-like body, which
    holds each PUT for one round trip before its first byte (220 ms from Asia to
    us-east-1: the whole cost of a small file). Below ``EXPECT_MIN`` the body
    costs less to send than that wait; a refused request (412, 403) wastes at
    most that much upload. Large parts keep the handshake."""
    body = params.get("body")
    if "Expect" in params.get("headers", {}) and body is not None:
        size = botocore.utils.determine_content_length(body)
        if size is not None and size < EXPECT_MIN:
            del params["headers"]["Expect"]


def error_codes(exc: botocore.exceptions.ClientError) -> set[str]:
    """The S3 error code and the HTTP status of a ClientError, as strings
    (a HEAD error has no body: its code is the status, e.g. ``"404"``)."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return {str(exc.response.get("Error", {}).get("Code", "")), str(status or "")} - {""}


def conditions(if_match: str = "") -> dict[str, Any]:
    """The write condition of DESIGN §4 as request arguments: only over the ETag
    ``if_match``, else only where the key does not exist yet (``If-None-Match: *``)."""
    return {"IfMatch": if_match} if if_match else {"IfNoneMatch": "*"}


@dataclass
class Connection:
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
            # payload_signing_enabled=False: no SHA-256 pass over every body on
            # plain-HTTP endpoints (botocore already skips it over HTTPS). Every
            # body we send carries a Content-MD5, which is signed and which S3
            # checks, so integrity does not depend on the payload hash.
            s3_options: Any = {"use_accelerate_endpoint": self.accelerate, "payload_signing_enabled": False}
            if self.endpoint:
                s3_options["addressing_style"] = "path"
            with self.translated():
                self._client = self._make_client(s3_options)
        return self._client

    def _make_client(self, s3_options: Any) -> Any:
        client = session().client(
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

    def call(
        self, fn: Callable[..., Any], key: str = "", *, tolerate: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        """``fn(**kwargs)`` (a client operation), its errors translated.

        ``tolerate`` maps an S3 error code or HTTP status (``"NoSuchKey"``,
        ``"404"``) to the value returned instead of raising, e.g.
        ``tolerate={"NoSuchKey": None}`` for "absent is an answer".

        ``409 ConditionalRequestConflict`` (AWS: another conditional write to the
        key is in flight) is tried again with the same condition, with backoff,
        up to ``CONFLICT_RETRIES`` times; a 412 is a real conflict and is not."""
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                return fn(**kwargs)
            except botocore.exceptions.ClientError as exc:
                codes = error_codes(exc)
                if "ConditionalRequestConflict" in codes and attempt < CONFLICT_RETRIES:
                    time.sleep(min(2.0, 0.2 * 2**attempt))
                    body: Any = kwargs.get("Body")
                    if hasattr(body, "seek"):
                        body.seek(0)  # the next call sends the body from its start again
                    continue
                for code in codes:
                    if tolerate and code in tolerate:
                        return tolerate[code]
                raise self.translate(exc, key) from exc
            except botocore.exceptions.BotoCoreError as exc:
                raise self.translate(exc, key) from exc
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- what every write shares ------------------------------------------
    def sse_args(self) -> dict[str, Any]:
        """``ServerSideEncryption`` (and the KMS key) for a request that stores bytes."""
        if not self.sse:
            return {}
        args: dict[str, Any] = {"ServerSideEncryption": self.sse}
        if self.kms_key_id:
            args["SSEKMSKeyId"] = self.kms_key_id
        return args

    def abort_quietly(self, key: str, upload_id: str) -> None:
        """Abort a multipart upload, best effort: the lifecycle rule aborts stale
        uploads after 7 days anyway."""
        with contextlib.suppress(botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
