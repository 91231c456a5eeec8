"""Byte counts for people."""

from __future__ import annotations


def human_size(n: float) -> str:
    """Bytes as ``1.2 GiB`` (binary units, as git and S3 consoles show them)."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"
