"""Push notifications (DESIGN §3; seed roadmap phase 3: "upload → notify →
download"): one JSON POST per project to each ``vam.notify`` webhook after a
push that uploaded or deleted something.

The body is a valid Slack and Discord incoming-webhook message (``text`` and
``content``) that also carries the facts for a program: ``brand``,
``project``, ``by``, ``at`` (UTC ISO-8601) and ``files`` (``path`` inside
``s3-staging/``, ``size`` in bytes, ``md5``, ``action`` ``upload`` or
``delete``). It never holds a URL, an S3 key, a credential or a presigned link.
A webhook that fails costs one warning; it never fails the push.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from git_vam.fs import printable
from git_vam.units import human_size
from git_vam.values import url_site

TIMEOUT = 5.0  # seconds per webhook: a dead chat server must not hold the push
SHOWN = 10  # file names listed in the text; the rest are counted


def message(brand: str, project: str, by: str, at: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON body for ``files`` (``[{"path", "size", "md5", "action"}]``)."""
    uploaded = [f for f in files if f["action"] == "upload"]
    deleted = [f for f in files if f["action"] == "delete"]
    parts = []
    if uploaded:
        size = human_size(sum(int(f["size"]) for f in uploaded))
        parts.append(f"pushed {len(uploaded)} file(s) ({size}): {_names(uploaded)}")
    if deleted:
        parts.append(f"deleted {len(deleted)} file(s): {_names(deleted)}")
    text = f"{by} {'; '.join(parts)} in {brand}/{project}. Run `git vam pull {project}`."
    return {"text": text, "content": text, "brand": brand, "project": project, "by": by, "at": at, "files": files}


def _names(files: list[dict[str, Any]]) -> str:
    names = ", ".join(printable(f["path"]) for f in files[:SHOWN])
    return names + (f" and {len(files) - SHOWN} more" if len(files) > SHOWN else "")


def send(urls: tuple[str, ...], body: dict[str, Any], timeout: float = TIMEOUT) -> list[str]:
    """POST ``body`` as JSON to each URL; returns one warning per webhook that
    failed, naming only its scheme and host (the rest of a webhook URL is a secret)."""
    data = json.dumps(body, ensure_ascii=False).encode()
    warnings = []
    for url in urls:
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/json", "User-Agent": "git-vam"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - http(s) only (config)
                resp.read(1024)
        except urllib.error.HTTPError as exc:
            warnings.append(f"notification to {url_site(url)} failed: HTTP {exc.code}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            warnings.append(f"notification to {url_site(url)} failed: {printable(str(reason))}")
    return warnings
