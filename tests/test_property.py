"""Two clients, random edits, deletes, pushes, pulls and forced pushes
(hypothesis stateful testing, in-process against the real S3 server).

Invariant: no version anyone pushed is ever gone unless the person who replaced
it on S3 had it as their own base (an ordinary edit of a version they had seen).
Every other pushed version is still the remote version, a local file, a
conflict copy, a local trash entry, or kept on S3 by --force.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pytest
from helpers import World, s3_client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

FILES = ("a.bin", "b.bin")
CLIENTS = ("david", "jan")
_projects = itertools.count()


def md5_bytes(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


class TwoClients(RuleBasedStateMachine):
    world: World
    pushed_versions = 0  # across all runs: proof that the runs really exercised S3
    replaced_by_force = 0

    @initialize()
    def fresh_project(self) -> None:
        self.project = f"p{next(_projects):04d}-prop"
        for clone in (self.world.david, self.world.jan):
            (clone / self.project / "s3-staging").mkdir(parents=True)
        self.must: set[str] = set()
        self.s3 = s3_client(self.world)
        self.prefix = f"staging/v-demo/{self.project}/"
        self.nonce = itertools.count()

    def clone(self, who: str) -> Path:
        return self.world.david if who == "david" else self.world.jan

    def remote(self) -> dict[str, str]:
        out = {}
        for o in self.s3.list_objects_v2(Bucket=self.world.bucket, Prefix=self.prefix).get("Contents", []):
            rel = o["Key"][len(self.prefix) :]
            if rel != ".metadata.json":
                out[rel] = self.s3.head_object(Bucket=self.world.bucket, Key=o["Key"])["Metadata"]["md5"]
        return out

    def base(self, who: str) -> dict[str, str]:
        path = self.clone(who) / ".git" / "vam" / "base" / f"{self.project}.json"
        data = json.loads(path.read_text()) if path.exists() else {"files": {}}
        return {rel: r["md5"] for rel, r in data["files"].items()}

    def run(self, who: str, direction: str, **flags: bool) -> None:
        from git_vam.commands import transfer
        from git_vam.context import open_context

        ctx = open_context(self.clone(who))
        transfer.run(ctx, direction, (self.project,), quiet=True, no_commit=True, **flags)

    @rule(who=st.sampled_from(CLIENTS), name=st.sampled_from(FILES), body=st.binary(max_size=32))
    def edit(self, who: str, name: str, body: bytes) -> None:
        data = body + f"#{next(self.nonce)}".encode()  # every edit is a new version
        (self.clone(who) / self.project / "s3-staging" / name).write_bytes(data)

    @rule(who=st.sampled_from(CLIENTS), name=st.sampled_from(FILES))
    def delete_local(self, who: str, name: str) -> None:
        (self.clone(who) / self.project / "s3-staging" / name).unlink(missing_ok=True)

    @rule(who=st.sampled_from(CLIENTS), force=st.booleans())
    def push(self, who: str, force: bool) -> None:
        before, base = self.remote(), self.base(who)
        self.run(who, "push", force=force)
        after = self.remote()
        for rel, old in before.items():
            if after.get(rel) != old and base.get(rel) == old:
                self.must.discard(old)  # superseded by someone who had it: an ordinary edit
        new = set(after.values()) - set(before.values())
        TwoClients.pushed_versions += len(new)
        if force and any(before.get(rel) not in (None, after.get(rel), base.get(rel)) for rel in before):
            TwoClients.replaced_by_force += 1
        self.must |= set(after.values())

    @rule(who=st.sampled_from(CLIENTS), force=st.booleans(), delete=st.booleans())
    def pull(self, who: str, force: bool, delete: bool) -> None:
        self.run(who, "pull", force=force, delete=delete)

    @invariant()
    def nothing_lost(self) -> None:
        if not hasattr(self, "project"):
            return
        alive = set(self.remote().values())
        for clone in (self.world.david, self.world.jan):
            for folder in (clone / self.project / "s3-staging", clone / ".git" / "vam" / "trash"):
                alive |= {md5_bytes(p.read_bytes()) for p in folder.rglob("*") if p.is_file()}
        trash = f"staging/.vam-trash/v-demo/{self.project}/"
        kept = self.s3.list_objects_v2(Bucket=self.world.bucket, Prefix=trash).get("Contents", [])
        alive |= {md5_bytes(self.s3.get_object(Bucket=self.world.bucket, Key=o["Key"])["Body"].read()) for o in kept}
        lost = self.must - alive
        assert not lost, f"pushed versions gone: {lost}"


@pytest.mark.timeout(900)
def test_two_clients_never_lose_a_pushed_version(world: World) -> None:
    TwoClients.world = world
    runs = 200
    start = next(_projects)
    run_state_machine_as_test(
        TwoClients,
        settings=settings(
            max_examples=runs, stateful_step_count=25, deadline=None, derandomize=True, database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )  # fmt: skip
    assert next(_projects) - start - 1 >= runs  # every run had its own fresh project
    assert TwoClients.pushed_versions >= 100 and TwoClients.replaced_by_force >= 5, (
        TwoClients.pushed_versions,
        TwoClients.replaced_by_force,
    )
