"""``git vam config``: every setting, its value and where it came from."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.errors import EXIT_OK, VamError


def run(ctx: Context, *, as_json: bool) -> int:
    """Print the effective settings (secrets redacted). JSON keeps values as the
    tool reads them (sizes in bytes); the text layout shows sizes in binary
    units and is never truncated, on a terminal or in a pipe."""
    try:
        chain = ctx.store.credentials_origin() if ctx.settings.bucket else ""
    except VamError as exc:  # incomplete credentials: say so where they would be named
        chain = exc.message
    if as_json:
        rows = ctx.settings.describe(chain)
        output.print_json([{"key": k, "value": v, "origin": o} for k, v, o in rows])
        return EXIT_OK
    rows = [("key", "value", "from"), *ctx.settings.describe(chain, human=True)]
    widths = [max(len(row[i]) for row in rows) for i in (0, 1)]
    for key, value, origin in rows:
        line = f"{key:<{widths[0]}}  {value:<{widths[1]}}  {origin}".rstrip()
        output.out().print(output.printable(line), markup=False, overflow="ignore", crop=False)
    return EXIT_OK
