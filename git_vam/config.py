"""Layered settings with the origin of every value (DESIGN §2).

Layers, later wins: built-in defaults → ``.vamconfig`` (tracked, git-config
syntax) → ``.video-tools.env`` (untracked, the existing tools' format) → git
config ``vam.*`` (global, then repository: git's own precedence) → environment
(``VAM_*``, ``AWS_*``) → command-line flags.

Credentials are not settings: they come from the standard AWS chain, plus
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN`` from
``.video-tools.env`` for compatibility when the environment has none. They are
never printed; ``describe()`` shows only where they come from.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from git_vam import git
from git_vam.errors import ConfigError
from git_vam.layout import CONFIG_FILE, ENV_FILE
from git_vam.values import (
    parse_age,
    parse_bool,
    parse_extensions,
    parse_int,
    parse_money,
    parse_path,
    parse_prefix,
    parse_prices,
    parse_rate,
    parse_size,
    parse_urls,
    url_site,
)


@dataclass(frozen=True)
class Key:
    """One setting: its git-config name, ``.video-tools.env`` name, default text and parser."""

    name: str  # e.g. "stagingPrefix" (git config: vam.stagingPrefix)
    default: str | None
    parse: Callable[[str], Any] = str
    env_file: str | None = None
    multi: bool = False  # git config multi-valued (``git config --add``): values of one file add up

    @property
    def attr(self) -> str:
        """``staging_prefix`` for ``stagingPrefix``: the Settings attribute."""
        return re.sub(r"(?<!^)([A-Z])", r"_\1", self.name).lower()

    @property
    def env_var(self) -> str:
        """``VAM_STAGING_PREFIX`` for ``stagingPrefix``."""
        return "VAM_" + self.attr.upper()


def _key(
    default: str | None, parse: Callable[[str], Any] = str, env_file: str | None = None, *, multi: bool = False
) -> Any:
    """A Settings field that is a setting: the key table lives on the fields."""
    return field(metadata={"key": (default, parse, env_file, multi)})


def _camel(attr: str) -> str:
    head, *rest = attr.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class Settings:
    """Effective settings, typed and frozen. Every field made with ``_key`` is one
    ``vam.*`` key (git-config name: the field name in camelCase, so ``max_file_size``
    is ``vam.maxFileSize``); sizes are bytes, rates bytes per second, prefixes end
    with ``/`` or are empty. ``origins[key name]`` says where each value came from."""

    bucket: str | None = _key(None, str, "S3_BUCKET")
    staging_prefix: str = _key("staging/", parse_prefix, "S3_STAGING_PREFIX")
    archive_prefix: str = _key("archive/", parse_prefix, "S3_ARCHIVE_PREFIX")
    archive_bucket: str | None = _key(None, str, "S3_ARCHIVE_BUCKET")  # unset: vam.bucket holds the archive too
    endpoint: str | None = _key(None, str, "AWS_ENDPOINT_URL")
    region: str = _key("us-east-1", str, "AWS_REGION")
    user: str = _key(None, str, "S3_SYNC_USER")  # always set by finish()
    brand: str = _key(None)  # always set by finish()
    max_file_size: int = _key("50MB", parse_size)
    video_extensions: tuple[str, ...] = _key("mp4 mov avi mkv webm m4v mxf", parse_extensions)
    auto_pull: bool = _key("true", parse_bool)
    auto_pull_max_size: int = _key("5GB", parse_size)
    auto_commit: bool = _key("true", parse_bool)
    lifecycle_days: int = _key("90", parse_int, "S3_STAGING_CLEANUP_DAYS")
    archive_glacier_days: int = _key("30", parse_int)
    trash_days: int = _key("30", parse_int)  # days a replaced or deleted version stays in the S3 trash
    # Four streams fill a typical home uplink without starving it; more only
    # helps on fast links (measured in benchmarks/).
    jobs: int = _key("4", parse_int)
    max_bandwidth: int = _key("0", parse_rate)
    sse: str | None = _key(None)
    kms_key_id: str | None = _key(None)
    accelerate: bool = _key("false", parse_bool)
    prices: Mapping[str, float] = _key("", parse_prices)  # cost overrides, USD per GB: "STANDARD=0.025 egress=0.08"
    # Files at or above this size go up as a multipart upload with parallel parts.
    multipart_threshold: int = _key("64MB", parse_size)
    # Webhooks told after a push that uploaded or deleted something (DESIGN §3).
    notify: tuple[str, ...] = _key("", parse_urls, multi=True)
    # A desktop notification when the watcher brings files (DESIGN §10; personal).
    desktop_notify: bool = _key("false", parse_bool)
    # The storage tiers (DESIGN §8): the external drive, and when an idle project moves.
    ssd_base: str | None = _key(None, parse_path, "SSD_BASE")
    ssd_after: int = _key("90d", parse_age)  # seconds idle before local → SSD
    archive_after: int = _key("180d", parse_age, "S3_RETENTION_DAYS")  # seconds idle before → S3 archive
    ssd_retention_days: int = _key("90", parse_int, "SSD_RETENTION_DAYS")
    budget: float = _key("0", parse_money)  # USD per month; 0: no budget

    origins: Mapping[str, str] = field(default_factory=dict)
    # Credentials from .video-tools.env, used only when the environment has none.
    env_file_credentials: Mapping[str, str] = field(default_factory=dict)
    # The destination keys as .vamconfig names them (raw text), for the trust check.
    team_destination: Mapping[str, str] = field(default_factory=dict)
    # One line each: a team value ignored or replaced by its default (shown once).
    warnings: tuple[str, ...] = ()

    def describe(self, chain_origin: str = "", *, human: bool = False) -> list[tuple[str, str, str]]:
        """Rows ``(key, value as text, origin)`` for ``git vam config``; secrets never
        included. ``chain_origin`` names where the AWS chain found credentials (the
        s3 layer asks botocore); ``human`` shows sizes as ``50.0 MiB``, rates as
        ``2.0 MiB/s``, instead of bytes."""
        from git_vam.units import human_size

        rows = []
        for key in KEYS:
            value = getattr(self, key.attr)
            if human and key.parse is parse_size and isinstance(value, int):
                text = human_size(value)
            elif human and key.parse is parse_rate and isinstance(value, int):
                text = f"{human_size(value)}/s" if value else "unlimited"
            elif key.parse is parse_urls:
                # a webhook URL is a secret (Slack's and Discord's carry their token): scheme and host only
                text = " ".join(f"{url_site(url)}/…" for url in value)
            elif isinstance(value, tuple):
                text = " ".join(value)
            elif isinstance(value, Mapping):
                text = " ".join(f"{k}={v}" for k, v in value.items())
            elif isinstance(value, bool):
                text = str(value).lower()
            elif key.parse is parse_age:
                text = f"{value // 86400}d"
            elif key.parse is parse_money:
                text = f"${value:g}/month" if value else "none"
            else:
                text = "" if value is None else str(value)
            rows.append((f"vam.{key.name}", text, self.origins.get(key.name, "default")))
        key_id = os.environ.get("AWS_ACCESS_KEY_ID") or self.env_file_credentials.get("AWS_ACCESS_KEY_ID")
        shown = f"{key_id[:4]}…{key_id[-2:]}" if key_id and len(key_id) > 8 else ("set" if key_id else "")
        if not os.environ.get("AWS_ACCESS_KEY_ID") and self.env_file_credentials:
            origin = f"{ENV_FILE} (AWS_ACCESS_KEY_ID)"
        else:
            origin = chain_origin or "none found"
        rows.append(("credentials", shown or ("set" if chain_origin else "none"), origin))
        return rows


# The key table, read off the fields of Settings (one place names each key).
KEYS: tuple[Key, ...] = tuple(Key(_camel(f.name), *f.metadata["key"]) for f in fields(Settings) if "key" in f.metadata)
KEY_BY_LOWER = {k.name.lower(): k for k in KEYS}
# Never taken from the tracked .vamconfig (DESIGN §6): who you are and how much of
# your link git-vam may use are yours, not something a commit can set; so is the
# path of your drive (a path on this machine: a commit must not choose where we write).
PERSONAL = ("user", "jobs", "maxBandwidth", "ssdBase", "desktopNotify")
# Where data goes: a change of these in .vamconfig stops transfers until `git vam trust`.
DESTINATION = (
    "endpoint", "bucket", "archiveBucket", "stagingPrefix", "archivePrefix", "region", "sse", "kmsKeyId", "notify",
)  # fmt: skip
# The pre-commit guard, when set by the team: it may be tightened, never turned off.
GITHUB_HARD_LIMIT = 100 * 1024**2  # GitHub refuses files over 100 MB
# The AWS variables that the environment layer reads besides VAM_*.
AWS_ENV = {"endpoint": ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"), "region": ("AWS_REGION", "AWS_DEFAULT_REGION")}
CREDENTIAL_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def _git_config(root: Path, *args: str) -> tuple[int, str, str]:
    """Run ``git config ARGS`` (plain subprocess: this runs on every commit, and
    GitPython's import alone costs more than the call)."""
    proc = git.run(root, "config", *args, check=False)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def _add(values: dict[str, str], lname: str, value: str) -> None:
    """Record one ``vam.*`` line: a later one replaces an earlier one, except for a
    multi-valued key, whose values add up (one per line)."""
    key = KEY_BY_LOWER.get(lname)
    if key is not None and key.multi and lname in values:
        values[lname] += "\n" + value
    else:
        values[lname] = value


def _read_vamconfig(path: Path) -> dict[str, str]:
    """``vam.*`` entries of a git-config-syntax file, keyed by lower-case name."""
    code, out, err = _git_config(path.parent, "-f", path.name, "--get-regexp", r"^vam\.")
    if code == 1 and not err.strip():
        return {}  # no vam.* keys
    if code != 0:
        first = (err.strip().splitlines() or ["unreadable"])[0].removeprefix("fatal: ")
        raise ConfigError(
            f"{path.name} is not valid git-config syntax: {first}",
            f"Fix it, or check it with `git config -f {path.name} --list`.",
        )
    values: dict[str, str] = {}
    for line in out.splitlines():
        name, _, value = line.partition(" ")
        _add(values, name.split(".", 1)[1].lower(), value)
    return values


def _read_git_config(repo_root: Path) -> list[tuple[str, dict[str, str]]]:
    """``vam.*`` from git config as ``[(origin, values)]``, lowest precedence first.

    One ``git config --show-scope`` call, so includes, XDG files and
    ``GIT_CONFIG_*`` are judged by git itself.
    """
    code, out, _ = _git_config(repo_root, "--show-scope", "--get-regexp", r"^vam\.")
    if code != 0:
        return []  # exit 1: no such keys
    layers: dict[str, dict[str, str]] = {}
    for line in out.splitlines():
        scope, _, rest = line.partition("\t")
        name, _, value = rest.partition(" ")
        _add(layers.setdefault(f"git config ({scope})", {}), name.split(".", 1)[1].lower(), value)
    return list(layers.items())


def _read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` pairs of ``.video-tools.env`` (python-dotenv's format).

    Raises ConfigError naming the first line that cannot be parsed, rather
    than silently dropping a setting.
    """
    from dotenv import dotenv_values
    from dotenv.parser import parse_stream

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path.name} is not UTF-8 text.", "It must be KEY=value lines in UTF-8 (the .env format)."
        ) from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            # The line itself is not shown: it may hold a secret.
            raise ConfigError(
                f"{path.name} line {binding.original.line} cannot be parsed.",
                "Each setting is one KEY=value line (quote values with spaces).",
            )
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def load(
    repo_root: Path,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the effective settings of the repository at ``repo_root``.

    ``flags`` holds command-line overrides by key name (``{"bucket": "b"}``),
    ``None`` values ignored. Raises ConfigError naming the layer of a bad value.
    """
    env = os.environ if environ is None else environ
    raw: dict[str, tuple[str, str]] = {}  # name -> (text, origin)
    for key in KEYS:
        if key.default is not None:
            raw[key.name] = (key.default, "default")

    warnings: list[str] = []
    team_destination: dict[str, str] = {}
    env_file_credentials: dict[str, str] = {}
    config_file = repo_root / CONFIG_FILE
    if config_file.is_file() and not config_file.is_symlink():
        team = _read_vamconfig(config_file)
        by_lower = {name.lower(): name for name in DESTINATION}
        team_destination = {by_lower[k]: v for k, v in team.items() if k in by_lower}
        for lname, text in team.items():
            team_key = KEY_BY_LOWER.get(lname)
            if team_key is None:
                continue
            if team_key.name in PERSONAL:
                warnings.append(
                    f"vam.{team_key.name} in {CONFIG_FILE} is ignored: it is a personal setting "
                    f"(set it with `git config vam.{team_key.name} …`)."
                )
                continue
            try:
                team_key.parse(text)
            except ValueError as exc:
                # one bad tracked value must not block every collaborator's commit
                warnings.append(f"vam.{team_key.name} in {CONFIG_FILE}: {exc}; using the default.")
                continue
            raw[team_key.name] = (text, CONFIG_FILE)

    env_file = repo_root / ENV_FILE
    if env_file.is_file() and _is_tracked(repo_root, ENV_FILE):
        warnings.append(
            f"{ENV_FILE} is tracked by git, so anyone could have written it: ignored. "
            f"Run `git rm --cached {ENV_FILE}` and keep it private."
        )
    elif env_file.is_file():
        values = _read_env_file(env_file)
        for key in KEYS:
            if key.env_file and values.get(key.env_file):
                raw[key.name] = (values[key.env_file], f"{ENV_FILE} ({key.env_file})")
        env_file_credentials = {k: values[k] for k in CREDENTIAL_VARS if values.get(k)}

    for origin, values in _read_git_config(repo_root):
        for lname, text in values.items():
            if lname in KEY_BY_LOWER:
                raw[KEY_BY_LOWER[lname].name] = (text, origin)

    for key in KEYS:
        for var in AWS_ENV.get(key.name, ()):
            if env.get(var):
                raw[key.name] = (env[var], f"environment ({var})")
                break
        if env.get(key.env_var):
            raw[key.name] = (env[key.env_var], f"environment ({key.env_var})")

    for name, value in (flags or {}).items():
        if value is not None:
            raw[name] = (str(value), "command line")

    parsed: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key in KEYS:
        if key.name not in raw:
            parsed[key.attr] = None
            continue
        text, origin = raw[key.name]
        try:
            parsed[key.attr] = key.parse(text)
        except ValueError as exc:
            raise ConfigError(
                f"vam.{key.name} from {origin}: {exc}.",
                "Fix the value where it is set (see `git vam config`).",
            ) from None
        origins[key.name] = origin
    if parsed["jobs"] < 1:
        raise ConfigError("vam.jobs must be at least 1.", "Set e.g. `git config vam.jobs 4`.")
    _keep_guard_on(parsed, origins, warnings)
    return Settings(
        **parsed,
        origins=origins,
        env_file_credentials=env_file_credentials,
        team_destination=team_destination,
        warnings=tuple(warnings),
    )


def _keep_guard_on(parsed: dict[str, Any], origins: Mapping[str, str], warnings: list[str]) -> None:
    """A team value from ``.vamconfig`` may tighten the pre-commit guard, never turn
    it off for everyone: its video extensions add to the built-in ones, and its
    size limit stays at or under GitHub's hard 100 MB limit."""
    if origins.get("videoExtensions") == CONFIG_FILE:
        defaults = parse_extensions(KEY_BY_LOWER["videoextensions"].default or "")
        parsed["video_extensions"] = tuple(sorted(set(parsed["video_extensions"]) | set(defaults)))
    if origins.get("maxFileSize") == CONFIG_FILE and parsed["max_file_size"] > GITHUB_HARD_LIMIT:
        warnings.append(f"vam.maxFileSize in {CONFIG_FILE} is over GitHub's 100 MB limit; using 100MB.")
        parsed["max_file_size"] = GITHUB_HARD_LIMIT


def _is_tracked(repo_root: Path, name: str) -> bool:
    """Whether git tracks ``name`` (one ``git ls-files`` call)."""
    return bool(git.run(repo_root, "ls-files", "-z", "--", name, check=False).stdout.strip(b"\0"))


def finish(settings: Settings, brand: str, git_user: str | None) -> Settings:
    """The settings with the values that depend on the repository filled in:
    brand and user.

    The existing tools' ``S3_STAGING_PREFIX`` may end with the brand
    (``staging/v-appydave/``); that trailing part is dropped because git-vam
    appends the brand itself.
    """
    origins = dict(settings.origins)
    if settings.brand:
        brand = settings.brand
    else:
        origins["brand"] = "repository folder name"
    prefix = settings.staging_prefix
    if prefix.endswith(f"/{brand}/") or prefix == f"{brand}/":
        prefix = prefix[: -len(brand) - 1]
    user = settings.user
    if not user:
        if git_user:
            user, origins["user"] = git_user, "git user.name"
        else:
            import getpass

            user, origins["user"] = getpass.getuser(), "login name"
    return replace(settings, brand=brand, user=user, staging_prefix=prefix, origins=origins)
