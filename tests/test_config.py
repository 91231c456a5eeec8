"""Configuration layers (DESIGN §2) and project resolution, on real git repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import git, vam

from git_vam import config
from git_vam.context import Context
from git_vam.errors import ConfigError, UsageError
from git_vam.projects import resolve_projects
from git_vam.state import State


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "v-appydave"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    git(root, "config", "user.name", "David Cruwys")
    return root


def settings(root: Path, **flags: str) -> config.Settings:
    s = config.load(root, flags, environ={})
    return config.finish(s, root.name, "David Cruwys")


def test_defaults(repo: Path) -> None:
    s = settings(repo)
    assert s.staging_prefix == "staging/"
    assert s.max_file_size == 50 * 1024**2
    assert s.video_extensions == ("avi", "m4v", "mkv", "mov", "mp4", "mxf", "webm")
    assert s.brand == "v-appydave" and s.origins["brand"] == "repository folder name"
    assert s.user == "David Cruwys" and s.origins["user"] == "git user.name"
    with pytest.raises(ConfigError, match="No S3 bucket"):
        _ = Context(root=repo, settings=s, state=State(repo / ".git"), cwd=repo).bucket


def test_layers_later_wins(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "config", "-f", ".vamconfig", "vam.bucket", "from-vamconfig")
    git(repo, "config", "-f", ".vamconfig", "vam.lifecycleDays", "3")
    git(repo, "config", "-f", ".vamconfig", "vam.region", "eu-west-1")
    (repo / ".video-tools.env").write_text(
        "S3_BUCKET=from-envfile\nS3_SYNC_USER=davidc\nAWS_SECRET_ACCESS_KEY=s3cr3t\nAWS_ACCESS_KEY_ID=AKIAEXAMPLE1234\n"
    )
    s = settings(repo)
    assert (s.bucket, s.origins["bucket"]) == ("from-envfile", ".video-tools.env (S3_BUCKET)")
    assert s.user == "davidc"
    assert s.lifecycle_days == 3 and s.origins["lifecycleDays"] == ".vamconfig"
    assert s.env_file_credentials["AWS_SECRET_ACCESS_KEY"] == "s3cr3t"

    git(repo, "config", "vam.bucket", "from-git-config")
    assert settings(repo).bucket == "from-git-config"
    assert settings(repo).origins["bucket"] == "git config (local)"

    s = config.finish(
        config.load(repo, {}, environ={"VAM_BUCKET": "from-env", "AWS_REGION": "ap-southeast-1"}), "x", None
    )
    assert (s.bucket, s.region) == ("from-env", "ap-southeast-1")
    assert settings(repo, bucket="from-flag").bucket == "from-flag"


def test_global_git_config_loses_to_repository(repo: Path, isolated_env: Path) -> None:
    subprocess.run(["git", "config", "--global", "vam.bucket", "global-bucket"], check=True)
    assert settings(repo).bucket == "global-bucket"
    git(repo, "config", "vam.bucket", "repo-bucket")
    assert settings(repo).bucket == "repo-bucket"


def test_staging_prefix_with_trailing_brand_from_old_tools(repo: Path) -> None:
    (repo / ".video-tools.env").write_text("S3_STAGING_PREFIX=staging/v-appydave/\n")
    assert settings(repo).staging_prefix == "staging/"


@pytest.mark.parametrize(
    "text,expected",
    [("50MB", 50 * 1024**2), ("5GB", 5 * 1024**3), ("512KiB", 512 * 1024), ("1048576", 1048576), ("1.5G", 1610612736)],
)
def test_sizes(text: str, expected: int) -> None:
    assert config.parse_size(text) == expected


def test_bad_values_name_their_origin(repo: Path) -> None:
    git(repo, "config", "vam.maxFileSize", "lots")
    with pytest.raises(ConfigError, match=r"vam.maxFileSize from git config \(local\): not a size"):
        settings(repo)


def test_bad_team_value_falls_back_to_the_default_with_a_warning(repo: Path) -> None:
    # DESIGN §6: one invalid tracked value must not block every collaborator
    git(repo, "config", "-f", ".vamconfig", "vam.maxFileSize", "lots")
    git(repo, "config", "-f", ".vamconfig", "vam.jobs", "9")  # personal: never from .vamconfig
    s = settings(repo)
    assert s.max_file_size == 50 * 1024**2 and s.origins["maxFileSize"] == "default"
    assert s.jobs == 4
    assert any("vam.maxFileSize in .vamconfig: not a size" in w for w in s.warnings)
    assert any("vam.jobs in .vamconfig is ignored" in w for w in s.warnings)


def test_malformed_vamconfig_is_a_clear_error(repo: Path) -> None:
    (repo / ".vamconfig").write_text("[vam\n bucket = x\n")
    with pytest.raises(ConfigError, match="not valid git-config syntax"):
        settings(repo)
    out = vam(repo, "config", code=2)
    assert "Traceback" not in out.stderr and ".vamconfig" in out.stderr


def test_config_command_redacts_secrets(repo: Path) -> None:
    secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
    (repo / ".video-tools.env").write_text(
        f"S3_BUCKET=b\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY={secret}\n"
    )
    out = vam(repo, "config")
    assert secret not in out.stdout + out.stderr
    assert "AKIAIOSFODNN7EXAMPLE" not in out.stdout
    rows = {r["key"]: r for r in json.loads(vam(repo, "config", "--json").stdout)}
    assert rows["vam.bucket"]["origin"] == ".video-tools.env (S3_BUCKET)"
    assert rows["credentials"]["origin"] == ".video-tools.env (AWS_ACCESS_KEY_ID)"
    assert secret not in json.dumps(rows)


def make_projects(root: Path, *names: str) -> None:
    for n in names:
        (root / n).mkdir()


def test_project_by_name_prefix_cwd_and_all(repo: Path) -> None:
    make_projects(repo, "b65-guy-monroe", "b66-other", "boy-baker", ".hidden")
    (repo / "b65-guy-monroe" / "s3-staging").mkdir()
    (repo / "boy-baker" / "s3-staging.manifest.json").write_text("{}")
    names = lambda ps: [p.name for p in ps]  # noqa: E731
    assert names(resolve_projects(repo, ("b65",), False, repo)) == ["b65-guy-monroe"]
    assert names(resolve_projects(repo, ("boy-baker",), False, repo)) == ["boy-baker"]
    assert names(resolve_projects(repo, (), False, repo / "b66-other")) == ["b66-other"]
    assert names(resolve_projects(repo, (), True, repo)) == ["b65-guy-monroe", "boy-baker"]
    with pytest.raises(UsageError, match="matches several projects: b65-guy-monroe, b66-other"):
        resolve_projects(repo, ("b6",), False, repo)
    with pytest.raises(UsageError, match="No project matches 'zzz'") as info:
        resolve_projects(repo, ("zzz",), False, repo)
    assert "boy-baker" in info.value.remedy
    with pytest.raises(UsageError, match="not inside one"):
        resolve_projects(repo, (), False, repo)


def test_unknown_and_ambiguous_project_exit_2(repo: Path) -> None:
    make_projects(repo, "b65-a", "b66-b")
    git(repo, "config", "-f", ".vamconfig", "vam.bucket", "x")
    out = vam(repo, "push", "b6", code=2)
    assert "b65-a, b66-b" in out.stderr and "Traceback" not in out.stderr
    out = vam(repo, "status", "nope", code=2)
    assert "No project matches 'nope'" in out.stderr


def test_outside_a_repository(tmp_path: Path) -> None:
    out = vam(tmp_path, "status", code=2)
    assert "Not inside a git repository" in out.stderr


def test_init_is_idempotent_and_keeps_user_gitignore(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.log\n")
    vam(repo, "init", "--bucket", "video-projects", "--endpoint", "http://127.0.0.1:9")
    first = ((repo / ".gitignore").read_text(), (repo / ".vamconfig").read_text())
    out = vam(repo, "init")
    assert "unchanged" in out.stdout and "up to date" in out.stdout
    assert ((repo / ".gitignore").read_text(), (repo / ".vamconfig").read_text()) == first
    text = first[0]
    assert text.startswith("*.log\n") and "s3-staging/" in text and ".video-tools.env" in text
    assert "*.[mM][pP]4" in text
    assert "brand = v-appydave" in first[1] and "bucket = video-projects" in first[1]
    # what the block ignores, judged by git itself
    (repo / "p" / "final").mkdir(parents=True)
    for f in ("p/final/cut.MP4", "p/s3-staging/raw.mov", ".video-tools.env", "p/notes.md"):
        (repo / f).parent.mkdir(parents=True, exist_ok=True)
        (repo / f).write_text("x")
    ignored = subprocess.run(
        ["git", "check-ignore", "p/final/cut.MP4", "p/s3-staging/raw.mov", ".video-tools.env", "p/notes.md"],
        cwd=repo,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert ignored == ["p/final/cut.MP4", "p/s3-staging/raw.mov", ".video-tools.env"]


def test_key_table_is_the_settings_fields_and_names_every_design_key() -> None:
    # DESIGN §2 names each vam.* key once; Settings carries each as a typed attribute
    names = {key.name for key in config.KEYS}
    assert names == {
        "accelerate", "archiveGlacierDays", "archivePrefix", "autoCommit", "autoPull", "autoPullMaxSize",
        "brand", "bucket", "endpoint", "jobs", "kmsKeyId", "lifecycleDays", "maxBandwidth", "maxFileSize",
        "multipartThreshold", "notify", "prices", "region", "sse", "stagingPrefix", "user", "videoExtensions",
        "ssdBase", "ssdAfter", "archiveAfter", "ssdRetentionDays", "budget", "archiveBucket",  # DESIGN §8
        "trashDays", "desktopNotify",  # DESIGN §10
    }  # fmt: skip
    assert config.KEY_BY_LOWER["maxfilesize"].attr == "max_file_size"
    assert config.KEY_BY_LOWER["maxfilesize"].env_var == "VAM_MAX_FILE_SIZE"
    assert set(config.PERSONAL) <= names and set(config.DESTINATION) <= names


def test_settings_are_frozen(repo: Path) -> None:
    s = settings(repo)
    with pytest.raises(AttributeError):
        s.bucket = "elsewhere"  # type: ignore[misc]


def test_tier_keys_read_the_roadmaps_env_names_and_ssd_base_is_personal(tmp_path: Path) -> None:
    # DESIGN §8: SSD_BASE, S3_RETENTION_DAYS (days), SSD_RETENTION_DAYS; a .vamconfig
    # cannot choose the folder git-vam writes to on this machine
    repo = tmp_path / "v-brand"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    env = "SSD_BASE=/Volumes/T7 Shuttle/Vidéos\nS3_RETENTION_DAYS=200\nSSD_RETENTION_DAYS=30\n"
    (repo / ".video-tools.env").write_text(env)
    s = config.load(repo, environ={})
    assert (s.ssd_base, s.archive_after, s.ssd_retention_days) == ("/Volumes/T7 Shuttle/Vidéos", 200 * 86400, 30)
    assert s.ssd_after == 90 * 86400 and s.budget == 0
    (repo / ".video-tools.env").unlink()
    subprocess.run(["git", "config", "-f", str(repo / ".vamconfig"), "vam.ssdBase", "/tmp/evil"], check=True)
    subprocess.run(["git", "config", "-f", str(repo / ".vamconfig"), "vam.ssdAfter", "6mo"], check=True)
    s = config.load(repo, environ={})
    assert s.ssd_base is None and s.ssd_after == 180 * 86400
    assert any("vam.ssdBase in .vamconfig is ignored" in w for w in s.warnings)
    with pytest.raises(config.ConfigError, match="vam.ssdBase"):
        config.load(repo, environ={"VAM_SSD_BASE": "relative/path"})
