"""``git vam cost``: what the bucket costs per month, from one listing of it."""

from __future__ import annotations

from git_vam import output, pricing
from git_vam.context import Context
from git_vam.core.cost import estimate, scenarios
from git_vam.errors import EXIT_OK


def run(ctx: Context, *, as_json: bool, with_scenarios: bool = False) -> int:
    data = estimate(ctx)
    budget = ctx.settings.budget
    data["budget_usd_per_month"] = budget
    data["over_budget"] = bool(budget) and data["usd_per_month"] > budget
    if with_scenarios:
        data["scenarios"] = scenarios(ctx, data)
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
    if with_scenarios:
        sc = data["scenarios"]
        con.print(f"Scenarios for {output.human_size(sc['bytes']['total'])} (the bucket, and SSD copies not yet "
                  f"archived: {output.human_size(sc['bytes']['ssd_only'])}):", markup=False)  # fmt: skip
        for name, label in (("all_standard", "all S3 Standard"), ("all_deep_archive", "all Glacier Deep Archive"),
                            ("hybrid", "hybrid (staging Standard, archives GLACIER, SSD free)")):  # fmt: skip
            con.print(f"  {label}: ${sc[name]['usd_per_month']:.2f}/month, ${sc[name]['usd_per_year']:.2f}/year",
                      markup=False)  # fmt: skip
    if data["over_budget"]:
        output.err().print(f"git vam: warning: the estimate (${data['usd_per_month']:.2f}/month) is over vam.budget "
                           f"(${budget:g}/month).", markup=False)  # fmt: skip
    return EXIT_OK
