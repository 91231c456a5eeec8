"""Bucket lifecycle rules against the real server (which, like some S3-compatible
servers, refuses storage-class transitions)."""

from __future__ import annotations

import json

from helpers import World, s3_client, vam

OTHER = {"ID": "keep-logs-30d", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30}}


def rules(world: World) -> list[dict]:
    return s3_client(world).get_bucket_lifecycle_configuration(Bucket=world.bucket)["Rules"]


def test_show_apply_merge_idempotent(world: World) -> None:
    s3_client(world).put_bucket_lifecycle_configuration(Bucket=world.bucket, LifecycleConfiguration={"Rules": [OTHER]})
    shown = vam(world.david, "lifecycle")
    assert "[missing] git-vam-staging-expiry: prefix 'staging/': expire after 90 days" in shown.stdout
    assert "[kept] keep-logs-30d" in shown.stdout
    out = vam(world.david, "lifecycle", "--apply", code=1)  # SeaweedFS refuses the Glacier transition
    assert "The server refused git-vam-archive-glacier; the other rules were applied." in out.stdout
    first = rules(world)
    ids = sorted(r["ID"] for r in first)
    assert ids == ["git-vam-abort-multipart", "git-vam-staging-expiry", "git-vam-trash-expiry", "keep-logs-30d"]
    assert next(r for r in first if r["ID"] == "keep-logs-30d")["Expiration"] == {"Days": 30}
    vam(world.david, "lifecycle", "--apply", code=1)
    assert rules(world) == first  # a second apply changes nothing
    state = json.loads(vam(world.david, "lifecycle", "--json").stdout)["state"]
    assert state == {"git-vam-abort-multipart": "present", "git-vam-archive-glacier": "missing",
                     "git-vam-staging-expiry": "present", "git-vam-trash-expiry": "present"}  # fmt: skip


def test_days_follow_the_settings(world: World) -> None:
    vam(world.david, "lifecycle", "--apply", code=1, env={"VAM_LIFECYCLE_DAYS": "14"})
    expiry = next(r for r in rules(world) if r["ID"] == "git-vam-staging-expiry")
    assert expiry["Expiration"] == {"Days": 14}
    vam(world.david, "lifecycle", "--apply", code=1, env={"VAM_TRASH_DAYS": "7"})
    trash = next(r for r in rules(world) if r["ID"] == "git-vam-trash-expiry")
    assert trash["Expiration"] == {"Days": 7} and trash["Filter"]["Prefix"] == "staging/.vam-trash/"
