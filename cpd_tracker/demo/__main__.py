"""``python -m cpd_tracker.demo``: upgrade and seed the demo database, then serve the demo LMS."""

from __future__ import annotations

import argparse

from cpd_tracker.demo import create_app, database_url
from cpd_tracker.demo.seed import prepare
from cpd_tracker.scheduler import create_scheduler, jobs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cpd_tracker.demo",
                                     description="Run the cpd-tracker demo force LMS.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL (default: $CPD_DEMO_DATABASE_URL or "
                             "./cpd-demo.sqlite)")
    args = parser.parse_args(argv)
    app = create_app(database_url(args.database_url))
    if prepare(app):
        print("Seeded the demo force.")
    print(f"Demo force LMS: http://{args.host}:{args.port}/  (CPD at /cpd/, LRS at /xapi/: "
          "demo-lms / demo-secret)")
    # The demo runs its scheduled jobs in-process; production runs `flask cpd scheduler`.
    scheduler = create_scheduler(app, background=True)
    scheduler.start()
    print(f"Scheduler on: {len(jobs(app))} job(s).")
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
