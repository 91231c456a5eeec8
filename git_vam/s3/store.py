"""The object store: listing, metadata, small JSON objects, conditional deletes,
server-side copies and the transfers (``upload.py``, ``download.py``) of one
bucket. Built on ``connection.py`` (the client, errors) and ``bucket.py``
(bucket administration); nothing below imports it."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from git_vam.errors import S3Error
from git_vam.fs import printable, safe_rel
from git_vam.layout import METADATA_JSON, TIME_FORMAT
from git_vam.s3 import copy as _copy
from git_vam.s3 import download as _download
from git_vam.s3 import upload as _upload
from git_vam.s3.bucket import Bucket
from git_vam.s3.connection import conditions
from git_vam.s3.model import Listing, RemoteObject, decode_metadata, etag_is_digest, md5_from_etag

ABSENT: dict[str, Any] = {"NoSuchKey": None, "404": None}  # `tolerate=`: an absent key is an answer
MAX_JSON = 16 * 1024**2  # bytes: the most a small JSON object (.metadata.json) may hold


class S3Store(Bucket):
    """A bucket's objects. Thread-safe: one botocore client shared by all workers."""

    # -- reading ------------------------------------------------------------
    def list_prefix(self, prefix: str) -> Listing:
        """Everything under ``prefix``, as a ``Listing``.

        ``rel`` is the key with ``prefix`` removed. The prefix's own
        ``.metadata.json`` (its ETag goes to ``summaries``), folder markers and
        in-progress uploads are left out of ``objects``; keys whose ``rel`` is
        unsafe (``..``, absolute, backslash, NUL, empty segments) go to
        ``refused`` instead.
        """
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
        """``obj`` completed with its metadata (md5, uploaded-by, uploaded-at, mtime).
        An object another tool uploaded has none: its time is S3's LastModified.
        Raises VamError when it is absent (``find`` answers None instead)."""
        found = self.find(obj)
        if found is None:
            raise S3Error(f"{printable(obj.key)} is not on S3 (any more).", "Run `git vam status`.")
        return found

    def find(self, obj: RemoteObject) -> RemoteObject | None:
        """``head(obj)``, or None when the key is absent (one HEAD either way)."""
        resp = self.call(self.client.head_object, obj.key, Bucket=self.bucket, Key=obj.key, tolerate={"404": None})
        if resp is None:
            return None
        meta = decode_metadata(resp.get("Metadata", {}))
        # the ETag says the MD5 only where it is one (not under SSE-KMS / SSE-C: DESIGN §9)
        from_etag = (md5_from_etag(str(resp["ETag"])) or obj.md5) if etag_is_digest(resp, self.sse) else ""
        return RemoteObject(
            key=obj.key,
            rel=obj.rel,
            size=int(resp["ContentLength"]),
            etag=str(resp["ETag"]),
            last_modified=obj.last_modified,
            md5=meta.get("md5") or from_etag,
            uploaded_by=meta.get("uploaded-by", ""),
            uploaded_at=meta.get("uploaded-at", "") or obj.last_modified,  # another tool's: S3's own time
            mtime=meta.get("mtime", ""),
        )

    def get_json(self, key: str) -> tuple[Any, str]:
        """``(parsed JSON, ETag)`` of a small object, ``(None, "")`` when absent or not JSON."""
        resp = self.call(self.client.get_object, key, Bucket=self.bucket, Key=key, tolerate=ABSENT)
        if resp is None:
            return None, ""
        with self.translated(key):
            body = resp["Body"].read(MAX_JSON + 1)  # a server answer is bounded (DESIGN §6)
        if len(body) > MAX_JSON:
            return None, str(resp["ETag"])
        try:
            return json.loads(body), str(resp["ETag"])
        except ValueError:
            return None, str(resp["ETag"])

    def put_json(self, key: str, data: Any, etag: str) -> str:
        """Write a small JSON object only if it is still at ``etag`` (``""``: only if absent).

        Returns the new ETag; raises ConflictError when someone wrote it meanwhile.
        """
        body = (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
        resp = self.call(
            self.client.put_object,
            key,
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),
            **conditions(etag),
            **self.sse_args(),
        )
        return str(resp["ETag"])

    # -- writing ------------------------------------------------------------
    def keep_copy(self, obj: RemoteObject, dest_key: str, source_bucket: str | None = None) -> None:
        """Server-side copy of ``obj`` (exactly the version with its ETag; from
        ``source_bucket``, by default this one) to a new ``dest_key`` here,
        metadata included; a multipart copy at or above the multipart threshold
        (``s3/copy.py``). Raises ConflictError when the object changed meanwhile."""
        _copy.copy(self, obj, dest_key, source_bucket=source_bucket)

    def copy_to_free_key(self, obj: RemoteObject, dest_key: str) -> None:
        """``keep_copy`` to a key that must still be free (``If-None-Match: *``):
        a version someone uploaded there meanwhile is never replaced."""
        _copy.copy(self, obj, dest_key, exclusive=True)

    def presign(self, key: str, seconds: int) -> str:
        """A presigned GET URL for ``key`` valid ``seconds`` (SigV4 limit: 7 days)."""
        with self.translated(key):
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
                )
            )

    def list_keys(self, prefix: str = "") -> Iterator[tuple[str, int, str]]:
        """``(key, size in bytes, storage class)`` of every object under ``prefix``."""
        with self.translated():
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield str(item["Key"]), int(item["Size"]), str(item.get("StorageClass") or "STANDARD")

    def stream(self, key: str, version_id: str = "") -> Any:
        """The body of ``key`` (or of its version ``version_id``) as a file-like
        object read as it arrives (a tar read member by member, never stored whole)."""
        extra: dict[str, Any] = {"VersionId": version_id} if version_id else {}
        return self.call(self.client.get_object, key, Bucket=self.bucket, Key=key, **extra)["Body"]

    def earlier_versions(self, key: str) -> list[tuple[str, str]]:
        """``[(version id, md5 from its metadata)]`` of the noncurrent versions of
        ``key`` when the bucket keeps versions (newest first; ``[]`` where it does
        not, or the server has no versioning). One listing, one HEAD per version."""
        resp = self.call(self.client.list_object_versions, key, Bucket=self.bucket, Prefix=key,
                         tolerate={"NotImplemented": None, "501": None, "400": None})  # fmt: skip
        found = []
        for version in (resp or {}).get("Versions", []):
            if version.get("Key") != key or version.get("IsLatest") or version.get("VersionId") in (None, "null"):
                continue
            head = self.call(self.client.head_object, key, Bucket=self.bucket, Key=key, VersionId=version["VersionId"],
                             tolerate={"404": None, "405": None})  # fmt: skip
            if head is not None:
                found.append((str(version["VersionId"]), decode_metadata(head.get("Metadata", {})).get("md5", "")))
        return found

    def head_key(self, key: str) -> dict[str, Any]:
        """The raw HEAD answer for ``key`` (ContentLength, ETag, StorageClass, Restore, Metadata)."""
        return dict(self.call(self.client.head_object, key, Bucket=self.bucket, Key=key))

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists (HEAD; 404 is False, other errors raise VamError)."""
        return self.call(self.client.head_object, key, Bucket=self.bucket, Key=key, tolerate={"404": None}) is not None

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
        extra: dict[str, Any] = {"IfMatch": if_match} if if_match else {}
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
        return _upload.upload(self, path, key, md5, metadata, **options)

    def download(self, obj: RemoteObject, tmp: Path, **options: Any) -> str:
        """Download ``obj`` into ``tmp``; see ``git_vam.s3.download.download``."""
        return _download.download(self, obj, tmp, **options)
