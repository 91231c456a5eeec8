"""Transfers against the real server: multipart, conditional writes, resume,
verification, and the hash cache."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from faults import InterceptProxy, MeetingProxy
from helpers import PROJECT, World, big_file, git, md5, s3_client, vam

from git_vam.errors import ConflictError, S3Error
from git_vam.s3.model import RemoteObject, TransferConfig, UploadJournal, multipart_etag, part_size_for
from git_vam.s3.store import S3Store
from git_vam.testing.seaweed import ACCESS_KEY, SECRET_KEY

MiB = 1024**2


def port(world: World) -> int:
    """The S3 server's port, for a proxy in front of it."""
    return int(world.endpoint.rsplit(":", 1)[1])


def store(world: World, jobs: int = 4) -> S3Store:
    creds = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    transfer = TransferConfig(multipart_threshold=64 * MiB, jobs=jobs)
    return S3Store(bucket=world.bucket, endpoint=world.endpoint, credentials=creds, transfer=transfer)


def test_part_size_stays_within_s3_limits() -> None:
    assert part_size_for(200 * MiB) == 16 * MiB
    five_tib = 5 * 1024**4
    assert -(-five_tib // part_size_for(five_tib)) <= 10_000
    assert part_size_for(1) >= 5 * MiB


def test_200_mib_file_goes_multipart_and_arrives_intact(world: World, capsys) -> None:
    src = big_file(world.staging(world.david) / "raw.mov", 200 * MiB + 12345)
    start = time.monotonic()
    vam(world.david, "push", "b65")
    up = time.monotonic() - start
    head = s3_client(world).head_object(Bucket=world.bucket, Key=f"staging/v-demo/{PROJECT}/raw.mov")
    assert head["ETag"].strip('"').endswith("-13")  # 16 MiB parts
    assert head["Metadata"]["md5"] == md5(src)
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    start = time.monotonic()
    vam(world.jan, "pull", "b65")
    down = time.monotonic() - start
    assert md5(world.staging(world.jan) / "raw.mov") == md5(src)
    assert not list((world.jan / ".git" / "vam" / "tmp").glob("*.part"))
    with capsys.disabled():
        print(f"\n  200 MiB: push {up:.1f} s, pull {down:.1f} s (wall, incl. hashing and process start)")


def test_conditional_writes_turn_races_into_conflicts(world: World, tmp_path: Path) -> None:
    s = store(world)
    f = tmp_path / "a.bin"
    f.write_bytes(b"one")
    etag = s.upload(f, "k/a.bin", md5(f), {"uploaded-by": "david"})
    f.write_bytes(b"two")
    with pytest.raises(ConflictError):  # new-key upload while the key exists
        s.upload(f, "k/a.bin", md5(f), {})
    s.upload(f, "k/a.bin", md5(f), {}, if_match=etag)  # over the ETag we saw: fine
    f.write_bytes(b"three")
    with pytest.raises(ConflictError):  # the ETag we saw is gone
        s.upload(f, "k/a.bin", md5(f), {}, if_match=etag)
    assert s3_client(world).get_object(Bucket=world.bucket, Key="k/a.bin")["Body"].read() == b"two"


def test_conditional_complete_multipart(world: World, tmp_path: Path) -> None:
    s = store(world)
    f = big_file(tmp_path / "m.bin", 12 * MiB)
    s.upload(f, "k/m.bin", md5(f), {}, threshold=5 * MiB)
    with pytest.raises(ConflictError):
        s.upload(f, "k/m.bin", md5(f), {}, threshold=5 * MiB)
    assert s.list_uploads("k/") == []  # the refused upload was aborted, not left behind


def test_multipart_etag_is_checked(world: World, tmp_path: Path) -> None:
    f = big_file(tmp_path / "m.bin", 40 * MiB)
    etag = store(world).upload(f, "k/m.bin", md5(f), {}, threshold=5 * MiB)
    data = f.read_bytes()
    parts = [hashlib.md5(data[i : i + 16 * MiB]).digest() for i in range(0, len(data), 16 * MiB)]
    assert etag.strip('"') == multipart_etag(parts)


def test_interrupted_upload_resumes_from_parts_on_s3(world: World, tmp_path: Path) -> None:
    f = big_file(tmp_path / "r.bin", 80 * MiB)
    saved: dict = {}
    journal = UploadJournal(
        load=lambda: saved.get("r"), save=lambda r: saved.__setitem__("r", r), clear=lambda: saved.pop("r", None)
    )
    sent = []

    def die_after_two(n: int) -> None:
        sent.append(n)
        if len(sent) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store(world, jobs=1).upload(
            f, "k/r.bin", md5(f), {}, threshold=5 * MiB, progress=die_after_two, journal=journal
        )
    kept = len(saved["r"]["parts"])
    # stopped promptly: the parts not yet started were cancelled and the one in flight
    # stopped at its next chunk; the finished part is kept
    assert 1 <= kept <= 2
    resent = []
    store(world, jobs=1).upload(f, "k/r.bin", md5(f), {}, threshold=5 * MiB, progress=resent.append, journal=journal)
    assert resent[0] == kept * 16 * MiB  # the finished parts counted once, not sent again
    assert sum(resent[1:]) == (5 - kept) * 16 * MiB
    assert "r" not in saved
    got = s3_client(world).get_object(Bucket=world.bucket, Key="k/r.bin")["Body"].read()
    assert hashlib.md5(got).hexdigest() == md5(f)


def test_one_read_gives_the_md5_and_every_part_digest(tmp_path: Path) -> None:
    from git_vam.state import hash_file

    for size in (0, 1, 5 * MiB, 5 * MiB + 1, 17 * MiB + 3):
        f = big_file(tmp_path / f"h{size}", size, seed=size)
        data = f.read_bytes()
        whole, parts = hash_file(f, 5 * MiB)
        assert whole == hashlib.md5(data).hexdigest()
        assert parts == [hashlib.md5(data[i : i + 5 * MiB]).digest() for i in range(0, len(data), 5 * MiB)]
        assert hash_file(f) == (whole, [])


def test_part_digests_are_cached_with_the_md5_and_dropped_when_the_file_changes(tmp_path: Path) -> None:
    from git_vam.state import State

    f = big_file(tmp_path / "w" / "a.bin", 11 * MiB)
    os.utime(f, (time.time() - 10, time.time() - 10))  # not "racy"
    state = State(tmp_path / "git")
    digest = state.md5(f, part_size=5 * MiB)
    st = f.stat()
    parts = state.cached_parts(f, st, 5 * MiB)
    assert (
        parts
        and len(parts) == 3
        and multipart_etag(parts)
        == multipart_etag([hashlib.md5(f.read_bytes()[i : i + 5 * MiB]).digest() for i in range(0, 11 * MiB, 5 * MiB)])
    )
    assert state.cached_parts(f, st, 6 * MiB) is None  # another part size
    state.save_hashes()
    again = State(tmp_path / "git")
    assert again.cached_md5(f, st) == digest and again.cached_parts(f, st, 5 * MiB) == parts
    with open(f, "r+b") as fh:
        fh.write(b"changed")
    os.utime(f, (time.time() - 5, time.time() - 5))
    assert again.cached_md5(f, f.stat()) is None and again.cached_parts(f, f.stat(), 5 * MiB) is None


def test_part_digests_that_do_not_match_the_file_publish_nothing(world: World, tmp_path: Path) -> None:
    # the streamed body and its Content-MD5 disagree (a file changed behind the
    # cache's back, or bytes damaged on the way): S3 refuses the part
    f = big_file(tmp_path / "m.bin", 40 * MiB)
    s = store(world)
    size = f.stat().st_size
    part = part_size_for(size)
    good = [hashlib.md5(f.read_bytes()[i : i + part]).digest() for i in range(0, size, part)]
    bad = [good[0], hashlib.md5(b"something else").digest(), *good[2:]]
    with pytest.raises(S3Error, match="damaged, or the file changed") as err:
        s.upload(f, "k/m.bin", md5(f), {}, threshold=8 * MiB, part_md5s=bad)
    assert "Run the push again" in str(err.value.remedy)
    with pytest.raises(s3_client(world).exceptions.ClientError):
        s3_client(world).head_object(Bucket=world.bucket, Key="k/m.bin")
    etag = s.upload(f, "k/m.bin", md5(f), {}, threshold=8 * MiB, part_md5s=good)
    assert etag.strip('"') == multipart_etag(good)


def test_download_resumes_a_partial_file_of_the_same_etag(world: World, tmp_path: Path) -> None:
    f = big_file(tmp_path / "d.bin", 9 * MiB)
    s = store(world)
    etag = s.upload(f, "k/d.bin", md5(f), {})
    obj = RemoteObject(key="k/d.bin", rel="d.bin", size=f.stat().st_size, etag=etag, md5=md5(f))
    tmp = tmp_path / "dl" / "d.part"
    tmp.parent.mkdir()
    ledger = tmp.parent / "d.part.json"
    data = f.read_bytes()
    # ranges of 2 MiB, some written (wholly or in part), some not at all
    have = [2 * MiB, 0, MiB, 2 * MiB, 0]
    with open(tmp, "wb") as out:
        for i, n in enumerate(have):
            out.seek(i * 2 * MiB)
            out.write(data[i * 2 * MiB : i * 2 * MiB + n] if n else b"")
    ledger.write_text(json.dumps({"etag": etag, "chunk": 2 * MiB, "have": have}))
    got: list[int] = []
    assert s.download(obj, tmp, progress=got.append, jobs=3, chunk_size=2 * MiB) == md5(f)
    assert got[0] == sum(have) and sum(got) == len(data)  # only the missing bytes were fetched
    assert tmp.read_bytes() == data
    # a record of another version is not trusted: it starts over
    tmp.write_bytes(b"garbage" * MiB)
    ledger.write_text(json.dumps({"etag": '"someotheretag"', "chunk": 2 * MiB, "have": [2 * MiB] * 5}))
    got.clear()
    assert s.download(obj, tmp, progress=got.append, jobs=3, chunk_size=2 * MiB) == md5(f)
    assert sum(got) == len(data) and tmp.read_bytes() == data
    # nor one that claims more than the file holds
    tmp.write_bytes(data[:MiB])
    ledger.write_text(json.dumps({"etag": etag, "chunk": 2 * MiB, "have": [2 * MiB] * 4 + [MiB]}))
    assert s.download(obj, tmp, jobs=3, chunk_size=2 * MiB) == md5(f)
    assert tmp.read_bytes() == data


def test_parallel_download_of_a_multipart_object_is_verified_by_its_etag(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = big_file(tmp_path / "m.bin", 40 * MiB + 5)
    s = store(world)
    etag = s.upload(f, "k/m.bin", md5(f), {}, threshold=8 * MiB)  # 3 parts of 16 MiB
    obj = RemoteObject(key="k/m.bin", rel="m.bin", size=f.stat().st_size, etag=etag, md5=md5(f))
    assert obj.part_count == 3
    out = tmp_path / "m.part"
    assert s.download(obj, out, jobs=3) == md5(f) and out.read_bytes() == f.read_bytes()
    # the ranges were the object's parts and their MD5s matched the ETag: the
    # uploader's whole-file MD5 is what comes back, without a second pass
    (out.parent / "m.part.json").unlink()
    claimed = replace(obj, md5="0" * 32)
    assert s.download(claimed, out, jobs=3) == "0" * 32
    # with no claim to lean on, the file is hashed whole (one range: as it streams)
    (out.parent / "m.part.json").unlink()
    assert s.download(replace(obj, md5=""), out, jobs=3) == md5(f)
    # in ranges it is hashed once, at the end, and the ranges not at all (issue 15:
    # one MD5 pass per download)
    import git_vam.s3.download

    hashed: list[int] = []
    real = git_vam.s3.download._UnitHasher.update
    monkeypatch.setattr(
        git_vam.s3.download._UnitHasher, "update", lambda h, data: (hashed.append(len(data)), real(h, data))[1]
    )
    (out.parent / "m.part.json").unlink()
    # ranges the size of the parts, but no uploader's MD5 to bind them to
    assert s.download(replace(obj, md5=""), out, jobs=3, chunk_size=16 * MiB) == md5(f)
    assert hashed == []
    (out.parent / "m.part.json").unlink()
    assert s.download(obj, out, jobs=3, chunk_size=16 * MiB) == md5(f)
    assert sum(hashed) == f.stat().st_size  # checked by its parts: one pass


def test_part_size_is_inferred_from_the_etag_part_count() -> None:
    from git_vam.s3.model import part_size_of

    assert part_size_of(200 * MiB, 13) == 16 * MiB  # git-vam's own
    assert part_size_of(1024 * MiB, 128) == 8 * MiB  # aws s3's default
    assert part_size_of(1024 * MiB + 3 * MiB, 129) == 8 * MiB
    assert part_size_of(100 * MiB, 1) == 0 and part_size_of(100 * MiB, 10_001) == 0


def test_parallel_download_of_an_empty_and_a_one_byte_object(world: World, tmp_path: Path) -> None:
    s = store(world)
    for size in (0, 1):
        f = tmp_path / f"f{size}"
        f.write_bytes(b"x" * size)
        etag = s.upload(f, f"k/f{size}", md5(f), {})
        obj = RemoteObject(key=f"k/f{size}", rel=f.name, size=size, etag=etag, md5=md5(f))
        out = tmp_path / f"o{size}.part"
        assert s.download(obj, out, jobs=4, chunk_size=MiB) == md5(f)
        assert out.read_bytes() == f.read_bytes()


def test_corrupt_download_never_reaches_the_final_path(world: World) -> None:
    from helpers import make_mp4

    make_mp4(world.staging(world.david) / "raw.mp4", "v1")
    vam(world.david, "push", "b65")
    git(world.david, "push", "-q")
    git(world.jan, "pull", "-q")
    # S3 says one MD5, the bytes are another: a tampered or damaged object
    s3 = s3_client(world)
    key = f"staging/v-demo/{PROJECT}/raw.mp4"
    meta = s3.head_object(Bucket=world.bucket, Key=key)["Metadata"]
    s3.put_object(Bucket=world.bucket, Key=key, Body=b"not the video", Metadata=meta)
    out = vam(world.jan, "pull", "b65", code=1)
    assert "damaged" in out.stdout
    assert not (world.staging(world.jan) / "raw.mp4").exists()


def test_unchanged_files_are_not_read_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    f = big_file(world.staging(world.david) / "raw.mov", 3 * MiB)
    os.utime(f, (time.time() - 60, time.time() - 60))  # not modified "just now"
    vam(world.david, "push", "b65")
    cache = json.loads((world.david / ".git" / "vam" / "hashes.json").read_text())
    assert [e[3] for e in cache.values()] == [md5(f)]

    import git_vam.state
    from git_vam.commands import status
    from git_vam.context import open_context

    def no_reads(*args: object, **kw: object) -> str:
        raise AssertionError("a cached, unchanged file was read again")

    monkeypatch.setattr(git_vam.state, "hash_file", no_reads)
    assert status.run(open_context(world.david), ("b65",), use_all=False, exit_code=True, as_json=True) == 0


def test_a_file_new_on_every_side_is_hashed_by_its_upload_only(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    f = big_file(world.staging(world.david) / "new.mov", 3 * MiB)
    os.utime(f, (time.time() - 60, time.time() - 60))
    import git_vam.state
    from git_vam.commands import status
    from git_vam.context import open_context

    real = git_vam.state.hash_file

    def no_reads(*args: object, **kw: object) -> str:
        raise AssertionError("status read a file whose MD5 decides nothing")

    monkeypatch.setattr(git_vam.state, "hash_file", no_reads)
    assert status.run(open_context(world.david), ("b65",), use_all=False, exit_code=True, as_json=True) == 1
    assert json.loads(capsys.readouterr().out)["projects"][0]["files"][0]["state"] == "local only"
    monkeypatch.setattr(git_vam.state, "hash_file", real)
    vam(world.david, "push", "b65")
    key = f"staging/v-demo/{PROJECT}/new.mov"
    assert s3_client(world).head_object(Bucket=world.bucket, Key=key)["Metadata"]["md5"] == md5(f)
    cache = json.loads((world.david / ".git" / "vam" / "hashes.json").read_text())
    assert [e[3] for e in cache.values()] == [md5(f)]
    manifest = json.loads((world.staging(world.david).parent / "s3-staging.manifest.json").read_text())
    assert manifest["files"]["new.mov"]["md5"] == md5(f)


def test_a_file_changed_within_the_same_clock_tick_is_hashed_again(world: World) -> None:
    """The "racy git" problem: an edit that keeps size and mtime (coarse file
    system clocks) must not hide behind a cached MD5."""
    f = world.staging(world.david) / "raw.mov"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(b"A" * 1000)
    stamp = time.time()
    os.utime(f, (stamp, stamp))
    vam(world.david, "push", "b65")
    f.write_bytes(b"B" * 1000)  # same size, same inode,
    os.utime(f, (stamp, stamp))  # and the same mtime
    out = json.loads(vam(world.david, "status", "b65", "--json").stdout)
    assert out["projects"][0]["files"][0]["state"] == "changed locally"


def test_unicode_names_map_to_one_nfc_key(world: World) -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "café-intro.mp4")
    (world.staging(world.david)).mkdir(parents=True, exist_ok=True)
    (world.staging(world.david) / nfd).write_bytes(b"x" * 1000)
    vam(world.david, "push", "b65")
    keys = [o["Key"] for o in s3_client(world).list_objects_v2(Bucket=world.bucket)["Contents"]]
    assert f"staging/v-demo/{PROJECT}/" + unicodedata.normalize("NFC", "café-intro.mp4") in keys
    assert vam(world.david, "status", "b65", "--exit-code").returncode == 0


def test_small_bodies_go_without_expect_100_continue(world: World) -> None:
    # issue 15: botocore waits one round trip for "100 Continue" before every PUT body;
    # a small file is cheaper to send than that wait, a 16 MiB part is not
    seen: list[tuple[str, str]] = []

    class Recorder(InterceptProxy):
        def refuse(self, method: str, path: str, headers: dict[str, str]) -> None:
            if method == "PUT":
                seen.append((path.split("?")[0].rsplit("/", 1)[-1], headers.get("Expect", "")))

    proxy = Recorder(int(world.endpoint.rsplit(":", 1)[1]))
    try:
        creds = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        s = S3Store(bucket=world.bucket, endpoint=proxy.url, credentials=creds,
                    transfer=TransferConfig(multipart_threshold=10 * MiB, jobs=2))  # fmt: skip
        small, big = world.david / "small.bin", world.david / "big.bin"
        small.write_bytes(os.urandom(MiB))
        big.write_bytes(os.urandom(20 * MiB))
        s.upload(small, "e/small.bin", md5(small), {})
        s.upload(big, "e/big.bin", md5(big), {})
    finally:
        proxy.stop()
    assert ("small.bin", "") in seen
    parts = sorted(expect for name, expect in seen if name == "big.bin")
    assert parts == ["", "100-continue"]  # the 16 MiB part keeps the handshake, the last 4 MiB goes without


def test_push_writes_each_metadata_json_with_one_request(world: World) -> None:
    # issue 15: the listing already says .metadata.json's ETag; a conditional PUT on it
    # is one round trip, not a refused PUT, a GET and a PUT (three on a 220 ms link)
    other = "b66-second-project"
    folders = [world.staging(world.david), world.staging(world.david, other)]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "a.mp4").write_bytes(b"a" * 1000)
    vam(world.david, "push", "--all")
    proxy = InterceptProxy(int(world.endpoint.rsplit(":", 1)[1]))
    try:
        (folders[0] / "b.mp4").write_bytes(b"b" * 1000)
        vam(world.david, "push", PROJECT, env={"VAM_ENDPOINT": proxy.url})  # the project's own listing
        one = [m for m, p in proxy.requests if p.split("?")[0].endswith("/.metadata.json")]
        for folder in folders:
            (folder / "c.mp4").write_bytes(b"c" * 1000)
        vam(world.david, "push", "--all", env={"VAM_ENDPOINT": proxy.url})  # one listing of the brand
        both = [m for m, p in proxy.requests if p.split("?")[0].endswith("/.metadata.json")][len(one) :]
    finally:
        proxy.stop()
    assert one == ["PUT"] and both == ["PUT", "PUT"]
    s3 = s3_client(world)
    for name, files in ((PROJECT, ["a.mp4", "b.mp4", "c.mp4"]), (other, ["a.mp4", "c.mp4"])):
        body = s3.get_object(Bucket=world.bucket, Key=f"staging/v-demo/{name}/.metadata.json")["Body"]
        assert sorted(f["name"] for f in json.loads(body.read())["files"]) == files


def test_small_files_go_by_the_dozen_on_push_and_pull(world: World) -> None:
    # issue 15: each small file costs a round trip more than bandwidth; 48 files of
    # 64 KiB fit in vam.jobs × 16 MiB, so all 48 requests must be in flight at once
    staging = world.staging(world.david)
    for i in range(48):
        (staging / f"still-{i:02d}.jpg").write_bytes(os.urandom(64 * 1024))
    proxy = MeetingProxy(port(world), 48, lambda method, path: method if "/still-" in path else None)
    try:
        vam(world.david, "push", PROJECT, env={"VAM_ENDPOINT": proxy.url})
        git(world.david, "push", "-q")
        git(world.jan, "pull", "-q")
        vam(world.jan, "pull", PROJECT, env={"VAM_ENDPOINT": proxy.url})
    finally:
        proxy.stop()
    moved = [m for m, p in proxy.requests if "/still-" in p]
    assert moved.count("PUT") == 48 and moved.count("GET") == 48 and proxy.apart == []
    assert len(list(world.staging(world.jan).glob("still-*.jpg"))) == 48


def test_push_all_moves_every_project_and_writes_every_metadata_json_at_once(world: World) -> None:
    # issue 15: one round trip for all the changed projects' files, and one for their
    # summaries, not one each
    names = [PROJECT, "b66-second", "b67-third"]
    for name in names:
        world.staging(world.david, name).mkdir(parents=True, exist_ok=True)
        (world.staging(world.david, name) / "cut.mp4").write_bytes(os.urandom(1000))
    ends = ("/cut.mp4", "/.metadata.json")
    proxy = MeetingProxy(
        port(world), 3, lambda method, path: next((e for e in ends if method == "PUT" and path.endswith(e)), None)
    )
    try:
        vam(world.david, "push", "--all", env={"VAM_ENDPOINT": proxy.url})
    finally:
        proxy.stop()
    assert proxy.apart == []
    s3 = s3_client(world)
    for name in names:
        body = s3.get_object(Bucket=world.bucket, Key=f"staging/v-demo/{name}/.metadata.json")["Body"]
        assert [f["name"] for f in json.loads(body.read())["files"]] == ["cut.mp4"]


def test_a_refused_metadata_json_write_is_a_warning_not_a_failed_push(world: World) -> None:
    (world.staging(world.david)).mkdir(parents=True, exist_ok=True)
    (world.staging(world.david) / "cut.mp4").write_bytes(b"cut" * 100)

    class NoSummary(InterceptProxy):
        def refuse(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes] | None:
            if method == "PUT" and path.split("?")[0].endswith("/.metadata.json"):
                return 403, b"<Error><Code>AccessDenied</Code><Message>not this key</Message></Error>"
            return None

    proxy = NoSummary(int(world.endpoint.rsplit(":", 1)[1]))
    try:
        out = vam(world.david, "push", PROJECT, env={"VAM_ENDPOINT": proxy.url})  # exit 0
    finally:
        proxy.stop()
    assert "could not update .metadata.json" in out.stderr
    head = s3_client(world).head_object(Bucket=world.bucket, Key=f"staging/v-demo/{PROJECT}/cut.mp4")
    assert head["Metadata"]["md5"] == md5(world.staging(world.david) / "cut.mp4")


def test_git_pull_fetches_every_changed_project_with_one_listing_at_once(world: World) -> None:
    # issue 15: the post-merge pull lists the brand once and fetches all projects together
    import subprocess

    names = [PROJECT, "b66-second", "b67-third"]
    for name in names:
        world.staging(world.david, name).mkdir(parents=True, exist_ok=True)
        (world.staging(world.david, name) / "cut.mp4").write_bytes(os.urandom(1000))
    vam(world.david, "push", "--all")
    git(world.david, "push", "-q")
    vam(world.jan, "install")
    proxy = MeetingProxy(port(world), 3, lambda method, path: method if path.endswith("/cut.mp4") else None)
    try:
        subprocess.run(["git", "pull", "-q"], cwd=world.jan, env={**os.environ, "VAM_ENDPOINT": proxy.url}, check=True)
    finally:
        proxy.stop()
    listings = [p for m, p in proxy.requests if "list-type=2" in p]
    assert len(listings) == 1 and proxy.apart == []
    for name in names:
        assert md5(world.staging(world.jan, name) / "cut.mp4") == md5(world.staging(world.david, name) / "cut.mp4")


def test_hashing_holds_a_few_mib_at_most(tmp_path: Path) -> None:
    # sixteen small files hashed at once by their uploads each held an 8 MiB read
    # buffer: pushing 100 × 4 MiB peaked at 170 MiB RSS (100 MiB with 1 MiB reads)
    import tracemalloc

    from git_vam.state import hash_file

    f = big_file(tmp_path / "a.bin", 20 * MiB)
    for part_size, most in ((0, 3 * MiB), (5 * MiB, 6 * MiB)):
        tracemalloc.start()
        try:
            hash_file(f, part_size)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < most, (part_size, peak)
