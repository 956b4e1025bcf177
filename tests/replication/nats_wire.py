"""Just enough of the NATS client protocol (Debian packages no Python NATS
client) for a test to act as a stranger on the stream's subject: CONNECT,
HPUB with headers, and a reply on an inbox, which is how JetStream
acknowledges a publish."""
from __future__ import annotations

import json
import socket


class NatsWire:
    def __init__(self, url: str, timeout: float = 10) -> None:
        host, port = url.removeprefix("nats://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.buf = b""
        info = self._line()
        assert info.startswith(b"INFO "), info
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,'
                          b'"no_responders":true,"protocol":1}\r\nPING\r\n')
        while self._line() != b"PONG":
            pass
        self.sock.sendall(b"SUB _INBOX.forger 1\r\n")

    def close(self) -> None:
        self.sock.close()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("NATS server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(65536)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def publish(self, subject: str, payload: bytes,
                headers: dict[str, str] | None = None) -> dict:
        """Publishes and returns JetStream's acknowledgement (or error)."""
        hdr = b"NATS/1.0\r\n" + b"".join(
            f"{k}: {v}\r\n".encode() for k, v in (headers or {}).items()) + b"\r\n"
        self.sock.sendall(f"HPUB {subject} _INBOX.forger {len(hdr)} "
                          f"{len(hdr) + len(payload)}\r\n".encode() + hdr + payload + b"\r\n")
        while True:
            line = self._line()
            if line == b"PING":
                self.sock.sendall(b"PONG\r\n")
            elif line.startswith(b"MSG "):
                return json.loads(self._read(int(line.split()[-1])))
            elif line.startswith(b"HMSG "):
                parts = line.split()
                raw = self._read(int(parts[-1]))
                body = raw[int(parts[-2]):]
                return json.loads(body) if body else {"status": raw[:int(parts[-2])].decode()}
            elif line.startswith(b"-ERR"):
                raise ConnectionError(line.decode())
