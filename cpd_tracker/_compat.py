"""The import paths of cpd-tracker 0.1, kept working for one release with a DeprecationWarning.

The package was reorganised into layers (see ``docs/architecture.md`` and the changelog): what
was ``cpd_tracker.activities`` is now ``cpd_tracker.services.activities`` and
``cpd_tracker.queries.activities``, and so on. A host's ``from cpd_tracker.activities import
log_activity`` still works: an old module path is served by a stand-in module whose names are
looked up, on first use, in the modules that hold them now (:data:`HOMES`), and a few names
that were renamed are found under their new names (:data:`RENAMED`). Modules are found by name
(``importlib``), so nothing here imports the package statically and no layer depends on it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

#: Old module path -> the modules that hold its names now, searched in order.
HOMES: dict[str, tuple[str, ...]] = {
    "cpd_tracker.accreditation": (
        "cpd_tracker.services.accreditation", "cpd_tracker.judging.accreditation",
        "cpd_tracker.queries.accreditation", "cpd_tracker.engine.accreditation",
        "cpd_tracker.projection.accreditation", "cpd_tracker.record.identities"),
    "cpd_tracker.accreditation_projection": ("cpd_tracker.projection.accreditation",),
    "cpd_tracker.accreditation_standing": ("cpd_tracker.judging.accreditation",
                                           "cpd_tracker.queries.accreditation"),
    "cpd_tracker.accreditation_status": ("cpd_tracker.engine.accreditation",),
    "cpd_tracker.activities": ("cpd_tracker.services.activities",
                               "cpd_tracker.queries.activities"),
    "cpd_tracker.allowances": ("cpd_tracker.services.allowances",
                               "cpd_tracker.projection.allowances",
                               "cpd_tracker.record.identities"),
    "cpd_tracker.assessment": ("cpd_tracker.judging.assessment",),
    "cpd_tracker.cli": ("cpd_tracker.cli.db", "cpd_tracker.cli.frameworks",
                        "cpd_tracker.cli.allowances", "cpd_tracker.cli.lrs",
                        "cpd_tracker.cli.jobs", "cpd_tracker.cli.accreditation"),
    "cpd_tracker.compliance": ("cpd_tracker.engine.compliance", "cpd_tracker.engine.pro_rata",
                               "cpd_tracker.engine.words"),
    "cpd_tracker.crediting": ("cpd_tracker.projection.crediting",),
    "cpd_tracker.cycles": ("cpd_tracker.engine.cycles",),
    "cpd_tracker.dashboard": ("cpd_tracker.queries.dashboard",),
    "cpd_tracker.digest": ("cpd_tracker.reminders.digest",),
    "cpd_tracker.evidence": ("cpd_tracker.services.evidence", "cpd_tracker.projection.evidence",
                             "cpd_tracker.queries.verification",
                             "cpd_tracker.queries.activities"),
    "cpd_tracker.export": ("cpd_tracker.exports.pdr", "cpd_tracker.exports.pdr_pdf"),
    "cpd_tracker.extension": ("cpd_tracker.state",),
    "cpd_tracker.extracts": ("cpd_tracker.exports.extracts",),
    "cpd_tracker.force_cli": ("cpd_tracker.cli.force",),
    "cpd_tracker.forms": ("cpd_tracker.web.forms",),
    "cpd_tracker.history": ("cpd_tracker.queries.history",),
    "cpd_tracker.importing": ("cpd_tracker.services.importing",
                              "cpd_tracker.services.import_file"),
    "cpd_tracker.learners": ("cpd_tracker.record.learners",),
    "cpd_tracker.mail": ("cpd_tracker.reminders.mail",),
    "cpd_tracker.openapi": ("cpd_tracker.web.openapi",),
    "cpd_tracker.people": ("cpd_tracker.queries.people",),
    "cpd_tracker.projection": ("cpd_tracker.projection.activities",),
    "cpd_tracker.recording": ("cpd_tracker.services.recording", "cpd_tracker.projection"),
    "cpd_tracker.reminder_log": ("cpd_tracker.queries.reminder_log",),
    "cpd_tracker.reminder_outbox": ("cpd_tracker.reminders.outbox",),
    "cpd_tracker.reminders": ("cpd_tracker.reminders.due", "cpd_tracker.reminders.stages"),
    "cpd_tracker.reports": ("cpd_tracker.exports.reports", "cpd_tracker.engine.words"),
    "cpd_tracker.requirements": ("cpd_tracker.engine.requirements",),
    "cpd_tracker.snapshots": ("cpd_tracker.judging.snapshots",),
    "cpd_tracker.standings": ("cpd_tracker.judging.standings", "cpd_tracker.marks",
                              "cpd_tracker.projection.marks"),
    "cpd_tracker.statements": ("cpd_tracker.record.statements", "cpd_tracker.record.identities",
                               "cpd_tracker.record.accreditation_statements"),
    "cpd_tracker.storage": (),
    "cpd_tracker.views": ("cpd_tracker.web",),
    **{f"cpd_tracker.views.{name}": (f"cpd_tracker.web.{name}",)
       for name in ("accreditation", "api", "auth", "force", "imports", "lead", "officer",
                    "records")},
}

#: Names that were renamed: (old module, old name) -> "new.module:new_name".
RENAMED: dict[tuple[str, str], str] = {
    ("cpd_tracker.people", "parse_day"): "cpd_tracker.arguments:day",
    **{(module, name): "cpd_tracker.errors:Refused" for module, name in (
        ("cpd_tracker.activities", "ActivityRejected"),
        ("cpd_tracker.accreditation", "AccreditationRefused"),
        ("cpd_tracker.allowances", "AllowanceRefused"),
        ("cpd_tracker.evidence", "DecisionRefused"),
        ("cpd_tracker.storage", "EvidenceRejected"),
        ("cpd_tracker.evidence", "EvidenceRejected"),
        ("cpd_tracker.people", "BadFilter"),
        ("cpd_tracker.reminder_log", "BadFilter"))},
    **{(module, name): "cpd_tracker.paging:Page" for module, name in (
        ("cpd_tracker.evidence", "QueuePage"), ("cpd_tracker.people", "PeoplePage"),
        ("cpd_tracker.reminder_log", "LogPage"))},
    ("cpd_tracker.digest", "in_scope"): "cpd_tracker._compat:digest_in_scope",
    ("cpd_tracker.views.auth", "MAX_PAGE"): "cpd_tracker.paging:MAX_PAGE",
    ("cpd_tracker.cli", "scheduler"): "cpd_tracker.cli.jobs:run_scheduler",
    ("cpd_tracker.cli", "remind"): "cpd_tracker.cli.jobs:remind_command",
    ("cpd_tracker.cli", "snapshot"): "cpd_tracker.cli.jobs:snapshot_command",
    ("cpd_tracker.views.force", "dashboard"): "cpd_tracker.web.force:dashboard_page",
    ("cpd_tracker.views.force", "people"): "cpd_tracker.web.force:people_page",
}


def digest_in_scope(access: Any, role_code: str, org_unit: str | None) -> bool:
    """0.1's ``digest.in_scope``: now ``access.leads(org_unit, (role_code,))``."""
    return bool(access.leads(org_unit, (role_code,)))


def moved(old: str, name: str) -> Any:
    """``name`` of the 0.1 module ``old``, from wherever it lives now, with a warning."""
    target = RENAMED.get((old, name))
    if target is not None:
        module_name, _, attribute = target.partition(":")
        found = getattr(importlib.import_module(module_name), attribute)
        where = f"{module_name}.{attribute}"
    else:
        holders = [home for home in HOMES.get(old, ())
                   if name in vars(importlib.import_module(home))]
        if not holders:
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        found = vars(importlib.import_module(holders[0]))[name]
        # Name the module that defines it, not one that merely imports it (which may stop).
        home = next((home for home in holders
                     if getattr(found, "__module__", None) == home), holders[0])
        where = f"{home}.{name}"
    warnings.warn(f"{old}.{name} is now {where}; the old path goes in the next release",
                  DeprecationWarning, stacklevel=3)
    return found


def module_getattr(old: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` serving the 0.1 names of ``old`` that moved away (for modules
    and packages that kept their path but lost names)."""
    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return moved(old, name)
    return __getattr__


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the 0.1 module paths that no longer exist as stand-in modules."""

    def find_spec(self, fullname: str, path: Any, target: Any = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in HOMES:
            return None
        is_package = any(other.startswith(fullname + ".") for other in HOMES)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        warnings.warn(f"{module.__name__} is now {', '.join(HOMES[module.__name__])}; the old "
                      "path goes in the next release", DeprecationWarning, stacklevel=2)
        module.__getattr__ = module_getattr(module.__name__)  # type: ignore[method-assign]
        if module.__spec__ is not None and module.__spec__.submodule_search_locations is not None:
            module.__path__ = []


def install() -> None:
    """Serve the 0.1 paths (after every real module: a path that exists is never shadowed)."""
    if not any(isinstance(finder, _OldPaths) for finder in sys.meta_path):
        sys.meta_path.append(_OldPaths())
