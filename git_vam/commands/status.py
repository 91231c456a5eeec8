"""``git vam status``: local vs S3 vs last sync, per file, with what to run next."""

from __future__ import annotations

from typing import Any

from git_vam import output
from git_vam.context import Context
from git_vam.core.status import status
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK
from git_vam.fs import printable


def run(ctx: Context, names: tuple[str, ...], *, use_all: bool, exit_code: bool, as_json: bool) -> int:
    """Show every file's state. Returns 1 with ``exit_code`` when anything is not in sync.

    With no project named at the repository root, every project (DESIGN §3)."""
    at_root = ctx.cwd.resolve() == ctx.root
    result = status(ctx, ctx.targets(names, use_all or (not names and at_root)))
    dirty = any(f["state"] != "in sync" for p in result for f in p["files"]) or any(p["problems"] for p in result)
    if as_json:
        output.print_json({"in_sync": not dirty, "projects": result})
    else:
        _print(ctx, result)
    return EXIT_INCOMPLETE if exit_code and dirty else EXIT_OK


STATE_STYLE = {"in sync": "green", "conflict": "bold red", "deleted on S3": "dim", "deleted locally": "dim"}
for _state in ("local only", "changed locally", "on S3 only", "changed on S3"):
    STATE_STYLE[_state] = "yellow"


def _print(ctx: Context, result: list[dict[str, Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    con = output.out()
    for p in result:
        con.print(f"[bold]{escape(p['project'])}[/bold]  s3://{escape(ctx.bucket)}/{escape(p['prefix'])}")
        if not p["files"]:
            con.print("  no staging files here or on S3")
        else:
            table = Table(box=None, pad_edge=False, show_edge=False)
            for col in ("file", "state", "size", "on S3 from", "next"):
                table.add_column(col)
            for f in p["files"]:
                size = f["local_size"] if f["local_size"] is not None else f["remote_size"]
                who = f"{f['uploaded_by']} {f['uploaded_at']}".strip()
                if f["deleted_by"]:
                    who = f"deleted by {f['deleted_by']} {f['deleted_at']}"
                style = STATE_STYLE.get(f["state"], "")
                state = f"[{style}]{escape(f['state'])}[/]" if style else escape(f["state"])
                table.add_row(
                    escape(printable(f["path"])), state, output.human_size(size) if size is not None else "",
                    escape(printable(who)), escape(printable(f["next"])),
                )  # fmt: skip
            con.print(table)
        for problem in p["problems"]:
            con.print(f"  ! {printable(problem)}", markup=False)
