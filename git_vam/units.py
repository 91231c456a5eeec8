"""Byte counts and durations for people."""

from __future__ import annotations

import re
from collections.abc import Callable


def human_size(n: float) -> str:
    """Bytes as ``1.2 GiB`` (binary units, as git and S3 consoles show them)."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


MiB = 1024**2
Progress = Callable[[int], None]  # told how many more bytes moved (from worker threads)
HASH_READ = MiB  # bytes per read when hashing: 8 MiB reads cost 16 MiB of memory per file and were no faster

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400, "y": 365 * 86400}


def parse_seconds(text: str, *, zero: bool = False, smallest: str = "s") -> int:
    """``90``, ``30s``, ``5m``, ``12h``, ``7d``, ``2w``, ``6mo``, ``1y`` → seconds (a
    month is 30 days, a year 365): the one duration parser of every option
    (``--interval``, ``--expires``, ``--older-than``). More than 0 unless
    ``zero``; units below ``smallest`` are refused (ages take ``d``: ``6m`` is
    not silently six minutes). Raises ValueError."""
    m = re.fullmatch(r"\s*(\d+)\s*(mo|[smhdwy]?)\s*", text.lower())
    unit = (m.group(2) or "s") if m else ""
    if not m or (int(m.group(1)) == 0 and not zero) or _SECONDS[unit] < _SECONDS[smallest]:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 12h, 7d)")
    return int(m.group(1)) * _SECONDS[unit]


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
