"""The storage tiers (issue 23, DESIGN §8): a verified copy on an external SSD
(a folder here, with spaces and accents as macOS volume names have; "unplugged"
is the folder renamed), the way back, the last-copy rule, and the idle age."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import PROJECT, World, git, make_mp4, md5, vam

from git_vam.testing.moto import MotoServer


@pytest.fixture
def ssd(world: World, tmp_path: Path) -> Path:
    """david's drive: ``…/Volumes/T7 Shuttle/Vidéos publiées`` set as vam.ssdBase."""
    base = tmp_path / "Volumes" / "T7 Shuttle" / "Vidéos publiées"
    base.mkdir(parents=True)
    git(world.david, "config", "vam.ssdBase", str(base))
    return base


def fill(world: World) -> dict[str, str]:
    """notes (tracked, light), a raw file in staging and a final cut (heavy): path → MD5."""
    project = world.david / PROJECT
    make_mp4(project / "s3-staging" / "raw.mp4", "raw")
    make_mp4(project / "final" / "cut é.mp4", "cut")
    (project / "thumbs").mkdir()
    (project / "thumbs" / "cover.txt").write_text("cover\n")
    return {p.relative_to(project).as_posix(): md5(p) for p in project.rglob("*") if p.is_file()}


def manifest(world: World) -> dict:
    return json.loads((world.david / PROJECT / "s3-staging.manifest.json").read_text())


def test_copy_to_ssd_is_verified_recorded_and_delete_local_removes_only_heavy_files(world: World, ssd: Path) -> None:
    files = fill(world)
    project = world.david / PROJECT
    out = vam(world.david, "archive", "b65", "--to", "ssd", "--delete-local")
    assert "copied and verified" in out.stdout and "drive T7 Shuttle" in out.stdout
    copy = ssd / PROJECT
    on_drive = {p.relative_to(copy).as_posix(): md5(p) for p in copy.rglob("*") if p.is_file()}
    assert {k: v for k, v in on_drive.items() if k != ".vam-ssd.json"} == files
    drive = json.loads((ssd / ".vam-drive.json").read_text())
    record = manifest(world)["ssd"]
    assert record["drive"] == drive["uuid"] and record["label"] == "T7 Shuttle"
    assert record["md5"] == files and record["files"] == len(files)
    assert (
        json.loads((copy / ".vam-ssd.json").read_text())["files"]["final/cut é.mp4"]["md5"] == files["final/cut é.mp4"]
    )
    # heavy files gone, light ones kept: the project is now "light"
    assert not (project / "final" / "cut é.mp4").exists() and not (project / "s3-staging" / "raw.mp4").exists()
    assert (project / "notes.md").exists() and (project / "thumbs" / "cover.txt").exists()
    assert git(world.david, "log", "-1", "--format=%s").startswith("vam: archive --to ssd")
    assert not list(ssd.rglob(".vam-tmp-*"))


def test_an_unplugged_or_unset_drive_exits_2_and_names_the_fix(world: World, ssd: Path) -> None:
    fill(world)
    vam(world.david, "archive", "b65", "--to", "ssd")
    ssd.rename(ssd.with_name("elsewhere"))  # unplugged
    for args in (("archive", "b65", "--to", "ssd"), ("restore", "b65", "--from", "ssd")):
        out = vam(world.david, *args, code=2)
        assert f"SSD not connected at {ssd}" in out.stderr, args
    assert not ssd.exists()  # the mount point was never created
    git(world.david, "config", "--unset", "vam.ssdBase")
    out = vam(world.david, "archive", "b65", "--to", "ssd", code=2)
    assert "vam.ssdBase" in out.stderr and "SSD_BASE" in out.stderr


def test_restore_from_ssd_is_verified_asks_before_replacing_and_names_rotted_files(world: World, ssd: Path) -> None:
    files = fill(world)
    project = world.david / PROJECT
    vam(world.david, "archive", "b65", "--to", "ssd", "--delete-local")
    (project / "notes.md").write_text("my newer notes\n")  # tracked: never written by a restore
    out = vam(world.david, "restore", "b65", "--from", "ssd")
    assert "restored 2 files" in out.stdout
    assert md5(project / "final" / "cut é.mp4") == files["final/cut é.mp4"]
    assert md5(project / "s3-staging" / "raw.mp4") == files["s3-staging/raw.mp4"]
    assert (project / "notes.md").read_text() == "my newer notes\n"
    # a different local file is never replaced without --force, which keeps it in the trash
    make_mp4(project / "final" / "cut é.mp4", "a local edit")
    out = vam(world.david, "restore", "b65", "--from", "ssd", code=1)
    assert "would replace 1 different file(s): final/cut é.mp4" in out.stderr
    assert md5(project / "final" / "cut é.mp4") != files["final/cut é.mp4"]
    vam(world.david, "restore", "b65", "--from", "ssd", "--force")
    assert md5(project / "final" / "cut é.mp4") == files["final/cut é.mp4"]
    assert list((world.david / ".git" / "vam" / "trash").rglob("cut é.mp4"))
    # bytes that rotted on the drive are named and not restored
    (project / "s3-staging" / "raw.mp4").unlink()
    rotten = ssd / PROJECT / "s3-staging" / "raw.mp4"
    data = bytearray(rotten.read_bytes())
    data[len(data) // 2] ^= 0xFF
    rotten.write_bytes(bytes(data))
    out = vam(world.david, "restore", "b65", "--from", "ssd", code=1)
    assert "not restored: s3-staging/raw.mp4" in out.stdout
    assert not (project / "s3-staging" / "raw.mp4").exists()


def test_another_drive_at_the_same_path_is_not_the_copy(world: World, ssd: Path) -> None:
    fill(world)
    vam(world.david, "archive", "b65", "--to", "ssd", "--delete-local")
    shutil.rmtree(ssd)  # a different drive mounted at the same path, with git-vam's file of its own
    ssd.mkdir()
    (ssd / ".vam-drive.json").write_text(json.dumps({"uuid": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "label": "X5"}))
    out = vam(world.david, "restore", "b65", "--from", "ssd", code=2)
    assert "is on drive T7 Shuttle" in out.stderr and "drive X5" in out.stderr


def test_a_copy_that_fails_part_way_puts_back_what_it_replaced_and_records_nothing(world: World, ssd: Path) -> None:
    fill(world)
    project = world.david / PROJECT
    vam(world.david, "archive", "b65", "--to", "ssd")
    before_record = manifest(world)["ssd"]
    before_drive = (ssd / PROJECT / ".vam-ssd.json").read_text()
    (project / "notes.md").write_text("newer notes\n")  # copied before final/ in the walk
    make_mp4(project / "final" / "cut é.mp4", "new cut")
    shutil.rmtree(ssd / PROJECT / "final")
    (ssd / PROJECT / "final").write_text("a file where a folder should be")
    out = vam(world.david, "archive", "b65", "--to", "ssd", "--delete-local", code=1)
    assert "NOT copied" in out.stdout and "nothing was recorded" in out.stdout
    assert (ssd / PROJECT / "notes.md").read_text() == "# Guy Monroe marketing plan\n"  # put back
    assert (ssd / PROJECT / ".vam-ssd.json").read_text() == before_drive
    assert manifest(world)["ssd"] == before_record
    assert (project / "final" / "cut é.mp4").exists() and (project / "s3-staging" / "raw.mp4").exists()
    assert not list(ssd.rglob(".vam-tmp-*"))


def test_a_hostile_ssd_record_cannot_write_outside_the_project(world: World, ssd: Path, tmp_path: Path) -> None:
    # the manifest comes through git from someone else (DESIGN §6)
    fill(world)
    vam(world.david, "archive", "b65", "--to", "ssd")
    path = world.david / PROJECT / "s3-staging.manifest.json"
    data = json.loads(path.read_text())
    escape = "../../../../escaped.txt"
    data["ssd"]["md5"][escape] = "0" * 32
    (ssd / "escaped.txt").write_text("from the drive")
    path.write_text(json.dumps(data))
    out = vam(world.david, "restore", "b65", "--from", "ssd", code=1)
    assert "refused" in out.stdout
    assert not (tmp_path / "escaped.txt").exists() and not (world.david.parent / "escaped.txt").exists()


def test_a_tier_move_is_not_activity(world: World, ssd: Path) -> None:
    old = world.david / "b10-old-show"
    old.mkdir()
    make_mp4(old / "final.mp4", "old")
    (old / "notes.md").write_text("done\n")
    git(world.david, "add", "b10-old-show/notes.md")
    env = {**os.environ, "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z"}
    subprocess.run(["git", "commit", "-q", "-m", "old show"], cwd=world.david, env=env, check=True)
    vam(world.david, "archive", "b10", "--to", "ssd", "--delete-local")  # commits the manifest now
    plan = json.loads(vam(world.david, "archive", "--older-than", "6mo", "--dry-run", "--json").stdout)
    assert [p["project"] for p in plan["projects"]] == ["b10-old-show"]


def test_restore_to_ssd_puts_the_s3_archive_on_the_drive_and_records_it(world: World, ssd: Path) -> None:
    files = fill(world)
    vam(world.david, "archive", "b65", "--delete-local")
    out = vam(world.david, "restore", "b65", "--to", "ssd")
    assert "restored" in out.stdout
    copy = ssd / PROJECT
    assert md5(copy / "final" / "cut é.mp4") == files["final/cut é.mp4"]
    record = manifest(world)["ssd"]
    assert record["md5"]["final/cut é.mp4"] == files["final/cut é.mp4"]
    vam(world.david, "restore", "b65", "--from", "ssd")
    assert md5(world.david / PROJECT / "final" / "cut é.mp4") == files["final/cut é.mp4"]


def test_an_ssd_only_project_goes_to_s3_from_the_drive(world: World, ssd: Path, tmp_path: Path) -> None:
    files = fill(world)
    vam(world.david, "archive", "b65", "--to", "ssd", "--delete-local")
    ssd.rename(ssd.with_name("unplugged"))
    out = vam(world.david, "archive", "b65", "--dry-run", code=1)
    assert "final/cut é.mp4 is only on the SSD, which is not connected" in out.stdout
    ssd.with_name("unplugged").rename(ssd)
    out = vam(world.david, "archive", "b65")
    assert "read from the SSD copy: final/cut é.mp4" in out.stdout
    members = manifest(world)["archive"]["members"]
    assert members["final/cut é.mp4"]["md5"] == files["final/cut é.mp4"]
    assert members["s3-staging/raw.mp4"]["md5"] == files["s3-staging/raw.mp4"]
    vam(world.david, "restore", "b65", "--to", str(tmp_path / "back"))
    assert md5(tmp_path / "back" / "final" / "cut é.mp4") == files["final/cut é.mp4"]


def old_show(world: World) -> Path:
    """b10-old-show: notes committed in 2024 (idle for years), two heavy files."""
    old = world.david / "b10-old-show"
    make_mp4(old / "final" / "final.mp4", "old final")
    make_mp4(old / "s3-staging" / "raw.mp4", "old raw")
    (old / "notes.md").write_text("done\n")
    git(world.david, "add", "b10-old-show/notes.md")
    env = {**os.environ, "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z"}
    subprocess.run(["git", "commit", "-q", "-m", "old show"], cwd=world.david, env=env, check=True)
    return old


def row(world: World, name: str, *args: str, code: int = 0) -> dict:
    out = vam(world.david, "tiers", "--json", *args, code=code)
    return next(r for r in json.loads(out.stdout)["projects"] if r["project"] == name)


def test_tiers_walks_an_idle_project_down_local_ssd_s3_and_never_drops_the_last_copy(world: World, ssd: Path) -> None:
    old = old_show(world)
    final = md5(old / "final" / "final.mp4")
    fill(world)  # b65: active (committed now), stays where it is
    first = row(world, "b10-old-show")
    assert (first["local"], first["ssd"], first["next_move"]) == ("full", "none", "to ssd")
    assert row(world, PROJECT)["next_move"] == ""
    text = vam(world.david, "tiers").stdout
    assert "b10-old-show" in text and "to ssd" in text and "tiers --apply" in text
    # 1. local → SSD: verified copy, heavy files removed here
    moved = row(world, "b10-old-show", "--apply")
    assert moved["done"].startswith("copied to the SSD") and not (old / "final" / "final.mp4").exists()
    assert md5(ssd / "b10-old-show" / "final" / "final.mp4") == final
    # 2. the move was not activity: still idle, so SSD → S3 archive (read from the drive)
    second = row(world, "b10-old-show")
    assert (second["local"], second["ssd"], second["next_move"]) == ("light", "copy", "to s3")
    row(world, "b10-old-show", "--apply")
    members = json.loads((old / "s3-staging.manifest.json").read_text())["archive"]["members"]
    assert members["final/final.mp4"]["md5"] == final
    # 3. the SSD copy goes only once the archive holds it all, ssdRetentionDays after
    assert row(world, "b10-old-show")["next_move"] == ""
    git(world.david, "config", "vam.ssdRetentionDays", "0")
    third = row(world, "b10-old-show")
    assert third["next_move"] == "remove ssd copy"
    ssd.rename(ssd.with_name("unplugged"))
    away = row(world, "b10-old-show", "--apply")
    assert (away["ssd"], away["next_move"]) == ("not connected", "")  # never "none" or "deleted"
    ssd.with_name("unplugged").rename(ssd)
    row(world, "b10-old-show", "--apply")
    assert not (ssd / "b10-old-show").exists()
    last = row(world, "b10-old-show")
    assert (last["local"], last["ssd"], last["next_move"]) == ("light", "none", "")
    # the only copy of final.mp4 is now the S3 archive, and it comes back
    vam(world.david, "restore", "b10")
    assert md5(old / "final" / "final.mp4") == final


def test_tiers_keeps_an_ssd_copy_that_is_the_last_one(world: World, ssd: Path) -> None:
    old = old_show(world)
    vam(world.david, "archive", "b10", "--to", "ssd", "--delete-local")
    vam(world.david, "archive", "b10")  # the archive holds every file...
    make_mp4(ssd / "b10-old-show" / "extra.mp4", "only on the drive")
    manifest_path = old / "s3-staging.manifest.json"
    data = json.loads(manifest_path.read_text())
    data["ssd"]["md5"]["extra.mp4"] = md5(ssd / "b10-old-show" / "extra.mp4")  # ...but not this one
    manifest_path.write_text(json.dumps(data))
    git(world.david, "config", "vam.ssdRetentionDays", "0")
    r = row(world, "b10-old-show")
    assert r["next_move"] == "to s3"  # archive it first: the SSD copy is the last copy of extra.mp4
    from git_vam.context import open_context
    from git_vam.core.tiers import remove_ssd_copy
    from git_vam.errors import VamError
    from git_vam.projects import Project

    with pytest.raises(VamError, match="last copy"):
        remove_ssd_copy(open_context(world.david), Project(world.david, "b10-old-show"))
    assert (ssd / "b10-old-show" / "extra.mp4").exists()


def test_restore_wait_polls_until_glacier_is_ready_then_notifies(world: World, moto_server: MotoServer) -> None:
    # moto finishes a restore at once; AWS takes hours (RestoreObject, "ongoing-request"):
    # a proxy says "in progress" to the first two HEADs after the request
    from faults import InterceptProxy
    from helpers import s3_client

    from git_vam.testing.webhook import Webhook

    class Slow(InterceptProxy):
        pending = 2

        def rewrite_headers(self, method: str, path: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
            if method == "HEAD" and self.pending and any(k.lower() == "x-amz-restore" for k, _ in headers):
                self.pending -= 1
                headers = [(k, v) for k, v in headers if k.lower() != "x-amz-restore"]
                headers.append(("x-amz-restore", 'ongoing-request="true"'))
            return headers

    s3_client(moto_server.endpoint).create_bucket(Bucket="tiers-glacier")
    proxy, hook = Slow(moto_server.s3_port), Webhook()
    env = {"VAM_ENDPOINT": proxy.url, "VAM_BUCKET": "tiers-glacier", "VAM_NOTIFY": hook.url}
    try:
        files = fill(world)
        vam(world.david, "archive", "b65", "--storage-class", "GLACIER", "--delete-local", env=env)
        out = vam(world.david, "restore", "b65", "--wait", "--interval", "1s", env=env)
    finally:
        proxy.stop()
        hook.stop()
    assert "restored" in out.stdout
    assert out.stderr.count("asking again in 1 s") == 3 and proxy.pending == 0  # requested, in progress ×2
    assert "restore in progress (GLACIER)" in out.stderr
    assert md5(world.david / PROJECT / "final" / "cut é.mp4") == files["final/cut é.mp4"]
    (body,) = hook.bodies()
    assert "is back from the archive" in body["text"] and body["project"] == PROJECT


def test_a_separate_archive_bucket_holds_every_archive_and_is_trusted_first(world: World, tmp_path: Path) -> None:
    # DESIGN §8: the roadmap's appydave-video-archive next to appydave-video-collab
    from helpers import s3_client

    from git_vam.testing.seaweed import make_bucket

    archive_bucket = f"{world.bucket}-archive"
    make_bucket(world.endpoint, archive_bucket)
    d, j = world.david, world.jan
    vam(j, "pull", "b65")  # jan has used this bucket: what he trusts is recorded
    vam(d, "config", "vam.archiveBucket", archive_bucket, "--team")  # set here: trusted here
    git(d, "commit", "-qam", "archives go to their own bucket")
    git(d, "push", "-q")
    files = fill(world)
    raw = world.staging(d) / "raw.mp4"
    vam(d, "push", "b65")
    vam(d, "archive", "b65", "--delete-local")
    s3 = s3_client(world)
    in_archive = [o["Key"] for o in s3.list_objects_v2(Bucket=archive_bucket).get("Contents", [])]
    assert in_archive == [f"archive/v-demo/b50-b99/{PROJECT}.tar"]
    staging_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=world.bucket).get("Contents", [])]
    assert not [k for k in staging_keys if k.startswith("archive/")]
    vam(d, "cleanup", "b65", "--confirm", "--archive")
    copies = [o["Key"] for o in s3.list_objects_v2(Bucket=archive_bucket, Prefix=f"archive/v-demo/b50-b99/{PROJECT}/")
              .get("Contents", [])]  # fmt: skip
    assert copies == [f"archive/v-demo/b50-b99/{PROJECT}/s3-staging/raw.mp4"]
    vam(d, "restore", "b65", "--to", str(tmp_path / "back"))
    assert md5(tmp_path / "back" / "final" / "cut é.mp4") == files["final/cut é.mp4"]
    assert md5(tmp_path / "back" / "s3-staging" / "raw.mp4") == files["s3-staging/raw.mp4"]
    assert not raw.exists()
    git(d, "push", "-q")
    cost = json.loads(vam(d, "cost", "--json").stdout)
    assert {r["area"] for r in cost["rows"]} >= {"archive"} and archive_bucket in cost["bucket"]
    # for jan the bucket arrived in a commit: a destination, trusted only on purpose
    git(j, "pull", "-q")
    out = vam(j, "restore", "b65", "--to", str(tmp_path / "jan"), code=2)
    assert "vam.archiveBucket" in out.stderr and "git vam trust" in out.stderr
    vam(j, "trust")
    vam(j, "restore", "b65", "--to", str(tmp_path / "jan"))
    assert md5(tmp_path / "jan" / "final" / "cut é.mp4") == files["final/cut é.mp4"]


def test_tiers_apply_notify_posts_the_summary_for_cron(world: World, ssd: Path) -> None:
    from git_vam.testing.webhook import Webhook

    old_show(world)
    hook = Webhook()
    try:
        vam(world.david, "tiers", "--apply", "--notify", env={"VAM_NOTIFY": hook.url})
    finally:
        hook.stop()
    (body,) = hook.bodies()
    assert body["text"].startswith("git vam tiers --apply in v-demo: 1 move(s)")
    assert "b10-old-show: to ssd — copied to the SSD" in body["text"]


def test_the_copy_is_read_back_segment_by_segment_while_it_is_written(
    world: World, ssd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # in-process, with 4 MiB segments: a 40 MiB file (written 8 MiB at a time) is fsynced
    # and read back in five steps while the copy goes on
    from git_vam.context import open_context
    from git_vam.core import ssd as tier
    from git_vam.projects import Project

    big = world.david / PROJECT / "final" / "master.mov"
    big.parent.mkdir(parents=True)
    big.write_bytes(os.urandom(40 * 1024**2))
    reads: list[tuple[int, int]] = []
    real_upto = tier._ReadBack.upto

    def upto(self, end: int) -> None:
        reads.append((self.done, end))
        real_upto(self, end)

    monkeypatch.setattr(tier, "SEGMENT", 4 * 1024**2)
    monkeypatch.setattr(tier._ReadBack, "upto", upto)
    monkeypatch.chdir(world.david)
    reports, _, incomplete = tier.copy_to_ssd(open_context(world.david), [Project(world.david, PROJECT)],
                                              delete_local=False, dry_run=False, commit=False)  # fmt: skip
    assert not incomplete and "error" not in reports[0]
    big_reads = [r for r in reads if r[1] > 1024**2]
    assert len(big_reads) == 5 and big_reads[-1][1] == 40 * 1024**2
    assert all(a == b for (_, b), (a, _) in zip(big_reads, big_reads[1:], strict=False))  # in order, no gap
    assert md5(ssd / PROJECT / "final" / "master.mov") == md5(big)


def test_an_ssd_record_from_git_is_printed_escaped(world: World, ssd: Path) -> None:
    fill(world)
    vam(world.david, "archive", "b65", "--to", "ssd")
    path = world.david / PROJECT / "s3-staging.manifest.json"
    data = json.loads(path.read_text())
    data["ssd"]["label"] = "T7\x1b[2J\u202e"
    data["ssd"]["drive"] = "another-drive"
    path.write_text(json.dumps(data))
    out = vam(world.david, "restore", "b65", "--from", "ssd", code=2)
    assert "\x1b" not in out.stderr and "\u202e" not in out.stderr and "T7" in out.stderr
