"""What ships: the wheel carries templates and migrations, and the demo runs from it.

These tests build the real wheel and install it, with its dependencies, into a fresh virtual
environment outside the source tree, so nothing of the checkout can stand in for what ships.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # sdist first, then the wheel from the unpacked sdist: what pip and PyPI users get, and no
    # stale build/ folder of the checkout can leak in.
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                    str(ROOT)], check=True, capture_output=True)
    [built] = out.glob("cpd_tracker-*.whl")
    return built


def test_wheel_contains_templates_migrations_and_static_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "cpd_tracker/templates/cpd_tracker/base.html",
        "cpd_tracker/templates/cpd_tracker/my_cpd.html",
        "cpd_tracker/templates/cpd_tracker/log_activity.html",
        "cpd_tracker/templates/cpd_tracker/accreditation.html",
        "cpd_tracker/templates/cpd_tracker/mail/reminders.html",
        "cpd_tracker/templates/cpd_tracker/mail/reminders.txt",
        "cpd_tracker/migrations/versions/0005_reminders.py",
        "cpd_tracker/migrations/versions/0006_compliance_snapshots.py",
        "cpd_tracker/migrations/versions/0007_current_standings.py",
        "cpd_tracker/migrations/env.py",
        "cpd_tracker/migrations/script.py.mako",
        "cpd_tracker/migrations/versions/0001_foundation.py",
        "cpd_tracker/static/cpd_tracker/cpd.css",
        "cpd_tracker/demo/templates/demo/layout.html",
        "xapi/store.py",
    }
    assert expected <= names
    assert not any(name.startswith("tests/") for name in names)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_runs_from_a_non_editable_install(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   capture_output=True)
    where = subprocess.run([str(python), "-c", "import cpd_tracker; print(cpd_tracker.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert where.startswith(str(venv)), where

    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "CPD_DEMO_DATABASE_URL"}
    server = subprocess.Popen(
        [str(python), "-m", "cpd_tracker.demo", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        home = _get_when_up(f"http://127.0.0.1:{port}/", server)
        assert "Demo Force Learning" in home
        sign_in = _get_when_up(f"http://127.0.0.1:{port}/sign-in", server)
        assert "Sign in as DC Priya Shah" in sign_in
        css = _get_when_up(f"http://127.0.0.1:{port}/cpd/cpd-static/cpd_tracker/cpd.css", server)
        assert ".cpd-bar" in css
        about = _get_when_up(f"http://127.0.0.1:{port}/xapi/about", server)
        assert "1.0.3" in about
        assert (tmp_path / "cpd-demo.sqlite").exists()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "Seeded the demo force." in output
    assert "Scheduler on" in output


def _get_when_up(url: str, server: subprocess.Popen[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise AssertionError(f"demo exited early:\n{server.communicate()[0]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
