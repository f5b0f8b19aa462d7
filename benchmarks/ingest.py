"""Benchmark: statements POSTed to the LRS API over HTTP, against a bare ``executemany``.

    python benchmarks/ingest.py --statements 20000 --batch 100

Generates realistic e-learning statements (an LMS reporting officers' module completions,
passes and attempts: account actors, activity definitions, results with scores and durations,
registrations, context activities, extensions), then measures, in the same run:

* the baseline: the same statements' rows inserted into ``xapi_statement`` with one bare
  SQLAlchemy Core ``executemany`` per batch and a commit per batch, no validation, no indexes
  of mentions, no HTTP;
* the LRS: the demo app served by werkzeug in a separate process on 127.0.0.1 (one worker
  thread per request), with ``--clients`` client threads POSTing batches of ``--batch``
  statements with HTTP Basic, each answered only once committed.

Each runs on a fresh, migrated database of its own: SQLite files under a temporary directory
by default, or scratch PostgreSQL databases when ``CPD_BENCH_DATABASE_URL`` names a server.
The last line is ``RESULT statements=N per_second=R baseline_per_second=B ratio=B/R``.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import random
import socket
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cpd_tracker import migration
from xapi import StatementRecord, actor_key

CLIENT, SECRET = "bench-lms", "bench-secret"
HOME = "https://learning.bench-force.police.uk/"
VERBS = ["http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed",
         "http://adlnet.gov/expapi/verbs/attempted", "http://adlnet.gov/expapi/verbs/failed"]
TYPES = ["http://adlnet.gov/expapi/activities/module", "http://adlnet.gov/expapi/activities/course",
         "http://adlnet.gov/expapi/activities/assessment"]


def statements(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` statements an LMS would send: 2,000 officers, 300 modules in 30 courses."""
    rng = random.Random(seed)
    start = datetime(2026, 4, 1, 8, tzinfo=timezone.utc)
    made = []
    for _ in range(count):
        module = rng.randrange(300)
        course = module // 10
        verb = rng.choice(VERBS)
        minutes = rng.randrange(10, 120)
        made.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {"objectType": "Agent", "name": f"Officer {rng.randrange(2000)}",
                      "account": {"homePage": HOME, "name": f"officer-{rng.randrange(2000)}"}},
            "verb": {"id": verb, "display": {"en-GB": verb.rsplit("/", 1)[1]}},
            "object": {"objectType": "Activity",
                       "id": f"https://learning.bench-force.police.uk/modules/{module}",
                       "definition": {"name": {"en-GB": f"Module {module}: intelligence handling"},
                                      "description": {"en-GB": "An e-learning module."},
                                      "type": rng.choice(TYPES)}},
            "result": {"score": {"scaled": round(rng.random(), 2), "raw": rng.randrange(101),
                                 "min": 0, "max": 100},
                       "success": verb != VERBS[3], "completion": verb in VERBS[:2],
                       "duration": f"PT{minutes}M{rng.randrange(60)}S"},
            "context": {"registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "platform": "Force LMS", "language": "en-GB",
                        "contextActivities": {"parent": [{
                            "id": f"https://learning.bench-force.police.uk/courses/{course}",
                            "objectType": "Activity"}]},
                        "extensions": {"https://learning.bench-force.police.uk/ext/unit":
                                       f"unit-{rng.randrange(40)}"}},
            "timestamp": (start + timedelta(minutes=rng.randrange(300_000))).isoformat(),
        })
    return made


def scratch_databases(names: list[str]) -> tuple[list[str], Any]:
    """Fresh database URLs, and a function that drops them afterwards."""
    server = os.environ.get("CPD_BENCH_DATABASE_URL")
    if not server:
        folder = Path(tempfile.mkdtemp(prefix="cpd-ingest-"))
        return [f"sqlite:///{folder / name}.sqlite" for name in names], lambda: None
    url = make_url(server)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return [url.set(database=name).render_as_string(hide_password=False) for name in names], drop


def baseline(url: str, batches: list[list[dict[str, Any]]]) -> float:
    """Seconds to insert every statement's row with a bare executemany per batch."""
    engine = sa.create_engine(url)
    migration.upgrade(engine)
    table = StatementRecord.__table__
    authority = {"objectType": "Agent", "account": {"homePage": HOME, "name": CLIENT}}
    started = time.perf_counter()
    for batch in batches:
        now = datetime.now(timezone.utc)
        rows = [{"id": s["id"], "actor_key": actor_key(s["actor"]), "verb_id": s["verb"]["id"],
                 "object_type": "Activity", "object_key": s["object"]["id"],
                 "registration": s["context"]["registration"],
                 "timestamp": datetime.fromisoformat(s["timestamp"]), "stored": now,
                 "authority_key": actor_key(authority), "voided": False,
                 "document": {**s, "stored": now.isoformat(), "authority": authority}}
                for s in batch]
        with engine.begin() as connection:
            connection.execute(table.insert(), rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def serve(url: str, port: int, ready: Any) -> None:
    """The LRS in its own process: the demo host app on a fresh database, one client."""
    import logging

    from werkzeug.serving import make_server

    from cpd_tracker.demo import create_app
    from cpd_tracker.demo.models import db
    from cpd_tracker.record.identities import client_authority
    from cpd_tracker.state import get_state
    from xapi.clients import create_client

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(url)
    with app.app_context():
        migration.upgrade(db.engine)
        db.create_all()
        create_client(db.session, CLIENT, secret=SECRET,
                      authority=client_authority(get_state(app).settings, CLIENT))
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    ready.set()
    server.serve_forever()


def post_all(port: int, batches: list[list[dict[str, Any]]], clients: int) -> float:
    """Seconds for ``clients`` threads to POST every batch (each answered once committed)."""
    auth = "Basic " + base64.b64encode(f"{CLIENT}:{SECRET}".encode()).decode()
    queue = list(enumerate(batches))
    lock = threading.Lock()
    failures: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                _, batch = queue.pop()
            body = json.dumps(batch)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("POST", "/xapi/statements", body=body, headers={
                "Authorization": auth, "Content-Type": "application/json",
                "X-Experience-API-Version": "1.0.3"})
            response = connection.getresponse()
            answer = response.read()
            connection.close()
            if response.status != 200 or len(json.loads(answer)) != len(batch):
                failures.append(f"{response.status} {answer[:200]!r}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} batches failed, e.g. {failures[0]}")
    return elapsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=2, help="concurrent client threads")
    args = parser.parse_args()
    made = statements(args.statements)
    batches = [made[i:i + args.batch] for i in range(0, len(made), args.batch)]
    (lrs_url, base_url), drop = scratch_databases(["cpd_bench_ingest", "cpd_bench_baseline"])
    try:
        print(f"{args.statements} statements in batches of {args.batch}, "
              f"{args.clients} client threads; database {make_url(lrs_url).get_backend_name()}")
        base_seconds = baseline(base_url, batches)
        port = free_port()
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        server = context.Process(target=serve, args=(lrs_url, port, ready), daemon=True)
        server.start()
        if not ready.wait(120):
            raise SystemExit("the LRS did not start")
        try:
            seconds = post_all(port, batches, args.clients)
        finally:
            server.terminate()
            server.join()
        engine = sa.create_engine(lrs_url)
        with engine.connect() as connection:
            stored = connection.scalar(sa.select(sa.func.count()).select_from(
                StatementRecord.__table__))
        engine.dispose()
        if stored != args.statements:
            raise SystemExit(f"expected {args.statements} stored statements, found {stored}")
    finally:
        drop()
    rate, base_rate = args.statements / seconds, args.statements / base_seconds
    print(f"baseline (bare executemany): {base_seconds:.2f} s, {base_rate:,.0f} statements/s")
    print(f"LRS over HTTP:               {seconds:.2f} s, {rate:,.0f} statements/s "
          f"({rate / (os.cpu_count() or 1):,.0f} per core on {os.cpu_count()} cores)")
    print(f"RESULT statements={args.statements} per_second={rate:.0f} "
          f"baseline_per_second={base_rate:.0f} ratio={base_rate / rate:.2f}")


if __name__ == "__main__":
    main()
