"""A loopback TCP proxy that injures S3 traffic on purpose, counting every byte.

``cut_up_after`` / ``cut_down_after``: once that many more bytes have gone up
(client → S3) or down, every connection is dropped and new ones are refused
until ``heal()`` (a link that went away). ``flip_down_after``: one byte of the
response stream is inverted that many bytes later (``flip_every`` re-arms it on
``flip_offset`` bytes after each flip). ``stall_down_after``: the response
stream pauses once. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
import threading
import time
from typing import Any


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.lock = threading.Lock()
        self.up = 0
        self.down = 0
        self.cut_up_at: int | None = None
        self.cut_down_at: int | None = None
        self.flip_at: int | None = None
        self.flip_offset = 0
        self.flip_every = False
        self.flips = 0
        self.stall_at: int | None = None
        self.stall_seconds = 0.0
        self.stalls = 0
        self.broken = False
        self.conns: list[socket.socket] = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_up_after(self, n: int) -> None:
        with self.lock:
            self.cut_up_at = self.up + n

    def cut_down_after(self, n: int) -> None:
        with self.lock:
            self.cut_down_at = self.down + n

    def flip_down_after(self, n: int, every: bool = False) -> None:
        with self.lock:
            self.flip_offset = n
            self.flip_at = self.down + n
            self.flip_every = every

    def stall_down_after(self, n: int, seconds: float) -> None:
        """Hold the response stream for ``seconds`` once ``n`` more bytes went down."""
        with self.lock:
            self.stall_at = self.down + n
            self.stall_seconds = seconds

    def heal(self) -> None:
        with self.lock:
            self.broken = False
            self.cut_up_at = self.cut_down_at = self.flip_at = None
            self.flip_every = False

    def stop(self) -> None:
        self.stopped = True
        self.server.close()
        self._drop_all()

    def _drop_all(self) -> None:
        for c in list(self.conns):
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()
        self.conns.clear()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                if self.broken:
                    client.close()
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self.conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, going_up: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    if self.broken:
                        break
                    if going_up:
                        start, self.up = self.up, self.up + len(data)
                        limit = self.cut_up_at
                        end = self.up
                    else:
                        start, self.down = self.down, self.down + len(data)
                        limit = self.cut_down_at
                        end = self.down
                        if self.flip_at is not None and start <= self.flip_at < end:
                            i = self.flip_at - start
                            data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]
                            self.flips += 1
                            self.flip_at = self.flip_at + self.flip_offset if self.flip_every else None
                    if limit is not None and end >= limit:
                        self.broken = True
                        data = data[: max(0, len(data) - (end - limit))]
                    stall = 0.0
                    if not going_up and self.stall_at is not None and end >= self.stall_at:
                        stall, self.stall_at = self.stall_seconds, None
                        self.stalls += 1
                if stall:
                    time.sleep(stall)
                if data:
                    dst.sendall(data)
                if self.broken:
                    self._drop_all()
                    break
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()


class InterceptProxy:
    """An HTTP reverse proxy in front of the S3 server that lets a test act on the
    traffic. Subclasses (or tests) override ``refuse`` (answer instead of the
    server), ``before`` (act just before a request is forwarded, e.g. a
    collaborator uploads a newer version right before our DELETE) and
    ``transform`` (change the answer). ``extra_body`` bytes are appended to
    every ranged GET answer (a server that sends more than the Range asked for).
    The request's Host header is kept, so SigV4 signatures still verify.
    """

    def __init__(self, target_port: int) -> None:
        import http.client
        import http.server

        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                length = dict((k.lower(), v) for k, v in headers).get("content-length", "0")
                self.send_header("Content-Length", length if self.command == "HEAD" else str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                refusal = proxy.refuse(self.command, self.path, dict(self.headers.items()))
                if refusal is not None:
                    status, answer, *extra = refusal
                    self._send(status, [("Content-Type", "application/xml"), *(extra[0] if extra else [])], answer)
                    return
                if proxy.before is not None:
                    proxy.before(self.command, self.path)
                headers, body = proxy.rewrite_request(self.command, self.path, dict(self.headers.items()), body)
                conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=30)
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = proxy.transform(self.command, self.path, resp.status, resp.read())
                proxy.requests.append((self.command, self.path))
                if self.command == "GET" and self.headers.get("Range") and resp.status == 206:
                    data += proxy.extra_body
                answer = proxy.rewrite_headers(self.command, self.path, resp.getheaders())
                self._send(resp.status, answer, data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self.before: Any = None
        self.extra_body = b""
        self.requests: list[tuple[str, str]] = []  # (method, path) of every forwarded request
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def refuse(self, method: str, path: str, headers: dict[str, str]) -> tuple[Any, ...] | None:
        """An answer ``(status, XML body[, [(header, value), …]])`` to send instead
        of forwarding, or None."""
        return None

    def transform(self, method: str, path: str, status: int, data: bytes) -> bytes:
        """The server's answer body as the client gets it."""
        return data

    def rewrite_request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[dict[str, str], bytes | None]:
        """The client's request headers and body as the server gets them."""
        return headers, body

    def rewrite_headers(self, method: str, path: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The server's answer headers as the client gets them."""
        return headers

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class HostileListingProxy(InterceptProxy):
    """Adds hostile keys to ListObjectsV2 answers and, with ``region``, refuses
    requests signed for another region as AWS does.

    SeaweedFS refuses such keys itself, but AWS accepts them, so a bucket shared
    with other tools may hold them.
    """

    def __init__(self, target_port: int, extra_keys: list[str], region: str = "") -> None:
        self.extra_keys = extra_keys
        self.region = region
        self.refused = 0
        super().__init__(target_port)

    def refuse(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes] | None:
        if self.region and f"/{self.region}/s3/" not in headers.get("Authorization", ""):
            # What AWS answers a request signed for another region
            self.refused += 1
            return 400, (
                "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region is wrong; "
                f"expecting '{self.region}'</Message><Region>{self.region}</Region></Error>"
            ).encode()
        return None

    def transform(self, method: str, path: str, status: int, data: bytes) -> bytes:
        from urllib.parse import parse_qs, quote, urlsplit

        query = parse_qs(urlsplit(path).query)
        if method == "GET" and query.get("list-type") == ["2"] and status == 200:
            encoded = query.get("encoding-type") == ["url"]
            entries = "".join(
                f"<Contents><Key>{quote(k, safe='/') if encoded else k}</Key>"
                "<LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                '<ETag>"0123456789abcdef0123456789abcdef"</ETag><Size>5</Size>'
                "<StorageClass>STANDARD</StorageClass></Contents>"
                for k in self.extra_keys
            )
            data = data.replace(b"</ListBucketResult>", entries.encode() + b"</ListBucketResult>")
        return data


class BadServer:
    """A server on loopback that never serves S3: ``mode="hang"`` accepts TCP and
    never answers; ``mode="throttle"`` answers every request with 503 SlowDown.
    ``connections`` counts what reached it."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.held: list[socket.socket] = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            if self.mode == "hang":
                self.held.append(conn)  # never read, never answered
            else:
                threading.Thread(target=self._slow_down, args=(conn,), daemon=True).start()

    def _slow_down(self, conn: socket.socket) -> None:
        body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        with contextlib.suppress(OSError):
            conn.settimeout(5)
            while True:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, rest = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                while len(rest) < length:
                    rest += conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
        conn.close()

    def stop(self) -> None:
        self.stopped = True
        self.server.close()
        for c in self.held:
            with contextlib.suppress(OSError):
                c.close()


class MeetingProxy(InterceptProxy):
    """Proves requests are in flight together: each request that ``group(method,
    path)`` names (path without its query; None: not held) waits until ``count``
    requests of its group are held at once, then all go on. A group that does not
    fill within ``timeout`` seconds breaks, and its requests land in ``apart``:
    they were not all in flight at the same time."""

    def __init__(self, target_port: int, count: int, group: Any, timeout: float = 15) -> None:
        super().__init__(target_port)
        self.count, self.group, self.timeout = count, group, timeout
        self.meetings: dict[str, threading.Barrier] = {}
        self.apart: list[str] = []
        self._meetings_lock = threading.Lock()
        self.before = self._meet

    def _meet(self, method: str, path: str) -> None:
        name = self.group(method, path.split("?")[0])
        if name is None:
            return
        with self._meetings_lock:
            meeting = self.meetings.setdefault(name, threading.Barrier(self.count, timeout=self.timeout))
        try:
            meeting.wait()
        except threading.BrokenBarrierError:
            self.apart.append(path)


def resign(method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
    """``headers`` signed again (SigV4, the test server's credentials) after a
    proxy changed a signed header or the body; the Host header is kept."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from git_vam.testing.seaweed import ACCESS_KEY, SECRET_KEY

    host = next(v for k, v in headers.items() if k.lower() == "host")
    kept = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "x-amz-date")}
    request = AWSRequest(method=method, url=f"http://{host}{path}", data=body or b"", headers=kept)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


class KmsProxy(InterceptProxy):
    """Answers as AWS does for SSE-KMS objects: every ETag is opaque (32 hex
    digits that are not the MD5 of the bytes, nor of the parts' MD5s) and every
    answer names ``x-amz-server-side-encryption: aws:kms``. The client's
    conditions and part lists name the opaque ETags; they are mapped back to
    the server's real ones on the way in, so the server's checks still hold."""

    ETAG = re.compile(rb'(&quot;|")([0-9a-f]{32}(?:-\d+)?)(&quot;|")')  # in XML answers

    def __init__(self, target_port: int) -> None:
        super().__init__(target_port)
        self.real: dict[str, str] = {}  # opaque → real (without quotes)

    def opaque(self, real: str) -> str:
        base, dash, parts = real.partition("-")  # a multipart ETag keeps its "-N"
        fake = hashlib.md5(b"kms:" + base.encode()).hexdigest()
        self.real[fake] = base
        return fake + dash + parts

    def rewrite_request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[dict[str, str], bytes | None]:
        changed = False
        for name, value in list(headers.items()):
            if name.lower() in ("if-match", "if-none-match", "x-amz-copy-source-if-match"):
                real = re.sub(r"[0-9a-f]{32}", lambda m: self.real.get(m.group(), m.group()), value)
                changed, headers[name] = changed or real != value, real
        if body and method == "POST" and b"<CompleteMultipartUpload" in body:
            real_body = re.sub(
                rb"[0-9a-f]{32}", lambda m: self.real.get(m.group().decode(), m.group().decode()).encode(), body
            )
            changed, body = changed or real_body != body, real_body
        return (resign(method, path, headers, body) if changed else headers), body

    def transform(self, method: str, path: str, status: int, data: bytes) -> bytes:
        if b"<ListBucketResult" in data or b"<ListPartsResult" in data or b"<CompleteMultipartUploadResult" in data \
                or b"<CopyObjectResult" in data or b"<CopyPartResult" in data:  # fmt: skip
            return self.ETAG.sub(lambda m: m.group(1) + self.opaque(m.group(2).decode()).encode() + m.group(3), data)
        return data

    def rewrite_headers(self, method: str, path: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out = [(k, f'"{self.opaque(v.strip(chr(34)))}"' if k.lower() == "etag" else v) for k, v in headers]
        return [*out, ("x-amz-server-side-encryption", "aws:kms")]


class CopyLimitProxy(InterceptProxy):
    """Refuses a CopyObject whose source is over ``limit`` bytes, as AWS refuses one
    over 5 GiB (``InvalidRequest``: "The specified copy source is larger than the
    maximum allowable size for a copy source: 5368709120"), so a test can show a
    multipart copy at a size a test can move. Object sizes are learned from the
    uploads and copies that pass through it."""

    def __init__(self, target_port: int, limit: int) -> None:
        super().__init__(target_port)
        self.limit = limit
        self.sizes: dict[str, int] = {}
        self.parts: dict[str, int] = {}
        self.copies: list[tuple[str, int]] = []  # (how: "object" | "part", source size)

    def refuse(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes] | None:
        from urllib.parse import parse_qs, unquote, urlsplit

        url = urlsplit(path)
        key = unquote(url.path).split("/", 2)[-1]
        query = parse_qs(url.query)
        lower = {k.lower(): v for k, v in headers.items()}
        source = unquote(lower.get("x-amz-copy-source", "")).lstrip("/").split("/", 1)[-1]
        length = int(lower.get("content-length") or 0)
        upload = (query.get("uploadId") or [""])[0]
        if method == "PUT" and source and "partNumber" not in query:
            size = self.sizes.get(source, 0)
            self.copies.append(("object", size))
            if size > self.limit:
                return 400, (
                    b"<Error><Code>InvalidRequest</Code><Message>The specified copy source is larger than the "
                    b"maximum allowable size for a copy source: 5368709120</Message></Error>"
                )
            self.sizes[key] = size
        elif method == "PUT" and source:
            first, _, last = lower.get("x-amz-copy-source-range", "bytes=0-0")[6:].partition("-")
            self.parts[upload] = self.parts.get(upload, 0) + int(last) - int(first) + 1
            self.copies.append(("part", self.sizes.get(source, 0)))
        elif method == "PUT" and upload:
            self.parts[upload] = self.parts.get(upload, 0) + length
        elif method == "PUT":
            self.sizes[key] = length
        elif method == "POST" and upload:
            self.sizes[key] = self.parts.pop(upload, 0)
        return None


class IgnoresConditionsProxy(InterceptProxy):
    """A server that ignores conditional writes, as some S3-compatible servers do:
    ``If-None-Match`` and ``If-Match`` are dropped from every write (the request
    signed again), so the server never refuses one."""

    def rewrite_request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[dict[str, str], bytes | None]:
        if method not in ("PUT", "POST", "DELETE"):
            return headers, body
        kept = {k: v for k, v in headers.items() if k.lower() not in ("if-match", "if-none-match")}
        if len(kept) == len(headers):
            return headers, body
        return resign(method, path, kept, body), body


class RecordingProxy(InterceptProxy):
    """Records every request as ``(S3 action, bucket, key)``: what an IAM policy
    must allow for it (AWS's "Actions, resources, and condition keys for
    Amazon S3"). A copy needs ``s3:GetObject`` on its source too."""

    def __init__(self, target_port: int) -> None:
        super().__init__(target_port)
        self.actions: list[tuple[str, str, str]] = []

    def refuse(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes] | None:
        from urllib.parse import parse_qs, unquote, urlsplit

        url = urlsplit(path)
        bucket, _, key = unquote(url.path).lstrip("/").partition("/")
        q = parse_qs(url.query, keep_blank_values=True)
        source = unquote({k.lower(): v for k, v in headers.items()}.get("x-amz-copy-source", "")).lstrip("/")
        if not key:
            action = {"uploads": "s3:ListBucketMultipartUploads", "lifecycle": "s3:GetLifecycleConfiguration",
                      "versions": "s3:ListBucketVersions"}  # fmt: skip
            found = next((a for name, a in action.items() if name in q), "s3:ListBucket")
            if "lifecycle" in q and method == "PUT":
                found = "s3:PutLifecycleConfiguration"
            self.actions.append((found, bucket, ""))
            return None
        if method in ("GET", "HEAD"):
            found = "s3:ListMultipartUploadParts" if "uploadId" in q else "s3:GetObject"
            found = "s3:GetObjectVersion" if "versionId" in q else found
        elif method == "DELETE":
            found = "s3:AbortMultipartUpload" if "uploadId" in q else "s3:DeleteObject"
        elif method == "POST" and "restore" in q:
            found = "s3:RestoreObject"
        else:
            found = "s3:PutObject"
        self.actions.append((found, bucket, key))
        if source:
            src_bucket, _, src_key = source.partition("/")
            self.actions.append(("s3:GetObject", src_bucket, src_key.split("?")[0]))
        return None


class RegionProxy(InterceptProxy):
    """A bucket in ``region`` as AWS serves it: a request signed for another region
    gets ``301 PermanentRedirect`` with ``x-amz-bucket-region`` (AWS docs: "Making
    requests", redirects and HeadBucket), and HeadBucket names the region."""

    def __init__(self, target_port: int, region: str) -> None:
        self.region = region
        self.redirected = 0
        super().__init__(target_port)

    def refuse(self, method: str, path: str, headers: dict[str, str]) -> tuple[Any, ...] | None:
        if f"/{self.region}/s3/" in headers.get("Authorization", ""):
            return None
        self.redirected += 1
        body = (
            "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be "
            f"addressed using the specified endpoint.</Message><Endpoint>s3.{self.region}.amazonaws.com</Endpoint>"
            "</Error>"
        ).encode()
        return 301, body if method != "HEAD" else b"", [("x-amz-bucket-region", self.region)]

    def rewrite_headers(self, method: str, path: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        from urllib.parse import urlsplit

        if method == "HEAD" and "/" not in urlsplit(path).path.strip("/"):
            headers = [(k, v) for k, v in headers if k.lower() != "x-amz-bucket-region"]
            headers.append(("x-amz-bucket-region", self.region))
        return headers


class DeniedProxy(InterceptProxy):
    """An IAM user without ``action`` on keys under ``prefix``: AWS answers
    ``403 AccessDenied`` (with no body to a HEAD)."""

    def __init__(self, target_port: int, method: str, prefix: str) -> None:
        self.method, self.prefix = method, prefix
        super().__init__(target_port)

    def refuse(self, method: str, path: str, headers: dict[str, str]) -> tuple[Any, ...] | None:
        from urllib.parse import unquote, urlsplit

        key = unquote(urlsplit(path).path).lstrip("/").partition("/")[2]
        if method == self.method and key.startswith(self.prefix):
            return 403, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
        return None
