"""``git vam dashboard``: one self-contained HTML page of every project.

Built from the manifests, the local folders and one listing of the bucket per
brand (the whole ``{stagingPrefix}{brand}/`` prefix at once, not one per project).
"""

from __future__ import annotations

import os
import webbrowser
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from git_vam import manifest as mf
from git_vam import output
from git_vam.context import Context, open_context
from git_vam.core import gather
from git_vam.core.status import conflict_copies, file_state
from git_vam.errors import EXIT_OK, UsageError
from git_vam.layout import CONFIG_FILE, METADATA_JSON, STAGING_DIR, TIME_FORMAT, archive_base, is_archive_key
from git_vam.pricing import monthly_storage
from git_vam.render import render_dashboard
from git_vam.repo import Project, all_projects
from git_vam.s3.model import Listing

# Media that is heavy whatever its size: audio and layered or raw images (a PSD,
# a WAV) besides the videos of vam.videoExtensions.
HEAVY_MEDIA = ("wav", "aif", "aiff", "flac", "psd", "psb", "tif", "tiff", "exr", "dng", "cr2", "cr3", "nef", "arw")


def heavy_bytes(folder: Path, max_size: int, video_exts: tuple[str, ...]) -> int:
    """Bytes of videos, heavy media (``HEAVY_MEDIA``) and over-limit files under
    ``folder``: what stays off git and what an archive would free."""
    total = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            p = Path(dirpath) / name
            try:
                size = p.stat().st_size
            except OSError:
                continue
            ext = p.suffix[1:].lower()
            if ext in video_exts or ext in HEAVY_MEDIA or size > max_size:
                total += size
    return total


def age_days(stamp: str, now: datetime) -> float | None:
    try:
        then = datetime.strptime(stamp, TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return (now - then).total_seconds() / 86400


def collect_brand(ctx: Context) -> dict[str, Any]:
    """Everything the page shows for one brand repository."""
    now = datetime.now(timezone.utc)
    brand_prefix = ctx.brand_prefix
    listing = ctx.store.list_prefix(brand_prefix).objects  # one listing for the whole brand
    by_project: dict[str, dict[str, Any]] = {}
    for rel, obj in listing.items():
        name, _, path = rel.partition("/")
        if path and path != METADATA_JSON:
            by_project.setdefault(name, {})[path] = replace(obj, rel=path)
    # one listing of the brand's archive prefix: tars, earlier tars and cleanup --archive copies
    archive_objects = list(ctx.store.list_keys(f"{ctx.settings.archive_prefix}{ctx.brand}/"))
    names = sorted(set(all_projects(ctx.root)) | set(by_project))
    lifecycle = ctx.settings.lifecycle_days
    projects = []
    with ctx.state:
        for name in names:
            project = Project(ctx.root, name)
            view = gather.gather(
                ctx, project, listing=Listing(by_project.get(name, {}), [], {}), tolerate_bad_manifest=True
            )
            files = []
            members = [r.get("members") or {} for r in mf.archive_records(view.manifest)]
            archived = {m["md5"] for record in members for m in record.values()}
            for item in gather.make_plan(view, "push"):
                state, hint = file_state(item, view.manifest.files.get(item.rel), archived)
                remote = view.remote_objs.get(item.rel)
                age = age_days(remote.uploaded_at, now) if remote and remote.uploaded_at else None
                version = item.local or item.remote
                files.append(
                    {
                        "path": item.rel,
                        "state": state,
                        "next": hint,
                        "size": version.size if version else 0,
                        "uploaded_by": remote.uploaded_by if remote else "",
                        "uploaded_at": remote.uploaded_at if remote else "",
                        "stale": age is not None and age > lifecycle,
                    }
                )
            archive = (
                view.manifest.extra.get("archive") if isinstance(view.manifest.extra.get("archive"), dict) else None
            )
            staging_bytes = sum(o.size for o in view.remote_objs.values())
            base = archive_base(ctx.settings.archive_prefix, ctx.brand, name)
            listed = {key: (size, cls) for key, size, cls in archive_objects if is_archive_key(base, key)}
            # a record whose object the listing does not show (another bucket's view, a planted record) still counts
            for record in mf.archive_records(view.manifest):
                listed.setdefault(
                    str(record["key"]), (int(record.get("size", 0)), str(record.get("storage_class", "")))
                )
            stored = list(listed.values())
            archive_bytes = sum(size for size, _ in stored)
            archive_class = str(archive.get("storage_class", "")) if archive else (stored[0][1] if stored else "")
            cost = monthly_storage(staging_bytes) + sum(monthly_storage(size, cls) for size, cls in stored)
            for rel in conflict_copies(project.staging):
                files.append({"path": rel, "state": "conflict copy", "next": "keep it or the original",
                              "size": (project.staging / rel).lstat().st_size, "uploaded_by": "", "uploaded_at": "",
                              "stale": False})  # fmt: skip
            if not files and not archive and not stored and not (project.path / STAGING_DIR).exists():
                heavy = heavy_bytes(project.path, ctx.settings.max_file_size, ctx.settings.video_extensions)
                if not heavy:
                    continue  # a folder with nothing to show
            projects.append(
                {
                    "brand": ctx.brand,
                    "project": name,
                    "local_heavy_bytes": heavy_bytes(
                        project.path, ctx.settings.max_file_size, ctx.settings.video_extensions
                    ),
                    "staging_bytes": staging_bytes,
                    "files": files,
                    "archive": archive,
                    "archive_class": archive_class,
                    "archive_bytes": archive_bytes,
                    "monthly_cost": round(cost, 4),
                    "conflicts": sorted(view.manifest.extra.get("conflicts") or {}),
                }
            )
    return {"brand": ctx.brand, "bucket": ctx.bucket, "lifecycle_days": lifecycle, "projects": projects}


def attention(brands: list[dict[str, Any]]) -> list[str]:
    """What needs a person: conflicts, files on one side only, stale staging files."""
    out = []
    for b in brands:
        for p in b["projects"]:
            where = f"{b['brand']}/{p['project']}"
            for f in p["files"]:
                if f["state"] == "conflict":
                    out.append(f"{where}/{f['path']}: conflict ({f['next']})")
                elif f["state"] == "conflict copy":
                    out.append(f"{where}/{f['path']}: a conflict copy is left: keep it or the original")
                elif f["state"] in ("local only", "changed locally"):
                    out.append(f"{where}/{f['path']}: {f['state']}, run git vam push")
                elif f["state"] in ("on S3 only", "changed on S3"):
                    out.append(f"{where}/{f['path']}: {f['state']}, run git vam pull")
                if f["stale"]:
                    out.append(f"{where}/{f['path']}: on S3 for over {b['lifecycle_days']} days (lifecycle limit)")
            for rel in p["conflicts"]:
                out.append(f"{where}/{rel}: manifest merge conflict, run git vam pull {p['project']}")
    return out


def run(cwd: Path, *, out_file: str | None, open_browser: bool, all_brands: str | None, as_json: bool) -> int:
    if all_brands:
        top = Path(all_brands)
        if not top.is_dir():
            raise UsageError(f"--all-brands {all_brands}: not a folder.", "Name the folder that holds the brand repos.")
        repos = sorted(p for p in top.iterdir() if (p / ".git").exists() and (p / CONFIG_FILE).exists())
        if not repos:
            raise UsageError(f"No brand repositories (with .vamconfig) in {top}.")
        brands = [collect_brand(open_context(r)) for r in repos]
        default_out = top / "vam-dashboard.html"
    else:
        ctx = open_context(cwd)
        brands = [collect_brand(ctx)]
        default_out = ctx.state.dir / "dashboard.html"  # .git/vam, wherever git keeps it (worktrees too)
    data = {
        "generated_at": datetime.now(timezone.utc).strftime(TIME_FORMAT),
        "brands": brands,
        "attention": attention(brands),
    }
    target = Path(out_file) if out_file else default_out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_dashboard(data), encoding="utf-8")
    if as_json:
        output.print_json({"file": str(target), **data})
    else:
        n = sum(len(b["projects"]) for b in brands)
        output.out().print(f"Dashboard of {n} projects written to {target}", markup=False)
    if open_browser and not webbrowser.open(target.resolve().as_uri()):
        output.err().print(f"git vam: no browser found here; open {target} yourself.", markup=False)
    return EXIT_OK
