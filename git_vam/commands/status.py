"""``git vam status``: local vs S3 vs last sync, per file, with what to run next.

The text layout is one line per file that fits the terminal (80 columns at the
least): a mark, the path (shortened in the middle when it must be), the size,
the state and "2 h ago by jan"; then a summary that counts every state, and
the commands to run, grouped.
"""

from __future__ import annotations

from git_vam import output
from git_vam.context import Context
from git_vam.core.status import SETTLED, ProjectStatus, status
from git_vam.errors import EXIT_INCOMPLETE, EXIT_OK
from git_vam.fs import printable
from git_vam.layout import ts_from_iso
from git_vam.plan import FileState
from git_vam.units import ago, human_size

S = FileState
MARK = {S.IN_SYNC: "✓", S.CLEANED_UP: "·", S.ARCHIVED: "·", S.LOCAL_ONLY: "↑", S.CHANGED_LOCALLY: "↑",
        S.ON_S3_ONLY: "↓", S.CHANGED_ON_S3: "↓", S.CONFLICT: "!", S.CONFLICT_COPY: "!", S.PARTIAL_UPLOAD: "…",
        S.PARTIAL_DOWNLOAD: "…"}  # fmt: skip
STATE_WIDTH = 16  # "partial download"; longer states are cut
NOTE_WIDTH = 24  # "59 min ago by someone"; a longer name drops the time first
STATE_STYLE = {
    S.IN_SYNC: "green",
    S.CLEANED_UP: "dim",
    S.ARCHIVED: "dim",
    S.CONFLICT: "bold red",
    S.CONFLICT_COPY: "bold red",
}
for _state in (S.LOCAL_ONLY, S.CHANGED_LOCALLY, S.ON_S3_ONLY, S.CHANGED_ON_S3, S.PARTIAL_UPLOAD, S.PARTIAL_DOWNLOAD):
    STATE_STYLE[_state] = "yellow"


def run(
    ctx: Context, names: tuple[str, ...], *, use_all: bool, exit_code: bool, as_json: bool, offline: bool = False
) -> int:
    """Show every file's state. Returns 1 with ``exit_code`` when anything needs
    doing (a state other than in sync or cleaned up, or a problem).

    With no project named at the repository root, every project (DESIGN §3)."""
    at_root = ctx.cwd.resolve() == ctx.root
    result = status(ctx, ctx.targets(names, use_all or (not names and at_root)), offline=offline)
    dirty = any(f.state not in SETTLED for p in result for f in p.files) or any(p.problems for p in result)
    if as_json:
        output.print_json({"in_sync": not dirty, "offline": offline, "projects": [p.to_json() for p in result]})
    else:
        _print(ctx, result, offline)
    return EXIT_INCOMPLETE if exit_code and dirty else EXIT_OK


def by_whom(who: str, when: str) -> str:
    """``2 h ago by jan`` in at most ``NOTE_WIDTH`` characters: the name is kept
    whole where it fits, the time given up first (the state column says
    whether it was an upload or a deletion)."""
    stamp = ts_from_iso(when) if when else None
    full = f"{ago(stamp)} by {who}" if stamp and who else (ago(stamp) if stamp else who)
    if len(full) <= NOTE_WIDTH or not who:
        return full
    return fit(f"by {who}", NOTE_WIDTH)


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, shortened in the middle."""
    if len(text) <= width:
        return text
    keep = max(width - 1, 0)
    return text[: keep - keep // 2] + "…" + text[len(text) - keep // 2 :] if keep else ""


def _print(ctx: Context, result: list[ProjectStatus], offline: bool) -> None:
    con = output.out()
    width = max(con.width, 80)

    def line(text: str, style_at: tuple[int, int, str] | None = None) -> None:
        from rich.text import Text

        shown = Text(printable(fit(text, width)))
        if style_at:
            shown.stylize(style_at[2], style_at[0], style_at[1])
        con.print(shown, no_wrap=True, crop=True)

    def whole(text: str) -> None:
        """A line with a command to copy: wrapped between words, never cut (a word
        longer than the width stays whole on its own line)."""
        import textwrap

        pieces = textwrap.wrap(
            printable(text), width, subsequent_indent="        ", break_long_words=False, break_on_hyphens=False
        )
        for piece in pieces:
            con.print(piece, markup=False, highlight=False, soft_wrap=True)

    for p in result:
        line(p.project)
        where = f"s3://{ctx.bucket}/{p.prefix}" + (" (offline: as the manifest last recorded it)" if offline else "")
        line(f"  {where}")
        if p.archived:
            a = p.archived
            line(f"  archived {a.get('archived_at') or ''} to {a.get('key')} ({a.get('storage_class') or '?'})")
        if not p.files:
            line("  no staging files here or on S3")
        notes = [
            by_whom(f.deleted_by, f.deleted_at) if f.deleted_by else by_whom(f.uploaded_by, f.uploaded_at)
            for f in p.files
        ]
        # "  ✓ " path "  " size "  " state "  " note: the path gets what the notes leave
        path_width = width - 4 - 2 - 10 - 2 - STATE_WIDTH - 2 - max(map(len, notes), default=0)
        for f, note in zip(p.files, notes, strict=True):
            size = f.size
            cells = (
                f"  {MARK.get(f.state, '✗')} {fit(f.path, path_width):<{path_width}}  "
                f"{human_size(size) if size is not None else '':>10}  {fit(f.state, STATE_WIDTH):<{STATE_WIDTH}}  "
                f"{note}"
            )
            start = 2 + 2 + path_width + 2 + 10 + 2
            line(cells.rstrip(), (start, start + STATE_WIDTH, STATE_STYLE.get(f.state, "")))
        for f in p.files:
            if f.locked_by:
                mine = " (you: `git vam unlock` when done)" if f.locked_by == ctx.user else ""
                line(f"  🔒 {f.path}: locked by {f.locked_by} since {f.locked_since}{mine}")
        counts = ", ".join(f"{n} {state}" for state, n in sorted(p.summary.items(), key=lambda kv: -kv[1]))
        if counts:
            line(f"  {sum(p.summary.values())} file(s): {counts}")
        hints: dict[str, list[str]] = {}
        for f in p.files:
            if f.next:
                hints.setdefault(f.next, []).append(f.path)
        for hint, paths in hints.items():
            target = f" {p.project}" if hint.startswith("git vam ") and " " not in hint[8:] else ""
            whole(f"  next: {hint}{target}  ({', '.join(paths)})")
        for problem in p.problems:
            line(f"  ! {problem}")
