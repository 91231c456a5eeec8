"""A userspace WAN link in front of a local S3 server (this machine has no
``tc netem``): a TCP proxy that delays each direction by half the round trip
as a pipe (bytes in flight keep flowing; the delay is added once, not per
request) and shapes each direction with one token bucket shared by every
connection, as one line shared by all of a tool's streams. A new connection
carries nothing for ``handshake_rtts`` round trips (TCP's handshake: 1; TLS
1.3 to AWS would add one more), so a tool that keeps its connections pays it
once per connection, and one that does not pays it per request.

    link = WanLink(("127.0.0.1", 8333), rtt=0.220, rate=200e6 / 8).start()
    ... point the tools at link.url ...
    link.stop()

``measure()`` checks the emulator against what it was told (RTT and
throughput through it) so a benchmark can show it is accurate and is not
itself the bottleneck. Benchmarks only; never used by git-vam or its tests.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque

CHUNK = 64 * 1024


class TokenBucket:
    """``rate`` bytes per second shared by every connection in one direction;
    bursts of at most ``burst`` bytes (one chunk per connection is enough)."""

    def __init__(self, rate: float, burst: int = 4 * CHUNK) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = float(burst), time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self, n: int) -> None:
        async with self.lock:  # first come, first served: one queue for the line
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= n:
                    self.tokens -= n
                    return
                await asyncio.sleep((n - self.tokens) / self.rate)


class WanLink:
    """Listens on loopback; every connection goes to ``target`` through the link."""

    def __init__(self, target: tuple[str, int], rtt: float, rate: float, handshake_rtts: float = 1) -> None:
        self.target, self.rtt, self.rate = target, rtt, rate
        self.handshake = handshake_rtts * rtt
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self.bytes = {"up": 0, "down": 0}
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WanLink:
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.up, self.down = TokenBucket(self.rate), TokenBucket(self.rate)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0, limit=CHUNK))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*self.target, limit=CHUNK)
        except OSError:
            client_w.close()
            return
        for w in (client_w, server_w):
            w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.sleep(self.handshake)  # the client's first bytes wait in the socket meanwhile
        await asyncio.gather(
            self._pipe(client_r, server_w, self.up, "up"), self._pipe(server_r, client_w, self.down, "down")
        )

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, bucket: TokenBucket, way: str) -> None:
        """Read as fast as the line lets bytes in, deliver each chunk half an RTT
        later: a pipe, so a stream keeps a full window in flight."""
        queue: deque[tuple[float, bytes]] = deque()
        arrived = asyncio.Event()

        async def deliver() -> None:
            while True:
                while not queue:
                    arrived.clear()
                    await arrived.wait()
                due, data = queue.popleft()
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not data:  # the end of the stream travels half an RTT too
                    return
                dst.write(data)
                await dst.drain()
                self.bytes[way] += len(data)

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await src.read(CHUNK):
                await bucket.take(len(data))
                queue.append((time.monotonic() + self.rtt / 2, data))
                arrived.set()
        except (ConnectionError, OSError):
            pass
        queue.append((time.monotonic() + self.rtt / 2, b""))
        arrived.set()
        try:
            await sender
            dst.write_eof()
        except (ConnectionError, OSError, RuntimeError):
            dst.close()


def measure(link: WanLink, mib: int = 32) -> dict[str, float]:
    """RTT (seconds, median of 5 one-byte request/response exchanges through the
    link to a local echo server), a new connection's first exchange (``first``:
    handshake and RTT) and throughput (bytes/s of ``mib`` MiB sent one way on
    one connection), to compare with what the link was told."""
    echo = socket.socket()
    echo.bind(("127.0.0.1", 0))
    echo.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = echo.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(1 << 20):
                    if data == b"?":
                        conn.sendall(b"!")

    threading.Thread(target=serve, daemon=True).start()
    probe = WanLink(echo.getsockname(), link.rtt, link.rate, link.handshake / link.rtt).start()
    try:
        rtts = []
        with socket.create_connection(("127.0.0.1", probe.port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = time.perf_counter()
            s.sendall(b"?")
            s.recv(1)
            first = time.perf_counter() - t  # a new connection's first exchange: handshake + RTT
            for _ in range(5):
                t = time.perf_counter()
                s.sendall(b"?")
                s.recv(1)
                rtts.append(time.perf_counter() - t)
        payload = b"x" * (1 << 20)
        with socket.create_connection(("127.0.0.1", probe.port)) as s:
            t = time.perf_counter()
            for _ in range(mib):
                s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            while s.recv(1 << 16):
                pass
            elapsed = time.perf_counter() - t - probe.rtt - probe.handshake  # the last byte there, the close back
        return {
            "rtt": sorted(rtts)[2],
            "first": first,
            "rate": mib * (1 << 20) / elapsed,
            "up_bytes": probe.bytes["up"],
        }
    finally:
        probe.stop()
        echo.close()
