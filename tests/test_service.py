"""The watcher as a service (issue 24, DESIGN §10): the unit file a Linux user
gets is valid (systemd-analyze verify), its command line really runs the watch
and stops on SIGTERM as a service manager stops it; the macOS agent parses as a
property list; nothing of it goes through a shell."""

from __future__ import annotations

import json
import os
import plistlib
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

from helpers import World, git, make_mp4, md5, vam

from git_vam.context import open_context
from git_vam.core.service import service_for


def unit_settings(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_the_user_unit_is_valid_and_its_command_runs_the_watch_until_sigterm(shared: World, tmp_path: Path) -> None:
    d, j = shared.david, shared.jan
    out = json.loads(vam(j, "watch", "--install-service", "--interval", "1s", "--json").stdout)
    unit = Path(out["file"])
    assert unit.parent == Path(os.environ["HOME"]) / ".config" / "systemd" / "user"
    assert out["start"].endswith(f"systemctl --user enable --now {unit.name}") and "journalctl --user" in out["logs"]
    text = unit.read_text()
    if shutil.which("systemd-analyze"):  # the distribution's own checker, where it is installed
        check = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    settings = unit_settings(text)
    assert settings["WorkingDirectory"] == str(j.resolve()) and settings["KillSignal"] == "SIGTERM"
    # what systemd would start: the unit's own command line, in its folder, with its PATH
    argv = shlex.split(settings["ExecStart"])
    env = {**os.environ, "PATH": shlex.split(settings["Environment"])[0].removeprefix("PATH=")}
    make_mp4(shared.staging(d) / "arrives.mp4", "arrives")
    vam(d, "push", "b65")
    git(d, "push", "-q")
    git(j, "pull", "-q")  # (the hook may already bring it; the watcher must leave it right either way)
    (shared.staging(j) / "arrives.mp4").unlink(missing_ok=True)
    proc = subprocess.Popen(argv, cwd=settings["WorkingDirectory"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        target = shared.staging(j) / "arrives.mp4"
        while time.monotonic() < deadline and not target.exists():
            time.sleep(0.5)
        assert target.exists() and md5(target) == md5(shared.staging(d) / "arrives.mp4")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    removed = vam(j, "watch", "--uninstall-service")
    assert "Removed" in removed.stdout and not unit.exists()


def test_the_macos_agent_is_a_valid_property_list(shared: World, tmp_path: Path) -> None:
    repo = tmp_path / "Vidéos clients" / "v-brand"
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    git(repo, "config", "vam.bucket", "b")
    ctx = open_context(repo)
    agent = service_for(ctx, 300, kind="launchd", home=tmp_path / "home")
    plist = plistlib.loads(agent.text.encode())  # what `plutil -lint` checks: the document parses
    assert plist["Label"] == agent.name and plist["WorkingDirectory"] == str(repo.resolve())
    assert plist["ProgramArguments"][1:5] == ["-m", "git_vam", "watch", "--all"]
    assert plist["ProgramArguments"][-2:] == ["300s", "--quiet"]
    assert plist["StandardErrorPath"].endswith(".log") and plist["KeepAlive"] == {"SuccessfulExit": False}
    assert agent.path == tmp_path / "home" / "Library" / "LaunchAgents" / f"{agent.name}.plist"
    assert agent.stop == ["launchctl", "bootout", f"gui/$(id -u)/{agent.name}"]


def test_paths_with_quotes_and_percent_signs_stay_one_argument(tmp_path: Path) -> None:
    repo = tmp_path / 'say "100%" done'
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    git(repo, "config", "vam.bucket", "b")
    unit = service_for(open_context(repo), 60, kind="systemd", home=tmp_path)
    settings = unit_settings(unit.text)
    assert settings["WorkingDirectory"] == str(repo.resolve()).replace("%", "%%")
    path = tmp_path / "unit.service"
    path.write_text(unit.text)
    if shutil.which("systemd-analyze"):
        check = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_desktop_notify_on_arrival_passes_names_as_arguments(shared: World, tmp_path: Path) -> None:
    # a notify-send that records its arguments stands in for the desktop
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "notified.json"
    fake = bin_dir / "notify-send"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}'\n")
    fake.chmod(0o755)
    d, j = shared.david, shared.jan
    name = "clip $(touch pwned) ;.mp4"
    make_mp4(shared.staging(d) / name, "named to bite")
    vam(d, "push", "b65")
    git(j, "config", "vam.desktopNotify", "true")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    vam(j, "watch", "b65", "--once", env=env)
    args = record.read_text().splitlines()
    assert args[:2] == ["--app-name=git-vam", "--"]
    assert args[2] == "git vam: 1 file(s) arrived" and name in args[3]
    assert not (j / "pwned").exists() and not Path("pwned").exists()
