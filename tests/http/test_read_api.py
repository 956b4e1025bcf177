"""GET /v1/projections, /v1/status, /v1/events: the rows `annal query` and
`annal export` print, paged, filtered and as of a seq; every parameter error."""
import json
import urllib.parse

import pytest

from conftest import annal, make_store, metrics

PROJECTIONS = ["active_tasks", "schedules", "watchers", "rules", "integrations",
               "approvals", "queue_depth", "autonomy_history", "alarms"]
VARIANTS = [(p, {}) for p in PROJECTIONS] + [
    ("active_tasks", {"due": "1700050000000000"}),
    ("schedules", {"due": "1700095000000000"}),
    ("approvals", {"due": "-5"}),
    ("approvals", {"due": "1700095000000000"}),
    ("alarms", {"state": "open"}),
    ("alarms", {"state": "acked"}),
    ("alarms", {"state": "resolved"}),
]


def compact(row):
    """The row as annal's encoder writes it: fields in order, no spaces."""
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


def cli_rows(db, name, opts, as_of=None):
    args = ["--db", db, "query", name]
    for k, v in opts.items():
        args += [f"--{k}", v]
    if as_of is not None:
        args += ["--as-of", str(as_of)]
    return annal(*args).stdout.splitlines()


def http_rows(server, name, opts, limit, as_of=None):
    rows, after, pages = [], None, 0
    while True:
        q = dict(opts, limit=str(limit))
        if after:
            q["after"] = after
        if as_of is not None:
            q["as_of"] = str(as_of)
        body = server.get_json(f"/v1/projections/{name}?{urllib.parse.urlencode(q)}")
        pages += 1
        assert len(body["rows"]) <= limit
        rows += [compact(r) for r in body["rows"]]
        if body["next"] is None:
            return rows, pages, body["seq"]
        assert len(body["rows"]) == limit
        after = body["next"]


@pytest.fixture(scope="module")
def big(big_store, request):
    from conftest import Server
    s = Server(big_store)
    request.addfinalizer(s.stop)
    return s


@pytest.mark.parametrize("name,opts", VARIANTS)
def test_pages_of_seven_equal_annal_query(big, big_store, name, opts):
    expected = cli_rows(big_store, name, opts)
    rows, pages, seq = http_rows(big, name, opts, 7)
    assert rows == expected
    assert seq == 200000
    assert pages == max(1, -(-len(expected) // 7))


@pytest.mark.parametrize("name,opts", VARIANTS)
def test_one_page_equals_annal_query(big, big_store, name, opts):
    rows, pages, _ = http_rows(big, name, opts, 10000)
    assert rows == cli_rows(big_store, name, opts)


# The nine's tables through the generic reader: the same rows, and bytes, as
# their own queries (docs/projections.md, "The nine and this API").
@pytest.mark.parametrize("name,table,opts", [
    ("active_tasks", "tasks", {}), ("schedules", "schedules", {}),
    ("alarms", "alarms", {}), ("queue_depth", "counters", {}),
    ("approvals", "approvals", {"index": "by_expiry"})])
def test_a_built_in_table_equals_its_query(big, big_store, name, table, opts):
    query = {}
    if "index" in opts:
        # To the median expiry: about half the approvals are due by then.
        rows = big.get_json(f"/v1/projections/{name}?limit=10000")["rows"]
        times = sorted(r["expires_at"] for r in rows)
        opts = dict(opts, to=str(times[len(times) // 2]))
        query = {"due": opts["to"]}
    rows, _, _ = http_rows(big, name, dict(opts, table=table), 7)
    assert rows == cli_rows(big_store, name, query)
    assert rows


def test_default_limit_is_1000(big):
    body = big.get_json("/v1/projections/active_tasks")
    n = len(body["rows"])
    assert n == 1000 or body["next"] is None


@pytest.mark.parametrize("seq", [0, 1, 5000, 150000])
def test_as_of_equals_annal_query_as_of(big, big_store, seq):
    for name, opts in VARIANTS[:9] + [("alarms", {"state": "open"})]:
        rows, _, at = http_rows(big, name, opts, 500, as_of=seq)
        assert at == seq
        assert rows == cli_rows(big_store, name, opts, as_of=seq), name


def test_status(big):
    s = big.get_json("/v1/status")
    assert s == {"head_seq": 200000, "projected_seq": 200000, "lag_events": 0,
                 "lag_micros": 0, "mode": "inline", "replication": None,
                 "maintenance": None}


def test_status_and_metrics_of_a_shipped_primary(tmp_path, serve):
    # `annal ship` records the stream's acknowledgements in DIR/shipped
    # (docs/replication.md, "Markers"); written here as it would be.
    db = make_store(tmp_path / "p", 1000)
    (tmp_path / "p" / "shipped").write_bytes((990).to_bytes(8, "little"))
    server = serve(db)
    assert server.get_json("/v1/status")["replication"] == {
        "shipped_seq": 990, "ship_lag_events": 10}
    m = metrics(server)
    assert m["annal_shipped_seq"] == 990 and m["annal_ship_lag_events"] == 10
    assert "annal_replica_lag_events" not in m


def test_status_of_a_deferred_store(tmp_path, serve):
    db = make_store(tmp_path / "d", 1000, deferred=True)
    s = serve(db).get_json("/v1/status")
    assert s["mode"] == "deferred"
    assert s["head_seq"] == 1000 and s["projected_seq"] == 0 and s["lag_events"] == 1000
    first = json.loads(annal("--db", db, "export").stdout.splitlines()[0])
    last = json.loads(annal("--db", db, "export").stdout.splitlines()[-1])
    assert s["lag_micros"] == last["ts"] - first["ts"]


def test_events_page_through_the_log_as_export_prints_it(tmp_path, serve):
    db = make_store(tmp_path / "e", 2500)
    server = serve(db)
    exported = annal("--db", db, "export").stdout.splitlines()
    got, after = [], 0
    while True:
        body = server.get_json(f"/v1/events?after={after}&limit=1000")
        got += [compact(e) for e in body["events"]]
        if body["next"] is None:
            break
        assert body["next"] == after + len(body["events"])
        after = body["next"]
    assert got == exported
    assert server.get_json("/v1/events?after=2500") == {"events": [], "next": None}
    assert server.get_json("/v1/events?after=2499")["next"] is None


@pytest.mark.parametrize("path", [
    "/v1/projections/alarms?bogus=1",
    "/v1/projections/alarms?limit=5&limit=6",
    "/v1/projections/alarms?limit=",
    "/v1/projections/alarms?limit=0",
    "/v1/projections/alarms?limit=10001",
    "/v1/projections/alarms?limit=-1",
    "/v1/projections/alarms?limit=1e3",
    "/v1/projections/alarms?after=00ff",
    "/v1/projections/alarms?state=sleeping",
    "/v1/projections/alarms?due=5",
    "/v1/projections/watchers?due=5",
    "/v1/projections/active_tasks?due=12abc",
    "/v1/projections/rules?state=open",
    "/v1/projections/alarms?as_of=200001",
    "/v1/projections/alarms?as_of=-1",
    "/v1/status?x=1",
    "/v1/events?after=200001",
    "/v1/events?after=-1",
    "/v1/events?limit=0",
    "/v1/feed?after=200001",
    "/v1/feed?after=x",
    "/metrics?x=1",
])
def test_bad_parameters_are_400_with_a_json_error(big, path):
    status, headers, data = big.request("GET", path)
    assert status == 400, (path, data)
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(data)["error"]


def test_access_token_is_ignored_off_the_feed(big):
    assert big.get_json("/v1/projections/alarms?limit=1&access_token=t")["rows"]
    assert big.get_json("/v1/status?access_token=t")["head_seq"] == 200000


def test_a_cursor_is_refused_for_another_query(big):
    body = big.get_json("/v1/projections/active_tasks?limit=3")
    cursor = body["next"]
    assert big.get_json(f"/v1/projections/active_tasks?limit=3&after={cursor}")
    for other in [f"/v1/projections/schedules?after={cursor}",
                  f"/v1/projections/active_tasks?due=1&after={cursor}",
                  f"/v1/projections/active_tasks?as_of=5&after={cursor}"]:
        status, _, _ = big.request("GET", other)
        assert status == 400, other


@pytest.mark.parametrize("method,path,code", [
    ("GET", "/v1/projections/nope", 404),
    ("GET", "/v2/status", 404),
    ("GET", "/index.html", 404),
    ("GET", "/../../etc/passwd", 404),
    ("DELETE", "/v1/status", 405),
    ("PUT", "/v1/projections/alarms", 405),
    ("POST", "/v1/events", 405),
    ("POST", "/metrics", 405),
])
def test_unknown_paths_and_methods(big, method, path, code):
    status, headers, data = big.request(method, path, body=b"{}" if method != "GET" else None)
    assert status == code, (method, path, data)
    assert json.loads(data)["error"]


def test_the_page_is_html(big):
    status, headers, data = big.request("GET", "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert b"<title>annal dashboard</title>" in data


@pytest.mark.parametrize("seq", [1, 777, 20000])
def test_query_as_of_equals_a_fresh_store_of_the_first_seq_events(big_store, tmp_path, seq):
    lines = annal("--db", big_store, "export").stdout.splitlines(keepends=True)[:seq]
    fresh = str(tmp_path / "fresh")
    annal("--db", fresh, "import", "-", "--no-sync", stdin="".join(lines))
    for name, opts in VARIANTS:
        assert cli_rows(big_store, name, opts, as_of=seq) == cli_rows(fresh, name, opts), name


def test_history_pages_equal_annal_history(big, big_store):
    """GET /v1/history/KIND/ID: the lines `annal history` prints, paged as
    /v1/events pages; 404 for an id never seen, 400 for an unknown kind; an
    id holding '/' percent-encoded in the path."""
    task = json.loads(annal("--db", big_store, "export").stdout.splitlines()[0])["task_id"]
    expected = annal("--db", big_store, "history", "task", task).stdout.splitlines()
    assert len(expected) > 3
    got, after = [], 0
    while True:
        body = big.get_json(f"/v1/history/task/{task}?limit=2&after={after}")
        got += [compact(e) for e in body["events"]]
        if body["next"] is None:
            break
        after = body["next"]
    assert got == expected
    missing = big.get_json("/v1/history/task/no%2Fsuch", expect=404)
    assert "no task no/such" in missing["error"]
    wrong = big.get_json("/v1/history/tasks/x", expect=400)
    assert "tool_call" in wrong["error"]
    cli = annal("--db", big_store, "history", "task", "no/such", check=False)
    assert cli.returncode == 1 and "no task no/such" in cli.stderr


def test_series_equal_annal_series_in_a_window(big, big_store):
    """GET /v1/series/NAME?from=&to=: the rows `annal series` prints, from
    the minute holding `from` to the one holding `to`; 404 for another name."""
    every = annal("--db", big_store, "series", "appends").stdout.splitlines()
    assert len(every) > 10
    lo = json.loads(every[3])["bucket"] + 59_000_000  # inside the 4th minute
    hi = json.loads(every[7])["bucket"]
    body = big.get_json(f"/v1/series/appends?from={lo}&to={hi}")
    assert [compact(r) for r in body["rows"]] == every[3:8] and body["next"] is None
    cli = annal("--db", big_store, "series", "appends", "--from", str(lo), "--to", str(hi))
    assert cli.stdout.splitlines() == every[3:8]
    for name in ("queue", "alarms", "events"):
        rows = big.get_json(f"/v1/series/{name}")["rows"]
        assert rows and [compact(r) for r in rows] == annal(
            "--db", big_store, "series", name).stdout.splitlines()[:len(rows)]
    assert "one of queue" in big.get_json("/v1/series/nope", expect=404)["error"]


def test_openapi_describes_every_endpoint_and_checks_answers(big):
    """docs/openapi.yaml names every endpoint the server routes (its table in
    server/server.cc), with the methods it takes; its schemas are sound JSON
    Schema; and answers are checked against it as the tests get them."""
    import pathlib
    import re
    from jsonschema import Draft202012Validator
    import openapi_check
    source = (pathlib.Path(openapi_check.SPEC_PATH).parents[1] / "server" / "server.cc").read_text()
    routed = {p: m.split() for p, m in re.findall(r'\{"(/[^"]*)", "([A-Z ]+)"', source)}
    assert "/v1/history/" in routed and "/metrics" in routed
    described = {}
    for template, item in openapi_check.SPEC["paths"].items():
        prefix = template.split("{", 1)[0]
        described[prefix] = sorted(m.upper() for m in item if m in ("get", "post"))
    assert described == {p: sorted(m) for p, m in routed.items()}
    for name, schema in openapi_check.SPEC["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    before = openapi_check.checked
    big.get_json("/v1/status")
    big.get_json("/v1/history/task/never-seen", expect=404)
    assert openapi_check.checked == before + 2
    # A body the description does not allow is caught.
    with pytest.raises(Exception, match="required property"):
        openapi_check.check("GET", "/v1/status", 200, "application/json", b'{"head_seq":1}')
