"""Every folder, file and key name of git-vam, and the one time format, defined
once (DESIGN §1, §3, §4). Pure: imports nothing of git-vam's.

S3 keys: ``{stagingPrefix}{brand}/{project}/{path inside s3-staging}``; replaced
and deleted versions under ``{stagingPrefix}.vam-trash/{brand}/{project}/``;
archives under ``{archivePrefix}{brand}/{group}/``.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

STAGING_DIR = "s3-staging"  # a project's folder shared through S3 (untracked)
MANIFEST_NAME = "s3-staging.manifest.json"  # a project's committed manifest
MANIFEST_GLOB = f"*/{MANIFEST_NAME}"  # every project's manifest, as a git pathspec
CONFIG_FILE = ".vamconfig"  # team settings (tracked)
ENV_FILE = ".video-tools.env"  # personal settings of the existing tools (untracked)
METADATA_JSON = ".metadata.json"  # the existing tools' summary at a project prefix
TRASH_PREFIX = ".vam-trash/"  # under stagingPrefix: versions replaced or deleted
PROBE_PREFIX = ".vam-probe/"  # under stagingPrefix: the conditional-write probe (written, then removed)
LOCK_PREFIX = ".vam-locks/"  # under stagingPrefix: one object per locked path (DESIGN §10)
STATE_DIR = "vam"  # under the git dir: .git/vam/
# the S3 storage classes an archive may go to (AWS names); the Glacier ones need a restore first
STORAGE_CLASSES = ("STANDARD", "STANDARD_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # UTC ISO-8601, as stored in manifests and metadata


def utc_now() -> str:
    """Now as UTC ISO-8601 with a ``Z`` (``2026-12-01T08:00:00Z``)."""
    return datetime.now(timezone.utc).strftime(TIME_FORMAT)


def iso_from_ts(ts: float) -> str:
    """A POSIX timestamp (seconds) as UTC ISO-8601."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime(TIME_FORMAT)


def ts_from_iso(text: str) -> float | None:
    """UTC ISO-8601 (``TIME_FORMAT``) as a POSIX timestamp, None when it is not one."""
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


def compact(stamp: str) -> str:
    """``2026-12-01T08:00:00Z`` → ``20261201T080000Z``, for names and keys."""
    return stamp.replace("-", "").replace(":", "")


def brand_prefix(prefix: str, brand: str) -> str:
    """``{stagingPrefix}{brand}/``: the S3 prefix all of a brand's projects are under."""
    return f"{prefix}{brand}/"


def staging_prefix(prefix: str, brand: str, project: str) -> str:
    """``{stagingPrefix}{brand}/{project}/``: the S3 prefix of a project's staging files."""
    return f"{brand_prefix(prefix, brand)}{project}/"


def trash_key(prefix: str, brand: str, project: str, rel: str, etag: str, stamp: str) -> str:
    """``{stagingPrefix}.vam-trash/{brand}/{project}/{rel}.{time}.{etag}`` where a
    replaced or deleted version is kept, named by time and its own ETag so two in
    one second never share a key."""
    tag = etag.strip('"').replace("-", "")[:16]
    return f"{prefix}{TRASH_PREFIX}{brand}/{project}/{rel}.{compact(stamp)}.{tag}"


def archive_group(project: str) -> str:
    """``b40-old-project`` → ``b00-b49``: ranges of 50 when the name starts with a
    letter and two digits (DESIGN §3), else ``misc``."""
    m = re.match(r"([A-Za-z])(\d\d)", project)
    if not m:
        return "misc"
    letter, n = m.group(1).lower(), int(m.group(2))
    low = n - n % 50
    return f"{letter}{low:02d}-{letter}{low + 49:02d}"


def is_archive_key(base: str, key: str) -> bool:
    """Whether ``key`` is one of the project's archive objects: ``{base}.tar``,
    ``{base}.{time}.tar`` or a ``cleanup --archive`` copy under ``{base}/``."""
    rest = key[len(base) :] if key.startswith(base) else ""
    return (
        rest == ".tar" or bool(re.fullmatch(r"\.\d{8}T\d{6}Z\.tar", rest)) or (rest.startswith("/") and len(rest) > 1)
    )


def archive_base(prefix: str, brand: str, project: str) -> str:
    """``{archivePrefix}{brand}/{group}/{project}``: an archive is this plus
    ``.tar`` (or ``.{time}.tar``); ``cleanup --archive`` copies go under
    ``{base}/s3-staging/``."""
    return f"{prefix}{brand}/{archive_group(project)}/{project}"
