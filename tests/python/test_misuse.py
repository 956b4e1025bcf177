"""Misuse a Python user can make gives an annal.Error, never a crash: use
after close, a snapshot outliving its store, fork, a second open."""
import os

import pytest

import annal

ALARM = {"type": "alarm_raised", "alarm_id": "a1", "severity": "info",
         "source": "s", "message": "m"}


def test_use_after_close_raises(tmp_path):
    s = annal.open(str(tmp_path / "s"))
    s.append(ALARM)
    s.close()
    s.close()  # idempotent
    assert s.closed
    for call in (lambda: s.append(ALARM), s.read, s.verify, s.status,
                 lambda: list(s.export()), lambda: s.wait_for(1, 0.01)):
        with pytest.raises(annal.Error, match="is closed"):
            call()


def test_a_snapshot_after_its_store_closed_raises(tmp_path):
    s = annal.open(str(tmp_path / "s"))
    s.append(ALARM)
    snap = s.read()
    rows = snap.alarms()
    s.close()
    assert snap.closed
    with pytest.raises(annal.Error, match="was closed"):
        snap.alarms()
    with pytest.raises(annal.Error):
        snap.last_seq()
    assert rows[0].alarm_id == "a1"  # rows own their bytes


def test_a_closed_snapshot_raises(tmp_path):
    with annal.open(str(tmp_path / "s")) as s:
        with s.read() as snap:
            pass
        with pytest.raises(annal.Error, match="after close"):
            snap.alarms()


def test_context_managers_close(tmp_path):
    with annal.open(str(tmp_path / "s")) as s:
        with s.read() as snap:
            assert not snap.closed
        assert snap.closed
    assert s.closed


def test_a_second_open_in_one_process_is_refused(tmp_path):
    path = str(tmp_path / "s")
    with annal.open(path):
        with pytest.raises(annal.BusyError, match="already open in this process"):
            annal.open(path)
        with pytest.raises(annal.BusyError):
            annal.open(path + "/../s")  # the same directory by another name
    with annal.open(path) as again:  # closed: may be opened again
        assert again.append(ALARM) == (1, 1)


def test_a_store_dropped_without_close_can_be_opened_again(tmp_path):
    path = str(tmp_path / "s")
    annal.open(path).append(ALARM)  # collected at once (no other reference)
    with annal.open(path) as s:
        assert s.status().head_seq == 1


@pytest.mark.skipif(os.environ.get("ANNAL_SANITIZER") == "thread",
                    reason="ThreadSanitizer does not follow fork() of a threaded process")
def test_a_child_after_fork_gets_a_clear_error(tmp_path):
    path = str(tmp_path / "s")
    s = annal.open(path)
    s.append(ALARM)
    snap = s.read()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what each call raised, then exit hard
        os.close(r)
        out = []
        for call in (lambda: s.append(ALARM), s.read, lambda: snap.alarms(), s.close):
            try:
                call()
                out.append("no error")
            except annal.Error as e:
                out.append(type(e).__name__ + ": " + str(e))
        # A store of its own works in the child.
        with annal.open(str(tmp_path / "child")) as own:
            out.append(str(own.append(ALARM)))
        del snap
        os.write(w, "\n".join(out).encode())
        os._exit(0)
    os.close(w)
    report = os.read(r, 65536).decode().splitlines()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert all("must not cross fork()" in line or "after fork()" in line
               for line in report[:3]), report
    assert report[3] == "no error"  # close() in a child only forgets the store
    assert report[4] == "Receipt(first_seq=1, last_seq=1)"
    # The parent's store and view are untouched by the child.
    assert snap.alarms()[0].alarm_id == "a1"
    snap.close()
    assert s.append(ALARM | {"alarm_id": "a2"}) == (2, 2)
    assert s.verify()["identical"]
    s.close()


@pytest.mark.parametrize("path", [None, 123, b"bytes", "", "a\0b"])
def test_a_path_that_is_not_one_is_invalid_and_creates_nothing(tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(annal.InvalidArgument):
        annal.open(path)
    assert os.listdir(tmp_path) == []


def test_arguments_of_the_wrong_type_or_range_are_invalid(tmp_path):
    with annal.open(str(tmp_path / "s")) as s:
        s.append(ALARM)
        for call in (lambda: s.backup(None), lambda: list(s.export(after=-1)),
                     lambda: s.read(as_of=True), lambda: s.read(as_of=-1),
                     lambda: s.read(as_of="1"), lambda: s.wait_for_commit("x", 1),
                     lambda: s.wait_for(1, timeout="soon"), lambda: s.project_pending(0),
                     lambda: annal.open(str(tmp_path / "t"), wait_for_ship=float("nan"))):
            with pytest.raises(annal.InvalidArgument):
                call()
        with s.read() as snap:
            for call in (lambda: snap.query(5), lambda: snap.query("alarms", limit="2"),
                         lambda: snap.query("alarms", due="now"),
                         lambda: snap.query("alarms", state=1),
                         lambda: snap.alarms(limit=True)):
                with pytest.raises(annal.InvalidArgument):
                    call()


def test_ctrl_c_interrupts_a_long_wait(tmp_path):
    import signal
    # A shell that starts a job in the background makes it ignore SIGINT,
    # and Python then installs no handler: this test sets Python's own.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _interrupt_both_waits(tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt_both_waits(tmp_path):
    import signal
    import threading
    import time
    with annal.open(str(tmp_path / "s")) as s:
        for wait in (lambda: s.wait_for_commit(0, 30), lambda: s.wait_for(5, 30)):
            timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGINT))
            start = time.monotonic()
            timer.start()
            with pytest.raises(KeyboardInterrupt):
                wait()
            timer.join()
            assert time.monotonic() - start < 5


def test_a_damaged_store_raises_and_never_kills_the_interpreter(tmp_path):
    path = tmp_path / "s"
    with annal.open(str(path)) as s:
        for i in range(300):
            s.append(dict(ALARM, alarm_id=f"a{i}"))
    data = path / "data.mdb"
    size = data.stat().st_size
    os.truncate(data, size // 2)
    with pytest.raises(annal.CorruptionError, match="data.mdb is damaged: it is truncated"):
        annal.open(str(path), read_only=True)


def test_an_auditor_may_open_a_store_of_another_owner_when_asked(tmp_path):
    path = tmp_path / "s"
    with annal.open(str(path)) as s:
        s.append(ALARM)
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the store to another user")
    for f in [path, *path.iterdir()]:
        os.chown(f, 65534, 65534)
    with pytest.raises(annal.Error, match="another user"):
        annal.open(str(path), read_only=True)
    with annal.open(str(path), read_only=True, allow_other_owner=True) as s:
        assert s.status().head_seq == 1
