"""Fixtures: a real database (SQLite, or PostgreSQL when CPD_TEST_DATABASE_URL says so), the
library's migrations run on it once, and a host app embedding the library for each test.

PostgreSQL runs get a database of their own, created for the run and dropped after it, so the
suite never touches what else lives on the server. Under pytest-xdist each worker is a session of
its own, so each worker gets its own database too.

Nothing a test leaves behind goes into the checkout: screenshots go to ``CPD_TEST_OUTPUT`` (a
temporary folder unless set, named at the end of the run), the demo's evidence files to pytest's
temporary folder, and a run that leaves new files in a git checkout fails (see
:func:`pytest_sessionfinish`).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from cpd_tracker import migration
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import db
from tests.factories import framework
from tests.smtp_server import SMTPServer

DATABASE_ENV = "CPD_TEST_DATABASE_URL"
OUTPUT_ENV = "CPD_TEST_OUTPUT"
HYPOTHESIS_ENV = "CPD_HYPOTHESIS_PROFILE"

# Hypothesis keeps its example database (the failing examples it tries first next time) and a
# cache of constants in ./.hypothesis unless told otherwise: the user's cache, not the checkout.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                            / "cpd-tracker" / "hypothesis")
# CPD_HYPOTHESIS_PROFILE=ci (.ci/run) is deterministic (the same examples on every run), has no
# deadline to trip on a busy machine and remembers nothing between runs; otherwise Hypothesis's
# defaults. (No faster profile for the fast loop: the slow property tests set their own number
# of examples, so one would save a second or so.)
settings.register_profile("ci", derandomize=True, deadline=None, database=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get(HYPOTHESIS_ENV) or "default")


# --- What the tests leave behind, and never in the checkout -------------------------------------

_checkout_key = pytest.StashKey["set[str] | None"]()
_left_behind_key = pytest.StashKey["list[str]"]()
#: What running the suite may create in a checkout: environments, caches, build metadata (the
#: packaging tests build the wheel from the checkout).
_ALLOWED = re.compile(r"(^|/)(\.venv[^/]*|__pycache__|\.pytest_cache|\.ruff_cache"
                      r"|[^/]*\.egg-info|build)(/|$)")


def _is_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (the controller reports and checks)."""
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _is_worker(config):
        return
    # One output folder for the whole run; the workers inherit it with the environment.
    if not os.environ.get(OUTPUT_ENV):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        os.environ[OUTPUT_ENV] = str(Path(tempfile.gettempdir())
                                     / f"cpd-test-output-{stamp}-{os.getpid()}")
    config.stash[_checkout_key] = _checkout_state(config.rootpath)


def output_folder() -> Path:
    """Where tests leave what a person may want to look at (screenshots, exported files)."""
    return Path(os.environ.get(OUTPUT_ENV) or Path(tempfile.gettempdir()) / "cpd-test-output")


def _checkout_state(root: Path) -> set[str] | None:
    """The files in the checkout that git does not track, ignored or not (``None``: not a git
    checkout). Changes to tracked files are left out: someone may be editing while it runs."""
    try:
        found = subprocess.run(
            ["git", "status", "--porcelain", "--ignored", "--untracked-files=all", "--",
             ".", ":(exclude).venv*", ":(exclude)**/__pycache__"],
            cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if found.returncode != 0:
        return None
    return {line for line in found.stdout.splitlines()
            if line[:2] in ("??", "!!") and not _ALLOWED.search(line[3:].strip('"'))}


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run if the tests left files in the checkout (when it is a git checkout): they
    belong in ``tmp_path`` or the output folder."""
    config = session.config
    before = config.stash.get(_checkout_key, None)
    if _is_worker(config) or before is None:
        return
    after = _checkout_state(config.rootpath) or set()
    # What may be written there on purpose: CPD_TEST_OUTPUT, if set to a folder in the
    # checkout, and the golden statements when CPD_UPDATE_GOLDEN asks to rewrite them.
    wanted = [output_folder().resolve()]
    if os.environ.get("CPD_UPDATE_GOLDEN"):
        wanted.append((config.rootpath / "tests" / "fixtures").resolve())
    left = sorted(line[3:] for line in after - before if not any(
        (config.rootpath / line[3:].strip('"')).resolve().is_relative_to(folder)
        for folder in wanted))
    if left:
        config.stash[_left_behind_key] = left
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    folder = output_folder()
    if folder.is_dir() and any(folder.iterdir()):
        terminalreporter.write_line(f"Test output (screenshots, exports): {folder}")
    left = terminalreporter.config.stash.get(_left_behind_key, [])
    if left:
        terminalreporter.write_line(
            "FAILED: the tests left files in the checkout (use tmp_path or the output_dir "
            f"fixture instead): {', '.join(left)}", red=True, bold=True)


@pytest.fixture(scope="session", autouse=True)
def demo_evidence_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The demo keeps evidence files in ./cpd-demo-evidence unless told otherwise: tell it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CPD_DEMO_EVIDENCE_FOLDER", str(tmp_path_factory.mktemp("demo-evidence")))
        yield


# --- Databases ----------------------------------------------------------------------------------

@contextmanager
def new_database(folder: Path) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file in ``folder``, or a database of its own on
    the PostgreSQL server of CPD_TEST_DATABASE_URL, dropped afterwards."""
    server_url = os.environ.get(DATABASE_ENV)
    if not server_url:
        yield f"sqlite:///{folder / f'cpd-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    url = make_url(server_url)
    if url.get_backend_name() != "postgresql":
        raise pytest.UsageError(f"{DATABASE_ENV} must be a PostgreSQL URL, got {server_url}")
    name = f"cpd_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an empty database for this run (this worker's, under pytest-xdist)."""
    with new_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    """The test database with the library's migrations applied (once per run)."""
    engine = sa.create_engine(database_url)
    migration.upgrade(engine)
    engine.dispose()
    return database_url


MigratedDatabase = Callable[[], AbstractContextManager[str]]


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> MigratedDatabase:
    """Make another migrated database, for a world a whole module reads (built once, on a
    database of its own so the other tests' emptying leaves it alone)."""
    @contextmanager
    def make() -> Iterator[str]:
        with new_database(tmp_path_factory.mktemp("db")) as url:
            engine = sa.create_engine(url)
            migration.upgrade(engine)
            engine.dispose()
            yield url

    return make


@contextmanager
def demo_app(url: str, evidence: Path, **config: object) -> Iterator[Flask]:
    """The demo force LMS (a real host app) on ``url``, its tables emptied afterwards."""
    app = create_app(url, config={"TESTING": True, "CPD_EVIDENCE_FOLDER": str(evidence),
                                  **config})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def app(migrated_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The demo force LMS (a real host app) on the test database, emptied after each test;
    evidence files go to a folder of the test's own."""
    with demo_app(migrated_url, tmp_path / "evidence") as app:
        yield app


#: Each database's tables, children first, by URL and the names of the tables it has: reflecting
#: the schema took a fifth of every database test, and it only changes when a test adds tables.
_EMPTYING_ORDER: dict[tuple[str, frozenset[str]], list[sa.Table]] = {}


def empty_tables(engine: sa.Engine) -> None:
    """Delete every row of every table (the library's, the demo's, any a test made), children
    first."""
    names = frozenset(sa.inspect(engine).get_table_names()) - {migration.VERSION_TABLE}
    key = (engine.url.render_as_string(hide_password=False), names)
    if key not in _EMPTYING_ORDER:
        metadata = sa.MetaData()
        metadata.reflect(engine, only=list(names))
        _EMPTYING_ORDER[key] = list(reversed(metadata.sorted_tables))
    with engine.begin() as connection:
        for table in _EMPTYING_ORDER[key]:
            connection.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A folder for what a test leaves behind to look at (screenshots), per test."""
    folder = output_folder() / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


CHROMIUM = os.environ.get("CPD_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The demo host served on a free port of localhost, in a thread, for a real browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(live_server: str):
    """A page of headless Chromium (Debian's, or CPD_CHROMIUM) on the live server; Playwright
    cannot download its own browser here."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(base_url=live_server, accept_downloads=True,
                                      viewport={"width": 1100, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


#: The sender and LMS home page of the mail tests' host.
SENDER = "cpd@force.example"
HOME = "https://lms.force.example"


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    """A real SMTP server on localhost (aiosmtpd) that keeps what it receives."""
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(migrated_url: str, tmp_path: Path, smtp: SMTPServer) -> Iterator[Flask]:
    """The demo host (IPP example loaded) sending mail to the test SMTP server; no digests
    unless a test asks for them; emptied after each test."""
    with demo_app(migrated_url, tmp_path / "evidence", MAIL_SERVER=smtp.host,
                  MAIL_PORT=smtp.port, CPD_MAIL_SENDER=SENDER, CPD_LMS_HOME_PAGE=f"{HOME}/",
                  CPD_DIGEST_DAY=None) as app:
        framework(app)
        yield app
