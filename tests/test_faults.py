"""Faults injected on the wire and at the server: transfers resume, nothing
partial or corrupt ever reaches a final path or key, nothing is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from faults import FaultProxy
from helpers import PROJECT, World, big_file, git, md5, s3_client, vam

MiB = 1024**2
PART = 16 * MiB
KEY = f"staging/v-demo/{PROJECT}/raw.mov"


@pytest.fixture
def proxy(s3server):
    p = FaultProxy(int(s3server.endpoint.rsplit(":", 1)[1]))
    yield p
    p.stop()


def published_to_jan(world: World, size: int, seed: int) -> Path:
    """david's raw.mov of ``size`` bytes, pushed, its manifest pulled by jan (not the file)."""
    src = big_file(world.staging(world.david) / "raw.mov", size, seed=seed)
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    return src


def through(proxy: FaultProxy) -> dict[str, str]:
    return {"VAM_ENDPOINT": proxy.url}


def head(world: World, key: str = KEY):
    s3 = s3_client(world)
    try:
        return s3.head_object(Bucket=world.bucket, Key=key)
    except s3.exceptions.ClientError:
        return None


def test_dropped_upload_resumes_resending_at_most_two_parts(world: World, proxy: FaultProxy) -> None:
    size = 200 * MiB + 1234
    src = big_file(world.staging(world.david) / "raw.mov", size)
    proxy.cut_up_after(90 * MiB)
    out = vam(world.david, "push", "b65", "--jobs", "2", code=1, env=through(proxy))
    assert "raw.mov" in out.stdout + out.stderr
    assert head(world) is None  # no partial object at the final key
    first = proxy.up
    proxy.heal()
    vam(world.david, "push", "b65", "--jobs", "2", env=through(proxy))
    total = proxy.up
    assert head(world)["Metadata"]["md5"] == md5(src)
    resent = total - size
    assert resent <= 2 * PART + MiB, f"re-sent {resent / MiB:.1f} MiB (first run {first / MiB:.1f} MiB)"


def test_ctrl_c_mid_upload_then_rerun(world: World, proxy: FaultProxy) -> None:
    size = 160 * MiB
    src = big_file(world.staging(world.david) / "raw.mov", size, seed=3)
    # SIGINT back to its default in the child: a test run started in the background
    # of a shell without job control inherits it ignored, and so would git and git-vam
    proc = subprocess.Popen(
        ["git", "vam", "push", "b65", "--jobs", "2"], cwd=world.david, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, **through(proxy)}, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while proxy.up < 60 * MiB and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group: git and git-vam
    _, err = proc.communicate(timeout=120)
    # git-vam exits 130; git, killed by the same SIGINT, re-raises it
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "Interrupted. Run the same command again" in err and "Traceback" not in err
    assert head(world) is None
    rows = json.loads(vam(world.david, "status", "b65", "--offline", "--json").stdout)["projects"][0]["files"]
    assert [(f["path"], f["state"]) for f in rows] == [("raw.mov", "partial upload")]  # status knows it resumes
    vam(world.david, "push", "b65", "--jobs", "2", env=through(proxy))
    assert head(world)["Metadata"]["md5"] == md5(src)
    assert proxy.up - size <= 2 * PART + MiB


def ctrl_c_when(args: list[str], cwd: Path, proxy: FaultProxy, moved: Callable[[], int], after: int) -> int:
    """Run git-vam ``args`` at 4 MB/s through ``proxy``, press Ctrl-C once ``moved()``
    reaches ``after`` bytes, check it exits 130; returns the bytes moved after the keypress."""
    env = {**os.environ, **through(proxy), "VAM_MAX_BANDWIDTH": "4MB/s"}  # two streams, 2 MB/s each
    proc = subprocess.Popen(
        ["git-vam", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while moved() < after and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    at_interrupt = moved()
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    return moved() - at_interrupt


def test_ctrl_c_stops_the_parts_in_flight_at_once_on_a_slow_link(world: World, proxy: FaultProxy) -> None:
    # on a slow uplink the parts in flight must not run to their end after Ctrl-C
    src = big_file(world.staging(world.david) / "raw.mov", 4 * PART, seed=11)
    sent = ctrl_c_when(["push", "b65", "--jobs", "2"], world.david, proxy, lambda: proxy.up, 6 * MiB)
    # finishing the two running 16 MiB parts would send ~26 MiB more; stopping sends a chunk or so
    assert sent < 6 * MiB, f"{sent / MiB:.1f} MiB sent after Ctrl-C"
    vam(world.david, "push", "b65", env=through(proxy))  # and the push resumes
    assert head(world)["Metadata"]["md5"] == md5(src)


def test_ctrl_c_keeps_the_base_records_of_the_files_that_finished(world: World, proxy: FaultProxy) -> None:
    # every project's files run in one batch now; Ctrl-C during the big file must not
    # forget that the small one already went up
    (world.staging(world.david) / "notes.txt").write_bytes(b"done before the keypress")
    big_file(world.staging(world.david) / "raw.mov", 4 * PART, seed=13)
    ctrl_c_when(["push", "b65", "--jobs", "2"], world.david, proxy, lambda: proxy.up, 6 * MiB)
    base = json.loads(next((world.david / ".git" / "vam" / "base").glob("b65*.json")).read_text())
    assert "notes.txt" in json.dumps(base) and "raw.mov" not in json.dumps(base)


def test_ctrl_c_stops_the_ranges_in_flight_of_a_slow_download(world: World, proxy: FaultProxy) -> None:
    src = published_to_jan(world, 10 * PART, seed=12)  # three 64 MiB ranges, two at a time
    read = ctrl_c_when(["pull", "b65", "--jobs", "2"], world.jan, proxy, lambda: proxy.down, 6 * MiB)
    assert not (world.staging(world.jan) / "raw.mov").exists()  # never a partial file at the final path
    # the two 64 MiB ranges would have run to the end of the file; stopping reads a chunk or so more
    assert read < 12 * MiB, f"{read / MiB:.1f} MiB read after Ctrl-C"
    vam(world.jan, "pull", "b65", env=through(proxy))  # and the pull resumes
    assert md5(world.staging(world.jan) / "raw.mov") == md5(src)


def test_dropped_download_resumes_from_the_partial_file(world: World, proxy: FaultProxy) -> None:
    size = 48 * MiB
    src = published_to_jan(world, size, seed=5)
    proxy.cut_down_after(20 * MiB)
    vam(world.jan, "pull", "b65", code=1, env=through(proxy))
    final = world.staging(world.jan) / "raw.mov"
    assert not final.exists()  # never a partial file at the final path
    parts = list((world.jan / ".git" / "vam" / "tmp").glob("*.part"))
    assert len(parts) == 1 and 0 < parts[0].stat().st_size < size
    partial = parts[0].stat().st_size
    rows = json.loads(vam(world.jan, "status", "b65", "--json").stdout)["projects"][0]["files"]
    assert [(f["path"], f["state"]) for f in rows] == [("raw.mov", "partial download")]
    proxy.heal()
    before = proxy.down
    vam(world.jan, "pull", "b65", env=through(proxy))
    assert md5(final) == md5(src)
    assert proxy.down - before <= size - partial + MiB  # resumed, not restarted


def test_dropped_parallel_download_resumes_every_range(world: World, proxy: FaultProxy) -> None:
    # above vam.multipartThreshold: fetched as 32 MiB ranges, vam.jobs at a time
    size = 100 * MiB + 4321
    src = published_to_jan(world, size, seed=15)
    proxy.cut_down_after(50 * MiB)
    vam(world.jan, "pull", "b65", code=1, env=through(proxy))
    assert not (world.staging(world.jan) / "raw.mov").exists()
    (ledger,) = (world.jan / ".git" / "vam" / "tmp").glob("*.part.json")
    kept = sum(json.loads(ledger.read_text())["have"])
    assert 0 < kept < size
    proxy.heal()
    before = proxy.down
    vam(world.jan, "pull", "b65", env=through(proxy))
    assert md5(world.staging(world.jan) / "raw.mov") == md5(src)
    assert proxy.down - before <= size - kept + MiB  # every range went on from where it stopped
    assert not list((world.jan / ".git" / "vam" / "tmp").iterdir())


def test_stalled_download_completes_intact(world: World, proxy: FaultProxy) -> None:
    src = published_to_jan(world, 8 * MiB, seed=6)
    proxy.stall_down_after(3 * MiB, seconds=3)
    vam(world.jan, "pull", "b65", env=through(proxy))
    assert proxy.stalls == 1
    assert md5(world.staging(world.jan) / "raw.mov") == md5(src)


def test_flipped_byte_is_rejected_and_fetched_again(world: World, proxy: FaultProxy) -> None:
    src = published_to_jan(world, 6 * MiB, seed=7)
    proxy.flip_down_after(2 * MiB)
    vam(world.jan, "pull", "b65", env=through(proxy))
    assert proxy.flips == 1
    assert md5(world.staging(world.jan) / "raw.mov") == md5(src)


def test_flipped_byte_in_a_parallel_download_fails_the_etag_check_and_is_fetched_again(
    world: World, proxy: FaultProxy
) -> None:
    size = 100 * MiB + 7  # multipart: its ranges are its parts, checked against the ETag
    src = published_to_jan(world, size, seed=16)
    proxy.flip_down_after(40 * MiB)
    vam(world.jan, "pull", "b65", env=through(proxy))
    assert proxy.flips == 1
    assert md5(world.staging(world.jan) / "raw.mov") == md5(src)


def test_always_corrupted_download_leaves_the_local_file_untouched(world: World, proxy: FaultProxy) -> None:
    published_to_jan(world, 6 * MiB, seed=8)
    vam(world.jan, "pull", "b65")
    old = md5(world.staging(world.jan) / "raw.mov")
    big_file(world.staging(world.david) / "raw.mov", 6 * MiB, seed=9)
    vam(world.david, "push", "b65")
    proxy.flip_down_after(2 * MiB, every=True)
    out = vam(world.jan, "pull", "b65", code=1, env=through(proxy))
    assert "damaged 3 times" in out.stdout
    assert md5(world.staging(world.jan) / "raw.mov") == old
    assert not list((world.jan / ".git" / "vam" / "tmp").glob("*.part"))


def test_server_killed_and_restarted_mid_upload(world: World, tmp_path: Path) -> None:
    from git_vam.testing.seaweed import SeaweedServer, make_bucket

    server = SeaweedServer(tmp_path / "own-seaweed").start()
    try:
        make_bucket(server.endpoint, "restart-bucket")
        env = {"VAM_ENDPOINT": server.endpoint, "VAM_BUCKET": "restart-bucket"}
        src = big_file(world.staging(world.david) / "raw.mov", 120 * MiB, seed=11)
        proc = subprocess.Popen(
            ["git", "vam", "push", "b65", "--jobs", "2"], cwd=world.david, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
        )  # fmt: skip
        journal_dir = world.david / ".git" / "vam" / "uploads"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            records = [json.loads(p.read_text()) for p in journal_dir.glob("*.json")] if journal_dir.exists() else []
            if records and len(records[0].get("parts", {})) >= 2:
                break
            time.sleep(0.05)
        server.proc.kill()  # a crash, not a clean stop
        server.proc.wait()
        server.proc = None
        proc.communicate(timeout=120)
        assert proc.returncode == 1
        server.start()
        vam(world.david, "push", "b65", "--jobs", "2", env=env)
        s3 = s3_client(server.endpoint)
        assert s3.head_object(Bucket="restart-bucket", Key=KEY)["Metadata"]["md5"] == md5(src)
        got = s3.get_object(Bucket="restart-bucket", Key=KEY)["Body"].read()
        import hashlib

        assert hashlib.md5(got).hexdigest() == md5(src)
    finally:
        server.stop()
