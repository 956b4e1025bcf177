"""Fixtures of the Python module's tests: the annal CLI (ANNAL_CLI, set by
ctest, for the stores and outputs the module is compared with), generated
stores, and a fresh directory per test. The module itself is imported from
the build tree (PYTHONPATH, set by ctest) or an installed package."""
import os
import subprocess

import pytest
from hypothesis import settings

import annal

# No example database in the source tree: every run draws afresh (and a
# failure prints its falsifying example, which is what to keep).
settings.register_profile("annal", database=None)
settings.load_profile("annal")

ANNAL = os.environ.get("ANNAL_CLI", "annal")

PROJECTIONS = list(annal.PROJECTIONS)
# Every projection, and every `due`/`state` variant `annal query` takes.
VARIANTS = [(p, {}) for p in PROJECTIONS] + [
    ("active_tasks", {"due": 1700050000000000}),
    ("schedules", {"due": 1700095000000000}),
    ("approvals", {"due": -5}),
    ("approvals", {"due": 1700095000000000}),
    ("alarms", {"state": "open"}),
    ("alarms", {"state": "acked"}),
    ("alarms", {"state": "resolved"}),
]


def jsonl(text):
    """The lines of JSONL output. Not str.splitlines(): that also splits at
    U+0085, U+2028 and U+2029, which JSON strings may hold unescaped."""
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def cli(*args, stdin=None, check=True):
    """Runs the CLI; returns its completed process (stdout as text)."""
    p = subprocess.run([ANNAL, *map(str, args)], input=stdin, capture_output=True,
                       text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"annal {' '.join(map(str, args))}: {p.stderr}")
    return p


def generated(n, seed=3):
    """`annal generate n --seed seed`: a valid event stream, as JSONL lines."""
    return jsonl(cli("generate", n, "--seed", seed).stdout)


def cli_store(path, lines, *flags):
    """A store of `lines` imported by the CLI."""
    cli("--db", path, "import", "-", *flags, stdin="".join(l + "\n" for l in lines))
    return str(path)


def cli_rows(db, name, opts=None, as_of=None):
    args = ["--db", db, "query", name]
    for k, v in (opts or {}).items():
        args += [f"--{k}", v]
    if as_of is not None:
        args += ["--as-of", as_of]
    return jsonl(cli(*args).stdout)


def json_rows(rows):
    return [r.to_json() for r in rows]


def all_rows(snap, name, opts, limit=None):
    """Every row of a query, page by page when `limit` is given."""
    if limit is None:
        return json_rows(snap.query(name, **opts))
    out, after = [], None
    while True:
        page = snap.query(name, limit=limit, after=after, **opts)
        assert len(page) <= limit
        out += json_rows(page)
        if page.next is None:
            return out
        after = page.next


@pytest.fixture(scope="session")
def big(tmp_path_factory):
    """A 200,000-event store imported by the CLI, and its event lines."""
    lines = generated(200_000)
    path = cli_store(tmp_path_factory.mktemp("big") / "store", lines, "--no-sync")
    return path, lines


@pytest.fixture
def store(tmp_path):
    with annal.open(str(tmp_path / "store")) as s:
        yield s
