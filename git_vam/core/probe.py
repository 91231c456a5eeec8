"""Whether the S3 server honours conditional writes (DESIGN §9). git-vam's
protection against two people pushing at once rests on ``If-None-Match`` and
``If-Match``; some S3-compatible servers ignore them. ``doctor`` probes every
time; a clone's first write to an endpoint and bucket probes once and
remembers the answer in ``.git/vam/conditions.json``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from git_vam.layout import PROBE_PREFIX
from git_vam.state import read_json, write_json_atomic

if TYPE_CHECKING:
    from git_vam.context import Context

NOT_PROTECTED = (
    "this S3 server ignores conditional writes (If-None-Match / If-Match): two people pushing the same file "
    "at once are not protected here (`git vam doctor` checks it)."
)


def conditional_writes(ctx: Context, *, fresh: bool = False) -> bool:
    """Whether ``ctx``'s endpoint and bucket honour conditional writes: this
    clone's record, else (or with ``fresh``) a probe under
    ``{stagingPrefix}.vam-probe/`` (three requests), recorded. Raises VamError
    when S3 cannot be reached."""
    where = f"{ctx.settings.endpoint or 'aws'} {ctx.bucket}"
    known = read_json(ctx.state.conditions_file)
    known = known if isinstance(known, dict) else {}
    if not fresh and isinstance(known.get(where), bool):
        return bool(known[where])
    honoured = ctx.store.honours_conditions(f"{ctx.settings.staging_prefix}{PROBE_PREFIX}{uuid.uuid4().hex}")
    ctx.state.dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(ctx.state.conditions_file, {**known, where: honoured})
    return honoured
