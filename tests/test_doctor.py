"""`git vam doctor` on a healthy clone and on broken ones: each failing check is
named with its fix."""

from __future__ import annotations

import json
import socket

from helpers import World, vam


def checks(out: str) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(out)["checks"]}


def test_healthy_setup_passes_every_check(world: World) -> None:
    out = vam(world.david, "doctor", "--json")
    got = checks(out.stdout)
    assert all(c["ok"] for c in got.values()), got
    assert set(got) == {
        "git", "repository and settings", "hooks", "git pull strategy", ".gitignore", "nothing tracked in s3-staging/",
        "bucket setting", "credentials",
        "bucket reachable (list)", "bucket region", "put / get / delete on the staging prefix",
        "conditional writes (If-None-Match)",
        "clock skew",
    }  # fmt: skip
    text = vam(world.david, "doctor").stdout
    assert "FAIL" not in text and text.count("ok ") >= 9


def test_missing_hooks_and_bad_gitignore_are_named_with_fixes(world: World) -> None:
    # jan's fresh clone has no hooks; then his .gitignore loses the block
    (world.jan / ".gitignore").write_text("*.log\n")
    out = vam(world.jan, "doctor", code=1)
    assert "FAIL hooks: pre-commit missing" in out.stdout and "git vam install" in out.stdout
    assert "FAIL .gitignore" in out.stdout and "git vam check --gitignore --fix" in out.stdout


def test_wrong_credentials_named(world: World) -> None:
    out = vam(world.david, "doctor", "--json", code=1, env={"AWS_SECRET_ACCESS_KEY": "not-the-secret-42"})
    got = checks(out.stdout)
    assert not got["bucket reachable (list)"]["ok"]
    assert "rejected the credentials" in got["bucket reachable (list)"]["detail"]
    assert got["bucket reachable (list)"]["fix"]
    assert "not-the-secret-42" not in out.stdout


def test_unreachable_endpoint_named(world: World) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    out = vam(world.david, "doctor", code=1, env={"VAM_ENDPOINT": url})
    assert f"FAIL bucket reachable (list): Cannot reach S3 at {url}" in out.stdout
    assert "fix:" in out.stdout
