"""``git vam lifecycle [--apply]``: show, and merge in, the rules git-vam wants."""

from __future__ import annotations

from typing import Any

from git_vam import output
from git_vam.context import Context
from git_vam.core.lifecycle import lifecycle
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
    result = lifecycle(ctx, apply=apply)
    wanted, state, rejected, others = result.wanted, result.state, result.rejected, result.others
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
    if rejected or (apply and not result.complete):
        return EXIT_INCOMPLETE
    return EXIT_OK
