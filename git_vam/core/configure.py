"""``git vam config``: every setting with its value and origin (secrets redacted),
and setting one after its key's own parser accepted the value (DESIGN §2, §3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from git_vam import config, git, trust
from git_vam.errors import ConfigError, UsageError, VamError
from git_vam.layout import CONFIG_FILE

if TYPE_CHECKING:
    from git_vam.context import Context


def key_named(name: str) -> config.Key:
    """The key ``name`` names (``maxFileSize``, ``vam.maxfilesize``). Raises UsageError."""
    key = config.KEY_BY_LOWER.get(name.lower().removeprefix("vam."))
    if key is None:
        known = ", ".join(k.name for k in config.KEYS)
        raise UsageError(f"No setting is called {name!r}.", f"Settings: {known}.")
    return key


def set_value(ctx: Context, name: str, value: str, *, team: bool) -> config.Key:
    """Validate ``value`` with the key's own parser, then write it with ``git config``:
    this clone's ``.git/config``, or with ``team`` the tracked ``.vamconfig``
    (never a personal key there; a destination set there is trusted by this
    clone, which chose it). A multi-valued key (``vam.notify``) is replaced.
    Returns the key; raises ConfigError or UsageError and writes nothing."""
    key = key_named(name)
    try:
        parsed = key.parse(value)
    except ValueError as exc:
        raise ConfigError(f"vam.{key.name}: {exc}.", "Nothing was written.") from None
    if team and key.name in config.PERSONAL:
        raise UsageError(f"vam.{key.name} is personal: .vamconfig cannot set it.", "Set it without --team.")
    if team and key.name == "maxFileSize" and parsed > config.GITHUB_HARD_LIMIT:
        raise UsageError("vam.maxFileSize in .vamconfig may be at most 100MB (GitHub's limit).", "Use 100MB or less.")
    where = ["-f", CONFIG_FILE] if team else []
    # a value set is the value: a multi-valued key (vam.notify) is replaced whole;
    # `git config --add vam.notify URL` adds one more
    git.run(ctx.root, "config", *where, "--replace-all", f"vam.{key.name}", value)
    if team and key.name in config.DESTINATION:
        trust.accept(ctx.state.dir, config.load(ctx.root))
    return key


def settings_rows(ctx: Context, *, human: bool, only: str | None = None) -> list[tuple[str, str, str]]:
    """``(key, value, origin)`` of every setting (or of ``only``), credentials'
    origin included as botocore finds them (never the secrets); sizes in binary
    units with ``human``, else as the tool reads them (bytes)."""
    try:
        chain = ctx.store.credentials_origin() if ctx.settings.bucket else ""
    except VamError as exc:  # incomplete credentials: say so where they would be named
        chain = exc.message
    rows = ctx.settings.describe(chain, human=human)
    if only is not None:
        wanted = f"vam.{key_named(only).name}"
        rows = [r for r in rows if r[0] == wanted]
    return rows
