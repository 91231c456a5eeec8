"""Manifest merge (pure) and rebuild/check against S3."""

from __future__ import annotations

import json

from helpers import PROJECT, World, make_mp4, s3_client, vam

from git_vam.manifest import merge3

E1 = {"md5": "1" * 32, "size": 1}
E2 = {"md5": "2" * 32, "size": 2}
E3 = {"md5": "3" * 32, "size": 3}


def m(**files):
    return {"version": 1, "brand": "v", "project": "p", "files": files}


def test_one_sided_changes_merge() -> None:
    merged, conflicts = merge3(m(a=E1), m(a=E1, b=E2), m(a=E2, c=E3))
    assert conflicts == []
    assert merged["files"] == {"a": E2, "b": E2, "c": E3}


def test_same_change_on_both_sides_is_no_conflict() -> None:
    merged, conflicts = merge3(m(a=E1), m(a=E2), m(a=E2))
    assert (merged["files"], conflicts) == ({"a": E2}, [])


def test_deletion_against_no_change_wins() -> None:
    merged, conflicts = merge3(m(a=E1, b=E2), m(b=E2), m(a=E1, b=E2))
    assert (merged["files"], conflicts) == ({"b": E2}, [])


def test_different_changes_conflict_but_stay_valid() -> None:
    merged, conflicts = merge3(m(a=E1), m(a=E2), m(a=E3))
    assert conflicts == ["a"]
    assert merged["files"]["a"] == E2
    assert merged["conflicts"]["a"] == {"ours": E2, "theirs": E3}
    json.dumps(merged)  # still plain JSON


def test_modify_delete_conflict() -> None:
    merged, conflicts = merge3(m(a=E1), m(a=E2), m())
    assert conflicts == ["a"] and merged["conflicts"]["a"]["theirs"] is None


def test_manifest_check_and_rebuild(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4", "r")
    make_mp4(world.staging(world.david) / "b.mp4", "b")
    vam(world.david, "push", "b65")
    assert "matches S3" in vam(world.david, "manifest", "b65", "--check").stdout
    s3_client(world).delete_object(Bucket=world.bucket, Key=f"staging/v-demo/{PROJECT}/b.mp4")
    out = vam(world.david, "manifest", "b65", "--check", code=1)
    assert "b.mp4: in the manifest, not on S3" in out.stdout
    vam(world.david, "manifest", "b65")
    assert sorted(json.loads((world.david / PROJECT / "s3-staging.manifest.json").read_text())["files"]) == ["raw.mp4"]
    vam(world.david, "manifest", "b65", "--check")


def test_manifest_rebuild_repairs_a_broken_file(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    path = world.david / PROJECT / "s3-staging.manifest.json"
    path.write_text("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> x\n")
    vam(world.david, "status", "b65", code=2)
    vam(world.david, "manifest", "b65")
    assert list(json.loads(path.read_text())["files"]) == ["raw.mp4"]
