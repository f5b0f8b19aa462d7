"""Loading a checked framework file into the database, and saying what changed.

Loading is all-or-nothing and says what changed. Versions are history: one that has come into
force is never changed or dropped, because cycles that started under it are judged by it; a
change of rules is a new version with a later ``effective_from``. Versions not yet in force may
be replaced or withdrawn freely. Roles are claimed by the framework that declares them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from cpd_tracker.engine.words import format_date
from cpd_tracker.frameworks.schema import (
    FrameworkError,
    FrameworkInvalid,
    FrameworkSpec,
    VersionSpec,
    parse,
)
from cpd_tracker.marks import mark_everyone
from cpd_tracker.models import Framework, FrameworkVersion, Role


def shipped(name: str) -> Path:
    """The path of a framework file shipped with the library (``"ipp-example"``...)."""
    folder = Path(str(resources.files("cpd_tracker.frameworks")))
    path = folder / f"{name}.yaml"
    if "/" in name or not path.is_file():
        available = sorted(p.stem for p in folder.glob("*.yaml"))
        raise LookupError(f"no shipped framework {name!r}; there are: {', '.join(available)}")
    return path


@dataclass
class LoadReport:
    """What loading a file changed, line by line, for the person who loaded it."""

    framework: str
    title: str
    created: bool = False
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or any(not line.endswith("unchanged") for line in self.changes)

    def __str__(self) -> str:
        head = f"Framework {self.framework} ({self.title}): " + (
            "created" if self.created else "updated" if self.changed else "no change")
        return "\n".join([head, *(f"  {line}" for line in self.changes)])


def load_file(session: Session, path: str | Path, *, categories: Collection[str],
              today: date) -> LoadReport:
    """Check and load a framework file; see :func:`load`."""
    text = Path(path).read_text(encoding="utf-8")
    return load(session, parse(text, categories=categories, source=str(path)), today=today)


def load(session: Session, spec: FrameworkSpec, *, today: date) -> LoadReport:
    """Store a checked framework: versions added, replaced (if not yet in force) or refused.

    Flushes, does not commit: the caller commits, so loading is all-or-nothing. Raises
    :class:`FrameworkInvalid` if the file would change history.
    """
    framework = session.scalar(
        sa.select(Framework).where(Framework.code == spec.framework)
        .options(selectinload(Framework.versions))
    )
    report = LoadReport(spec.framework, spec.title, created=framework is None)
    if framework is None:
        framework = Framework(code=spec.framework)
        session.add(framework)
    framework.title = spec.title
    before = (framework.vocabulary or {}).get("accreditation") if framework.id else None
    framework.vocabulary = _vocabulary(spec)
    errors: list[FrameworkError] = []
    existing = {version.version: version for version in framework.versions}
    for index, version_spec in enumerate(spec.versions):
        definition = stored_definition(spec, version_spec)
        checksum = _checksum(definition)
        stored = existing.pop(version_spec.version, None)
        name = f"version {version_spec.version} (from {format_date(version_spec.effective_from)})"
        backdated = _backdating(framework.versions, version_spec, stored, today)
        if backdated and (stored is None or stored.checksum != checksum):
            errors.append(FrameworkError(None, f"versions[{index}].effective_from", backdated))
        elif stored is None:
            framework.versions.append(FrameworkVersion(
                version=version_spec.version, effective_from=version_spec.effective_from,
                effective_to=version_spec.effective_to, definition=definition,
                checksum=checksum))
            report.changes.append(f"{name}: added, {_roles_text(version_spec)}")
        elif stored.checksum == checksum:
            report.changes.append(f"{name}: unchanged")
        elif stored.effective_from > today:
            stored.effective_from = version_spec.effective_from
            stored.effective_to = version_spec.effective_to
            stored.definition, stored.checksum = definition, checksum
            report.changes.append(f"{name}: replaced (not yet in force), "
                                  f"{_roles_text(version_spec)}")
        else:
            errors.append(FrameworkError(None, f"versions[{index}]", (
                f"version {stored.version!r} has been in force since "
                f"{format_date(stored.effective_from)} and is already loaded with different "
                "rules; cycles that started under it are judged by it, so it cannot change. "
                "Add a new version with a later effective_from instead")))
    for stored in existing.values():
        if stored.effective_from > today:
            session.delete(stored)
            report.changes.append(f"version {stored.version}: withdrawn (was not yet in force)")
        else:
            errors.append(FrameworkError(None, "versions", (
                f"version {stored.version!r} (in force since {format_date(stored.effective_from)})"
                " is loaded but missing from the file; keep it in the file, so the cycles "
                "that started under it keep their rules")))
    report.changes += _accreditation_change(before, framework.vocabulary.get("accreditation"))
    errors += _claim_roles(session, framework, spec)
    if errors:
        raise FrameworkInvalid(spec.framework, errors)
    session.flush()
    if report.changed:
        mark_everyone(session)  # new rules judge everyone holding the roles anew
    return report


def _backdating(stored_versions: list[FrameworkVersion], version: VersionSpec,
                stored: FrameworkVersion | None, today: date) -> str | None:
    """Why a new or changed version may not start when it says, or ``None`` if it may.

    A version starting on or before today, while another loaded version was already in force
    that day, would re-judge cycles that began under the other one.
    """
    if version.effective_from > today:
        return None
    earlier = [v for v in stored_versions if v is not stored and v.id is not None
               and v.effective_from <= version.effective_from]
    if not earlier:
        return None
    in_force = max(earlier, key=lambda v: v.effective_from)
    return (f"version {version.version!r} would start on {format_date(version.effective_from)}, "
            f"not after today, while version {in_force.version!r} was already in force; "
            "cycles already under way would be judged again. Give it an effective_from after "
            "today")


def _claim_roles(session: Session, framework: Framework,
                 spec: FrameworkSpec) -> list[FrameworkError]:
    latest: dict[str, str] = {}
    for version in sorted(spec.versions, key=lambda v: v.effective_from):
        latest.update({role.code: role.name for role in version.roles})
    roles = {role.code: role for role in session.scalars(
        sa.select(Role).where(Role.code.in_(latest)))}
    errors = []
    for code, name in latest.items():
        role = roles.get(code)
        if role is None:
            session.add(Role(code=code, name=name, framework=framework))
        elif role.framework_id not in (None, framework.id):
            errors.append(FrameworkError(None, "roles", (
                f"the role {code!r} belongs to another framework "
                f"({role.framework.code if role.framework else '?'}); role codes are unique "
                "across the force")))
        else:
            role.name, role.framework = name, framework
    return errors


def _shared(spec: FrameworkSpec) -> dict[str, Any]:
    """The words rules use (kinds, items, categories): copied into every stored version."""
    # ``duration`` only when false, ``categories`` only when declared: a version stored before
    # these keys existed keeps its checksum.
    shared: dict[str, Any] = {
        "kinds": [kind.model_dump(mode="json", exclude=set() if not kind.duration
                                  else {"duration"}) for kind in spec.kinds],
        "items": [item.model_dump(mode="json") for item in spec.items],
    }
    if spec.categories:
        shared["categories"] = [category.model_dump(mode="json") for category in spec.categories]
    return shared


def _vocabulary(spec: FrameworkSpec) -> dict[str, Any]:
    """The framework's current vocabulary: the shared words, and (when the file has them) its
    accreditation rules and each role's key accountabilities, as of its latest version.

    These two live here rather than in the versions: they judge no CPD cycle, and keeping them
    out of a version's definition means adding them to a file leaves versions in force intact.
    """
    found = _shared(spec)
    if spec.accreditation is not None:
        found["accreditation"] = spec.accreditation.model_dump(mode="json")
    accountabilities: dict[str, list[dict[str, str]]] = {}
    for version in sorted(spec.versions, key=lambda v: v.effective_from):
        for role in version.roles:
            if role.accountabilities:
                accountabilities[role.code] = [entry.model_dump(mode="json")
                                               for entry in role.accountabilities]
    if accountabilities:
        found["accountabilities"] = accountabilities
    return found


def stored_definition(spec: FrameworkSpec, version: VersionSpec) -> dict[str, Any]:
    """A version as stored: self-contained, so later edits to the file's vocabulary do not
    change what a stored version means. Accountabilities are descriptive, not rules: they stay
    out, so the checksum of a version in force does not change when they are added."""
    dumped = version.model_dump(mode="json", exclude={"roles": {"__all__": {"accountabilities"}}})
    for role in dumped["roles"]:
        for key, default in LATER_ROLE_KEYS.items():
            if role.get(key) == default:
                del role[key]
        for rule in role["rules"]:
            for key, default in LATER_RULE_KEYS.items():
                if rule.get(key) == default:
                    del rule[key]
    return {**_shared(spec), **dumped}


#: Role keys added after versions were first stored, left out at their default so a version
#: stored before them keeps its checksum (reloading the same file changes nothing).
LATER_ROLE_KEYS: dict[str, Any] = {"extension_counts": "owed", "submit_days_before_end": 0,
                                   "grace_days": 0}
#: Rule keys added later, left out at their default for the same reason.
LATER_RULE_KEYS: dict[str, Any] = {"advisory": False}


def _accreditation_change(before: dict[str, Any] | None,
                          after: dict[str, Any] | None) -> list[str]:
    """The report's line about the accreditation block, if the file has (or had) one."""
    if before is None and after is None:
        return []
    name = (after or before or {}).get("name", "?")
    if before is None:
        return [f"accreditation {name}: added"]
    if after is None:
        return [f"accreditation {name}: removed"]
    if before == after:
        return [f"accreditation {name}: unchanged"]
    return [f"accreditation {name}: changed (expiry dates already recorded stay as they are)"]


def _checksum(definition: dict[str, Any]) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _roles_text(version: VersionSpec) -> str:
    return "roles: " + ", ".join(f"{role.code} ({len(role.rules)} "
                                 f"rule{'' if len(role.rules) == 1 else 's'})"
                                 for role in version.roles)
