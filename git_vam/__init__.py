"""git-vam: keep heavy video files out of git and move them through S3."""

__version__ = "0.1.0"
