"""The command line itself: help, version, shell completion, colour."""

from __future__ import annotations

import os
import re
import subprocess

from helpers import World, make_mp4, vam


def test_help_lists_every_command() -> None:
    out = subprocess.run(["git-vam", "--help"], capture_output=True, text=True, check=True).stdout
    for name in ("init", "install", "uninstall", "push", "pull", "status", "cleanup", "check", "manifest",
                 "share", "doctor", "dashboard", "config", "watch", "log", "ls", "trash", "completion"):  # fmt: skip
        assert f"  {name} " in out, name
    # internal commands (git's hooks, the merge driver) stay hidden
    assert "  hook " not in out and "merge-manifest" not in out


def test_shell_completion() -> None:
    env = {**os.environ, "_GIT_VAM_COMPLETE": "bash_complete", "COMP_WORDS": "git-vam pu", "COMP_CWORD": "1"}
    out = subprocess.run(["git-vam"], capture_output=True, text=True, env=env).stdout
    assert "plain,pull" in out and "plain,push" in out
    script = subprocess.run(
        ["git-vam"], capture_output=True, text=True, env={**os.environ, "_GIT_VAM_COMPLETE": "bash_source"}
    ).stdout
    assert "complete" in script and "git-vam" in script


GIT_COMPLETION = "/usr/share/bash-completion/completions/git"  # shipped with Debian's git


def test_completion_of_git_space_vam_through_gits_own_bash_completion() -> None:
    # git's completion calls _git_vam for `git vam …`; ours hands the words to click
    script = (
        'eval "$(git vam completion bash)"\n'
        'COMP_WORDS=(git vam pu); COMP_CWORD=2; COMPREPLY=(); _git_vam; echo "direct: ${COMPREPLY[*]}"\n'
    )
    if os.path.exists(GIT_COMPLETION):  # the real path: git's completion dispatching to us
        script = (
            f"source {GIT_COMPLETION}\n"
            + script
            + (
                "COMP_WORDS=(git vam push --dr); COMP_CWORD=3; COMPREPLY=(); __git_wrap__git_main\n"
                'echo "via git: ${COMPREPLY[*]}"\n'
            )
        )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    assert "direct: pull push" in out
    if os.path.exists(GIT_COMPLETION):
        assert "via git: --dry-run" in out
    assert "_git-vam()" in subprocess.run(["git-vam", "completion", "zsh"], capture_output=True, text=True).stdout


def test_no_color_means_no_escape_codes(world: World) -> None:
    make_mp4(world.staging(world.david) / "raw.mp4")
    vam(world.david, "push", "b65")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(FORCE_COLOR="1", TERM="xterm-256color")  # as on a terminal
    colour = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])[;m]")  # foreground colour codes

    def status(extra: dict[str, str]) -> str:
        cmd = ["git", "vam", "status", "b65"]
        return subprocess.run(cmd, cwd=world.david, capture_output=True, text=True, env={**env, **extra}).stdout

    assert colour.search(status({}))  # the in-sync state is green on a terminal...
    out = status({"NO_COLOR": "1"})
    assert not colour.search(out) and "raw.mp4" in out  # ...and plain with NO_COLOR
