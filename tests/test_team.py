"""The team loop (issue 14, DESIGN §3 and §5): notifications after a push, and
the watcher that brings a push to the other clone's disk with no command typed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import PROJECT, World, conflict_at_jan, git, make_mp4, md5, s3_client, vam

from git_vam.testing.webhook import Webhook

DOCUMENTED = {"text", "content", "brand", "project", "by", "at", "files"}


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.stop()


def closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/hooks/secret-path"


def test_push_posts_the_documented_json_once_and_never_a_url_or_key(world: World, webhook: Webhook) -> None:
    david = world.david
    git(david, "config", "--add", "vam.notify", webhook.url)
    git(david, "config", "--add", "vam.notify", closed_url())  # a second webhook that is down
    raw = make_mp4(world.staging(david) / "raw.mp4", "raw")
    raw_file = {"path": "raw.mp4", "size": raw.stat().st_size, "md5": md5(raw)}
    res = vam(david, "push", "b65")
    assert res.returncode == 0
    # the dead webhook is one warning naming its host only, never its path (a token)
    warnings = [line for line in res.stderr.splitlines() if "notification to" in line]
    assert len(warnings) == 1 and "http://127.0.0.1" in warnings[0] and "secret-path" not in res.stderr
    assert len(webhook.received) == 1
    assert webhook.received[0]["type"] == "application/json"
    body = webhook.bodies()[0]
    assert set(body) == DOCUMENTED
    assert (body["brand"], body["project"], body["by"]) == ("v-demo", PROJECT, "david")
    assert body["files"] == [{**raw_file, "action": "upload"}]
    assert body["text"] == body["content"] and "raw.mp4" in body["text"] and "david pushed 1 file(s)" in body["text"]
    assert body["at"].endswith("Z")
    text = webhook.received[0]["body"]
    for secret in ("http", world.endpoint, world.bucket, "staging/", "X-Amz", "AKIA", "token"):
        assert secret not in text, secret

    # nothing changed: no POST
    assert vam(david, "push", "b65").returncode == 0
    assert len(webhook.received) == 1
    # a deletion is told too
    (world.staging(david) / "raw.mp4").unlink()
    vam(david, "push", "b65", "--delete")
    assert len(webhook.received) == 2
    assert webhook.bodies()[1]["files"] == [{**raw_file, "action": "delete"}]
    assert "deleted 1 file(s)" in webhook.bodies()[1]["text"]


def test_config_shows_a_webhook_by_its_host_only(world: World, webhook: Webhook) -> None:
    git(world.david, "config", "--add", "vam.notify", webhook.url)
    out = vam(world.david, "config").stdout
    assert "http://127.0.0.1/…" in out and "s3cr3t-token" not in out
    git(world.david, "config", "--add", "vam.notify", "ftp://example.com/x")
    res = vam(world.david, "status", "b65", code=None)
    assert res.returncode == 2 and "vam.notify" in res.stderr and "example.com" not in res.stderr


def test_notify_in_vamconfig_is_a_destination_that_needs_trust(world: World, webhook: Webhook) -> None:
    # DESIGN §6: a commit that points the team's notifications elsewhere stops transfers until `git vam trust`
    vam(world.jan, "status", "b65")  # jan has used S3: the destination is on record
    git(world.david, "config", "-f", ".vamconfig", "vam.notify", webhook.url)
    git(world.david, "add", ".vamconfig")
    git(world.david, "commit", "-q", "-m", "notify the team")
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    res = vam(world.jan, "push", "b65", code=None)
    assert res.returncode == 2 and "vam.notify" in res.stderr and "git vam trust" in res.stderr
    vam(world.jan, "trust")
    make_mp4(world.staging(world.jan) / "jan.mp4", "jan")
    vam(world.jan, "push", "b65")
    assert [b["by"] for b in webhook.bodies()] == ["jan"]


def test_watch_once_fetches_a_push_without_git_pull_and_keeps_local_changes(world: World) -> None:
    david, jan = world.david, world.jan
    make_mp4(world.staging(david) / "edit.mp4", "v1")
    make_mp4(world.staging(david) / "old.mp4", "old")
    vam(david, "push", "b65")
    vam(jan, "pull", "b65")
    jan_edit = make_mp4(world.staging(jan) / "edit.mp4", "jan's cut")  # jan's local change
    # david: a new file, his own change of edit.mp4, and a deletion; no `git push`, no `git pull`
    new = make_mp4(world.staging(david) / "new.mp4", "new")
    make_mp4(world.staging(david) / "edit.mp4", "david's cut")
    (world.staging(david) / "old.mp4").unlink()
    vam(david, "push", "b65", "--delete", "--force")
    before = md5(jan_edit)
    res = vam(jan, "watch", "--once", code=1)  # at the repository root: every project; exit 1: a conflict
    assert md5(world.staging(jan) / "new.mp4") == md5(new)
    assert f"{PROJECT}/new.mp4" in res.stdout
    assert md5(jan_edit) == before  # never overwrites a local change: S3's version is saved beside it
    beside = [p for p in world.staging(jan).iterdir() if p.name.startswith("edit") and p.name != "edit.mp4"]
    assert len(beside) == 1 and md5(beside[0]) == md5(world.staging(david) / "edit.mp4")
    assert (world.staging(jan) / "old.mp4").exists()  # never deletes
    # nothing changed on S3 since: the next round transfers nothing
    res = vam(jan, "watch", "--once", "b65", "--json", code=None)
    assert all(f["action"] != "download" for p in json.loads(res.stdout)["projects"] for f in p["files"])


def test_upload_notify_download_round_trip_with_no_command_typed_by_jan(world: World, webhook: Webhook) -> None:
    # seed roadmap phase 3: david pushes, a notification is recorded, jan's watcher has the file
    git(world.david, "config", "--add", "vam.notify", webhook.url)
    # git-vam itself (git re-raises a Ctrl-C as its own death), SIGINT at its default as on a terminal
    watcher = subprocess.Popen(["git-vam", "watch", "b65", "--interval", "1s"], cwd=world.jan,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        raw = make_mp4(world.staging(world.david) / "raw.mp4", "round trip")
        pushed = time.monotonic()
        vam(world.david, "push", "b65")
        target = world.staging(world.jan) / "raw.mp4"
        while not target.exists() and time.monotonic() - pushed < 60:
            time.sleep(0.2)
        arrived = time.monotonic() - pushed
        assert target.exists() and md5(target) == md5(raw)
        assert [b["files"][0]["path"] for b in webhook.bodies()] == ["raw.mp4"]
        print(f"push → file on jan's disk: {arrived:.1f} s")
    finally:
        os.killpg(watcher.pid, signal.SIGINT)  # Ctrl-C
        out, err = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, err  # Ctrl-C is how a watch ends: not an error
    assert f"{PROJECT}/raw.mp4" in out


def test_a_pull_before_git_pull_leaves_the_work_tree_clean_so_git_pull_merges(world: World) -> None:
    # the watcher (or `git vam pull`) fetched david's file before his manifest commit reached jan
    make_mp4(world.staging(world.david) / "raw.mp4", "raw")
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    vam(world.jan, "watch", "--once", "b65")
    assert (world.staging(world.jan) / "raw.mp4").exists()
    assert git(world.jan, "status", "--porcelain") == ""  # the tracked manifest is git's to change
    git(world.jan, "pull", "-q")
    assert "raw.mp4" in json.loads((world.jan / PROJECT / "s3-staging.manifest.json").read_text())["files"]


def test_after_install_global_a_plain_git_clone_has_the_hooks_and_the_files(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DESIGN §5: once per machine (isolated HOME here), then `git clone` is all it takes
    monkeypatch.delenv("GIT_TEMPLATE_DIR", raising=False)
    raw = make_mp4(world.staging(world.david) / "raw.mp4", "raw")
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    out = vam(tmp_path, "install", "--global").stdout
    assert "init.templateDir: set to" in out
    lisa = tmp_path / "lisa" / "v-demo"
    res = subprocess.run(["git", "clone", "-q", str(world.origin), str(lisa)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert md5(world.staging(lisa) / "raw.mp4") == md5(raw)  # the clone's own post-checkout fetched it
    assert "pulled 1 file(s)" in res.stderr
    git(lisa, "config", "user.name", "lisa")
    git(lisa, "config", "user.email", "lisa@example.com")
    assert "hooks" not in vam(lisa, "status", "b65").stderr  # template shims count as current
    make_mp4(lisa / "final.mp4", "final")
    git(lisa, "add", "-f", "final.mp4")
    assert subprocess.run(["git", "commit", "-q", "-m", "x"], cwd=lisa, capture_output=True).returncode == 1
    # outside a git-vam repository the same shims do nothing
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    git(other, "config", "user.name", "o")
    git(other, "config", "user.email", "o@example.com")
    make_mp4(other / "clip.mp4", "clip")
    git(other, "add", "clip.mp4")
    assert subprocess.run(["git", "commit", "-q", "-m", "clip"], cwd=other, capture_output=True).returncode == 0
    assert (other / ".git" / "hooks" / "pre-commit").exists()
    # and it can be undone; a template folder of the user's own would have been kept
    vam(tmp_path, "uninstall", "--global")
    unset = subprocess.run(["git", "config", "--global", "--get", "init.templateDir"], capture_output=True)
    assert unset.returncode == 1


def test_trash_lists_restores_and_empty_frees_the_space(world: World) -> None:
    david, jan = world.david, world.jan
    make_mp4(world.staging(david) / "raw.mp4", "v1")
    vam(david, "push", "b65")
    vam(jan, "pull", "b65")
    v1 = md5(world.staging(jan) / "raw.mp4")
    make_mp4(world.staging(david) / "raw.mp4", "v2 is longer", seconds=2)
    vam(david, "push", "b65")
    vam(jan, "pull", "b65")  # v1 goes to jan's trash
    v2 = md5(world.staging(jan) / "raw.mp4")
    listed = json.loads(vam(jan, "trash", "list", "--json").stdout)
    assert [(f["project"], f["path"], f["why"]) for f in listed["files"]] == [(PROJECT, "raw.mp4", "pull")]
    assert f"{PROJECT}/raw.mp4" in vam(jan, "trash").stdout
    # putting it back never loses the file that is there now
    res = vam(jan, "trash", "restore", f"{PROJECT}/raw.mp4", code=2)
    assert "--force" in res.stderr and md5(world.staging(jan) / "raw.mp4") == v2
    vam(jan, "trash", "restore", f"{PROJECT}/raw.mp4", "--force")
    assert md5(world.staging(jan) / "raw.mp4") == v1
    listed = json.loads(vam(jan, "trash", "list", "--json").stdout)
    assert [(f["path"], f["why"]) for f in listed["files"]] == [("raw.mp4", "trash-restore")]
    # empty: --older-than keeps what is recent, then everything goes and the space is freed
    assert json.loads(vam(jan, "trash", "empty", "--older-than", "1d", "--json").stdout)["bytes"] == 0
    res = json.loads(vam(jan, "trash", "empty", "--json").stdout)
    assert res["bytes"] == listed["bytes"] > 0
    trash_dir = jan / ".git" / "vam" / "trash"
    assert [p for p in trash_dir.rglob("*") if p.is_file()] == []
    assert "The trash is empty." in vam(jan, "trash", "list").stdout


def test_log_shows_each_version_with_its_uploader_and_the_deletion(world: World) -> None:
    david, jan = world.david, world.jan
    v1 = make_mp4(world.staging(david) / "raw.mp4", "v1")
    v1_md5 = md5(v1)
    vam(david, "push", "b65")
    git(david, "push", "-q")
    git(jan, "pull", "-q")
    vam(jan, "pull", "b65")
    v2 = make_mp4(world.staging(jan) / "raw.mp4", "jan's v2")
    make_mp4(world.staging(jan) / "other.mp4", "other")
    vam(jan, "push", "b65")
    (world.staging(jan) / "other.mp4").unlink()
    summary = vam(jan, "push", "b65", "--delete").stdout.splitlines()[0]  # summaries count deletions too
    assert summary == f"{PROJECT}: 1 deleted on S3", summary
    assert vam(jan, "push", "b65").stdout.splitlines()[0] == f"{PROJECT}: nothing to do"
    rows = json.loads(vam(jan, "log", f"{PROJECT}/raw.mp4", "--json").stdout)["versions"]
    assert [(r["action"], r["by"], r["md5"]) for r in rows] == [("upload", "jan", md5(v2)), ("upload", "david", v1_md5)]
    assert all(len(r["commit"]) >= 7 and r["at"].endswith("Z") for r in rows)
    everything = json.loads(vam(jan, "log", "--json").stdout)["versions"]  # at the root: every project
    assert [(r["path"], r["action"], r["by"]) for r in everything] == [
        ("other.mp4", "delete", "jan"), ("other.mp4", "upload", "jan"), ("raw.mp4", "upload", "jan"),
        ("raw.mp4", "upload", "david"),
    ]  # fmt: skip
    assert len(json.loads(vam(jan, "log", "b65", "-n", "1", "--json").stdout)["versions"]) == 1
    assert "david" in vam(jan, "log", "b65").stdout


def test_config_sets_a_value_after_validating_it(world: World) -> None:
    david = world.david
    vam(david, "config", "maxFileSize", "20MB")
    assert git(david, "config", "vam.maxFileSize").strip() == "20MB"
    row = json.loads(vam(david, "config", "vam.maxfilesize", "--json").stdout)
    assert (row["value"], row["origin"]) == (str(20 * 1024**2), "git config (local)")
    assert "20.0 MiB" in vam(david, "config", "maxFileSize").stdout
    bad = vam(david, "config", "maxFileSize", "lots", code=2)
    assert "not a size" in bad.stderr and git(david, "config", "vam.maxFileSize").strip() == "20MB"
    assert "No setting is called" in vam(david, "config", "maxSize", "1", code=2).stderr
    assert "personal" in vam(david, "config", "jobs", "8", "--team", code=2).stderr
    assert "100MB" in vam(david, "config", "maxFileSize", "2GB", "--team", code=2).stderr
    # a team value goes to .vamconfig; a destination you set yourself needs no `git vam trust`
    vam(david, "status", "b65")
    vam(david, "config", "stagingPrefix", "team-staging", "--team")
    assert "team-staging" in (david / ".vamconfig").read_text()
    make_mp4(world.staging(david) / "raw.mp4", "raw")
    vam(david, "push", "b65")
    keys = [o["Key"] for o in s3_client(world).list_objects_v2(Bucket=world.bucket)["Contents"]]
    assert f"team-staging/v-demo/{PROJECT}/raw.mp4" in keys


def test_ls_shows_what_s3_holds_who_uploaded_it_and_whether_this_clone_has_it(world: World) -> None:
    david, jan = world.david, world.jan
    raw = make_mp4(world.staging(david) / "raw.mp4", "raw")
    make_mp4(world.staging(david) / "cut.mp4", "cut")
    vam(david, "push", "b65")
    vam(jan, "pull", f"{PROJECT}/raw.mp4")
    (world.staging(jan) / "local-only.mp4").write_bytes(b"not on S3")
    listed = json.loads(vam(jan, "ls", "--json").stdout)["projects"]  # at the root: every project
    files = {f["path"]: f for f in listed[0]["files"]}
    assert sorted(files) == ["cut.mp4", "raw.mp4"]  # what S3 holds, not local-only files
    assert (files["raw.mp4"]["local"], files["cut.mp4"]["local"]) == ("same", "no")
    assert files["raw.mp4"]["uploaded_by"] == "david" and files["raw.mp4"]["size"] == raw.stat().st_size
    vam(david, "archive", "b65")
    archives = json.loads(vam(jan, "ls", "b65", "--archive", "--json").stdout)["projects"][0]["archives"]
    assert [a["key"] for a in archives] == [f"archive/v-demo/b50-b99/{PROJECT}.tar"]
    assert "raw.mp4" in vam(jan, "ls", "b65").stdout


def test_status_fits_80_columns_with_relative_times_summaries_and_the_extra_states(world: World) -> None:
    david, jan = world.david, world.jan
    long_name = "2026-12-01 interview with the client, camera B, take 3 (graded, final).mp4"
    make_mp4(world.staging(david) / long_name, "long")
    conflict_at_jan(world)  # S3's raw.mp4 saved beside jan's
    out = vam(jan, "status", env={"COLUMNS": "80"}).stdout  # at the repository root: every project
    lines = out.splitlines()
    assert lines and all(len(line) <= 80 for line in lines), out
    rows = [line for line in lines if line.startswith("  ") and line[2] in "✓↑↓!·…✗"]
    assert len(rows) == 3  # one line per file, none wrapped
    assert any("in sync" in r and ("ago by david" in r or "just now by david" in r) for r in rows), rows
    assert any("conflict copy" in r and "raw.conflict-" in r for r in rows)
    assert any("changed locally" in r or "conflict" in r for r in rows if "raw.mp4" in r)
    assert "3 file(s): " in out and "1 conflict copy" in out
    assert "next: " in out


def test_cleaned_up_is_settled_in_status_and_dashboard_and_offline_needs_no_network(world: World) -> None:
    david, jan = world.david, world.jan
    make_mp4(world.staging(david) / "raw.mp4", "raw")
    vam(david, "push", "b65")
    git(david, "push", "-q")
    git(jan, "pull", "-q")
    # offline: from the manifest and base records, with S3 unreachable
    down = {"VAM_ENDPOINT": closed_url().rsplit("/", 2)[0]}
    vam(jan, "trust", env=down)
    started = time.monotonic()
    offline = json.loads(vam(jan, "status", "b65", "--offline", "--json", env=down).stdout)
    assert time.monotonic() - started < 15 and offline["offline"] is True
    assert [(f["path"], f["state"], f["uploaded_by"]) for f in offline["projects"][0]["files"]] == [
        ("raw.mp4", "on S3 only", "david")
    ]
    assert vam(jan, "status", "b65", env=down, code=None).returncode != 0  # online it does need S3
    # a deliberate cleanup is not "deleted on S3 → pull --delete" forever
    vam(david, "cleanup", "b65", "--confirm")
    row = json.loads(vam(david, "status", "b65", "--json").stdout)["projects"][0]["files"][0]
    assert row["state"] == "cleaned up" and row["next"] == ""
    vam(david, "status", "b65", "--exit-code")  # exit 0: nothing to do
    page = json.loads(vam(david, "dashboard", "--json", "-o", str(david.parent / "d.html")).stdout)
    assert page["attention"] == []  # the dashboard agrees: nothing needs a person
    files = page["brands"][0]["projects"][0]["files"]
    assert [f["state"] for f in files] == ["cleaned up"]


def test_names_that_break_on_macos_or_windows_are_warned_at_push_and_commit(world: World) -> None:
    david = world.david
    for name in ("Final.mp4", "final.mp4", "take:1?.mp4", "aux.mp4", "ok.mp4"):
        (world.staging(david) / name).write_bytes(name.encode())
    res = vam(david, "push", "b65")  # a warning, not a refusal: the push is done
    warned = [line for line in res.stderr.splitlines() if "rename it so everyone can sync it" in line]
    assert len(warned) == 3, res.stderr
    assert "only in case" in res.stderr and "Windows cannot hold : ?" in res.stderr and "reserved name" in res.stderr
    assert "ok.mp4" not in " ".join(warned)
    (david / PROJECT / "Notes.md").write_text("a\n")
    (david / PROJECT / "notes.md.").write_text("b\n")  # a trailing dot
    git(david, "add", PROJECT)
    commit = subprocess.run(["git", "commit", "-q", "-m", "notes"], cwd=david, capture_output=True, text=True)
    assert commit.returncode == 0, commit.stderr
    assert "notes.md.: a name ending in a space or dot" in commit.stderr


def test_portability_rules() -> None:
    from git_vam.paths import portability

    found = portability(["Final.mp4", "final.mp4", "A/b.mp4", "a/B.MP4", "x/CON.txt", "lpt9", "ok.mp4", "é.mp4"])
    assert set(found) == {"final.mp4", "a/B.MP4", "x/CON.txt", "lpt9"}
    decomposed = "e\u0301.mp4"  # the same name in NFD (macOS) collides with its NFC twin
    assert decomposed in portability(["é.mp4", decomposed])


def test_two_people_push_the_same_day_and_a_plain_git_pull_just_works(world: World) -> None:
    # each `git vam push` commits the manifest: the clones diverge; git's default would stop the pull
    david, jan = world.david, world.jan
    assert "set pull.rebase=true" in vam(jan, "install").stdout  # jan has chosen no pull strategy
    assert git(jan, "config", "pull.rebase").strip() == "true"
    david_file = make_mp4(world.staging(david) / "david.mp4", "d")
    vam(david, "push", "b65")
    git(david, "push", "-q")
    make_mp4(world.staging(jan) / "jan.mp4", "j")
    vam(jan, "push", "b65")
    res = subprocess.run(["git", "pull"], cwd=jan, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stderr
    files = json.loads((jan / PROJECT / "s3-staging.manifest.json").read_text())["files"]
    assert sorted(files) == ["david.mp4", "jan.mp4"]
    assert md5(world.staging(jan) / "david.mp4") == md5(david_file)  # post-rewrite fetched it
    git(jan, "push", "-q")  # and jan's push is a fast-forward
    # a pull strategy of the user's own is never changed
    git(david, "config", "pull.rebase", "false")
    assert "your pull.rebase setting is kept" in vam(david, "install").stdout
    assert git(david, "config", "pull.rebase").strip() == "false"
