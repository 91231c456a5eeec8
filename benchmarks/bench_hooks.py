"""Benchmark: the hot git paths (issue: git integration).

1. `git vam check` on a commit staging 5,000 files (a few large) against
   pre-commit-hooks' `check-added-large-files` on the same index, same limit.
2. The post-merge hook's cost when no manifest changed: `git pull` with the
   hooks installed against a plain `git pull`.

Prints a markdown table; medians of --runs. Not part of the tests. Run with
`.venv/bin/python benchmarks/bench_hooks.py` (installs pre-commit-hooks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def sh(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(args, cwd=cwd, check=check, capture_output=True)


def timed(cwd: Path, args: list[str], runs: int, before=None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_check(work: Path, files: int, runs: int) -> list[tuple[str, float]]:
    repo = work / "v-bench"
    sh(work, "git", "init", "-q", str(repo))
    for i in range(files):
        d = repo / f"p{i % 50:02d}-project" / "notes"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"note-{i}.md").write_text(f"note {i}\n")
    for i in range(3):  # a few large files, over both tools' limits
        (repo / f"p0{i}-project" / f"render-{i}.wav").write_bytes(os.urandom(60 * 1024 * 1024))
    sh(repo, "git", "add", ".")
    vam = [str(BIN / "git-vam"), "check"]
    names = sh(repo, "git", "diff", "--cached", "--name-only").stdout.decode().split()
    # check-added-large-files takes file names (as pre-commit passes them); same 50 MiB limit
    peer = [str(BIN / "check-added-large-files"), "--maxkb=51200", *names]
    vam_files = [*vam, *names]
    return [
        ("git vam check (all staged, asks git once)", timed(repo, vam, runs)),
        ("git vam check FILE… (names passed, as pre-commit does)", timed(repo, vam_files, runs)),
        ("check-added-large-files FILE… --maxkb=51200", timed(repo, peer, runs)),
    ]


def bench_post_merge(work: Path, runs: int) -> list[tuple[str, float]]:
    origin = work / "origin.git"
    sh(work, "git", "init", "-q", "--bare", str(origin))
    a = work / "a" / "v-bench"
    sh(work, "git", "clone", "-q", str(origin), str(a))
    for k, v in (("user.name", "a"), ("user.email", "a@x")):
        sh(a, "git", "config", k, v)
    (a / "p1").mkdir()
    (a / "p1" / "s3-staging.manifest.json").write_text('{"files": {}}\n')
    (a / "p1" / "notes.md").write_text("1\n")
    sh(a, "git", "add", ".")
    sh(a, "git", "commit", "-q", "-m", "one")
    (a / "p1" / "notes.md").write_text("2\n")
    sh(a, "git", "commit", "-q", "-am", "two: no manifest change")
    sh(a, "git", "push", "-q", "origin", "HEAD:main")
    results = []
    for label, hooks in (("git pull (no hooks)", False), ("git pull (git-vam hooks, no manifest changed)", True)):
        b = work / ("hooked" if hooks else "plain") / "v-bench"
        sh(work, "git", "clone", "-q", "-b", "main", str(origin), str(b))
        sh(b, "git", "config", "vam.bucket", "unused")
        if hooks:
            sh(b, str(BIN / "git-vam"), "install")

        def rewind(b: Path = b) -> None:
            sh(b, "git", "reset", "-q", "--hard", "HEAD~1")

        results.append((label, timed(b, ["git", "pull", "-q", "--ff-only"], runs, before=rewind)))
    hooked = work / "hooked" / "v-bench"
    results.append(("git-vam hook post-merge alone", timed(hooked, [str(BIN / "git-vam"), "hook", "post-merge"], runs)))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pre-commit-hooks"], check=True)
    work = Path(tempfile.mkdtemp(prefix="vam-bench-"))
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    try:
        rows = bench_check(work / "check", args.files, args.runs)
        rows += bench_post_merge(work / "merge", args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base_check = rows[2][1]
    print(f"\n| operation ({args.files} staged files; median of {args.runs}) | seconds | ratio |")
    print("|---|---|---|")
    for i, (label, secs) in enumerate(rows):
        ratio = f"{secs / base_check:.2f}× check-added-large-files" if i < 3 else ""
        if i in (4, 5):
            ratio = f"+{(secs - rows[3][1]) * 1000:.0f} ms over plain git pull" if i == 4 else ""
        print(f"| {label} | {secs:.3f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
