"""Real MP4 files for the demo and the tests, made by ffmpeg (imageio-ffmpeg ships it)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_mp4(path: Path, label: str, *, seconds: float = 1.0, size: str = "160x120", rate: int = 10,
             audio: bool = False) -> Path:  # fmt: skip
    """Write an H.264 test-pattern MP4 at ``path``; ``label`` (stored as metadata)
    makes the bytes differ between files of the same length."""
    import imageio_ffmpeg

    path.parent.mkdir(parents=True, exist_ok=True)
    args = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
            "-f", "lavfi", "-i", f"testsrc2=duration={seconds}:size={size}:rate={rate}"]  # fmt: skip
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-shortest"]
    args += ["-metadata", f"title={label}", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(args, check=True)
    return path
