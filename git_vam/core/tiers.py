"""``git vam tiers``: where every project is across the tiers (DESIGN §8), the
next move the policy would make, and with ``apply`` those moves.

One line per project: local (*full*, *light* once heavy files live only in a
verified copy elsewhere, or *absent*), the SSD copy (``ssd.where``), S3
staging (one listing of the brand), the newest S3 archive with its class and
Glacier retrieval state, and the idle age (``git.last_commit_time``: tier
moves are not activity). The policy, in order, one move per project a run:

1. idle ≥ ``vam.ssdAfter``, heavy files here that the SSD copy does not hold,
   a drive configured → **to ssd** (verified copy, then ``--delete-local``);
2. idle ≥ ``vam.archiveAfter``, files here or on the SSD that the newest S3
   archive does not hold → **to s3** (the archive reads SSD-only files from the
   drive; ``--delete-local``);
3. an SSD copy whose every file the newest S3 archive holds (same MD5), archived
   ``vam.ssdRetentionDays`` ago or more → **remove ssd copy**.

Nothing removes the last copy of a file: ``--delete-local`` removes only what a
verified copy holds, and an SSD copy goes only when a verified archive holds
every file of it.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from git_vam import fs, pricing
from git_vam import manifest as mf
from git_vam.context import Context
from git_vam.core import notify, ssd
from git_vam.core.archive import archive
from git_vam.core.content import project_files
from git_vam.core.report import NullReporter, Reporter
from git_vam.core.restore import NEEDS_RESTORE
from git_vam.errors import VamError
from git_vam.git import TIER_MOVE, commit_paths, last_commit_time
from git_vam.layout import MANIFEST_NAME
from git_vam.projects import Project, all_projects
from git_vam.s3.model import Listing

DAY = 86400
ARCHIVE_CLASS = "GLACIER_IR"  # what `tiers --apply` archives as (archive's default); a lifecycle rule may go deeper


@dataclass
class ProjectTiers:
    """One project across the tiers. Sizes are bytes, ``idle_days`` whole days
    (None: never committed), dates UTC ISO-8601."""

    project: str
    local: str  # full | light | absent
    local_heavy_bytes: int = 0
    ssd: str = "none"  # copy | none | not connected | another drive | not configured
    ssd_drive: str = ""
    ssd_at: str = ""
    ssd_bytes: int = 0
    staging_objects: int = 0
    staging_bytes: int = 0
    archive_key: str = ""
    archive_class: str = ""
    archive_bytes: int = 0
    archive_at: str = ""
    retrieval: str = ""  # Glacier classes: not requested | in progress | ready until DATE
    idle_days: int | None = None
    next_move: str = ""  # to ssd | to s3 | remove ssd copy | ""
    why: str = ""
    done: str = ""  # with apply: what happened
    error: str = ""


@dataclass
class Inventory:
    """Every project's tiers, the bytes per tier and their monthly cost (USD)."""

    projects: list[ProjectTiers] = field(default_factory=list)
    bytes: dict[str, int] = field(default_factory=dict)  # local, ssd, staging, archive
    monthly_usd: dict[str, float] = field(default_factory=dict)
    scenarios: dict[str, dict[str, float]] = field(default_factory=dict)  # pricing.scenarios
    budget_usd: float = 0.0
    over_budget: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _heavy_name(rel: str, ctx: Context, size: int = 0) -> bool:
    return rel.rsplit(".", 1)[-1].lower() in ctx.settings.video_extensions or size > ctx.settings.max_file_size


def _age_days(stamp: str, now: float) -> float | None:
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (now - when.timestamp()) / DAY


def _retrieval(ctx: Context, key: str) -> str:
    try:
        head = ctx.archive_store.head_key(key)
    except VamError:
        return "not found"
    restore = str(head.get("Restore") or "")
    if 'ongoing-request="true"' in restore:
        return "in progress"
    if 'ongoing-request="false"' in restore:
        until = restore.partition('expiry-date="')[2].partition('"')[0]
        return f"ready until {until}" if until else "ready"
    return "not requested"


def _one(ctx: Context, name: str, staging: dict[str, list[int]], now: float) -> ProjectTiers:
    project = Project(ctx.root, name)
    row = ProjectTiers(name, "absent")
    manifest = mf.load(project.manifest_path, ctx.brand, name) if project.path.is_dir() else None
    record = ssd.ssd_record(manifest) if manifest else None
    archives = mf.archive_records(manifest) if manifest else []
    newest = archives[-1] if archives else None
    here: dict[str, int] = {}
    if project.path.is_dir() and not project.path.is_symlink():
        files, _ = project_files(project.path)
        here = {p.relative_to(project.path).as_posix(): p.stat().st_size for p in files}
        heavy_here = {rel: size for rel, size in here.items() if _heavy_name(rel, ctx, size)}
        row.local_heavy_bytes = sum(heavy_here.values())
        elsewhere = set(record.md5 if record else ()) | set(newest.members if newest else ())
        gone = [rel for rel in elsewhere if rel not in here and _heavy_name(rel, ctx)]
        row.local = "light" if gone else "full"
    if record:
        row.ssd = ssd.where(ctx.settings, record)
        row.ssd_drive, row.ssd_at, row.ssd_bytes = record.label, record.at, record.bytes
    sizes = staging.get(name, [])
    row.staging_objects, row.staging_bytes = len(sizes), sum(sizes)
    if newest:
        row.archive_key, row.archive_class = newest.key, newest.storage_class or "STANDARD"
        row.archive_bytes, row.archive_at = newest.size, newest.archived_at
        if row.archive_class in NEEDS_RESTORE:
            row.retrieval = _retrieval(ctx, newest.key)
    when = last_commit_time(ctx.root, name) if project.path.is_dir() else None
    row.idle_days = None if when is None else int((now - when) // DAY)
    row.next_move, row.why = _policy(ctx, row, here, record, newest, now)
    return row


def _policy(
    ctx: Context, row: ProjectTiers, here: dict[str, int], record: ssd.SsdRecord | None,
    newest: mf.ArchiveRecord | None, now: float,
) -> tuple[str, str]:  # fmt: skip
    """The next move and why (DESIGN §8), or ``("", why not)``."""
    s = ctx.settings
    idle = row.idle_days
    if idle is None or row.local == "absent":
        return "", "not a project folder here"
    heavy_here = [rel for rel, size in here.items() if _heavy_name(rel, ctx, size)]
    ssd_lacks = [rel for rel in heavy_here if not record or rel not in record.md5]
    if idle * DAY >= s.ssd_after and ssd_lacks and s.ssd_base:
        return "to ssd", f"idle {idle} d ≥ {s.ssd_after // DAY} d; {len(ssd_lacks)} heavy file(s) not on the SSD"
    members = newest.members if newest else {}
    lacks = [rel for rel, size in here.items() if rel != MANIFEST_NAME and members.get(rel, {}).get("size") != size]
    if record:
        lacks += [rel for rel, md5 in record.md5.items() if rel not in here and members.get(rel, {}).get("md5") != md5]
    if idle * DAY >= s.archive_after and lacks:
        return "to s3", f"idle {idle} d ≥ {s.archive_after // DAY} d; {len(lacks)} file(s) not in an S3 archive"
    if record and row.ssd == "copy" and newest:
        held = all(members.get(rel, {}).get("md5") == md5 for rel, md5 in record.md5.items() if rel != MANIFEST_NAME)
        age = _age_days(newest.archived_at, now)
        if held and age is not None and age >= s.ssd_retention_days:
            return "remove ssd copy", f"the S3 archive holds every file, archived {int(age)} d ago"
    return "", ""


def inventory(
    ctx: Context, names: tuple[str, ...] = (), *, now: float | None = None, listing: Listing | None = None
) -> Inventory:
    """Every named project (all when none) across the tiers, with totals.
    ``listing``: the brand prefix's listing when the caller has one (else one is made)."""
    now = time.time() if now is None else now
    listing = listing if listing is not None else ctx.store.list_prefix(ctx.brand_prefix)
    staging: dict[str, list[int]] = {}
    for rel, obj in listing.objects.items():
        project, _, rest = rel.partition("/")
        if rest:
            staging.setdefault(project, []).append(obj.size)
    chosen = [p.name for p in ctx.projects(names, False)] if names else sorted(set(all_projects(ctx.root)))
    inv = Inventory([_one(ctx, name, staging, now) for name in chosen])
    inv.bytes = {
        "local": sum(r.local_heavy_bytes for r in inv.projects),
        "ssd": sum(r.ssd_bytes for r in inv.projects if r.ssd != "none"),
        "staging": sum(r.staging_bytes for r in inv.projects),
        "archive": sum(r.archive_bytes for r in inv.projects),
    }
    prices, _ = pricing.table(ctx.settings.prices)
    by_class: dict[str, int] = {}
    for r in inv.projects:
        if r.archive_key:
            by_class[r.archive_class] = by_class.get(r.archive_class, 0) + r.archive_bytes
    inv.monthly_usd = {
        "local": 0.0,
        "ssd": 0.0,
        "staging": inv.bytes["staging"] / pricing.GB * prices["STANDARD"],
        "archive": sum(b / pricing.GB * prices.get(c, prices["STANDARD"]) for c, b in by_class.items()),
    }
    ssd_only = sum(r.ssd_bytes for r in inv.projects if r.ssd_bytes and not r.archive_key)
    inv.scenarios = pricing.scenarios(inv.bytes["staging"], inv.bytes["archive"], ssd_only,
                                      overrides=ctx.settings.prices)  # fmt: skip
    inv.budget_usd = ctx.settings.budget
    inv.over_budget = bool(inv.budget_usd) and sum(inv.monthly_usd.values()) > inv.budget_usd
    return inv


def remove_ssd_copy(ctx: Context, project: Project) -> None:
    """Remove the project's SSD copy once the newest verified S3 archive holds every
    file of it (checked again here, against the manifest), then drop the record.
    Raises VamError when the archive does not hold it all (the copy stays)."""
    manifest = mf.load(project.manifest_path, ctx.brand, project.name)
    record = ssd.ssd_record(manifest)
    archives = mf.archive_records(manifest)
    if record is None or not archives:
        raise VamError(f"{project.name}: no SSD copy, or no S3 archive: nothing removed.")
    members = archives[-1].members
    missing = [r for r, md5 in record.md5.items() if r != MANIFEST_NAME and members.get(r, {}).get("md5") != md5]
    if missing:
        raise VamError(
            f"{project.name}: the SSD copy holds {len(missing)} file(s) no S3 archive holds "
            f"({fs.printable(missing[0])}): it is the last copy, kept."
        )
    base = ssd.connected_base(ctx.settings)
    found = ssd.read_drive(base)
    if found is None or found.uuid != record.drive:
        raise VamError(f"{project.name}: the drive at vam.ssdBase is not the one holding the copy: nothing removed.")
    folder = ssd.project_folder(base, project)
    shutil.rmtree(folder)
    del manifest.extra["ssd"]
    removed = {**record.to_json(), "removed_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    manifest.extra["earlier_ssd"] = [*(manifest.extra.get("earlier_ssd") or []), removed]
    mf.save(project.manifest_path, manifest)


def apply(ctx: Context, inv: Inventory, *, reporter: Reporter | None = None) -> bool:
    """Make each project's next move (``row.done`` or ``row.error`` says how it
    went); commits the manifests it changed as tier moves. Returns True when
    every move succeeded."""
    reporter = reporter or NullReporter()
    ok = True
    changed: list[str] = []
    for row in inv.projects:
        if not row.next_move:
            continue
        project = Project(ctx.root, row.project)
        try:
            if row.next_move == "to ssd":
                reports, _, incomplete = ssd.copy_to_ssd(ctx, [project], delete_local=True, dry_run=False,
                                                         commit=False, reporter=reporter)  # fmt: skip
                if reports[0].get("error"):
                    raise VamError(reports[0]["error"])
                row.done = f"copied to the SSD; removed {len(reports[0].get('deleted_local', []))} heavy file(s) here"
                ok = ok and not incomplete
            elif row.next_move == "to s3":
                reports, _, incomplete = archive(
                    ctx, [project], storage_class=ARCHIVE_CLASS, delete_local=True, dry_run=False, skip_held=True,
                    commit=False, reporter=reporter,
                )  # fmt: skip
                row.done = f"archived as {reports[0].get('key', '')}"
                ok = ok and not incomplete
            elif row.next_move == "remove ssd copy":
                remove_ssd_copy(ctx, project)
                row.done = "SSD copy removed (the S3 archive holds every file)"
            changed.append(project.manifest_relpath)
        except (VamError, OSError) as exc:
            row.error = exc.message if isinstance(exc, VamError) else f"{type(exc).__name__}: {exc}"
            ok = False
    if changed and ctx.settings.auto_commit:
        commit_paths(ctx.root, changed, f"{TIER_MOVE} (tiers --apply)")
    return ok


def summary(ctx: Context, inv: Inventory, applied: bool) -> dict[str, Any]:
    """The webhook body for ``--notify`` (the same shape as a push's)."""
    moves = [r for r in inv.projects if r.next_move]
    lines = [f"{r.project}: {r.next_move}" + (f" — {r.done}" if r.done else "") + (f" — FAILED: {r.error}" if r.error
             else "") for r in moves]  # fmt: skip
    cost = sum(inv.monthly_usd.values())
    head = f"git vam tiers{' --apply' if applied else ''} in {ctx.brand}: {len(moves)} move(s); S3 ≈ ${cost:.2f}/month"
    if inv.over_budget:
        head += f", over the ${inv.budget_usd:g} budget"
    text = head + ("\n" + "\n".join(lines) if lines else "")
    return {"text": text, "content": text, "brand": ctx.brand, "by": ctx.user, "moves": [asdict(r) for r in moves]}


def send_summary(ctx: Context, inv: Inventory, applied: bool) -> list[str]:
    """Post the summary to ``vam.notify``; one warning per webhook that failed."""
    return notify.send(ctx.settings.notify, summary(ctx, inv, applied))
