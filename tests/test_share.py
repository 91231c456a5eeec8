"""Presigned URLs against the real server: exact bytes, expiry enforced."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from helpers import World, make_mp4, md5, vam

from git_vam.commands.share import parse_duration
from git_vam.errors import UsageError


def test_durations() -> None:
    assert parse_duration("30m") == 1800
    assert parse_duration("7d") == 604800
    assert parse_duration("90") == 90
    for bad in ("8d", "0", "soon", "-1h"):
        with pytest.raises(UsageError):
            parse_duration(bad)


def test_shared_url_gives_the_exact_bytes(world: World) -> None:
    src = make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    url = vam(world.david, "share", "b65/raw.mp4", "--expires", "1h").stdout.strip()
    with urllib.request.urlopen(url, timeout=10) as resp:
        data = resp.read()
    import hashlib

    assert hashlib.md5(data).hexdigest() == md5(src)
    info = json.loads(vam(world.david, "share", "b65/s3-staging/raw.mp4", "--json").stdout)
    assert info["path"] == "raw.mp4" and info["expires_at"].endswith("Z")


def test_expired_url_is_refused(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    url = vam(world.david, "share", "b65/raw.mp4", "--expires", "1").stdout.strip()
    time.sleep(2.5)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, timeout=10)
    assert info.value.code == 403


def test_share_errors(world: World) -> None:
    out = vam(world.david, "share", "b65/missing.mp4", code=1)
    assert "is not on S3" in out.stderr and "git vam push" in out.stderr
    out = vam(world.david, "share", "b65/raw.mp4", "--expires", "30d", code=2)
    assert "7 days" in out.stderr
    out = vam(world.david, "share", "b65", code=2)
    assert "names no file" in out.stderr
