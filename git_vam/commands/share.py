"""``git vam share PROJECT/FILE [--expires 7d]``: a presigned download URL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from git_vam import output
from git_vam.context import Context
from git_vam.errors import EXIT_OK, UsageError, VamError
from git_vam.layout import TIME_FORMAT
from git_vam.units import parse_seconds

MAX_SECONDS = 7 * 24 * 3600  # SigV4 presigned URLs live at most 7 days (AWS S3 docs)


def parse_duration(text: str) -> int:
    """``30m``, ``12h``, ``7d`` or plain seconds → seconds. Raises UsageError."""
    try:
        seconds = parse_seconds(text)
    except ValueError:
        raise UsageError(f"--expires {text!r} is not a duration.", "Use e.g. 30m, 12h or 7d.") from None
    if seconds > MAX_SECONDS:
        raise UsageError(f"--expires {text} is longer than S3 allows (7 days).", "Use 7d or less.")
    return seconds


def run(ctx: Context, target: str, *, expires: str, as_json: bool) -> int:
    """Print a URL anyone can download PROJECT/FILE with, until it expires."""
    seconds = parse_duration(expires)
    (found,) = ctx.targets((target,), False)
    if len(found.paths) != 1:
        raise UsageError(f"{target!r} names no file.", "Use PROJECT/FILE, e.g. git vam share b65/raw.mp4")
    project, rel = found.project, found.paths[0]
    key = ctx.staging_prefix(project.name) + rel
    listing = ctx.store.list_prefix(ctx.staging_prefix(project.name)).objects
    if rel not in listing:
        raise VamError(
            f"{project.name}/{rel} is not on S3.", f"Push it first: git vam push {project.name}", exit_code=1
        )
    url = ctx.store.presign(key, seconds)
    until = (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime(TIME_FORMAT)
    if as_json:
        output.print_json({"project": project.name, "path": rel, "url": url, "expires_at": until})
    else:
        print(url)
        output.err().print(f"valid until {until} ({output.human_size(listing[rel].size)})")
    return EXIT_OK
