"""Benchmark: git-vam against aws s3, s5cmd and rclone on one SeaweedFS server.

Run `benchmarks/run.sh` (it makes a separate venv for the peers, whose botocore
pins clash with ours). Every tool runs the same operation on the same server in
the same run, after a warm-up; medians of --runs; peak RSS of the whole process
tree. Writes docs/BENCHMARKS.md and docs/benchmarks.json. Never part of the tests.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from git_vam.testing.seaweed import ACCESS_KEY, SECRET_KEY, SeaweedServer, make_bucket  # noqa: E402

MiB = 1024**2
BUCKET = "bench"


def measure(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB of the process tree) of one command."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
        "w = time.perf_counter() - t; "
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, rc)"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *args], cwd=cwd, env=env, capture_output=True, text=True)
    wall, rss, rc = out.stdout.split()
    if rc != "0":
        raise RuntimeError(f"{' '.join(args)} exited {rc}")
    return float(wall), float(rss)


def median_run(args, cwd, env, runs, before=None) -> tuple[float, float]:
    walls, rsss = [], []
    for _ in range(runs):
        if before:
            before()
        w, r = measure(args, cwd, env)
        walls.append(w)
        rsss.append(r)
    return statistics.median(walls), max(rsss)


def clear(folder: Path) -> None:
    for p in folder.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def make_file(path: Path, size: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(MiB)
    with open(path, "wb") as fh:
        for i in range(size // MiB):
            fh.write(i.to_bytes(8, "big") + seed.to_bytes(8, "big") + block[16:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--small-count", type=int, default=100)
    ap.add_argument("--small-mib", type=int, default=4)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--rss-gib", type=int, default=5, help="file size for the peak-RSS run (0 skips it)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peers-bin", default=str(ROOT / ".venv-bench" / "bin"))
    ap.add_argument("--out", default=str(ROOT / "docs"))
    a = ap.parse_args()
    peers = Path(a.peers_bin)
    work = Path(tempfile.mkdtemp(prefix="vam-bench-"))
    server = SeaweedServer(work / "seaweed").start()
    results: dict[str, dict[str, tuple[float, float]]] = {}
    try:
        make_bucket(server.endpoint, BUCKET)
        env = {
            **os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": server.endpoint, "HOME": str(work / "home"),
            "GIT_CONFIG_NOSYSTEM": "1", "PATH": f"{Path(sys.executable).parent}:{peers}:{os.environ['PATH']}",
            "RCLONE_CONFIG_S3_TYPE": "s3", "RCLONE_CONFIG_S3_PROVIDER": "Other",
            "RCLONE_CONFIG_S3_ENDPOINT": server.endpoint, "RCLONE_CONFIG_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": SECRET_KEY, "RCLONE_CONFIG_S3_REGION": "us-east-1",
        }  # fmt: skip
        (work / "home").mkdir()
        ep = server.endpoint
        aws = [str(peers / "aws"), "--endpoint-url", ep, "s3"]
        s5 = [str(peers / "s5cmd"), "--endpoint-url", ep]
        rc = [str(peers / "rclone")]
        data = work / "data"
        big = data / "big.bin"
        make_file(big, a.big_mib * MiB, 1)
        small = data / "small"
        for i in range(a.small_count):
            make_file(small / f"f{i:03d}.bin", a.small_mib * MiB, 100 + i)

        # git-vam: a brand repo whose projects' s3-staging hold the same files
        repo = work / "v-bench"
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        for k, v in (("user.name", "bench"), ("user.email", "b@x")):
            subprocess.run(["git", "config", k, v], cwd=repo, check=True)
        subprocess.run(["git-vam", "init", "--bucket", BUCKET, "--endpoint", ep], cwd=repo, env=env, check=True,
                       capture_output=True)  # fmt: skip
        n = iter(range(10_000))

        def fresh_project(files: list[Path]) -> str:
            name = f"p{next(n):04d}"
            (repo / name / "s3-staging").mkdir(parents=True)
            for f in files:
                os.link(f, repo / name / "s3-staging" / f.name)
            return name

        def row(op: str, tool: str, value: tuple[float, float]) -> None:
            results.setdefault(op, {})[tool] = value
            print(f"{op:32} {tool:8} {value[0]:7.2f} s  {value[1]:7.0f} MiB", flush=True)

        # warm-up: server and page cache
        measure([*s5, "cp", str(big), f"s3://{BUCKET}/warm/big.bin"], work, env)

        # 1. upload one big file (a new key every run)
        for tool, cmd in (("aws", lambda k: [*aws, "cp", str(big), f"s3://{BUCKET}/{k}"]),
                          ("s5cmd", lambda k: [*s5, "cp", str(big), f"s3://{BUCKET}/{k}"]),
                          ("rclone", lambda k: [*rc, "copyto", str(big), f"s3:{BUCKET}/{k}"])):  # fmt: skip
            walls = [measure(cmd(f"up/{tool}/{i}/big.bin"), work, env) for i in range(a.runs)]
            row("upload 1 big", tool, (statistics.median(w for w, _ in walls), max(r for _, r in walls)))
        walls = []
        for _ in range(a.runs):
            p = fresh_project([big])
            walls.append(measure(["git-vam", "push", p, "-q", "--no-commit"], repo, env))
        row("upload 1 big", "git-vam", (statistics.median(w for w, _ in walls), max(r for _, r in walls)))
        big_project = p

        # 2. download one big file
        out = work / "down"
        out.mkdir()
        src = f"{BUCKET}/up/aws/0/big.bin"
        for tool, cmd in (("aws", [*aws, "cp", f"s3://{src}", str(out / "a.bin")]),
                          ("s5cmd", [*s5, "cp", f"s3://{src}", str(out / "s.bin")]),
                          ("rclone", [*rc, "copyto", f"s3:{src}", str(out / "r.bin")])):  # fmt: skip
            # a fresh destination every run: rclone skips a file that already matches
            row("download 1 big", tool, median_run(cmd, work, env, a.runs, before=lambda: clear(out)))

        def forget_big() -> None:
            (repo / big_project / "s3-staging" / "big.bin").unlink(missing_ok=True)
            shutil.rmtree(repo / ".git" / "vam" / "base", ignore_errors=True)

        row("download 1 big", "git-vam",
            median_run(["git-vam", "pull", big_project, "-q"], repo, env, a.runs, before=forget_big))  # fmt: skip

        # 3. upload / download many small files
        files = sorted(small.iterdir())
        for tool, cmd in (("aws", lambda k: [*aws, "cp", "--recursive", "--quiet", str(small), f"s3://{BUCKET}/{k}/"]),
                          ("s5cmd", lambda k: [*s5, "cp", f"{small}/*", f"s3://{BUCKET}/{k}/"]),
                          ("rclone", lambda k: [*rc, "copy", str(small), f"s3:{BUCKET}/{k}"])):  # fmt: skip
            walls = [measure(cmd(f"many/{tool}/{i}"), work, env) for i in range(a.runs)]
            row("upload many small", tool, (statistics.median(w for w, _ in walls), max(r for _, r in walls)))
        walls = []
        for _ in range(a.runs):
            p = fresh_project(files)
            walls.append(measure(["git-vam", "push", p, "-q", "--no-commit"], repo, env))
        row("upload many small", "git-vam", (statistics.median(w for w, _ in walls), max(r for _, r in walls)))
        many_project = p
        for tool, cmd in (("aws", [*aws, "cp", "--recursive", "--quiet", f"s3://{BUCKET}/many/aws/0/", str(out / "a")]),
                          ("s5cmd", [*s5, "cp", f"s3://{BUCKET}/many/aws/0/*", str(out / "s") + "/"]),
                          ("rclone", [*rc, "copy", f"s3:{BUCKET}/many/aws/0", str(out / "r")])):  # fmt: skip
            row("download many small", tool, median_run(cmd, work, env, a.runs,
                before=lambda: [shutil.rmtree(out / d, ignore_errors=True) for d in "asr"]))  # fmt: skip

        def forget_many() -> None:
            shutil.rmtree(repo / many_project / "s3-staging", ignore_errors=True)
            shutil.rmtree(repo / ".git" / "vam" / "base", ignore_errors=True)

        row("download many small", "git-vam",
            median_run(["git-vam", "pull", many_project, "-q"], repo, env, a.runs, before=forget_many))  # fmt: skip

        # 4. no-op status over projects x files (small files; one listing per project)
        tree = work / "noop"
        for pi in range(a.projects):
            for fi in range(a.files):
                f = tree / f"q{pi:03d}" / f"f{fi:03d}.bin"
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_bytes(os.urandom(4096))
        noop = work / "v-noop"
        subprocess.run(["git", "init", "-q", str(noop)], check=True)
        subprocess.run(["git-vam", "init", "--bucket", BUCKET, "--endpoint", ep, "--prefix", "noop/"], cwd=noop,
                       env=env, check=True, capture_output=True)  # fmt: skip
        for pdir in sorted(tree.iterdir()):
            shutil.copytree(pdir, noop / pdir.name / "s3-staging")
        subprocess.run(["git-vam", "push", "--all", "-q", "--no-commit"], cwd=noop, env=env, check=True)
        subprocess.run([*rc, "copy", str(tree), f"s3:{BUCKET}/peer-noop"], env=env, check=True)
        row("no-op status --all", "git-vam", median_run(["git-vam", "status", "--all", "--json"], noop, env, a.runs))
        row("no-op push --all", "git-vam", median_run(["git-vam", "push", "--all", "-q", "--no-commit"], noop, env,
                                                       a.runs))  # fmt: skip
        row("no-op status --all", "rclone", median_run([*rc, "sync", "--checksum", "--dry-run", str(tree),
                                                        f"s3:{BUCKET}/peer-noop"], work, env, a.runs))  # fmt: skip
        row("no-op status --all", "s5cmd", median_run([*s5, "--dry-run", "sync", f"{tree}/", f"s3://{BUCKET}/peer-noop/"],
                                                      work, env, a.runs))  # fmt: skip
        row("no-op status --all", "aws", median_run([*aws, "sync", "--dryrun", str(tree), f"s3://{BUCKET}/peer-noop"],
                                                    work, env, a.runs))  # fmt: skip

        # 5. MD5 of the big file, cold-ish (page cache warm for both) vs md5sum
        md5_py = "import sys; from git_vam.state import md5_file; md5_file(sys.argv[1])"
        row("md5 big", "git-vam", median_run([sys.executable, "-c", md5_py, str(big)], ROOT, env, a.runs))
        row("md5 big", "md5sum", median_run(["md5sum", str(big)], work, env, a.runs))

        # 6. peak RSS on a very large file
        if a.rss_gib:
            huge = data / "huge.bin"
            make_file(huge, a.rss_gib * 1024 * MiB, 7)
            p = fresh_project([huge])
            row(
                f"push {a.rss_gib} GiB (RSS)",
                "git-vam",
                measure(["git-vam", "push", p, "-q", "--no-commit"], repo, env),
            )
            (repo / p / "s3-staging" / "huge.bin").unlink()
            shutil.rmtree(repo / ".git" / "vam" / "base", ignore_errors=True)
            row(f"pull {a.rss_gib} GiB (RSS)", "git-vam", measure(["git-vam", "pull", p, "-q"], repo, env))
            huge.unlink()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    write_report(results, a, Path(a.out))
    return 0


def write_report(results: dict[str, dict[str, tuple[float, float]]], a: argparse.Namespace, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.json").write_text(json.dumps({"args": vars(a), "results": results}, indent=2) + "\n")
    lines = [
        f"| operation | {' | '.join(['git-vam', 'aws', 's5cmd', 'rclone', 'md5sum'])} | git-vam ÷ fastest peer |",
        "|---|---|---|---|---|---|---|",
    ]
    for op, tools in results.items():
        cells = [f"{tools[t][0]:.2f} s / {tools[t][1]:.0f} MiB" if t in tools else "" for t in
                 ("git-vam", "aws", "s5cmd", "rclone", "md5sum")]  # fmt: skip
        peers = [v[0] for t, v in tools.items() if t != "git-vam"]
        ratio = f"{tools['git-vam'][0] / min(peers):.2f}×" if peers and "git-vam" in tools else ""
        lines.append(f"| {op} | {' | '.join(cells)} | {ratio} |")
    table = "\n".join(lines)
    (out / "BENCHMARKS.table.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    sys.exit(main())
