"""The seed workflow between two real clones through a real S3 server."""

from __future__ import annotations

import json

import pytest
from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam


@pytest.mark.both_servers
def test_david_pushes_jan_pulls_jan_pushes_david_pulls(world: World) -> None:
    raw = make_mp4(world.staging(world.david) / "raw.mp4", "raw")
    out = vam(world.david, "push", "b65")
    assert "raw.mp4" in out.stdout and "uploaded" in out.stdout
    manifest = json.loads((world.david / PROJECT / "s3-staging.manifest.json").read_text())
    assert manifest["files"]["raw.mp4"]["md5"] == md5(raw)
    assert manifest["files"]["raw.mp4"]["uploaded_by"] == "david"
    # push committed only the manifest
    assert git(world.david, "log", "-1", "--name-only", "--format=%s").split() == [
        "vam:",
        "push",
        PROJECT,
        f"{PROJECT}/s3-staging.manifest.json",
    ]
    git(world.david, "push", "-q")

    git(world.jan, "pull", "-q")
    vam(world.jan, "pull", "b65")
    assert md5(world.staging(world.jan) / "raw.mp4") == md5(raw)

    edited = make_mp4(world.staging(world.jan) / "edited.mp4", "edited")
    vam(world.jan, "push", "b65")
    git(world.jan, "push", "-q")

    git(world.david, "pull", "-q")
    vam(world.david, "pull", "b65")
    assert md5(world.staging(world.david) / "edited.mp4") == md5(edited)

    status = json.loads(vam(world.david, "status", "b65", "--json", "--exit-code").stdout)
    states = {f["path"]: f["state"] for f in status["projects"][0]["files"]}
    assert states == {"raw.mp4": "in sync", "edited.mp4": "in sync"}
    by = {f["path"]: f["uploaded_by"] for f in status["projects"][0]["files"]}
    assert by == {"raw.mp4": "david", "edited.mp4": "jan"}

    # object metadata is the truth; .metadata.json is the existing tools' summary
    s3 = s3_client(world)
    prefix = f"staging/v-demo/{PROJECT}/"
    head = s3.head_object(Bucket=world.bucket, Key=prefix + "edited.mp4")
    assert head["Metadata"]["md5"] == md5(edited)
    assert head["Metadata"]["uploaded-by"] == "jan"
    summary = json.loads(s3.get_object(Bucket=world.bucket, Key=prefix + ".metadata.json")["Body"].read())
    assert {f["name"] for f in summary["files"]} == {"raw.mp4", "edited.mp4"}
    assert summary["project_id"] == PROJECT and summary["repo"] == "v-demo"
