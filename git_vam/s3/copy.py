"""Server-side copies (S3 trash, ``cleanup --archive``, ``trash --remote restore``):
exactly one version of an object (``CopySourceIfMatch`` on its ETag) to another
key under a write condition, with no transfer over the user's link.

At or above the multipart threshold a copy is a multipart copy, as s3transfer
does: AWS refuses CopyObject above 5 GiB (S3 limit), and raw 4K footage is
larger. It is the multipart engine of ``upload.py`` (create → parts →
complete with the condition → verify → abort on failure) with UploadPartCopy
ranges as its parts.
"""

from __future__ import annotations

from typing import Any

from git_vam.pool import run_parallel
from git_vam.s3.connection import Connection, conditions
from git_vam.s3.model import RemoteObject, is_md5, part_size_for
from git_vam.s3.upload import complete_upload, create_upload


def copy(
    store: Connection, source: RemoteObject, dest: str, *, exclusive: bool = False, threshold: int | None = None,
    source_bucket: str | None = None,
) -> str:  # fmt: skip
    """Copy exactly ``source`` (its ETag; in ``source_bucket``, by default the
    store's own) to ``dest`` in the store's bucket, metadata included; returns
    the new object's ETag. With ``exclusive`` only where ``dest`` is free
    (``If-None-Match: *``, DESIGN §4). Raises ConflictError when the source
    changed or (``exclusive``) ``dest`` is taken."""
    limit = store.transfer.multipart_threshold if threshold is None else threshold
    from_bucket = source_bucket or store.bucket
    where: dict[str, Any] = {"Bucket": store.bucket, "Key": dest}
    origin: dict[str, Any] = {
        "CopySource": {"Bucket": from_bucket, "Key": source.key},
        "CopySourceIfMatch": source.etag,
    }
    cond = conditions() if exclusive else {}
    if source.size < limit:
        resp = store.call(
            store.client.copy_object, dest, **where, **origin, MetadataDirective="COPY",
            **cond, **store.sse_args(),
        )  # fmt: skip
        return str(resp["CopyObjectResult"]["ETag"])
    head = store.call(store.client.head_object, source.key, Bucket=from_bucket, Key=source.key, IfMatch=source.etag)
    extra: dict[str, Any] = {"ContentType": head["ContentType"]} if head.get("ContentType") else {}
    upload_id = create_upload(store, dest, dict(head.get("Metadata", {})), **extra)
    part_size = part_size_for(source.size)
    count = -(-source.size // part_size)
    etags: dict[int, str] = {}

    def send(number: int) -> None:
        start = (number - 1) * part_size
        end = min(source.size, start + part_size) - 1
        resp = store.call(
            store.client.upload_part_copy, dest, **where, **origin, UploadId=upload_id, PartNumber=number,
            CopySourceRange=f"bytes={start}-{end}",
        )  # fmt: skip
        etags[number] = str(resp["CopyPartResult"]["ETag"])

    try:
        run_parallel(send, range(1, count + 1), store.jobs)
    except BaseException:
        store.abort_quietly(dest, upload_id)
        raise
    # an unencrypted part's ETag is its MD5: the assembled ETag is checked against them
    plain = [etags[n].strip('"') for n in range(1, count + 1)]
    digests = [bytes.fromhex(p) if is_md5(p) else b"" for p in plain]
    parts = list(zip([etags[n] for n in range(1, count + 1)], digests, strict=True))
    return complete_upload(store, dest, upload_id, parts, cond, again="Run the command again.", verify=all(digests))
