"""One version of a staging file: the type the plan, base records, manifest
entries and S3 listings share (issue 13: one vocabulary, not four copies)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Meta:
    """One version of a file.

    ``md5`` is hex (empty when not known yet), ``size`` in bytes, ``etag`` the S3
    ETag with its quotes (empty for a local file). ``uploaded_by``/``uploaded_at``
    (UTC ISO-8601, ``2026-12-01T08:00:00Z``) and ``mtime`` say who made it and
    when, where known (manifest entries and object metadata).
    """

    md5: str
    size: int
    etag: str = ""
    uploaded_by: str = ""
    uploaded_at: str = ""
    mtime: str = ""
