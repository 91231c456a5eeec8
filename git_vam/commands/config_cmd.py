"""``git vam config [KEY [VALUE]] [--team]``: every setting (or one), its value and
where it came from; with VALUE, set it after validating it (DESIGN §3)."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core import configure
from git_vam.errors import EXIT_OK
from git_vam.layout import CONFIG_FILE


def set_value(ctx: Context, name: str, value: str, *, team: bool, as_json: bool) -> int:
    key = configure.set_value(ctx, name, value, team=team)
    place = f"{CONFIG_FILE} (commit it to share it)" if team else "this clone's git config"
    if as_json:
        output.print_json({"key": f"vam.{key.name}", "written_to": CONFIG_FILE if team else "git config (local)"})
    else:
        output.out().print(f"vam.{key.name} set in {place}.", markup=False)
    return EXIT_OK


def run(ctx: Context, *, as_json: bool, only: str | None = None) -> int:
    """Print the effective settings (secrets redacted). JSON keeps values as the
    tool reads them (sizes in bytes); the text layout shows sizes in binary
    units and is never truncated, on a terminal or in a pipe."""
    if only is not None:
        rows = configure.settings_rows(ctx, human=not as_json, only=only)
        if as_json:
            output.print_json({"key": rows[0][0], "value": rows[0][1], "origin": rows[0][2]})
        else:
            output.out().print(output.printable(f"{rows[0][1]}  ({rows[0][2]})"), markup=False, crop=False)
        return EXIT_OK
    if as_json:
        rows = configure.settings_rows(ctx, human=False)
        output.print_json([{"key": k, "value": v, "origin": o} for k, v, o in rows])
        return EXIT_OK
    rows = [("key", "value", "from"), *configure.settings_rows(ctx, human=True)]
    widths = [max(len(row[i]) for row in rows) for i in (0, 1)]
    for key, value, origin in rows:
        line = f"{key:<{widths[0]}}  {value:<{widths[1]}}  {origin}".rstrip()
        output.out().print(output.printable(line), markup=False, overflow="ignore", crop=False)
    return EXIT_OK
