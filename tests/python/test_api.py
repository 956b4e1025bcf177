"""The write side and the store calls: appends of dicts and typed events,
all or nothing, every exception type, verify, rebuild, status, deferred
mode's waits, change notification."""
import dataclasses
import json
import threading

import pytest

import annal
from annal import _annal
from conftest import cli, cli_rows, cli_store, generated, json_rows, jsonl

ALARM = {"type": "alarm_raised", "alarm_id": "a1", "severity": "warning",
         "source": "disk", "message": "92% full"}


def test_append_dicts_and_typed_events(store):
    assert store.append(annal.TaskCreated(task_id="t1", name="backup")) == (1, 1)
    r = store.append([ALARM, annal.AlarmAcked(alarm_id="a1", actor="ops", ts=5)])
    assert r == annal.Receipt(2, 3) and r.first_seq == 2 and r.last_seq == 3
    assert store.append([]) == (0, 0)
    with store.read() as snap:
        [alarm] = snap.alarms()
        assert (alarm.state, alarm.acked_at) == ("acked", 5)
        assert snap.last_seq() == 3
    events = list(store.export())
    assert events[2] == {"type": "alarm_acked", "seq": 3, "ts": 5, "actor": "ops",
                         "alarm_id": "a1"}


def test_typed_classes_cover_every_event_type_and_field():
    schema = _annal.event_schema()
    assert [t for t, _ in schema] == list(annal.EVENT_CLASSES)
    for type_name, fields in schema:
        cls = annal.EVENT_CLASSES[type_name]
        assert cls.type == type_name
        names = [f.name for f in dataclasses.fields(cls)]
        # (subject_forgotten's own "subject" takes the envelope's place.)
        envelope = ["ts", "actor", "subject"]
        assert names == envelope + [f[0] for f in fields if f[0] not in envelope]


def test_typed_event_to_dict_is_the_jsonl_object():
    e = annal.TaskStatusChanged(task_id="t", status="paused", next_wake_time=7)
    assert e.to_dict() == {"type": "task_status_changed", "task_id": "t",
                           "status": "paused", "next_wake_time": 7}
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.task_id = "u"  # type: ignore[misc]


def test_a_rejected_event_aborts_its_batch(store):
    store.append(ALARM)
    before = list(store.export_lines())
    bad = [annal.TaskCreated(task_id="t1", name="x"), dict(ALARM)]
    with pytest.raises(annal.RejectedError) as e:
        store.append(bad)
    assert (e.value.index, e.value.event_type, e.value.rule) == (
        1, "alarm_raised", "id is new, or its alarm is resolved")
    assert "event 1 (alarm_raised)" in str(e.value)
    assert list(store.export_lines()) == before
    with store.read() as snap:
        assert snap.queue().runnable_tasks == 0
    assert store.verify()["identical"]
    assert store.stats()["rejected_batches"] == 1


@pytest.mark.parametrize("event,index,words", [
    ({"type": "nope", "x": [1]}, 1, 'field "x" must be an int, a str, a bool or a float'),
    ({"type": "task_created", "task_id": "t"}, 1, 'missing required field "name"'),
    ({"type": "task_created", "task_id": 5, "name": "n"}, 1, "must be a string"),
    ({"type": "alarm_raised", "alarm_id": "a", "severity": "dire", "source": "s",
      "message": "m"}, 1, "must be one of"),
    ("task_created", 1, "must be a dict"),
    (None, 1, "must be a dict"),
    ({"type": "task_created", "task_id": "t", "name": {1, 2}}, 1, "must be a string"),
    ({"type": "task_created", "task_id": "t", "name": "n", "ts": True}, 1, "must be an integer"),
    ({"type": "task_created", "task_id": "t", "name": "n", "ts": 2**63}, 1, "out of range"),
    ({"type": "task_created", "task_id": "t", "name": "\ud800"}, 1, "not valid UTF-8"),
    ({"type": "task_created", "task_id": "t", "name": "n", 3: 4}, 1, "unknown field \"3\""),
    ({"type": "task_created", "task_id": "t", "name": "n", "colour": 1}, 1,
     "unknown field \"colour\" for task_created"),
    ({"type": "rule_created", "rule_id": "r", "name": "n", "enabled": 1}, 1,
     "must be true or false"),
])
def test_malformed_events_are_invalid_arguments(store, event, index, words):
    with pytest.raises(annal.InvalidArgument) as e:
        store.append([{"type": "task_created", "task_id": "ok", "name": "n"}, event])
    assert e.value.index == index and words in str(e.value)
    assert isinstance(e.value, ValueError)
    assert list(store.export()) == []


def test_an_undeclared_type_is_a_rejection_naming_the_rule(store):
    # A type neither built in nor declared could be an event of your own:
    # the validator, which knows the store's declarations, refuses it.
    with pytest.raises(annal.RejectedError, match="neither built in nor declared") as e:
        store.append([{"type": "task_created", "task_id": "ok", "name": "n"},
                      {"type": "nope"}])
    assert e.value.index == 1
    assert list(store.export()) == []


def test_value_rules_are_rejections_without_a_rule_name(store):
    with pytest.raises(annal.RejectedError) as e:
        store.append(annal.TaskCreated(task_id="", name="n"))
    assert e.value.rule is None and e.value.index == 0


def test_exception_hierarchy():
    for cls in (annal.RejectedError, annal.InvalidArgument, annal.CorruptionError,
                annal.BusyError, annal.NotAStoreError, annal.IncompatibleError,
                annal.StorageError):
        assert issubclass(cls, annal.Error)


def test_not_a_store(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(annal.NotAStoreError):
        annal.open(str(tmp_path))
    with pytest.raises(annal.Error):
        annal.open(str(tmp_path / "missing"), create=False)
    with pytest.raises(annal.InvalidArgument):
        annal.open(str(tmp_path / "x"), mode="sideways")


def test_a_damaged_record_is_a_corruption_error(tmp_path):
    path = str(tmp_path / "store")
    with annal.open(path) as s:
        s.append(dict(ALARM, message="MARKER-0123456789"))
    data = tmp_path / "store" / "data.mdb"
    raw = bytearray(data.read_bytes())
    at = raw.find(b"MARKER-0123456789")
    while at >= 0:  # the log record and the row both hold it: damage both
        raw[at] = ord("N")
        at = raw.find(b"MARKER-0123456789", at + 1)
    data.write_bytes(bytes(raw))
    with annal.open(path) as s:
        with pytest.raises(annal.CorruptionError) as e:
            s.verify()
        assert "seq 1" in str(e.value)
        with pytest.raises(annal.CorruptionError, match="seq 1"):
            s.verify_log()


def test_verify_rebuild_and_status(store):
    lines = generated(3000)
    for i in range(0, 3000, 500):
        store.append([json.loads(l) for l in lines[i:i + 500]])
    report = store.verify()
    assert report["identical"] and report["head_seq"] == 3000
    assert len(report["projections"]) >= 9
    log = store.verify_log()
    assert log["head_seq"] == 3000 and log["head_hash"] == report["head_hash"]
    store.rebuild()
    assert store.verify()["identical"]
    st = store.status()
    assert (st.head_seq, st.projected_seq, st.lag_events, st.mode) == (3000, 3000, 0,
                                                                      "inline")
    assert st.append_batches == 6 and st.append_events == 3000
    out = cli("--db", store.path, "status").stdout
    assert "log head seq 3000" in out


def test_backup_during_appends_is_a_verified_prefix(store, tmp_path):
    lines = generated(4000)
    store.append([json.loads(l) for l in lines[:3000]])
    done = threading.Event()

    def writer():
        for i in range(3000, 4000, 10):
            store.append([json.loads(l) for l in lines[i:i + 10]])
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    report = store.backup(str(tmp_path / "copy"))
    t.join()
    assert report["identical"] and report["head_seq"] >= 3000
    with pytest.raises(annal.InvalidArgument, match="not empty"):
        store.backup(str(tmp_path / "copy"))
    with annal.open(str(tmp_path / "copy")) as copy:
        theirs = list(copy.export_lines())
        assert copy.verify()["identical"]
    assert theirs == list(store.export_lines())[:len(theirs)]
    assert len(theirs) == report["head_seq"]


def test_python_appends_equal_a_cli_import(store, tmp_path):
    lines = generated(5000, seed=11)
    for i in range(0, 5000, 700):
        store.append([json.loads(l) for l in lines[i:i + 700]])
    db = cli_store(tmp_path / "cli", lines)
    with store.read() as snap:
        for name in annal.PROJECTIONS:
            assert json_rows(snap.query(name)) == cli_rows(db, name)
    assert list(store.export_lines()) == jsonl(cli("--db", db, "export").stdout)


def test_deferred_mode_waits_and_projects(tmp_path):
    with annal.open(str(tmp_path / "d"), mode="deferred") as s:
        seq = s.append(ALARM).last_seq
        with s.read() as snap:
            assert snap.alarms() == [] and snap.projected_seq() == 0
            assert snap.mode() == "deferred"
        with pytest.raises(annal.BusyError):
            s.wait_for(seq, timeout=0.05)
        assert s.status().lag_events == 1
        assert s.project_pending() == 1
        s.wait_for(seq, timeout=1)
        with s.read() as snap:
            assert len(snap.alarms()) == 1


def test_wait_for_commit_sees_another_process(store):
    head = store.wait_for_commit(0, timeout=0.01)
    assert head == 0
    t = threading.Timer(0.1, lambda: cli("--db", store.path, "import", "-",
                                         stdin=json.dumps(ALARM) + "\n"))
    t.start()
    try:
        assert store.wait_for_commit(0, timeout=10) == 1
    finally:
        t.join()


def test_commits_iterator_names_what_changed(store):
    store.append(ALARM)
    seen = []

    def writer():
        store.append(annal.AlarmAcked(alarm_id="a1"))
        store.append(annal.TaskCreated(task_id="t", name="n"))

    it = store.commits()
    threading.Timer(0.05, writer).start()
    while sum(c.seq - c.first_seq + 1 for c in seen) < 2:
        seen.append(next(it))
    assert seen[0].first_seq == 2 and seen[-1].seq == 3
    changed = set().union(*(c.changed for c in seen))
    assert "alarms" in changed and "queue_depth" in changed
    assert "schedules" not in changed
    catch_up = next(store.commits(after=0))
    assert (catch_up.first_seq, catch_up.seq) == (1, 3)
    assert set(catch_up.changed) == set(annal.PROJECTIONS) | {"audit_trail", "series"}


def test_commits_iterator_ends_when_the_store_closes(tmp_path):
    s = annal.open(str(tmp_path / "c"))
    threading.Timer(0.1, s.close).start()
    assert list(s.commits(poll=0.02)) == []



def test_wait_for_ship_returns_once_the_stream_has_the_batch(tmp_path):
    # `annal ship` records each acknowledgement in DIR/shipped (docs/
    # replication.md, "Markers"); here a thread plays the shipper.
    path = tmp_path / "w"

    def ship(seq):
        (path / "shipped").write_bytes(seq.to_bytes(8, "little"))

    with annal.open(str(path)) as s:
        s.append(ALARM)  # without the option: returns at once
    with annal.open(str(path), wait_for_ship=0.2) as s:
        with pytest.raises(annal.NotShippedError,
                           match=r"committed through seq 2, not yet acknowledged .*annal ship"
                           ) as unshipped:
            s.append(annal.TaskCreated(task_id="t1", name="n"))
        assert unshipped.value.receipt == (2, 2)
        assert not isinstance(unshipped.value, annal.BusyError)  # not to be retried
        assert s.status().head_seq == 2  # committed here all the same
        timer = threading.Timer(0.05, ship, args=(3,))
        timer.start()
        assert s.append(annal.TaskCreated(task_id="t2", name="n")) == (3, 3)
        timer.join()
    with pytest.raises(annal.InvalidArgument):
        annal.open(str(path), wait_for_ship=-1)
