"""``git vam cost``: what the bucket costs per month, from one listing of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from git_vam import pricing

if TYPE_CHECKING:
    from git_vam.context import Context


def estimate(ctx: Context) -> dict[str, Any]:
    """Bytes and object counts by area (staging, archive, other) and storage class,
    the monthly storage estimate and the cost of downloading everything once (USD)."""
    storage, egress = pricing.table(ctx.settings.prices)
    staging, archive = ctx.settings.staging_prefix, ctx.settings.archive_prefix
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for key, size, cls in ctx.store.list_keys():
        area = "staging" if key.startswith(staging) else "archive" if key.startswith(archive) else "other"
        row = rows.setdefault((area, cls), {"area": area, "storage_class": cls, "objects": 0, "bytes": 0})
        row["objects"] += 1
        row["bytes"] += size
    for row in rows.values():
        price = storage.get(row["storage_class"], storage["STANDARD"])
        row["usd_per_month"] = row["bytes"] / pricing.GB * price
    total = sum(r["bytes"] for r in rows.values())
    return {
        "bucket": ctx.bucket,
        "rows": sorted(rows.values(), key=lambda r: (r["area"], r["storage_class"])),
        "total_bytes": total,
        "usd_per_month": sum(r["usd_per_month"] for r in rows.values()),
        "usd_download_all_once": total / pricing.GB * egress,
        "prices": {"storage_per_gb_month": storage, "egress_per_gb": egress, "taken": pricing.PRICES_TAKEN},
    }
