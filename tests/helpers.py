"""Helpers for the tests (fixtures are in conftest.py): running `git vam` as a
user would, real MP4s, the two-clone world's type, an S3 client for checks."""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from git_vam.testing import media
from git_vam.testing.world import git, md5, new_clone

__all__ = ["PROJECT", "World", "big_file", "git", "make_mp4", "md5", "new_clone", "s3_client", "vam"]

MiB = 1024 * 1024


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


def conflict_at_jan(world: World) -> None:
    """``raw.mp4`` pushed by david and pulled by jan, then changed by both; david
    pushes first, so jan's pull exits 1 and saves S3's version beside jan's as
    ``raw.conflict-david-….mp4``. Files already in david's staging go up too."""
    d, j = world.david, world.jan
    make_mp4(world.staging(d) / "raw.mp4", "v1")
    vam(d, "push", "b65")
    vam(j, "pull", "b65")
    make_mp4(world.staging(j) / "raw.mp4", "jan's cut")
    make_mp4(world.staging(d) / "raw.mp4", "david's cut")
    vam(d, "push", "b65")
    vam(j, "pull", "b65", code=1)


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


def big_file(path: Path, size: int, seed: int = 1) -> Path:
    """``size`` bytes, each MiB different, written fast."""
    path.parent.mkdir(parents=True, exist_ok=True)
    block = hashlib.sha256(str(seed).encode()).digest() * (MiB // 32)
    with open(path, "wb") as fh:
        for i in range(size // MiB):
            fh.write(i.to_bytes(8, "big") + block[8:])
        fh.write(block[: size % MiB])
    return path
