"""The bucket lifecycle rules git-vam wants, and merging them with the rules a
bucket already has (other rules are never touched). Pure data; ``s3.py`` reads
and writes the configuration.

Rules (IDs start with ``git-vam-`` so they can be told apart):
- ``git-vam-staging-expiry``: staging objects expire after ``vam.lifecycleDays``;
- ``git-vam-abort-multipart``: unfinished multipart uploads are aborted after
  7 days (their parts are billed until then);
- ``git-vam-archive-glacier``: archive objects move to GLACIER after
  ``vam.archiveGlacierDays``;
- ``git-vam-trash-expiry``: versions kept in the S3 trash (every replaced or
  deleted version, DESIGN §10) expire after ``vam.trashDays``.
"""

from __future__ import annotations

from typing import Any

from git_vam.layout import TRASH_PREFIX

PREFIX = "git-vam-"
ABORT_DAYS = 7


def wanted_rules(
    staging_prefix: str, archive_prefix: str, lifecycle_days: int, glacier_days: int, trash_days: int = 30
) -> list[dict[str, Any]]:
    """The rules in S3's PutBucketLifecycleConfiguration shape, sorted by ID.
    Where two rules cover a key (the trash is under the staging prefix) S3
    applies the earlier expiration (AWS: "Lifecycle configuration conflicts")."""
    return [
        {
            "ID": f"{PREFIX}abort-multipart",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_DAYS},
        },
        {
            "ID": f"{PREFIX}archive-glacier",
            "Filter": {"Prefix": archive_prefix},
            "Status": "Enabled",
            "Transitions": [{"Days": glacier_days, "StorageClass": "GLACIER"}],
        },
        {
            "ID": f"{PREFIX}staging-expiry",
            "Filter": {"Prefix": staging_prefix},
            "Status": "Enabled",
            "Expiration": {"Days": lifecycle_days},
        },
        {
            "ID": f"{PREFIX}trash-expiry",
            "Filter": {"Prefix": f"{staging_prefix}{TRASH_PREFIX}"},
            "Status": "Enabled",
            "Expiration": {"Days": trash_days},
        },
    ]


def merge(existing: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every rule of someone else's as it is, then ours (replacing older versions of ours)."""
    ours = {r["ID"] for r in wanted}
    return [r for r in existing if r.get("ID") not in ours] + wanted


def same_rule(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    """Whether a rule read back from S3 says what ``b`` says (S3 may drop empty fields)."""
    if a is None:
        return False
    keys = set(b) | set(a)
    return all(a.get(k) == b.get(k) for k in keys if k != "Filter") and (a.get("Filter") or {}).get("Prefix", "") == (
        b.get("Filter") or {}
    ).get("Prefix", "")
