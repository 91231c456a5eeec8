"""``git vam log [PROJECT[/PATH]] [-n N]``: who uploaded or deleted which version, when."""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core.history import history
from git_vam.core.versions import retrievable
from git_vam.errors import EXIT_OK, VamError
from git_vam.fs import printable
from git_vam.units import human_size


def run(ctx: Context, names: tuple[str, ...], *, limit: int | None, as_json: bool) -> int:
    at_root = not names and ctx.cwd.resolve() == ctx.root
    targets = ctx.targets(names, at_root)
    changes = [c for t in targets for c in history(ctx, t, limit)]
    where: dict[tuple[str, str, str], str] = {}
    try:  # which versions can still be fetched (`git vam pull P/F --version MD5`), and from where
        for t in targets:
            found = retrievable(ctx, t.project, [c for c in changes if c.project == t.project.name])
            where.update({(t.project.name, rel, md5): w for (rel, md5), w in found.items()})
        known = True
    except VamError as exc:
        known = False
        output.err().print(f"git vam: {printable(exc.message)} (not shown which versions can be fetched)",
                           markup=False)  # fmt: skip
    if as_json:
        versions = [{**c.to_json(), "retrievable_from": where.get((c.project, c.rel, c.md5), "")} for c in changes]
        output.print_json({"versions": versions})
        return EXIT_OK
    con = output.out()
    if not changes:
        con.print("No recorded versions (nothing pushed yet, or the manifest is not committed).", markup=False)
    for c in changes:
        what = "deleted " if c.action == "delete" else ""
        size = human_size(c.size)
        who = c.by or "another tool"  # no uploader recorded: not pushed by git-vam
        line = f"{c.commit}  {c.at or c.committed}  {who}  {what}{c.project}/{c.rel}  {size}  md5 {c.md5[:12]}"
        if known and c.action == "upload":
            line += f"  [{where.get((c.project, c.rel, c.md5)) or 'no copy left'}]"
        con.print(printable(line), markup=False)
    return EXIT_OK
