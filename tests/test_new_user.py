"""What a new user hit in a day with git-vam (issue 21): each test failed on the
code before its fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import PROJECT, World, git, make_mp4, vam


def deleted_by_david(world: World) -> None:
    """old.mp4 pushed by david, pulled by jan, then deleted on S3 by david."""
    d, j = world.david, world.jan
    make_mp4(world.staging(d) / "old.mp4", "old")
    vam(d, "push", "b65")
    git(d, "push", "-q")
    git(j, "pull", "-q")
    vam(j, "pull", "b65")
    (world.staging(d) / "old.mp4").unlink()
    vam(d, "push", "b65", "--delete")
    git(d, "push", "-q")
    git(j, "pull", "-q")


def test_status_names_who_deleted_a_file_at_every_width(world: World) -> None:
    deleted_by_david(world)
    for columns in ("80", "200"):
        out = vam(world.jan, "status", "b65", env={"COLUMNS": columns}).stdout
        row = next(line for line in out.splitlines() if "old.mp4" in line)
        assert row.rstrip().endswith("by david"), row


def test_a_missing_aws_profile_is_a_configuration_error(world: World) -> None:
    env = {"AWS_PROFILE": "typo", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    out = vam(world.david, "status", "b65", env=env, code=2)
    assert "typo" in out.stderr and "AWS_PROFILE" in out.stderr
    assert "Traceback" not in out.stderr and "Run again" not in out.stderr


def test_help_command_gives_the_same_text_as_dash_dash_help(world: World) -> None:
    assert vam(world.david, "help").stdout == vam(world.david, "-h").stdout
    assert vam(world.david, "help", "push").stdout == vam(world.david, "push", "--help").stdout
    assert "No such command" in vam(world.david, "help", "nonsense", code=2).stderr


def test_git_help_finds_the_man_page(world: World) -> None:
    # `git vam --help` is git's `man git-vam`: the page must be where man looks
    man = subprocess.run(["man", "-w", "git-vam"], capture_output=True, text=True)
    assert man.returncode == 0, man.stderr
    assert Path(man.stdout.strip()).name.startswith("git-vam.1")


def test_hint_lines_are_never_cut(world: World) -> None:
    long_project = "b65-guy-monroe-marketing-plan-and-the-long-tail-of-names"
    (world.david / long_project / "s3-staging").mkdir(parents=True)
    make_mp4(world.david / long_project / "s3-staging" / "a-very-long-file-name-for-the-edit.mp4")
    for columns in ("80", "200"):
        out = vam(world.david, "status", long_project, env={"COLUMNS": columns}).stdout
        hint = " ".join(out.split("next:", 1)[1].split())  # wrapped between words, never cut
        assert hint == f"git vam push {long_project} (a-very-long-file-name-for-the-edit.mp4)", out
        assert all(len(line) <= int(columns) for line in out.splitlines() if long_project not in line)


def test_pull_at_the_root_pulls_every_project_and_push_names_push(world: World) -> None:
    d, j = world.david, world.jan
    (d / "b66-other" / "s3-staging").mkdir(parents=True)
    make_mp4(world.staging(d) / "raw.mp4", "raw")
    make_mp4(d / "b66-other" / "s3-staging" / "cut.mp4", "cut")
    vam(d, "push", "--all")
    git(d, "push", "-q")
    git(j, "pull", "-q")
    vam(j, "pull")  # at the repository root: every project
    assert (world.staging(j) / "raw.mp4").exists() and (j / "b66-other" / "s3-staging" / "cut.mp4").exists()
    out = vam(j, "push", code=2)
    assert "git vam push" in out.stderr and "--all" in out.stderr


def test_archiving_an_unchanged_project_again_writes_nothing_unless_forced(world: World) -> None:
    d = world.david
    make_mp4(world.staging(d) / "raw.mp4", "raw")
    vam(d, "archive", "b65")
    first = json.loads((d / PROJECT / "s3-staging.manifest.json").read_text())["archive"]["key"]
    out = vam(d, "archive", "b65")
    manifest = json.loads((d / PROJECT / "s3-staging.manifest.json").read_text())
    assert manifest["archive"]["key"] == first and "earlier_archives" not in manifest
    assert first in out.stdout and "--force" in out.stdout
    vam(d, "archive", "b65", "--force")
    manifest = json.loads((d / PROJECT / "s3-staging.manifest.json").read_text())
    assert manifest["archive"]["key"] != first and manifest["earlier_archives"][0]["key"] == first


def test_team_notify_replaces_and_the_trust_message_shows_only_the_site(world: World) -> None:
    d, j = world.david, world.jan
    vam(d, "config", "vam.notify", "https://hooks.example.com/services/T0/B0/secret-one", "--team")
    vam(d, "config", "vam.notify", "https://hooks.example.com/services/T0/B0/secret-two", "--team")
    urls = git(d, "config", "-f", ".vamconfig", "--get-all", "vam.notify").split()
    assert urls == ["https://hooks.example.com/services/T0/B0/secret-two"]
    git(d, "add", ".vamconfig")
    git(d, "commit", "-q", "-m", "notify")
    git(d, "push", "-q")
    git(j, "pull", "-q")
    vam(j, "status", "b65", code=None)  # first use: this clone trusts what it found
    git(d, "config", "-f", ".vamconfig", "vam.notify", "https://evil.example.net/hook/secret-three")
    git(d, "commit", "-qam", "new hook")
    git(d, "push", "-q")
    git(j, "pull", "-q")
    out = vam(j, "push", "b65", code=2)
    assert "secret" not in out.stderr and "https://evil.example.net" in out.stderr
    assert "\\n" not in out.stderr


def test_watch_stops_cleanly_on_sigterm(world: World) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "git_vam", "watch", "b65", "--interval", "1s"],
        cwd=world.jan, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_watch_at_the_root_finds_projects_created_after_it_started(world: World) -> None:
    d, j = world.david, world.jan
    watcher = subprocess.Popen(
        [sys.executable, "-m", "git_vam", "watch", "--interval", "1s"],
        cwd=j, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        time.sleep(3)
        (d / "b70-new" / "s3-staging").mkdir(parents=True)
        make_mp4(d / "b70-new" / "s3-staging" / "late.mp4", "late")
        vam(d, "push", "b70-new")  # on S3 only: jan has no b70-new folder yet
        arrived = j / "b70-new" / "s3-staging" / "late.mp4"
        deadline = time.monotonic() + 30
        while not arrived.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert arrived.exists()
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.communicate(timeout=30)


def test_the_man_pages_are_the_current_help(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    try:
        import man
    finally:
        sys.path.pop(0)
    fresh = tmp_path / "man"
    man.write(fresh)
    committed = Path(__file__).resolve().parents[1] / "man"
    assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in committed.glob("*.1"))
    for page in fresh.iterdir():
        assert page.read_text() == (committed / page.name).read_text(), f"{page.name}: run scripts/man.py"


def test_another_tools_upload_is_not_credited_to_someone_who_pushed_the_same_bytes(world: World) -> None:
    from helpers import s3_client

    d = world.david
    raw = make_mp4(world.staging(d) / "raw.mp4", "same bytes")
    vam(d, "push", "b65")
    # the AWS CLI (or any tool) uploads the same bytes under another key, without git-vam's metadata
    key = f"staging/v-demo/{PROJECT}/copy.mp4"
    s3_client(world).put_object(Bucket=world.bucket, Key=key, Body=raw.read_bytes())
    listed = json.loads(vam(d, "ls", "b65", "--json").stdout)["projects"][0]["files"]
    by_path = {f["path"]: f for f in listed}
    assert by_path["raw.mp4"]["uploaded_by"] == "david"
    assert by_path["copy.mp4"]["uploaded_by"] == ""  # not david's
    assert by_path["copy.mp4"]["uploaded_at"]  # S3's own time, where no uploader's time is known


def test_a_download_without_an_uploader_md5_says_it_was_not_verified(world: World) -> None:
    from helpers import s3_client

    s3 = s3_client(world)
    key = f"staging/v-demo/{PROJECT}/cli.bin"
    part = os.urandom(5 * 1024**2)
    upload = s3.create_multipart_upload(Bucket=world.bucket, Key=key)  # as `aws s3 cp` does above 8 MiB
    etags = [
        s3.upload_part(Bucket=world.bucket, Key=key, UploadId=upload["UploadId"], PartNumber=n, Body=part)["ETag"]
        for n in (1, 2)
    ]
    s3.complete_multipart_upload(
        Bucket=world.bucket, Key=key, UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags, strict=True)]},
    )  # fmt: skip
    single = f"staging/v-demo/{PROJECT}/cli-small.bin"
    s3.put_object(Bucket=world.bucket, Key=single, Body=b"small and single-part")
    out = vam(world.jan, "pull", "b65").stdout
    assert "cli.bin" in out and "not verified: no uploader MD5" in out
    small = next(line for line in out.splitlines() if "cli-small.bin" in line)
    assert "not verified" not in small  # a single-part ETag is the MD5: checked


def test_a_push_with_a_path_never_commits_entries_outside_it(world: World) -> None:
    from helpers import s3_client

    d = world.david
    make_mp4(world.staging(d) / "raw.mp4", "raw")
    vam(d, "push", "b65")
    # files only on S3 (another clone's or tool's), which this clone's manifest does not name yet
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        s3_client(world).put_object(Bucket=world.bucket, Key=f"staging/v-demo/{PROJECT}/{name}", Body=name.encode())
    head = git(d, "rev-parse", "HEAD")
    manifest = (d / PROJECT / "s3-staging.manifest.json").read_text()
    vam(d, "push", f"{PROJECT}/nonexistent.mp4", code=1)
    assert git(d, "rev-parse", "HEAD") == head
    assert (d / PROJECT / "s3-staging.manifest.json").read_text() == manifest
    make_mp4(world.staging(d) / "new.mp4", "new")
    vam(d, "push", f"{PROJECT}/new.mp4")
    files = json.loads((d / PROJECT / "s3-staging.manifest.json").read_text())["files"]
    assert sorted(files) == ["new.mp4", "raw.mp4"]  # the path, and nothing it does not cover


def test_a_push_during_a_stopped_rebase_is_refused(world: World) -> None:
    d = world.david
    (d / PROJECT / "notes.md").write_text("second\n")
    git(d, "commit", "-qam", "second")
    env = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i -e s/^pick/edit/"}
    subprocess.run(["git", "rebase", "-q", "-i", "HEAD~1"], cwd=d, env=env, check=True, capture_output=True)
    make_mp4(world.staging(d) / "raw.mp4", "raw")
    head = git(d, "rev-parse", "HEAD")
    out = vam(d, "push", "b65", code=2)
    assert "git rebase --continue" in out.stderr
    assert git(d, "rev-parse", "HEAD") == head


def test_a_video_removed_by_archive_delete_local_is_archived_not_deleted(world: World) -> None:
    d = world.david
    make_mp4(world.staging(d) / "raw.mp4", "raw")
    vam(d, "push", "b65")
    vam(d, "archive", "b65", "--delete-local")
    assert not (world.staging(d) / "raw.mp4").exists()
    out = vam(d, "status", "b65").stdout
    row = next(line for line in out.splitlines() if "raw.mp4" in line and "next:" not in line)
    assert "archived" in row and "deleted" not in row
    assert "git vam restore b65" in out.replace(PROJECT, "b65") and "push --delete" not in out
    assert f"archive/v-demo/b50-b99/{PROJECT}.tar" in out
    files = json.loads(vam(d, "status", "b65", "--json", "--exit-code").stdout)["projects"][0]["files"]
    assert [f["state"] for f in files] == ["archived"]


def test_after_cleanup_push_and_pull_stay_quiet_and_the_header_counts_what_goes(world: World) -> None:
    from helpers import s3_client

    d = world.david
    for name in ("a.mp4", "b.mp4"):
        make_mp4(world.staging(d) / name, name)
    vam(d, "push", "b65")
    s3_client(world).put_object(Bucket=world.bucket, Key=f"staging/v-demo/{PROJECT}/only.bin", Body=b"only here")
    listed = vam(d, "cleanup", "b65").stdout
    assert "Would delete 2 objects" in listed and "1 kept" in listed
    vam(d, "cleanup", "b65", "--confirm", code=1)  # only.bin is the only copy: kept
    for direction in ("push", "pull"):
        out = vam(d, direction, "b65").stdout
        assert "a.mp4" not in out and "b.mp4" not in out, out  # cleaned up: nothing to say
        assert "nothing to do" in out or "only.bin" in out


def test_a_clone_made_after_install_global_pulls_by_rebase_and_doctor_checks_it(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIT_TEMPLATE_DIR", raising=False)
    vam(tmp_path, "install", "--global")
    lisa = tmp_path / "lisa" / "v-demo"
    res = subprocess.run(["git", "clone", "-q", str(world.origin), str(lisa)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert git(lisa, "config", "--get", "pull.rebase").strip() == "true"
    doctor = json.loads(vam(lisa, "doctor", "--json", code=None).stdout)["checks"]
    assert [c["ok"] for c in doctor if c["name"] == "git pull strategy"] == [True]
    git(lisa, "config", "--unset", "pull.rebase")
    doctor = json.loads(vam(lisa, "doctor", "--json", code=1).stdout)["checks"]
    (check,) = [c for c in doctor if c["name"] == "git pull strategy"]
    assert not check["ok"] and "git vam install" in check["fix"]


def test_the_s3_trash_lists_and_restores_without_replacing_a_newer_version(world: World) -> None:
    from helpers import md5, s3_client

    d = world.david
    raw = make_mp4(world.staging(d) / "raw.mp4", "v1")
    first = md5(raw)
    vam(d, "push", "b65")
    raw.unlink()
    vam(d, "push", "b65", "--delete")  # kept in the S3 trash
    listed = json.loads(vam(d, "trash", "--remote", "list", "--json").stdout)["versions"]
    assert [(v["project"], v["rel"]) for v in listed] == [(PROJECT, "raw.mp4")]
    assert "raw.mp4" in vam(d, "trash", "--remote").stdout
    key = listed[0]["key"]
    vam(d, "trash", "--remote", "restore", key)
    staging_key = f"staging/v-demo/{PROJECT}/raw.mp4"
    body = s3_client(world).get_object(Bucket=world.bucket, Key=staging_key)["Body"].read()
    import hashlib

    assert hashlib.md5(body).hexdigest() == first
    vam(d, "pull", "b65")
    assert md5(world.staging(d) / "raw.mp4") == first
    # a newer version at the staging key is never replaced
    make_mp4(world.staging(d) / "raw.mp4", "v2")
    vam(d, "push", "b65")
    out = vam(d, "trash", "--remote", "restore", key, code=1)
    assert "another version" in out.stderr
    head = s3_client(world).head_object(Bucket=world.bucket, Key=staging_key)
    assert head["Metadata"]["md5"] == md5(world.staging(d) / "raw.mp4")
    # a key outside the S3 trash is refused
    assert vam(d, "trash", "--remote", "restore", staging_key, code=2).stderr.count("not a version") == 1


def test_completion_offers_project_names(world: World) -> None:
    d = world.david
    (d / "b66-other").mkdir()
    env = {**os.environ, "_GIT_VAM_COMPLETE": "bash_complete", "COMP_WORDS": "git-vam push b6", "COMP_CWORD": "2"}
    out = subprocess.run(["git-vam"], cwd=d, capture_output=True, text=True, env=env).stdout
    assert f"plain,{PROJECT}" in out and "plain,b66-other" in out
    env["COMP_WORDS"] = "git-vam status b66"
    out = subprocess.run(["git-vam"], cwd=d, capture_output=True, text=True, env=env).stdout
    assert out.split() == ["plain,b66-other"]


def test_the_demo_takes_the_port_asked_for_or_a_free_block() -> None:
    import socket

    from git_vam.testing.seaweed import free_port_block, port_block

    base = free_port_block()
    assert port_block(base) == base
    with socket.socket() as held:
        held.bind(("127.0.0.1", base + 2))  # one port of the block is taken
        other = port_block(base)
        assert other != base and not (other <= base + 2 < other + 4)
    assert port_block(None) > 0 and port_block(70000) != 70000


def test_a_stop_during_a_round_lets_it_finish_and_report_what_arrived(world: World, s3server) -> None:
    # why the round-trip test once lost the watcher's output: the Ctrl-C came after
    # the file was on disk but before its line was printed
    from faults import InterceptProxy

    make_mp4(world.staging(world.david) / "raw.mp4", "raw")
    vam(world.david, "push", "b65")
    proxy = InterceptProxy(s3server.s3_port)
    watcher: list[subprocess.Popen[str]] = []

    def stop_mid_download(method: str, path: str) -> None:
        if method == "GET" and "raw.mp4" in path and watcher:
            watcher[0].send_signal(signal.SIGTERM)  # the service manager stops it now
            time.sleep(0.5)

    proxy.before = stop_mid_download
    try:
        watcher.append(
            subprocess.Popen(
                [sys.executable, "-m", "git_vam", "watch", "b65", "--interval", "1s"], cwd=world.jan,
                env={**os.environ, "VAM_ENDPOINT": proxy.url}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True,
            )
        )  # fmt: skip
        out, err = watcher[0].communicate(timeout=60)
    finally:
        proxy.stop()
    assert watcher[0].returncode == 0, err
    assert (world.staging(world.jan) / "raw.mp4").exists()
    assert f"{PROJECT}/raw.mp4" in out and "downloaded" in out, (out, err)


def test_no_credentials_names_every_place_they_can_come_from(world: World) -> None:
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_EC2_METADATA_DISABLED": "true"}
    out = vam(world.david, "status", "b65", code=2, env=env)
    for place in ("~/.aws/credentials", "AWS_PROFILE", ".video-tools.env"):
        assert place in out.stderr, place
