"""``flask cpd ...``: the commands a force's LMS team runs. Every command takes ``--help``.

The commands are for automation and for the LMS team; accreditation leads and administrators
do the same work in the pages. Each module holds one area's commands; this one gathers them
into the ``cpd`` group the extension adds to the host's ``flask`` command.
"""

from __future__ import annotations

from flask.cli import AppGroup

from cpd_tracker import _compat
from cpd_tracker.cli import (
    accreditation,
    allowances,
    cycles,
    db,
    force,
    frameworks,
    jobs,
    lrs,
)

cpd = AppGroup("cpd", help="cpd-tracker: continuing professional development records.")
for _command in (*db.COMMANDS, *frameworks.COMMANDS, *allowances.COMMANDS, *lrs.COMMANDS,
                 *jobs.COMMANDS, *accreditation.COMMANDS, *force.COMMANDS, *cycles.COMMANDS):
    cpd.add_command(_command)

#: The names this module had in 0.1 and that live elsewhere now (for one more release).
__getattr__ = _compat.module_getattr("cpd_tracker.cli")
