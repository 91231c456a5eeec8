"""The managed block that ``git vam init`` writes into ``.gitignore``.

Only the text between the markers belongs to git-vam; everything else in the
file is the user's and is kept as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

from git_vam.layout import ENV_FILE, MANIFEST_NAME, STAGING_DIR

BEGIN = "# >>> git-vam managed block (git vam init rewrites it; edit outside) >>>"
END = "# <<< git-vam managed block <<<"


def _any_case(ext: str) -> str:
    # gitignore matching is case-sensitive on Linux: RAW.MP4 needs [mM][pP]4.
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in ext)


def managed_block(video_extensions: tuple[str, ...]) -> str:
    """The block's text (markers included, newline-terminated)."""
    lines = [BEGIN, "# Video never goes into git: it travels through S3 (git vam push/pull)."]
    lines += [f"*.{_any_case(ext)}" for ext in video_extensions]
    lines += [
        f"# Shared through S3, described by the committed {MANIFEST_NAME}",
        f"{STAGING_DIR}/",
        "# Personal settings and secrets",
        ENV_FILE,
        END,
    ]
    return "\n".join(lines) + "\n"


def write_block(path: Path, video_extensions: tuple[str, ...], *, at_end: bool = False) -> bool:
    """Put the managed block into the ``.gitignore`` at ``path``; returns True when it changed.

    An existing block is replaced where it stands, or with ``at_end`` moved to
    the end of the file so that no earlier line can override it (``check --fix``).
    """
    block = managed_block(video_extensions)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    head, tail = old, ""
    if BEGIN in old and END in old:
        head, _, rest = old.partition(BEGIN)
        _, _, tail = rest.partition(END)
        tail = tail.lstrip("\n")
    if at_end or not (BEGIN in old and END in old):
        rest_text = head + tail
        if rest_text and not rest_text.endswith("\n"):
            rest_text += "\n"
        new = rest_text + ("\n" if rest_text.strip() and not rest_text.endswith("\n\n") else "") + block
    else:
        new = head + block + tail
    if new == old:
        return False
    tmp = path.with_name(f".gitignore.{os.getpid()}.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)
    return True
