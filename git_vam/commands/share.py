"""``git vam share PROJECT/FILE [--expires 7d]``: a presigned download URL."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core.share import share
from git_vam.errors import EXIT_OK, UsageError
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
    link = share(ctx, found.project, found.paths[0], seconds)
    if as_json:
        output.print_json({"project": link.project, "path": link.path, "url": link.url, "expires_at": link.expires_at})
    else:
        print(link.url)
        output.err().print(f"valid until {link.expires_at} ({output.human_size(link.size)})")
    return EXIT_OK
