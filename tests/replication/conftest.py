"""Fixtures of the replication tests: a 3-node JetStream cluster on
loopback, stopped at the end of each test even when it fails (and then
with the tail of each node's log in the report)."""
import pytest

from cluster import Cluster


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    item.failed_report = getattr(item, "failed_report", False) or report.failed


@pytest.fixture
def cluster(tmp_path, request):
    c = Cluster(str(tmp_path))
    try:
        c.start_all()
        yield c
    finally:
        if getattr(request.node, "failed_report", False):
            print(c.logs())
        c.stop()
