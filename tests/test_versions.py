"""Earlier versions (issue 24, DESIGN §10): every version `git vam log` lists
comes back with its MD5, from the current object, the S3 trash or an archive,
beside the file and never over it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import PROJECT, World, git, make_mp4, md5, vam

pytestmark = pytest.mark.both_servers


def three_pushes(world: World) -> list[str]:
    """david pushes edited.mp4 three times; the MD5s, oldest first."""
    digests = []
    for tag in ("first cut", "second cut", "third cut"):
        path = make_mp4(world.staging(world.david) / "edited.mp4", tag)
        digests.append(md5(path))
        vam(world.david, "push", "b65")
    return digests


def test_david_gets_his_version_from_three_pushes_ago_back_with_its_md5(world: World) -> None:
    first, second, third = three_pushes(world)
    versions = json.loads(vam(world.david, "log", "b65/edited.mp4", "--json").stdout)["versions"]
    where = {v["md5"]: v["retrievable_from"] for v in versions}
    assert where == {first: "S3 trash", second: "S3 trash", third: "current"}
    shown = vam(world.david, "log", "b65/edited.mp4").stdout
    assert "[S3 trash]" in shown and "[current]" in shown
    out = vam(world.david, "pull", "b65/edited.mp4", "--version", first[:8])
    assert "verified and written to" in out.stdout
    back = world.staging(world.david) / f"edited.v{first[:8]}.mp4"
    assert md5(back) == first
    assert md5(world.staging(world.david) / "edited.mp4") == third  # never over the current file
    # the fetched version is not a new file to push
    status = json.loads(vam(world.david, "status", "b65", "--json").stdout)
    assert [f["path"] for f in status["projects"][0]["files"]] == ["edited.mp4"]


def test_a_version_by_commit_into_a_folder_and_from_an_archive(world: World, tmp_path: Path) -> None:
    first, _, third = three_pushes(world)
    commits = [v["commit"] for v in json.loads(vam(world.david, "log", "b65/edited.mp4", "--json").stdout)["versions"]]
    oldest_commit = commits[-1]
    vam(world.david, "pull", "b65/edited.mp4", "--version", oldest_commit, "--to", str(tmp_path / "old"))
    assert md5(tmp_path / "old" / f"edited.v{first[:8]}.mp4") == first
    # once only an archive holds it: read from the tar as it streams
    vam(world.david, "archive", "b65")
    git(world.david, "push", "-q")
    from helpers import s3_client

    s3 = s3_client(world)
    for obj in s3.list_objects_v2(Bucket=world.bucket, Prefix="staging/").get("Contents", []):
        s3.delete_object(Bucket=world.bucket, Key=obj["Key"])  # the trash and the current object: only the tar is left
    out = vam(world.david, "pull", "b65/edited.mp4", "--version", third[:8], "--to", str(tmp_path / "arc"), "--json")
    assert json.loads(out.stdout)["from"]["where"] == "archive"
    assert md5(tmp_path / "arc" / f"edited.v{third[:8]}.mp4") == third
    shown = json.loads(vam(world.david, "log", "b65/edited.mp4", "--json").stdout)["versions"]
    assert {v["md5"]: v["retrievable_from"] for v in shown}[first] == ""  # gone: the log says so
    out = vam(world.david, "pull", "b65/edited.mp4", "--version", first[:8], code=1)
    assert "no copy of it is left on S3" in out.stderr


def test_a_wrong_or_hostile_version_request_is_refused(world: World) -> None:
    three_pushes(world)
    for bad in ("zzzz", "../../etc", "12"):
        out = vam(world.david, "pull", "b65/edited.mp4", "--version", bad, code=2)
        assert "--version" in out.stderr
    out = vam(world.david, "pull", f"{PROJECT}/../x.mp4", "--version", "abcdef12", code=2)
    assert out.returncode == 2


def test_a_versioned_bucket_gives_back_a_version_the_trash_no_longer_holds(world: World, tmp_path: Path) -> None:
    from helpers import s3_client

    s3 = s3_client(world)
    s3.put_bucket_versioning(Bucket=world.bucket, VersioningConfiguration={"Status": "Enabled"})
    first, _, _ = three_pushes(world)
    for obj in s3.list_objects_v2(Bucket=world.bucket, Prefix="staging/.vam-trash/").get("Contents", []):
        s3.delete_object(Bucket=world.bucket, Key=obj["Key"])  # (a delete marker: the trash copies are gone)
    out = json.loads(vam(world.david, "pull", "b65/edited.mp4", "--version", first[:8], "--to", str(tmp_path),
                         "--json").stdout)  # fmt: skip
    assert out["from"]["where"] == "object versions" and out["from"]["version_id"]
    assert md5(tmp_path / f"edited.v{first[:8]}.mp4") == first


def test_a_manifest_entry_whose_md5_is_not_an_md5_is_no_version(world: World) -> None:
    # the manifest's history is written by others (DESIGN §6): its "md5" names the
    # file a version is written to, so only a real MD5 is a version
    three_pushes(world)
    path = world.david / PROJECT / "s3-staging.manifest.json"
    data = json.loads(path.read_text())
    data["files"]["edited.mp4"]["md5"] = "abcdef12/../../../escaped"
    path.write_text(json.dumps(data))
    git(world.david, "commit", "-qam", "a planted entry")
    out = vam(world.david, "pull", "b65/edited.mp4", "--version", "abcdef12", code=2)
    assert "is no version" in out.stderr
    assert not list(world.david.parent.rglob("escaped*")) and not list(world.david.rglob("*abcdef12*"))
