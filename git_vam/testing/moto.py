"""moto's S3 server (AWS's behaviour, in-process) with the same face as
:class:`~git_vam.testing.seaweed.SeaweedServer`: the suite's second real server."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from git_vam.testing.seaweed import ACCESS_KEY, SECRET_KEY


@dataclass
class MotoServer:
    """A running ``moto_server`` on loopback; ``endpoint`` is its S3 URL."""

    s3_port: int = 0
    server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def start(self) -> MotoServer:
        from moto.server import ThreadedMotoServer

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.s3_port = s.getsockname()[1]
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.s3_port, verbose=False)
        self.server.start()
        return self

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.stop()

    def env(self) -> dict[str, str]:
        """Environment variables that point the AWS chain at this server."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
        }
