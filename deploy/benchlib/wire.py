"""NDJSON over TCP the way `nc` speaks it: one request line, one reply line."""

import json
import socket


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class LineClient:
    """One blocking connection; `request` sends a line and reads its reply (no pipelining)."""

    def __init__(self, port, host="127.0.0.1", timeout=60.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        # Small requests must leave at once, not wait for Nagle to coalesce them.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb", buffering=1 << 16)

    def request_raw(self, payload):
        self.sock.sendall(payload)
        line = self.reader.readline()
        if not line:
            raise ConnectionError("the server closed the connection")
        return line

    def request(self, obj):
        return json.loads(self.request_raw(dumps(obj)))

    def close(self):
        # Shut down first: it wakes a thread blocked reading this socket, which holds the reader's
        # lock (closing the reader before would wait for that read to time out).
        for step in (lambda: self.sock.shutdown(socket.SHUT_RDWR), self.reader.close, self.sock.close):
            try:
                step()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ask(port, obj, timeout=5.0):
    """One request on a fresh connection (for pings and stats)."""
    with LineClient(port, timeout=timeout) as c:
        return c.request(obj)


def ping(port):
    try:
        return ask(port, {"op": "ping"}, timeout=2.0).get("ok") is True
    except (OSError, ValueError):
        return False
