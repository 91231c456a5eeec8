"""``git vam init``: write ``.vamconfig`` and the managed ``.gitignore`` block. Idempotent."""

from __future__ import annotations

from pathlib import Path

from git_vam import config, git, gitignore, output
from git_vam.errors import EXIT_OK
from git_vam.layout import CONFIG_FILE
from git_vam.state import state_dir


def run(
    cwd: Path, *, bucket: str | None, endpoint: str | None, prefix: str | None, region: str | None, as_json: bool
) -> int:
    root, git_dir = git.locate(cwd)
    conf = root / CONFIG_FILE
    existing = config.load(root, environ={}) if conf.exists() else None
    wanted = {"bucket": bucket, "endpoint": endpoint, "stagingPrefix": prefix, "region": region}
    changed = []
    for name, value in wanted.items():
        if value is not None:
            git.set_config(root, conf, f"vam.{name}", value)
            changed.append(f"vam.{name}={value}")
    if existing is None or existing.origins.get("brand") != CONFIG_FILE:
        # Pin the brand: a collaborator who clones into another folder name must
        # still use the same S3 keys.
        git.set_config(root, conf, "vam.brand", root.name)
        changed.append(f"vam.brand={root.name}")
    settings = config.load(root)
    # the user set the destination here: this clone trusts it (DESIGN §6)
    from git_vam import trust

    trust.accept(state_dir(git_dir), settings)
    wrote_ignore = gitignore.write_block(root / ".gitignore", settings.video_extensions)
    from git_vam import hooks

    hook_lines = hooks.install(root)
    if as_json:
        output.print_json(
            {"vamconfig": changed, "gitignore_written": wrote_ignore, "hooks": hook_lines,
             "bucket_set": bool(settings.bucket)}
        )  # fmt: skip
        return EXIT_OK
    con = output.out()
    con.print(f"{CONFIG_FILE}: " + (", ".join(changed) if changed else "unchanged"), markup=False)
    con.print(".gitignore: " + ("managed block written" if wrote_ignore else "managed block up to date"))
    for line in hook_lines:
        con.print(f"hooks: {line}", markup=False)
    if not settings.bucket:
        con.print("No bucket set yet: run `git vam init --bucket NAME` (or set S3_BUCKET in .video-tools.env).")
    if changed or wrote_ignore:
        con.print(
            "Commit them so collaborators share the settings: "
            "git add .vamconfig .gitignore .gitattributes && git commit"
        )
    return EXIT_OK
