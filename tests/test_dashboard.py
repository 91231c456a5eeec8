"""The dashboard rendered by a real headless Chromium for a planted scenario:
synced, needs pull, conflict, archived."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import PROJECT, World, conflict_at_jan, git, make_mp4, vam

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, "chromium is installed by scripts/test.sh (apt-get install chromium)"
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ]  # fmt: skip
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def planted(world: World) -> World:
    d, j = world.david, world.jan
    make_mp4(world.staging(d) / "raw.mp4", "synced")  # b65: in sync on both
    for name in ("b66-needs-pull", "b67-conflict", "b40-archived"):
        (d / name / "s3-staging").mkdir(parents=True)
    make_mp4(d / "b67-conflict" / "s3-staging" / "cut.mp4", "v1")
    vam(d, "push", "--all")
    git(d, "push", "-q")
    git(j, "pull", "-q")
    vam(j, "pull", "--all")
    make_mp4(d / "b66-needs-pull" / "s3-staging" / "new.mp4", "new")  # b66: jan has to pull
    make_mp4(d / "b67-conflict" / "s3-staging" / "cut.mp4", "david-v2")  # b67: both changed
    vam(d, "push", "--all")
    make_mp4(j / "b67-conflict" / "s3-staging" / "cut.mp4", "jan-v2")
    manifest = j / "b40-archived" / "s3-staging.manifest.json"  # b40: an archive record
    manifest.parent.mkdir(exist_ok=True)
    manifest.write_text(json.dumps({
        "version": 1, "brand": "v-demo", "project": "b40-archived", "files": {},
        "archive": {"key": "archive/v-demo/b00-b49/b40-archived.tar", "size": 3 * 1024**3, "md5": "0" * 32,
                    "storage_class": "DEEP_ARCHIVE", "archived_by": "david", "archived_at": "2026-11-01T00:00:00Z"},
    }, indent=2, sort_keys=True) + "\n")  # fmt: skip
    return world


def test_dashboard_in_a_real_browser(planted: World) -> None:
    page = planted.jan.parent / "dash.html"
    out = json.loads(vam(planted.jan, "dashboard", "-o", str(page), "--json").stdout)
    assert out["file"] == str(page)
    html = page.read_text()
    assert "<script src" not in html and "http://" not in html.split("<body>")[1].split("<script>")[0]

    dom = chromium("--dump-dom", page.as_uri()).stdout
    for name in (PROJECT, "b66-needs-pull", "b67-conflict", "b40-archived"):
        assert f'data-project="{name}"' in dom, name

    def row(name: str) -> str:
        return dom.split(f'data-project="{name}"')[1].split("</tr>")[0]

    assert "in sync: 1" in row(PROJECT)
    assert "on S3 only: 1" in row("b66-needs-pull")
    assert "conflict: 1" in row("b67-conflict")
    assert 'data-archive="DEEP_ARCHIVE"' in row("b40-archived") and "3.0 GiB" in row("b40-archived")
    assert 'id="n-projects">4<' in dom
    attention = dom.split('id="attention"')[1].split("</div>")[0]
    assert "b67-conflict/cut.mp4: conflict" in attention and "b66-needs-pull/new.mp4: on S3 only" in attention

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    chromium("--window-size=1280,900", f"--screenshot={shot}", page.as_uri())
    from PIL import Image

    with Image.open(shot) as img:
        assert img.size == (1280, 900)
        colors = img.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colors is not None and len(colors) > 50  # not a blank page


def test_all_brands(planted: World, tmp_path: Path) -> None:
    out = json.loads(vam(planted.jan, "dashboard", "--all-brands", str(planted.jan.parent), "--json").stdout)
    assert [b["brand"] for b in out["brands"]] == ["v-demo"]
    assert Path(out["file"]).exists()
    vam(planted.jan, "dashboard", "--all-brands", str(tmp_path / "nothing-here"), code=2)


def test_dashboard_counts_what_the_issue_found_missing(world: World) -> None:
    # a leftover conflict copy, a PSD and a WAV under the size limit, cleanup --archive copies
    d, j = world.david, world.jan
    conflict_at_jan(world)  # leaves raw.conflict-david-….mp4 beside jan's raw.mp4
    (j / PROJECT / "cover.psd").write_bytes(b"p" * 3000)
    (j / PROJECT / "voice.wav").write_bytes(b"w" * 5000)
    page = json.loads(vam(j, "dashboard", "--json").stdout)
    assert page["file"] == str(j / ".git" / "vam" / "dashboard.html")
    project = page["brands"][0]["projects"][0]
    assert any("conflict copy is left" in a for a in page["attention"])
    assert project["local_heavy_bytes"] >= 8000
    # cleanup --archive copies count in the archive storage
    vam(d, "cleanup", "b65", "--archive", "--confirm")
    project = json.loads(vam(d, "dashboard", "--json").stdout)["brands"][0]["projects"][0]
    assert project["archive_bytes"] == (world.staging(d) / "raw.mp4").stat().st_size
    # --open where no browser can be found says so
    no_browser = {"BROWSER": "false", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    res = vam(d, "dashboard", "--open", env=no_browser)
    assert "no browser found here; open" in res.stderr


def test_dashboard_shows_the_tiers_and_the_scenarios(world: World, tmp_path: Path) -> None:
    # DESIGN §8: which project is where, bytes per tier, and the three scenarios as a chart
    drive = tmp_path / "Volumes" / "T7"
    drive.mkdir(parents=True)
    git(world.david, "config", "vam.ssdBase", str(drive))
    make_mp4(world.david / PROJECT / "final" / "cut.mp4", "cut")
    vam(world.david, "archive", "b65", "--to", "ssd", "--delete-local")
    out = tmp_path / "page.html"
    data = json.loads(vam(world.david, "dashboard", "-o", str(out), "--json").stdout)
    (brand,) = data["brands"]
    (project,) = [p for p in brand["projects"] if p["project"] == PROJECT]
    assert (project["tiers"]["local"], project["tiers"]["ssd"], project["tiers"]["ssd_drive"]) == (
        "light",
        "copy",
        "T7",
    )
    assert brand["tier_bytes"]["ssd"] > 0 and set(brand["scenarios"]) == {"all_standard", "all_deep_archive", "hybrid"}
    page = out.read_text()
    assert 'id="tiers"' in page and "Scenarios, $/month" in page and "Bytes per tier" in page
    assert f'data-tier-project="{PROJECT}"' in page and "T7 " in page
