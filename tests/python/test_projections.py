"""Projections of your own in Python (annal.Projection, issue 21): rows
against a model of the same generated stream, inline and deferred giving
the same rows, verify naming a tampered table, a version bump rebuilding, a
projection added to a store with history complete at first read, a raising
apply or a wrong put rejecting the whole batch, a writer without a recorded
projection refused, and sixteen threads appending with one registered."""
import json
import os
import subprocess
import sys
import threading
import time
from typing import Optional

import pytest

import annal
from conftest import cli, generated


class ToolStats(annal.Projection):
    name = "tool_stats"
    version = 1
    tables = {
        "tools": annal.Table(key=("tool",), fields={"queued": int, "ok": int, "error": int}),
        "calls": annal.Table(key=("call_id",), fields={"tool": str}),
    }

    def apply(self, tx, event):
        if event["type"] == "tool_call_queued":
            tx.put("calls", (event["call_id"],), {"tool": event["tool"]})
            self.bump(tx, event["tool"], "queued")
        elif event["type"] == "tool_call_finished":
            call = tx.get("calls", (event["call_id"],))
            self.bump(tx, call["tool"], event["outcome"])

    @staticmethod
    def bump(tx, tool, counter):
        row = tx.get("tools", (tool,)) or {"queued": 0, "ok": 0, "error": 0}
        row[counter] += 1
        tx.put("tools", (tool,), row)


def model(events):
    tools, calls = {}, {}
    for e in events:
        if e["type"] == "tool_call_queued":
            calls[e["call_id"]] = e["tool"]
            tools.setdefault(e["tool"], {"queued": 0, "ok": 0, "error": 0})["queued"] += 1
        elif e["type"] == "tool_call_finished":
            tools[calls[e["call_id"]]][e["outcome"]] += 1
    return tools, calls


# Generated once, at import, before any test starts a thread: a fork of a
# process whose threads have run is where ThreadSanitizer's runtime can
# deadlock in the child (the TSan build of these tests met it).
_STREAMS = {seed: [json.loads(line) for line in generated(n, seed)]
            for seed, n in ((3, 6000), (5, 4000), (8, 100000))}


def events(n, seed=3):
    """The first n events of `annal generate --seed seed` (a prefix of a
    longer stream is the shorter stream)."""
    assert n <= len(_STREAMS[seed])
    return _STREAMS[seed][:n]


def append_all(store, evs, batch=1000):
    for i in range(0, len(evs), batch):
        store.append(evs[i:i + batch])


def table_rows(store, table=None):
    with store.read() as snap:
        return [r.to_json() for r in snap.rows("tool_stats", table)]


def test_rows_match_a_model_of_the_same_stream(tmp_path):
    evs = events(6000)
    tools, calls = model(evs)
    assert len(tools) > 1
    with annal.open(str(tmp_path / "s"), projections=[ToolStats()]) as s:
        append_all(s, evs)
        with s.read() as snap:
            rows = snap.rows("tool_stats")
            assert [r.to_dict() for r in rows] == [
                {"tool": t, **c} for t, c in sorted(tools.items())]
            assert rows[0].tool == min(tools)
            assert len(snap.rows("tool_stats", "calls")) == len(calls)
            paged, after = [], None
            while True:
                page = snap.rows("tool_stats", "calls", limit=7, after=after)
                paged += page
                if page.next is None:
                    break
                after = page.next
            assert paged == list(snap.rows("tool_stats", "calls"))
            with pytest.raises(annal.InvalidArgument):
                snap.rows("no_such")
        report = s.verify()
        assert report["identical"], report


def test_inline_and_deferred_give_the_same_rows(tmp_path):
    evs = events(4000, seed=5)
    with annal.open(str(tmp_path / "i"), projections=[ToolStats()]) as a, \
            annal.open(str(tmp_path / "d"), "deferred", projections=[ToolStats()]) as b:
        append_all(a, evs)
        append_all(b, evs)
        while b.project_pending(5000):
            pass
        for table in (None, "calls"):
            assert table_rows(a, table) == table_rows(b, table)


def test_a_raising_apply_or_a_wrong_put_rejects_the_whole_batch(tmp_path):
    class Picky(ToolStats):
        def apply(self, tx, event):
            super().apply(tx, event)
            if event["type"] == "tool_call_queued" and event["tool"] == "boom":
                raise KeyError("boom")
            if event["type"] == "tool_call_queued" and event["tool"] == "badtype":
                tx.put("calls", (event["call_id"],), {"tool": 5})
            if event["type"] == "tool_call_queued" and event["tool"] == "extra":
                try:  # caught by apply: the batch is rejected all the same
                    tx.put("calls", (event["call_id"],), {"tool": "x", "more": 1})
                except ValueError:
                    pass

    with annal.open(str(tmp_path / "s"), projections=[Picky()]) as s:
        append_all(s, events(2000))
        before = table_rows(s), table_rows(s, "calls")
        with s.read() as snap:
            head = snap.last_seq()
        for tool, says in (("boom", "KeyError"), ("badtype", "field tool is str"),
                           ("extra", "field more is not declared")):
            batch = [{"type": "task_created", "task_id": "t-" + tool, "name": "t"},
                     {"type": "tool_call_queued", "call_id": "c-" + tool,
                      "task_id": "t-" + tool, "tool": tool}]
            with pytest.raises(annal.RejectedError, match=says) as e:
                s.append(batch)
            assert "projection tool_stats" in str(e.value)
            assert (table_rows(s), table_rows(s, "calls")) == before
            with s.read() as snap:
                assert snap.last_seq() == head
        assert s.verify()["identical"]


def raw_put(path, sub_databases, key, value):
    """A raw LMDB write behind annal's back, through liblmdb (ctypes)."""
    import ctypes
    import ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library("lmdb") or "liblmdb.so.0")

    class Val(ctypes.Structure):
        _fields_ = [("size", ctypes.c_size_t), ("data", ctypes.c_void_p)]

    def check(rc):
        assert rc == 0, lib.mdb_strerror(rc)

    env, txn = ctypes.c_void_p(), ctypes.c_void_p()
    check(lib.mdb_env_create(ctypes.byref(env)))
    check(lib.mdb_env_set_maxdbs(env, 200))
    check(lib.mdb_env_set_mapsize(env, ctypes.c_size_t(1 << 30)))
    check(lib.mdb_env_open(env, path.encode(), 0, 0o600))
    check(lib.mdb_txn_begin(env, None, 0, ctypes.byref(txn)))
    k, v = ctypes.create_string_buffer(key, len(key)), ctypes.create_string_buffer(value, len(value))
    for name in sub_databases:
        dbi = ctypes.c_uint()
        check(lib.mdb_dbi_open(txn, name.encode(), 0, ctypes.byref(dbi)))
        check(lib.mdb_put(txn, dbi, ctypes.byref(Val(len(key), ctypes.cast(k, ctypes.c_void_p))),
                          ctypes.byref(Val(len(value), ctypes.cast(v, ctypes.c_void_p))), 0))
    check(lib.mdb_txn_commit(txn))
    lib.mdb_env_close(env)


def test_verify_names_a_tampered_table(tmp_path):
    path = str(tmp_path / "s")
    with annal.open(path, projections=[ToolStats()]) as s:
        append_all(s, events(2000))
    # Both slots: the live one is tampered, whichever it is.
    raw_put(path, ["proj_tool_stats.calls", "proj_tool_stats.calls@1"],
            b"zz-forged" + b"\0" * 7, b"garbage!")
    with annal.open(path, projections=[ToolStats()]) as s:
        report = s.verify()
        assert not report["identical"]
        bad = [p for p in report["projections"] if not p["identical"]]
        assert [p["projection"] for p in bad] == ["tool_stats"]
        assert bad[0]["differences"][0]["sub_database"] == "proj_tool_stats.calls"
        assert 'call_id "zz-forged"' in bad[0]["differences"][0]["key"]


def test_a_version_bump_rebuilds_and_a_new_projection_is_complete_at_first_read(tmp_path):
    path = str(tmp_path / "s")
    evs = events(100000, seed=8)
    tools, calls = model(evs)
    with annal.open(path, sync=False) as s:
        append_all(s, evs, batch=10000)

    with annal.open(path, projections=[ToolStats()]) as s:
        with s.read() as snap:
            assert len(snap.rows("tool_stats", "calls")) == len(calls)

    class V2(ToolStats):
        version = 2

        def apply(self, tx, event):
            super().apply(tx, event)
            if event["type"] == "tool_call_queued":
                tx.put("calls", (event["call_id"],), {"tool": event["tool"] + "/v2"})

    with annal.open(path, projections=[V2()]) as s:
        rows = table_rows(s, "calls")
        assert rows and all('/v2"' in r for r in rows)


def test_a_writer_without_a_recorded_projection_is_refused(tmp_path):
    path = str(tmp_path / "s")
    with annal.open(path, projections=[ToolStats()]) as s:
        append_all(s, events(500))
    with pytest.raises(annal.InvalidArgument, match="tool_stats"):
        annal.open(path)
    with annal.open(path, read_only=True) as r:
        with r.read() as snap:
            snap.watchers()
    assert cli("--db", path, "query", "watchers").returncode == 0


def test_declarations_are_checked(tmp_path):
    class NoName(ToolStats):
        name = ""

    class BadType(ToolStats):
        tables = {"t": annal.Table(key=("k",), fields={"x": list})}

    class Builtin(ToolStats):
        name = "alarms"

    for bad, says in ((NoName(), "name"), (BadType(), "type"), (Builtin(), "built-in")):
        with pytest.raises(annal.InvalidArgument, match=says):
            annal.open(str(tmp_path / "s"), projections=[bad])
    with pytest.raises(annal.InvalidArgument):
        annal.open(str(tmp_path / "s"), projections=["not a projection"])


def test_sixteen_threads_append_with_a_python_projection(tmp_path):
    with annal.open(str(tmp_path / "s"), projections=[ToolStats()]) as s:
        errors = []

        def worker(n):
            try:
                for i in range(40):
                    t = f"t{n}-{i}"
                    s.append([{"type": "task_created", "task_id": t, "name": "t"},
                              {"type": "tool_call_queued", "call_id": "c" + t,
                               "task_id": t, "tool": f"tool{i % 3}"}])
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        with s.read() as snap:
            assert snap.last_seq() == 16 * 40 * 2
            seqs = [json.loads(line)["seq"] for line in snap._native.scan_log(1, 10**6)]
            assert seqs == list(range(1, 16 * 40 * 2 + 1))
            counts = {r.tool: r.queued for r in snap.rows("tool_stats")}
            assert counts == {"tool0": 16 * 14, "tool1": 16 * 13, "tool2": 16 * 13}
        assert s.verify()["identical"]


def test_store_serve_puts_a_python_projection_on_the_http_api(tmp_path):
    import http.client

    def get(server, path, token=None):
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            c.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    evs = events(3000)
    token_file = tmp_path / "token"
    token_file.write_text("s3cret\n")
    with annal.open(str(tmp_path / "s"), projections=[ToolStats()]) as s:
        append_all(s, evs)
        with s.serve("127.0.0.1:0", token_file=str(token_file)) as server:
            assert server.url == f"http://127.0.0.1:{server.port}"
            assert get(server, "/v1/projections/tool_stats")[0] == 401
            status, body = get(server, "/v1/projections/tool_stats", "s3cret")
            assert status == 200
            with s.read() as snap:
                assert json.loads(body)["rows"] == [r.to_dict() for r in snap.rows("tool_stats")]
            status, body = get(server, "/v1/projections", "s3cret")
            assert "tool_stats" in [p["name"] for p in json.loads(body)["projections"]]
            # Appends go on while it serves; its rows follow.
            s.append([{"type": "task_created", "task_id": "tx", "name": "t"},
                      {"type": "tool_call_queued", "call_id": "cx", "task_id": "tx",
                       "tool": "brand-new"}])
            status, body = get(server, "/v1/projections/tool_stats?table=calls&limit=10000",
                               "s3cret")
            assert {"call_id": "cx", "tool": "brand-new"} in json.loads(body)["rows"]
        assert not server.running
        left_running = s.serve("127.0.0.1:0")
    assert not left_running.running  # closing the store stopped it
    with annal.open(str(tmp_path / "s"), projections=[ToolStats()]) as s:
        with pytest.raises(annal.InvalidArgument):
            s.serve("nowhere")


def test_commits_and_fingerprints_name_it_when_its_rows_change(tmp_path):
    with annal.open(str(tmp_path / "s"), projections=[ToolStats()]) as s:
        append_all(s, events(500))
        with s.read() as snap:
            before = snap.fingerprints()
            head = snap.last_seq()
        assert list(before)[-1] == "tool_stats"
        assert list(before)[:9] == list(annal.PROJECTIONS)
        # The generator starts at its first next(): that catch-up commit
        # names everything; the ones after name what changed.
        commits = s.commits(after=head)
        s.append([{"type": "task_created", "task_id": "fp-task", "name": "t"}])
        assert next(commits).changed == tuple(before)
        s.append([{"type": "task_created", "task_id": "fp-other", "name": "t"}])
        changed = next(commits).changed
        assert changed and "tool_stats" not in changed
        s.append([{"type": "tool_call_queued", "call_id": "fp-call", "task_id": "fp-task",
                   "tool": "shell"}])
        assert "tool_stats" in next(commits).changed
        # From an older seq, the first commit names every projection.
        first = next(s.commits(after=0))
        assert first.changed == tuple(before)


class CallIndex(annal.Projection):
    name = "call_index"
    version = 1
    tables = {
        "calls": annal.Table(key=("call_id",),
                             fields={"tool": str, "finished": Optional[int]},
                             indexes={"by_tool": ("tool",), "by_finished": ("finished",)}),
    }

    def apply(self, tx, event):
        if event["type"] == "tool_call_queued":
            tx.put("calls", (event["call_id"],), {"tool": event["tool"], "finished": None})
        elif event["type"] == "tool_call_finished":
            row = tx.get("calls", (event["call_id"],))
            row["finished"] = event["ts"]
            tx.put("calls", (event["call_id"],), row)


def test_an_index_orders_and_bounds_the_rows(tmp_path):
    evs = events(4000, seed=5)
    calls = {}
    for e in evs:
        if e["type"] == "tool_call_queued":
            calls[e["call_id"]] = (e["tool"], None)
        elif e["type"] == "tool_call_finished":
            calls[e["call_id"]] = (calls[e["call_id"]][0], e["ts"])
    with annal.open(str(tmp_path / "s"), projections=[CallIndex()]) as s:
        append_all(s, evs)
        with s.read() as snap:
            by_tool = [r.to_dict()["call_id"] for r in snap.rows("call_index", index="by_tool")]
            assert by_tool == [c for _, c in sorted((t, c) for c, (t, _) in calls.items())]
            done = sorted((f, c) for c, (_, f) in calls.items() if f is not None)
            assert 0 < len(done) < len(calls)
            t = done[len(done) // 2][0]
            up_to = snap.rows("call_index", index="by_finished", high=t)
            assert [r.to_dict()["call_id"] for r in up_to] == [c for f, c in done if f <= t]
            tool = by_tool and calls[by_tool[0]][0]
            one = snap.rows("call_index", index="by_tool", low=tool, high=tool, limit=2)
            assert all(r.to_dict()["tool"] == tool for r in one)
            with pytest.raises(annal.Error, match="no index nope"):
                snap.rows("call_index", index="nope")
            with pytest.raises(annal.Error):
                snap.rows("call_index", index="by_tool", high=5)
        assert s.verify()["identical"]


# A process that builds a projection new to the store (on open) and holds its
# first apply past seq 50,000 until told, so the test can look meanwhile.
PAUSED_BUILDER = """
import os, sys, time
import annal

class Paused(annal.Projection):
    name = "paused"
    version = 1
    tables = {"seen": annal.Table(key={"n": int}, fields={"seq": int})}

    def apply(self, tx, event):
        if event["seq"] > 50000 and not os.path.exists(sys.argv[2]):
            open(sys.argv[2], "w").close()
            while not os.path.exists(sys.argv[3]):
                time.sleep(0.01)
        tx.put("seen", (1,), {"seq": event["seq"]})

annal.open(sys.argv[1], projections=[Paused()]).close()
"""


def test_status_says_while_another_process_builds_a_new_projection(tmp_path):
    path = str(tmp_path / "s")
    lines = generated(60000)
    with annal.open(path) as s:
        for i in range(0, len(lines), 10000):
            s.append([json.loads(l) for l in lines[i:i + 10000]])
        assert s.status().maintenance is None
    reached, release = tmp_path / "reached", tmp_path / "release"
    child = subprocess.Popen([sys.executable, "-c", PAUSED_BUILDER, path, str(reached),
                              str(release)])
    try:
        deadline = time.monotonic() + 120
        while not reached.exists():
            assert child.poll() is None, "the builder ended early"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with annal.open(path, read_only=True) as s:
            during = s.status().maintenance
        out = cli("--db", path, "status").stdout
    finally:
        release.touch()
        child.wait(timeout=120)
    assert child.returncode == 0
    assert during == {"kind": "rebuild", "building": ["paused"], "done": 50000,
                      "total": 60000}
    assert "rebuild running, building projection(s) paused: 50000 of 60000" in out
    with annal.open(path, read_only=True) as s:
        assert s.status().maintenance is None
