"""Real worlds for the tests: a SeaweedFS S3 server on loopback, a bare origin
with two clones (david, jan), real git, real MP4 files made by ffmpeg.

A test marked ``@pytest.mark.both_servers`` runs twice: against SeaweedFS and
against moto's server (AWS's behaviour; DESIGN §9). Each server starts once per
xdist worker, and moto only in a worker that runs such a test."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from helpers import PROJECT, World, git, make_mp4, new_clone, vam

from git_vam.testing.moto import MotoServer
from git_vam.testing.seaweed import SeaweedServer, make_bucket

BIN = Path(sys.executable).parent


SERVERS = ("seaweedfs", "moto")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_servers: run against SeaweedFS and against moto's server")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_servers") and "s3server" in metafunc.fixturenames:
        metafunc.parametrize("s3server", SERVERS, indirect=True)


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory):
    server = SeaweedServer(tmp_path_factory.mktemp("seaweed")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def s3server(request: pytest.FixtureRequest) -> SeaweedServer | MotoServer:
    """SeaweedFS, or moto's server where the test is parametrized over both."""
    kind = getattr(request, "param", "seaweedfs")
    return request.getfixturevalue("moto_server" if kind == "moto" else "seaweed")


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
def bucket(s3server: SeaweedServer | MotoServer) -> str:
    name = f"t-{uuid.uuid4().hex[:12]}"
    make_bucket(s3server.endpoint, name)
    return name


@pytest.fixture
def aws_env(s3server: SeaweedServer | MotoServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = s3server.env()
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def world(tmp_path: Path, bucket: str, aws_env: dict[str, str], s3server: SeaweedServer | MotoServer) -> World:
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


@pytest.fixture
def shared(world: World) -> World:
    """raw.mp4 pushed by david and pulled by jan: both sides agree (base = v1)."""
    make_mp4(world.staging(world.david) / "raw.mp4", "v1")
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    vam(world.jan, "pull", "b65")
    return world
