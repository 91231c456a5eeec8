"""``git vam trust``: accept the destination that ``.vamconfig`` now names (DESIGN §6)."""

from __future__ import annotations

from git_vam import output, trust
from git_vam.context import open_context
from git_vam.errors import EXIT_OK


def run(*, as_json: bool) -> int:
    """Show what changed (and in which commit, by whom), then record it as trusted."""
    ctx = open_context()
    where = trust.last_change(ctx.root)
    found = trust.accept(ctx.state.dir, ctx.settings)
    if as_json:
        output.print_json(
            {"changed": [{"key": f"vam.{k}", "old": old, "new": new} for k, old, new in found], "source": where}
        )
        return EXIT_OK
    con = output.out()
    if not found:
        con.print("The destination in .vamconfig is already trusted; nothing changed.")
        return EXIT_OK
    for key, old, new in found:
        shown = f"{output.printable(old or '(unset)')} → {output.printable(new or '(unset)')}"
        con.print(f"vam.{key}: {shown}", markup=False)
    con.print(f"from {where}. Trusted: transfers and hooks use it from now on.", markup=False)
    return EXIT_OK
