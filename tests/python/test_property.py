"""Property tests (hypothesis): valid streams appended from Python in random
batches give the projections and log of the same stream imported by the
CLI; invalid events raise and leave the store exactly as it was."""
import dataclasses
import json
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import annal
from conftest import cli, cli_store, generated, json_rows, jsonl

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
               min_size=1, max_size=40)
TS = st.integers(min_value=-(2**62), max_value=2**62)
# A personal value (actor, message) may not begin with U+0001, the mark of a
# sealed value (docs/security.md, "Erasure"): refused, tested in C++.
PERSONAL = TEXT.filter(lambda s: not s.startswith("\x01"))


def state(store):
    """Everything a reader can see: every projection's rows and the log."""
    with store.read() as snap:
        rows = {name: json_rows(snap.query(name)) for name in annal.PROJECTIONS}
        fingerprints = snap.fingerprints()
    return rows, fingerprints, list(store.export_lines())


def append_in_batches(store, events, sizes):
    i, k = 0, 0
    while i < len(events):
        n = sizes[k % len(sizes)]
        store.append(events[i:i + n])
        i, k = i + n, k + 1


def same_as_cli_import(events):
    lines = [json.dumps(e, separators=(",", ":"), ensure_ascii=False) for e in events]
    with tempfile.TemporaryDirectory() as d:
        db = cli_store(d + "/cli", lines)
        assert cli("--db", db, "verify").returncode == 0
        with annal.open(db, read_only=True) as theirs:
            return state(theirs)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(1, 600),
       sizes=st.lists(st.integers(1, 120), min_size=1, max_size=8))
def test_generated_streams_in_random_batches_equal_a_cli_import(seed, n, sizes):
    events = [json.loads(l) for l in generated(n, seed)]
    with tempfile.TemporaryDirectory() as d, annal.open(d + "/py", sync=False) as ours:
        append_in_batches(ours, events, sizes)
        assert state(ours) == same_as_cli_import(events)
        assert ours.verify()["identical"]


@st.composite
def free_text_streams(draw):
    """Tasks and alarms with arbitrary Unicode names, messages and actors,
    typed or as dicts: valid by construction (every id is new)."""
    out = []
    for i in range(draw(st.integers(1, 40))):
        common = {"ts": draw(TS), "actor": draw(st.none() | PERSONAL)}
        if draw(st.booleans()):
            e = annal.TaskCreated(task_id=f"t{i}", name=draw(TEXT),
                                  step=draw(st.none() | TEXT), **common)
        else:
            e = annal.AlarmRaised(alarm_id=draw(TEXT) + f"#{i}", message=draw(PERSONAL),
                                  severity=draw(st.sampled_from(["info", "warning",
                                                                 "critical"])),
                                  source=draw(TEXT), **common)
        out.append(e.to_dict() if draw(st.booleans()) else e)
    return out


@SETTINGS
@given(events=free_text_streams(), sizes=st.lists(st.integers(1, 10), min_size=1))
def test_free_text_events_equal_a_cli_import(events, sizes):
    with tempfile.TemporaryDirectory() as d, annal.open(d + "/py", sync=False) as ours:
        append_in_batches(ours, events, sizes)
        dicts = [e if isinstance(e, dict) else e.to_dict() for e in events]
        assert state(ours) == same_as_cli_import(dicts)


BREAKING = [  # (event, the exception): each breaks a rule or the event format
    ({"type": "task_created", "task_id": "t1", "name": "again"}, annal.RejectedError),
    ({"type": "alarm_acked", "alarm_id": "no-such-alarm"}, annal.RejectedError),
    ({"type": "tool_call_started", "call_id": "no-such-call"}, annal.RejectedError),
    ({"type": "autonomy_level_changed", "level": 9}, annal.RejectedError),
    ({"type": "task_created", "task_id": "", "name": "n"}, annal.RejectedError),
    ({"type": "no_such_type"}, annal.RejectedError),
    ({"type": "task_created", "task_id": "x", "name": "n", "colour": 1},
     annal.InvalidArgument),
    ({"type": "alarm_raised", "alarm_id": 7}, annal.InvalidArgument),
]


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(1, 300),
       tail=st.integers(0, 50), bad=st.sampled_from(BREAKING), where=st.floats(0, 1))
def test_invalid_events_raise_and_change_nothing(seed, n, tail, bad, where):
    events = [json.loads(l) for l in generated(n + tail, seed)]
    head = [{"type": "task_created", "task_id": "t1", "name": "first"}] + events[:n]
    event, error = bad
    batch = events[n:]
    at = int(where * len(batch))
    batch.insert(at, event)
    with tempfile.TemporaryDirectory() as d, annal.open(d + "/py", sync=False) as s:
        s.append(head)
        before = state(s)
        try:
            s.append(batch)
            raise AssertionError(f"{event} was accepted")
        except error as e:
            assert e.index == at, (e.index, at, str(e))
        assert state(s) == before
        assert s.verify()["identical"]


# Values of every JSON kind and then some: what a Python caller may pass.
VALUES = (st.none() | st.booleans() | st.integers(-(2**64), 2**64) | TEXT |
          st.floats(allow_nan=False, allow_infinity=False) | st.lists(st.integers(), max_size=2))


@st.composite
def arbitrary_events(draw):
    """A dict shaped like an event of a random type: each field present or
    not, with a value of its kind or of any other; now and then a stray key."""
    cls = draw(st.sampled_from(sorted(annal.EVENT_CLASSES.values(),
                                      key=lambda c: c.type)))
    d = {"type": cls.type}
    for name in (f.name for f in dataclasses.fields(cls)):
        if draw(st.booleans()):
            d[name] = draw(VALUES | st.sampled_from(["queued", "ok", "info", "fired"]))
    if draw(st.integers(0, 9)) == 0:
        d[draw(TEXT)] = draw(VALUES)
    return d


@settings(max_examples=200, deadline=None)
@given(event=arbitrary_events())
def test_dicts_are_read_as_the_json_decoder_reads_their_json(event):
    """store.append(dict) and `annal import` of the dict's JSON accept and
    refuse the same events, with the same message (save numbers the JSON
    parser cannot read at all)."""
    with tempfile.TemporaryDirectory() as d, annal.open(d + "/py", sync=False) as s:
        try:
            s.append(event)
            ours = None
        except annal.Error as e:
            ours = str(e).split(": ", 1)[1]  # after "event 0: "
        line = json.dumps(event, ensure_ascii=False, allow_nan=False)
        p = cli("--db", d + "/cli", "import", "-", "--no-sync", stdin=line + "\n",
                check=False)
        if ours is None:
            assert p.returncode == 0, p.stderr
            [a], [b] = list(s.export()), [json.loads(l) for l in
                                          jsonl(cli("--db", d + "/cli", "export").stdout)]
            if "ts" not in event or event["ts"] is None:
                a.pop("ts"), b.pop("ts")
            assert a == b
        else:
            assert p.returncode != 0
            # A number beyond simdjson's range fails the whole line's parse
            # before any field is read; a dict has no such stage.
            if "malformed JSON: Problem while parsing a number" not in p.stderr:
                assert ours in p.stderr, (ours, p.stderr)
