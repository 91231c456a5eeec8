"""What every command needs: the repository, its settings, its state and S3."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from git_vam import config, git, layout
from git_vam import projects as projects_mod
from git_vam.errors import ConfigError
from git_vam.fs import printable
from git_vam.state import State

if TYPE_CHECKING:
    from git_vam.s3.store import S3Store


@dataclass
class Context:
    """One repository as a command sees it."""

    root: Path
    settings: config.Settings
    state: State
    cwd: Path
    quick: bool = False  # hooks: one attempt, short connect timeout, so git is never held up
    _store: S3Store | None = None
    _archive_store: S3Store | None = None

    @property
    def brand(self) -> str:
        return self.settings.brand

    @property
    def user(self) -> str:
        return self.settings.user

    @property
    def bucket(self) -> str:
        """The bucket's name. Raises ConfigError when none is configured."""
        if not self.settings.bucket:
            raise ConfigError(
                "No S3 bucket is configured.",
                "Run `git vam init --bucket NAME`, or set S3_BUCKET in .video-tools.env.",
            )
        return self.settings.bucket

    @property
    def store(self) -> S3Store:
        """The bucket; created on first use so commands that stay local never import boto3."""
        if self._store is None:
            bucket = self.bucket  # "no bucket configured" comes first
            self._store = self._open(bucket)
        return self._store

    @property
    def archive_store(self) -> S3Store:
        """The bucket that holds the archive: ``vam.archiveBucket`` when set (the
        roadmap's ``appydave-video-archive``), else the staging bucket (DESIGN §8)."""
        name = self.settings.archive_bucket
        if not name or name == self.bucket:
            return self.store
        if self._archive_store is None:
            self._archive_store = self._open(name)
        return self._archive_store

    @property
    def archive_bucket(self) -> str:
        return self.settings.archive_bucket or self.bucket

    def _open(self, bucket: str) -> S3Store:
        from git_vam import trust
        from git_vam.s3.model import TransferConfig
        from git_vam.s3.store import S3Store

        s = self.settings
        trust.check(self.root, self.state.dir, s)  # DESIGN §6: no silent change of destination
        creds = {} if os.environ.get("AWS_ACCESS_KEY_ID") else dict(s.env_file_credentials)
        return S3Store(
            bucket=bucket,
            endpoint=s.endpoint,
            region=s.region,
            credentials=creds,
            sse=s.sse,
            kms_key_id=s.kms_key_id,
            accelerate=s.accelerate,
            transfer=(TransferConfig.for_hooks if self.quick else TransferConfig)(
                multipart_threshold=s.multipart_threshold,
                jobs=s.jobs,
                max_bandwidth=s.max_bandwidth,
            ),
        )

    @property
    def brand_prefix(self) -> str:
        """``{stagingPrefix}{brand}/``, the S3 prefix all the brand's projects are under."""
        return layout.brand_prefix(self.settings.staging_prefix, self.brand)

    def staging_prefix(self, project: str) -> str:
        """``{stagingPrefix}{brand}/{project}/``, the S3 prefix of a project's staging files."""
        return layout.staging_prefix(self.settings.staging_prefix, self.brand, project)

    def location(self, project: str) -> str:
        """``endpoint bucket/prefix``: what base records are valid against (records
        made against another server, bucket or prefix say nothing about this one)."""
        return f"{self.settings.endpoint or 'aws'} {self.bucket}/{self.staging_prefix(project)}"

    def projects(self, names: tuple[str, ...], use_all: bool, command: str = "push") -> list[projects_mod.Project]:
        return projects_mod.resolve_projects(self.root, names, use_all, self.cwd, command)

    def targets(
        self, names: tuple[str, ...], use_all: bool, *, s3_only: bool = False, command: str = "push"
    ) -> list[projects_mod.Target]:
        """Projects, or files and folders of their ``s3-staging/`` (``projects.resolve_targets``;
        a usage error's remedy names ``command``). With ``s3_only`` a full project
        name that exists only on S3 counts too (one listing)."""

        def on_s3() -> set[str]:
            return self.store.list_folders(self.brand_prefix)

        found = on_s3 if s3_only else None
        return projects_mod.resolve_targets(self.root, names, use_all, self.cwd, found, command)


def open_context(cwd: Path | None = None, flags: Mapping[str, Any] | None = None, *, quick: bool = False) -> Context:
    """Find the repository around ``cwd`` and load its settings (DESIGN §2).

    Raises UsageError outside a repository, ConfigError for a bad setting.
    """
    cwd = cwd or Path.cwd()
    root, git_dir = git.locate(cwd)
    settings = config.finish(config.load(root, flags), root.name, git.user_name(root))
    for warning in settings.warnings:
        print(f"git vam: warning: {printable(warning)}", file=sys.stderr)
    if not quick and (root / layout.CONFIG_FILE).is_file():
        from git_vam import hooks

        if line := hooks.notice(root):
            print(f"git vam: {line}", file=sys.stderr)
    return Context(root=root, settings=settings, state=State(git_dir), cwd=cwd, quick=quick)
