"""``git vam lock``, ``unlock`` and ``locks``: print what ``core.locks`` did."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core import locks
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK
from git_vam.fs import printable


def _held(lock: dict[str, str]) -> str:
    why = f" ({lock['reason']})" if lock.get("reason") else ""
    return f"locked by {lock['who']} since {lock['since']}{why}"


def run_lock(ctx: Context, paths: tuple[str, ...], *, reason: str, as_json: bool) -> int:
    """Exit 1 when someone else holds one of the locks."""
    results = locks.lock(ctx, list(paths), reason)
    held = [r for r in results if r["state"] == "held"]
    if as_json:
        output.print_json({"locks": results})
        return EXIT_INCOMPLETE if held else EXIT_OK
    con = output.out()
    for r in results:
        name = printable(f"{r['project']}/{r['path']}")
        if r["state"] == "locked":
            con.print(f"locked {name}; `git vam unlock {name}` (or `git vam push --unlock`) when done", markup=False)
        elif r["state"] == "yours":
            con.print(f"{name}: you hold its lock already (since {r['lock']['since']})", markup=False)
        else:
            con.print(f"{name}: {_held(r['lock'])}; ask them to unlock it", markup=False)
    return EXIT_INCOMPLETE if held else EXIT_OK


def run_unlock(ctx: Context, paths: tuple[str, ...], *, force: bool, as_json: bool) -> int:
    """Exit 1 when a lock is another person's and not ``force``."""
    results = locks.unlock(ctx, list(paths), force=force)
    held = [r for r in results if r["state"] == "held"]
    if as_json:
        output.print_json({"unlocked": results})
        return EXIT_INCOMPLETE if held else EXIT_OK
    con = output.out()
    for r in results:
        name = printable(f"{r['project']}/{r['path']}")
        if r["state"] == "unlocked":
            con.print(f"unlocked {name}", markup=False)
        elif r["state"] == "not locked":
            con.print(f"{name}: not locked", markup=False)
        elif r["state"] == "broken":
            con.print(f"broke {r['lock']['who']}'s lock on {name} (held since {r['lock']['since']})", markup=False)
            for warning in r.get("notify_warnings", []):
                output.err().print(f"git vam: warning: {printable(warning)}", markup=False)
        else:
            con.print(f"{name}: {_held(r['lock'])}; `git vam unlock --force {name}` breaks it", markup=False)
    return EXIT_INCOMPLETE if held else EXIT_OK


def run_locks(ctx: Context, names: tuple[str, ...], *, as_json: bool) -> int:
    projects = [p.name for p in ctx.projects(names, False, command="locks")] if names else None
    found = locks.held(ctx, projects)
    rows = sorted((lock for by_path in found.values() for lock in by_path.values()), key=lambda x: (x.project, x.path))
    if as_json:
        output.print_json({"locks": [lock.to_json() for lock in rows]})
        return EXIT_OK
    con = output.out()
    if not rows:
        con.print("No locks.")
    for lock in rows:
        why = f" ({lock.reason})" if lock.reason else ""
        con.print(f"🔒 {printable(lock.project)}/{printable(lock.path)}  {lock.who}  since {lock.since}{why}",
                  markup=False)  # fmt: skip
    return EXIT_OK
