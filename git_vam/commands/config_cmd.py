"""``git vam config [KEY [VALUE]] [--team]``: every setting (or one), its value and
where it came from; with VALUE, set it after validating it (DESIGN §3)."""

from __future__ import annotations

from git_vam import config, git, output, trust
from git_vam.context import Context
from git_vam.errors import EXIT_OK, ConfigError, UsageError, VamError
from git_vam.layout import CONFIG_FILE


def key_named(name: str) -> config.Key:
    """The key ``name`` names (``maxFileSize``, ``vam.maxfilesize``). Raises UsageError."""
    key = config.KEY_BY_LOWER.get(name.lower().removeprefix("vam."))
    if key is None:
        known = ", ".join(k.name for k in config.KEYS)
        raise UsageError(f"No setting is called {name!r}.", f"Settings: {known}.")
    return key


def set_value(ctx: Context, name: str, value: str, *, team: bool, as_json: bool) -> int:
    """Validate ``value`` with the key's own parser, then write it with ``git config``:
    this clone's ``.git/config``, or with ``team`` the tracked ``.vamconfig``
    (never a personal key there). ``vam.notify`` takes one more URL each time."""
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
    git.run(ctx.root, "config", *where, *(["--add"] if key.multi else []), f"vam.{key.name}", value)
    if team and key.name in config.DESTINATION:
        # you chose this destination yourself: no `git vam trust` needed for it here
        trust.accept(ctx.state.dir, config.load(ctx.root))
    place = f"{CONFIG_FILE} (commit it to share it)" if team else "this clone's git config"
    if as_json:
        output.print_json({"key": f"vam.{key.name}", "written_to": CONFIG_FILE if team else "git config (local)"})
    else:
        output.out().print(f"vam.{key.name} set in {place}.", markup=False)
    return EXIT_OK


def run(ctx: Context, *, as_json: bool, only: str | None = None) -> int:
    """Print the effective settings (secrets redacted). JSON keeps values as the
    tool reads them (sizes in bytes); the text layout shows sizes in binary
    units and is never truncated, on a terminal or in a pipe."""
    try:
        chain = ctx.store.credentials_origin() if ctx.settings.bucket else ""
    except VamError as exc:  # incomplete credentials: say so where they would be named
        chain = exc.message
    if only is not None:
        wanted = f"vam.{key_named(only).name}"
        rows = [r for r in ctx.settings.describe(chain, human=not as_json) if r[0] == wanted]
        if as_json:
            output.print_json({"key": rows[0][0], "value": rows[0][1], "origin": rows[0][2]})
        else:
            output.out().print(output.printable(f"{rows[0][1]}  ({rows[0][2]})"), markup=False, crop=False)
        return EXIT_OK
    if as_json:
        rows = ctx.settings.describe(chain)
        output.print_json([{"key": k, "value": v, "origin": o} for k, v, o in rows])
        return EXIT_OK
    rows = [("key", "value", "from"), *ctx.settings.describe(chain, human=True)]
    widths = [max(len(row[i]) for row in rows) for i in (0, 1)]
    for key, value, origin in rows:
        line = f"{key:<{widths[0]}}  {value:<{widths[1]}}  {origin}".rstrip()
        output.out().print(output.printable(line), markup=False, overflow="ignore", crop=False)
    return EXIT_OK
