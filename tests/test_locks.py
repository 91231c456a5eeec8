"""Locks without a lock server (issue 24, DESIGN §10): one person edits
`edited.mp4` while the other cannot push over it; of two people locking at the
same moment exactly one wins; locks are names from outside (section 6)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading

import pytest
from botocore.exceptions import ClientError
from faults import MeetingProxy
from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam

from git_vam.testing.webhook import Webhook

pytestmark = pytest.mark.both_servers

EDIT = "b65/edited.mp4"


def test_jan_cannot_push_over_davids_locked_file_until_he_unlocks(shared: World) -> None:
    d, j = shared.david, shared.jan
    make_mp4(shared.staging(d) / "edited.mp4", "v1")
    vam(d, "push", "b65")
    git(d, "push", "-q")
    git(j, "pull", "-q")
    vam(j, "pull", "b65")
    out = vam(d, "lock", EDIT, "--reason", "colour grade")
    assert "locked b65-guy-monroe-marketing-plan/edited.mp4" in out.stdout
    # jan can neither take the lock nor push over it
    taken = vam(j, "lock", EDIT, code=1)
    assert "locked by david since" in taken.stdout and "colour grade" in taken.stdout
    make_mp4(shared.staging(j) / "edited.mp4", "jan's cut")
    pushed = vam(j, "push", "b65", code=1)
    assert "edited.mp4" in pushed.stdout and "locked by david" in pushed.stdout
    head = s3_client(shared).head_object(Bucket=shared.bucket, Key=f"staging/v-demo/{PROJECT}/edited.mp4")
    assert head["Metadata"]["uploaded-by"] == "david"  # jan's cut never reached S3
    # status and locks show it; david's own lock never blocks him
    assert "locked by david" in vam(j, "status", "b65").stdout
    listed = json.loads(vam(j, "locks", "--json").stdout)
    assert [(x["path"], x["who"], x["reason"]) for x in listed["locks"]] == [("edited.mp4", "david", "colour grade")]
    make_mp4(shared.staging(d) / "edited.mp4", "david's grade")
    vam(d, "push", "b65", "--unlock")
    assert json.loads(vam(j, "locks", "--json").stdout)["locks"] == []
    # unlocked: jan's pull brings david's grade; his own cut is a conflict, never lost
    vam(j, "pull", "b65", code=1)
    copies = list(shared.staging(j).glob("edited.conflict-*"))
    assert copies and md5(copies[0]) == md5(shared.staging(d) / "edited.mp4")


def test_of_two_people_locking_at_the_same_moment_exactly_one_wins(shared: World, s3server) -> None:
    # both PUTs are held at a barrier until both are in flight, then released together
    proxy = MeetingProxy(s3server.s3_port, 2, lambda m, p: "lock" if m == "PUT" and ".vam-locks/" in p else None)
    env = {"VAM_ENDPOINT": proxy.url}
    results: dict[str, subprocess.CompletedProcess[str]] = {}

    def take(who, clone) -> None:
        results[who] = vam(clone, "lock", EDIT, env=env, code=None)

    try:
        threads = [
            threading.Thread(target=take, args=(n, c)) for n, c in (("david", shared.david), ("jan", shared.jan))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        proxy.stop()
    assert proxy.apart == []  # the two requests were in flight together
    codes = sorted(r.returncode for r in results.values())
    assert codes == [0, 1]
    winner = next(n for n, r in results.items() if r.returncode == 0)
    loser = next(r for n, r in results.items() if r.returncode == 1)
    assert f"locked by {winner}" in loser.stdout


def test_breaking_a_lock_says_whose_and_notifies(shared: World) -> None:
    d, j = shared.david, shared.jan
    vam(d, "lock", "b65/raw.mp4")
    refused = vam(j, "unlock", "b65/raw.mp4", code=1)
    assert "locked by david" in refused.stdout and "--force" in refused.stdout
    hook = Webhook()
    try:
        out = vam(j, "unlock", "b65/raw.mp4", "--force", env={"VAM_NOTIFY": hook.url})
    finally:
        hook.stop()
    assert "broke david's lock" in out.stdout
    (body,) = hook.bodies()
    assert "jan broke david's lock on v-demo/" in body["text"]
    assert json.loads(vam(d, "locks", "--json").stdout)["locks"] == []


@pytest.mark.parametrize("name", ["b65/../../etc/passwd", "b65/", "../b65/x.mp4", "b65/a\x1b[31m.mp4"])
def test_lock_names_are_checked_like_keys(shared: World, name: str) -> None:
    out = vam(shared.david, "lock", name, code=2)
    assert "is not PROJECT/PATH" in out.stderr
    keys = [o["Key"] for o in s3_client(shared).list_objects_v2(Bucket=shared.bucket).get("Contents", [])]
    assert not [k for k in keys if ".vam-locks/" in k]


def test_a_hostile_lock_object_is_shown_escaped_and_cannot_block_other_paths(shared: World) -> None:
    s3 = s3_client(shared)
    prefix = f"staging/.vam-locks/v-demo/{PROJECT}/"
    s3.put_object(Bucket=shared.bucket, Key=prefix + "raw.mp4.json",
                  Body=json.dumps({"who": "mallory\x1b[2J\u202e", "since": "x" * 10_000}).encode())  # fmt: skip
    with contextlib.suppress(ClientError):  # SeaweedFS refuses such a key itself; AWS (and moto) store it
        s3.put_object(Bucket=shared.bucket, Key=prefix + "../../escape.json", Body=b"{}")
    out = vam(shared.jan, "locks")
    assert "\x1b" not in out.stdout and "\u202e" not in out.stdout and "mallory" in out.stdout
    assert len(max(out.stdout.splitlines(), key=len)) < 1000
    make_mp4(shared.staging(shared.jan) / "other.mp4", "other")
    vam(shared.jan, "push", "b65/other.mp4")  # a lock on raw.mp4 does not block other.mp4


def test_the_dashboard_shows_who_holds_a_lock(shared: World, tmp_path) -> None:
    vam(shared.david, "lock", "b65/raw.mp4", "--reason", "grading")
    page = tmp_path / "page.html"
    data = json.loads(vam(shared.jan, "dashboard", "-o", str(page), "--json").stdout)
    (project,) = [p for p in data["brands"][0]["projects"] if p["project"] == PROJECT]
    (raw,) = [f for f in project["files"] if f["path"] == "raw.mp4"]
    assert raw["locked_by"] == "david"
    assert "🔒 david" in page.read_text()
