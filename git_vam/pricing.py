"""Storage prices for cost estimates.

Defaults: AWS S3 list prices for us-east-1, USD per GB-month (first 50 TB
tier) and per GB transferred out to the internet, as published on
aws.amazon.com/s3/pricing and taken on 2026-11-01. Override any of them in
``.vamconfig`` (``vam.price.<CLASS>`` / ``vam.price.egress``) when your
region or contract differs.
"""

from __future__ import annotations

from collections.abc import Mapping

PRICES_TAKEN = "2026-11-01"
GB = 1000**3  # S3 bills decimal gigabytes

STORAGE_PER_GB_MONTH = {
    "STANDARD": 0.023,
    "INTELLIGENT_TIERING": 0.023,
    "STANDARD_IA": 0.0125,
    "ONEZONE_IA": 0.01,
    "GLACIER_IR": 0.004,
    "GLACIER": 0.0036,
    "DEEP_ARCHIVE": 0.00099,
}
EGRESS_PER_GB = 0.09


def monthly_storage(size_bytes: int, storage_class: str = "STANDARD") -> float:
    """Estimated USD per month to keep ``size_bytes`` in ``storage_class``."""
    return size_bytes / GB * STORAGE_PER_GB_MONTH.get(storage_class.upper(), STORAGE_PER_GB_MONTH["STANDARD"])


def parse_prices(text: str) -> dict[str, float]:
    """``"STANDARD=0.025 egress=0.08"`` → ``{"STANDARD": 0.025, "EGRESS": 0.08}`` (USD per GB).

    Raises ValueError on anything else.
    """
    out: dict[str, float] = {}
    for part in text.replace(",", " ").split():
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"not CLASS=price: {part!r}")
        out[name.strip().upper()] = float(value)
    return out


def table(overrides: Mapping[str, float] | None = None) -> tuple[dict[str, float], float]:
    """``(storage price per class, egress price)`` with ``overrides`` applied."""
    storage = dict(STORAGE_PER_GB_MONTH)
    egress = EGRESS_PER_GB
    for name, price in (overrides or {}).items():
        if name == "EGRESS":
            egress = price
        else:
            storage[name] = price
    return storage, egress


def scenarios(staging: int, archived: int, ssd_only: int, other: int = 0,
              overrides: Mapping[str, float] | None = None) -> dict[str, dict[str, float]]:  # fmt: skip
    """The roadmap's three scenarios (DESIGN §8) for these bytes, USD per month and
    per year: ``all_standard``; ``all_deep_archive``; and ``hybrid``, the tier
    policy's end state: staging (and ``other``) in STANDARD, the archive and the
    SSD-only bytes in GLACIER (the lifecycle rule's class), the SSD itself free."""
    storage, _ = table(overrides)
    total = staging + archived + ssd_only + other

    def priced(monthly: float) -> dict[str, float]:
        return {"usd_per_month": monthly, "usd_per_year": monthly * 12}

    return {
        "all_standard": priced(total / GB * storage["STANDARD"]),
        "all_deep_archive": priced(total / GB * storage["DEEP_ARCHIVE"]),
        "hybrid": priced(
            (staging + other) / GB * storage["STANDARD"] + (archived + ssd_only) / GB * storage["GLACIER"]
        ),
    }
