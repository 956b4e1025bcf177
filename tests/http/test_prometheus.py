"""Debian's Prometheus scraping `annal serve` on loopback, with the rules of
deploy/prometheus: the series arrive, as its query API shows them, the
recording rules compute, and AnnalProjectorLag fires on a provoked lag (a
deferred store whose projector never ran). The rules are the shipped
file with that alert's threshold lowered and every `for` shortened, so
the test takes seconds, not minutes. Prometheus is started on a free port
and stopped at the end, even when the test fails."""
import json
import pathlib
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

from conftest import Server, make_store

RULES = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "annal.rules.yml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


def query(port, expr):
    return get(port, "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))["data"]["result"]


def wait_for(what, timeout=90, step=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = what()
            if got:
                return got
        except OSError:
            pass
        time.sleep(step)
    raise AssertionError("timed out")


def test_prometheus_scrapes_serve_and_the_lag_alert_fires(tmp_path):
    prometheus = shutil.which("prometheus")
    assert prometheus, "Debian's prometheus is not installed (tools/install-deps.sh)"
    db = make_store(tmp_path / "store", 2000, deferred=True)  # lag: 2000 events
    rules = RULES.read_text()
    assert "annal_lag_seconds > 30 or annal_lag_events > 100000" in rules
    rules = rules.replace("annal_lag_seconds > 30 or annal_lag_events > 100000",
                          "annal_lag_events > 100")
    rules = re.sub(r"for: \d+m", "for: 1s", rules)
    (tmp_path / "rules.yml").write_text(rules)
    serve = Server(db)
    port = free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "rule_files: [rules.yml]\n"
        "scrape_configs:\n"
        "  - job_name: annal\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{serve.port}']}}]\n")
    log = open(tmp_path / "prometheus.log", "w")
    prom = subprocess.Popen(
        [prometheus, f"--config.file={tmp_path / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        lag = wait_for(lambda: query(port, 'annal_lag_events{job="annal"}'))
        assert lag[0]["value"][1] == "2000"
        head = query(port, "annal_head_seq")
        assert head[0]["value"][1] == "2000"
        assert wait_for(lambda: query(port, "annal:map_used:ratio"))
        assert query(port, "annal_feed_clients_max")[0]["value"][1] == "64"

        def firing():
            alerts = get(port, "/api/v1/alerts")["data"]["alerts"]
            return [a for a in alerts if a["state"] == "firing"]
        alerts = wait_for(firing)
        assert [a["labels"]["alertname"] for a in alerts] == ["AnnalProjectorLag"], alerts
        assert alerts[0]["annotations"]["summary"].endswith("lag the log (2000)")
    finally:
        prom.terminate()
        try:
            prom.wait(timeout=20)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()
        log.close()
        serve.stop()
