"""Cost figures against a hand computation for a planted bucket."""

from __future__ import annotations

import json

import pytest
from helpers import World, s3_client, vam


def test_cost_matches_a_hand_computation(world: World) -> None:
    s3 = s3_client(world)
    mb = 1_000_000
    planted = [
        ("staging/v-demo/p1/raw.mp4", 3 * mb, "STANDARD"),
        ("staging/v-demo/p2/cut.mp4", 2 * mb, "STANDARD"),
        ("archive/v-demo/b00-b49/b40.tar", 5 * mb, "GLACIER"),
        ("archive/v-demo/misc/old.tar", 4 * mb, "DEEP_ARCHIVE"),
        ("logs/access.log", 1 * mb, "STANDARD"),
    ]
    for key, size, cls in planted:
        s3.put_object(Bucket=world.bucket, Key=key, Body=b"\0" * size, StorageClass=cls)
    data = json.loads(vam(world.david, "cost", "--json").stdout)
    rows = {(r["area"], r["storage_class"]): r for r in data["rows"]}
    assert rows[("staging", "STANDARD")]["bytes"] == 5 * mb and rows[("staging", "STANDARD")]["objects"] == 2
    assert rows[("archive", "GLACIER")]["bytes"] == 5 * mb
    assert rows[("other", "STANDARD")]["objects"] == 1
    # by hand: GB-months × list price
    expected = (5 * 0.023 + 5 * 0.0036 + 4 * 0.00099 + 1 * 0.023) / 1000
    assert data["usd_per_month"] == pytest.approx(expected, rel=1e-6)
    assert data["usd_download_all_once"] == pytest.approx(15 / 1000 * 0.09, rel=1e-6)
    # prices can be overridden in .vamconfig
    vam(world.david, "config")  # still readable
    conf = world.david / ".vamconfig"
    conf.write_text(conf.read_text() + "\tprices = STANDARD=1 egress=2\n")
    data = json.loads(vam(world.david, "cost", "--json").stdout)
    assert data["usd_per_month"] == pytest.approx((6 * 1 + 5 * 0.0036 + 4 * 0.00099) / 1000, rel=1e-6)
    assert data["usd_download_all_once"] == pytest.approx(15 / 1000 * 2, rel=1e-6)
    assert "per month" in vam(world.david, "cost").stdout
