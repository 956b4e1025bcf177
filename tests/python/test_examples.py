"""examples/python: the task runner and the dashboard run together (the
dashboard redraws on the runner's commits, from another process), and
Debian's mypy accepts them (--strict) against the package's types."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples", "python")


def run_example(name, *args, **kw):
    return subprocess.Popen([sys.executable, os.path.join(EXAMPLES, name), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kw)


def test_runner_and_dashboard(tmp_path):
    store = str(tmp_path / "store")
    first = run_example("task_runner.py", store, "--tasks", "4", "--workers", "1")
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    dash = run_example("dashboard.py", store, "--frames", "3")
    try:
        runner = run_example("task_runner.py", store, "--tasks", "12", "--seed", "2")
        out, err = runner.communicate(timeout=120)
        assert runner.returncode == 0, err
        assert "verify: identical" in out
        screen, err = dash.communicate(timeout=60)
        assert dash.returncode == 0, err
    finally:
        dash.kill()
        dash.wait()
    frames = screen.split("annal dashboard")
    assert len(frames) == 1 + 4  # the first drawing, then a redraw per commit
    assert "changed: -" in frames[1]
    # A commit may change no projection (tool_call_finished changes none).
    assert any("changed: -" not in f for f in frames[2:])
    once = run_example("dashboard.py", store, "--once")
    text, err = once.communicate(timeout=60)
    assert once.returncode == 0, err
    assert "autonomy level 2" in text


def mypy(*paths, cwd=None):
    env = dict(os.environ, MYPYPATH=os.environ.get("PYTHONPATH", ""))
    env.pop("LD_PRELOAD", None)  # the ASan build's runtime: mypy needs none
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           *paths], capture_output=True, text=True, env=env, cwd=cwd)


def test_mypy_accepts_the_examples():
    pytest.importorskip("mypy")
    p = mypy(EXAMPLES)
    assert p.returncode == 0, p.stdout + p.stderr


def test_mypy_catches_a_wrong_field_type(tmp_path):
    pytest.importorskip("mypy")
    bad = tmp_path / "bad.py"
    bad.write_text("import annal\n"
                   "annal.TaskCreated(task_id=1, name='x')\n"
                   "def f(s: annal.Snapshot) -> str:\n"
                   "    return s.alarms()[0].raised_at\n")
    p = mypy(str(bad))
    assert p.returncode == 1
    assert 'Argument "task_id" to "TaskCreated" has incompatible type "int"' in p.stdout
    assert 'Incompatible return value type (got "int", expected "str")' in p.stdout


def test_the_readme_lines(tmp_path):
    p = run_example("readme.py", str(tmp_path / "store"))
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert out == "['nightly backup']\n"
