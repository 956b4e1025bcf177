"""Fixtures of the replication tests: a 3-node JetStream cluster on
loopback, stopped at the end of each test even when it fails."""
import pytest

from cluster import Cluster


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(str(tmp_path))
    try:
        c.start_all()
        yield c
    finally:
        c.stop()
