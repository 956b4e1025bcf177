"""Events of your own from Python (issue 25; docs/events.md): declared with
store.declare_event_type, appended as dicts, read back by export and by a
projection of your own, byte for byte what the CLI makes of the same lines;
bad events refused naming the field; random declarations and events against
a model of the rules (hypothesis)."""
from typing import Optional

import pytest
from hypothesis import given, settings, strategies as st

import annal
from conftest import cli, jsonl


def test_declare_append_and_read_back(tmp_path):
    store = annal.open(str(tmp_path / "py"))
    store.declare_event_type("budget.exceeded",
                             {"amount": float, "team_id": str, "note": Optional[str]})
    assert store.event_types() == [{"name": "budget.exceeded", "version": 1,
                                    "fields": "amount:float,team_id:str,note:str?"}]
    store.append([{"type": "budget.exceeded", "ts": 5, "amount": 12, "team_id": "t1"},
                  {"type": "budget.exceeded", "ts": 6, "actor": "ana", "amount": 0.5,
                   "team_id": "t2", "note": "late", "seq": 99}])
    events = list(store.export())
    assert events[1] == {"type": "budget.exceeded", "seq": 2, "ts": 5, "amount": 12.0,
                         "team_id": "t1"}
    assert isinstance(events[1]["amount"], float)
    assert events[2]["note"] == "late" and events[2]["actor"] == "ana"
    # The CLI, given the lines Python exported, logs the same chain.
    lines = list(store.export_lines())
    cli("--db", tmp_path / "cli", "import", "-", stdin="".join(l + "\n" for l in lines))
    assert jsonl(cli("--db", tmp_path / "cli", "export").stdout) == lines
    other = annal.open(str(tmp_path / "cli"), read_only=True)
    assert other.verify_log()["head_hash"] == store.verify_log()["head_hash"]
    other.close()
    assert store.verify()["identical"]
    store.close()


def test_refusals_name_the_field(tmp_path):
    store = annal.open(str(tmp_path / "s"))
    with pytest.raises(annal.RejectedError, match="neither built in nor declared"):
        store.append({"type": "budget.exceeded", "amount": 1.0})
    store.declare_event_type("budget.exceeded", {"amount": float})
    with pytest.raises(annal.RejectedError, match='field "amount" must be a float, not a str'):
        store.append({"type": "budget.exceeded", "amount": "1"})
    with pytest.raises(annal.RejectedError, match='field "colour" is not declared'):
        store.append({"type": "budget.exceeded", "amount": 1.0, "colour": "red"})
    with pytest.raises(annal.RejectedError, match="new field \"x\" is required"):
        store.declare_event_type("budget.exceeded", {"amount": float, "x": int}, version=2)
    with pytest.raises(annal.InvalidArgument):
        store.declare_event_type("budget.exceeded", {"amount": list})
    assert len(list(store.export())) == 1
    store.close()


class Totals(annal.Projection):
    name = "totals"
    version = 1
    tables = {"teams": annal.Table(key=("team_id",), fields={"total": float})}

    def apply(self, tx, event):
        if event["type"] == "budget.exceeded":
            row = tx.get("teams", (event["team_id"],)) or {"total": 0.0}
            tx.put("teams", (event["team_id"],), {"total": row["total"] + event["amount"]})


def test_a_projection_of_your_own_reads_them(tmp_path):
    store = annal.open(str(tmp_path / "s"), projections=[Totals()])
    store.declare_event_type("budget.exceeded", {"amount": float, "team_id": str})
    store.append([{"type": "budget.exceeded", "amount": 1.5, "team_id": "a"},
                  {"type": "budget.exceeded", "amount": 2, "team_id": "a"}])
    with store.read() as snap:
        assert [r.to_dict() for r in snap.rows("totals")] == [{"team_id": "a",
                                                                "total": 3.5}]
    assert store.verify()["identical"]
    store.close()


# The model: which declarations and events the rules admit.
TYPES = {"int": int, "str": str, "bool": bool, "float": float}
names = st.sampled_from(["a", "b", "c", "d", "e"])
field_specs = st.lists(st.tuples(names, st.sampled_from(sorted(TYPES)), st.booleans()),
                       max_size=4, unique_by=lambda f: f[0])
values = {"int": st.integers(-2**63, 2**63 - 1), "str": st.text(max_size=8),
          "bool": st.booleans(),
          "float": st.floats(allow_nan=False, allow_infinity=False)}


def model_admits(current, version, fields):
    if current is None:
        return version == 1
    cur_version, cur_fields = current
    if version == cur_version:
        return fields == cur_fields
    if version != cur_version + 1 or len(fields) <= len(cur_fields):
        return False
    return fields[:len(cur_fields)] == cur_fields and all(o for _, _, o in fields[len(cur_fields):])


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(1, 3), field_specs), min_size=1, max_size=5),
       data=st.data())
def test_random_declarations_and_events_against_a_model(tmp_path_factory, steps, data):
    store = annal.open(str(tmp_path_factory.mktemp("p") / "s"))
    current = None
    for version, fields in steps:
        text = ",".join(f"{n}:{t}{'?' if o else ''}" for n, t, o in fields)
        admitted = model_admits(current, version, fields)
        try:
            store.append({"type": "event_type_declared", "name": "ev.x",
                          "version": version, "fields": text})
            assert admitted, (current, version, fields)
            current = (version, fields)
        except annal.RejectedError:
            assert not admitted, (current, version, fields)
        if current is None:
            continue
        # An event: each declared field given or not, sometimes one too many.
        event = {"type": "ev.x"}
        for n, t, o in current[1]:
            if data.draw(st.booleans()):
                event[n] = data.draw(values[t])
        extra = data.draw(st.booleans())
        if extra:
            event["zz"] = 1
        ok = not extra and all(n in event for n, _, o in current[1] if not o)
        try:
            store.append(event)
            assert ok, event
            logged = list(store.export())[-1]
            for n, t, _ in current[1]:
                if n in event:
                    assert logged[n] == event[n]
        except annal.RejectedError:
            assert not ok, event
    assert store.verify()["identical"]
    store.close()
