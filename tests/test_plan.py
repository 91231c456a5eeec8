"""The planner as a pure function: DESIGN §4's table, row by row, both directions."""

from __future__ import annotations

import pytest

from git_vam.meta import Meta
from git_vam.plan import Action, decide, plan, side_state, status_label

A = Meta("a" * 32, 10, '"ea"')
B = Meta("b" * 32, 20, '"eb"')
C = Meta("c" * 32, 30, '"ec"')

# (local, remote, base) for each row of DESIGN §4, named by L-vs-B / R-vs-B
ROWS = {
    "new/absent": (A, None, None),
    "absent/new": (None, A, None),
    "same/same": (A, A, A),
    "changed/same": (B, A, A),
    "same/changed": (A, B, A),
    "changed/changed differ": (B, C, A),
    "changed/changed equal": (B, B, A),
    "new/new differ": (A, B, None),
    "new/new equal": (A, A, None),
    "deleted/same": (None, A, A),
    "same/deleted": (A, None, A),
    "deleted/changed": (None, B, A),
    "changed/deleted": (B, None, A),
    "deleted/deleted": (None, None, A),
}

PUSH = {
    "new/absent": Action.UPLOAD,
    "absent/new": Action.NONE,
    "same/same": Action.NONE,
    "changed/same": Action.UPLOAD,
    "same/changed": Action.NONE,
    "changed/changed differ": Action.CONFLICT,
    "changed/changed equal": Action.RECORD,
    "new/new differ": Action.CONFLICT,
    "new/new equal": Action.RECORD,
    "deleted/same": Action.NONE,
    "same/deleted": Action.NONE,
    "deleted/changed": Action.NONE,
    "changed/deleted": Action.CONFLICT,
    "deleted/deleted": Action.FORGET,
}
PULL = {
    "new/absent": Action.NONE,
    "absent/new": Action.DOWNLOAD,
    "same/same": Action.NONE,
    "changed/same": Action.NONE,
    "same/changed": Action.DOWNLOAD,
    "changed/changed differ": Action.CONFLICT_COPY,
    "changed/changed equal": Action.RECORD,
    "new/new differ": Action.CONFLICT_COPY,
    "new/new equal": Action.RECORD,
    "deleted/same": Action.NONE,
    "same/deleted": Action.NONE,
    "deleted/changed": Action.DOWNLOAD,
    "changed/deleted": Action.CONFLICT,
    "deleted/deleted": Action.FORGET,
}
PUSH_FORCE = {
    **PUSH,
    "changed/changed differ": Action.UPLOAD,
    "new/new differ": Action.UPLOAD,
    "same/deleted": Action.UPLOAD,
    "changed/deleted": Action.UPLOAD,
}
PUSH_DELETE = {**PUSH, "deleted/same": Action.DELETE_REMOTE}
PULL_FORCE = {
    **PULL,
    "changed/changed differ": Action.DOWNLOAD,
    "new/new differ": Action.DOWNLOAD,
    "deleted/same": Action.DOWNLOAD,
}
PULL_DELETE = {**PULL, "same/deleted": Action.DELETE_LOCAL}


@pytest.mark.parametrize(
    "direction,flags,table",
    [
        ("push", {}, PUSH),
        ("pull", {}, PULL),
        ("push", {"force": True}, PUSH_FORCE),
        ("push", {"delete": True}, PUSH_DELETE),
        ("pull", {"force": True}, PULL_FORCE),
        ("pull", {"delete": True}, PULL_DELETE),
    ],
)
@pytest.mark.parametrize("row", sorted(ROWS))
def test_table(direction: str, flags: dict[str, bool], table: dict[str, Action], row: str) -> None:
    local, remote, base = ROWS[row]
    action, reason, _ = decide(direction, local, remote, base, **flags)
    assert action is table[row], (row, reason)


def test_states_named_as_in_design() -> None:
    assert side_state(None, None) == "absent"
    assert side_state(A, None) == "new"
    assert side_state(A, A) == "same"
    assert side_state(B, A) == "changed"
    assert side_state(None, A) == "deleted"


def test_remote_without_md5_compares_by_etag() -> None:
    unknown_same = Meta("", 10, A.etag)
    unknown_changed = Meta("", 10, '"other-2"')
    assert side_state(unknown_same, A, remote=True) == "same"
    assert side_state(unknown_changed, A, remote=True) == "changed"
    # a local file equal to the base and an unknown-but-same remote: nothing to do
    assert decide("push", A, unknown_same, A)[0] is Action.NONE
    # a remote we cannot compare and a local change: conflict, never a blind overwrite
    assert decide("push", B, unknown_changed, A)[0] is Action.CONFLICT


def test_force_on_a_conflict_replaces_and_says_so() -> None:
    action, reason, replace = decide("push", B, C, A, force=True)
    assert (action, replace) == (Action.UPLOAD, True)
    assert "--force" in reason


def test_in_sync_base_mismatch_records_new_base() -> None:
    # same content both sides but the base still names an older ETag
    assert decide("pull", A, Meta(A.md5, A.size, '"new"'), A)[0] is Action.RECORD


def test_plan_covers_every_path_and_sorts() -> None:
    items = plan("push", {"b": A, "a": B}, {"c": C}, {"d": A})
    assert [i.rel for i in items] == ["a", "b", "c", "d"]
    assert [i.action for i in items] == [Action.UPLOAD, Action.UPLOAD, Action.NONE, Action.FORGET]


def test_status_labels_say_what_to_run() -> None:
    items = {i.rel: i for i in plan("push", {"l": A, "x": B}, {"r": A, "x": C}, {"x": A})}
    assert status_label(items["l"]) == ("local only", "git vam push")
    assert status_label(items["r"]) == ("on S3 only", "git vam pull")
    assert status_label(items["x"])[0] == "conflict"
