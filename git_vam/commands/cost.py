"""``git vam cost``: what the bucket costs per month, from one listing of it."""

from __future__ import annotations

from git_vam import output, pricing
from git_vam.context import Context
from git_vam.core.cost import estimate
from git_vam.errors import EXIT_OK


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
