"""``git vam tiers``: print where each project is (``core.tiers``), and with
``--apply`` what each move did."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core import tiers
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK
from git_vam.fs import printable
from git_vam.units import human_size


def _ssd(row: tiers.ProjectTiers) -> str:
    if row.ssd == "copy":
        return f"{row.ssd_drive} {row.ssd_at[:10]}"
    if row.ssd in ("not connected", "another drive"):
        return f"{row.ssd} ({row.ssd_drive})"
    return row.ssd


def _archive(row: tiers.ProjectTiers) -> str:
    if not row.archive_key:
        return "none"
    text = f"{row.archive_class} {row.archive_at[:10]}"
    return f"{text}, {row.retrieval}" if row.retrieval else text


def run(ctx: Context, names: tuple[str, ...], *, apply: bool, notify: bool, as_json: bool) -> int:
    """Print the inventory; with ``apply`` make the moves (exit 1 if one failed)."""
    inv = tiers.inventory(ctx, names)
    ok = tiers.apply(ctx, inv, reporter=output.reporter(False, False)) if apply else True
    warnings = tiers.send_summary(ctx, inv, apply) if notify else []
    if as_json:
        output.print_json({"applied": apply, **inv.to_json(), "notify_warnings": warnings})
        return EXIT_OK if ok else EXIT_INCOMPLETE
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("project", "local", "SSD", "staging", "S3 archive", "idle", "next move"):
        table.add_column(col)
    for r in inv.projects:
        local = f"{r.local} {human_size(r.local_heavy_bytes)}" if r.local != "absent" else "absent"
        staging = f"{r.staging_objects} ({human_size(r.staging_bytes)})" if r.staging_objects else "-"
        idle = "-" if r.idle_days is None else f"{r.idle_days} d"
        move = r.next_move or "-"
        if r.done:
            move += f": {r.done}"
        if r.error:
            move += f": FAILED {r.error}"
        cells = (r.project, local, _ssd(r), staging, _archive(r), idle, move)
        table.add_row(*(escape(printable(c)) for c in cells))
    con = output.out()
    con.print(table)
    b, usd = inv.bytes, inv.monthly_usd
    con.print(
        f"local {human_size(b['local'])} · SSD {human_size(b['ssd'])} · staging {human_size(b['staging'])} "
        f"(${usd['staging']:.2f}/month) · archive {human_size(b['archive'])} (${usd['archive']:.2f}/month)",
        markup=False,
    )
    if inv.over_budget:
        output.err().print(
            f"git vam: warning: the S3 estimate (${sum(usd.values()):.2f}/month) is over vam.budget "
            f"(${inv.budget_usd:g}/month).",
            markup=False,
        )
    for w in warnings:
        output.err().print(f"git vam: warning: {printable(w)}", markup=False)
    if not apply and any(r.next_move for r in inv.projects):
        con.print("next: `git vam tiers --apply` makes these moves (made for cron; see README, Storage tiers).")
    return EXIT_OK if ok else EXIT_INCOMPLETE
