"""``python -m cpd_tracker.demo``: upgrade and seed the demo database, then serve the demo LMS."""

from __future__ import annotations

import argparse
import socket

from werkzeug.serving import make_server

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
    # Take the port before anything else, so a second demo started by mistake stops here,
    # before it seeds or starts a second scheduler on the same database.
    try:
        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
            # As the server will: a port left in TIME_WAIT by a demo just stopped is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((args.host, args.port))
    except OSError as error:
        raise SystemExit(f"Cannot listen on {args.host}:{args.port} ({error.strerror or error}). "
                         "Is the demo already running? Start another on a free port with "
                         f"scripts/demo --port {args.port + 1}.") from None
    server = make_server(args.host, args.port, app, threaded=True)
    if prepare(app):
        print("Seeded the demo force.")
    print(f"Demo force LMS: http://{args.host}:{server.server_port}/  (CPD at /cpd/, LRS at "
          "/xapi/: demo-lms / demo-secret)")
    # The demo runs its scheduled jobs in-process; production runs `flask cpd scheduler`.
    scheduler = create_scheduler(app, background=True)
    scheduler.start()
    print(f"Scheduler on: {len(jobs(app))} job(s).", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=False)


if __name__ == "__main__":
    main()
