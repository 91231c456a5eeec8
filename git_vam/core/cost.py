"""``git vam cost``: what the bucket costs per month, from one listing of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from git_vam import manifest as mf
from git_vam import pricing
from git_vam.core.ssd import ssd_record
from git_vam.layout import TRASH_PREFIX
from git_vam.projects import Project, all_projects

if TYPE_CHECKING:
    from git_vam.context import Context


def estimate(ctx: Context) -> dict[str, Any]:
    """Bytes and object counts by area (staging, trash, archive, other) and storage class,
    the monthly storage estimate and the cost of downloading everything once (USD)."""
    storage, egress = pricing.table(ctx.settings.prices)
    staging, archive = ctx.settings.staging_prefix, ctx.settings.archive_prefix
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    separate = ctx.archive_store is not ctx.store  # vam.archiveBucket: every object there is archive
    listed = [(key, size, cls, False) for key, size, cls in ctx.store.list_keys()]
    if separate:
        listed += [(key, size, cls, True) for key, size, cls in ctx.archive_store.list_keys()]
    for key, size, cls, in_archive_bucket in listed:
        if in_archive_bucket:
            area = "archive"
        else:
            area = (
                "trash" if key.startswith(staging + TRASH_PREFIX)  # kept versions (DESIGN §10)
                else "staging" if key.startswith(staging) else "archive" if key.startswith(archive) else "other"
            )  # fmt: skip
        row = rows.setdefault((area, cls), {"area": area, "storage_class": cls, "objects": 0, "bytes": 0})
        row["objects"] += 1
        row["bytes"] += size
    for row in rows.values():
        price = storage.get(row["storage_class"], storage["STANDARD"])
        row["usd_per_month"] = row["bytes"] / pricing.GB * price
    total = sum(r["bytes"] for r in rows.values())
    return {
        "bucket": f"{ctx.bucket}, archive {ctx.archive_bucket}" if separate else ctx.bucket,
        "rows": sorted(rows.values(), key=lambda r: (r["area"], r["storage_class"])),
        "total_bytes": total,
        "usd_per_month": sum(r["usd_per_month"] for r in rows.values()),
        "usd_download_all_once": total / pricing.GB * egress,
        "prices": {"storage_per_gb_month": storage, "egress_per_gb": egress, "taken": pricing.PRICES_TAKEN},
    }


def scenarios(ctx: Context, estimated: dict[str, Any]) -> dict[str, Any]:
    """The roadmap's three scenarios (DESIGN §8) for the bytes the bucket and the
    SSD copies hold now, in USD per month and per year: everything in S3 Standard;
    everything in Glacier Deep Archive; and the hybrid the tier policy reaches,
    where staging stays Standard, every archived or SSD-held project ends as an S3
    archive in GLACIER (the lifecycle rule's class) and the SSD itself is free."""
    staging = sum(r["bytes"] for r in estimated["rows"] if r["area"] in ("staging", "trash"))
    archived = sum(r["bytes"] for r in estimated["rows"] if r["area"] == "archive")
    other = sum(r["bytes"] for r in estimated["rows"] if r["area"] == "other")
    ssd_only = 0
    for name in all_projects(ctx.root):
        project = Project(ctx.root, name)
        manifest = mf.load(project.manifest_path, ctx.brand, name)
        record = ssd_record(manifest)
        if record and not mf.archive_records(manifest):
            ssd_only += record.bytes  # not in the bucket yet: the policy will archive it
    return {
        "bytes": {
            "bucket": estimated["total_bytes"],
            "ssd_only": ssd_only,
            "total": estimated["total_bytes"] + ssd_only,
        },
        **pricing.scenarios(staging, archived, ssd_only, other, ctx.settings.prices),
    }
