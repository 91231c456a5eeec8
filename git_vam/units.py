"""Byte counts and durations for people."""

from __future__ import annotations

import re


def human_size(n: float) -> str:
    """Bytes as ``1.2 GiB`` (binary units, as git and S3 consoles show them)."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_seconds(text: str) -> int:
    """``90``, ``30s``, ``5m``, ``12h``, ``7d`` → seconds (more than 0). Raises ValueError."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text.lower())
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 12h, 7d)")
    return int(m.group(1)) * _SECONDS[m.group(2) or "s"]


def ago(stamp: float, now: float | None = None) -> str:
    """A POSIX time as people say it: ``just now``, ``5 min ago``, ``3 h ago``,
    ``2 d ago``; the UTC date after 30 days (``2026-10-01``)."""
    import time

    seconds = (time.time() if now is None else now) - stamp
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 30 * 86400:
        return f"{int(seconds // 86400)} d ago"
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))
