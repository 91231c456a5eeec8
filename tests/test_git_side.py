"""What push does to git, the manifest format, --all, cleanup, and local safety."""

from __future__ import annotations

import json
import os

from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam

MANIFEST = f"{PROJECT}/s3-staging.manifest.json"


def test_push_commits_only_the_manifest_and_leaves_staged_work(world: World) -> None:
    (world.david / PROJECT / "script.md").write_text("draft\n")
    git(world.david, "add", f"{PROJECT}/script.md")
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    assert git(world.david, "show", "--name-only", "--format=", "HEAD").split() == [MANIFEST]
    assert git(world.david, "diff", "--cached", "--name-only").split() == [f"{PROJECT}/script.md"]
    # the staging folder itself is never in git
    assert "s3-staging/" not in git(world.david, "ls-files")


def test_manifest_is_sorted_two_space_json_with_final_newline(world: World) -> None:
    make_mp4(world.staging(world.david) / "b.mp4", "b")
    make_mp4(world.staging(world.david) / "a" / "x.mp4", "a")
    vam(world.david, "push", "b65")
    text = (world.david / MANIFEST).read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert list(data["files"]) == ["a/x.mp4", "b.mp4"]
    entry = data["files"]["b.mp4"]
    assert set(entry) == {"etag", "md5", "mtime", "size", "uploaded_at", "uploaded_by"}
    assert entry["uploaded_at"].endswith("Z") and entry["size"] == (world.staging(world.david) / "b.mp4").stat().st_size


def test_no_commit_and_autocommit_false(world: World) -> None:
    head = git(world.david, "rev-parse", "HEAD")
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65", "--no-commit")
    assert git(world.david, "rev-parse", "HEAD") == head
    assert (world.david / MANIFEST).exists()
    git(world.david, "config", "vam.autoCommit", "false")
    make_mp4(world.staging(world.david) / "two.mp4", "two")
    vam(world.david, "push", "b65")
    assert git(world.david, "rev-parse", "HEAD") == head


def test_all_projects_and_project_from_cwd(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    make_mp4(world.david / "boy-baker" / "s3-staging" / "take1.mp4", "bb")
    (world.david / "no-staging-here").mkdir()
    out = json.loads(vam(world.david, "push", "--all", "--json").stdout)
    assert [p["project"] for p in out["projects"]] == [PROJECT, "boy-baker"]
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    vam(world.jan / "boy-baker", "pull")  # the project you are in
    assert (world.jan / "boy-baker" / "s3-staging" / "take1.mp4").exists()
    assert not (world.staging(world.jan) / "raw.mp4").exists()


def test_cleanup_lists_then_deletes_objects_never_local_files(world: World) -> None:
    raw = make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    s3 = s3_client(world)
    listed = vam(world.david, "cleanup", "b65")
    assert "Would delete 1 objects" in listed.stdout and "--confirm" in listed.stdout
    assert len(s3.list_objects_v2(Bucket=world.bucket)["Contents"]) == 2  # file + .metadata.json
    vam(world.david, "cleanup", "b65", "--confirm")
    assert s3.list_objects_v2(Bucket=world.bucket).get("KeyCount", 0) == 0
    assert raw.exists()
    manifest = json.loads((world.david / MANIFEST).read_text())
    assert manifest["files"]["raw.mp4"]["deleted"] is True
    assert git(world.david, "log", "-1", "--format=%s").strip() == f"vam: cleanup {PROJECT}"


def test_symlink_out_of_staging_is_not_followed(world: World, tmp_path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("private")
    staging = world.staging(world.david)
    staging.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, staging / "link.mp4")
    make_mp4(staging / "raw.mp4")
    out = vam(world.david, "push", "b65", code=1)
    assert "link.mp4: symlink to outside s3-staging/" in out.stdout
    keys = [o["Key"] for o in s3_client(world).list_objects_v2(Bucket=world.bucket)["Contents"]]
    assert not any(k.endswith("link.mp4") for k in keys)
    assert any(k.endswith("raw.mp4") for k in keys)


def test_second_push_is_a_no_op(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    head = git(world.david, "rev-parse", "HEAD")
    out = vam(world.david, "push", "b65")
    assert "everything in sync" in out.stdout
    assert git(world.david, "rev-parse", "HEAD") == head


def test_fresh_clone_without_state_downloads_and_agrees(world: World, tmp_path) -> None:
    raw = make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    # jan already has the same file from a USB stick: recorded, not downloaded again
    git(world.jan, "pull", "-q")
    world.staging(world.jan).mkdir(parents=True)
    (world.staging(world.jan) / "raw.mp4").write_bytes(raw.read_bytes())
    res = json.loads(vam(world.jan, "pull", "b65", "--json").stdout)
    (entry,) = res["projects"][0]["files"]
    assert entry["action"] in ("none", "record") and entry["bytes"] == 0
    base = json.loads((world.jan / ".git" / "vam" / "base" / f"{PROJECT}.json").read_text())
    assert base["files"]["raw.mp4"]["md5"] == md5(raw)


def test_cleanup_archive_copies_before_deleting(world: World) -> None:
    from git_vam.layout import archive_group

    assert archive_group("b40-old-project") == "b00-b49"
    assert archive_group("b65-guy") == "b50-b99"
    assert archive_group("boy-baker") == "misc"
    raw = make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    vam(world.david, "cleanup", "b65", "--confirm", "--archive")
    s3 = s3_client(world)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=world.bucket).get("Contents", [])]
    assert keys == [f"archive/v-demo/b50-b99/{PROJECT}/s3-staging/raw.mp4"]
    head = s3.head_object(Bucket=world.bucket, Key=keys[0])
    assert head["Metadata"]["md5"] == md5(raw) and head["Metadata"]["uploaded-by"] == "david"


def test_status_at_the_repository_root_shows_every_project(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    (world.david / "boy-baker" / "s3-staging").mkdir(parents=True)
    make_mp4(world.david / "boy-baker" / "s3-staging" / "take1.mp4")
    vam(world.david, "push", "--all")
    report = json.loads(vam(world.david, "status", "--json").stdout)
    assert [p["project"] for p in report["projects"]] == ["b65-guy-monroe-marketing-plan", "boy-baker"]
    assert report["in_sync"] is True
