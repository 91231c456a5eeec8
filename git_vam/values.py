"""Setting values read from text (DESIGN §2): sizes (binary units), bandwidths,
booleans, whole numbers, prefixes, extension lists and webhook URLs. Each
parser raises ValueError with what is wrong; ``config`` adds the key's name."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_size(text: str) -> int:
    """Parse ``50MB``, ``5GB``, ``512KiB``, ``1048576`` into bytes.

    Units are binary (1 KB = 1024 bytes), as git config's ``k/m/g`` suffixes.
    Raises ValueError on anything else.
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", text.strip(), re.IGNORECASE)
    if not m:
        raise ValueError(f"not a size: {text!r} (use e.g. 50MB, 5GB)")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2).upper()])


def parse_rate(text: str) -> int:
    """Parse a bandwidth such as ``2MB/s`` into bytes per second; ``0``/``unlimited`` → 0."""
    t = text.strip().lower()
    if t in ("", "0", "unlimited", "none", "off"):
        return 0
    return parse_size(re.sub(r"/s(ec)?$", "", t))


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true", "yes", "on"):
        return True
    if t in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {text!r} (use true or false)")


def parse_int(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise ValueError(f"must not be negative: {text!r}")
    return value


def parse_prefix(text: str) -> str:
    t = text.strip().strip("/")
    return f"{t}/" if t else ""


def parse_extensions(text: str) -> tuple[str, ...]:
    return tuple(sorted({e.strip().lstrip(".").lower() for e in re.split(r"[\s,]+", text) if e.strip()}))


def parse_urls(text: str) -> tuple[str, ...]:
    """Webhook URLs, one per line or space-separated: each ``http://`` or
    ``https://`` with a host. The message never repeats a URL (it may hold a token)."""
    urls = tuple(text.split())
    for n, url in enumerate(urls, 1):
        scheme, sep, rest = url.partition("://")
        if scheme.lower() not in ("http", "https") or not sep or not rest.split("/")[0]:
            raise ValueError(f"URL {n} is not an http:// or https:// address")
    return urls


def url_site(url: str) -> str:
    """``https://hooks.slack.com`` of a webhook URL: what may be shown of it (the
    path and query may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


def parse_prices(text: str) -> dict[str, float]:
    """``STANDARD=0.025 egress=0.08``: price overrides in USD (``pricing.parse_prices``)."""
    from git_vam import pricing

    return pricing.parse_prices(text)


def parse_age(text: str) -> int:
    """An age in seconds: ``90`` (days, as the roadmap's ``S3_RETENTION_DAYS=180``),
    ``90d``, ``12w``, ``6mo``, ``1y``; units under a day are refused."""
    from git_vam.units import parse_seconds

    t = text.strip()
    return parse_seconds(f"{t}d" if t.isdigit() else t, zero=True, smallest="d")


def parse_path(text: str) -> str:
    """A folder on this machine: ``~`` expanded; must be absolute (a relative
    path would mean a different folder in every working directory)."""
    import os

    path = os.path.expanduser(text.strip())
    if not os.path.isabs(path):
        raise ValueError(f"not an absolute path: {text!r}")
    return path


def parse_money(text: str) -> float:
    """USD, e.g. ``10`` or ``$10.50``; ``0`` means none."""
    try:
        value = float(text.strip().lstrip("$"))
    except ValueError:
        raise ValueError(f"not an amount in USD: {text!r}") from None
    if value < 0:
        raise ValueError(f"must not be negative: {text!r}")
    return value
