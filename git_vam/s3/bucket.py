"""Bucket administration beside the object store: access check, where the
credentials come from, the server's clock, lifecycle rules and Glacier
restore requests (``doctor``, ``config``, ``lifecycle``, ``restore``)."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import botocore.exceptions

from git_vam.s3.connection import Connection, session

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
# what a server answers for lifecycle rules it cannot keep (nothing changed then)
REFUSED_RULES = {c: c for c in ("NotImplemented", "InvalidRequest", "MalformedXML", "InvalidArgument")}
REFUSED = object()  # a conditional write the server refused, as it should
REFUSED_WRITE = {"PreconditionFailed": REFUSED, "412": REFUSED}
# RestoreObject: True (started, or already running); False where the server has none
RESTORE_ANSWERS = {"RestoreAlreadyInProgress": True, "MethodNotAllowed": False, "NotImplemented": False}


class Bucket(Connection):
    """The bucket-level operations of a Connection."""

    def check_bucket(self) -> None:
        """Raise a VamError with a remedy when the bucket cannot be used.

        A one-key listing rather than HeadBucket: a HEAD error has no body, so
        a bad secret and a missing permission would both read as a bare 403.
        """
        self.call(self.client.list_objects_v2, Bucket=self.bucket, MaxKeys=1)

    def region_of_bucket(self) -> str | None:
        """The bucket's region as S3 reports it (HeadBucket's ``x-amz-bucket-region``
        header, which AWS always sends); None when the server does not say (SeaweedFS)."""
        resp = self.call(self.client.head_bucket, "", Bucket=self.bucket)
        region = resp.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region")
        return str(region) if region else None

    def credentials_origin(self) -> str:
        """Where the credentials come from, as botocore found them (``""`` when none;
        the credentials themselves are never returned). Raises ConfigError for
        incomplete ones (a key id without its secret, or the reverse)."""
        if self.credentials:  # from .video-tools.env: both keys or it is a mistake
            for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                if not self.credentials.get(var):
                    raise self.translate(botocore.exceptions.PartialCredentialsError(provider="env", cred_var=var))
            return ".video-tools.env (AWS_ACCESS_KEY_ID)"
        with self.translated():
            found = session().get_credentials()
        if found is None:
            return ""
        method = str(getattr(found, "method", ""))
        profile = os.environ.get("AWS_PROFILE")
        return CREDENTIAL_SOURCES.get(method, f"AWS chain ({method})").format(profile=profile or "default")

    def server_time(self) -> datetime | None:
        """The server's clock (its Date header on a one-key listing), UTC; None when
        the answer has no readable Date (a proxy may add a second one)."""
        resp = self.call(self.client.list_objects_v2, Bucket=self.bucket, MaxKeys=1)
        date = resp.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        try:
            when = parsedate_to_datetime(str(date).split(",", 2)[-1] if str(date).count(",") > 1 else date)
        except (TypeError, ValueError):
            return None
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)

    def honours_conditions(self, key: str) -> bool:
        """Whether the server honours conditional writes: ``key`` (a probe object
        under ``{stagingPrefix}.vam-probe/``) is written twice with
        ``If-None-Match: *``, where the second write must be refused, then
        removed. Some S3-compatible servers ignore the header (DESIGN §9)."""
        body = b"git-vam probe: conditional writes\n"
        digest = base64.b64encode(hashlib.md5(body).digest()).decode()
        put = {"Bucket": self.bucket, "Key": key, "Body": body, "ContentMD5": digest, **self.sse_args()}
        try:
            self.call(self.client.put_object, key, IfNoneMatch="*", **put)
            second = self.call(self.client.put_object, key, IfNoneMatch="*", **put, tolerate=REFUSED_WRITE)
        finally:
            self.call(self.client.delete_object, key, Bucket=self.bucket, Key=key, tolerate={"404": None})
        return second is REFUSED

    def lifecycle_rules(self) -> list[dict[str, Any]]:
        """The bucket's lifecycle rules (``[]`` when it has none)."""
        resp = self.call(
            self.client.get_bucket_lifecycle_configuration,
            Bucket=self.bucket,
            tolerate={"NoSuchLifecycleConfiguration": {}},
        )
        return list(resp.get("Rules", []))

    def put_lifecycle_rules(self, rules: list[dict[str, Any]]) -> str:
        """Replace the bucket's lifecycle configuration. Returns "" on success, or
        the server's error code when it refuses the rules (nothing changed then)."""
        answer = self.call(
            self.client.put_bucket_lifecycle_configuration,
            Bucket=self.bucket,
            LifecycleConfiguration={"Rules": rules},
            tolerate=REFUSED_RULES,
        )
        return answer if isinstance(answer, str) else ""

    def request_restore(self, key: str, days: int, tier: str) -> bool:
        """Start a Glacier restore of ``key`` for ``days`` at ``tier`` (Bulk/Standard/Expedited).

        Returns False when the server has no RestoreObject (SeaweedFS, MinIO
        without tiering answer MethodNotAllowed / NotImplemented): the object is
        then stored as any other and can be read directly."""
        request = {"Days": days, "GlacierJobParameters": {"Tier": tier}}
        answer = self.call(
            self.client.restore_object, key, Bucket=self.bucket, Key=key, RestoreRequest=request,
            tolerate=RESTORE_ANSWERS,
        )  # fmt: skip
        return answer if isinstance(answer, bool) else True
