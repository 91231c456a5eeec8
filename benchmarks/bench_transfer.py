"""Benchmark: git-vam against aws s3, s5cmd and rclone on one SeaweedFS server.

Run `benchmarks/run.sh` (it makes a separate venv for the peers, whose botocore
pins clash with ours). Every tool runs the same operation on the same server in
the same run, after a warm-up; medians of --runs; peak RSS of the whole process
tree. Covers every target of issue 7 (transfers, no-op sync, MD5, RSS, the
pre-commit check and the post-merge hook) plus a scaling table for no-op status.
Writes the results into docs/BENCHMARKS.md (between its markers) and
docs/benchmarks.json. Never part of the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_hooks import bench_check, bench_post_merge  # noqa: E402

from git_vam.testing.seaweed import ACCESS_KEY, SECRET_KEY, SeaweedServer, make_bucket  # noqa: E402

MiB = 1024**2
BUCKET = "bench"
PEERS = ("aws", "s5cmd", "rclone")
START, END = "<!-- results:start -->", "<!-- results:end -->"

Result = tuple[float, float]  # (wall seconds, peak RSS MiB)


def measure(args: list[str], cwd: Path, env: dict[str, str]) -> Result:
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


def median_run(
    make_args: Callable[[int], list[str]], cwd: Path, env: dict[str, str], runs: int,
    before: Callable[[], None] | None = None,
) -> Result:  # fmt: skip
    walls, rsss = [], []
    for i in range(runs):
        if before:
            before()
        w, r = measure(make_args(i), cwd, env)
        walls.append(w)
        rsss.append(r)
    return statistics.median(walls), max(rsss)


def common_args(ap: argparse.ArgumentParser, runs: int) -> None:
    """The options every benchmark takes: medians of ``--runs``, the peers' venv, where the tables go."""
    ap.add_argument("--runs", type=int, default=runs)
    ap.add_argument("--peers-bin", default=str(ROOT / ".venv-bench" / "bin"))
    ap.add_argument("--out", default=str(ROOT / "docs"))


@contextlib.contextmanager
def seaweed(prefix: str) -> Iterator[tuple[Path, SeaweedServer]]:
    """A scratch folder and a SeaweedFS holding the benchmark bucket; both gone afterwards."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    server = SeaweedServer(work / "seaweed").start()
    try:
        make_bucket(server.endpoint, BUCKET)
        yield work, server
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def write_section(doc: Path, markers: tuple[str, str], text: str, heading: str = "") -> None:
    """Put ``text`` between ``markers`` in ``doc`` (a Markdown file); a file without
    them gets ``heading`` and the markers appended first. Prints ``text``."""
    start, end = markers
    old = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if start not in old:
        old += (f"\n{heading}\n" if heading else "") + f"\n{start}\n{end}\n"
    head, _, rest = old.partition(start)
    _, _, tail = rest.partition(end)
    doc.write_text(f"{head}{start}\n{text}\n{end}{tail}")
    print(text)


def clear(folder: Path) -> None:
    for p in folder.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def make_file(path: Path, size: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(MiB)
    with open(path, "wb") as fh:
        for i in range(size // MiB):
            fh.write(i.to_bytes(8, "big") + seed.to_bytes(8, "big") + block[16:])
        fh.write(block[: size % MiB])


class Bench:
    """One SeaweedFS, the peers' command lines, a git-vam brand repository, results."""

    def __init__(self, work: Path, endpoint: str, peers: Path, runs: int) -> None:
        self.work, self.ep, self.runs = work, endpoint, runs
        self.results: dict[str, dict[str, Result]] = {}
        self.sizes: dict[str, int] = {}  # op -> bytes moved (for MiB/s)
        self.env = {
            **os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint, "HOME": str(work / "home"),
            "GIT_CONFIG_NOSYSTEM": "1", "PATH": f"{Path(sys.executable).parent}:{peers}:{os.environ['PATH']}",
            "RCLONE_CONFIG_S3_TYPE": "s3", "RCLONE_CONFIG_S3_PROVIDER": "Other",
            "RCLONE_CONFIG_S3_ENDPOINT": endpoint, "RCLONE_CONFIG_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": SECRET_KEY, "RCLONE_CONFIG_S3_REGION": "us-east-1",
        }  # fmt: skip
        (work / "home").mkdir()
        self.aws = [str(peers / "aws"), "--endpoint-url", endpoint, "s3"]
        self.s5 = [str(peers / "s5cmd"), "--endpoint-url", endpoint]
        self.rc = [str(peers / "rclone")]
        self._n = iter(range(100_000))

    def repo(self, name: str, prefix: str) -> Path:
        repo = self.work / name
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        for k, v in (("user.name", "bench"), ("user.email", "b@x")):
            subprocess.run(["git", "config", k, v], cwd=repo, check=True)
        subprocess.run(["git-vam", "init", "--bucket", BUCKET, "--endpoint", self.ep, "--prefix", prefix], cwd=repo,
                       env=self.env, check=True, capture_output=True)  # fmt: skip
        return repo

    def project(self, repo: Path, files: list[Path]) -> str:
        """A new project whose s3-staging holds hard links to ``files``."""
        name = f"p{next(self._n):05d}"
        (repo / name / "s3-staging").mkdir(parents=True)
        for f in files:
            os.link(f, repo / name / "s3-staging" / f.name)
        return name

    def row(self, op: str, tool: str, value: Result, size: int = 0) -> None:
        self.results.setdefault(op, {})[tool] = value
        if size:
            self.sizes[op] = size
        print(f"{op:34} {tool:14} {value[0]:8.3f} s  {value[1]:6.0f} MiB", flush=True)

    def run(self, args: Callable[[int], list[str]], cwd: Path | None = None, before=None) -> Result:
        return median_run(args, cwd or self.work, self.env, self.runs, before)


def moves(b: Bench, repo: Path, big: Path, small: Path, area: str) -> str:
    """One big file up and down, the small files up and down, every tool, under
    ``{area}/`` in the bucket; returns git-vam's project holding the big file."""
    size = big.stat().st_size
    op = "upload 1 big file"
    b.row(op, "aws", b.run(lambda i: [*b.aws, "cp", str(big), f"s3://{BUCKET}/{area}/aws/{i}/big.bin"]), size)
    b.row(op, "s5cmd", b.run(lambda i: [*b.s5, "cp", str(big), f"s3://{BUCKET}/{area}/s5/{i}/big.bin"]))
    b.row(op, "rclone", b.run(lambda i: [*b.rc, "copyto", str(big), f"s3:{BUCKET}/{area}/rc/{i}/big.bin"]))
    projects: list[str] = []

    def cold_push(i: int) -> list[str]:
        projects.append(b.project(repo, [big]))
        return ["git-vam", "push", projects[-1], "-q", "--no-commit"]

    b.row(op, "git-vam", b.run(cold_push, repo))
    big_project = projects[-1]

    op = "download 1 big file"
    out = b.work / f"{area}-down"
    out.mkdir()
    src = f"{BUCKET}/{area}/aws/0/big.bin"
    # a fresh destination every run: rclone skips a file that already matches
    b.row(op, "aws", b.run(lambda i: [*b.aws, "cp", f"s3://{src}", str(out / "a.bin")], before=lambda: clear(out)),
          size)  # fmt: skip
    b.row(op, "s5cmd", b.run(lambda i: [*b.s5, "cp", f"s3://{src}", str(out / "s.bin")], before=lambda: clear(out)))
    b.row(op, "rclone", b.run(lambda i: [*b.rc, "copyto", f"s3:{src}", str(out / "r.bin")], before=lambda: clear(out)))

    def forget_big() -> None:
        (repo / big_project / "s3-staging" / "big.bin").unlink(missing_ok=True)
        shutil.rmtree(repo / ".git" / "vam" / "base", ignore_errors=True)

    b.row(op, "git-vam", b.run(lambda i: ["git-vam", "pull", big_project, "-q"], repo, before=forget_big))

    files = sorted(small.iterdir())
    total = sum(f.stat().st_size for f in files)
    op = f"upload {len(files)} small files"
    b.row(op, "aws", b.run(lambda i: [*b.aws, "cp", "--recursive", "--quiet", str(small), f"s3://{BUCKET}/{area}-many/aws/{i}/"]),
          total)  # fmt: skip
    b.row(op, "s5cmd", b.run(lambda i: [*b.s5, "cp", f"{small}/*", f"s3://{BUCKET}/{area}-many/s5/{i}/"]))
    b.row(op, "rclone", b.run(lambda i: [*b.rc, "copy", str(small), f"s3:{BUCKET}/{area}-many/rc/{i}"]))
    many: list[str] = []

    def push_many(i: int) -> list[str]:
        many.append(b.project(repo, files))
        return ["git-vam", "push", many[-1], "-q", "--no-commit"]

    b.row(op, "git-vam", b.run(push_many, repo))
    op = f"download {len(files)} small files"

    def fresh() -> None:
        for d in "asr":
            shutil.rmtree(out / d, ignore_errors=True)

    b.row(op, "aws", b.run(lambda i: [*b.aws, "cp", "--recursive", "--quiet", f"s3://{BUCKET}/{area}-many/aws/0/",
                                      str(out / "a")], before=fresh), total)  # fmt: skip
    b.row(
        op, "s5cmd", b.run(lambda i: [*b.s5, "cp", f"s3://{BUCKET}/{area}-many/aws/0/*", f"{out / 's'}/"], before=fresh)
    )
    b.row(
        op, "rclone", b.run(lambda i: [*b.rc, "copy", f"s3:{BUCKET}/{area}-many/aws/0", str(out / "r")], before=fresh)
    )

    def forget_many() -> None:
        shutil.rmtree(repo / many[-1] / "s3-staging", ignore_errors=True)
        shutil.rmtree(repo / ".git" / "vam" / "base", ignore_errors=True)

    b.row(op, "git-vam", b.run(lambda i: ["git-vam", "pull", many[-1], "-q"], repo, before=forget_many))
    return big_project


def transfers(b: Bench, big: Path, small: Path) -> None:
    repo = b.repo("v-bench", "staging/")
    measure([*b.s5, "cp", str(big), f"s3://{BUCKET}/warm/big.bin"], b.work, b.env)  # warm-up: server, page cache
    big_project = moves(b, repo, big, small, "up")
    size = big.stat().st_size
    # MD5: cold (page cache warm for both) against md5sum; warm = status of an
    # unchanged, already hashed 1 GiB file (no read at all)
    op = f"MD5 of {size // MiB} MiB"
    md5_py = "import sys; from git_vam.state import md5_file; md5_file(sys.argv[1])"
    b.row(op, "git-vam", b.run(lambda i: [sys.executable, "-c", md5_py, str(big)], ROOT), size)
    b.row(op, "md5sum", b.run(lambda i: ["md5sum", str(big)]))
    op = f"status of an unchanged {size // MiB} MiB file"
    b.row(op, "git-vam", b.run(lambda i: ["git-vam", "status", big_project], repo))
    cache = repo / ".git" / "vam" / "hashes.json"
    b.row(op, "git-vam, cache cleared", b.run(lambda i: ["git-vam", "status", big_project], repo, before=cache.unlink))


def noop(b: Bench, projects: int, files: int, label: str) -> None:
    """No-op status/push --all over projects × files of 4 KiB, and the peers'
    dry-run syncs of the same tree (one prefix)."""
    tree = b.work / f"noop-{label}"
    for pi in range(projects):
        for fi in range(files):
            f = tree / f"q{pi:03d}" / f"f{fi:04d}.bin"
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(os.urandom(4096))
    repo = b.repo(f"v-noop-{label}", f"noop-{label}/")
    for pdir in sorted(tree.iterdir()):
        shutil.copytree(pdir, repo / pdir.name / "s3-staging")
    subprocess.run(["git-vam", "push", "--all", "-q"], cwd=repo, env=b.env, check=True)
    peer = f"peer-noop-{label}"
    subprocess.run([*b.rc, "copy", str(tree), f"s3:{BUCKET}/{peer}"], env=b.env, check=True)
    op = f"no-op status, {projects} × {files} files"
    b.row(op, "git-vam", b.run(lambda i: ["git-vam", "status", "--all", "--json"], repo))
    b.row(op, "rclone", b.run(lambda i: [*b.rc, "sync", "--checksum", "--dry-run", str(tree), f"s3:{BUCKET}/{peer}"]))
    b.row(op, "s5cmd", b.run(lambda i: [*b.s5, "--dry-run", "sync", f"{tree}/", f"s3://{BUCKET}/{peer}/"]))
    b.row(op, "aws", b.run(lambda i: [*b.aws, "sync", "--dryrun", str(tree), f"s3://{BUCKET}/{peer}"]))
    if label == "main":
        b.row(f"no-op push, {projects} × {files} files", "git-vam",
              b.run(lambda i: ["git-vam", "push", "--all", "-q", "--no-commit"], repo))  # fmt: skip


def rss(b: Bench, gib: int) -> None:
    repo = b.work / "v-bench"
    huge = b.work / "data" / "huge.bin"
    make_file(huge, gib * 1024 * MiB, 7)
    p = b.project(repo, [huge])
    b.row(f"push {gib} GiB (peak RSS)", "git-vam", measure(["git-vam", "push", p, "-q", "--no-commit"], repo, b.env))
    (repo / p / "s3-staging" / "huge.bin").unlink()
    huge.unlink()
    shutil.rmtree(repo / ".git" / "vam" / "base", ignore_errors=True)
    b.row(f"pull {gib} GiB (peak RSS)", "git-vam", measure(["git-vam", "pull", p, "-q"], repo, b.env))
    (repo / p / "s3-staging" / "huge.bin").unlink()


def hooks(b: Bench, files: int) -> None:
    saved = dict(os.environ)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    try:
        rows = bench_check(b.work / "check", files, b.runs * 2 + 1)
        rows += bench_post_merge(b.work / "merge", b.runs * 2 + 1)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    tools = ("git-vam", "git-vam FILE…", "check-added-large-files", "plain", "hooked", "hook alone")
    ops = (f"check, {files} staged files",) * 3 + ("git pull, no manifest changed",) * 3
    for (_, secs), tool, op in zip(rows, tools, ops, strict=True):
        b.row(op, tool, (secs, 0.0))


# -- the report ---------------------------------------------------------------------


def ratio(b: Bench, op: str, tool: str = "git-vam", peers: tuple[str, ...] = PEERS) -> tuple[float, str, float]:
    """(git-vam seconds, fastest peer, its seconds) for ``op``."""
    tools = b.results[op]
    best = min((t for t in peers if t in tools), key=lambda t: tools[t][0])
    return tools[tool][0], best, tools[best][0]


def targets(b: Bench, a: argparse.Namespace) -> list[tuple[str, str, str, str, bool]]:
    """(target, measured, against, ratio, met) for each of issue 7's targets and issue 15's on loopback."""
    out: list[tuple[str, str, str, str, bool]] = []
    big = f"{a.big_mib} MiB"

    def add(name: str, op: str, limit: float, tool: str = "git-vam", peers: tuple[str, ...] = PEERS) -> None:
        ours, best, theirs = ratio(b, op, tool, peers)
        r = ours / theirs
        out.append((name, f"{ours:.2f} s", f"{best} {theirs:.2f} s", f"{r:.2f}× (≤ {limit}×)", r <= limit))

    add(f"1. push a new {big} file", "upload 1 big file", 1.0)
    add(f"2. pull a {big} file, verified", "download 1 big file", 1.25)
    add(f"3. push {a.small_count} × {a.small_mib} MiB", f"upload {a.small_count} small files", 1.0)
    add(f"3. pull {a.small_count} × {a.small_mib} MiB", f"download {a.small_count} small files", 1.0)
    noop_op = f"no-op status, {a.projects} × {a.files} files"
    add("4. no-op status --all vs rclone --checksum", noop_op, 1.0, peers=("rclone",))
    add("4. no-op status --all vs s5cmd", noop_op, 3.0, peers=("s5cmd",))
    push_op = f"no-op push, {a.projects} × {a.files} files"
    b.results[noop_op]["git-vam push"] = b.results[push_op]["git-vam"]
    add("4. no-op push --all vs rclone --checksum", noop_op, 1.0, "git-vam push", ("rclone",))
    add("4. no-op push --all vs s5cmd", noop_op, 3.0, "git-vam push", ("s5cmd",))
    del b.results[noop_op]["git-vam push"]
    check_op = f"check, {a.check_files} staged files"
    add("5. check vs check-added-large-files", check_op, 1.0, peers=("check-added-large-files",))
    pulls = b.results["git pull, no manifest changed"]
    added = (pulls["hooked"][0] - pulls["plain"][0]) * 1000
    out.append(("6. post-merge hook, no manifest changed", f"+{added:.0f} ms", "git pull without hooks",
                "≤ +150 ms", added <= 150))  # fmt: skip
    if a.rss_gib:
        for way in ("push", "pull"):
            peak = b.results[f"{way} {a.rss_gib} GiB (peak RSS)"]["git-vam"][1]
            out.append((f"7. {way} {a.rss_gib} GiB, peak RSS", f"{peak:.0f} MiB", "", "≤ 100 MiB", peak <= 100))
    # issue 15's loopback rows: a verified pull against the peer that verifies and the fastest
    for what, op in (("big", "download 1 big file"), ("many", f"download {a.small_count} small files")):
        add(f"15. verified pull, {what}, vs rclone", op, 1.0, peers=("rclone",))
        add(f"15. verified pull, {what}, vs s5cmd", op, 2.0, peers=("s5cmd",))
    noop = b.results[noop_op]["git-vam"][0]
    out.append(("15. no-op status --all", f"{noop:.2f} s", "", "≤ 0.25 s", noop <= 0.25))
    md5_op = f"MD5 of {a.big_mib} MiB"
    ours, theirs = b.results[md5_op]["git-vam"][0], b.results[md5_op]["md5sum"][0]
    out.append(("8. cold MD5 throughput", f"{a.big_mib / ours:.0f} MiB/s", f"md5sum {a.big_mib / theirs:.0f} MiB/s",
                f"{theirs / ours:.2f}× (≥ 0.9×)", theirs / ours >= 0.9))  # fmt: skip
    status = b.results[f"status of an unchanged {a.big_mib} MiB file"]
    warm, cold = status["git-vam"][0], status["git-vam, cache cleared"][0]
    out.append(("8. warm (hashed, unchanged) file", f"status {warm:.2f} s", f"cache cleared {cold:.2f} s",
                f"saves {cold - warm:.2f} s of {ours:.2f} s MD5", cold - warm >= 0.8 * ours))  # fmt: skip
    return out


def report(b: Bench, a: argparse.Namespace, started: float) -> str:
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SeaweedFS on loopback; medians of {a.runs} "
        f"(hooks: {a.runs * 2 + 1}) after a warm-up; {time.time() - started:.0f} s in all.",
        "",
        "### Targets (issues 7 and 15)",
        "",
        "| target | git-vam | fastest peer | ratio (goal) | met |",
        "|---|---|---|---|---|",
    ]
    for name, ours, against, r, met in targets(b, a):
        lines.append(f"| {name} | {ours} | {against} | {r} | {'yes' if met else '**no**'} |")
    lines += ["", "### Every measurement", "", "| operation | tool | seconds | MiB/s | peak RSS MiB |",
              "|---|---|---|---|---|"]  # fmt: skip
    for op, tools in b.results.items():
        if op.startswith("no-op status") and "× " in op and not op.endswith(f"{a.projects} × {a.files} files"):
            continue
        for tool, (wall, peak) in sorted(tools.items(), key=lambda kv: kv[1][0]):
            speed = f"{b.sizes[op] / MiB / wall:.0f}" if op in b.sizes else ""
            lines.append(f"| {op} | {tool} | {wall:.3f} | {speed} | {f'{peak:.0f}' if peak else ''} |")
    lines += ["", "### Scaling: no-op status over one project of N files", "",
              "| files | git-vam | rclone --checksum | s5cmd | aws | git-vam ÷ s5cmd |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for n in a.scale:
        tools = b.results[f"no-op status, 1 × {n} files"]
        cells = [f"{tools[t][0]:.3f} s" for t in ("git-vam", "rclone", "s5cmd", "aws")]
        lines.append(f"| {n} | {' | '.join(cells)} | {tools['git-vam'][0] / tools['s5cmd'][0]:.2f}× |")
    return "\n".join(lines)


def write(b: Bench, a: argparse.Namespace, started: float, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.json").write_text(json.dumps({"args": vars(a), "results": b.results}, indent=2) + "\n")
    write_section(out / "BENCHMARKS.md", (START, END), report(b, a, started))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--small-count", type=int, default=100)
    ap.add_argument("--small-mib", type=int, default=4)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--scale", type=int, nargs="*", default=[10, 100, 1000, 5000], help="files for the scaling table")
    ap.add_argument("--check-files", type=int, default=5000)
    ap.add_argument("--rss-gib", type=int, default=5, help="file size for the peak-RSS runs (0 skips them)")
    common_args(ap, runs=3)
    a = ap.parse_args()
    started = time.time()
    with seaweed("vam-bench-") as (work, server):
        b = Bench(work, server.endpoint, Path(a.peers_bin), a.runs)
        big = work / "data" / "big.bin"
        make_file(big, a.big_mib * MiB, 1)
        small = work / "data" / "small"
        for i in range(a.small_count):
            make_file(small / f"f{i:03d}.bin", a.small_mib * MiB, 100 + i)
        transfers(b, big, small)
        noop(b, a.projects, a.files, "main")
        for n in a.scale:
            noop(b, 1, n, f"scale{n}")
        if a.rss_gib:
            rss(b, a.rss_gib)
        hooks(b, a.check_files)
    write(b, a, started, Path(a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
