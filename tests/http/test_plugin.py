"""Projections of your own over HTTP: `annal serve --plugin PATH.so` serves
the plugin's tables at /v1/projections/NAME (?table=, paged, ?as_of=), lists
them with their columns at /v1/projections, and answers exactly as
`annal query NAME` does."""
import json
import os

from conftest import annal, make_store, metrics

PLUGIN = os.environ["ANNAL_TEST_PLUGIN"]


def cli_rows(db, *args):
    out = annal("--plugin", PLUGIN, "--db", db, "query", "tool_stats", *args).stdout
    return [json.loads(line) for line in out.splitlines()]


def all_pages(s, path):
    rows, after = [], None
    while True:
        page = s.get_json(path + ("&after=" + after if after else ""))
        rows += page["rows"]
        if page["next"] is None:
            return rows
        after = page["next"]


def test_a_plugins_tables_are_served_as_the_cli_prints_them(tmp_path, serve):
    db = make_store(tmp_path / "s", 3000, plugin=PLUGIN)
    s = serve(db, "--plugin", PLUGIN)
    listing = s.get_json("/v1/projections")["projections"]
    names = [p["name"] for p in listing]
    assert names[:9] == ["active_tasks", "schedules", "watchers", "rules", "integrations",
                         "approvals", "queue_depth", "autonomy_history", "alarms"]
    filters = {p["name"]: p["filters"] for p in listing if p["builtin"]}
    assert [n for n, f in filters.items() if f["due"]] == ["active_tasks", "schedules",
                                                           "approvals"]
    assert {n: f["state"] for n, f in filters.items() if f["state"]} == {
        "alarms": ["open", "acked", "resolved"]}
    ours = listing[names.index("tool_stats")]
    assert [t["name"] for t in ours["tables"]] == ["tools", "calls"]
    assert [c["name"] for c in ours["tables"][0]["key"]] == ["tool"]
    assert [c["name"] for c in ours["tables"][0]["fields"]] == ["queued", "ok", "error",
                                                                "last_ts"]
    page = s.get_json("/v1/projections/tool_stats")
    assert page["rows"] == cli_rows(db)
    assert len(page["rows"]) > 1
    assert all_pages(s, "/v1/projections/tool_stats?table=calls&limit=7") == \
        cli_rows(db, "--table", "calls")
    assert s.get_json("/v1/projections/tool_stats?as_of=500")["rows"] == \
        cli_rows(db, "--as-of", "500")
    s.get_json("/v1/projections/tool_stats?table=nope", expect=404)
    s.get_json("/v1/projections/no_such", expect=404)
    s.get_json("/v1/projections/tool_stats?due=5", expect=400)


def test_an_index_is_listed_and_queried_as_the_cli_does(tmp_path, serve):
    db = make_store(tmp_path / "s", 2000, plugin=PLUGIN)
    s = serve(db, "--plugin", PLUGIN)
    listing = {p["name"]: p for p in s.get_json("/v1/projections")["projections"]}
    calls = listing["tool_stats"]["tables"][1]
    assert calls["indexes"] == [{"name": "by_tool", "fields": ["tool"]}]
    rows = all_pages(s, "/v1/projections/tool_stats?table=calls&index=by_tool&limit=9")
    assert rows == cli_rows(db, "--table", "calls", "--index", "by_tool")
    assert rows == sorted(rows, key=lambda r: (r["tool"], r["call_id"]))
    tool = rows[len(rows) // 2]["tool"]
    one = all_pages(s, f"/v1/projections/tool_stats?table=calls&index=by_tool&from={tool}"
                       f"&to={tool}&limit=3")
    assert one == [r for r in rows if r["tool"] == tool]
    assert one == cli_rows(db, "--table", "calls", "--index", "by_tool", "--from", tool,
                           "--to", tool)
    s.get_json("/v1/projections/tool_stats?table=calls&index=nope", expect=400)
    # Without an index, a bound is on the key's first field.
    keyed = s.get_json("/v1/projections/tool_stats?table=calls"
                       "&from=call-00000418&to=call-00000419")["rows"]
    assert [r["call_id"] for r in keyed] == ["call-00000418", "call-00000419"]


def test_metrics_give_each_projections_version_and_sizes(tmp_path, serve):
    db = make_store(tmp_path / "s", 2000, plugin=PLUGIN)
    s = serve(db, "--plugin", PLUGIN)
    m = metrics(s)

    def entries(projection, sub_db, role):
        return m[f"annal_projection_entries{{db={sub_db}}}{{projection={projection}}}"
                 f"{{role={role}}}"]

    tools, calls = cli_rows(db), cli_rows(db, "--table", "calls")
    assert len(tools) > 1 and len(calls) > len(tools)
    assert entries("tool_stats", "proj_tool_stats.tools", "table") == len(tools)
    assert entries("tool_stats", "proj_tool_stats.calls", "table") == len(calls)
    assert entries("tool_stats", "proj_tool_stats.calls.by_tool", "index") == len(calls)
    alarms = annal("--db", db, "query", "alarms").stdout.splitlines()
    assert entries("alarms", "proj_alarms", "table") == len(alarms)
    assert m["annal_projection_version{projection=tool_stats}"] == 1
    assert m["annal_projection_version{projection=alarms}"] >= 1
    assert m["annal_projection_bytes{db=proj_tool_stats.calls}{projection=tool_stats}"
             "{role=table}"] >= 4096
