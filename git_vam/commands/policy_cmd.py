"""``git vam policy [--admin] [--json]``: the least-privilege IAM policy (``core.policy``)."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core.policy import policy, prefixes
from git_vam.errors import EXIT_OK


def run(ctx: Context, *, admin: bool, as_json: bool) -> int:
    document = policy(ctx.settings, admin=admin)
    if as_json:
        output.print_json(document)
        return EXIT_OK
    err = output.err()
    err.print(f"IAM policy for one person's IAM user on s3://{ctx.bucket}, prefixes:", markup=False)
    for prefix in prefixes(ctx.settings):
        err.print(f"  {prefix}", markup=False)
    if not admin:
        err.print("(`git vam lifecycle --apply` needs --admin: the lifecycle actions)", markup=False)
    output.print_json(document)
    return EXIT_OK
