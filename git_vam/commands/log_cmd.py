"""``git vam log [PROJECT[/PATH]] [-n N]``: who uploaded or deleted which version, when."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core.history import history
from git_vam.errors import EXIT_OK
from git_vam.fs import printable
from git_vam.units import human_size


def run(ctx: Context, names: tuple[str, ...], *, limit: int | None, as_json: bool) -> int:
    at_root = not names and ctx.cwd.resolve() == ctx.root
    changes = [c for t in ctx.targets(names, at_root) for c in history(ctx, t, limit)]
    if as_json:
        output.print_json({"versions": [c.to_json() for c in changes]})
        return EXIT_OK
    con = output.out()
    if not changes:
        con.print("No recorded versions (nothing pushed yet, or the manifest is not committed).", markup=False)
    for c in changes:
        what = "deleted " if c.action == "delete" else ""
        size = human_size(c.size)
        who = c.by or "another tool"  # no uploader recorded: not pushed by git-vam
        line = f"{c.commit}  {c.at or c.committed}  {who}  {what}{c.project}/{c.rel}  {size}  md5 {c.md5[:12]}"
        con.print(printable(line), markup=False)
    return EXIT_OK
