"""``git vam manifest``: rebuild manifests from S3; ``--check`` reports disagreement."""

from __future__ import annotations

from typing import Any

from git_vam import manifest as mf
from git_vam import output
from git_vam.context import Context
from git_vam.core import gather, record
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK


def differences(old: mf.Manifest, new: mf.Manifest) -> list[str]:
    """Human lines for each path whose entry differs between two manifests."""
    lines = []
    for rel in sorted(set(old.files) | set(new.files)):
        a, b = old.files.get(rel), new.files.get(rel)
        if a == b:
            continue
        if a is None:
            lines.append(f"{rel}: on S3, not in the manifest")
        elif b is None:
            lines.append(f"{rel}: in the manifest, not on S3")
        elif a.deleted != b.deleted:
            lines.append(f"{rel}: {'deleted' if a.deleted else 'present'} in the manifest, not on S3")
        elif a.md5 != b.md5:
            lines.append(f"{rel}: manifest MD5 {a.md5}, S3 {b.md5}")
        else:
            lines.append(f"{rel}: details differ (uploader, time or ETag)")
    if "conflicts" in old.extra:
        lines.append("unresolved merge conflicts recorded in the manifest")
    return lines


def run(ctx: Context, names: tuple[str, ...], *, use_all: bool, check: bool, as_json: bool) -> int:
    projects = ctx.projects(names, use_all, "manifest")
    report: list[dict[str, Any]] = []
    with ctx.state:
        for project in projects:
            view = gather.gather(ctx, project, tolerate_bad_manifest=not check)
            new = record.rebuilt_manifest(view)
            diff = differences(view.manifest, new)
            written = False
            if not check and (diff or not project.manifest_path.exists()):
                written = mf.save(project.manifest_path, new)
            report.append({"project": project.name, "differences": diff, "written": written})
    if as_json:
        output.print_json({"check": check, "projects": report})
    else:
        con = output.out()
        for r in report:
            if not r["differences"]:
                con.print(f"{r['project']}: manifest matches S3")
                continue
            verb = "differs from S3" if check else "rebuilt from S3"
            con.print(f"{r['project']}: manifest {verb}")
            for line in r["differences"]:
                con.print(f"  {line}", markup=False)
        if not check and any(r["written"] for r in report):
            con.print("Commit the manifest(s) to share them: git add */s3-staging.manifest.json && git commit")
    return EXIT_INCOMPLETE if check and any(r["differences"] for r in report) else EXIT_OK
