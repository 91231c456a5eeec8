"""The dashboard page: one self-contained HTML file (inline CSS, SVG charts,
a little inline JavaScript for sorting and filtering; nothing fetched)."""

from __future__ import annotations

from html import escape
from typing import Any

from git_vam.plan import FileState
from git_vam.units import human_size

STATE_CLASS: dict[str, str] = {
    FileState.IN_SYNC: "ok",
    FileState.CONFLICT: "bad",
    FileState.LOCAL_ONLY: "warn",
    FileState.CHANGED_LOCALLY: "warn",
    FileState.ON_S3_ONLY: "warn",
    FileState.CHANGED_ON_S3: "warn",
    FileState.DELETED_ON_S3: "muted",
    FileState.DELETED_LOCALLY: "muted",
}

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d2330;background:#f7f8fb}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.sub{color:#667;margin-bottom:16px} .cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #dde1ea;border-radius:8px;padding:12px 16px;min-width:150px}
.card b{display:block;font-size:20px} table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e6e9f0;padding:6px 8px;text-align:left;vertical-align:top}
th{cursor:pointer;background:#eef1f7;user-select:none} th:after{content:" \\2195";color:#99a}
td.num{text-align:right;white-space:nowrap} .ok{color:#18794e} .warn{color:#b35c00} .bad{color:#c62828;font-weight:600}
.muted{color:#778} .pill{display:inline-block;border-radius:10px;padding:0 8px;margin:1px;background:#eef1f7}
details summary{cursor:pointer} ul.att li{margin:2px 0} input#filter{padding:6px 10px;width:280px;margin:8px 0;
border:1px solid #ccd;border-radius:6px} .charts{display:flex;gap:24px;flex-wrap:wrap}
.chart{background:#fff;border:1px solid #dde1ea;border-radius:8px;padding:12px}
"""

JS = """
function sortBy(th){const t=th.closest('table'),i=[...th.parentNode.children].indexOf(th),
asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';const rows=[...t.tBodies[0].rows];
rows.sort((a,b)=>{const x=a.cells[i].dataset.v??a.cells[i].textContent,y=b.cells[i].dataset.v??b.cells[i].textContent;
const nx=parseFloat(x),ny=parseFloat(y);const c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c});
rows.forEach(r=>t.tBodies[0].appendChild(r))}
function filterRows(q){q=q.toLowerCase();document.querySelectorAll('#projects tbody tr').forEach(r=>{
r.style.display=r.textContent.toLowerCase().includes(q)?'':'none'})}
"""


def _bars(title: str, rows: list[tuple[str, Any]], color: str, fmt: Any = human_size) -> str:
    """A horizontal SVG bar chart of ``(label, value)``; ``fmt`` writes a value (bytes by default)."""
    rows = [r for r in rows if r[1] > 0] or [("(nothing yet)", 0)]
    top = max(v for _, v in rows) or 1
    height = 24 * len(rows) + 30
    parts = [f'<svg width="520" height="{height}" role="img" aria-label="{escape(title)}">']
    parts.append(f'<text x="0" y="14" font-weight="600">{escape(title)}</text>')
    for i, (label, value) in enumerate(rows):
        y = 24 + i * 24
        width = int(250 * value / top)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label if len(label) <= 24 else label[:23] + "…")}</text>'
        )
        parts.append(f'<rect x="170" y="{y + 2}" width="{width}" height="16" fill="{color}" rx="3"/>')
        parts.append(f'<text x="{175 + width}" y="{y + 14}" font-size="12">{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _state_pills(files: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for f in files:
        counts[f["state"]] = counts.get(f["state"], 0) + 1
    return "".join(
        f'<span class="pill {STATE_CLASS.get(s, "")}">{escape(s)}: {n}</span>' for s, n in sorted(counts.items())
    )


def _project_row(b: dict[str, Any], p: dict[str, Any]) -> str:
    files = p["files"]
    latest = max((f for f in files if f["uploaded_at"]), key=lambda f: f["uploaded_at"], default=None)
    who = f"{latest['uploaded_by']} {latest['uploaded_at']}" if latest else ""
    detail = "".join(
        f'<li data-state="{escape(f["state"])}"><span class="{STATE_CLASS.get(f["state"], "")}">'
        f"{escape(f['state'])}</span> {escape(f['path'])} ({escape(human_size(f['size']))})"
        + (f" by {escape(f['uploaded_by'])} {escape(f['uploaded_at'])}" if f["uploaded_by"] else "")
        + (f" <i>{escape(f['next'])}</i>" if f["next"] else "")
        + (f' <span class="lock">🔒 {escape(f["locked_by"])}</span>' if f.get("locked_by") else "")
        + "</li>"
        for f in files
    )
    archive = escape(p["archive_class"] or "—")
    if p["archive"]:
        archive += f" ({escape(human_size(p['archive_bytes']))})"
    return (
        f'<tr data-project="{escape(p["project"])}">'
        f"<td>{escape(b['brand'])}</td>"
        f"<td><details><summary>{escape(p['project'])}</summary><ul>{detail}</ul></details></td>"
        f'<td class="num" data-v="{p["local_heavy_bytes"]}">{escape(human_size(p["local_heavy_bytes"]))}</td>'
        f'<td class="num" data-v="{p["staging_bytes"]}">{len(files)} / {escape(human_size(p["staging_bytes"]))}</td>'
        f"<td>{_state_pills(files)}</td>"
        f"<td>{escape(who)}</td>"
        f'<td data-archive="{escape(p["archive_class"])}">{archive}</td>'
        f'<td class="num" data-v="{p["monthly_cost"]}">${p["monthly_cost"]:.2f}</td>'
        "</tr>"
    )


def _tiers(brands: list[dict[str, Any]], projects: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[Any, ...]:
    """The tier charts' rows (bytes per tier; the three scenarios in $/month) and
    the tier table's rows (DESIGN §8)."""
    totals: dict[str, int] = {}
    scenarios: dict[str, float] = {}
    for b in brands:
        for tier, value in (b.get("tier_bytes") or {}).items():
            totals[tier] = totals.get(tier, 0) + value
        for name, priced in (b.get("scenarios") or {}).items():
            scenarios[name] = scenarios.get(name, 0.0) + priced["usd_per_month"]
    labels = {"all_standard": "all Standard", "all_deep_archive": "all Deep Archive", "hybrid": "hybrid (policy)"}
    cells = []
    for _, p in projects:
        t = p.get("tiers")
        if not t:
            continue
        ssd = {"copy": f"{t['ssd_drive']} {t['ssd_at'][:10]}"}.get(t["ssd"], t["ssd"])
        archive = f"{t['archive_class']} {t['retrieval']}".strip() if t["archive_key"] else "—"
        idle = "" if t["idle_days"] is None else str(t["idle_days"])
        cells.append(
            f'<tr data-tier-project="{escape(t["project"])}"><td>{escape(t["project"])}</td>'
            f"<td>{escape(t['local'])}</td><td>{escape(ssd)}</td><td>{escape(archive)}</td>"
            f'<td class="num" data-v="{escape(idle or "-1")}">{escape(idle)}</td>'
            f"<td>{escape(t['next_move'] or '—')}</td></tr>"
        )
    return (sorted(totals.items()), [(labels.get(k, k), v) for k, v in scenarios.items()], "".join(cells))


def render_dashboard(data: dict[str, Any]) -> str:
    """The whole page for ``data`` as collected by ``core.dashboard``."""
    brands = data["brands"]
    projects = [(b, p) for b in brands for p in b["projects"]]
    staging = sum(p["staging_bytes"] for _, p in projects)
    local = sum(p["local_heavy_bytes"] for _, p in projects)
    cost = sum(p["monthly_cost"] for _, p in projects)
    tiers: dict[str, int] = {"STANDARD (staging)": staging}
    for _, p in projects:
        if p["archive"]:
            key = f"{p['archive_class'] or 'STANDARD'} (archive)"
            tiers[key] = tiers.get(key, 0) + p["archive_bytes"]
    by_project = sorted(((p["project"], p["staging_bytes"] + p["archive_bytes"]) for _, p in projects),
                        key=lambda r: -r[1])[:15]  # fmt: skip
    attention = data["attention"]
    att = (
        '<ul class="att">' + "".join(f"<li>{escape(a)}</li>" for a in attention) + "</ul>"
        if attention
        else '<p class="ok">Nothing needs attention.</p>'
    )
    title = ", ".join(b["brand"] for b in brands)
    buckets = ", ".join(sorted({b["bucket"] for b in brands}))
    head = "".join(
        f'<th onclick="sortBy(this)">{h}</th>'
        for h in ("brand", "project", "local heavy", "staging files", "sync state", "last upload", "archive", "$/month")
    )
    rows = "".join(_project_row(b, p) for b, p in projects)
    tier_rows, scenario_rows, tier_table = _tiers(brands, projects)
    tier_head = "".join(f'<th onclick="sortBy(this)">{h}</th>'
                        for h in ("project", "local", "SSD", "S3 archive", "idle", "next move"))  # fmt: skip
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>git vam: {escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body>
<h1>git vam dashboard: {escape(title)}</h1>
<div class="sub">generated {escape(data["generated_at"])} · bucket {escape(buckets)}</div>
<div class="cards">
<div class="card">projects<b id="n-projects">{len(projects)}</b></div>
<div class="card">local heavy files<b>{escape(human_size(local))}</b></div>
<div class="card">in staging<b>{escape(human_size(staging))}</b></div>
<div class="card">est. storage / month<b>${cost:.2f}</b></div>
<div class="card">needs attention<b id="n-attention">{len(attention)}</b></div>
</div>
<h2>Needs attention</h2><div id="attention">{att}</div>
<h2>Storage</h2><div class="charts"><div class="chart">{_bars("By tier", sorted(tiers.items()), "#4b6cb7")}</div>
<div class="chart">{_bars("By project", by_project, "#18794e")}</div></div>
<h2>Tiers</h2><div class="charts"><div class="chart">{_bars("Bytes per tier", tier_rows, "#8a5cf6")}</div>
<div class="chart">{_bars("Scenarios, $/month", scenario_rows, "#b7791f", lambda v: f"${v:.2f}")}</div></div>
<table id="tiers"><thead><tr>{tier_head}</tr></thead><tbody>{tier_table}</tbody></table>
<h2>Projects</h2>
<input id="filter" type="search" placeholder="Filter projects, files, people…" oninput="filterRows(this.value)">
<table id="projects"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<p class="muted">Costs: S3 us-east-1 list prices (see git_vam/pricing.py); staging is STANDARD.</p>
<script>{JS}</script>
</body></html>
"""
