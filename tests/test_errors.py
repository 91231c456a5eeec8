"""Each configuration or S3 failure is one clear message with a remedy and the
right exit code, never a traceback (unless --debug), and nothing changes."""

from __future__ import annotations

import socket
import time

from helpers import World, git, make_mp4, vam


def assert_clean_error(out, *needles: str) -> None:
    assert "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2, out.stderr
    for n in needles:
        assert n in out.stderr, out.stderr


def test_missing_bucket_setting(world: World) -> None:
    git(world.david, "config", "-f", ".vamconfig", "--unset", "vam.bucket")
    make_mp4(world.staging(world.david) / "raw.mp4")
    out = vam(world.david, "push", "b65", code=2)
    assert_clean_error(out, "No S3 bucket is configured", "git vam init --bucket")


def test_wrong_credentials(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    out = vam(world.david, "push", "b65", code=2, env={"AWS_SECRET_ACCESS_KEY": "wrong-secret"})
    assert_clean_error(out, "rejected the credentials", "AWS_SECRET_ACCESS_KEY")
    assert "wrong-secret" not in out.stdout + out.stderr


def test_unknown_access_key(world: World) -> None:
    out = vam(world.david, "status", "b65", code=2, env={"AWS_ACCESS_KEY_ID": "nobody"})
    assert_clean_error(out, "InvalidAccessKeyId")


def test_no_credentials_at_all(world: World) -> None:
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_EC2_METADATA_DISABLED": "true"}
    out = vam(world.david, "status", "b65", code=2, env=env)
    assert_clean_error(out, "No AWS credentials found")


def test_missing_bucket(world: World) -> None:
    git(world.david, "config", "vam.bucket", "no-such-bucket-here")
    out = vam(world.david, "pull", "b65", code=2)
    assert_clean_error(out, "'no-such-bucket-here' does not exist", "vam.bucket")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    url = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    out = vam(world.david, "push", "b65", code=1, env={"VAM_ENDPOINT": url})
    assert_clean_error(out, f"Cannot reach S3 at {url}", "vam.endpoint")
    assert time.monotonic() - start < 60
    assert not (world.david / "b65-guy-monroe-marketing-plan" / "s3-staging.manifest.json").exists()


def test_debug_shows_the_traceback(world: World) -> None:
    git(world.david, "config", "vam.bucket", "no-such-bucket-here")
    out = vam(world.david, "status", "b65", "--debug", code=2)
    assert "Traceback" in out.stderr


def test_malformed_manifest_is_reported_and_kept(world: World) -> None:
    path = world.david / "b65-guy-monroe-marketing-plan" / "s3-staging.manifest.json"
    path.write_text('{"files": {"raw.mp4": ')
    make_mp4(world.staging(world.david) / "raw.mp4")
    out = vam(world.david, "push", "b65", code=2)
    assert_clean_error(out, "not a valid manifest", "git checkout --")
    assert path.read_text() == '{"files": {"raw.mp4": '


def test_usage_errors_exit_2(world: World) -> None:
    out = vam(world.david, "push", "--jobs", "0", "b65", code=2)
    assert "Traceback" not in out.stderr
    out = vam(world.david, "push", "b65", "--all", code=2)
    assert "not both" in out.stderr
