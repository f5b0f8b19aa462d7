"""Benchmark: one full reminder pass over a synthetic force, against the compliance report it
is built on, then a second pass that must send nothing.

    python benchmarks/reminders.py --people 50000

Uses the synthetic force of ``benchmarks/compliance.py`` (cached under ``benchmarks/.data/``),
copied to a scratch file so the cache stays clean, brought to the newest migration, with an
email for everyone. The pass runs as on 1 March 2027, thirty days before the IPP example's
cycles end, when everyone short of their requirement is due a reminder. It times, in the same
run:

* the baseline: ``assess`` for the whole force on that day (the report every reminder starts
  from);
* the pass: what is due (``reminders.due_reminders``), recorded in ``cpd_reminder`` under unique
  keys, claimed and "sent" one message a person through a transport that accepts at once (the
  pass's own work, not an SMTP server's);
* the second pass, which must record and send nothing.

The last line is ``RESULT people=N seconds=S due=D sent=X second_pass_sent=0``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import compliance

from cpd_tracker import migration
from cpd_tracker.judging.assessment import assess
from cpd_tracker.reminders import due as reminders
from cpd_tracker.reminders import outbox
from cpd_tracker.reminders.mail import MailSettings
from cpd_tracker.resources import resource_dir

AS_OF = date(2027, 3, 1)


class AcceptingTransport:
    """A mail transport that accepts every message at once, and counts them."""

    def __init__(self) -> None:
        self.messages = 0

    def send(self, message: EmailMessage) -> None:
        self.messages += 1

    def close(self) -> None:
        pass


def one_pass(engine: sa.Engine, settings: object, transport: AcceptingTransport
             ) -> tuple[float, outbox.RunReport]:
    started = time.perf_counter()
    with Session(engine) as session:
        due = reminders.due_reminders(session, settings, as_of=AS_OF)  # type: ignore[arg-type]
        report = outbox.run(
            session, due, as_of=AS_OF, transport=transport,
            mail=MailSettings(server="localhost", sender="cpd@bench.example"),
            lms_home_page="https://learning.bench-force.police.uk/")
    return time.perf_counter() - started, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--regenerate", action="store_true",
                        help="Generate the synthetic force again instead of using the cache.")
    args = parser.parse_args(argv)

    cached, info = compliance.sqlite_force(args.people, args.regenerate)
    cached.dispose()
    scratch = Path(tempfile.mkdtemp(prefix="cpd-bench-reminders-")) / "force.sqlite"
    shutil.copyfile(info["path"], scratch)
    engine = sa.create_engine(f"sqlite:///{scratch}")
    try:
        migration.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(sa.text(
                "UPDATE cpd_learner SET email = reference || '@bench.example'"))
        settings = compliance.settings()
        app = Flask("bench", template_folder=str(resource_dir("templates")))
        with app.app_context():
            with Session(engine) as session:
                started = time.perf_counter()
                standings = assess(session, settings, as_of=AS_OF)
                baseline = time.perf_counter() - started
            transport = AcceptingTransport()
            seconds, report = one_pass(engine, settings, transport)
            again_seconds, again = one_pass(engine, settings, AcceptingTransport())
    finally:
        engine.dispose()
        shutil.rmtree(scratch.parent, ignore_errors=True)

    print(f"people: {args.people:,}  judged: {len(standings):,} standings on {AS_OF}")
    print(f"baseline (assess, whole force): {baseline:.2f} s")
    print(f"first pass: {seconds:.2f} s ({seconds / baseline:.1f}x the baseline): {report}")
    print(f"second pass: {again_seconds:.2f} s: {again}")
    print(f"RESULT people={args.people} seconds={seconds:.2f} due={report.due} "
          f"sent={report.sent} second_pass_sent={again.sent}")
    return 0 if again.sent == 0 and again.recorded == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
