"""WAN benchmark (issue 15): git-vam against aws s3, s5cmd and rclone through one
emulated link (``wan.WanLink``: default 220 ms round trip, 200 Mbit/s each way,
shared by all connections) in front of one local SeaweedFS, in the same run.

Run ``benchmarks/run.sh --wan`` (the peers' venv is made there). Writes its
tables into docs/BENCHMARKS.md between the WAN markers. Never part of the tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_transfer import PEERS, Bench, MiB, common_args, make_file, moves, noop, seaweed, write_section  # noqa: E402
from wan import WanLink  # noqa: E402
from wan import measure as measure_link  # noqa: E402

START, END = "<!-- wan:start -->", "<!-- wan:end -->"


def run_wan(b: Bench, big: Path, small: Path, projects: int, files: int) -> None:
    """The four transfers and the two no-ops, every tool through the link."""
    moves(b, b.repo("v-wan", "wan/"), big, small, "w")

    # no-ops over `projects` × `files`, as on loopback; the push is judged against the same peers
    noop(b, projects, files, "main")
    status_op, push_op = f"no-op status, {projects} × {files} files", f"no-op push, {projects} × {files} files"
    b.results[push_op].update({t: v for t, v in b.results[status_op].items() if t in PEERS})


def report(b: Bench, accuracy: dict[str, float], a: argparse.Namespace, started: float) -> str:
    rtt_ms, mbit = a.rtt_ms, a.mbit
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores through the "
        f"emulated link ({rtt_ms:.0f} ms, {mbit:.0f} Mbit/s each way, shared); medians of {a.runs}; "
        f"{time.time() - started:.0f} s in all.",
        "",
        f"Link check: round trip {accuracy['rtt'] * 1000:.1f} ms (set {rtt_ms:.0f} ms), a new connection's first "
        f"exchange {accuracy['first'] * 1000:.1f} ms (set {(1 + a.handshake_rtts) * rtt_ms:.0f} ms: handshake and "
        f"request), one stream {accuracy['rate'] * 8 / 1e6:.1f} Mbit/s (set {mbit:.0f} Mbit/s).",
        "",
        "| operation | git-vam | fastest peer | ratio | git-vam, share of the link | round trips |",
        "|---|---|---|---|---|---|",
    ]
    for op, tools in b.results.items():
        ours = tools["git-vam"][0]
        best = min((t for t in PEERS if t in tools), key=lambda t: tools[t][0])
        share = f"{b.sizes[op] / ours / (mbit * 1e6 / 8) * 100:.0f} %" if op in b.sizes else ""
        lines.append(f"| {op} | {ours:.2f} s | {best} {tools[best][0]:.2f} s | {ours / tools[best][0]:.2f}× | "
                     f"{share} | {ours / (rtt_ms / 1000):.0f} |")  # fmt: skip
    lines += ["", "| operation | tool | seconds |", "|---|---|---|"]
    for op, tools in b.results.items():
        for tool, (wall, _) in sorted(tools.items(), key=lambda kv: kv[1][0]):
            lines.append(f"| {op} | {tool} | {wall:.3f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rtt-ms", type=float, default=220)
    ap.add_argument("--mbit", type=float, default=200)
    ap.add_argument("--handshake-rtts", type=float, default=1, help="round trips before a new connection carries data")
    ap.add_argument("--big-mib", type=int, default=256)
    ap.add_argument("--small-count", type=int, default=50)
    ap.add_argument("--small-kib", type=int, default=256)
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--files", type=int, default=5)
    common_args(ap, runs=1)
    a = ap.parse_args()
    started = time.time()
    with seaweed("vam-wan-") as (work, server):
        link = WanLink(("127.0.0.1", server.s3_port), a.rtt_ms / 1000, a.mbit * 1e6 / 8, a.handshake_rtts).start()
        try:
            accuracy = measure_link(link)
            print(f"link: rtt {accuracy['rtt'] * 1000:.1f} ms, {accuracy['rate'] * 8 / 1e6:.1f} Mbit/s", flush=True)
            b = Bench(work, link.url, Path(a.peers_bin), a.runs)
            big = work / "data" / "big.bin"
            make_file(big, a.big_mib * MiB, 1)
            small = work / "data" / "small"
            for i in range(a.small_count):
                make_file(small / f"f{i:03d}.bin", a.small_kib * 1024, 100 + i)
            run_wan(b, big, small, a.projects, a.files)
            text = report(b, accuracy, a, started)
        finally:
            link.stop()
    write_section(Path(a.out) / "BENCHMARKS.md", (START, END), text, "## WAN (issue 15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
