"""``git vam policy``: the least-privilege IAM policy for one person's IAM user
(DESIGN §9: the design's ``david-video-projects``, ``jan-video-projects``):
exactly the S3 actions git-vam uses, scoped to this brand's prefixes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from git_vam.layout import LOCK_PREFIX, PROBE_PREFIX, TRASH_PREFIX, brand_prefix

if TYPE_CHECKING:
    from git_vam.config import Settings

# what each prefix is for (every key git-vam reads or writes is under one)
OBJECT_ACTIONS = [
    "s3:GetObject",  # HEAD, GET, and the source of a server-side copy
    "s3:PutObject",  # PUT, multipart uploads and copies (create, parts, complete)
    "s3:DeleteObject",  # push --delete, cleanup, the probe's removal
    "s3:AbortMultipartUpload",  # a conflict or Ctrl-C ends an upload
    "s3:ListMultipartUploadParts",  # a push resumes from the parts S3 holds
    "s3:RestoreObject",  # restore from a Glacier class
    "s3:GetObjectVersion",  # pull --version from a versioned bucket's earlier versions
]
BUCKET_ACTIONS = [
    "s3:ListBucket",  # listings (status, pull, cost: the whole bucket)
    "s3:ListBucketMultipartUploads",  # cleanup aborts unfinished uploads
    "s3:ListBucketVersions",  # pull --version: a versioned bucket's earlier versions
]
ADMIN_ACTIONS = ["s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"]  # git vam lifecycle


def prefixes(settings: Settings) -> list[str]:
    """The key prefixes git-vam uses for this brand: staging, the S3 trash, the
    conditional-write probe, the locks, and the archive (last; in its own
    bucket when set)."""
    staging = settings.staging_prefix
    return [
        brand_prefix(staging, settings.brand),
        f"{staging}{TRASH_PREFIX}{settings.brand}/",
        f"{staging}{PROBE_PREFIX}",
        f"{staging}{LOCK_PREFIX}{settings.brand}/",
        brand_prefix(settings.archive_prefix, settings.brand),
    ]


def policy(settings: Settings, *, admin: bool = False) -> dict[str, Any]:
    """The IAM policy document (JSON-ready): object actions on the brand's
    prefixes, listing on the bucket, and with ``admin`` the lifecycle actions."""
    bucket = f"arn:aws:s3:::{settings.bucket}"
    archive = f"arn:aws:s3:::{settings.archive_bucket or settings.bucket}"  # vam.archiveBucket (DESIGN §8)
    *staging_prefixes, archive_prefix = prefixes(settings)
    buckets = sorted({bucket, archive})
    statements: list[dict[str, Any]] = [
        {"Sid": "GitVamObjects", "Effect": "Allow", "Action": OBJECT_ACTIONS,
         "Resource": [f"{bucket}/{p}*" for p in staging_prefixes] + [f"{archive}/{archive_prefix}*"]},
        {"Sid": "GitVamListing", "Effect": "Allow", "Action": BUCKET_ACTIONS, "Resource": buckets},
    ]  # fmt: skip
    if admin:
        statements.append({"Sid": "GitVamLifecycle", "Effect": "Allow", "Action": ADMIN_ACTIONS, "Resource": buckets})
    return {"Version": "2012-10-17", "Statement": statements}
