"""Locks without a lock server (DESIGN §10): S3's conditional writes are enough.

A lock is the object ``{stagingPrefix}.vam-locks/{brand}/{project}/{path}.json``
(who, when, reason, host), created with ``If-None-Match: *`` so that of two
people locking at the same moment exactly one wins, and removed with
``If-Match`` on the ETag it was read with. A lock names a path, not a
version, lives only on S3 (no commit), and never blocks its holder: ``push``
skips only the files another person holds.
"""

from __future__ import annotations

import socket
from dataclasses import asdict, dataclass
from typing import Any

from git_vam.context import Context
from git_vam.core import notify
from git_vam.errors import ConflictError, UsageError, VamError
from git_vam.fs import printable, safe_rel
from git_vam.layout import LOCK_PREFIX, utc_now
from git_vam.pool import run_parallel

LOCK_SUFFIX = ".json"
FIELD_LIMIT = 200  # characters kept of each field a lock carries (it is someone else's text)


@dataclass(frozen=True)
class Lock:
    """One lock: ``project``/``path`` (inside ``s3-staging/``), who holds it, since
    when (UTC ISO-8601), why and from which host; ``etag`` of the lock object."""

    project: str
    path: str
    who: str
    since: str
    reason: str = ""
    host: str = ""
    etag: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "etag"}


def locks_prefix(ctx: Context) -> str:
    """``{stagingPrefix}.vam-locks/{brand}/``: every lock of the brand."""
    return f"{ctx.settings.staging_prefix}{LOCK_PREFIX}{ctx.brand}/"


def lock_key(ctx: Context, project: str, path: str) -> str:
    return f"{locks_prefix(ctx)}{project}/{path}{LOCK_SUFFIX}"


def split_target(ctx: Context, text: str) -> tuple[str, str]:
    """``PROJECT/PATH`` → ``(project, path)``, both checked as S3 names are
    (DESIGN §6); PROJECT may be a unique prefix (``b65``). Raises UsageError."""
    project, _, path = text.strip("/").partition("/")
    path = path.removeprefix("s3-staging/")
    if not path or safe_rel(project) != project or safe_rel(path) != path:
        raise UsageError(
            f"{printable(text)} is not PROJECT/PATH (a file inside the project's s3-staging/).",
            "Name the file as `git vam status` shows it, e.g. b65/edited.mp4.",
        )
    (found,) = ctx.projects((project,), False, command="lock")
    return found.name, path


def _read(ctx: Context, project: str, path: str, key: str) -> Lock | None:
    data, etag = ctx.store.get_json(key)
    if not etag:
        return None  # gone meanwhile
    data = data if isinstance(data, dict) else {}

    def text(name: str) -> str:
        return printable(str(data.get(name, "")))[:FIELD_LIMIT]

    return Lock(project, path, text("who") or "someone", text("since"), text("reason"), text("host"), etag)


def held(ctx: Context, projects: list[str] | None = None) -> dict[str, dict[str, Lock]]:
    """Every lock of the brand (or of ``projects``): ``{project: {path: Lock}}``.
    One listing of the brand's lock prefix, then one small GET per lock. Keys
    whose names are not safe paths are left out."""
    prefix = locks_prefix(ctx)
    found: list[tuple[str, str, str]] = []
    for key, _, _ in ctx.store.list_keys(prefix):
        rel = key[len(prefix) :]
        project, _, path = rel.partition("/")
        if not path.endswith(LOCK_SUFFIX) or (projects is not None and project not in projects):
            continue
        path = path[: -len(LOCK_SUFFIX)]
        if safe_rel(project) == project and path and safe_rel(path) == path:
            found.append((project, path, key))
    out: dict[str, dict[str, Lock]] = {}
    for lock in run_parallel(lambda f: _read(ctx, *f), found, 16):
        if lock is not None:
            out.setdefault(lock.project, {})[lock.path] = lock
    return out


def lock(ctx: Context, targets: list[str], reason: str = "") -> list[dict[str, Any]]:
    """Lock each ``PROJECT/PATH``: ``[{"project", "path", "state", "lock"}]`` with
    state ``locked`` (now), ``yours`` (you held it already) or ``held`` (someone
    else does: ``lock`` says who and since when)."""
    results = []
    for target in targets:
        project, path = split_target(ctx, target)
        key = lock_key(ctx, project, path)
        body = {"who": ctx.user, "since": utc_now(), "reason": reason, "host": socket.gethostname(),
                "project": project, "path": path}  # fmt: skip
        try:
            etag = ctx.store.put_json(key, body, "")
            state, current = "locked", Lock(project, path, ctx.user, body["since"], reason, body["host"], etag)
        except ConflictError:
            current = _read(ctx, project, path, key) or Lock(project, path, "someone", "")
            state = "yours" if current.who == ctx.user else "held"
        results.append({"project": project, "path": path, "state": state, "lock": current.to_json()})
    return results


def unlock(ctx: Context, targets: list[str], *, force: bool = False) -> list[dict[str, Any]]:
    """Remove the lock of each ``PROJECT/PATH`` (``If-Match`` on the ETag read):
    ``[{"project", "path", "state", "lock"}]``, state ``unlocked``, ``not locked``,
    ``held`` (another person's, without ``force``) or ``broken`` (another
    person's, with ``force``: ``vam.notify`` is told whose)."""
    results: list[dict[str, Any]] = []
    for target in targets:
        project, path = split_target(ctx, target)
        key = lock_key(ctx, project, path)
        current = _read(ctx, project, path, key)
        if current is None:
            results.append({"project": project, "path": path, "state": "not locked", "lock": None})
            continue
        theirs = current.who != ctx.user
        if theirs and not force:
            results.append({"project": project, "path": path, "state": "held", "lock": current.to_json()})
            continue
        try:
            ctx.store.delete(key, if_match=current.etag)
        except ConflictError:
            raise VamError(
                f"The lock on {project}/{printable(path)} changed while it was being removed.",
                "Run `git vam locks` and try again.",
            ) from None
        state = "broken" if theirs else "unlocked"
        results.append({"project": project, "path": path, "state": state, "lock": current.to_json()})
        if theirs and ctx.settings.notify:
            text = (f"{ctx.user} broke {current.who}'s lock on {ctx.brand}/{project}/{path} "
                    f"(held since {current.since}).")  # fmt: skip
            body = {"text": text, "content": text, "brand": ctx.brand, "project": project, "by": ctx.user,
                    "lock": current.to_json()}  # fmt: skip
            results[-1]["notify_warnings"] = notify.send(ctx.settings.notify, body)
    return results
