"""Secrets never appear in any output or file the tool writes."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import World, git, make_mp4, vam

from git_vam.testing.seaweed import ACCESS_KEY, SECRET_KEY


def test_secret_key_never_printed_or_written(world: World, monkeypatch) -> None:
    # credentials only in .video-tools.env, as the existing tools keep them
    for clone in (world.david, world.jan):
        (clone / ".video-tools.env").write_text(f"AWS_ACCESS_KEY_ID={ACCESS_KEY}\nAWS_SECRET_ACCESS_KEY={SECRET_KEY}\n")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    make_mp4(world.staging(world.david) / "raw.mp4")
    outputs = []
    for clone, args, code in [
        (world.david, ("push", "b65"), 0),
        (world.david, ("push", "b65", "--json"), 0),
        (world.david, ("config",), 0),
        (world.david, ("config", "--json"), 0),
        (world.david, ("status", "b65", "--json"), 0),
        (world.david, ("manifest", "b65", "--check"), 0),
        (world.jan, ("pull", "b65", "--debug"), 0),
        (world.jan, ("pull", "b65", "--debug"), 2),  # with a bad bucket below
        (world.david, ("cleanup", "b65"), 0),
    ]:
        env = {"VAM_BUCKET": "no-such-bucket"} if code == 2 else None
        if clone == world.jan and code == 0:
            git(world.david, "push", "-q")
            git(world.jan, "pull", "-q")
        out = vam(clone, *args, code=code, env=env)
        outputs.append(out.stdout + out.stderr)
    git(world.david, "push", "-q")  # the pre-push hook's output too
    assert any("raw.mp4" in o for o in outputs)  # the commands really ran
    for clone in (world.david, world.jan):  # git objects are compressed: read history through git
        outputs.append(git(clone, "log", "-p", "--all"))
    for text in outputs:
        assert SECRET_KEY not in text
    written = []
    for clone in (world.david, world.jan, world.origin):
        for p in Path(clone).rglob("*"):
            if p.is_file() and p.name != ".video-tools.env":
                written.append(p)
    crash = Path("/tmp/git-vam-crash.log")
    if crash.exists():
        written.append(crash)
    assert len(written) > 20
    for p in written:
        assert SECRET_KEY.encode() not in p.read_bytes(), p
    assert os.environ.get("AWS_SECRET_ACCESS_KEY") is None
