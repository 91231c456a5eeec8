"""The pre-commit guard through real `git commit`, the .gitignore judge, and the
pre-commit framework running our hook from this repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import git, make_mp4, vam

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def brand(tmp_path: Path) -> Path:
    root = tmp_path / "v-check"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    git(root, "config", "user.name", "david")
    git(root, "config", "user.email", "david@example.com")
    vam(root, "init", "--bucket", "unused")
    (root / "b65-x").mkdir()
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    return root


def commit(root: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", "-m", "try", *extra], cwd=root, capture_output=True, text=True,
        env=None if env is None else {**os.environ, **env},
    )  # fmt: skip


def test_every_offender_blocked_with_reason_and_remedy(brand: Path) -> None:
    git(brand, "config", "vam.maxFileSize", "1MB")
    make_mp4(brand / "b65-x" / "clip.mp4")
    (brand / "b65-x" / "RAW.MOV").write_bytes(b"\0" * 2000)
    (brand / "b65-x" / "big.wav").write_bytes(os.urandom(2 * 1024 * 1024))
    make_mp4(brand / "b65-x" / "s3-staging" / "raw.mp4")
    (brand / "b65-x" / "s3-staging" / "notes.txt").write_text("x")
    (brand / ".video-tools.env").write_text("AWS_SECRET_ACCESS_KEY=x\n")
    (brand / "b65-x" / "subs.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    git(brand, "add", "-f", ".")
    head = git(brand, "rev-parse", "HEAD")
    res = commit(brand)
    assert res.returncode == 1
    out = res.stderr  # git shows a hook's stdout on stderr
    assert "b65-x/clip.mp4" in out and "a video file" in out and "git vam push b65-x" in out
    assert "b65-x/RAW.MOV" in out
    assert "b65-x/big.wav" in out and "larger than vam.maxFileSize (1 MiB)" in out
    assert "b65-x/s3-staging/raw.mp4" in out and "b65-x/s3-staging/notes.txt" in out
    assert ".video-tools.env" in out and "git rm --cached .video-tools.env" in out
    assert "subs.srt" not in out
    assert out.count("fix:") == 6
    assert git(brand, "rev-parse", "HEAD") == head
    # the light file alone commits
    git(brand, "reset", "-q")
    git(brand, "add", "b65-x/subs.srt")
    assert commit(brand).returncode == 0


def test_the_staged_blob_is_judged_not_the_working_tree_file(brand: Path) -> None:
    # sizes come from lstat only where the working tree still matches the index
    git(brand, "config", "vam.maxFileSize", "1MB")
    big = brand / "b65-x" / "big.wav"
    big.write_bytes(os.urandom(2 * 1024 * 1024))
    small = brand / "b65-x" / "small.wav"
    small.write_bytes(b"small")
    git(brand, "add", ".")
    big.write_bytes(b"now small, but the staged blob is 2 MiB")
    small.write_bytes(os.urandom(2 * 1024 * 1024))
    res = commit(brand)
    assert res.returncode == 1
    assert "b65-x/big.wav (2.0 MiB)" in res.stderr
    assert "small.wav" not in res.stderr
    big.unlink()  # gone from the working tree, still staged
    res = commit(brand)
    assert res.returncode == 1 and "b65-x/big.wav (2.0 MiB)" in res.stderr
    git(brand, "rm", "-q", "--cached", "b65-x/big.wav")
    assert commit(brand).returncode == 0  # the staged small.wav is 5 bytes


def test_lfs_pointer_with_video_name_is_allowed(brand: Path) -> None:
    (brand / "b65-x" / "lfs.mp4").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 123456789\n"
    )
    git(brand, "add", "-f", "b65-x/lfs.mp4")
    assert commit(brand).returncode == 0


def test_skip_hooks_env(brand: Path) -> None:
    make_mp4(brand / "b65-x" / "clip.mp4")
    git(brand, "add", "-f", "b65-x/clip.mp4")
    assert commit(brand, env={"VAM_SKIP_HOOKS": "1"}).returncode == 0


def test_check_with_file_names_as_the_framework_passes_them(brand: Path) -> None:
    make_mp4(brand / "b65-x" / "clip.mp4")
    (brand / "b65-x" / "notes.md").write_text("hi")
    git(brand, "add", "-f", ".")
    assert vam(brand, "check", "b65-x/notes.md").returncode == 0
    out = vam(brand, "check", "b65-x/notes.md", "b65-x/clip.mp4", code=1)
    assert "b65-x/clip.mp4" in out.stdout
    # from a sub-folder, names are relative to it
    out = vam(brand / "b65-x", "check", "clip.mp4", code=1)
    assert "b65-x/clip.mp4" in out.stdout


def test_gitignore_judge_catches_negations_and_fix_restores(brand: Path) -> None:
    assert "are ignored" in vam(brand, "check", "--gitignore").stdout
    gi = brand / ".gitignore"
    gi.write_text(gi.read_text() + "# keep finals in git\n!final/*.mp4\n!*.MOV\n")
    out = vam(brand, "check", "--gitignore", code=1)
    assert "final/cut.mp4" in out.stdout and "b65-project/clip.MOV" not in out.stdout
    assert "b65-project/final/cut.MOV" in out.stdout
    vam(brand, "check", "--gitignore", "--fix")
    vam(brand, "check", "--gitignore")
    text = gi.read_text()
    assert "!final/*.mp4" in text  # the user's lines stay; the block now comes after them
    assert text.index("!final/*.mp4") < text.index("git-vam managed block")
    assert text.count("git-vam managed block (") == 1


def test_missing_gitignore_block(brand: Path) -> None:
    (brand / ".gitignore").write_text("*.log\n")
    out = vam(brand, "check", "--gitignore", code=1)
    assert "s3-staging" in out.stdout and ".video-tools.env" in out.stdout


def test_check_path_does_not_import_boto3_or_rich(brand: Path) -> None:
    code = (
        "import sys; from git_vam.cli import main; rc = main(['check']); "
        "print('HEAVY', sorted(m for m in ('boto3', 'botocore', 'rich.progress', 'rich.table') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=brand, capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_readme_documents_every_hook_id() -> None:
    ids = [h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    readme = (REPO / "README.md").read_text()
    assert ids == ["vam-check", "vam-gitignore", "vam-pre-push", "vam-auto-pull"]
    for hook_id in ids:
        assert f"`{hook_id}`" in readme, hook_id


def test_pre_commit_framework_try_repo(tmp_path: Path) -> None:
    """The real pre-commit framework installs this repository and runs vam-check."""
    scratch = tmp_path / "scratch"
    subprocess.run(["git", "init", "-q", str(scratch)], check=True)
    git(scratch, "config", "user.name", "x")
    git(scratch, "config", "user.email", "x@example.com")
    (scratch / "notes.txt").write_text("hello\n")
    git(scratch, "add", "notes.txt")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "vam-check"]
    ok = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True, env=env, timeout=600)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    make_mp4(scratch / "clip.mp4")
    git(scratch, "add", "clip.mp4")
    bad = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True, env=env, timeout=600)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "clip.mp4" in bad.stdout and "a video file" in bad.stdout


def test_json_reports(brand: Path) -> None:
    import json

    make_mp4(brand / "b65-x" / "clip.mp4")
    git(brand, "add", "-f", "b65-x/clip.mp4")
    report = json.loads(vam(brand, "check", "--json", code=1).stdout)
    assert report["ok"] is False and report["blocked"][0]["path"] == "b65-x/clip.mp4"
    assert json.loads(vam(brand, "check", "--gitignore", "--json").stdout) == {
        "fixed": 0,
        "not_ignored": [],
        "ok": True,
        "tracked": [],
    }
    assert "up to date" in json.loads(vam(brand, "install", "--json").stdout)["actions"][0]
    assert json.loads(vam(brand, "init", "--json").stdout)["bucket_set"] is True


def test_following_the_remedy_word_for_word_unblocks_the_commit(brand: Path) -> None:
    import re
    import shlex

    make_mp4(brand / "b65-x" / "clip.mp4")
    (brand / "b65-x" / "notes.md").write_text("notes\n")
    git(brand, "add", "-f", "b65-x/clip.mp4", "b65-x/notes.md")
    blocked = commit(brand)
    assert blocked.returncode == 1
    remedy = re.search(
        r"fix: unstage it \((git rm --cached [^)]+)\), move it to (\S+)/ and run", blocked.stdout + blocked.stderr
    )
    assert remedy, blocked.stdout + blocked.stderr
    git(brand, *shlex.split(remedy.group(1))[1:])
    (brand / remedy.group(2)).mkdir(parents=True, exist_ok=True)
    (brand / "b65-x" / "clip.mp4").rename(brand / remedy.group(2) / "clip.mp4")
    assert commit(brand).returncode == 0
    assert git(brand, "ls-files").split() == [".gitattributes", ".gitignore", ".vamconfig", "b65-x/notes.md"]
