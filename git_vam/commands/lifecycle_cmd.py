"""``git vam lifecycle [--apply]``: show, and merge in, the rules git-vam wants."""

from __future__ import annotations

from typing import Any

from git_vam import lifecycle, output
from git_vam.context import Context
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK


def describe(rule: dict[str, Any]) -> str:
    prefix = (rule.get("Filter") or {}).get("Prefix", rule.get("Prefix", ""))
    what = []
    if "Expiration" in rule:
        what.append(f"expire after {rule['Expiration'].get('Days')} days")
    for t in rule.get("Transitions", []):
        what.append(f"to {t.get('StorageClass')} after {t.get('Days')} days")
    if "AbortIncompleteMultipartUpload" in rule:
        what.append(
            f"abort unfinished uploads after {rule['AbortIncompleteMultipartUpload'].get('DaysAfterInitiation')} days"
        )
    return f"{rule.get('ID', '(no id)')}: prefix {prefix!r}: {', '.join(what) or 'other'}"


def run(ctx: Context, *, apply: bool, as_json: bool) -> int:
    s = ctx.settings
    wanted = lifecycle.wanted_rules(s.staging_prefix, s.archive_prefix, s.lifecycle_days, s.archive_glacier_days)
    existing = ctx.store.lifecycle_rules()
    by_id = {r.get("ID"): r for r in existing}
    state = {r["ID"]: ("present" if lifecycle.same_rule(by_id.get(r["ID"]), r) else "missing") for r in wanted}
    rejected: list[str] = []
    if apply and any(v != "present" for v in state.values()):
        rules = lifecycle.merge(existing, wanted)
        code = ctx.store.put_lifecycle_rules(rules)
        if code:
            # Some S3-compatible servers refuse storage-class transitions: apply the rest.
            rejected = [r["ID"] for r in wanted if "Transitions" in r]
            code = ctx.store.put_lifecycle_rules([r for r in rules if r.get("ID") not in rejected])
            if code:
                rejected = [r["ID"] for r in wanted]
        after = {r.get("ID"): r for r in ctx.store.lifecycle_rules()}
        state = {
            r["ID"]: ("rejected by the server" if r["ID"] in rejected else
                      "present" if lifecycle.same_rule(after.get(r["ID"]), r) else "missing")
            for r in wanted
        }  # fmt: skip
        existing = list(after.values())
    others = [r for r in existing if not str(r.get("ID", "")).startswith(lifecycle.PREFIX)]
    if as_json:
        output.print_json({"bucket": s.bucket, "wanted": wanted, "state": state, "other_rules": others})
    else:
        con = output.out()
        con.print(f"Lifecycle of s3://{s.bucket}:", markup=False)
        for r in wanted:
            con.print(f"  [{state[r['ID']]}] {describe(r)}", markup=False)
        for r in others:
            con.print(f"  [kept] {describe(r)}", markup=False)
        if not apply and any(v != "present" for v in state.values()):
            con.print("Run `git vam lifecycle --apply` to add the missing rules (other rules are kept).")
        for rid in rejected:
            con.print(f"The server refused {rid}; the other rules were applied.", markup=False)
    if rejected or (apply and any(v != "present" for v in state.values())):
        return EXIT_INCOMPLETE
    return EXIT_OK
