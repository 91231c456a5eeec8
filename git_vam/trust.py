"""Trust on first use of the destination that ``.vamconfig`` names (DESIGN §6).

``.vamconfig`` is tracked: anyone with push rights can change where every
collaborator's uploads and signed requests go. The destination keys
(``config.DESTINATION``: endpoint, bucket, prefixes, region, SSE, notify) that
``.vamconfig`` named when this clone first used S3 are kept in
``.git/vam/trusted.json``. When a commit changes one of them, and that value is
the one in effect (no personal git config or environment overrides it),
transfers and hooks stop with one line naming the change, the commit and its
author, until the user runs ``git vam trust``.
"""

from __future__ import annotations

from pathlib import Path

from git_vam import git
from git_vam.config import DESTINATION, Settings
from git_vam.errors import ConfigError
from git_vam.fs import printable
from git_vam.layout import CONFIG_FILE
from git_vam.state import read_json, write_json_atomic
from git_vam.values import url_site

TRUST_FILE = "trusted.json"


def _path(state_dir: Path) -> Path:
    return state_dir / TRUST_FILE


def changes(state_dir: Path, settings: Settings) -> list[tuple[str, str, str]]:
    """``[(key, trusted value, new value)]`` for each destination key whose
    ``.vamconfig`` value differs from the trusted one and is in effect.

    With no record yet, the current values are recorded (first use) and ``[]``
    returned."""
    recorded = read_json(_path(state_dir))
    current = dict(settings.team_destination)
    if not isinstance(recorded, dict):
        write_json_atomic(_path(state_dir), current)
        return []
    out = []
    for key in DESTINATION:
        old, new = str(recorded.get(key, "")), current.get(key, "")
        in_effect = settings.origins.get(key, CONFIG_FILE) == CONFIG_FILE
        if old != new and in_effect:
            out.append((key, old, new))
    return out


def last_change(root: Path) -> str:
    """``commit abbrev by author (date)`` of the last commit that touched
    ``.vamconfig``, or a note that the change is not committed."""
    dirty = git.out(root, "status", "--porcelain", "--", CONFIG_FILE, check=False).strip()
    if dirty:
        return "an uncommitted edit of .vamconfig"
    out = git.out(root, "log", "-1", "--format=%h by %an <%ae> (%cs)", "--", CONFIG_FILE, check=False).strip()
    return f"commit {printable(out)}" if out else "an unknown commit"


def shown(key: str, value: str) -> str:
    """A destination value as it may be printed: a webhook's path is its token,
    so ``vam.notify`` shows each URL's scheme and host only."""
    if not value:
        return "(unset)"
    if key == "notify":
        return ", ".join(f"{url_site(url)}/…" for url in value.split())
    return printable(value)


def describe(found: list[tuple[str, str, str]]) -> str:
    return "; ".join(f"vam.{k} {shown(k, old)} → {shown(k, new)}" for k, old, new in found)


def check(root: Path, state_dir: Path, settings: Settings) -> None:
    """Raise ConfigError (exit 2) when ``.vamconfig`` changed the destination."""
    found = changes(state_dir, settings)
    if found:
        raise ConfigError(
            f".vamconfig changed where files go ({describe(found)}) in {last_change(root)}; nothing was sent.",
            "If you expected this, run `git vam trust`; if not, ask who made that commit.",
        )


def accept(state_dir: Path, settings: Settings) -> list[tuple[str, str, str]]:
    """Record the destination ``.vamconfig`` now names; returns what changed."""
    found = changes(state_dir, settings)
    write_json_atomic(_path(state_dir), dict(settings.team_destination))
    return found
