"""The manifest merge driver: ``git-vam merge-manifest %O %A %B %P``.

Merges two sides' manifest changes file by file and writes the result over
%A (git's contract for merge drivers). Exit 0: clean; 1: the same file changed
differently on both sides, recorded under ``conflicts`` so the result is still
valid JSON that ``git vam status`` explains and ``git vam pull`` resolves.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from git_vam.manifest import merge3
from git_vam.state import write_json_atomic


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def run(base: Path, ours: Path, theirs: Path, path: str) -> int:
    o, a, b = _load(base), _load(ours), _load(theirs)
    if a is None or b is None or o is None:
        print(f"git vam: {path}: a side is not valid JSON; resolve it by hand or with `git vam manifest`",
              file=sys.stderr)  # fmt: skip
        return 1
    merged, conflicts = merge3(o, a, b)
    write_json_atomic(ours, merged)
    for rel in conflicts:
        print(f"git vam: {path}: {rel} changed differently on both sides; run `git vam status`", file=sys.stderr)
    return 1 if conflicts else 0
