"""Benchmark: the storage tiers (issue 23).

1. `git vam archive P --to ssd` of a project with one --gib file to a folder on
   the same disk, against `cp -r` then `md5sum` of the copy (the same I/O: one
   read of the source, one write, one re-read of the copy; git-vam also fsyncs
   and re-reads from the drive, not the page cache). The first run hashes the
   source as it copies; later runs find its MD5 in the hash cache, as for a file
   git-vam pushed or pulled. git-vam's peak RSS.
2. `git vam tiers --all --json` for --projects projects (the roadmap's brand:
   110), each with an SSD record and an archive record, against SeaweedFS.

Prints a markdown table; medians of --runs. Not part of the tests. Run with
`.venv/bin/python benchmarks/bench_tiers.py` (add `--gib 1` for a quick look).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def sh(cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, env=env)


def run_measured(cwd: Path, args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes, the process and what it waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return took, usage.ru_maxrss * 1024


def brand_repo(work: Path) -> Path:
    repo = work / "v-bench"
    sh(work, "git", "init", "-q", "-b", "main", str(repo))
    for key, value in (("user.name", "bench"), ("user.email", "b@example.com"), ("vam.bucket", "bench")):
        sh(repo, "git", "config", key, value)
    return repo


def bench_ssd(work: Path, gib: float, runs: int) -> list[tuple[str, float, str]]:
    repo = brand_repo(work)
    project = repo / "b65-big-project"
    (project / "final").mkdir(parents=True)
    (project / "notes.md").write_text("notes\n")
    block = os.urandom(64 * 1024**2)
    with open(project / "final" / "cut.mp4", "wb") as fh:
        for _ in range(int(gib * 16)):
            fh.write(block)
    sh(repo, "git", "add", "b65-big-project/notes.md")
    sh(repo, "git", "commit", "-qm", "project")
    drive = work / "Volumes" / "T7 Shuttle"
    drive.mkdir(parents=True)
    sh(repo, "git", "config", "vam.ssdBase", str(drive))
    vam, peer, rss = [], [], []
    for _ in range(runs):
        shutil.rmtree(drive / "b65-big-project", ignore_errors=True)
        took, peak = run_measured(repo, [str(BIN / "git-vam"), "archive", "b65", "--to", "ssd", "--no-commit"])
        vam.append(took)
        rss.append(peak)
        target = work / "cp-copy"
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        sh(work, "cp", "-r", str(project), str(target))
        sh(work, "sh", "-c", f"md5sum '{target}/final/cut.mp4' '{target}/notes.md' > /dev/null")
        peer.append(time.perf_counter() - start)
    first, p = vam[0], statistics.median(peer)
    rows = [(f"archive --to ssd, {gib:g} GiB, first copy (source and copy hashed)", first,
             f"{first / p:.2f}× cp -r + md5sum")]  # fmt: skip
    if len(vam) > 1:
        again = statistics.median(vam[1:])
        rows.append((f"archive --to ssd, {gib:g} GiB, source MD5 from the hash cache", again,
                     f"{again / p:.2f}× cp -r + md5sum"))  # fmt: skip
    return [
        *rows,
        ("cp -r + md5sum of the copy", p, "1.00×"),
        ("git-vam peak RSS during those copies", max(rss) / 1024**2, "MiB"),
    ]


def bench_inventory(work: Path, projects: int, runs: int) -> list[tuple[str, float, str]]:
    from git_vam.testing.seaweed import SeaweedServer, make_bucket

    server = SeaweedServer(work / "seaweed").start()
    try:
        make_bucket(server.endpoint, "tiers-bench")
        (work / "inv").mkdir()
        repo = brand_repo(work / "inv")
        sh(repo, "git", "config", "vam.bucket", "tiers-bench")
        sh(repo, "git", "config", "vam.endpoint", server.endpoint)
        drive = work / "inv-drive"
        drive.mkdir()
        sh(repo, "git", "config", "vam.ssdBase", str(drive))
        drive_id = "6f1c0a52-3f7e-4a8e-9a43-0c5d2b8e7f10"
        (drive / ".vam-drive.json").write_text(json.dumps({"uuid": drive_id, "label": "T7"}))
        for i in range(projects):
            name = f"b{i:03d}-project-{i}"
            folder = repo / name
            folder.mkdir()
            (folder / "notes.md").write_text(f"project {i}\n")
            md5s = {f"final/cut-{n}.mp4": f"{i:08x}{n:024x}" for n in range(8)}
            manifest = {
                "version": 1, "brand": "v-bench", "project": name, "files": {},
                "ssd": {"drive": drive_id, "label": "T7", "by": "bench", "at": "2026-01-01T00:00:00Z",
                        "files": len(md5s), "bytes": 8 * 3 * 1024**3, "md5": md5s},
                "archive": {"key": f"archive/v-bench/{name}.tar", "size": 8 * 3 * 1024**3, "md5": "0" * 32,
                            "etag": "", "storage_class": "GLACIER_IR", "files": len(md5s),
                            "archived_by": "bench", "archived_at": "2026-02-01T00:00:00Z",
                            "members": {k: {"md5": v, "size": 3 * 1024**3} for k, v in md5s.items()}},
            }  # fmt: skip
            (folder / "s3-staging.manifest.json").write_text(json.dumps(manifest))
        env = {**os.environ, "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z"}
        sh(repo, "git", "add", ".")
        sh(repo, "git", "commit", "-qm", "brand", env=env)
        env = {**os.environ, **server.env()}
        times = []
        for _ in range(runs + 1):
            start = time.perf_counter()
            subprocess.run([str(BIN / "git-vam"), "tiers", "--all", "--json"], cwd=repo, env=env, check=True,
                           capture_output=True)  # fmt: skip
            times.append(time.perf_counter() - start)
        took = statistics.median(times[1:])
        return [(f"tiers --all --json, {projects} projects (SSD + archive records)", took, "goal < 2 s")]
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=5.0)
    parser.add_argument("--projects", type=int, default=110)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vam-bench-tiers-"))
    try:
        rows = bench_ssd(work, args.gib, args.runs) + bench_inventory(work, args.projects, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| what | value | against |\n|---|---:|---|")
    for what, value, against in rows:
        unit = "" if against == "MiB" else " s"
        print(f"| {what} | {value:.2f}{unit} | {against} |")


if __name__ == "__main__":
    main()
