"""Every row of DESIGN §4's table, for push and pull, between two real clones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam

pytestmark = pytest.mark.both_servers

KEY = f"staging/v-demo/{PROJECT}/raw.mp4"


def remote_md5(world: World, key: str = KEY) -> str | None:
    s3 = s3_client(world)
    try:
        return s3.head_object(Bucket=world.bucket, Key=key)["Metadata"]["md5"]
    except s3.exceptions.ClientError:
        return None


def trash_files(clone: Path) -> list[Path]:
    return sorted(p for p in (clone / ".git" / "vam" / "trash").rglob("*") if p.is_file())


def files(out: str) -> dict[str, dict]:
    return {f["path"]: f for p in json.loads(out)["projects"] for f in p["files"]}


# -- push ---------------------------------------------------------------------


def test_push_changed_same_uploads(shared: World) -> None:
    v2 = make_mp4(shared.staging(shared.david) / "raw.mp4", "v2")
    res = files(vam(shared.david, "push", "b65", "--json").stdout)
    assert res["raw.mp4"]["action"] == "upload" and res["raw.mp4"]["ok"]
    assert remote_md5(shared) == md5(v2)


def test_push_same_changed_says_pull_first(shared: World) -> None:
    v2 = make_mp4(shared.staging(shared.jan) / "raw.mp4", "v2")
    vam(shared.jan, "push", "b65")
    out = vam(shared.david, "push", "b65")
    assert "changed on S3: run git vam pull first" in out.stdout
    assert remote_md5(shared) == md5(v2)


def test_push_conflict_skips_then_force_uploads(shared: World) -> None:
    jan_v = make_mp4(shared.staging(shared.jan) / "raw.mp4", "jan")
    vam(shared.jan, "push", "b65")
    jan_v = md5(jan_v)
    david_v = make_mp4(shared.staging(shared.david) / "raw.mp4", "david")
    out = vam(shared.david, "push", "b65", code=1)
    assert "conflict" in out.stdout
    assert remote_md5(shared) == jan_v
    out = vam(shared.david, "push", "b65", "--force")
    assert remote_md5(shared) == md5(david_v)
    # jan's replaced version is kept on S3, outside the project prefix, named by
    # time and its ETag (two replacements in one second once shared a key: found
    # by the property test)
    kept = out.stdout.split("previous version kept at ")[1].split(")")[0]
    assert kept.startswith("staging/.vam-trash/v-demo/") and remote_md5(shared, kept) == jan_v


def test_push_deleted_needs_delete_flag_and_leaves_tombstone(shared: World) -> None:
    (shared.staging(shared.david) / "raw.mp4").unlink()
    out = vam(shared.david, "push", "b65")
    assert "push --delete removes it" in out.stdout
    assert remote_md5(shared) is not None
    vam(shared.david, "push", "b65", "--delete")
    assert remote_md5(shared) is None
    entry = json.loads((shared.david / PROJECT / "s3-staging.manifest.json").read_text())["files"]["raw.mp4"]
    assert entry["deleted"] is True and entry["deleted_by"] == "david"
    # jan learns it through git; his copy stays until he asks for --delete
    git(shared.david, "push", "-q")
    git(shared.jan, "pull", "-q")
    status = files(vam(shared.jan, "status", "b65", "--json").stdout)
    assert status["raw.mp4"]["state"] == "deleted on S3" and status["raw.mp4"]["deleted_by"] == "david"
    vam(shared.jan, "pull", "b65")
    assert (shared.staging(shared.jan) / "raw.mp4").exists()
    vam(shared.jan, "pull", "b65", "--delete")
    assert not (shared.staging(shared.jan) / "raw.mp4").exists()
    assert [p.name for p in trash_files(shared.jan)] == ["raw.mp4"]


def test_push_same_deleted_needs_force(shared: World) -> None:
    s3_client(shared).delete_object(Bucket=shared.bucket, Key=KEY)
    out = vam(shared.david, "push", "b65")
    assert "deleted on S3" in out.stdout and remote_md5(shared) is None
    vam(shared.david, "push", "b65", "--force")
    assert remote_md5(shared) == md5(shared.staging(shared.david) / "raw.mp4")


# -- pull ---------------------------------------------------------------------


def test_pull_same_changed_downloads_and_keeps_old_in_trash(shared: World) -> None:
    old = md5(shared.staging(shared.jan) / "raw.mp4")
    v2 = make_mp4(shared.staging(shared.david) / "raw.mp4", "v2")
    vam(shared.david, "push", "b65")
    vam(shared.jan, "pull", "b65")
    assert md5(shared.staging(shared.jan) / "raw.mp4") == md5(v2)
    assert [md5(p) for p in trash_files(shared.jan)] == [old]


def test_pull_changed_same_keeps_local(shared: World) -> None:
    mine = make_mp4(shared.staging(shared.jan) / "raw.mp4", "jan-edit")
    out = vam(shared.jan, "pull", "b65")
    assert "changed locally: run git vam push" in out.stdout
    assert md5(mine) == md5(shared.staging(shared.jan) / "raw.mp4")


def test_pull_conflict_saves_remote_beside_local(shared: World) -> None:
    david_v = make_mp4(shared.staging(shared.david) / "raw.mp4", "david-v2")
    vam(shared.david, "push", "b65")
    jan_v = make_mp4(shared.staging(shared.jan) / "raw.mp4", "jan-v2")
    jan_md5 = md5(jan_v)
    out = vam(shared.jan, "pull", "b65", code=1)
    assert "conflict" in out.stdout
    names = sorted(p.name for p in shared.staging(shared.jan).iterdir())
    assert len(names) == 2 and names[1] == "raw.mp4"
    assert re.fullmatch(r"raw\.conflict-david-\d{8}T\d{6}\.mp4", names[0]), names
    assert md5(shared.staging(shared.jan) / names[0]) == md5(david_v)
    assert md5(shared.staging(shared.jan) / "raw.mp4") == md5(jan_v)
    # again: still a conflict, no second copy, and the copy is never pushed
    vam(shared.jan, "pull", "b65", code=1)
    assert len(list(shared.staging(shared.jan).iterdir())) == 2
    assert "conflict-" not in str(
        [o["Key"] for o in s3_client(shared).list_objects_v2(Bucket=shared.bucket)["Contents"]]
    )
    # --force takes S3's version; jan's goes to the trash, not away
    vam(shared.jan, "pull", "b65", "--force")
    assert md5(shared.staging(shared.jan) / "raw.mp4") == md5(david_v)
    assert jan_md5 in [md5(p) for p in trash_files(shared.jan)]


def test_pull_deleted_same_not_redownloaded_unless_forced(shared: World) -> None:
    (shared.staging(shared.jan) / "raw.mp4").unlink()
    vam(shared.jan, "pull", "b65")
    assert not (shared.staging(shared.jan) / "raw.mp4").exists()
    vam(shared.jan, "pull", "b65", "--force")
    assert md5(shared.staging(shared.jan) / "raw.mp4") == remote_md5(shared)


def test_pull_same_deleted_keeps_local_without_delete(shared: World) -> None:
    s3_client(shared).delete_object(Bucket=shared.bucket, Key=KEY)
    out = vam(shared.jan, "pull", "b65")
    assert "deleted on S3" in out.stdout and (shared.staging(shared.jan) / "raw.mp4").exists()


def test_new_on_both_sides_same_content_is_recorded_not_transferred(world: World) -> None:
    a = make_mp4(world.staging(world.david) / "raw.mp4", "same")
    vam(world.david, "push", "b65")
    make_mp4(world.staging(world.jan) / "raw.mp4", "same")
    res = files(vam(world.jan, "pull", "b65", "--json").stdout)
    assert res["raw.mp4"]["action"] == "record" and res["raw.mp4"]["bytes"] == 0
    assert md5(world.staging(world.jan) / "raw.mp4") == md5(a)


# -- dry runs -----------------------------------------------------------------


def snapshot(world: World) -> tuple:
    listing = s3_client(world).list_objects_v2(Bucket=world.bucket).get("Contents", [])
    local = {
        str(p.relative_to(c)): md5(p)
        for c in (world.david, world.jan)
        for p in c.rglob("*")
        if p.is_file() and ".git" not in p.parts
    }
    heads = (git(world.david, "rev-parse", "HEAD"), git(world.jan, "rev-parse", "HEAD"))
    return sorted((o["Key"], o["ETag"]) for o in listing), local, heads


def test_dry_run_and_check_only_change_nothing(shared: World) -> None:
    make_mp4(shared.staging(shared.david) / "raw.mp4", "v2")
    make_mp4(shared.staging(shared.david) / "sub" / "b-roll.mp4", "broll")
    before = snapshot(shared)
    out = vam(shared.david, "push", "--dry-run", "b65")
    assert "would upload" in out.stdout and "sub/b-roll.mp4" in out.stdout
    assert snapshot(shared) == before
    vam(shared.david, "push", "b65")
    before = snapshot(shared)
    out = vam(shared.jan, "pull", "b65", "--dry-run")
    assert "would download" in out.stdout
    out = vam(shared.jan, "pull", "b65", "--check-only", code=1)
    assert "sub/b-roll.mp4" in out.stdout
    assert snapshot(shared) == before
    vam(shared.jan, "pull", "b65")
    vam(shared.jan, "pull", "b65", "--check-only", code=0)
    assert md5(shared.staging(shared.jan) / "sub" / "b-roll.mp4") == md5(
        shared.staging(shared.david) / "sub" / "b-roll.mp4"
    )


def test_a_manifest_entry_never_seen_locally_is_not_a_base(world: World) -> None:
    """Found by the property test: jan's own push rebuilt his manifest from S3
    (listing david's raw.mp4); a raw.mp4 jan then made himself must not count
    as a change of david's version."""
    david_v = md5(make_mp4(world.staging(world.david) / "raw.mp4", "david"))
    vam(world.david, "push", "b65")
    make_mp4(world.staging(world.jan) / "other.mp4", "other")
    vam(world.jan, "push", "b65")  # records david's raw.mp4 in jan's manifest
    make_mp4(world.staging(world.jan) / "raw.mp4", "jan's own")
    out = vam(world.jan, "push", "b65", code=1)
    assert "conflict" in out.stdout
    assert remote_md5(world) == david_v
