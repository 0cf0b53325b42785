"""End-to-end ingest through the wire: a gzip upload on one connection, read-your-writes probes on two more."""

import json
import socket
import threading
import time

from .wire import LineClient, dumps


def upload(port, gz_path, chunk=1 << 20):
    """Sends the gzip file on one connection like `gzip -c … | nc` and counts the acks as they come.

    The sender runs in a thread so acks are read while bytes are still going out (a client that
    only reads after sending everything would stall on a full socket buffer). Returns counts,
    the last acked seq and timings."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=600)
    reader = sock.makefile("rb", buffering=1 << 20)
    sent = {"bytes": 0, "error": None}

    def send():
        try:
            with open(gz_path, "rb") as f:
                while True:
                    block = f.read(chunk)
                    if not block:
                        break
                    sock.sendall(block)
                    sent["bytes"] += len(block)
            # Half-close: the server answers everything, adds its summary and closes.
            sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            sent["error"] = str(e)

    t0 = time.monotonic()
    sender = threading.Thread(target=send, daemon=True)
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
    return {"accepted": accepted, "rejected": rejected, "last_seq": last_seq, "summary": summary,
            "errors": errors, "send_error": sent["error"], "sent_bytes": sent["bytes"],
            "seconds": t_end - t0, "first_ack_s": (first_ack - t0) if first_ack else None,
            "t0": t0, "t_end": t_end}


def probe_word(n):
    """A unique, purely alphabetic word per probe (digits could be split off by an analyzer)."""
    letters = ""
    n += 26 * 26
    while n:
        n, r = divmod(n, 26)
        letters = chr(97 + r) + letters
    return "zqbenchprobe" + letters


class Prober(threading.Thread):
    """Every `interval` s: one document on its own ingest connection, then a `min_seq` query for it.

    Records send→ack (durable write latency under load) and ack→reply of the query that waits
    for that seq (ack-to-searchable latency)."""

    def __init__(self, ingest_port, query_port, interval=0.05):
        super().__init__(daemon=True)
        self.ingest_port, self.query_port, self.interval = ingest_port, query_port, interval
        self.stop_event = threading.Event()
        self.samples = []
        self.last_seq = 0
        self.failures = []

    def run(self):
        try:
            ing = LineClient(self.ingest_port, timeout=30)
            qc = LineClient(self.query_port, timeout=30)
        except OSError as e:
            self.failures.append("connect: %s" % e)
            return
        n = 0
        while not self.stop_event.is_set():
            t0 = time.monotonic()
            word = probe_word(n)
            try:
                ack = ing.request({"id": "bench-probe-%d" % n, "lang": "en", "title": word})
                t_ack = time.monotonic()
                if not ack.get("ok"):
                    self.failures.append(ack)
                    continue
                seq = ack["seq"]
                self.last_seq = max(self.last_seq, seq)
                reply = qc.request_raw(dumps({"q": word, "min_seq": seq, "timeout_ms": 5000,
                                               "limit": 1, "fields": ["id"]}))
                t_vis = time.monotonic()
                reply = json.loads(reply)
                self.samples.append({"ack_ms": (t_ack - t0) * 1e3, "visible_ms": (t_vis - t_ack) * 1e3,
                                     "ok": bool(reply.get("ok")), "found": reply.get("total", 0) >= 1})
            except (OSError, ValueError) as e:
                self.failures.append(str(e))
                break
            n += 1
            self.stop_event.wait(max(0.0, self.interval - (time.monotonic() - t0)))
        ing.close()
        qc.close()

    def stop(self):
        self.stop_event.set()
        self.join(timeout=15)
