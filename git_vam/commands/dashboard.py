"""``git vam dashboard``: one self-contained HTML page of every project (``core.dashboard``)."""

from __future__ import annotations

import webbrowser
from pathlib import Path

from git_vam import output
from git_vam.core.dashboard import dashboard
from git_vam.errors import EXIT_OK
from git_vam.render import render_dashboard


def run(cwd: Path, *, out_file: str | None, open_browser: bool, all_brands: str | None, as_json: bool) -> int:
    data, default_out = dashboard(cwd, all_brands)
    target = Path(out_file) if out_file else default_out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_dashboard(data), encoding="utf-8")
    if as_json:
        output.print_json({"file": str(target), **data})
    else:
        n = sum(len(b["projects"]) for b in data["brands"])
        output.out().print(f"Dashboard of {n} projects written to {target}", markup=False)
    if open_browser and not webbrowser.open(target.resolve().as_uri()):
        output.err().print(f"git vam: no browser found here; open {target} yourself.", markup=False)
    return EXIT_OK
