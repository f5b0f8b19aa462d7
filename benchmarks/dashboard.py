"""Benchmark: the lead's pages over a synthetic force, against a trivial page in the same run.

    python benchmarks/dashboard.py --people 50000
    python benchmarks/dashboard.py --people 50000 --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Uses the synthetic force of ``benchmarks/compliance.py`` (SQLite: cached under
``benchmarks/.data/`` and copied to a scratch file; PostgreSQL: a scratch database, dropped
afterwards), brought to the newest migration, with thirteen weeks of snapshots for the trend.
A host app embeds the library with an admin lead signed in, and the pages are requested through
Flask's test client (the whole request: routing, permissions, queries, templates). It times:

* the standings' first refresh (the whole force judged and written, as the nightly job does);
* a trivial page of the same app (one query, a small template): the baseline for this machine;
* the dashboard, the first and a late page of the people list (median of ``--repeat`` runs);
* the full people-list CSV export, read to the end, and its peak Python memory (tracemalloc,
  in a separate run), beside the same export of about a tenth of the force (one in ten units):
  flat memory means the two peaks are about the same.

The last line is ``RESULT people=N dashboard_ms=.. list_ms=.. export_s=.. export_peak_mb=..
trivial_ms=..``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import compliance

from cpd_tracker import CPDTracker, migration
from cpd_tracker.judging import standings
from cpd_tracker.models import CurrentStanding, Learner, Role, Snapshot, SnapshotCount
from cpd_tracker.queries.dashboard import TREND_WEEKS

AS_OF = compliance.DATA_END


class BenchLead:
    """An admin lead of the whole force, always signed in."""

    is_authenticated = True
    cpd_admin = True
    cpd_lead_scopes = ("force",)

    def get_id(self) -> str:
        return "bench-lead"


def host(url: str) -> tuple[Flask, SQLAlchemy]:
    app = Flask("bench")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="benchmark",
                      **compliance.SETTINGS_CONFIG)
    db = SQLAlchemy(app)
    lead = BenchLead()
    CPDTracker(app, db=db, current_user=lambda: lead)

    @app.route("/trivial")
    def trivial() -> str:
        found = db.session.scalar(sa.select(sa.func.count()).select_from(Role))
        return render_template_string("<p>{{ found }} roles</p>", found=found)

    return app, db


def seed_trend(engine: sa.Engine) -> None:
    """Thirteen weekly snapshots copied from today's standings (the trend the dashboard
    reads; their figures do not matter here, their number of rows does)."""
    with engine.begin() as connection:
        counts = connection.execute(
            sa.select(Role.code, Learner.org_unit, CurrentStanding.status, sa.func.count())
            .join(Learner, Learner.id == CurrentStanding.learner_id)
            .join(Role, Role.id == CurrentStanding.role_id)
            .group_by(Role.code, Learner.org_unit, CurrentStanding.status)).all()
        for week in range(TREND_WEEKS):
            snapshot_id = connection.execute(sa.insert(Snapshot).values(
                taken_on=AS_OF - timedelta(weeks=week), people=0, standings=0
            ).returning(Snapshot.id)).scalar_one()
            connection.execute(sa.insert(SnapshotCount), [
                {"snapshot_id": snapshot_id, "role_code": role, "org_unit": unit,
                 "status": status, "count": count} for role, unit, status, count in counts])


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median seconds of ``repeat`` runs, and the last run's result."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def get(client: Any, url: str) -> Any:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}: {response.get_data()[:300]!r}")
    return response


def read_export(client: Any, url: str) -> int:
    """Request an export and read its stream to the end; its size in bytes."""
    response = client.get(url, buffered=False)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    return size


def peak_mb(client: Any, url: str) -> float:
    tracemalloc.start()
    try:
        read_export(client, url)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(url: str, people: int, repeat: int) -> dict[str, Any]:
    engine = sa.create_engine(url)
    migration.upgrade(engine)
    engine.dispose()
    app, db = host(url)
    figures: dict[str, Any] = {}
    with app.app_context():
        state = app.extensions["cpd_tracker"]
        started = time.perf_counter()
        report = standings.refresh(db.session, state.settings, today=AS_OF)
        figures["refresh_s"] = time.perf_counter() - started
        figures["standings"] = report.standings
        seed_trend(db.engine)
        units = list(db.session.scalars(sa.select(Learner.org_unit).distinct()
                                        .order_by(Learner.org_unit)))
    state.today = lambda: AS_OF  # the force's data ends on AS_OF; judge as of that day
    client = app.test_client()
    get(client, "/cpd/dashboard")  # warm: templates compiled, caches filled
    figures["trivial"], _ = timed(lambda: get(client, "/trivial"), repeat)
    figures["dashboard"], _ = timed(lambda: get(client, "/cpd/dashboard"), repeat)
    figures["first"], _ = timed(lambda: get(client, "/cpd/people"), repeat)
    late = max(1, -(-figures["standings"] // 50) - 1)
    figures["late_page"] = late
    figures["late"], _ = timed(lambda: get(client, f"/cpd/people?page={late}"), repeat)
    figures["at_risk"], _ = timed(
        lambda: get(client, "/cpd/people?status=at-risk&sort=due&page=3"), repeat)
    figures["export"], size = timed(lambda: read_export(client, "/cpd/people/export.csv"), 1)
    figures["export_bytes"] = size
    figures["export_peak_mb"] = peak_mb(client, "/cpd/people/export.csv")
    tenth = units[::10]
    query = "&".join(f"unit={unit}" for unit in tenth[:1])
    figures["export_tenth_peak_mb"] = peak_mb(client, f"/cpd/people/export.csv?{query}")
    with app.app_context():
        db.engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (default), or a PostgreSQL URL to build a scratch database")
    parser.add_argument("--regenerate", action="store_true",
                        help="Generate the synthetic SQLite force again instead of the cache.")
    args = parser.parse_args(argv)

    if args.database == "sqlite":
        cached, info = compliance.sqlite_force(args.people, args.regenerate)
        cached.dispose()
        scratch = Path(tempfile.mkdtemp(prefix="cpd-bench-dashboard-")) / "force.sqlite"
        shutil.copyfile(info["path"], scratch)
        try:
            figures = run(f"sqlite:///{scratch}", args.people, args.repeat)
        finally:
            shutil.rmtree(scratch.parent, ignore_errors=True)
        name = "SQLite"
    else:
        with compliance.postgresql_force(args.database, args.people,
                                         "cpd_bench_dashboard") as (engine, _info):
            figures = run(engine.url.render_as_string(hide_password=False), args.people,
                          args.repeat)
        name = "PostgreSQL"

    ms = {key: figures[key] * 1000 for key in ("trivial", "dashboard", "first", "late",
                                               "at_risk")}
    print(f"{name}, {args.people:,} people, {figures['standings']:,} standings, as of {AS_OF}")
    print(f"standings' first refresh (whole force): {figures['refresh_s']:.2f} s")
    print(f"{'trivial page:':<32}{ms['trivial']:8.1f} ms")
    for key, label in (("dashboard", "dashboard"), ("first", "people, first page"),
                       ("late", f"people, page {figures['late_page']}"),
                       ("at_risk", "people, at risk by due, page 3")):
        print(f"{label + ':':<32}{ms[key]:8.1f} ms  ({ms[key] / ms['trivial']:.1f}x trivial)")
    print(f"people CSV export: {figures['export']:.2f} s, {figures['export_bytes'] / 2**20:.1f} "
          f"MiB; peak Python memory {figures['export_peak_mb']:.1f} MiB (one unit's export: "
          f"{figures['export_tenth_peak_mb']:.1f} MiB)")
    list_ms = max(ms["first"], ms["late"])
    print(f"RESULT people={args.people} dashboard_ms={ms['dashboard']:.0f} list_ms={list_ms:.0f} "
          f"export_s={figures['export']:.2f} export_peak_mb={figures['export_peak_mb']:.1f} "
          f"trivial_ms={ms['trivial']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
