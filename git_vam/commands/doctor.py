"""``git vam doctor``: one line per check (``core.doctor``), pass or fail, with the fix."""

from __future__ import annotations

from pathlib import Path

from git_vam import output
from git_vam.core.doctor import doctor
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK


def run(cwd: Path, *, as_json: bool) -> int:
    results = doctor(cwd)
    failed = [r for r in results if not r.ok]
    if as_json:
        output.print_json({"ok": not failed, "checks": [r.__dict__ for r in results]})
    else:
        for r in results:
            output.out().print(f"{'ok  ' if r.ok else 'FAIL'} {r.name}: {r.detail}", markup=False)
            if r.fix:
                output.out().print(f"     {'fix' if not r.ok else 'tip'}: {r.fix}", markup=False)
    return EXIT_INCOMPLETE if failed else EXIT_OK
