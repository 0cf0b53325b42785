"""End-to-end ingest through the wire: a gzip upload on one connection, read-your-writes probes on two more."""

import collections
import json
import socket
import threading
import time

from .wire import LineClient, dumps


def _stream(port, send):
    """Runs `send(sock, state)` in a thread (it must half-close when done) while reading the acks as
    they come: a client that only reads after sending everything would stall on a full socket
    buffer. Returns counts, the last acked seq, the first errors, the summary and timings."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=600)
    reader = sock.makefile("rb", buffering=1 << 20)
    state = {"error": None}

    def run():
        try:
            send(sock, state)
        except OSError as e:
            state["error"] = str(e)

    t0 = time.monotonic()
    sender = threading.Thread(target=run, daemon=True)
    sender.start()
    accepted = rejected = 0
    last_seq = 0
    first_ack = None
    errors = []
    summary = None
    for line in reader:
        if line.startswith(b'{"ok":true,"id"'):
            # The hot path: an ack. Only the seq is needed, and it is the last member.
            accepted += 1
            seq = int(line[line.rindex(b":") + 1:].rstrip(b"}\r\n"))
            if seq > last_seq:
                last_seq = seq
            if first_ack is None:
                first_ack = time.monotonic()
            continue
        reply = json.loads(line)
        if reply.get("op") == "summary":
            summary = reply
            break
        if reply.get("ok"):
            accepted += 1
            last_seq = max(last_seq, reply.get("seq", 0))
        else:
            rejected += 1
            if len(errors) < 5:
                errors.append(reply)
    t_end = time.monotonic()
    sender.join()
    reader.close()
    sock.close()
    return dict(state, accepted=accepted, rejected=rejected, last_seq=last_seq, summary=summary, errors=errors,
                send_error=state["error"], seconds=t_end - t0,
                first_ack_s=(first_ack - t0) if first_ack else None, t0=t0, t_end=t_end)


def upload(port, gz_path, chunk=1 << 20):
    """Sends the gzip file on one connection like `gzip -c … | nc` and counts the acks as they come."""
    def send(sock, state):
        state["sent_bytes"] = 0
        with open(gz_path, "rb") as f:
            while True:
                block = f.read(chunk)
                if not block:
                    break
                sock.sendall(block)
                state["sent_bytes"] += len(block)
        # Half-close: the server answers everything, adds its summary and closes.
        sock.shutdown(socket.SHUT_WR)

    return _stream(port, send)


def probe_word(n):
    """A unique, purely alphabetic word per probe (digits could be split off by an analyzer)."""
    letters = ""
    n += 26 * 26
    while n:
        n, r = divmod(n, 26)
        letters = chr(97 + r) + letters
    return "zqbenchprobe" + letters


class Prober:
    """Every `interval` s: one document on its own ingest connection; as soon as it is acked, a
    `min_seq` query for it on a query connection.

    The queries are pipelined on that connection (replies come in request order, and a later probe
    has a higher seq, so order adds no wait), so a query service that lags by seconds still gets a
    probe every `interval` instead of one per lag. Records send→ack (durable write latency under
    load) and ack→reply of the waiting query (ack-to-searchable latency); a reply that is a
    `timeout` error counts as not visible within `timeout_ms`."""

    def __init__(self, ingest_port, query_port, interval=0.05, timeout_ms=5000, first=0):
        self.ingest_port, self.query_port = ingest_port, query_port
        self.first = first  # number of the first probe: a second prober must not replace the first's documents
        self.interval, self.timeout_ms = interval, timeout_ms
        self.stop_event = threading.Event()
        self.pending = collections.deque()  # (t_send, t_ack) of queries awaiting their reply
        self.samples = []
        self.last_seq = 0
        self.failures = []
        self.sent = 0
        self.ing = LineClient(ingest_port, timeout=30)
        self.qc = LineClient(query_port, timeout=max(30, timeout_ms / 1000 + 30))
        self.writer = threading.Thread(target=self._write, daemon=True)
        self.reader = threading.Thread(target=self._read, daemon=True)

    def start(self):
        self.reader.start()
        self.writer.start()

    def _write(self):
        n = self.first
        while not self.stop_event.is_set():
            t0 = time.monotonic()
            word = probe_word(n)
            try:
                ack = self.ing.request({"id": "bench-probe-%d" % n, "lang": "en", "title": word})
                t_ack = time.monotonic()
                if not ack.get("ok"):
                    self.failures.append(ack)
                else:
                    self.last_seq = max(self.last_seq, ack["seq"])
                    self.pending.append((t0, t_ack))
                    self.qc.sock.sendall(dumps({"q": word, "min_seq": ack["seq"], "timeout_ms": self.timeout_ms,
                                                "limit": 1, "fields": ["id"]}))
                    self.sent += 1
            except (OSError, ValueError) as e:
                self.failures.append(str(e))
                break
            n += 1
            self.stop_event.wait(max(0.0, self.interval - (time.monotonic() - t0)))

    def _read(self):
        while True:
            try:
                line = self.qc.reader.readline()
            except OSError as e:
                self.failures.append(str(e))
                return
            if not line:
                return
            t_reply = time.monotonic()
            t0, t_ack = self.pending.popleft()
            reply = json.loads(line)
            timed_out = (reply.get("error") or {}).get("code") == "timeout"
            if not reply.get("ok") and not timed_out:
                self.failures.append(reply)
            self.samples.append({"ack_ms": (t_ack - t0) * 1e3, "visible_ms": (t_reply - t_ack) * 1e3,
                                 "timeout": timed_out, "found": reply.get("total", 0) >= 1})

    def stop_sending(self):
        """No more probes; after this `last_seq` is final."""
        self.stop_event.set()
        if self.writer.ident is not None:
            self.writer.join(timeout=30)

    def finish(self):
        """Waits for the replies still due (at most `timeout_ms` and a margin), then closes."""
        self.stop_sending()
        if self.writer.ident is None:  # never started
            self.ing.close()
            self.qc.close()
            return
        deadline = time.monotonic() + self.timeout_ms / 1000 + 10
        while len(self.samples) < self.sent and time.monotonic() < deadline and self.reader.is_alive():
            time.sleep(0.01)
        self.ing.close()
        self.qc.close()
        self.reader.join(timeout=5)


def paced_upload(port, raw_path, rate, seconds, id_prefix, tick=0.01):
    """A sustained upload at a fixed rate: `rate` documents per second for `seconds` (plain NDJSON
    on one connection, a slice every `tick`), with each document's id prefixed by `id_prefix` so
    they are new documents, not replacements. Acks are read as they come. Returns counts, how far
    the sender fell behind its schedule (0 when it kept the pace), and the last acked seq."""
    total = int(rate * seconds)
    lines = []
    with open(raw_path, "rb") as f:
        for line in f:
            if len(lines) >= total:
                break
            if not line.startswith(b'{"id":"'):
                continue
            lines.append(line.replace(b'{"id":"', b'{"id":"' + id_prefix.encode(), 1))
    while len(lines) < total:  # a short corpus is sent again under further prefixes
        n = len(lines)
        lines.extend(l.replace(b'{"id":"', b'{"id":"r%d-' % n, 1) for l in lines[:total - n])

    def send(sock, state):
        state["behind_s"] = 0.0
        per_tick = max(1, int(rate * tick))
        start = time.monotonic()
        for i in range(0, len(lines), per_tick):
            due = start + (i / rate)
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            else:
                state["behind_s"] = max(state["behind_s"], now - due)
            sock.sendall(b"".join(lines[i:i + per_tick]))
        sock.shutdown(socket.SHUT_WR)

    return dict(_stream(port, send), docs=total)
