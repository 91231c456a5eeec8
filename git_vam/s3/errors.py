"""botocore errors translated into VamError with a remedy (STYLE: "translate
low-level errors where they enter", as pre-commit's git.py does)."""

from __future__ import annotations

import botocore.exceptions

from git_vam.errors import ConfigError, ConflictError, S3Error, VamError
from git_vam.fs import printable

# The IAM action each S3 operation git-vam makes needs (AWS: "Actions, resources,
# and condition keys for Amazon S3", and each operation's "Permissions" section).
IAM_ACTIONS = {
    "ListObjectsV2": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "HeadObject": "s3:GetObject",
    "GetObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "CopyObject": "s3:PutObject",
    "UploadPartCopy": "s3:PutObject",
    "ListParts": "s3:ListMultipartUploadParts",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "DeleteObject": "s3:DeleteObject",
    "RestoreObject": "s3:RestoreObject",
    "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
}
BUCKET_OPERATIONS = {"ListObjectsV2", "HeadBucket", "ListObjectVersions", "ListMultipartUploads",
                     "GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration"}  # fmt: skip


def denied(operation: str, bucket: str, key: str) -> str:
    """What an AccessDenied refused, as an IAM policy names it: ``"s3:PutObject on
    s3://BUCKET/KEY"`` (a copy also needs ``s3:GetObject`` on its source)."""
    action = IAM_ACTIONS.get(operation, operation or "this S3 request")
    where = f"s3://{bucket}" if operation in BUCKET_OPERATIONS or not key else f"s3://{bucket}/{printable(key)}"
    extra = " (and s3:GetObject on the copy's source)" if operation in ("CopyObject", "UploadPartCopy") else ""
    return f"{action} on {where}{extra}"


def translate(exc: Exception, *, bucket: str, endpoint: str | None, region: str, key: str = "") -> VamError:
    """A VamError with a remedy for a botocore exception, where it enters: no or
    incomplete credentials, endpoint unreachable, damaged body, precondition
    failed (a conflict), rejected credentials, access denied, no such bucket,
    wrong region; anything else as S3Error with the server's (escaped) message."""
    where = endpoint or "AWS S3"
    if isinstance(exc, VamError):
        return exc
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return ConfigError(
            "No AWS credentials found.",
            "Put them in ~/.aws/credentials (`aws configure`), name a profile with AWS_PROFILE, "
            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (environment or .video-tools.env).",
        )
    if isinstance(exc, botocore.exceptions.ProfileNotFound):
        profile = printable(getattr(exc, "kwargs", {}).get("profile", ""))
        return ConfigError(
            f"The AWS profile {profile!r} (AWS_PROFILE) is in neither ~/.aws/config nor ~/.aws/credentials.",
            "Fix AWS_PROFILE (`aws configure list-profiles` lists them), or unset it to use the default.",
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
                f"Access denied: these credentials lack {denied(exc.operation_name, bucket, key)} ({code or status}).",
                "Ask the bucket's owner to allow it; `git vam policy` prints the policy git-vam needs.",
            )
        if code == "NoSuchBucket" or (status == 404 and not key):
            return ConfigError(
                f"Bucket {bucket!r} does not exist at {where}.",
                "Create it, or fix vam.bucket / S3_BUCKET (`git vam config` shows where it is set).",
            )
        if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"):
            return ConfigError(
                f"Bucket {bucket!r} is in another region than {region!r}.",
                "Set vam.region (or AWS_REGION) to the bucket's region.",
            )
        text = f"S3 error on {key or bucket}: {code or status} {err.get('Message', '')}"
        return S3Error(printable(text.strip())[:500])
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return S3Error(f"S3 request failed: {exc}", "Run again; add --debug for details.")
    return S3Error(f"S3 request failed: {exc}")
