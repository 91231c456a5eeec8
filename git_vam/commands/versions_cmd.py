"""``git vam pull PROJECT/PATH --version MD5|COMMIT``: print what ``core.versions`` fetched."""

from __future__ import annotations

from pathlib import Path

from git_vam import output
from git_vam.context import Context
from git_vam.core.versions import fetch
from git_vam.errors import EXIT_OK
from git_vam.fs import printable


def run(ctx: Context, target: str, version: str, to: str | None, *, as_json: bool) -> int:
    result = fetch(ctx, target, version, Path(to) if to else None)
    if as_json:
        output.print_json(result)
        return EXIT_OK
    source = result["from"]
    where = source["where"] + (f" {source['key']}" if source["where"] != "current" else "")
    verb = "is already at" if result["state"] == "already there" else "verified and written to"
    output.out().print(
        f"{result['project']}/{printable(result['path'])} version {result['md5'][:8]} (commit {result['commit']}, "
        f"from the {printable(where)}) {verb} {printable(result['to'])}",
        markup=False,
    )
    return EXIT_OK
