"""Hooks firing in real git: auto-pull after `git pull` and checkout, the pre-push
guarantee, the manifest merge driver, and installing beside foreign hooks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from helpers import PROJECT, World, git, make_mp4, md5, s3_client, vam

MANIFEST = f"{PROJECT}/s3-staging.manifest.json"


def run_git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True,
        env=None if env is None else {**os.environ, **env}, timeout=120,
    )  # fmt: skip


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def hooked(world: World) -> World:
    vam(world.jan, "install")
    return world


def test_plain_git_pull_brings_new_staging_files(hooked: World) -> None:
    raw = make_mp4(hooked.staging(hooked.david) / "raw.mp4", "raw")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    res = run_git(hooked.jan, "pull", "-q")
    assert res.returncode == 0, res.stderr
    assert md5(hooked.staging(hooked.jan) / "raw.mp4") == md5(raw)
    assert "pulled 1 file(s) into b65-guy-monroe-marketing-plan/s3-staging/" in res.stderr
    # jan's clone agrees with S3 afterwards, and the working tree is clean
    assert json.loads(vam(hooked.jan, "status", "b65", "--json", "--exit-code").stdout)["in_sync"]
    assert git(hooked.jan, "status", "--porcelain") == ""


def test_branch_switch_pulls_what_the_other_branch_names(hooked: World) -> None:
    git(hooked.david, "checkout", "-q", "-b", "feature")
    cut = make_mp4(hooked.staging(hooked.david) / "feature-cut.mp4", "feature")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q", "-u", "origin", "feature")
    git(hooked.jan, "fetch", "-q")
    res = run_git(hooked.jan, "checkout", "-q", "feature")
    assert res.returncode == 0, res.stderr
    assert md5(hooked.staging(hooked.jan) / "feature-cut.mp4") == md5(cut)


def test_auto_pull_respects_size_limit_and_switch(hooked: World) -> None:
    make_mp4(hooked.staging(hooked.david) / "raw.mp4", "raw", seconds=2)
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    git(hooked.jan, "config", "vam.autoPullMaxSize", "1KB")
    res = run_git(hooked.jan, "pull", "-q")
    assert res.returncode == 0
    assert "over vam.autoPullMaxSize; run `git vam pull b65-guy-monroe-marketing-plan`" in res.stderr
    assert not (hooked.staging(hooked.jan) / "raw.mp4").exists()
    make_mp4(hooked.staging(hooked.david) / "two.mp4", "two")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    git(hooked.jan, "config", "vam.autoPull", "false")
    res = run_git(hooked.jan, "pull", "-q")
    assert "vam.autoPull is off" in res.stderr
    assert not (hooked.staging(hooked.jan) / "two.mp4").exists()


def test_s3_down_git_pull_and_checkout_still_succeed_quickly(hooked: World) -> None:
    make_mp4(hooked.staging(hooked.david) / "raw.mp4")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    down = {"VAM_ENDPOINT": closed_port_url()}  # the environment layer beats git config
    start = time.monotonic()
    res = run_git(hooked.jan, "pull", "-q", env=down)
    took = time.monotonic() - start
    assert res.returncode == 0
    warnings = [line for line in res.stderr.splitlines() if line.startswith("git vam:")]
    assert len(warnings) == 1 and "Cannot reach S3" in warnings[0] and "git vam pull" in warnings[0]
    assert took < 20, took
    res = run_git(hooked.jan, "checkout", "-q", "-b", "other", "HEAD~1", env=down)
    assert res.returncode == 0


def test_no_manifest_change_means_no_network(hooked: World) -> None:
    (hooked.david / PROJECT / "script.md").write_text("v2\n")
    git(hooked.david, "add", ".")
    git(hooked.david, "commit", "-q", "-m", "script")
    git(hooked.david, "push", "-q")
    res = run_git(hooked.jan, "pull", "-q", env={"VAM_ENDPOINT": closed_port_url()})
    assert res.returncode == 0 and "git vam" not in res.stderr


def test_file_checkout_does_nothing(hooked: World) -> None:
    (hooked.jan / PROJECT / "notes.md").write_text("changed")
    res = run_git(hooked.jan, "checkout", "--", f"{PROJECT}/notes.md", env={"VAM_ENDPOINT": closed_port_url()})
    assert res.returncode == 0 and "git vam" not in res.stderr


# -- pre-push -------------------------------------------------------------------


def test_pre_push_uploads_a_missing_object(world: World) -> None:
    raw = make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    key = f"staging/v-demo/{PROJECT}/raw.mp4"
    s3_client(world).delete_object(Bucket=world.bucket, Key=key)
    res = run_git(world.david, "push", "-q")
    assert res.returncode == 0, res.stderr
    assert "was missing on S3; uploaded it" in res.stderr
    assert s3_client(world).head_object(Bucket=world.bucket, Key=key)["Metadata"]["md5"] == md5(raw)


def test_pre_push_refuses_when_a_file_exists_nowhere(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    s3_client(world).delete_object(Bucket=world.bucket, Key=f"staging/v-demo/{PROJECT}/raw.mp4")
    (world.staging(world.david) / "raw.mp4").unlink()
    before = git(world.david, "ls-remote", "origin", "main")
    res = run_git(world.david, "push", "-q")
    assert res.returncode != 0
    assert f"{PROJECT}/raw.mp4: named by the manifest you are pushing" in res.stderr
    assert git(world.david, "ls-remote", "origin", "main") == before


# -- merge driver ------------------------------------------------------------------


def test_concurrent_manifest_edits_merge_file_by_file(hooked: World) -> None:
    make_mp4(hooked.staging(hooked.david) / "david.mp4", "d")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    make_mp4(hooked.staging(hooked.jan) / "jan.mp4", "j")
    make_mp4(hooked.staging(hooked.david) / "david2.mp4", "d2")
    vam(hooked.jan, "push", "--no-commit", "b65")
    # jan's manifest commit differs from david's in both directions
    data = json.loads((hooked.jan / MANIFEST).read_text())
    del data["files"]["david.mp4"]
    (hooked.jan / MANIFEST).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    git(hooked.jan, "add", MANIFEST)
    git(hooked.jan, "commit", "-q", "-m", "jan's manifest")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    res = run_git(hooked.jan, "pull", "--no-rebase", "-q", "--no-edit")
    assert res.returncode == 0, res.stdout + res.stderr
    files = json.loads((hooked.jan / MANIFEST).read_text())["files"]
    assert sorted(files) == ["david.mp4", "david2.mp4", "jan.mp4"]
    # and the post-merge hook pulled what the merge brought in
    assert (hooked.staging(hooked.jan) / "david.mp4").exists()
    assert (hooked.staging(hooked.jan) / "david2.mp4").exists()


def test_same_file_changed_on_both_sides_is_a_visible_conflict(hooked: World) -> None:
    make_mp4(hooked.staging(hooked.david) / "raw.mp4", "v1")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    git(hooked.jan, "pull", "-q")
    make_mp4(hooked.staging(hooked.jan) / "raw.mp4", "jan-v2")
    vam(hooked.jan, "push", "b65")
    git(hooked.jan, "push", "-q")
    make_mp4(hooked.staging(hooked.david) / "raw.mp4", "david-v2")
    vam(hooked.david, "push", "b65", "--force")  # david overrides on S3; his manifest says so
    res = run_git(hooked.david, "pull", "--no-rebase", "-q", "--no-edit")
    assert res.returncode != 0
    data = json.loads((hooked.david / MANIFEST).read_text())  # still valid JSON
    assert set(data["conflicts"]["raw.mp4"]) == {"ours", "theirs"}
    status = json.loads(vam(hooked.david, "status", "b65", "--json").stdout)
    assert any("manifest merge conflict on raw.mp4" in p for p in status["projects"][0]["problems"])
    # S3 is the truth: a pull rebuilds the manifest, then the merge can be concluded
    vam(hooked.david, "pull", "b65")
    assert "conflicts" not in json.loads((hooked.david / MANIFEST).read_text())
    git(hooked.david, "add", MANIFEST)
    git(hooked.david, "commit", "-q", "--no-edit")
    assert (
        json.loads(vam(hooked.david, "manifest", "b65", "--check", "--json").stdout)["projects"][0]["differences"] == []
    )


# -- install -------------------------------------------------------------------------


def test_foreign_hooks_survive_install_and_uninstall(tmp_path: Path) -> None:
    root = tmp_path / "v-x"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    git(root, "config", "user.name", "x")
    git(root, "config", "user.email", "x@example.com")
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    marker = tmp_path / "foreign-ran"
    foreign = f"#!/bin/sh\necho ran >> '{marker}'\n"
    hook.write_text(foreign)
    hook.chmod(0o755)
    out = vam(root, "install").stdout
    assert "pre-commit.pre-vam" in out
    vam(root, "install")  # idempotent: the foreign hook is not wrapped twice
    assert (root / ".git" / "hooks" / "pre-commit.pre-vam").read_text() == foreign
    (root / "a.txt").write_text("a")
    git(root, "add", "a.txt")
    assert run_git(root, "commit", "-q", "-m", "a").returncode == 0
    assert marker.read_text() == "ran\n"
    make_mp4(root / "b.mp4")
    git(root, "add", "-f", "b.mp4")
    res = run_git(root, "commit", "-q", "-m", "b")
    assert res.returncode == 1 and "a video file" in res.stderr  # ours runs too
    assert marker.read_text() == "ran\nran\n"
    vam(root, "uninstall")
    assert hook.read_text() == foreign
    assert not (root / ".git" / "hooks" / "pre-push").exists()
    assert run_git(root, "commit", "-q", "-m", "b").returncode == 0  # only the foreign hook now


def test_core_hooks_path_is_respected(tmp_path: Path) -> None:
    root = tmp_path / "v-y"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    git(root, "config", "core.hooksPath", ".githooks")
    vam(root, "install")
    assert sorted(p.name for p in (root / ".githooks").iterdir()) == [
        "post-checkout", "post-merge", "post-rewrite", "pre-commit", "pre-push",
    ]  # fmt: skip
    assert not (root / ".git" / "hooks" / "pre-commit").exists()
    assert "merge=vam-manifest" in (root / ".gitattributes").read_text()


def test_installed_hooks_are_the_shims_in_the_source_tree(tmp_path: Path) -> None:
    # what `git vam install` writes is hooks/NAME as a reader sees it, the
    # interpreter filled in; and every hook it installs has its file there
    shims = Path(__file__).resolve().parents[1] / "hooks"
    root = tmp_path / "v-z"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    vam(root, "install")
    installed = sorted(p.name for p in (root / ".git" / "hooks").iterdir() if not p.name.endswith(".sample"))
    assert installed == sorted(p.name for p in shims.iterdir() if "." not in p.name)
    python = (root / ".git" / "hooks" / "pre-push").read_text().split('exec "')[-1].split('"')[0]
    assert Path(python).name.startswith("python")
    for name in installed:
        assert (root / ".git" / "hooks" / name).read_text() == (shims / name).read_text().replace("@PYTHON@", python)
        assert os.access(root / ".git" / "hooks" / name, os.X_OK)


def test_rebase_pulls_once_at_the_end_not_for_each_replayed_commit(hooked: World) -> None:
    make_mp4(hooked.staging(hooked.david) / "raw.mp4")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    for n in (1, 2):
        (hooked.jan / PROJECT / f"jan{n}.md").write_text("jan\n")
        git(hooked.jan, "add", ".")
        git(hooked.jan, "commit", "-q", "-m", f"jan's note {n}")
    git(hooked.jan, "fetch", "-q")
    res = run_git(hooked.jan, "rebase", "origin/main", env={"VAM_ENDPOINT": closed_port_url()})
    assert res.returncode == 0, res.stderr
    # no pull mid-rebase (post-checkout), one by post-rewrite at the end: S3 is down, so one warning
    assert res.stderr.count("could not pull staging files") == 1, res.stderr
    assert not (hooked.staging(hooked.jan) / "raw.mp4").exists()


def test_pull_rebase_over_a_local_commit_fetches_the_new_files(hooked: World) -> None:
    # DESIGN §5 post-rewrite: after `git pull --rebase` the file david pushed is simply there
    make_mp4(hooked.staging(hooked.david) / "raw.mp4", "david")
    vam(hooked.david, "push", "b65")
    git(hooked.david, "push", "-q")
    (hooked.jan / PROJECT / "jan.md").write_text("jan\n")
    git(hooked.jan, "add", ".")
    git(hooked.jan, "commit", "-q", "-m", "jan's note")
    res = run_git(hooked.jan, "pull", "--rebase", "-q")
    assert res.returncode == 0, res.stderr
    assert md5(hooked.staging(hooked.jan) / "raw.mp4") == md5(hooked.staging(hooked.david) / "raw.mp4")
    assert "pulled 1 file(s)" in res.stderr
    git(hooked.jan, "commit", "-q", "--amend", "-m", "jan's note, amended")  # an amend pulls nothing


def test_pre_push_under_the_pre_commit_framework_reads_refs_from_env(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    s3_client(world).delete_object(Bucket=world.bucket, Key=f"staging/v-demo/{PROJECT}/raw.mp4")
    head = git(world.david, "rev-parse", "HEAD").strip()
    base = git(world.david, "rev-parse", "origin/main").strip()
    env = {**os.environ, "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head, "PRE_COMMIT_REMOTE_NAME": "origin"}
    # stdin left open, as a framework may leave it: the hook must not wait on it
    proc = subprocess.Popen(["git-vam", "hook", "pre-push"], cwd=world.david, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    assert "was missing on S3; uploaded it" in proc.stderr.read()


def test_any_command_in_a_clone_without_current_hooks_says_so_in_one_line(world: World) -> None:
    # DESIGN §5: a fresh clone (no `git vam install`) is told once per command, with the fix
    res = vam(world.jan, "status", "b65")
    assert res.stderr.count("hooks missing in this clone") == 1
    assert "run `git vam install`" in res.stderr
    vam(world.jan, "install")
    assert "hooks" not in vam(world.jan, "status", "b65").stderr
    # an older git-vam installed four: the fifth is reported by name
    (world.jan / ".git" / "hooks" / "post-rewrite").unlink()
    assert "hooks missing in this clone (post-rewrite)" in vam(world.jan, "status", "b65").stderr
    vam(world.jan, "install")
    shim = world.jan / ".git" / "hooks" / "post-merge"
    shim.write_text(shim.read_text() + "# edited\n")
    assert "hooks out of date in this clone (post-merge)" in vam(world.jan, "status", "b65").stderr
