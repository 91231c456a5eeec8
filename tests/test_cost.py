"""Cost figures against a hand computation for a planted bucket."""

from __future__ import annotations

import json

import pytest
from helpers import PROJECT, World, git, s3_client, vam


def test_cost_matches_a_hand_computation(world: World) -> None:
    s3 = s3_client(world)
    mb = 1_000_000
    planted = [
        ("staging/v-demo/p1/raw.mp4", 3 * mb, "STANDARD"),
        ("staging/v-demo/p2/cut.mp4", 2 * mb, "STANDARD"),
        ("archive/v-demo/b00-b49/b40.tar", 5 * mb, "GLACIER"),
        ("archive/v-demo/misc/old.tar", 4 * mb, "DEEP_ARCHIVE"),
        ("logs/access.log", 1 * mb, "STANDARD"),
        ("staging/.vam-trash/v-demo/p1/raw.mp4.20261201T000000Z.abc", 1 * mb, "STANDARD"),
    ]
    for key, size, cls in planted:
        s3.put_object(Bucket=world.bucket, Key=key, Body=b"\0" * size, StorageClass=cls)
    data = json.loads(vam(world.david, "cost", "--json").stdout)
    rows = {(r["area"], r["storage_class"]): r for r in data["rows"]}
    assert rows[("staging", "STANDARD")]["bytes"] == 5 * mb and rows[("staging", "STANDARD")]["objects"] == 2
    assert rows[("archive", "GLACIER")]["bytes"] == 5 * mb
    assert rows[("other", "STANDARD")]["objects"] == 1
    assert rows[("trash", "STANDARD")]["bytes"] == 1 * mb  # versions kept by pushes (DESIGN §10)
    # by hand: GB-months × list price
    expected = (6 * 0.023 + 5 * 0.0036 + 4 * 0.00099 + 1 * 0.023) / 1000
    assert data["usd_per_month"] == pytest.approx(expected, rel=1e-6)
    assert data["usd_download_all_once"] == pytest.approx(16 / 1000 * 0.09, rel=1e-6)
    # prices can be overridden in .vamconfig
    vam(world.david, "config")  # still readable
    conf = world.david / ".vamconfig"
    conf.write_text(conf.read_text() + "\tprices = STANDARD=1 egress=2\n")
    data = json.loads(vam(world.david, "cost", "--json").stdout)
    assert data["usd_per_month"] == pytest.approx((7 * 1 + 5 * 0.0036 + 4 * 0.00099) / 1000, rel=1e-6)
    assert data["usd_download_all_once"] == pytest.approx(16 / 1000 * 2, rel=1e-6)
    assert "per month" in vam(world.david, "cost").stdout


def test_scenarios_and_budget_by_hand(world: World, tmp_path) -> None:
    # DESIGN §8: the bucket's bytes and the SSD copies not yet archived, priced three ways
    s3 = s3_client(world)
    mb = 1_000_000
    s3.put_object(Bucket=world.bucket, Key="staging/v-demo/p1/raw.mp4", Body=b"\0" * (3 * mb))
    s3.put_object(Bucket=world.bucket, Key="archive/v-demo/b00-b49/b40.tar", Body=b"\0" * (5 * mb),
                  StorageClass="GLACIER")  # fmt: skip
    drive = tmp_path / "T7"
    drive.mkdir()
    git(world.david, "config", "vam.ssdBase", str(drive))
    (world.david / PROJECT / "final.mov").write_bytes(b"\1" * (2 * mb))
    vam(world.david, "archive", "b65", "--to", "ssd")
    ssd_bytes = json.loads((world.david / PROJECT / "s3-staging.manifest.json").read_text())["ssd"]["bytes"]
    data = json.loads(vam(world.david, "cost", "--scenarios", "--json").stdout)["scenarios"]
    total_gb = (8 * mb + ssd_bytes) / 1e9
    assert data["bytes"] == {"bucket": 8 * mb, "ssd_only": ssd_bytes, "total": 8 * mb + ssd_bytes}
    assert data["all_standard"]["usd_per_month"] == pytest.approx(total_gb * 0.023, rel=1e-6)
    assert data["all_deep_archive"]["usd_per_year"] == pytest.approx(total_gb * 0.00099 * 12, rel=1e-6)
    hybrid = 3 * mb / 1e9 * 0.023 + (5 * mb + ssd_bytes) / 1e9 * 0.0036
    assert data["hybrid"]["usd_per_month"] == pytest.approx(hybrid, rel=1e-6)
    git(world.david, "config", "vam.budget", "0.00001")
    out = vam(world.david, "cost", "--scenarios")
    assert "hybrid" in out.stdout and "over vam.budget ($1e-05/month)" in out.stderr
