"""Archive and restore: a round trip on the real server, --delete-local only
after verification, malicious members refused, and the Glacier flow on moto's
server (SeaweedFS has no RestoreObject)."""

from __future__ import annotations

import io
import json
import os
import socket
import tarfile
from pathlib import Path

import pytest
from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam

from git_vam.testing.moto import MotoServer

KEY = f"archive/v-demo/b50-b99/{PROJECT}.tar"


def tree(root: Path) -> dict[str, tuple[str, int]]:
    # read/write bits only: a restored file is never executable (DESIGN §6)
    return {
        p.relative_to(root).as_posix(): (md5(p), p.stat().st_mode & 0o666)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def fill(world: World) -> Path:
    project = world.david / PROJECT
    make_mp4(project / "s3-staging" / "raw.mp4", "raw")
    make_mp4(project / "final" / "cut.mp4", "cut")
    (project / "script.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n")
    (project / "thumbs").mkdir()
    (project / "thumbs" / "t1.json").write_text('{"frame": 12}\n')
    (project / "render.sh").write_text("#!/bin/sh\necho render\n")
    os.chmod(project / "render.sh", 0o755)
    return project


@pytest.mark.both_servers
def test_archive_restore_round_trip(world: World, tmp_path: Path) -> None:
    project = fill(world)
    before = tree(project)
    out = json.loads(vam(world.david, "archive", "b65", "--storage-class", "STANDARD_IA", "--json").stdout)
    assert out["committed"] is True
    record = json.loads((project / "s3-staging.manifest.json").read_text())["archive"]
    assert record["key"] == KEY and record["storage_class"] == "STANDARD_IA" and record["archived_by"] == "david"
    head = s3_client(world).head_object(Bucket=world.bucket, Key=KEY)
    assert head["ContentLength"] == record["size"]
    assert git(world.david, "log", "-1", "--format=%s").strip() == f"vam: archive {PROJECT}"
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    dest = tmp_path / "restored"
    vam(world.jan, "restore", "b65", "--to", str(dest))
    assert tree(dest) == before  # paths, bytes and modes
    assert not any(p.stat().st_mode & 0o111 for p in dest.rglob("*") if p.is_file())
    # restoring again over identical files is fine; over different ones needs --force
    vam(world.jan, "restore", "b65", "--to", str(dest))
    (dest / "script.srt").write_text("edited\n")
    out = vam(world.jan, "restore", "b65", "--to", str(dest), code=1)
    assert "would overwrite 1 different file(s): script.srt" in out.stderr
    vam(world.jan, "restore", "b65", "--to", str(dest), "--force")
    assert tree(dest) == before
    assert any(p.name == "script.srt" for p in (world.jan / ".git" / "vam" / "trash").rglob("*"))


@pytest.mark.both_servers
def test_delete_local_keeps_light_files_and_only_after_verification(world: World) -> None:
    project = fill(world)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}"
    vam(world.david, "archive", "b65", "--delete-local", code=1, env={"VAM_ENDPOINT": down})
    assert (project / "final" / "cut.mp4").exists()  # nothing removed when the archive failed
    plan = json.loads(vam(world.david, "archive", "b65", "--delete-local", "--dry-run", "--json").stdout)
    assert sorted(plan["projects"][0]["would_delete"]) == ["final/cut.mp4", "s3-staging/raw.mp4"]
    assert (project / "final" / "cut.mp4").exists()
    out = vam(world.david, "archive", "b65", "--delete-local")
    assert "removed final/cut.mp4" in out.stdout
    assert not (project / "final" / "cut.mp4").exists() and not (project / "s3-staging" / "raw.mp4").exists()
    for light in ("script.srt", "thumbs/t1.json", "render.sh", "s3-staging.manifest.json"):
        assert (project / light).exists(), light


def evil_tar(kind: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        good = tarfile.TarInfo("notes.md")
        good.size = 3
        tar.addfile(good, io.BytesIO(b"ok\n"))
        bad = tarfile.TarInfo({"dotdot": "../escaped.txt", "absolute": "/tmp/absolute-evil.txt"}.get(kind, "link"))
        if kind == "symlink":
            bad.type = tarfile.SYMTYPE
            bad.linkname = "/etc/passwd"
        else:
            bad.size = 4
        tar.addfile(bad, io.BytesIO(b"evil") if kind != "symlink" else None)
    return buf.getvalue()


@pytest.mark.both_servers
@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
def test_malicious_members_are_refused(world: World, tmp_path: Path, kind: str) -> None:
    import hashlib

    data = evil_tar(kind)
    s3_client(world).put_object(Bucket=world.bucket, Key=KEY, Body=data)
    manifest = world.david / PROJECT / "s3-staging.manifest.json"
    manifest.write_text(json.dumps({"files": {}, "archive": {"key": KEY, "md5": hashlib.md5(data).hexdigest(),
                                    "size": len(data), "storage_class": "STANDARD"}}))  # fmt: skip
    dest = tmp_path / "out"
    out = vam(world.david, "restore", "b65", "--to", str(dest), code=1)
    assert "Refused to restore" in out.stderr and "Nothing was extracted" in out.stderr
    assert not list(dest.rglob("*")) and not (tmp_path / "escaped.txt").exists()


def test_glacier_restore_flow_on_moto(world: World, moto_server: MotoServer, tmp_path: Path) -> None:
    """SeaweedFS has no RestoreObject: this flow runs on moto's server only."""
    moto = moto_server.endpoint
    s3_client(moto).create_bucket(Bucket="glacier-bucket")
    env = {"VAM_ENDPOINT": moto, "VAM_BUCKET": "glacier-bucket"}
    project = fill(world)
    before = tree(project)
    vam(world.david, "archive", "b65", "--storage-class", "GLACIER", env=env)
    assert s3_client(moto).head_object(Bucket="glacier-bucket", Key=KEY)["StorageClass"] == "GLACIER"
    dest = tmp_path / "back"
    status = json.loads(vam(world.david, "restore", "b65", "--to", str(dest), "--check-status", "--json",
                            code=1, env=env).stdout)  # fmt: skip
    assert status["state"] == "not requested"
    requested = json.loads(vam(world.david, "restore", "b65", "--to", str(dest), "--tier", "Bulk", "--json",
                               code=1, env=env).stdout)  # fmt: skip
    assert requested["state"] == "requested" and not dest.exists()
    head = s3_client(moto).head_object(Bucket="glacier-bucket", Key=KEY)
    assert "Restore" in head  # the request reached the server
    out = vam(world.david, "restore", "b65", "--to", str(dest), "--check-status", env=env)
    assert "restored" in out.stdout
    assert tree(dest) == before


@pytest.mark.both_servers
def test_older_than_picks_projects_by_last_commit(world: World) -> None:
    old = world.david / "b10-old-show"
    old.mkdir()
    (old / "notes.md").write_text("done\n")
    git(world.david, "add", "b10-old-show")
    env = {**os.environ, "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z"}
    import subprocess

    subprocess.run(["git", "commit", "-q", "-m", "old show"], cwd=world.david, env=env, check=True)
    plan = json.loads(vam(world.david, "archive", "--older-than", "6mo", "--dry-run", "--json").stdout)
    assert [p["project"] for p in plan["projects"]] == ["b10-old-show"]
    assert plan["projects"][0]["key"] == "archive/v-demo/b00-b49/b10-old-show.tar"
    vam(world.david, "archive", "--older-than", "soon", code=2)
