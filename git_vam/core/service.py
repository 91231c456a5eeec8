"""The watcher as a service (DESIGN §10): a per-user launchd agent (macOS) or
systemd user unit (Linux) that runs ``git vam watch`` for one repository, and
desktop notifications on arrival (``vam.desktopNotify``).

The unit runs the same Python that installed it (``sys.executable -m
git_vam``), in the repository, with ``--all``; the service manager stops it
with SIGTERM, which ``watch`` treats as Ctrl-C (exit 0, nothing half-written).
"""

from __future__ import annotations

import hashlib
import os
import plistlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from git_vam.context import Context
from git_vam.errors import UsageError
from git_vam.fs import printable

NOTIFY_TIMEOUT = 5  # seconds: a stuck notifier never holds the watch


@dataclass(frozen=True)
class Service:
    """One installed (or to be installed) watcher: its ``kind`` (``systemd`` or
    ``launchd``), ``name`` (unit name or launchd label), the file ``path``, its
    ``text``, the ``log`` it writes to (launchd; systemd: the journal) and the
    commands that ``start``, ``stop`` it and show its ``logs``."""

    kind: str
    name: str
    path: Path
    text: str
    log: str
    start: list[str]
    stop: list[str]
    logs: str


def kind_here() -> str:
    return "launchd" if sys.platform == "darwin" else "systemd"


def _name(root: Path, brand: str) -> str:
    """A name per repository: the brand, made safe, and a hash of its path (two
    clones of one brand are two services)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", brand).strip("-") or "repo"
    return f"git-vam-watch-{safe}-{hashlib.sha1(str(root).encode()).hexdigest()[:8]}"


def _systemd_quote(arg: str) -> str:
    """One ExecStart argument for systemd: double-quoted, ``\\`` and ``"`` escaped,
    ``%`` doubled (systemd.service(5): "Command lines", systemd.unit(5): specifiers)."""
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def _path_value(path: str) -> str:
    """A path as a systemd setting value (``%`` doubled; a path with a newline is refused)."""
    if "\n" in path:
        raise UsageError(f"{printable(path)}: a path with a line break cannot go in a service file.")
    return path.replace("%", "%%")


def service_for(ctx: Context, interval: int, kind: str | None = None, home: Path | None = None) -> Service:
    """The watcher service for this repository (``interval`` seconds between
    rounds); ``kind`` and ``home`` default to this machine and user."""
    kind = kind or kind_here()
    home = home or Path.home()
    root = ctx.root.resolve()
    name = _name(root, ctx.brand)
    argv = [sys.executable, "-m", "git_vam", "watch", "--all", "--interval", f"{interval}s", "--quiet"]
    path_env = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    if kind == "systemd":
        unit = f"{name}.service"
        text = (
            "[Unit]\n"
            f"Description=git vam watch: keep {_path_value(str(root))} pulled\n"
            "After=network-online.target\n"
            "Wants=network-online.target\n\n"
            "[Service]\n"
            "Type=simple\n"
            f"WorkingDirectory={_path_value(str(root))}\n"
            f"Environment={_systemd_quote('PATH=' + path_env)}\n"
            f"ExecStart={' '.join(_systemd_quote(a) for a in argv)}\n"
            "Restart=on-failure\n"
            "RestartSec=30\n"
            "KillSignal=SIGTERM\n"
            "TimeoutStopSec=120\n\n"
            "[Install]\n"
            "WantedBy=default.target\n"
        )
        return Service(
            "systemd", unit, home / ".config" / "systemd" / "user" / unit, text, "the user journal",
            ["systemctl", "--user", "daemon-reload", "&&", "systemctl", "--user", "enable", "--now", unit],
            ["systemctl", "--user", "disable", "--now", unit], f"journalctl --user -u {unit} -f",
        )  # fmt: skip
    if kind != "launchd":
        raise UsageError(f"Unknown service kind {kind!r}.")
    label = f"com.github.git-vam.{name.removeprefix('git-vam-')}"
    log = home / "Library" / "Logs" / "git-vam" / f"{name}.log"
    plist = {
        "Label": label,
        "ProgramArguments": argv,
        "WorkingDirectory": str(root),
        "EnvironmentVariables": {"PATH": path_env},
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 30,
        "ProcessType": "Background",
        "StandardOutPath": str(log),
        "StandardErrorPath": str(log),
    }
    text = plistlib.dumps(plist).decode()
    path = home / "Library" / "LaunchAgents" / f"{label}.plist"
    return Service(
        "launchd", label, path, text, str(log),
        ["launchctl", "bootstrap", "gui/$(id -u)", str(path)], ["launchctl", "bootout", f"gui/$(id -u)/{label}"],
        f"tail -f {_shell(str(log))}",
    )  # fmt: skip


def _shell(text: str) -> str:
    import shlex

    return shlex.quote(text)


def install(ctx: Context, interval: int) -> Service:
    """Write the service file (0644), creating its folder; the log folder too
    (launchd). Returns it; the caller prints how to start it."""
    service = service_for(ctx, interval)
    service.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = service.path.with_name(service.path.name + ".tmp")
    tmp.write_text(service.text, encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, service.path)
    if service.kind == "launchd":
        Path(service.log).parent.mkdir(parents=True, exist_ok=True)
    return service


def uninstall(ctx: Context) -> tuple[Service, bool]:
    """Remove this repository's service file: ``(service, whether one was there)``."""
    service = service_for(ctx, 60)
    there = service.path.exists()
    service.path.unlink(missing_ok=True)
    return service, there


def desktop_notify(title: str, text: str) -> bool:
    """A desktop notification (``osascript`` on macOS, ``notify-send`` elsewhere);
    False, silently, where neither exists or it fails. The text is someone
    else's (file names): passed as arguments, never through a shell."""
    title, text = printable(title)[:100], printable(text)[:300]
    if sys.platform == "darwin" and shutil.which("osascript"):
        script = "on run argv\ndisplay notification (item 2 of argv) with title (item 1 of argv)\nend run"
        argv = ["osascript", "-e", script, title, text]
    elif shutil.which("notify-send"):
        argv = ["notify-send", "--app-name=git-vam", "--", title, text]
    else:
        return False
    try:
        return subprocess.run(argv, capture_output=True, timeout=NOTIFY_TIMEOUT).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
