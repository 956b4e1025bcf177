"""Queries from Python against `annal query`: every projection and variant of
a 200,000-event store, unpaged and paged, time travel, and the rows' shape."""
import json

import pytest

import annal
from conftest import VARIANTS, all_rows, cli, cli_rows, jsonl


@pytest.fixture(scope="module")
def big_store(big):
    # The CLI's store, opened read-only in-process (the CLI may read it too).
    with annal.open(big[0], read_only=True) as s:
        yield s


@pytest.mark.parametrize("name,opts", VARIANTS)
def test_rows_are_byte_identical_to_annal_query(big, big_store, name, opts):
    expected = cli_rows(big[0], name, opts)
    with big_store.read() as snap:
        assert all_rows(snap, name, opts) == expected
        assert all_rows(snap, name, opts, limit=997) == expected


def test_pages_of_seven(big, big_store):
    expected = cli_rows(big[0], "alarms")
    with big_store.read() as snap:
        assert all_rows(snap, "alarms", {}, limit=7) == expected


def test_per_projection_methods_equal_query(big_store):
    with big_store.read() as snap:
        assert snap.active_tasks(due=1700050000000000) == snap.query(
            "active_tasks", due=1700050000000000)
        assert snap.schedules() == snap.query("schedules")
        assert snap.watchers() == snap.query("watchers")
        assert snap.rules() == snap.query("rules")
        assert snap.integrations() == snap.query("integrations")
        assert snap.approvals(due=-5) == snap.query("approvals", due=-5)
        assert snap.alarms(state="open") == snap.query("alarms", state="open")
        assert len(snap.queue_depth()) == 1
        assert snap.queue() == snap.queue_depth()[0]
        history = snap.autonomy_history()
        assert isinstance(history[0], annal.AutonomyCurrentRow)
        assert all(isinstance(r, annal.AutonomyChangeRow) for r in history[1:])
        assert snap.autonomy_level() == history[0].level


def test_the_nine_read_through_rows_as_through_query(big_store):
    # The generic reader of projections of your own reads the nine too.
    with big_store.read() as snap:
        for name, table in [("active_tasks", "tasks"), ("rules", "rules"),
                            ("integrations", "integrations"), ("alarms", None)]:
            expected = [r.to_json() for r in snap.query(name)]
            assert [r.to_json() for r in snap.rows(name, table)] == expected
            assert expected
        history = snap.autonomy_history()
        changes = snap.rows("autonomy_history", "changes")
        assert [r.to_json() for r in changes] == [r.to_json() for r in history[:0:-1]]
        assert snap.rows("autonomy_history")[0].level == snap.autonomy_level()
        times = sorted(r.expires_at for r in snap.approvals())
        t = times[len(times) // 2]
        due = [r.to_json() for r in snap.approvals(due=t)]
        by_expiry = snap.rows("approvals", index="by_expiry", high=t)
        assert [r.to_json() for r in by_expiry] == due
        assert due


def test_rows_are_immutable_objects_with_attributes(big_store):
    with big_store.read() as snap:
        rows = snap.alarms(limit=3)
    row = rows[0]  # rows own their bytes: valid after the snapshot closed
    assert isinstance(row, annal.AlarmRow)
    d = json.loads(row.to_json())
    assert row.to_dict() == d
    assert row.alarm_id == d["alarm_id"] and row.state == d["state"]
    assert list(d) == list(annal.AlarmRow.fields)
    with pytest.raises(AttributeError):
        row.state = "open"
    with pytest.raises(AttributeError):
        row.no_such_field
    row.to_dict()["state"] = "changed"
    assert row.state == d["state"]
    assert rows.next is not None


@pytest.mark.parametrize("seq", [0, 1, 1000, 123_457])
def test_as_of_equals_annal_query_as_of(big, big_store, seq):
    with big_store.read(as_of=seq) as snap:
        assert snap.last_seq() == seq
        for name, opts in VARIANTS[:9] + [("alarms", {"state": "open"})]:
            assert all_rows(snap, name, opts) == cli_rows(big[0], name, opts, as_of=seq)


def test_as_of_past_the_head_is_invalid(big_store):
    with pytest.raises(annal.InvalidArgument):
        big_store.read(as_of=10**9)


def test_bad_query_options_are_invalid_arguments(big_store):
    with big_store.read() as snap:
        for call in (lambda: snap.query("nope"),
                     lambda: snap.query("watchers", due=5),
                     lambda: snap.query("active_tasks", state="open"),
                     lambda: snap.alarms(state="asleep"),
                     lambda: snap.alarms(limit=0),
                     lambda: snap.alarms(after="not-a-cursor"),
                     lambda: snap.alarms(after=snap.rules(limit=1).next)):
            with pytest.raises(annal.InvalidArgument):
                call()


def test_export_equals_annal_export(big, big_store):
    expected = jsonl(cli("--db", big[0], "export").stdout)
    assert list(big_store.export_lines()) == expected
    assert list(big_store.export_lines(after=199_990)) == expected[199_990:]
    tail = list(big_store.export(after=199_998))
    assert [e["seq"] for e in tail] == [199_999, 200_000]
    assert tail[0] == json.loads(expected[199_998])
