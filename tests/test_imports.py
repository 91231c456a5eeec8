"""The house's rules, checked (DVC's tests/unit/test_imports.py style): the
pre-commit check and the hooks' no-op path load neither boto3 nor rich; boto3
is imported only under git_vam/s3/; git runs as a subprocess only in
git_vam/git.py; the lower layers never import the commands."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_mp4

PACKAGE = Path(__file__).resolve().parent.parent / "git_vam"
PROBE = (
    "import sys\nfrom git_vam.cli import main\nrc = main(sys.argv[1:])\n"
    "print('LOADED', sorted(m for m in ('boto3', 'botocore', 'rich') if m in sys.modules))\n"
)


def loaded(cwd: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True)
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def brand(tmp_path: Path) -> Path:
    repo = tmp_path / "v-light"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    git(repo, "config", "user.name", "jan")
    git(repo, "config", "user.email", "jan@example.com")
    git(repo, "config", "-f", ".vamconfig", "vam.bucket", "b")
    (repo / "b65").mkdir()
    (repo / "b65" / "notes.md").write_text("hi\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    (repo / "b65" / "notes.md").write_text("hi again\n")
    git(repo, "commit", "-q", "-am", "two")
    return repo


def test_check_and_hook_no_op_paths_load_neither_boto3_nor_rich(brand: Path) -> None:
    make_mp4(brand / "b65" / "clip.mp4")
    git(brand, "add", "-f", "b65/clip.mp4")
    assert loaded(brand, "check") == "LOADED []"  # it blocked the video without them
    git(brand, "rm", "-q", "--cached", "b65/clip.mp4")
    assert loaded(brand, "check", "--gitignore") == "LOADED []"
    old = git(brand, "rev-parse", "HEAD~1").strip()
    new = git(brand, "rev-parse", "HEAD").strip()
    assert loaded(brand, "hook", "post-checkout", old, new, "1") == "LOADED []"
    git(brand, "update-ref", "ORIG_HEAD", old)
    assert loaded(brand, "hook", "post-merge", "0") == "LOADED []"


def modules() -> list[tuple[str, ast.Module]]:
    return [
        (p.relative_to(PACKAGE.parent).as_posix(), ast.parse(p.read_text(encoding="utf-8")))
        for p in sorted(PACKAGE.rglob("*.py"))
    ]


def imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_boto3_is_imported_only_under_s3() -> None:
    # git_vam/testing/ is the tests' and the demo's support (it makes buckets), not the tool
    outside = [
        path
        for path, tree in modules()
        if not path.startswith(("git_vam/s3/", "git_vam/testing/"))
        and any(n.split(".")[0] in ("boto3", "botocore") for n in imported(tree))
    ]
    assert outside == []


def test_git_runs_only_in_git_py() -> None:
    callers = []
    for path, tree in modules():
        for node in ast.walk(tree):
            is_list = isinstance(node, ast.List) and node.elts and isinstance(node.elts[0], ast.Constant)
            if is_list and node.elts[0].value == "git" and not path.startswith(("git_vam/git.py", "git_vam/testing/")):
                callers.append(path)
    assert callers == []


def test_lower_layers_never_import_commands_or_the_cli() -> None:
    upward = [
        path
        for path, tree in modules()
        if not path.startswith(("git_vam/commands/", "git_vam/cli/", "git_vam/__main__.py"))
        and any(n.startswith(("git_vam.commands", "git_vam.cli")) for n in imported(tree))
    ]
    assert upward == []


def imports_of(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """``(module, [names])`` of every ``from … import …`` in ``tree``."""
    return [
        (node.module, [a.name for a in node.names])
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    ]


def test_s3_layers_import_only_downward() -> None:
    # connection (client, errors) < bucket, upload, download < store: no circle
    below = {
        "git_vam/s3/connection.py": set(),
        "git_vam/s3/upload.py": {"git_vam.s3.connection"},
        "git_vam/s3/download.py": {"git_vam.s3.connection"},
        "git_vam/s3/bucket.py": {"git_vam.s3.connection"},
    }
    layered = {
        "git_vam.s3.connection",
        "git_vam.s3.upload",
        "git_vam.s3.download",
        "git_vam.s3.bucket",
        "git_vam.s3.store",
    }
    found = {
        path: {m for m in imported(tree) if m in layered}
        | {f"{m}.{n}" for m, names in imports_of(tree) if m == "git_vam.s3" for n in names}
        & {f"git_vam.s3.{n}" for n in ("upload", "download", "store", "bucket", "connection")}
        for path, tree in modules()
        if path in below
    }
    assert found == below


def test_nothing_imports_private_names_of_s3() -> None:
    private = [
        (path, module, name)
        for path, tree in modules()
        for module, names in imports_of(tree)
        for name in names
        if module.startswith("git_vam.s3") and name.startswith("_") and not path.startswith(module.replace(".", "/"))
    ]
    assert private == []


PLAN_TYPES = {"Action", "Direction", "FilePlan", "FileState"}  # the plan's data, which a command prints


def test_commands_reach_s3_and_the_planner_only_through_core() -> None:
    # a command calls one core function and prints (STYLE.md): no S3Store calls,
    # no planning of its own
    reaching = [
        path
        for path, tree in modules()
        if path.startswith("git_vam/commands/")
        and (
            any(m.startswith("git_vam.s3") for m in imported(tree))
            or any(m == "git_vam.plan" and set(names) - PLAN_TYPES for m, names in imports_of(tree))
            or any(isinstance(n, ast.Attribute) and n.attr == "store" for n in ast.walk(tree))
            or any(isinstance(n, ast.Attribute) and n.attr == "make_plan" for n in ast.walk(tree))
        )
    ]
    assert reaching == []


def test_every_package_ships() -> None:
    # pyproject.toml lists the packages (hooks/ ships as git_vam.shims): a new
    # subpackage left out of the list would be missing from a wheel install
    import re

    line = re.search(r"^packages = \[(.*)\]$", (PACKAGE.parent / "pyproject.toml").read_text(), re.M)
    assert line is not None
    listed = set(re.findall(r'"([^"]+)"', line.group(1)))
    found = {p.parent.relative_to(PACKAGE.parent).as_posix().replace("/", ".") for p in PACKAGE.rglob("__init__.py")}
    assert listed == found | {"git_vam.shims"}
