"""A loopback TCP proxy that injures S3 traffic on purpose, counting every byte.

``cut_up_after`` / ``cut_down_after``: once that many more bytes have gone up
(client → S3) or down, every connection is dropped and new ones are refused
until ``heal()`` (a link that went away). ``flip_down_after``: one byte of the
response stream is inverted that many bytes later (``flip_every`` re-arms it on
``flip_offset`` bytes after each flip). Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import socket
import threading


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
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
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
                if data:
                    dst.sendall(data)
                if self.broken:
                    self._drop_all()
                    break
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass
