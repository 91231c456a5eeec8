"""Trust boundaries (DESIGN §6), each attacked as a hostile collaborator would:
commits pushed through the bare origin, objects put with boto3, and the victim's
real `git pull` / `git commit` / `git push` firing the installed hooks. Every
test asserts the effect did not happen (docs/SECURITY.md names them)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from faults import BadServer, InterceptProxy
from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam

pytestmark = pytest.mark.both_servers

MANIFEST = f"{PROJECT}/s3-staging.manifest.json"
PREFIX = f"staging/v-demo/{PROJECT}/"
NO_HOOKS = {**os.environ, "VAM_SKIP_HOOKS": "1"}


def run_git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True,
        env=None if env is None else {**os.environ, **env}, timeout=120,
    )  # fmt: skip


def attacker_commit(clone: Path, message: str, *paths: str) -> None:
    """Commit and push as the attacker, with no git-vam hook of theirs in the way."""
    subprocess.run(["git", "add", "-f", "--", *paths], cwd=clone, check=True, env=NO_HOOKS)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=clone, check=True, env=NO_HOOKS)
    subprocess.run(["git", "push", "-q"], cwd=clone, check=True, env=NO_HOOKS, capture_output=True)


def put_object(world: World, rel: str, body: bytes, uploaded_by: str = "david") -> dict[str, object]:
    """An object under the project prefix with git-vam's metadata, as the attacker
    would upload it with any S3 client; returns its manifest entry."""
    digest = hashlib.md5(body).hexdigest()
    resp = s3_client(world).put_object(
        Bucket=world.bucket, Key=PREFIX + rel, Body=body,
        Metadata={"md5": digest, "uploaded-by": uploaded_by, "uploaded-at": "2026-12-01T08:00:00Z"},
    )  # fmt: skip
    return {"md5": digest, "size": len(body), "uploaded_by": uploaded_by, "etag": resp["ETag"]}


def write_manifest(clone: Path, files: dict[str, object], **extra: object) -> None:
    data = {"brand": "v-demo", "project": PROJECT, "version": 1, "files": files, **extra}
    (clone / MANIFEST).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def bucket_keys(world: World) -> list[str]:
    return [o["Key"] for o in s3_client(world).list_objects_v2(Bucket=world.bucket).get("Contents", [])]


@pytest.fixture
def proxy(s3server):
    """An InterceptProxy in front of the test server, stopped afterwards."""
    proxy = InterceptProxy(s3server.s3_port)
    yield proxy
    proxy.stop()


@pytest.fixture
def hooked(world: World) -> World:
    """jan has the hooks and has used S3 once (so the destination is on record)."""
    vam(world.jan, "install")
    vam(world.jan, "status", "b65")
    return world


# -- 1. a symlinked s3-staging/ must not turn a download into code ---------------


def test_symlinked_staging_into_git_hooks_runs_nothing(hooked: World) -> None:
    david, jan = hooked.david, hooked.jan
    marker = jan.parent / "PWNED"
    staging = hooked.staging(david)
    staging.rmdir()
    os.symlink("../.git/hooks", staging)
    entry = put_object(hooked, "post-commit", f"#!/bin/sh\ntouch {marker}\n".encode())
    write_manifest(david, {"post-commit": entry})
    attacker_commit(david, "tidy up", f"{PROJECT}/s3-staging", MANIFEST)

    res = run_git(jan, "pull", "-q")
    assert res.returncode == 0, res.stderr
    assert "s3-staging is a symlink or not a folder: refused" in res.stderr
    assert "git tracks b65-guy-monroe-marketing-plan/s3-staging" in res.stderr  # the hook warns
    run_git(jan, "commit", "-q", "--allow-empty", "-m", "work")
    assert not (jan / ".git" / "hooks" / "post-commit").exists()
    assert not marker.exists()
    pull = vam(jan, "pull", "b65", code=1)
    assert "refused" in pull.stdout + pull.stderr
    assert not (jan / ".git" / "hooks" / "post-commit").exists()
    assert vam(jan, "check", "--gitignore", code=1).stdout.count("git tracks") == 1


# -- 2. a planted .git must never be written ------------------------------------

DOTGIT_NAMES = [".git/config", ".GIT/HEAD", "sub/.git/config", "git~1/config", ".git./config", "x/.g\u200cit/config"]


def test_planted_dot_git_in_staging_is_refused(hooked: World) -> None:
    david, jan = hooked.david, hooked.jan
    marker = jan.parent / "FSMONITOR-RAN"
    evil_config = f"[core]\n\tfsmonitor = touch {marker}\n".encode()
    files = {name: put_object(hooked, name, evil_config) for name in DOTGIT_NAMES}
    files["ok.txt"] = put_object(hooked, "ok.txt", b"fine\n")
    write_manifest(david, files)
    attacker_commit(david, "add files", MANIFEST)

    res = run_git(jan, "pull", "-q")
    assert res.returncode == 0, res.stderr
    out = vam(jan, "pull", "b65", code=1)
    staging = hooked.staging(jan)
    assert (staging / "ok.txt").read_bytes() == b"fine\n"  # the rest still arrives
    written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*"))
    assert written == ["ok.txt"]
    for name in DOTGIT_NAMES:
        assert f"refused S3 key {PREFIX}{name}" in out.stdout
    subprocess.run(["git", "status"], cwd=staging, capture_output=True)
    assert not marker.exists()


# -- 3. a routine push must not upload what a link points at ---------------------


@pytest.mark.parametrize("target", ["home-aws", "dot-git"])
def test_push_all_does_not_upload_through_a_committed_link(world: World, isolated_env: Path, target: str) -> None:
    david, jan = world.david, world.jan
    aws = isolated_env / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text("[default]\naws_secret_access_key = VICTIM-SECRET-123\n")
    staging = world.staging(david)
    staging.rmdir()
    link = os.path.relpath(aws, david / PROJECT) if target == "home-aws" else "../.git"
    os.symlink(link, staging)
    attacker_commit(david, "share", f"{PROJECT}/s3-staging")

    git(jan, "pull", "-q")
    head = git(jan, "rev-parse", "HEAD")
    out = vam(jan, "push", "--all", code=1)
    assert "symlink or not a folder: refused" in out.stdout
    assert bucket_keys(world) == []  # nothing of ~/.aws or .git went up
    assert git(jan, "rev-parse", "HEAD") == head  # and no manifest listing them was committed
    assert not (jan / MANIFEST).exists()


# -- 4. a restore writes only inside its target ----------------------------------


def hostile_tar(members: list[tuple[str, str, bytes]]) -> bytes:
    """A tar of ``(name, kind, data-or-linkname)`` members."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, data.decode()
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o755
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def publish_archive(world: World, data: bytes) -> None:
    key = f"archive/v-demo/b50-b99/{PROJECT}.tar"
    s3_client(world).put_object(Bucket=world.bucket, Key=key, Body=data)
    record = {"key": key, "md5": hashlib.md5(data).hexdigest(), "size": len(data), "storage_class": "STANDARD"}
    write_manifest(world.david, {}, archive=record)
    attacker_commit(world.david, "archive", MANIFEST)


def path_max_chain(target: Path, escape_to: str, payload: bytes) -> list[tuple[str, str, bytes]]:
    """The CVE-2025-4517 shape: 16 short links to long folders, so that the path
    ``os.path.realpath`` builds exceeds PATH_MAX (4,096) just at a last link,
    which it then takes for a plain name; a link through it that seems to stay
    inside ``target`` but leads to ``escape_to``; a file written through that."""
    comp = "d" * ((4090 - len(str(target))) // 16 - 1)
    steps = "abcdefghijklmnop"
    members, path = [], ""
    for step in steps:
        members.append((f"{path}{comp}", "dir", b""))
        members.append((f"{path}{step}", "symlink", comp.encode()))
        path += comp + "/"
    linkpath = "/".join(steps) + "/" + "l" * 254
    members.append((linkpath, "symlink", b"../" * len(steps)))
    members.append(("escape", "symlink", f"{linkpath}/../{escape_to}".encode()))
    members.append(("escape/post-commit", "file", payload))
    return members


def test_restore_of_a_link_chain_writes_nothing_outside(world: World) -> None:
    jan = world.jan
    vam(jan, "install")  # a real clone has .git/hooks/
    marker = jan.parent / "RESTORE-PWNED"
    payload = f"#!/bin/sh\ntouch {marker}\n".encode()
    publish_archive(world, hostile_tar(path_max_chain(jan / PROJECT, ".git/hooks", payload)))
    git(jan, "pull", "-q")
    (jan / PROJECT / "local-only.md").write_text("mine\n")
    before = sorted(p.relative_to(jan).as_posix() for p in jan.rglob("*") if ".git" not in p.parts)
    out = vam(jan, "restore", "b65", code=1)
    assert "Refused to restore" in out.stderr and "Nothing was extracted" in out.stderr
    assert not (jan / ".git" / "hooks" / "post-commit").exists()
    after = sorted(p.relative_to(jan).as_posix() for p in jan.rglob("*") if ".git" not in p.parts)
    assert after == before
    assert (jan / PROJECT / "local-only.md").read_text() == "mine\n"
    run_git(jan, "commit", "-q", "--allow-empty", "-m", "x")
    assert not marker.exists()


def test_restore_link_member_never_replaces_a_local_file(world: World) -> None:
    jan = world.jan
    # a project that held a link, archived and restored in place (no attacker needed)
    publish_archive(world, hostile_tar([("other.md", "file", b"other\n"), ("notes.md", "symlink", b"other.md")]))
    git(jan, "pull", "-q")
    (jan / PROJECT / "notes.md").write_text("unpushed edit\n")
    vam(jan, "restore", "b65", code=1)
    vam(jan, "restore", "b65", "--force", code=1)
    assert (jan / PROJECT / "notes.md").read_text() == "unpushed edit\n"
    assert not (jan / PROJECT / "notes.md").is_symlink()


# -- 5. batch archival stays inside the repository -------------------------------


def test_archive_older_than_ignores_a_committed_link_to_outside(world: World, tmp_path: Path) -> None:
    david, jan = world.david, world.jan
    movies = tmp_path / "movies"
    make_mp4(movies / "holiday.mp4", "holiday")
    os.symlink("../../movies", david / "b01-old")
    git(david, "add", "b01-old")
    env = {**NO_HOOKS, "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z"}
    subprocess.run(["git", "commit", "-q", "-m", "old project"], cwd=david, env=env, check=True)
    subprocess.run(["git", "push", "-q"], cwd=david, env=NO_HOOKS, check=True, capture_output=True)
    git(jan, "pull", "-q")
    assert (jan / "b01-old").is_symlink()
    vam(jan, "archive", "--older-than", "6mo", "--delete-local")
    assert (movies / "holiday.mp4").exists()
    assert not any("b01-old" in k for k in bucket_keys(world))


# -- 6. .vamconfig cannot redirect, impersonate, slow down or switch the guard off ---


def test_endpoint_change_in_vamconfig_stops_transfers_until_trusted(
    hooked: World, proxy: InterceptProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = proxy
    david, jan = hooked.david, hooked.jan
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # jan's endpoint is the one .vamconfig names
    git(david, "config", "-f", ".vamconfig", "vam.endpoint", elsewhere.url)
    attacker_commit(david, "faster server", ".vamconfig")
    res = run_git(jan, "pull", "-q")
    assert res.returncode == 0
    make_mp4(hooked.staging(jan) / "take.mp4", "take")
    out = vam(jan, "push", "b65", code=2)
    assert "vam.endpoint" in out.stderr and elsewhere.url in out.stderr and "david" in out.stderr
    assert "git vam trust" in out.stderr
    assert len([line for line in out.stderr.splitlines() if line.strip()]) == 2
    assert elsewhere.requests == []  # not one signed request went there
    shown = vam(jan, "trust")
    assert elsewhere.url in shown.stdout
    vam(jan, "push", "b65")
    assert elsewhere.requests  # trusted now, on purpose


def test_vamconfig_cannot_set_personal_keys_or_turn_the_guard_off(hooked: World) -> None:
    david, jan = hooked.david, hooked.jan
    for key, value in (("user", "mallory"), ("maxBandwidth", "1"), ("jobs", "1"),
                       ("videoExtensions", "txt"), ("maxFileSize", "10GB")):  # fmt: skip
        git(david, "config", "-f", ".vamconfig", f"vam.{key}", value)
    attacker_commit(david, "team settings", ".vamconfig")
    git(jan, "pull", "-q")
    settings = {row["key"]: row for row in json.loads(vam(jan, "config", "--json").stdout)}
    assert settings["vam.user"]["value"] == "jan"
    assert settings["vam.maxBandwidth"]["origin"] == "default"
    assert settings["vam.jobs"]["origin"] == "default"
    assert "mp4" in settings["vam.videoExtensions"]["value"].split()
    assert settings["vam.maxFileSize"]["value"] == str(100 * 1024**2)
    make_mp4(hooked.staging(jan) / "mine.mp4", "mine")
    vam(jan, "push", "b65")
    head = s3_client(hooked).head_object(Bucket=hooked.bucket, Key=PREFIX + "mine.mp4")
    assert head["Metadata"]["uploaded-by"] == "jan"
    make_mp4(jan / PROJECT / "cut.mp4", "cut")
    git(jan, "add", "-f", f"{PROJECT}/cut.mp4")
    blocked = run_git(jan, "commit", "-q", "-m", "oops")
    assert blocked.returncode == 1 and "cut.mp4" in blocked.stdout + blocked.stderr


def test_one_invalid_team_value_does_not_block_every_commit(hooked: World) -> None:
    david, jan = hooked.david, hooked.jan
    git(david, "config", "-f", ".vamconfig", "vam.maxFileSize", "lots")
    attacker_commit(david, "oops", ".vamconfig")
    git(jan, "pull", "-q")
    (jan / PROJECT / "notes.md").write_text("edited\n")
    git(jan, "add", f"{PROJECT}/notes.md")
    res = run_git(jan, "commit", "-q", "-m", "notes")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "vam.maxFileSize in .vamconfig" in res.stderr and "using the default" in res.stderr
    make_mp4(jan / PROJECT / "cut.mp4", "cut")
    git(jan, "add", "-f", f"{PROJECT}/cut.mp4")
    assert run_git(jan, "commit", "-q", "-m", "video").returncode == 1  # the guard stays on


def test_tracked_video_tools_env_is_ignored(hooked: World) -> None:
    david, jan = hooked.david, hooked.jan
    (david / ".video-tools.env").write_text("S3_BUCKET=attacker-bucket\nS3_SYNC_USER=mallory\n")
    attacker_commit(david, "env", ".video-tools.env")
    res = run_git(jan, "pull", "-q")
    assert "git tracks .video-tools.env" in res.stderr
    out = vam(jan, "config", "--json")
    assert ".video-tools.env is tracked by git" in out.stderr
    settings = {row["key"]: row for row in json.loads(out.stdout)}
    assert settings["vam.bucket"]["value"] == hooked.bucket and settings["vam.user"]["value"] == "jan"
    vam(jan, "doctor", code=1)


# -- 7. hooks never hold git up ---------------------------------------------------


@pytest.mark.parametrize("mode", ["hang", "throttle"])
def test_hooks_finish_within_15_s_when_s3_hangs_or_throttles(
    hooked: World, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    david, jan = hooked.david, hooked.jan
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # so jan's git config below decides
    make_mp4(hooked.staging(david) / "raw.mp4", "raw")
    vam(david, "push", "b65")
    git(david, "push", "-q")
    bad = BadServer(mode)
    try:
        git(jan, "config", "vam.endpoint", bad.url)  # jan's own setting: the bad server is trusted
        start = time.monotonic()
        res = run_git(jan, "pull", "-q")
        took = time.monotonic() - start
        assert res.returncode == 0, res.stderr
        assert took < 15, f"git pull took {took:.1f} s"
        assert bad.connections >= 1
        assert "git vam: could not pull staging files" in res.stderr
        assert len([line for line in res.stderr.splitlines() if "git vam" in line]) == 1

        # pre-push: a manifest change that names a local file
        make_mp4(hooked.staging(jan) / "edit.mp4", "edit")
        manifest = json.loads((jan / MANIFEST).read_text())
        edit = hooked.staging(jan) / "edit.mp4"
        manifest["files"]["edit.mp4"] = {"md5": md5(edit), "size": edit.stat().st_size, "uploaded_by": "jan"}
        (jan / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        git(jan, "commit", "-q", "-am", "edit")
        start = time.monotonic()
        res = run_git(jan, "push", "-q")
        took = time.monotonic() - start
        assert took < 15, f"git push took {took:.1f} s"
        assert res.returncode == 0, res.stderr
        assert "could not check S3 before the push" in res.stderr
    finally:
        bad.stop()


# -- 8. a delete removes only the version it saw ---------------------------------


def newer_version_before_delete(world: World, proxy: InterceptProxy, body: bytes) -> None:
    """When our DELETE reaches the server, david has just uploaded ``body``."""
    done: list[bool] = []

    def before(method: str, path: str) -> None:
        if method == "DELETE" and "raw.mp4" in path and not done:  # ours, not the conditional-write probe's
            done.append(True)
            put_object(world, "raw.mp4", body)

    proxy.before = before


def test_push_delete_never_removes_a_newer_version(
    shared: World, proxy: InterceptProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    jan = shared.jan
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # so jan's git config below decides
    git(jan, "config", "vam.endpoint", proxy.url)
    vam(jan, "pull", "b65")  # jan and S3 agree on raw.mp4, through the proxy
    newer_version_before_delete(shared, proxy, b"david's newer take")
    (shared.staging(jan) / "raw.mp4").unlink()
    out = vam(jan, "push", "b65", "--delete", code=1)
    assert "changed on S3 meanwhile" in out.stdout
    body = s3_client(shared).get_object(Bucket=shared.bucket, Key=PREFIX + "raw.mp4")["Body"].read()
    assert body == b"david's newer take"


def test_cleanup_never_removes_a_newer_version(shared: World, proxy: InterceptProxy) -> None:
    david = shared.david
    newer_version_before_delete(shared, proxy, b"jan's newer take")
    out = vam(david, "cleanup", "b65", "--confirm", code=1, env={"VAM_ENDPOINT": proxy.url})
    assert "changed on S3 meanwhile, not deleted" in out.stdout
    body = s3_client(shared).get_object(Bucket=shared.bucket, Key=PREFIX + "raw.mp4")["Body"].read()
    assert body == b"jan's newer take"


# -- 9. nothing from outside reaches the terminal raw ----------------------------


def test_no_escape_sequence_from_metadata_or_manifest_reaches_the_terminal(hooked: World) -> None:
    david, jan = hooked.david, hooked.jan
    evil = "mal%1B]0;pwned%07%1B[2J%1B[31mlory"  # git-vam percent-decodes metadata
    entry = put_object(hooked, "raw.mp4", b"raw take", uploaded_by=evil)
    entry["uploaded_by"] = "mal\x1b[2Jlory"
    write_manifest(david, {"raw.mp4": entry, "gone.mp4": {**entry, "deleted": True, "deleted_by": "\x1b[31mx"}})
    attacker_commit(david, "raw", MANIFEST)
    pulled = run_git(jan, "pull", "-q")
    outputs = [pulled.stdout + pulled.stderr]
    for args in (("status", "b65"), ("status", "b65", "--json"), ("pull", "b65"), ("push", "b65")):
        res = vam(jan, *args, code=None)
        outputs.append(res.stdout + res.stderr)
    (hooked.staging(jan) / "raw.mp4").write_bytes(b"jan's edit")
    s3_client(hooked).put_object(Bucket=hooked.bucket, Key=PREFIX + "raw.mp4", Body=b"another",
                                 Metadata={"uploaded-by": evil})  # fmt: skip
    for args in (("status", "b65"), ("pull", "b65")):
        res = vam(jan, *args, code=None)
        outputs.append(res.stdout + res.stderr)
    assert any("mal" in o for o in outputs)
    for o in outputs:
        assert "\x1b" not in o and "\x07" not in o, o


# -- 10. the smaller ones ----------------------------------------------------------


def test_remote_file_named_like_a_local_folder_moves_nothing(shared: World) -> None:
    david, jan = shared.david, shared.jan
    takes = shared.staging(jan) / "takes"
    takes.mkdir()
    (takes / "take1.mp4").write_bytes(b"unpushed take")
    (shared.staging(david) / "takes").write_bytes(b"a file called takes")
    vam(david, "push", "b65")
    out = vam(jan, "pull", "b65", code=1)
    assert "folder or link of that name is here" in out.stdout
    assert (takes / "take1.mp4").read_bytes() == b"unpushed take"
    assert not (jan / ".git" / "vam" / "trash").exists()
    assert json.loads(vam(jan, "status", "b65", "--json").stdout)["in_sync"] is False


def test_pre_push_never_uploads_a_manifest_name_outside_staging(hooked: World) -> None:
    david, jan = hooked.david, hooked.jan
    secret = jan / "secret.txt"  # untracked, next to the victim's projects
    secret.write_text("victim's private notes\n")
    outside = {"md5": md5(secret), "size": secret.stat().st_size, "uploaded_by": "david"}
    git(david, "checkout", "-q", "-b", "evil")
    write_manifest(david, {"../../secret.txt": outside, str(secret): outside})
    subprocess.run(["git", "add", MANIFEST], cwd=david, check=True, env=NO_HOOKS)
    subprocess.run(["git", "commit", "-q", "-m", "evil"], cwd=david, check=True, env=NO_HOOKS)
    subprocess.run(["git", "push", "-q", "origin", "evil"], cwd=david, check=True, env=NO_HOOKS, capture_output=True)
    git(jan, "fetch", "-q")
    git(jan, "merge", "-q", "--no-edit", "origin/evil")
    res = run_git(jan, "push", "-q", "origin", "main")
    assert "refused, the name would lead outside s3-staging/" in res.stderr
    for key in bucket_keys(hooked):
        body = s3_client(hooked).get_object(Bucket=hooked.bucket, Key=key)["Body"].read()
        assert b"private notes" not in body


def test_server_sending_more_than_the_range_is_a_clear_error(shared: World, proxy: InterceptProxy) -> None:
    david, jan = shared.david, shared.jan
    make_mp4(shared.staging(david) / "new.mp4", "new")
    vam(david, "push", "b65")
    proxy.extra_body = b"X" * 4096
    out = vam(jan, "pull", "b65", code=1, env={"VAM_ENDPOINT": proxy.url})
    assert "more bytes than asked" in out.stdout
    assert "unexpected error" not in out.stderr and "Traceback" not in out.stderr
    assert not (shared.staging(jan) / "new.mp4").exists()


def test_malformed_archive_record_does_not_crash_the_dashboard(world: World, tmp_path: Path) -> None:
    write_manifest(world.david, {}, archive={"key": "archive/x.tar", "size": "lots", "storage_class": 7})
    attacker_commit(world.david, "archive", MANIFEST)
    git(world.jan, "pull", "-q")
    page = tmp_path / "dash.html"
    res = vam(world.jan, "dashboard", "-o", str(page))
    assert "unexpected error" not in res.stderr and page.exists()
    vam(world.jan, "status", "b65")


def test_crash_log_is_private_to_the_clone(world: World) -> None:
    import sys
    import tempfile

    shared_log = Path(tempfile.gettempdir()) / "git-vam-crash.log"
    before = shared_log.stat().st_mtime_ns if shared_log.exists() else None
    code = (
        "import sys\nfrom git_vam.commands import status\n"
        "def boom(*a, **k): raise ZeroDivisionError('boom')\n"
        "status.run = boom\nfrom git_vam.cli import main\nsys.exit(main(['status', 'b65']))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=world.jan, capture_output=True, text=True)
    assert res.returncode == 1 and "unexpected error: ZeroDivisionError" in res.stderr
    log = world.jan / ".git" / "vam" / "crash.log"
    assert str(log) in res.stderr and "ZeroDivisionError" in log.read_text()
    assert log.stat().st_mode & 0o777 == 0o600
    assert (shared_log.stat().st_mtime_ns if shared_log.exists() else None) == before
