"""Projects and targets: which folders of a brand repository a command acts on.

Projects are the top-level folders of a brand repository (DESIGN §1). On the
command line one may be named in full, by a unique prefix (``b65``), or left out
to mean the project that holds the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from git_vam.errors import UsageError
from git_vam.layout import MANIFEST_NAME, STAGING_DIR


@dataclass(frozen=True)
class Project:
    """A project folder: ``root/name`` with its staging folder and manifest path."""

    root: Path
    name: str

    @property
    def path(self) -> Path:
        return self.root / self.name

    @property
    def staging(self) -> Path:
        return self.path / STAGING_DIR

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME

    @property
    def manifest_relpath(self) -> str:
        return f"{self.name}/{MANIFEST_NAME}"


def all_projects(root: Path) -> list[str]:
    """Names of the top-level folders that can be projects (not hidden), sorted.

    A symlink is never a project, even to a folder: a committed link
    (``b01-old -> ~/Movies``) would lead archive and push outside the
    repository (DESIGN §6)."""
    return sorted(p.name for p in root.iterdir() if not p.is_symlink() and p.is_dir() and not p.name.startswith("."))


def synced_projects(root: Path) -> list[str]:
    """Projects with an ``s3-staging/`` folder or a manifest (what ``--all`` means)."""
    return [
        name
        for name in all_projects(root)
        if os.path.lexists(root / name / STAGING_DIR) or (root / name / MANIFEST_NAME).is_file()
    ]


def resolve_projects(
    root: Path, names: tuple[str, ...], use_all: bool, cwd: Path, command: str = "push"
) -> list[Project]:
    """Turn command-line project names into projects.

    Raises UsageError (exit 2) for an unknown or ambiguous name, listing the
    candidates, and when no project is named outside any project folder (the
    remedy names ``command`` and the projects it could act on).
    """
    if use_all:
        if names:
            raise UsageError("Name projects or use --all, not both.")
        found = synced_projects(root)
        if not found:
            raise UsageError(
                "No project has an s3-staging/ folder or a manifest yet.",
                "Create PROJECT/s3-staging/ and put the files to share in it.",
            )
        return [Project(root, n) for n in found]
    candidates = all_projects(root)
    if not names:
        try:
            rel = cwd.resolve().relative_to(root)
        except ValueError:
            rel = Path()
        if not rel.parts or rel.parts[0].startswith("."):
            known = synced_projects(root) or candidates
            shown = ", ".join(known[:10]) + (", …" if len(known) > 10 else "")
            raise UsageError(
                "No project named, and the current directory is not inside one"
                + (f" (projects here: {shown})." if known else "."),
                f"Run `git vam {command} PROJECT` for one, or `git vam {command} --all` for every project.",
            )
        return [Project(root, rel.parts[0])]
    chosen: list[Project] = []
    for name in names:
        name = name.strip("/\\")
        if "/" in name or "\\" in name:
            raise UsageError(f"{name!r} is a path; this command takes a project.", "Name the project, e.g. b65.")
        if name in candidates:
            match = name
        else:
            matches = [c for c in candidates if c.startswith(name)]
            if not matches:
                shown = ", ".join(candidates[:20]) or "(none)"
                raise UsageError(f"No project matches {name!r}.", f"Projects here: {shown}")
            if len(matches) > 1:
                raise UsageError(
                    f"{name!r} matches several projects: {', '.join(matches)}.",
                    "Type more of the name.",
                )
            match = matches[0]
        if all(p.name != match for p in chosen):
            chosen.append(Project(root, match))
    return chosen


@dataclass(frozen=True)
class Target:
    """A project, limited to ``paths`` inside its ``s3-staging/`` (POSIX, NFC;
    none: the whole project). A path is never widened to the project."""

    project: Project
    paths: tuple[str, ...] = ()

    def covers(self, rel: str) -> bool:
        """Whether staging file ``rel`` is one of the paths or inside one of them."""
        return not self.paths or any(rel == p or rel.startswith(p + "/") for p in self.paths)


def _as_staging_path(root: Path, name: str, cwd: Path) -> tuple[str, str] | None:
    """``(project, path inside s3-staging or "")`` when ``name`` is a path: under
    the current directory inside a project (``raw.mp4`` in ``b65/`` means
    ``b65/s3-staging/raw.mp4``) if it exists there, or ``PROJECT/path``."""
    from git_vam.fs import safe_rel

    here = cwd.resolve()
    inside = here.relative_to(root).parts if here.is_relative_to(root) else ()
    if inside and not inside[0].startswith("."):
        project = inside[0]
        rel = Path(*inside[1:], name).as_posix() if name not in (".", "") else Path(*inside[1:]).as_posix()
        rel = "" if rel == "." else rel
        if rel == STAGING_DIR or rel.startswith(STAGING_DIR + "/"):
            rel = rel[len(STAGING_DIR) + 1 :]
        if os.path.lexists(root / project / STAGING_DIR / rel) or os.path.lexists(root / project / rel):
            return project, rel
    head, _, rest = name.replace("\\", "/").strip("/").partition("/")
    if not rest:
        return None
    if rest == STAGING_DIR or rest.startswith(STAGING_DIR + "/"):
        rest = rest[len(STAGING_DIR) + 1 :]
    norm = safe_rel(rest) if rest else ""
    if norm is None:
        raise UsageError(f"{name!r} is not a path inside s3-staging/.", "Name a file or folder, e.g. b65/raw.mp4.")
    return head, norm


def resolve_targets(
    root: Path,
    names: tuple[str, ...],
    use_all: bool,
    cwd: Path,
    on_s3: Callable[[], set[str]] | None = None,
    command: str = "push",
) -> list[Target]:
    """Turn command-line arguments into targets: a project (full name or unique
    prefix), ``PROJECT/path`` or a path under the current directory (limited to
    that file or folder of ``s3-staging/``). ``on_s3`` lists the project names
    that exist on S3; a full name found only there is a project too (pull).

    Raises UsageError (exit 2) as ``resolve_projects`` does.
    """
    if use_all or not names:
        return [Target(p) for p in resolve_projects(root, names, use_all, cwd, command)]
    wanted: dict[str, set[str] | None] = {}
    order: list[Project] = []
    for name in names:
        as_path = _as_staging_path(root, name, cwd)
        head, rel = as_path if as_path else (name, "")
        try:
            (project,) = resolve_projects(root, (head,), False, cwd, command)
        except UsageError:
            from git_vam.fs import safe_rel

            if on_s3 is None or safe_rel(head) != head or head.startswith(".") or "/" in head or head not in on_s3():
                raise
            project = Project(root, head)  # pushed by a collaborator; its manifest has not arrived yet
        if project.name not in wanted:
            order.append(project)
            wanted[project.name] = set()
        paths = wanted[project.name]
        if not rel or paths is None:
            wanted[project.name] = None  # the whole project
        else:
            paths.add(rel)
    return [Target(p, tuple(sorted(wanted[p.name] or ()))) for p in order]
