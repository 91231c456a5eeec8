"""The S3 our users have (issue 22, DESIGN §9): what AWS answers differently from
SeaweedFS, shown here through proxies that answer as AWS does."""

from __future__ import annotations

import json

import pytest
from helpers import PROJECT, World, make_mp4, md5, s3_client, vam

from git_vam.testing.moto import MotoServer

pytestmark = pytest.mark.both_servers

BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "invoice\u202e4pm.exe" reads as "invoiceexe.mp4"


def test_bidirectional_controls_from_s3_and_git_never_reach_the_terminal(world: World) -> None:
    d = world.david
    make_mp4(world.staging(d) / "raw.mp4", "raw")
    vam(d, "push", "b65")
    key = f"staging/v-demo/{PROJECT}/invoice{BIDI}4pm.mp4"
    s3_client(world).put_object(Bucket=world.bucket, Key=key, Body=b"trojan source")
    for args in (("ls", "b65"), ("status", "b65"), ("pull", "b65"), ("log", "b65")):
        out = vam(world.jan, *args, code=None)
        shown = out.stdout + out.stderr
        assert BIDI not in shown, args
    listed = vam(world.jan, "ls", "b65").stdout
    assert "invoice\\u202e4pm.mp4" in listed  # escaped, as git quotes such names
    assert json.loads(vam(world.jan, "ls", "b65", "--json").stdout)  # JSON keeps the real name for programs


CONFLICT_409 = (
    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>ConditionalRequestConflict</Code>"
    b"<Message>A conflicting conditional operation is currently in progress against this resource.</Message>"
    b"</Error>"
)


def test_a_409_conditional_request_conflict_is_retried_with_the_same_condition(world: World, s3server) -> None:
    # AWS answers 409 ConditionalRequestConflict while another conditional write to
    # the key is in flight; retrying with the same condition is its documented remedy
    from faults import InterceptProxy

    class Busy(InterceptProxy):
        def __init__(self, port: int) -> None:
            super().__init__(port)
            self.conditions: list[str] = []

        def refuse(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes] | None:
            if method == "PUT" and "raw.mp4" in path:
                self.conditions.append(headers.get("If-None-Match", "") or headers.get("If-Match", ""))
                if len(self.conditions) <= 2:
                    return 409, CONFLICT_409
            return None

    proxy = Busy(s3server.s3_port)
    try:
        make_mp4(world.staging(world.david) / "raw.mp4", "raw")
        out = vam(world.david, "push", "b65", env={"VAM_ENDPOINT": proxy.url})
    finally:
        proxy.stop()
    assert "uploaded" in out.stdout
    assert proxy.conditions == ["*", "*", "*"]  # the same condition every time


def test_a_round_trip_with_opaque_etags_as_aws_gives_under_sse_kms(world: World, s3server) -> None:
    # AWS: with SSE-KMS the ETag of a PUT is not the MD5 of the body, nor a
    # multipart ETag the MD5 of the part MD5s ("Objects encrypted by SSE-KMS …
    # have ETags that are not an MD5 digest of their object data", S3 API
    # reference, Common Response Headers). Push, pull and status must not care.
    from faults import KmsProxy
    from helpers import big_file, git, md5

    proxy = KmsProxy(s3server.s3_port)
    env = {"VAM_ENDPOINT": proxy.url, "VAM_MULTIPART_THRESHOLD": "8MB"}
    try:
        d, j = world.david, world.jan
        small = make_mp4(world.staging(d) / "a.mp4", "small")
        big = big_file(world.staging(d) / "b.mov", 20 * 1024**2, seed=3)  # multipart at 8 MiB
        out = vam(d, "push", "b65", env=env)
        assert "2 uploaded" in out.stdout, out.stdout
        git(d, "push", "-q")
        git(j, "pull", "-q")
        vam(j, "pull", "b65", env=env)
        assert md5(world.staging(j) / "a.mp4") == md5(small) and md5(world.staging(j) / "b.mov") == md5(big)
        for clone in (d, j):
            status = json.loads(vam(clone, "status", "b65", "--json", env=env).stdout)
            assert status["in_sync"], status
        assert any(len(e) == 32 and e != md5(small) for e in proxy.real)  # the ETags really were opaque
    finally:
        proxy.stop()


def test_copies_above_the_threshold_are_multipart_copies(world: World, s3server) -> None:
    # AWS refuses CopyObject above 5 GiB; here the proxy refuses it above 20 MiB and
    # vam.multipartThreshold is 8 MiB: push --delete's S3-trash copy and the
    # restore of that version must go as UploadPartCopy parts
    from faults import CopyLimitProxy
    from helpers import big_file, md5

    proxy = CopyLimitProxy(s3server.s3_port, limit=20 * 1024**2)
    env = {"VAM_ENDPOINT": proxy.url, "VAM_MULTIPART_THRESHOLD": "8MB"}
    try:
        d = world.david
        src = big_file(world.staging(d) / "raw.mov", 40 * 1024**2, seed=5)
        digest = md5(src)
        vam(d, "push", "b65", env=env)
        src.unlink()
        vam(d, "push", "b65", "--delete", env=env)
        listed = json.loads(vam(d, "trash", "--remote", "list", "--json", env=env).stdout)["versions"]
        assert [v["size"] for v in listed] == [40 * 1024**2]
        vam(d, "trash", "--remote", "restore", listed[0]["key"], env=env)
        vam(d, "pull", "b65", env=env)
        assert md5(world.staging(d) / "raw.mov") == digest
        assert ("object", 40 * 1024**2) not in proxy.copies and proxy.copies.count(("part", 40 * 1024**2)) >= 2
    finally:
        proxy.stop()


def test_a_server_that_ignores_conditional_writes_is_named_by_doctor_and_push(world: World, s3server) -> None:
    from faults import IgnoresConditionsProxy

    proxy = IgnoresConditionsProxy(s3server.s3_port)
    env = {"VAM_ENDPOINT": proxy.url}
    try:
        d = world.david
        out = vam(d, "doctor", "--json", env=env, code=1)
        checks = {c["name"]: c for c in json.loads(out.stdout)["checks"]}
        assert not checks["conditional writes (If-None-Match)"]["ok"]
        assert "not protected" in checks["conditional writes (If-None-Match)"]["detail"]
        make_mp4(world.staging(d) / "raw.mp4", "raw")
        first = vam(d, "push", "b65", env=env)
        assert first.stderr.count("ignores conditional writes") == 1
        probes = [p for m, p in proxy.requests if ".vam-probe/" in p and m == "PUT"]
        make_mp4(world.staging(d) / "more.mp4", "more")
        second = vam(d, "push", "b65", env=env)
        assert "ignores conditional writes" in second.stderr  # every writing command warns
        assert [p for m, p in proxy.requests if ".vam-probe/" in p and m == "PUT"] == probes  # probed once
    finally:
        proxy.stop()
    # the real server honours them: no warning, doctor passes that check
    assert "ignores conditional writes" not in vam(world.jan, "push", "b65", code=None).stderr


def test_the_iam_policy_allows_exactly_what_git_vam_asks_of_s3(world: World, s3server) -> None:
    import fnmatch

    from faults import RecordingProxy
    from helpers import git

    d, j = world.david, world.jan
    policy = json.loads(vam(d, "policy", "--admin", "--json").stdout)
    allowed = [(action, resource) for s in policy["Statement"] for action in s["Action"] for resource in s["Resource"]]
    plain = json.loads(vam(d, "policy", "--json").stdout)
    assert not any("Lifecycle" in a for s in plain["Statement"] for a in s["Action"])  # only with --admin

    proxy = RecordingProxy(s3server.s3_port)
    env = {"VAM_ENDPOINT": proxy.url, "VAM_MULTIPART_THRESHOLD": "8MB"}
    try:
        from helpers import big_file

        make_mp4(world.staging(d) / "raw.mp4", "raw")
        big_file(world.staging(d) / "big.mov", 12 * 1024**2, seed=9)
        vam(d, "doctor", env=env)
        vam(d, "push", "b65", env=env)
        git(d, "push", "-q")
        git(j, "pull", "-q")
        vam(j, "pull", "b65", env=env)
        vam(j, "status", "b65", env=env)
        (world.staging(d) / "raw.mp4").unlink()
        vam(d, "push", "b65", "--delete", env=env)
        vam(d, "trash", "--remote", "list", env=env)
        vam(d, "pull", "b65/raw.mp4", "--version", md5(world.staging(j) / "raw.mp4")[:8], env=env)
        vam(d, "lock", "b65/big.mov", env=env)
        vam(d, "locks", env=env)
        vam(d, "unlock", "b65/big.mov", env=env)
        vam(d, "archive", "b65", env=env)
        vam(d, "restore", "b65", "--to", str(world.david.parent / "back"), env=env)
        vam(d, "cleanup", "b65", "--archive", "--confirm", env=env, code=None)
        vam(d, "share", "b65/big.mov", env=env, code=None)
        vam(d, "cost", env=env)
        vam(d, "lifecycle", "--apply", env=env, code=None)
    finally:
        proxy.stop()
    used = {a for a, _, _ in proxy.actions}
    assert used >= {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    for action, bucket, key in proxy.actions:
        arn = f"arn:aws:s3:::{bucket}" + (f"/{key}" if key else "")
        assert any(action == a and fnmatch.fnmatchcase(arn, r) for a, r in allowed), (action, arn)
    granted = {a for a, _ in allowed}
    # used on paths this run does not take (Glacier, Ctrl-C, versioned buckets)
    unused = {"s3:RestoreObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
              "s3:ListBucketMultipartUploads", "s3:ListBucketVersions", "s3:GetObjectVersion"}  # fmt: skip
    assert granted - used <= unused


def test_a_bucket_in_another_region_works_and_doctor_names_its_region(world: World, s3server) -> None:
    # AWS redirects a request signed for the wrong region (301 PermanentRedirect with
    # x-amz-bucket-region); botocore re-signs for the named region, so the push and
    # pull work, and doctor names the bucket's real region.
    from faults import RegionProxy

    proxy = RegionProxy(s3server.s3_port, "ap-southeast-2")
    env = {"VAM_ENDPOINT": proxy.url}
    try:
        make_mp4(world.staging(world.david) / "raw.mp4", "far away")
        vam(world.david, "push", "b65", env=env)
        vam(world.jan, "pull", "b65", env=env)
        out = vam(world.david, "doctor", env=env).stdout
    finally:
        proxy.stop()
    assert (world.staging(world.jan) / "raw.mp4").read_bytes() == (world.staging(world.david) / "raw.mp4").read_bytes()
    assert proxy.redirected >= 1
    assert "the bucket is in ap-southeast-2, not vam.region us-east-1" in out
    assert "git vam config vam.region ap-southeast-2" in out


def test_a_missing_permission_is_named_by_its_action_and_key(world: World, s3server) -> None:
    # AWS answers 403 AccessDenied without saying what was missing; git-vam knows
    # the operation it made, so it names the IAM action and the key
    from faults import DeniedProxy

    proxy = DeniedProxy(s3server.s3_port, "PUT", "staging/v-demo/")
    env = {"VAM_ENDPOINT": proxy.url}
    make_mp4(world.staging(world.david) / "raw.mp4", "raw")
    try:
        doctor = vam(world.david, "doctor", env=env, code=1).stdout
        push = vam(world.david, "push", "b65", env=env, code=None)
    finally:
        proxy.stop()
    assert f"these credentials lack s3:PutObject on s3://{world.bucket}/staging/v-demo/.vam-doctor-" in doctor
    assert "git vam policy" in doctor
    assert push.returncode != 0
    assert f"s3:PutObject on s3://{world.bucket}/staging/v-demo/{PROJECT}/raw.mp4" in push.stdout + push.stderr


def test_every_action_an_access_denied_names_is_in_the_policy() -> None:
    from git_vam.core.policy import ADMIN_ACTIONS, BUCKET_ACTIONS, OBJECT_ACTIONS
    from git_vam.s3.errors import IAM_ACTIONS

    granted = set(OBJECT_ACTIONS + BUCKET_ACTIONS + ADMIN_ACTIONS)
    assert set(IAM_ACTIONS.values()) <= granted


AWS = {  # what AWS answers, from its API Reference (each operation's request headers)
    "PUT If-None-Match: * on a taken key": 412,  # PutObject
    "PUT If-Match: a stale ETag": 412,  # PutObject
    "DELETE If-Match: a stale ETag": 412,  # DeleteObject (general purpose buckets, 2025)
    "CompleteMultipartUpload If-None-Match: * on a taken key": 412,  # CompleteMultipartUpload
    "ranged GET If-Match: a stale ETag": 412,  # GetObject
    "CopyObject x-amz-copy-source-if-match: a stale ETag": 412,  # CopyObject
    "CopyObject If-None-Match: * on a taken key": 412,  # CopyObject
    "UploadPartCopy x-amz-copy-source-if-match: a stale ETag": 412,  # UploadPartCopy
}
MOTO_DIFFERS = {  # moto 5 accepts these (measured); AWS refuses them (above)
    "CopyObject x-amz-copy-source-if-match: a stale ETag",
    "CopyObject If-None-Match: * on a taken key",
    "UploadPartCopy x-amz-copy-source-if-match: a stale ETag",
}


def test_what_each_server_does_with_conditional_requests(bucket: str, s3server) -> None:
    """The measured cells of docs/COMPATIBILITY.md. Where moto differs from AWS
    (copy conditions), git-vam never relies on them alone: a trash copy is
    followed by a conditional DELETE, and a trash restore HEADs its key first."""
    from botocore.exceptions import ClientError

    s3 = s3_client(s3server.endpoint)
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    s3.put_object(Bucket=bucket, Key="taken", Body=b"two")
    stale = '"0123456789abcdef0123456789abcdef"'
    upload = s3.create_multipart_upload(Bucket=bucket, Key="taken")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="taken", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    copy_upload = s3.create_multipart_upload(Bucket=bucket, Key="copy")["UploadId"]
    source = {"Bucket": bucket, "Key": "k"}
    requests = {
        "PUT If-None-Match: * on a taken key": lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"", IfNoneMatch="*"),
        "PUT If-Match: a stale ETag": lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", IfMatch=stale),
        "DELETE If-Match: a stale ETag": lambda: s3.delete_object(Bucket=bucket, Key="k", IfMatch=stale),
        "CompleteMultipartUpload If-None-Match: * on a taken key": lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="taken", UploadId=upload, IfNoneMatch="*",
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part}]}),
        "ranged GET If-Match: a stale ETag": lambda: s3.get_object(Bucket=bucket, Key="k", Range="bytes=0-0",
                                                                   IfMatch=stale),
        "CopyObject x-amz-copy-source-if-match: a stale ETag": lambda: s3.copy_object(
            Bucket=bucket, Key="fresh", CopySource=source, CopySourceIfMatch=stale),
        "CopyObject If-None-Match: * on a taken key": lambda: s3.copy_object(
            Bucket=bucket, Key="taken", CopySource=source, IfNoneMatch="*"),
        "UploadPartCopy x-amz-copy-source-if-match: a stale ETag": lambda: s3.upload_part_copy(
            Bucket=bucket, Key="copy", UploadId=copy_upload, PartNumber=1, CopySource=source,
            CopySourceIfMatch=stale),
    }  # fmt: skip
    answers = {}
    for name, request in requests.items():
        try:
            request()
            answers[name] = 200
        except ClientError as exc:
            answers[name] = exc.response["ResponseMetadata"]["HTTPStatusCode"]
    expected = dict(AWS)
    if isinstance(s3server, MotoServer):
        expected.update({name: 200 for name in MOTO_DIFFERS})
    assert answers == expected


def test_the_policy_names_a_separate_archive_bucket(tmp_path) -> None:
    import subprocess

    from git_vam import config
    from git_vam.core.policy import policy

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    env = {"VAM_BUCKET": "collab", "VAM_ARCHIVE_BUCKET": "video-archive"}
    settings = config.finish(config.load(tmp_path, environ=env), "v-appydave", "david")
    objects, listing = policy(settings)["Statement"]
    assert "arn:aws:s3:::video-archive/archive/v-appydave/*" in objects["Resource"]
    assert "arn:aws:s3:::collab/staging/v-appydave/*" in objects["Resource"]
    assert not [r for r in objects["Resource"] if r.startswith("arn:aws:s3:::collab/archive/")]
    assert listing["Resource"] == ["arn:aws:s3:::collab", "arn:aws:s3:::video-archive"]
