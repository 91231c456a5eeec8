"""``git vam cost``: what the bucket costs per month, from one listing of it."""

from __future__ import annotations

from typing import Any

from git_vam import output, pricing
from git_vam.context import Context
from git_vam.errors import EXIT_OK


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


def run(ctx: Context, *, as_json: bool) -> int:
    data = estimate(ctx)
    if as_json:
        output.print_json(data)
        return EXIT_OK
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("area", "storage class", "objects", "size", "$/month"):
        table.add_column(col)
    for r in data["rows"]:
        table.add_row(r["area"], r["storage_class"], str(r["objects"]), output.human_size(r["bytes"]),
                      f"{r['usd_per_month']:.2f}")  # fmt: skip
    con = output.out()
    con.print(f"s3://{data['bucket']}: {output.human_size(data['total_bytes'])}", markup=False)
    con.print(table)
    con.print(f"Storage: about ${data['usd_per_month']:.2f} per month. "
              f"Downloading everything once: about ${data['usd_download_all_once']:.2f}.")  # fmt: skip
    con.print(f"(S3 us-east-1 list prices taken {pricing.PRICES_TAKEN}; override with vam.prices.)", markup=False)
    return EXIT_OK
