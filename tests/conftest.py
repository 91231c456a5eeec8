"""Real worlds for the tests: a SeaweedFS S3 server on loopback, a bare origin
with two clones (david, jan), real git, real MP4 files made by ffmpeg."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from git_vam.testing import media
from git_vam.testing.seaweed import SeaweedServer, make_bucket

BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def s3server(tmp_path_factory: pytest.TempPathFactory):
    server = SeaweedServer(tmp_path_factory.mktemp("seaweed")).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user or system git config, no ~/.aws, a fixed git identity (pre-commit's conftest style)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TEMPLATE_DIR", "")
    for name in list(os.environ):
        if name.startswith(("AWS_", "VAM_", "S3_", "GIT_AUTHOR", "GIT_COMMITTER")) or name in (
            "GIT_DIR",
            "GIT_WORK_TREE",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return home


@pytest.fixture
def bucket(s3server: SeaweedServer) -> str:
    name = f"t-{uuid.uuid4().hex[:12]}"
    make_bucket(s3server.endpoint, name)
    return name


@pytest.fixture
def aws_env(s3server: SeaweedServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = s3server.env()
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return out.stdout


def vam(
    cwd: Path, *args: str, code: int | None = 0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `git vam ARGS` in ``cwd`` as a user would (through git's dispatch)."""
    run_env = None if env is None else {**os.environ, **env}
    proc = subprocess.run(["git", "vam", *args], cwd=cwd, capture_output=True, text=True, env=run_env, timeout=600)
    if code is not None and proc.returncode != code:
        raise AssertionError(
            f"git vam {' '.join(args)} exited {proc.returncode}, expected {code}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


_MP4_CACHE: dict[str, bytes] = {}


def make_mp4(path: Path, tag: str = "a", seconds: float = 1.0) -> Path:
    """A real MP4 (H.264 test pattern) whose bytes differ by ``tag``; made once per tag."""
    key = f"{tag}-{seconds}"
    if key not in _MP4_CACHE:
        tmp = path.with_name(f".{uuid.uuid4().hex}.mp4")
        _MP4_CACHE[key] = media.make_mp4(tmp, tag, seconds=seconds).read_bytes()
        tmp.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_MP4_CACHE[key])
    return path


def md5(path: Path) -> str:
    import hashlib

    return hashlib.md5(path.read_bytes()).hexdigest()


@dataclass
class World:
    """A bare origin and two clones of brand repository ``v-demo``."""

    origin: Path
    david: Path
    jan: Path
    bucket: str
    endpoint: str

    def staging(self, clone: Path, project: str = "b65-guy-monroe-marketing-plan") -> Path:
        return clone / project / "s3-staging"


PROJECT = "b65-guy-monroe-marketing-plan"


def new_clone(origin: Path, where: Path, user: str) -> Path:
    where.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(where)], check=True, capture_output=True)
    git(where, "config", "user.name", user)
    git(where, "config", "user.email", f"{user}@example.com")
    return where


@pytest.fixture
def world(tmp_path: Path, bucket: str, aws_env: dict[str, str], s3server: SeaweedServer) -> World:
    origin = tmp_path / "origin" / "v-demo.git"
    origin.parent.mkdir()
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    david = new_clone(origin, tmp_path / "david" / "v-demo", "david")
    git(david, "checkout", "-q", "-b", "main")
    vam(david, "init", "--bucket", bucket, "--endpoint", s3server.endpoint)
    (david / PROJECT).mkdir()
    (david / PROJECT / "notes.md").write_text("# Guy Monroe marketing plan\n")
    (david / PROJECT / "s3-staging").mkdir()
    git(david, "add", ".")
    git(david, "commit", "-q", "-m", "init brand repo")
    git(david, "push", "-q", "-u", "origin", "main")
    jan = new_clone(origin, tmp_path / "jan" / "v-demo", "jan")
    return World(origin, david, jan, bucket, s3server.endpoint)


def s3_client(world_or_endpoint: World | str):
    import boto3

    from git_vam.testing.seaweed import ACCESS_KEY, SECRET_KEY

    endpoint = world_or_endpoint.endpoint if isinstance(world_or_endpoint, World) else world_or_endpoint
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )


@pytest.fixture
def shared(world: World) -> World:
    """raw.mp4 pushed by david and pulled by jan: both sides agree (base = v1)."""
    make_mp4(world.staging(world.david) / "raw.mp4", "v1")
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    vam(world.jan, "pull", "b65")
    return world
