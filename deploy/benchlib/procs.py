"""Starting, watching and stopping the services the benchmark runs, so nothing outlives it."""

import os
import signal
import socket
import subprocess
import time


def free_port():
    """A loopback port that was free a moment ago (the services bind it right after)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dir_bytes(path):
    """Bytes on disk under a path (allocated blocks, so sparse or preallocated files count as stored)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except FileNotFoundError:
                continue
            total += st.st_blocks * 512
    return total


def file_sizes(path):
    """Bytes on disk per file under a path, relative names (to see what a data dir is made of)."""
    out = {}
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            try:
                out[os.path.relpath(full, path)] = os.lstat(full).st_blocks * 512
            except FileNotFoundError:
                pass
    return out


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far (None when it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid, key):
    """A field of /proc/PID/status in bytes (VmHWM, VmRSS), or None when the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


class Services:
    """Every child process the benchmark started; `stop_all` ends them (SIGTERM, then SIGKILL)."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.procs = {}

    def start(self, name, argv):
        log = open(os.path.join(self.log_dir, name + ".log"), "ab")
        # A session of its own: Ctrl-C reaches only us, and we stop the children in order.
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        log.close()
        self.procs[name] = proc
        return proc

    def stop(self, name, timeout=30.0):
        """SIGTERM and wait (the query service writes its snapshot); SIGKILL after `timeout`. Returns seconds."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return 0.0
        t0 = time.monotonic()
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return time.monotonic() - t0

    def stop_all(self):
        # Query first: it follows the ingest feed and would only log reconnects otherwise.
        for name in sorted(self.procs, key=lambda n: 0 if "query" in n else 1):
            self.stop(name, timeout=15.0)


def wait_until(predicate, timeout, interval=0.01, what="condition", proc=None):
    """Polls `predicate` until it returns a true value (which is returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            if value:
                return value
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s: the process exited with status %s (see its log)" % (what, proc.returncode))
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)
