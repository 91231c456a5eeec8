"""``git vam lifecycle``: compare the bucket's lifecycle rules with the ones
git-vam wants (``git_vam.lifecycle``) and, on request, merge them in; other
rules in the bucket are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from git_vam import lifecycle as policy

if TYPE_CHECKING:
    from git_vam.context import Context
    from git_vam.s3.store import S3Store


@dataclass
class LifecycleState:
    """The ``wanted`` rules with their ``state`` by ID (``present``, ``missing``
    or ``rejected by the server``), the ``rejected`` IDs, and the bucket's
    ``others`` (rules git-vam does not own, kept as they are)."""

    wanted: list[dict[str, Any]]
    state: dict[str, str]
    rejected: list[str] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(v == "present" for v in self.state.values())


def lifecycle(ctx: Context, *, apply: bool) -> LifecycleState:
    """The bucket's rules against git-vam's; with ``apply`` the missing ones merged
    in (where a server refuses storage-class transitions, the rest still are).
    With ``vam.archiveBucket`` the archive rule goes to that bucket and the
    staging rules to the staging bucket. Raises VamError when a bucket cannot be
    read or written."""
    s = ctx.settings
    wanted = policy.wanted_rules(
        s.staging_prefix, s.archive_prefix, s.lifecycle_days, s.archive_glacier_days, s.trash_days
    )
    if ctx.archive_store is ctx.store:
        return _one_bucket(ctx.store, wanted, apply)
    for_archive = [r for r in wanted if r.get("Filter", {}).get("Prefix") == s.archive_prefix]
    staging = _one_bucket(ctx.store, [r for r in wanted if r not in for_archive], apply)
    archive = _one_bucket(ctx.archive_store, for_archive, apply)
    return LifecycleState(
        staging.wanted + archive.wanted, {**staging.state, **archive.state}, staging.rejected + archive.rejected,
        staging.others + archive.others,
    )  # fmt: skip


def _one_bucket(store: S3Store, wanted: list[dict[str, Any]], apply: bool) -> LifecycleState:
    existing = store.lifecycle_rules()
    by_id = {r.get("ID"): r for r in existing}
    state = {r["ID"]: ("present" if policy.same_rule(by_id.get(r["ID"]), r) else "missing") for r in wanted}
    rejected: list[str] = []
    if apply and any(v != "present" for v in state.values()):
        rules = policy.merge(existing, wanted)
        code = store.put_lifecycle_rules(rules)
        if code:
            # Some S3-compatible servers refuse storage-class transitions: apply the rest.
            rejected = [r["ID"] for r in wanted if "Transitions" in r]
            code = store.put_lifecycle_rules([r for r in rules if r.get("ID") not in rejected])
            if code:
                rejected = [r["ID"] for r in wanted]
        after = {r.get("ID"): r for r in store.lifecycle_rules()}
        state = {
            r["ID"]: ("rejected by the server" if r["ID"] in rejected else
                      "present" if policy.same_rule(after.get(r["ID"]), r) else "missing")
            for r in wanted
        }  # fmt: skip
        existing = list(after.values())
    others = [r for r in existing if not str(r.get("ID", "")).startswith(policy.PREFIX)]
    return LifecycleState(wanted, state, rejected, others)
