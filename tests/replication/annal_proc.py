"""The annal command as the replication tests drive it: one-shot runs,
long-running `ship` and `replica` processes (SIGKILLed or stopped with
SIGTERM, always reaped), a steady writer, and the comparisons the tests end
with (export, verify, every sub-database byte for byte)."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

ANNAL = os.environ.get("ANNAL_CLI", "build/tools/annal")
DUMP_STORE = os.environ.get("ANNAL_DUMP_STORE", "build/tests/dump_store")


def run(db: str, *args: str, input: bytes | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([ANNAL, "--db", db, *args], input=input,
                       capture_output=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(f"annal {' '.join(args)} exited {r.returncode}: "
                             f"{r.stderr.decode(errors='replace')}")
    return r


def generate(n: int, seed: int = 1) -> bytes:
    return subprocess.run([ANNAL, "generate", str(n), "--seed", str(seed)],
                          capture_output=True, check=True).stdout


def head(db: str) -> int:
    out = run(db, "status").stdout.decode()
    return int(out.split("log head seq ")[1].split()[0])


def status(db: str) -> str:
    return run(db, "status").stdout.decode()


def export(db: str) -> bytes:
    return run(db, "export").stdout


def dump(db: str) -> str:
    return subprocess.run([DUMP_STORE, db], capture_output=True, check=True,
                          timeout=600).stdout.decode()


def assert_same_store(primary: str, replica: str) -> None:
    """The replica holds the primary's log and, byte for byte, its
    projections; both verify."""
    assert export(primary) == export(replica)
    for db in (primary, replica):
        out = run(db, "verify").stdout.decode()
        assert "every projection equals the log's replay" in out, out
    assert dump(primary) == dump(replica)


class Proc:
    """A long-running annal command, its stderr kept in a file for the
    failure report."""

    def __init__(self, root: str, name: str, db: str, *args: str) -> None:
        self.args = [ANNAL, "--db", db, *args]
        self.log_path = os.path.join(root, f"{name}.log")
        self.p: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.p = subprocess.Popen(self.args, stdout=log, stderr=log)

    def kill(self) -> None:
        if self.p and self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
        if self.p:
            self.p.wait()

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, and the exit code (0: it stopped cleanly)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        return self.p.wait(timeout=timeout)

    def restart(self) -> None:
        self.kill()
        self.start()

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()


def wait_until(what, timeout: float, step: float = 0.05, why: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s: {why}")


class Writer:
    """Appends `lines` of generated JSONL in batches of `batch` through
    `annal import`, one process per batch, until stopped or done: the
    steady appends of a primary."""

    def __init__(self, db: str, lines: list[bytes], batch: int = 100,
                 pause: float = 0.0) -> None:
        self.db, self.lines, self.batch, self.pause = db, lines, batch, pause
        self.done_lines = 0
        self.error: str | None = None
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.done_lines < len(self.lines) and not self.stop_flag.is_set():
            chunk = self.lines[self.done_lines:self.done_lines + self.batch]
            r = run(self.db, "import", "-", input=b"".join(chunk), check=False)
            if r.returncode != 0:
                self.error = r.stderr.decode(errors="replace")
                return
            self.done_lines += len(chunk)
            if self.pause:
                time.sleep(self.pause)

    def stop(self) -> None:
        self.stop_flag.set()
        self.thread.join(timeout=60)
        assert self.error is None, self.error
