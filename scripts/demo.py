"""The git-vam demo: a real MP4 travels from david's clone to jan's and back
through a local SeaweedFS S3 server. Run by scripts/demo.sh.

Exits non-zero if any file's MD5 differs between the two clones.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from git_vam.testing import media
from git_vam.testing.seaweed import SeaweedServer, make_bucket, port_block
from git_vam.testing.webhook import Webhook
from git_vam.testing.world import md5, new_clone

BIN = Path(sys.executable).parent
PROJECT = "b65-guy-monroe-marketing-plan"
BUCKET = "video-projects"


def say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


def run(cwd: Path, *args: str, ok: tuple[int, ...] = (0,)) -> None:
    where = cwd.parent.name
    print(f"[{where}] $ {' '.join(args)}", flush=True)
    proc = subprocess.run(args, cwd=cwd)
    if proc.returncode not in ok:
        raise SystemExit(f"demo: `{' '.join(args)}` exited {proc.returncode}")


def make_mp4(path: Path, seconds: int, label: str) -> None:
    media.make_mp4(path, label, seconds=seconds, size="640x360", rate=25, audio=True)
    print(f"made {path.name}: {path.stat().st_size / 1e6:.1f} MB, md5 {md5(path)}")


def wanted_port(argv: list[str]) -> int | None:
    """The base port asked for: ``--port N`` or ``VAM_DEMO_PORT`` (SeaweedFS uses
    N..N+3 and N+10000..N+10003); None to pick a free block."""
    text = argv[argv.index("--port") + 1] if "--port" in argv[:-1] else os.environ.get("VAM_DEMO_PORT", "")
    if text and not text.isdigit():
        raise SystemExit(f"demo: --port / VAM_DEMO_PORT must be a port number, not {text!r}")
    return int(text) if text else None


def main() -> int:
    started = time.monotonic()
    wanted = wanted_port(sys.argv[1:])
    work = Path(tempfile.mkdtemp(prefix="git-vam-demo-"))
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    os.environ["HOME"] = str(work / "home")  # leave the user's own git and AWS config alone
    (work / "home").mkdir()
    for name in [n for n in os.environ if n.startswith(("AWS_", "VAM_"))]:
        del os.environ[name]

    say("Starting a local S3 server (SeaweedFS) on loopback")
    base = port_block(wanted)
    if wanted and base != wanted:
        print(f"ports {wanted}..{wanted + 3} (or their +10000 twins) are taken; using {base}..{base + 3}")
    server = SeaweedServer(work / "seaweed", base_port=base).start()
    try:
        make_bucket(server.endpoint, BUCKET)
        print(f"S3 endpoint {server.endpoint}, bucket {BUCKET}")
        return scenario(work, server)
    finally:
        say("Stopping the S3 server")
        server.stop()
        print(f"demo took {time.monotonic() - started:.1f} s; files kept in {work}")


def clone(origin: Path, where: Path, user: str, server: SeaweedServer) -> Path:
    new_clone(origin, where, user)
    # Personal credentials live in the untracked .video-tools.env, as with the existing tools.
    env = server.env()
    (where / ".video-tools.env").write_text(
        f"AWS_ACCESS_KEY_ID={env['AWS_ACCESS_KEY_ID']}\nAWS_SECRET_ACCESS_KEY={env['AWS_SECRET_ACCESS_KEY']}\n"
    )
    return where


def hook_names(clone: Path) -> list[str]:
    folder = clone / ".git" / "hooks"
    return [p.name for p in folder.iterdir() if not p.name.endswith(".sample")]


def round_trip(david: Path, jan: Path) -> float:
    """jan's watcher runs; david pushes cut.mp4 with a webhook listening. Returns
    the seconds from the start of david's push to the file on jan's disk."""
    hook = Webhook()
    subprocess.run(["git", "config", "vam.notify", hook.url], cwd=david, check=True)
    print("[jan] $ git vam watch b65 --interval 1s   (in the background)", flush=True)
    watcher = subprocess.Popen(["git-vam", "watch", "b65", "--interval", "1s", "-q"], cwd=jan)
    try:
        make_mp4(david / PROJECT / "s3-staging" / "cut.mp4", 4, "final cut")
        pushed = time.monotonic()
        run(david, "git", "vam", "push", "b65")
        target = jan / PROJECT / "s3-staging" / "cut.mp4"
        while not target.exists() and time.monotonic() - pushed < 120:
            time.sleep(0.1)
        arrived = time.monotonic() - pushed
        for body in hook.bodies():
            print(f"notification received: {body['text']}")
        if not target.exists() or not hook.bodies():
            raise SystemExit("demo: the watcher did not fetch cut.mp4, or no notification arrived")
        run(david, "git", "push", "-q")
        run(jan, "git", "pull", "-q")
        return arrived
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
        hook.stop()


def scenario(work: Path, server: SeaweedServer) -> int:
    say("A brand repository v-appydave with a bare origin and two clones: david and jan")
    origin = work / "origin" / "v-appydave.git"
    origin.parent.mkdir()
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    david = clone(origin, work / "david" / "v-appydave", "david", server)
    subprocess.run(["git", "checkout", "-q", "-b", "main"], cwd=david, check=True)
    run(david, "git", "vam", "init", "--bucket", BUCKET, "--endpoint", server.endpoint)
    (david / PROJECT).mkdir()
    (david / PROJECT / "notes.md").write_text("# Guy Monroe marketing plan\n")
    run(david, "git", "add", ".")
    run(david, "git", "commit", "-q", "-m", "Brand repo with git vam")
    run(david, "git", "push", "-q", "-u", "origin", "main")

    say("jan's machine: `git vam install --global` once, then a plain `git clone` has the hooks")
    (work / "jan" / "machine").mkdir(parents=True)
    run(work / "jan" / "machine", "git", "vam", "install", "--global")
    jan = clone(origin, work / "jan" / "v-appydave", "jan", server)
    print(f"[jan] $ git clone {origin} jan/v-appydave   (hooks: {', '.join(sorted(hook_names(jan)))})")

    say("david records raw.mp4 and pushes it: the video goes to S3, the manifest to git")
    make_mp4(david / PROJECT / "s3-staging" / "raw.mp4", 8, "raw recording")
    run(david, "git", "vam", "push", "b65")
    run(david, "git", "push", "-q")

    say("jan pulls the repository: its post-merge hook fetches the staging files")
    run(jan, "git", "pull", "-q")
    run(jan, "git", "vam", "status", "b65", "--exit-code")

    say("jan edits and pushes edited.mp4")
    make_mp4(jan / PROJECT / "s3-staging" / "edited.mp4", 5, "first edit")
    run(jan, "git", "vam", "push", "b65")
    run(jan, "git", "push", "-q")

    say("david gets the edit")
    run(david, "git", "pull", "-q")
    run(david, "git", "vam", "pull", "b65")

    say("Phase 3 round trip: upload → notify → download, with no command typed by jan")
    arrived = round_trip(david, jan)
    print(f"push → file on jan's disk: {arrived:.1f} s")

    say("Status on both sides")
    run(david, "git", "vam", "status", "b65", "--exit-code")
    run(jan, "git", "vam", "status", "b65", "--exit-code")

    say("Comparing MD5s between the two clones")
    ok = True
    for name in ("raw.mp4", "edited.mp4", "cut.mp4"):
        a = md5(david / PROJECT / "s3-staging" / name)
        b = md5(jan / PROJECT / "s3-staging" / name)
        mark = "match" if a == b else "DIFFER"
        ok = ok and a == b
        print(f"{name:12} david {a}  jan {b}  {mark}")

    say("The project is finished: remove its staging objects from S3 (local files stay)")
    run(david, "git", "vam", "cleanup", "b65")
    run(david, "git", "vam", "cleanup", "b65", "--confirm")
    run(david, "git", "vam", "status", "b65")
    if not ok:
        print("demo: the clones do not hold the same files", file=sys.stderr)
        return 1
    print("\ndemo: every file matches on both clones")
    return 0


if __name__ == "__main__":
    sys.exit(main())
