"""The last copy is sacred, and the rough edges a new user hit (issue 12):
archive, restore, cleanup and delete never make a file version unrecoverable;
share signs with SigV4; credentials problems are configuration errors; paths
limit a command; a project only on S3 can be pulled; config is never cut."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import urllib.request
import uuid
from pathlib import Path

import pytest
from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam

MANIFEST = f"{PROJECT}/s3-staging.manifest.json"
PREFIX = f"staging/v-demo/{PROJECT}/"
ARCHIVE = f"archive/v-demo/b50-b99/{PROJECT}"


def keys(world: World, prefix: str = "") -> list[str]:
    found = s3_client(world).list_objects_v2(Bucket=world.bucket, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in found)


def body(world: World, key: str) -> bytes:
    return bytes(s3_client(world).get_object(Bucket=world.bucket, Key=key)["Body"].read())


def tar_members(data: bytes) -> dict[str, str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: hashlib.md5(tar.extractfile(m).read()).hexdigest() for m in tar if m.isfile()}  # type: ignore[union-attr]


def two_video_project(world: World) -> tuple[Path, dict[str, str]]:
    project = world.david / PROJECT
    videos = {
        "s3-staging/raw.mp4": md5(make_mp4(project / "s3-staging" / "raw.mp4", "raw")),
        "s3-staging/take2.mp4": md5(make_mp4(project / "s3-staging" / "take2.mp4", "take2")),
    }
    (project / "README.md").write_text("# b65\n")
    (project / "script.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    (project / "thumbnail-master.psd").write_bytes(b"8BPS" + bytes(2000))
    return project, videos


# -- 1. archive: never overwritten, every record kept, --delete-local only what it holds ---


def test_archiving_twice_then_deleting_keeps_both_videos_somewhere(world: World) -> None:
    david = world.david
    project, videos = two_video_project(world)
    vam(david, "push", "b65")
    vam(david, "archive", "b65", "--storage-class", "STANDARD_IA", "--delete-local")
    assert not any((project / rel).exists() for rel in videos)
    first = json.loads((david / MANIFEST).read_text())["archive"]
    assert first["key"] == f"{ARCHIVE}.tar"
    assert {rel: first["members"][rel]["md5"] for rel in videos} == videos

    # again, now without the videos: the first archive holds all that is left, so
    # only --force writes a second one (issue 21: an unchanged project is skipped)
    out = vam(david, "archive", "b65", "--force")
    manifest = json.loads((david / MANIFEST).read_text())
    second = manifest["archive"]
    assert second["key"] != first["key"] and second["key"].startswith(f"{ARCHIVE}.")
    assert manifest["earlier_archives"] == [first]  # every record kept
    assert tar_members(body(world, first["key"])) == {
        rel: m["md5"] for rel, m in first["members"].items()
    }  # the first archive object is untouched
    assert "archived and verified" in out.stdout

    plan = json.loads(vam(david, "archive", "--older-than", "0d", "--dry-run", "--json").stdout)
    assert [p.get("skipped", "") for p in plan["projects"] if p["project"] == PROJECT] == [
        "its newest archive already holds its current content"
    ]

    vam(david, "push", "b65", "--delete")
    trash = keys(world, "staging/.vam-trash/")
    for rel, digest in videos.items():
        name = rel.split("/", 1)[1]
        in_trash = [k for k in trash if f"/{name}." in k and hashlib.md5(body(world, k)).hexdigest() == digest]
        in_archive = digest in {m["md5"] for m in first["members"].values()}
        assert in_trash and in_archive, rel


# -- 2. restore in place never rolls the manifest back ------------------------------


def test_restore_in_place_keeps_the_manifest_and_its_archive_record(world: World) -> None:
    david = world.david
    project, videos = two_video_project(world)
    vam(david, "push", "b65")  # the manifest exists, so the archive holds a copy of it
    vam(david, "archive", "b65", "--delete-local")
    before = (david / MANIFEST).read_text()
    vam(david, "restore", "b65")
    assert (david / MANIFEST).read_text() == before
    assert {rel: md5(project / rel) for rel in videos} == videos
    vam(david, "restore", "b65")  # again: identical files, nothing to do


# -- 3. Glacier on a server without restore; cleanup --archive copies come back -------


def test_glacier_archive_on_seaweedfs_is_read_directly(world: World) -> None:
    david = world.david
    project, videos = two_video_project(world)
    vam(david, "archive", "b65", "--storage-class", "GLACIER", "--delete-local")
    out = vam(david, "restore", "b65")
    assert "restored" in out.stdout
    assert {rel: md5(project / rel) for rel in videos} == videos
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) <= 1 and (not lines or "no Glacier restore" in lines[0])


def test_objects_copied_by_cleanup_archive_can_be_restored(world: World) -> None:
    david = world.david
    raw = make_mp4(world.staging(david) / "raw.mp4", "raw")
    digest = md5(raw)
    vam(david, "push", "b65")
    vam(david, "cleanup", "b65", "--confirm", "--archive")
    raw.unlink()
    vam(david, "restore", "b65")
    assert md5(raw) == digest


def test_restore_to_a_new_folder_creates_it_for_cleanup_archive_copies(world: World, tmp_path: Path) -> None:
    # issue 23: the copies `cleanup --archive` made ended in FileNotFoundError for
    # a --to DIR that did not exist, while tar archives worked. /dev/shm is
    # another file system where there is one: a restore onto another disk.
    raw = make_mp4(world.staging(world.david) / "raw.mp4", "raw")
    digest = md5(raw)
    vam(world.david, "push", "b65")
    vam(world.david, "cleanup", "b65", "--confirm", "--archive")
    shm = Path("/dev/shm")
    where = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    dest = where / f"vam-{uuid.uuid4().hex[:8]}" / "new folder"
    try:
        vam(world.david, "restore", "b65", "--to", str(dest))
        assert md5(dest / "s3-staging" / "raw.mp4") == digest
    finally:
        shutil.rmtree(dest.parent, ignore_errors=True)


# -- cleanup: the last-copy rule --------------------------------------------------------


def test_cleanup_keeps_the_only_copy_unless_forced(world: World) -> None:
    david, jan = world.david, world.jan
    make_mp4(world.staging(david) / "raw.mp4", "raw")
    vam(david, "push", "b65")
    git(david, "push", "-q")
    (world.staging(david) / "raw.mp4").unlink()  # now S3 holds the only copy
    listed = vam(david, "cleanup", "b65")
    assert "the only copy" in listed.stdout
    out = vam(david, "cleanup", "b65", "--confirm", code=1)
    assert "kept: the only copy" in out.stdout
    assert keys(world, PREFIX + "raw.mp4")
    forced = vam(david, "cleanup", "b65", "--confirm", "--force")
    assert "recoverable from staging/.vam-trash/" in forced.stdout
    assert not keys(world, PREFIX + "raw.mp4")
    assert keys(world, f"staging/.vam-trash/v-demo/{PROJECT}/raw.mp4.")
    git(jan, "pull", "-q")


def test_cleanup_deletes_what_this_clone_still_has(world: World) -> None:
    david = world.david
    raw = make_mp4(world.staging(david) / "raw.mp4", "raw")
    vam(david, "push", "b65")
    vam(david, "cleanup", "b65", "--confirm")
    assert not keys(world, PREFIX + "raw.mp4") and raw.exists()


# -- 4. share: SigV4 ----------------------------------------------------------------------


def test_share_url_is_sigv4_and_gives_the_exact_bytes(world: World) -> None:
    src = make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    url = vam(world.david, "share", "b65/raw.mp4", "--expires", "2d").stdout.strip()
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Expires=172800" in url
    assert "AWSAccessKeyId=" not in url and "Signature=" not in url.replace("X-Amz-Signature=", "")
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert hashlib.md5(resp.read()).hexdigest() == md5(src)


# -- 5. credentials problems are configuration errors --------------------------------------


def test_partial_credentials_are_a_configuration_error(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    make_mp4(world.staging(world.david) / "raw.mp4")
    out = vam(world.david, "push", "b65", code=2)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and "incomplete" in lines[0] and "AWS_SECRET_ACCESS_KEY" in lines[0]
    doctor = vam(world.david, "doctor", code=1)
    assert "unexpected error" not in doctor.stdout + doctor.stderr and "incomplete" in doctor.stdout
    config = {r["key"]: r for r in json.loads(vam(world.david, "config", "--json").stdout)}
    assert "incomplete" in config["credentials"]["origin"]


def test_config_names_where_the_credentials_really_come_from(
    world: World, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    (isolated_env / ".aws").mkdir()
    (isolated_env / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
    )
    config = {r["key"]: r for r in json.loads(vam(world.david, "config", "--json").stdout)}
    assert config["credentials"]["origin"] == "~/.aws/credentials (profile default)"
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")


# -- 6. pulled files are never executable ----------------------------------------------------


def test_pulled_files_are_created_0666_less_the_umask(shared: World) -> None:
    mode = (shared.staging(shared.jan) / "raw.mp4").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


# -- 7. check --gitignore agrees with git ------------------------------------------------------


@pytest.mark.parametrize("where", ["root-exception", "nested-gitignore"])
def test_check_gitignore_agrees_with_git(world: World, where: str) -> None:
    david = world.david
    podcast = david / "b67-podcast-ep12"
    (podcast / "final").mkdir(parents=True)
    make_mp4(podcast / "final" / "ep12.mp4", "ep12")
    vam(david, "check", "--gitignore")
    if where == "root-exception":
        with (david / ".gitignore").open("a") as fh:
            fh.write("!b67-podcast-ep12/final/*.mp4\n")
    else:
        (podcast / ".gitignore").write_text("!*.mp4\n")
    assert "b67-podcast-ep12/final/ep12.mp4" in git(david, "status", "--porcelain", "-uall")
    out = vam(david, "check", "--gitignore", code=1)
    assert "b67-podcast-ep12/" in out.stdout and "un-ignored by" in out.stdout
    if where == "root-exception":
        vam(david, "check", "--gitignore", "--fix")
        assert "ep12.mp4" not in git(david, "status", "--porcelain", "-uall")
        vam(david, "check", "--gitignore")


# -- 8. a path limits the command, never widened to the project ---------------------------------


def test_pull_of_one_file_touches_only_that_file(shared: World) -> None:
    david, jan = shared.david, shared.jan
    make_mp4(shared.staging(david) / "raw" / "A001_C002_take1.mp4", "t1")
    make_mp4(shared.staging(david) / "raw" / "A001_C003_take2.mp4", "t2")
    vam(david, "push", "b65")
    vam(jan, "pull", "b65")
    for name in ("A001_C002_take1.mp4", "A001_C003_take2.mp4"):  # both sides change both: conflicts
        make_mp4(shared.staging(david) / "raw" / name, f"david-{name}")
        make_mp4(shared.staging(jan) / "raw" / name, f"jan-{name}")
    vam(david, "push", "b65")
    vam(jan, "pull", "b65/raw/A001_C002_take1.mp4", "--force")
    assert md5(shared.staging(jan) / "raw" / "A001_C002_take1.mp4") == md5(
        shared.staging(david) / "raw" / "A001_C002_take1.mp4"
    )
    assert md5(shared.staging(jan) / "raw" / "A001_C003_take2.mp4") != md5(
        shared.staging(david) / "raw" / "A001_C003_take2.mp4"
    )  # untouched: still jan's
    status = json.loads(vam(jan, "status", "b65/raw/A001_C003_take2.mp4", "--json").stdout)
    assert [f["path"] for p in status["projects"] for f in p["files"]] == ["raw/A001_C003_take2.mp4"]
    vam(jan, "pull", "b65/raw/nothing-like-this.mp4", code=1)


def test_share_a_file_named_from_inside_the_project_folder(world: World) -> None:
    make_mp4(world.staging(world.david) / "thumbnail-master.mp4")
    vam(world.david, "push", "b65")
    out = vam(world.david / PROJECT, "share", "thumbnail-master.mp4", "--json")
    assert json.loads(out.stdout)["path"] == "thumbnail-master.mp4"
    vam(world.david, "cleanup", "b65/thumbnail-master.mp4", code=2)  # a path is never widened to the project


# -- 9. a project that is only on S3 yet -------------------------------------------------------


def test_pull_a_project_that_is_only_on_s3(world: World) -> None:
    david, jan = world.david, world.jan
    name = "b70-brand-new-shoot"
    clip = make_mp4(david / name / "s3-staging" / "clip.mp4", "new")
    vam(david, "push", name)  # committed locally, not yet `git push`ed
    vam(jan, "pull", "b70", code=2)  # a prefix is only for local projects
    vam(jan, "pull", name)
    assert md5(jan / name / "s3-staging" / "clip.mp4") == md5(clip)


# -- 10. config: never cut, sizes for people -------------------------------------------------


def test_config_is_never_cut_and_shows_sizes(world: World) -> None:
    out = vam(world.david, "config", env={"COLUMNS": "40"})
    assert world.bucket in out.stdout and "50.0 MiB" in out.stdout and "5.0 GiB" in out.stdout
    rows = {r["key"]: r for r in json.loads(vam(world.david, "config", "--json").stdout)}
    assert rows["vam.maxFileSize"]["value"] == str(50 * 1024**2)
