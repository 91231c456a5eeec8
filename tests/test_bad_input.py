"""The bad-input catalogue: each case asserts the exit code, a clear message
(no traceback), and that nothing was lost."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import unicodedata
from pathlib import Path

import pytest
from faults import HostileListingProxy
from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam

PREFIX = f"staging/v-demo/{PROJECT}/"


def clean(out: subprocess.CompletedProcess[str]) -> str:
    text = out.stdout + out.stderr
    assert "Traceback" not in text, text
    return text


def keys(world: World) -> list[str]:
    return [o["Key"] for o in s3_client(world).list_objects_v2(Bucket=world.bucket).get("Contents", [])]


# -- hostile remote keys (1-5) ------------------------------------------------------

HOSTILE = {
    "traversal": PREFIX + "../../escape.mp4",
    "absolute": PREFIX + "/etc/evil.mp4",
    "backslash": PREFIX + "..\\..\\win.mp4",
    "nul": PREFIX + "nul\x00.mp4",
    "drive letter": PREFIX + "C:/evil.mp4",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_remote_key_is_refused(shared: World, s3server, case: str, tmp_path: Path) -> None:
    proxy = HostileListingProxy(int(s3server.endpoint.rsplit(":", 1)[1]), [HOSTILE[case]])
    try:
        out = vam(shared.jan, "pull", "b65", code=1, env={"VAM_ENDPOINT": proxy.url})
    finally:
        proxy.stop()
    text = clean(out)
    assert "refused S3 key" in text and "outside s3-staging/" in text
    assert (shared.staging(shared.jan) / "raw.mp4").exists()  # the good file still came
    written = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert not written & {"escape.mp4", "evil.mp4", "win.mp4", "nul.mp4"}


def test_all_projects_come_from_one_listing_with_hostile_keys_kept_apart(world: World, s3server) -> None:
    other = "b66-second-project"
    world.staging(world.david).mkdir(parents=True, exist_ok=True)
    (world.staging(world.david) / "a.mp4").write_bytes(b"a" * 1000)
    world.staging(world.david, other).mkdir(parents=True, exist_ok=True)
    (world.staging(world.david, other) / "b.mp4").write_bytes(b"b" * 1000)
    vam(world.david, "push", "--all")
    hostile = f"staging/v-demo/{other}/../../escape.mp4"
    proxy = HostileListingProxy(int(s3server.endpoint.rsplit(":", 1)[1]), [hostile])
    try:
        out = vam(world.david, "status", "--all", "--json", env={"VAM_ENDPOINT": proxy.url})
    finally:
        proxy.stop()
    report = {p["project"]: p for p in json.loads(out.stdout)["projects"]}
    assert [f["state"] for f in report[PROJECT]["files"]] == ["in sync"]
    assert [f["state"] for f in report[other]["files"]] == ["in sync"]
    assert report[PROJECT]["problems"] == []
    assert report[other]["problems"] == [f"refused S3 key {hostile}: it would land outside s3-staging/"]
    listings = [p for m, p in proxy.requests if m == "GET" and "list-type=2" in p]
    # one listing of the brand for every project, and one of the brand's locks (DESIGN §10)
    assert len(listings) == 2 and "prefix=staging%2Fv-demo%2F" in listings[0]
    assert "prefix=staging%2F.vam-locks%2Fv-demo%2F" in listings[1]
    # the committed manifest knows every ETag: no .metadata.json read, no HEAD
    assert [m for m, _ in proxy.requests] == ["GET", "GET"]


# -- names (6-12) ---------------------------------------------------------------------


def test_very_long_name_is_skipped_with_the_s3_limit(world: World) -> None:
    deep = world.staging(world.david) / ("d" * 200) / ("e" * 200) / ("f" * 200) / ("g" * 200) / ("h" * 200)
    deep.mkdir(parents=True)
    (deep / "clip.mp4").write_bytes(b"x")
    make_mp4(world.staging(world.david) / "ok.mp4")
    out = vam(world.david, "push", "b65", code=1)
    assert "over 1,024 bytes (S3 limit)" in clean(out)
    assert keys(world) == [PREFIX + ".metadata.json", PREFIX + "ok.mp4"]
    assert (deep / "clip.mp4").exists()


def test_unicode_nfd_and_nfc_names_are_one_key(world: World) -> None:
    nfd = unicodedata.normalize("NFD", "Señor-café.mp4")
    (world.staging(world.david)).mkdir(parents=True, exist_ok=True)
    (world.staging(world.david) / nfd).write_bytes(b"accent")
    vam(world.david, "push", "b65")
    assert PREFIX + unicodedata.normalize("NFC", "Señor-café.mp4") in keys(world)
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    vam(world.jan, "pull", "b65")
    [got] = list(world.staging(world.jan).iterdir())
    assert unicodedata.normalize("NFC", got.name) == unicodedata.normalize("NFC", "Señor-café.mp4")


def test_names_with_spaces_round_trip(world: World) -> None:
    src = make_mp4(world.staging(world.david) / "b roll" / "take 1 (final).mp4")
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    vam(world.jan, "pull", "b65")
    assert md5(world.staging(world.jan) / "b roll" / "take 1 (final).mp4") == md5(src)


def test_zero_byte_file_round_trips(world: World) -> None:
    (world.staging(world.david)).mkdir(parents=True, exist_ok=True)
    (world.staging(world.david) / "empty.txt").write_bytes(b"")
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    vam(world.jan, "pull", "b65")
    assert (world.staging(world.jan) / "empty.txt").read_bytes() == b""
    assert vam(world.jan, "status", "b65", "--exit-code").returncode == 0


def test_name_with_a_newline_is_skipped(world: World) -> None:
    world.staging(world.david).mkdir(parents=True, exist_ok=True)
    (world.staging(world.david) / "bad\nname.mp4").write_bytes(b"x")
    out = vam(world.david, "push", "b65", code=1)
    assert "cannot be an S3 key" in clean(out)
    assert (world.staging(world.david) / "bad\nname.mp4").exists()


def test_name_that_is_not_utf8_is_skipped(world: World) -> None:
    staging = world.staging(world.david)
    staging.mkdir(parents=True, exist_ok=True)
    with open(os.path.join(os.fsencode(staging), b"caf\xe9.mp4"), "wb") as fh:
        fh.write(b"latin-1 name")
    make_mp4(staging / "ok.mp4")
    out = vam(world.david, "push", "b65", code=1)
    assert "not valid UTF-8" in clean(out)
    assert PREFIX + "ok.mp4" in keys(world)


def test_reserved_metadata_json_name(world: World) -> None:
    world.staging(world.david).mkdir(parents=True, exist_ok=True)
    (world.staging(world.david) / ".metadata.json").write_text("{}")
    out = vam(world.david, "push", "b65", code=1)
    assert "reserved name" in clean(out)


# -- local files (13-16) ----------------------------------------------------------------


def test_symlinked_folder_out_of_staging_is_not_followed(world: World, tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.mp4").write_bytes(b"private")
    world.staging(world.david).mkdir(parents=True, exist_ok=True)
    os.symlink(outside, world.staging(world.david) / "linked")
    out = vam(world.david, "push", "b65", code=1)
    assert "symlinked folder: not followed" in clean(out)
    assert not any("secret" in k for k in keys(world))


def test_dangling_symlink_is_reported(world: World) -> None:
    world.staging(world.david).mkdir(parents=True, exist_ok=True)
    os.symlink(world.david / "nowhere.mp4", world.staging(world.david) / "gone.mp4")
    out = vam(world.david, "push", "b65", code=1)
    assert "gone.mp4" in clean(out)


def test_disk_full_while_downloading_keeps_the_old_file_and_resumes(shared: World) -> None:
    big = shared.staging(shared.david) / "raw.mp4"
    big.write_bytes(os.urandom(6 * 1024 * 1024))
    vam(shared.david, "push", "b65")
    old = md5(shared.staging(shared.jan) / "raw.mp4")

    def small_disk() -> None:  # writes past 2 MiB fail with EFBIG (Python ignores SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2 * 1024 * 1024, resource.RLIM_INFINITY))

    proc = subprocess.run(
        ["git", "vam", "pull", "b65"], cwd=shared.jan, capture_output=True, text=True, preexec_fn=small_disk
    )
    assert proc.returncode == 1
    assert "too large" in clean(proc).lower()
    assert md5(shared.staging(shared.jan) / "raw.mp4") == old  # untouched
    vam(shared.jan, "pull", "b65")
    assert md5(shared.staging(shared.jan) / "raw.mp4") == md5(big)


def test_corrupt_state_is_rebuilt_not_trusted(shared: World) -> None:
    state = shared.jan / ".git" / "vam"
    (state / "hashes.json").write_text("{not json")
    (state / "base" / f"{PROJECT}.json").write_text('{"location": 3, "files": [')
    out = vam(shared.jan, "status", "b65", "--json", "--exit-code")
    assert json.loads(out.stdout)["in_sync"] is True  # rebuilt from the manifest and S3
    vam(shared.jan, "pull", "b65")
    assert json.loads((state / "base" / f"{PROJECT}.json").read_text())["files"]["raw.mp4"]["md5"]


# -- configuration and S3 (17-26) -------------------------------------------------------


def test_wrong_credentials(shared: World) -> None:
    out = vam(shared.jan, "pull", "b65", code=2, env={"AWS_SECRET_ACCESS_KEY": "not-the-secret"})
    assert "rejected the credentials" in clean(out)


def test_missing_bucket(shared: World) -> None:
    out = vam(shared.jan, "pull", "b65", code=2, env={"VAM_BUCKET": "gone-bucket"})
    assert "'gone-bucket' does not exist" in clean(out)


def test_wrong_region_is_corrected_from_the_servers_hint(shared: World, s3server) -> None:
    # AWS answers a request signed for the wrong region with the right one;
    # botocore re-signs for it, so a wrong vam.region costs one request, not a failure.
    proxy = HostileListingProxy(int(s3server.endpoint.rsplit(":", 1)[1]), [], region="ap-southeast-1")
    try:
        out = vam(shared.jan, "status", "b65", "--exit-code", env={"VAM_ENDPOINT": proxy.url})
    finally:
        proxy.stop()
    assert "in sync" in clean(out)
    assert proxy.refused >= 1


def test_endpoint_down(shared: World) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    out = vam(shared.jan, "pull", "b65", code=1, env={"VAM_ENDPOINT": url})
    assert "Cannot reach S3" in clean(out)


def test_malformed_vamconfig(shared: World) -> None:
    (shared.jan / ".vamconfig").write_text('[vam]\n\tbucket = "unterminated\n')
    out = vam(shared.jan, "pull", "b65", code=2)
    assert ".vamconfig is not valid git-config syntax" in clean(out)
    assert (shared.jan / ".vamconfig").read_text() == '[vam]\n\tbucket = "unterminated\n'


def test_malformed_env_file_line(shared: World) -> None:
    (shared.jan / ".video-tools.env").write_text("S3_BUCKET=x\nAWS_SECRET_ACCESS_KEY wJalrSECRETVALUE\n")
    out = vam(shared.jan, "status", "b65", code=2)
    text = clean(out)
    assert ".video-tools.env line 2 cannot be parsed" in text
    assert "wJalrSECRETVALUE" not in text


def test_env_file_not_utf8(shared: World) -> None:
    (shared.jan / ".video-tools.env").write_bytes(b"S3_BUCKET=caf\xe9\n")
    out = vam(shared.jan, "status", "b65", code=2)
    assert "not UTF-8" in clean(out)


def test_malformed_manifest(shared: World) -> None:
    path = shared.jan / PROJECT / "s3-staging.manifest.json"
    path.write_text('{"files": ')
    out = vam(shared.jan, "pull", "b65", code=2)
    assert "not a valid manifest" in clean(out)
    assert path.read_text() == '{"files": '
    assert (shared.staging(shared.jan) / "raw.mp4").exists()


def test_second_concurrent_git_vam_is_refused(shared: World) -> None:
    from filelock import FileLock

    lock = FileLock(str(shared.jan / ".git" / "vam" / "lock"))
    with lock:  # another git vam holds this clone
        out = vam(shared.jan, "pull", "b65", code=1)
    assert "Another git vam is running in this clone" in clean(out)
    vam(shared.jan, "pull", "b65")


def test_unknown_project(shared: World) -> None:
    out = vam(shared.jan, "pull", "zz-nothing", code=2)
    assert "No project matches 'zz-nothing'" in clean(out)


def test_missing_bucket_setting(world: World) -> None:
    git(world.jan, "config", "-f", ".vamconfig", "--unset", "vam.bucket")
    out = vam(world.jan, "status", "b65", code=2)
    assert "No S3 bucket is configured" in clean(out)
