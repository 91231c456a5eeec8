"""``git vam doctor``: every check of a clone's set-up, each passed or failed
with the fix (git, the repository and its settings, hooks, ``.gitignore``,
tracked staging paths, credentials, bucket access and region, a write probe, clock skew)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from git_vam import check, git, hooks
from git_vam.context import Context, open_context
from git_vam.core import probe
from git_vam.errors import VamError
from git_vam.fs import printable

SKEW_LIMIT = 300  # seconds; SigV4 refuses requests more than 15 min off, warn well before


@dataclass
class Result:
    """One check: its ``name``, whether it passed, what was found, and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(cwd: Path) -> list[Result]:
    """Run the checks in order; a check that needs an earlier one (the bucket
    needs settings) runs only when that one passed. Never raises."""
    results: list[Result] = []

    def step(name: str, fn: Callable[[], tuple[bool, str, str]]) -> bool:
        try:
            ok, detail, fix = fn()
        except VamError as exc:
            ok, detail, fix = False, exc.message, exc.remedy
        except Exception as exc:  # noqa: BLE001 - doctor reports every failure, never crashes
            ok, detail, fix = False, f"{type(exc).__name__}: {printable(exc)}", "Run with --debug for details."
        results.append(Result(name, ok, detail, fix))
        return ok

    step("git", _git)
    ctx: Context | None = None

    def open_repo() -> tuple[bool, str, str]:
        nonlocal ctx
        ctx = open_context(cwd)
        return True, f"{ctx.root} (brand {ctx.brand}, user {ctx.user})", ""

    if step("repository and settings", open_repo) and ctx is not None:
        root = ctx.root
        step("hooks", lambda: _hooks(root))
        step("git pull strategy", lambda: _pull_strategy(root))
        step(".gitignore", lambda: _gitignore(root, ctx.settings.video_extensions))
        step("nothing tracked in s3-staging/", lambda: _tracked(root))
        if step("bucket setting", lambda: (True, f"s3://{ctx.bucket}/{ctx.settings.staging_prefix}", "")):
            step("credentials", lambda: _credentials(ctx))
            if step("bucket reachable (list)", lambda: _list(ctx)):
                step("bucket region", lambda: _region(ctx))
                step("put / get / delete on the staging prefix", lambda: _probe(ctx))
                step("conditional writes (If-None-Match)", lambda: _conditions(ctx))
                step("clock skew", lambda: _skew(ctx))
    return results


def _git() -> tuple[bool, str, str]:
    if not shutil.which("git"):
        return False, "git not found", "Install git and put it on PATH."
    version = git.out(None, "--version").strip()
    return True, version, ""


def _hooks(root: Path) -> tuple[bool, str, str]:
    folder = hooks.hooks_dir(root)
    missing, stale = hooks.problems(root)
    if missing or stale:
        what = ", ".join([f"{n} missing" for n in missing] + [f"{n} outdated" for n in stale])
        return False, what, "Run `git vam install`."
    return True, f"{', '.join(hooks.HOOKS)} installed in {folder}", ""


def _pull_strategy(root: Path) -> tuple[bool, str, str]:
    chosen = hooks.pull_strategy_chosen(root)
    if chosen:
        return True, f"{chosen} = {git.out(root, 'config', '--get', chosen).strip()}", ""
    return (
        False,
        "none chosen: after two same-day pushes `git pull` stops with 'Need to specify how to reconcile'",
        "Run `git vam install` (it sets pull.rebase=true here), or `git config pull.rebase true`.",
    )


def _gitignore(root: Path, exts: tuple[str, ...]) -> tuple[bool, str, str]:
    missing = check.check_gitignore(root, exts)
    if missing:
        shown = ", ".join(sample for sample, _ in missing[:3])
        return False, f"does not ignore {shown}", "Run `git vam check --gitignore --fix`."
    return True, "ignores videos, s3-staging/ and .video-tools.env", ""


def _tracked(root: Path) -> tuple[bool, str, str]:
    tracked = check.tracked_risks(root)
    if tracked:
        shown = ", ".join(printable(p) for p in tracked[:3]) + (" …" if len(tracked) > 3 else "")
        return False, f"git tracks {shown}", "Run `git rm -r --cached -- PATH` for each and commit (local files stay)."
    return True, "no s3-staging/ path or .video-tools.env is tracked", ""


def _credentials(ctx: Context) -> tuple[bool, str, str]:
    origin = ctx.store.credentials_origin()
    if origin:
        return True, f"from {origin}", ""
    return False, "no AWS credentials found", "Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or `aws configure`."


def _list(ctx: Context) -> tuple[bool, str, str]:
    ctx.store.check_bucket()
    return True, f"{ctx.bucket} at {ctx.settings.endpoint or 'AWS'}", ""


def _region(ctx: Context) -> tuple[bool, str, str]:
    """Passes either way (botocore follows AWS's redirect to the right region,
    DESIGN §9), but names the bucket's real region when vam.region differs."""
    real = ctx.store.region_of_bucket()
    if real is None:
        return True, f"the server does not say; vam.region is {ctx.settings.region}", ""
    if real != ctx.settings.region:
        return (
            True,
            f"the bucket is in {printable(real)}, not vam.region {ctx.settings.region}"
            " (it works: each client is redirected once)",
            f"`git vam config vam.region {printable(real)}` (or AWS_REGION) saves the redirect.",
        )
    return True, real, ""


def _probe(ctx: Context) -> tuple[bool, str, str]:
    key = f"{ctx.brand_prefix}.vam-doctor-{uuid.uuid4().hex[:12]}.json"
    etag = ctx.store.put_json(key, {"doctor": True}, "")
    data, got = ctx.store.get_json(key)
    ctx.store.delete(key)
    if data != {"doctor": True} or got != etag:
        return False, "a test object did not read back intact", "Check the endpoint and any proxy in between."
    return True, "a test object was written, read back and deleted", ""


def _conditions(ctx: Context) -> tuple[bool, str, str]:
    if probe.conditional_writes(ctx, fresh=True):
        return True, "a second If-None-Match write was refused, as it must be", ""
    return (
        False,
        "the server ignores If-None-Match: two people pushing the same file at once are not protected",
        "Use a server that honours conditional writes (AWS S3 and SeaweedFS do); see docs/COMPATIBILITY.md.",
    )


def _skew(ctx: Context) -> tuple[bool, str, str]:
    server = ctx.store.server_time()
    if server is None:
        return True, "the server sent no Date header; not checked", ""
    skew = (datetime.now(timezone.utc) - server).total_seconds()
    if abs(skew) > SKEW_LIMIT:
        return (
            False,
            f"this clock is {skew:+.0f} s off the server's",
            "Sync the clock (NTP): S3 refuses requests 15 min off.",
        )
    return True, f"{skew:+.1f} s", ""
