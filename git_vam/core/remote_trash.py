"""The S3 trash, ``{stagingPrefix}.vam-trash/{brand}/{project}/`` (DESIGN §3):
the versions that ``push --delete``, ``push --force`` and ``cleanup --force``
kept there with a server-side copy, until the expiry rule removes them. This
lists them and copies one back to its staging key: only where that key is free
or already holds the same content, never over a newer version.

Key of a kept version (``layout.trash_key``): ``…/{project}/{rel}.{YYYYmmddTHHMMSSZ}.{ETag prefix}``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from git_vam.errors import UsageError, VamError
from git_vam.fs import printable, safe_rel
from git_vam.layout import TRASH_PREFIX
from git_vam.s3.model import RemoteObject

if TYPE_CHECKING:
    from git_vam.context import Context

_KEPT = re.compile(r"(?P<project>[^/]+)/(?P<rel>.+)\.(?P<stamp>\d{8}T\d{6}Z)\.(?P<tag>[0-9a-f]*)")


@dataclass(frozen=True)
class KeptVersion:
    """One version in the S3 trash: its ``key``, the ``project`` and ``rel`` (path
    inside ``s3-staging/``) it was kept from, ``size`` in bytes and when it was
    kept (``kept_at``, UTC ``YYYYmmddTHHMMSSZ``)."""

    key: str
    project: str
    rel: str
    size: int
    kept_at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def trash_prefix(ctx: Context) -> str:
    """``{stagingPrefix}.vam-trash/{brand}/``."""
    return f"{ctx.settings.staging_prefix}{TRASH_PREFIX}{ctx.brand}/"


def parse(ctx: Context, key: str, size: int = 0) -> KeptVersion | None:
    """The kept version ``key`` names; None when it is no such key (another
    prefix, an unsafe name: S3 keys come from others, DESIGN §6)."""
    prefix = trash_prefix(ctx)
    m = _KEPT.fullmatch(key[len(prefix) :]) if key.startswith(prefix) else None
    if not m or safe_rel(m["rel"]) != m["rel"] or safe_rel(m["project"]) != m["project"]:
        return None
    return KeptVersion(key, m["project"], m["rel"], size, m["stamp"])


def kept_versions(ctx: Context) -> list[KeptVersion]:
    """Every version in the brand's S3 trash, newest first (one listing)."""
    found = [parse(ctx, key, size) for key, size, _ in ctx.store.list_keys(trash_prefix(ctx))]
    return sorted((k for k in found if k is not None), key=lambda k: (k.kept_at, k.key), reverse=True)


def restore_kept(ctx: Context, key: str) -> tuple[KeptVersion, str]:
    """Copy the kept version ``key`` back to its staging key (server-side, no
    transfer). Returns it and what happened: ``restored``, or ``already there``
    when the staging key holds the same content. Raises UsageError for a key
    that is not in the S3 trash, VamError (exit 1) when the staging key holds
    another version (nothing is replaced)."""
    kept = parse(ctx, key)
    if kept is None:
        raise UsageError(
            f"{printable(key)} is not a version in the S3 trash ({trash_prefix(ctx)}).",
            "`git vam trash --remote list` shows the keys.",
        )
    source = ctx.store.find(RemoteObject(key=key, rel=kept.rel, size=0))
    if source is None:
        raise UsageError(
            f"{printable(key)} is no longer in the S3 trash (the expiry rule removes kept versions).",
            "`git vam trash --remote list` shows what is there.",
        )
    dest = ctx.staging_prefix(kept.project) + kept.rel
    there = ctx.store.find(RemoteObject(key=dest, rel=kept.rel, size=0))
    if there is not None:
        if there.md5 and there.md5 == source.md5:
            return kept, "already there"
        raise VamError(
            f"{kept.project}/{kept.rel} on S3 holds another version; nothing was replaced.",
            f"Pull it first (`git vam pull {kept.project}`), or restore under another name by hand.",
            exit_code=1,
        )
    ctx.store.copy_to_free_key(source, dest)  # If-None-Match: a version uploaded meanwhile wins
    return kept, "restored"
