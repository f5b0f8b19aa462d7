"""What a role asks of the people who hold it: requirement sets as plain, frozen values.

A requirement set is one role's rules in one version of a framework. It is built from a
framework file (:mod:`cpd_tracker.frameworks`) and judged by the pure engine
(:mod:`cpd_tracker.engine.compliance`); nothing here touches Flask or SQL, so the same values
serve the officer's page, the force-wide report and the property tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

CycleKind = Literal["fixed", "anniversary", "rolling"]
Anchor = Literal["appointment", "accreditation"]
Measure = Literal["minutes", "count", "item"]
Output = Literal["reflection", "impact"]
ProRataBasis = Literal["fte", "days-in-role", "absence"]
#: Where CPD done during an extension counts: towards the extended (owed) cycle only, or
#: towards the cycle under way as well.
ExtensionCounts = Literal["owed", "both"]

#: Default reminder stages, in days before the due date (negative: after it).
DEFAULT_REMINDER_DAYS: tuple[int, ...] = (90, 60, 30, 7, 0, -7)
#: With this many days or fewer left and a rule unmet, a person is at risk.
DEFAULT_AT_RISK_DAYS = 90


@dataclass(frozen=True)
class CyclePolicy:
    """How a role's cycles are laid out in time.

    - ``fixed``: every ``years`` years from ``start`` (e.g. each 1 April; a 3-year licence from
      1 April 2025). For yearly cycles only the month and day of ``start`` matter.
    - ``anniversary``: every ``years`` years from the person's appointment to the role or their
      accreditation date.
    - ``rolling``: the ``months`` months up to the day being judged.
    """

    kind: CycleKind
    years: int = 1
    start: date | None = None
    anchor: Anchor | None = None
    months: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.years <= 5:
            raise ValueError(f"a cycle lasts 1 to 5 years, not {self.years}")
        if self.kind == "fixed" and self.start is None:
            raise ValueError("a fixed cycle needs a start date")
        if self.kind == "anniversary" and self.anchor is None:
            raise ValueError("an anniversary cycle needs an anchor (appointment or accreditation)")
        if self.kind == "rolling" and not (self.months and self.months > 0):
            raise ValueError("a rolling cycle needs a number of months above zero")

    @property
    def description(self) -> str:
        """``"yearly from 1 April"``, ``"3-yearly from the accreditation date"``..."""
        every = "yearly" if self.years == 1 else f"{self.years}-yearly"
        if self.kind == "fixed":
            assert self.start is not None
            first = f"{self.start:%-d %B}" if self.years == 1 else f"{self.start:%-d %B %Y}"
            return f"{every} from {first}"
        if self.kind == "anniversary":
            return f"{every} from the {self.anchor} date"
        return f"the last {self.months} months"


@dataclass(frozen=True)
class ActivityFilter:
    """Which activities a rule counts. ``None`` means "any"."""

    categories: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    participatory: bool | None = None
    verified_only: bool = False
    #: Only activities with this written output (a reflection, an impact statement).
    output: Output | None = None


@dataclass(frozen=True)
class Rule:
    """One thing a role asks for in a cycle.

    ``measure`` says what is counted: ``minutes`` of matching activities, a ``count`` of them,
    or a named ``item`` (a mandatory course) that must be current, renewed every
    ``every_months`` months or, without a recurrence, done within the cycle.
    """

    code: str
    label: str
    measure: Measure
    target: int = 0
    matches: ActivityFilter = field(default_factory=ActivityFilter)
    #: What is counted, in words: for hours "CPD" or "formal learning"; for counts the plural
    #: ("reflective accounts"), with ``noun_one`` the singular ("reflective account").
    noun: str = "activities"
    noun_one: str = "activity"
    item: str | None = None
    every_months: int | None = None
    #: Whether the framework's pro-rata policy scales this rule's target.
    pro_rata: bool = True
    #: A recommended target: shown with its progress, never failing a cycle, never reminded
    #: (outputs-based schemes: "30 hours of planned learning recommended").
    advisory: bool = False

    def __post_init__(self) -> None:
        if self.target < 0:
            raise ValueError(f"rule {self.code}: a target cannot be negative")
        if self.measure == "item" and not self.item:
            raise ValueError(f"rule {self.code}: an item rule names its item")


@dataclass(frozen=True)
class RequirementSet:
    """One role's requirements in one version of a framework."""

    framework: str
    version: str
    role_code: str
    role_name: str
    cycle: CyclePolicy
    rules: tuple[Rule, ...]
    pro_rata: frozenset[ProRataBasis] = frozenset()
    at_risk_days: int = DEFAULT_AT_RISK_DAYS
    reminder_days: tuple[int, ...] = DEFAULT_REMINDER_DAYS
    #: The framework's title, as people read it ("Intelligence Professionalisation
    #: Programme"); ``framework`` is its code.
    framework_title: str = ""
    #: CPD dated after a cycle's end and up to the date a lead extended it to counts towards
    #: that (owed) cycle; ``"both"``: towards the cycle under way too.
    extension_counts: ExtensionCounts = "owed"
    #: When a cycle is due, in days from its last day: negative for a submission deadline
    #: before it ends (NMC's application date), positive for a grace period after it (RICS's
    #: 31 January). CPD counts up to the earlier of the cycle's end and its due date.
    due_offset_days: int = 0

    def due_of(self, cycle_end: date) -> date:
        """The day a cycle ending on ``cycle_end`` is due, without an extension."""
        return cycle_end + timedelta(days=self.due_offset_days)

    @property
    def framework_name(self) -> str:
        """``"Intelligence Professionalisation Programme 2026"``: the title and the version."""
        return f"{self.framework_title or self.framework} {self.version}"
