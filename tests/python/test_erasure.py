"""Erasure from Python (issue 25; docs/security.md): events with a subject,
store.forget, the erased marker in export and in rows; the chain verifies."""
import pytest

import annal


def test_forget_erases_a_subjects_personal_values(tmp_path):
    store = annal.open(str(tmp_path / "s"))
    store.append([
        annal.AlarmRaised(alarm_id="a1", severity="info", source="laptop",
                          message="Ana's laptop is offline", actor="operator:ana",
                          subject="user:ana", ts=5),
        {"type": "task_created", "task_id": "t1", "name": "n", "actor": "operator:bo",
         "subject": "user:bo", "ts": 6},
    ])
    events = list(store.export())
    assert events[0]["message"] == "Ana's laptop is offline"
    assert events[0]["subject"] == "user:ana"
    receipt = store.forget("user:ana")
    assert receipt.first_seq == 3
    events = list(store.export())
    assert events[0]["actor"] is None and events[0]["message"] is None
    assert events[0]["erased"] == ["actor", "message"]
    assert events[1]["actor"] == "operator:bo"
    assert events[2] == {"type": "subject_forgotten", "seq": 3,
                         "ts": events[2]["ts"], "subject": "user:ana"}
    with store.read() as snap:
        assert snap.alarms()[0].message == "[erased]"
    assert store.verify()["identical"]
    store.close()
    for f in (tmp_path / "s").iterdir():
        assert b"Ana's laptop" not in f.read_bytes()


def test_a_declared_personal_field_is_sealed_and_erased(tmp_path):
    store = annal.open(str(tmp_path / "s"))
    store.declare_event_type("signup.done", {"email": str, "plan": str},
                             personal=["email"])
    assert store.event_types()[0]["fields"] == "email:str:personal,plan:str"
    store.append({"type": "signup.done", "subject": "user:ana",
                  "email": "ana@example.org", "plan": "pro"})
    assert list(store.export())[1]["email"] == "ana@example.org"
    store.forget("user:ana")
    signup = list(store.export())[1]
    assert signup["email"] is None and signup["erased"] == ["email"]
    assert signup["plan"] == "pro"
    with pytest.raises(annal.InvalidArgument):
        store.declare_event_type("x.y", {"a": str}, personal=["b"])
