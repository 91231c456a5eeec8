"""What the dashboard shows of a brand repository: every project's files (the
rows ``status`` reads), local heavy bytes, staging and archive storage and
their monthly cost, and what needs a person.

Built from the manifests, the local folders and one listing of the bucket per
brand (the whole ``{stagingPrefix}{brand}/`` prefix at once, not one per project).
"""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from git_vam import manifest as mf
from git_vam.context import Context, open_context
from git_vam.core import gather, locks, tiers
from git_vam.core.status import file_rows
from git_vam.errors import UsageError
from git_vam.layout import CONFIG_FILE, METADATA_JSON, STAGING_DIR, TIME_FORMAT, archive_base, is_archive_key
from git_vam.plan import FileState
from git_vam.pricing import monthly_storage
from git_vam.projects import Project, Target, all_projects
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
    brand_listing = ctx.store.list_prefix(brand_prefix)  # one listing for the whole brand
    listing = brand_listing.objects
    inv = tiers.inventory(ctx, listing=brand_listing)  # where each project is (DESIGN §8)
    where = {row.project: row for row in inv.projects}
    held = locks.held(ctx)  # DESIGN §10: the dashboard shows locks
    by_project: dict[str, dict[str, Any]] = {}
    for rel, obj in listing.items():
        name, _, path = rel.partition("/")
        if path and path != METADATA_JSON:
            by_project.setdefault(name, {})[path] = replace(obj, rel=path)
    # one listing of the brand's archive prefix: tars, earlier tars and cleanup --archive copies
    archive_objects = list(ctx.archive_store.list_keys(f"{ctx.settings.archive_prefix}{ctx.brand}/"))
    names = sorted(set(all_projects(ctx.root)) | set(by_project))
    lifecycle = ctx.settings.lifecycle_days
    projects = []
    with ctx.state:
        for name in names:
            project = Project(ctx.root, name)
            view = gather.gather(
                ctx, project, listing=Listing(by_project.get(name, {}), [], {}), tolerate_bad_manifest=True
            )
            files = [
                {
                    "path": row.path,
                    "state": row.state,
                    "next": row.next,
                    "size": row.size or 0,
                    "uploaded_by": row.uploaded_by,
                    "uploaded_at": row.uploaded_at,
                    "stale": (age := age_days(row.uploaded_at, now)) is not None and age > lifecycle,
                    "locked_by": row.locked_by,
                    "locked_since": row.locked_since,
                }
                for row in file_rows(ctx, view, Target(project), held.get(name))
            ]
            archive = (
                view.manifest.extra.get("archive") if isinstance(view.manifest.extra.get("archive"), dict) else None
            )
            staging_bytes = sum(o.size for o in view.remote_objs.values())
            base = archive_base(ctx.settings.archive_prefix, ctx.brand, name)
            listed = {key: (size, cls) for key, size, cls in archive_objects if is_archive_key(base, key)}
            # a record whose object the listing does not show (another bucket's view, a planted record) still counts
            for record in mf.archive_records(view.manifest):
                listed.setdefault(record.key, (record.size, record.storage_class))
            stored = list(listed.values())
            archive_bytes = sum(size for size, _ in stored)
            archive_class = str(archive.get("storage_class", "")) if archive else (stored[0][1] if stored else "")
            cost = monthly_storage(staging_bytes) + sum(monthly_storage(size, cls) for size, cls in stored)
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
                    "tiers": asdict(where[name]) if name in where else None,
                }
            )
    return {"brand": ctx.brand, "bucket": ctx.bucket, "lifecycle_days": lifecycle, "projects": projects,
            "tier_bytes": inv.bytes, "scenarios": inv.scenarios, "budget_usd": inv.budget_usd,
            "over_budget": inv.over_budget}  # fmt: skip


def attention(brands: list[dict[str, Any]]) -> list[str]:
    """What needs a person: conflicts, files on one side only, stale staging files."""
    out = []
    for b in brands:
        for p in b["projects"]:
            where = f"{b['brand']}/{p['project']}"
            for f in p["files"]:
                if f["state"] == FileState.CONFLICT:
                    out.append(f"{where}/{f['path']}: conflict ({f['next']})")
                elif f["state"] == FileState.CONFLICT_COPY:
                    out.append(f"{where}/{f['path']}: a conflict copy is left: keep it or the original")
                elif f["state"] in (FileState.LOCAL_ONLY, FileState.CHANGED_LOCALLY):
                    out.append(f"{where}/{f['path']}: {f['state']}, run git vam push")
                elif f["state"] in (FileState.ON_S3_ONLY, FileState.CHANGED_ON_S3):
                    out.append(f"{where}/{f['path']}: {f['state']}, run git vam pull")
                if f["stale"]:
                    out.append(f"{where}/{f['path']}: on S3 for over {b['lifecycle_days']} days (lifecycle limit)")
            for rel in p["conflicts"]:
                out.append(f"{where}/{rel}: manifest merge conflict, run git vam pull {p['project']}")
            retrieval = (p.get("tiers") or {}).get("retrieval", "")
            if retrieval.startswith(("in progress", "ready")):
                out.append(f"{where}: Glacier retrieval {retrieval}, run git vam restore {p['project']}")
        if b.get("over_budget"):
            out.append(f"{b['brand']}: the S3 estimate is over vam.budget (${b['budget_usd']:g}/month)")
    return out


def dashboard(cwd: Path, all_brands: str | None = None) -> tuple[dict[str, Any], Path]:
    """``(data, default page path)``: the brand repository around ``cwd`` (page in
    its ``.git/vam/``, wherever git keeps it, worktrees too) or, with
    ``all_brands``, every repository with a ``.vamconfig`` in that folder (page
    beside them). ``data`` has ``generated_at`` (UTC), ``brands`` and
    ``attention``. Raises UsageError when the folder holds no brand repository."""
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
        default_out = ctx.state.dir / "dashboard.html"
    data = {
        "generated_at": datetime.now(timezone.utc).strftime(TIME_FORMAT),
        "brands": brands,
        "attention": attention(brands),
    }
    return data, default_out
