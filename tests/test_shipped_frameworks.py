"""The framework files shipped with the library, judged by the engine on hand-worked cases.

The NMC, GPhC and RICS files reproduce published rule sets, to show the file format and the
engine are general rather than fitted to policing; the IPP file is the policing example. Pure:
no Flask app and no database. Every figure below is worked out by hand from the published
rules, not recomputed from the engine's arithmetic.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from cpd_tracker import frameworks
from cpd_tracker.config import DEFAULTS
from cpd_tracker.engine.compliance import Judgement, RuleResult, Status, Tally, judge
from cpd_tracker.engine.cycles import Cycle, cycle_for
from cpd_tracker.engine.pro_rata import Circumstances
from cpd_tracker.engine.requirements import RequirementSet
from cpd_tracker.frameworks import parse, shipped, versions_of

CATEGORIES: dict[str, str] = dict(DEFAULTS["CPD_CATEGORIES"])
SHIPPED_FILES = sorted(Path(frameworks.__file__).parent.glob("*.yaml"))
REGULATORS = ("nmc-revalidation", "gphc-revalidation", "rics")
ONE_DAY = timedelta(days=1)


def requirements(framework: str, role: str, version: str = "2024") -> RequirementSet:
    """One role of a shipped file, as the engine sees it (every file has a version "2024")."""
    text = shipped(framework).read_text(encoding="utf-8")
    spec = parse(text, categories=CATEGORIES, source=framework)
    return versions_of(spec, categories=CATEGORIES)[version][role]


def result(judgement: Judgement, code: str) -> RuleResult:
    return next(found for found in judgement.rules if found.rule.code == code)


def unmet_codes(judgement: Judgement) -> list[str]:
    return [found.rule.code for found in judgement.unmet]


# --- every shipped file ------------------------------------------------------------------------


def test_the_library_ships_the_ipp_example_three_regulators_and_the_college_model() -> None:
    assert {path.stem for path in SHIPPED_FILES} == {"ipp-example", *REGULATORS, "college-cpd"}


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.stem)
def test_every_shipped_file_parses_with_the_default_categories(path: Path) -> None:
    spec = parse(path.read_text(encoding="utf-8"), categories=CATEGORIES, source=path.name)
    assert spec.framework == path.stem


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.stem)
def test_every_shipped_file_opens_with_a_comment_header(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize(("framework", "source"), [
    ("nmc-revalidation", 'NMC, "How to revalidate with the NMC'),
    ("gphc-revalidation", 'GPhC, "Revalidation framework"'),
    ("rics", 'RICS, "CPD requirements and obligations"'),
])
def test_each_regulators_file_names_its_published_source(framework: str, source: str) -> None:
    header = shipped(framework).read_text(encoding="utf-8").split("\nframework:")[0]
    assert f"# Source: {source}" in header
    assert "What is simplified" in header


@pytest.mark.parametrize("framework", REGULATORS)
def test_the_regulators_do_not_pro_rate(framework: str) -> None:
    text = shipped(framework).read_text(encoding="utf-8")
    spec = parse(text, categories=CATEGORIES, source=framework)
    sets = versions_of(spec, categories=CATEGORIES)
    assert {role.pro_rata for roles in sets.values() for role in roles.values()} == {frozenset()}


@pytest.mark.parametrize("framework", REGULATORS)
def test_each_regulators_file_has_a_version_in_force_since_2024(framework: str) -> None:
    """And the NMC and RICS files a 2027 version with their deadlines (a version in force is
    never changed: a force that loaded 2024 loads the 2027 one beside it)."""
    text = shipped(framework).read_text(encoding="utf-8")
    spec = parse(text, categories=CATEGORIES, source=framework)
    later = [("2027", date(2027, 1, 1), None)] if framework in ("nmc-revalidation", "rics") else []
    assert [(v.version, v.effective_from, v.effective_to) for v in spec.versions] == [
        ("2024", date(2024, 1, 1), None), *later]


def test_from_2027_nmc_is_due_before_the_cycle_ends_and_rics_has_until_31_january() -> None:
    nmc = requirements("nmc-revalidation", "nmc-registrant", "2027")
    rics = requirements("rics", "rics-member", "2027")
    assert nmc.due_of(date(2030, 7, 14)) == date(2030, 6, 14)
    assert rics.due_of(date(2027, 12, 31)) == date(2028, 1, 31)
    assert requirements("rics", "rics-member").due_of(date(2026, 12, 31)) == date(2026, 12, 31)
    # Otherwise the same rules as 2024.
    assert nmc.rules == requirements("nmc-revalidation", "nmc-registrant").rules
    assert rics.rules == requirements("rics", "rics-member").rules


# --- NMC revalidation ---------------------------------------------------------------------------

NMC = requirements("nmc-revalidation", "nmc-registrant")
#: The nurse joined the register on 15 July 2019: cycles run 15 Jul 2019 - 14 Jul 2022,
#: 15 Jul 2022 - 14 Jul 2025, 15 Jul 2025 - 14 Jul 2028.
NURSE_REGISTERED = date(2019, 7, 15)
NMC_CYCLE = Cycle(date(2025, 7, 15), date(2028, 7, 14))
NMC_AS_OF = date(2028, 6, 1)  # 43 days before the cycle ends
NURSE = Circumstances(held_from=NURSE_REGISTERED)


def nmc_activities(*, participatory_hours: int, other_hours: int) -> list[Tally]:
    return [
        Tally(minutes=participatory_hours * 60, category="formal", participatory=True),
        Tally(minutes=other_hours * 60, category="self-directed"),
        Tally(minutes=0, count=5, kind="practice-feedback"),
        Tally(minutes=0, count=5, kind="reflective-account", reflection=True),
    ]


def nmc_items(*, confirmation_verified: bool = True,
              discussion: date = date(2028, 3, 10)) -> dict[tuple[str, bool], date]:
    return {
        ("reflective-discussion", True): discussion,
        ("health-and-character", False): date(2028, 5, 20),
        ("professional-indemnity", False): date(2028, 5, 20),
        ("practice-hours", False): date(2028, 5, 20),
        ("confirmation", confirmation_verified): date(2028, 5, 25),
    }


def test_nmc_cycle_is_three_years_from_the_registration_date() -> None:
    assert cycle_for(NMC.cycle, date(2026, 2, 1), NURSE_REGISTERED) == NMC_CYCLE


def test_nmc_cycle_of_three_years_spans_a_leap_day() -> None:
    # 15 Jul 2025 - 14 Jul 2028: 365 + 365 + 366 days (29 February 2028 included).
    assert NMC_CYCLE.days == 1096


def test_nmc_third_anniversary_of_registration_opens_the_next_cycle() -> None:
    assert cycle_for(NMC.cycle, date(2028, 7, 15), NURSE_REGISTERED) == Cycle(
        date(2028, 7, 15), date(2031, 7, 14))


def test_nmc_nurse_with_everything_in_place_is_compliant() -> None:
    judgement = judge(NMC, NMC_CYCLE, NURSE,
                      nmc_activities(participatory_hours=20, other_hours=15), nmc_items(),
                      as_of=NMC_AS_OF)
    assert judgement.status is Status.COMPLIANT
    assert [found.summary for found in judgement.rules[:4]] == [
        "35 h of 35 h", "20 h of 20 h", "5 of 5 pieces of practice-related feedback",
        "5 of 5 written reflective accounts"]


def test_nmc_nurse_short_of_participatory_hours_is_not_compliant() -> None:
    # 19 participatory hours and 16 others: 35 hours in all, but 1 participatory hour short.
    judgement = judge(NMC, NMC_CYCLE, NURSE,
                      nmc_activities(participatory_hours=19, other_hours=16), nmc_items(),
                      as_of=NMC_CYCLE.end + ONE_DAY)
    assert judgement.status is Status.NON_COMPLIANT
    assert unmet_codes(judgement) == ["hours-participatory"]
    assert result(judgement, "hours-participatory").summary == "19 h of 20 h"


def test_nmc_non_participatory_hours_count_towards_the_35_hours() -> None:
    judgement = judge(NMC, NMC_CYCLE, NURSE,
                      nmc_activities(participatory_hours=19, other_hours=16), nmc_items(),
                      as_of=NMC_AS_OF)
    assert result(judgement, "hours").summary == "35 h of 35 h"
    assert result(judgement, "hours").met


def test_nmc_unverified_confirmation_is_not_met() -> None:
    judgement = judge(NMC, NMC_CYCLE, NURSE,
                      nmc_activities(participatory_hours=20, other_hours=15),
                      nmc_items(confirmation_verified=False), as_of=NMC_AS_OF)
    assert unmet_codes(judgement) == ["item-confirmation"]
    # 43 days before the cycle ends is within the 90 at-risk days.
    assert judgement.status is Status.AT_RISK


def test_nmc_reflective_discussion_from_the_previous_cycle_does_not_count() -> None:
    judgement = judge(NMC, NMC_CYCLE, NURSE,
                      nmc_activities(participatory_hours=20, other_hours=15),
                      nmc_items(discussion=date(2025, 6, 30)), as_of=NMC_AS_OF)
    assert unmet_codes(judgement) == ["item-reflective-discussion"]
    assert result(judgement, "item-reflective-discussion").summary.endswith(
        ": due by 14 Jul 2028")


def test_nmc_part_time_nurse_still_needs_the_full_35_hours() -> None:
    part_time = Circumstances(held_from=NURSE_REGISTERED, fte=Fraction(1, 2))
    judgement = judge(NMC, NMC_CYCLE, part_time,
                      nmc_activities(participatory_hours=10, other_hours=8), nmc_items(),
                      as_of=NMC_AS_OF)
    assert result(judgement, "hours").summary == "18 h of 35 h"
    assert judgement.adjustments == ()


def test_nmc_practice_hours_declaration_is_an_item_not_cpd_hours() -> None:
    judgement = judge(NMC, NMC_CYCLE, NURSE,
                      nmc_activities(participatory_hours=20, other_hours=15),
                      {k: v for k, v in nmc_items().items() if k[0] != "practice-hours"},
                      as_of=NMC_AS_OF)
    assert unmet_codes(judgement) == ["item-practice-hours"]


# --- GPhC revalidation --------------------------------------------------------------------------

GPHC = requirements("gphc-revalidation", "gphc-registrant")
#: Registration renewal date 31 October: each revalidation year runs 31 Oct - 30 Oct.
PHARMACIST_RENEWAL = date(2019, 10, 31)
GPHC_CYCLE = Cycle(date(2025, 10, 31), date(2026, 10, 30))
GPHC_AS_OF = date(2026, 9, 1)
PHARMACIST = Circumstances(held_from=PHARMACIST_RENEWAL)


def gphc_records(*, planned: int, unplanned: int) -> list[Tally]:
    records = [Tally(minutes=0, count=1, kind="peer-discussion"),
               Tally(minutes=0, count=1, kind="reflective-account", reflection=True)]
    if planned:
        records.append(Tally(minutes=0, count=planned, kind="planned"))
    if unplanned:
        records.append(Tally(minutes=0, count=unplanned, kind="unplanned"))
    return records


@pytest.mark.parametrize(("day", "cycle"), [
    (date(2026, 3, 1), GPHC_CYCLE),
    (date(2026, 10, 30), GPHC_CYCLE),
    (date(2026, 10, 31), Cycle(date(2026, 10, 31), date(2027, 10, 30))),
])
def test_gphc_year_runs_from_the_registration_renewal_anniversary(day: date,
                                                                  cycle: Cycle) -> None:
    assert cycle_for(GPHC.cycle, day, PHARMACIST_RENEWAL) == cycle


def test_gphc_full_years_records_are_compliant() -> None:
    judgement = judge(GPHC, GPHC_CYCLE, PHARMACIST, gphc_records(planned=2, unplanned=2), {},
                      as_of=GPHC_AS_OF)
    assert judgement.status is Status.COMPLIANT


def test_gphc_four_records_with_only_one_planned_miss_the_planned_rule() -> None:
    judgement = judge(GPHC, GPHC_CYCLE, PHARMACIST, gphc_records(planned=1, unplanned=3), {},
                      as_of=GPHC_AS_OF)
    assert unmet_codes(judgement) == ["count-planned"]
    assert result(judgement, "count-planned").summary == "1 of 2 planned learning records"
    assert result(judgement, "count-planned-unplanned").summary == "4 of 4 CPD records"


def test_gphc_three_planned_records_are_one_short_of_four() -> None:
    judgement = judge(GPHC, GPHC_CYCLE, PHARMACIST, gphc_records(planned=3, unplanned=0), {},
                      as_of=GPHC_AS_OF)
    assert unmet_codes(judgement) == ["count-planned-unplanned"]
    assert result(judgement, "count-planned-unplanned").summary == "3 of 4 CPD records"


def test_gphc_missing_peer_discussion_is_named() -> None:
    records = [r for r in gphc_records(planned=2, unplanned=2) if r.kind != "peer-discussion"]
    judgement = judge(GPHC, GPHC_CYCLE, PHARMACIST, records, {}, as_of=GPHC_AS_OF)
    assert unmet_codes(judgement) == ["count-peer-discussion"]
    assert result(judgement, "count-peer-discussion").summary == "0 of 1 peer discussion record"


# --- RICS ---------------------------------------------------------------------------------------

RICS = requirements("rics", "rics-member")
RICS_AS_OF = date(2026, 6, 30)
RICS_YEAR = Cycle(date(2026, 1, 1), date(2026, 12, 31))
SURVEYOR = Circumstances(held_from=date(2010, 1, 1))


def rics_hours(*, formal: int, informal: int) -> list[Tally]:
    return [Tally(minutes=formal * 60, category="formal"),
            Tally(minutes=informal * 60, category="self-directed")]


def test_rics_cycle_is_the_calendar_year() -> None:
    assert cycle_for(RICS.cycle, RICS_AS_OF) == RICS_YEAR


def test_rics_20_hours_with_10_formal_and_ethics_current_is_compliant() -> None:
    judgement = judge(RICS, RICS_YEAR, SURVEYOR, rics_hours(formal=10, informal=10),
                      {("ethics-module", False): date(2025, 2, 1)}, as_of=RICS_AS_OF)
    assert judgement.status is Status.COMPLIANT


def test_rics_20_hours_with_only_8_formal_miss_the_formal_rule() -> None:
    judgement = judge(RICS, RICS_YEAR, SURVEYOR, rics_hours(formal=8, informal=12),
                      {("ethics-module", False): date(2025, 2, 1)}, as_of=RICS_AS_OF)
    assert unmet_codes(judgement) == ["hours-formal"]
    assert result(judgement, "hours-formal").summary == "8 h of 10 h"
    assert result(judgement, "hours").summary == "20 h of 20 h"


def test_rics_ethics_module_done_two_years_ago_is_current() -> None:
    judgement = judge(RICS, RICS_YEAR, SURVEYOR, rics_hours(formal=10, informal=10),
                      {("ethics-module", False): date(2024, 6, 1)}, as_of=RICS_AS_OF)
    ethics = result(judgement, "item-ethics-module")
    assert ethics.met
    assert ethics.summary.endswith(": done 1 Jun 2024, next due by 1 Jun 2027")


def test_rics_ethics_module_done_four_years_ago_is_overdue() -> None:
    # Done 15 Mar 2022: current for 36 months, so overdue since 15 Mar 2025.
    judgement = judge(RICS, RICS_YEAR, SURVEYOR, rics_hours(formal=10, informal=10),
                      {("ethics-module", False): date(2022, 3, 15)}, as_of=RICS_AS_OF)
    ethics = result(judgement, "item-ethics-module")
    assert not ethics.met
    assert ethics.summary.endswith(": overdue since 15 Mar 2025")
    assert judgement.status is Status.NON_COMPLIANT


def test_rics_new_member_without_ethics_learning_owes_it_by_the_end_of_the_year() -> None:
    # 36 months from joining on 1 Mar 2026 would be 1 Mar 2029; the cycle ends first.
    new_member = Circumstances(held_from=date(2026, 3, 1))
    judgement = judge(RICS, RICS_YEAR, new_member, rics_hours(formal=10, informal=10), {},
                      as_of=RICS_AS_OF)
    assert result(judgement, "item-ethics-module").summary.endswith(": due by 31 Dec 2026")


# --- IPP example --------------------------------------------------------------------------------

ANALYST = requirements("ipp-example", "intelligence-analyst")
IPP_YEAR = Cycle(date(2025, 4, 1), date(2026, 3, 31))  # 365 days
IPP_AS_OF = date(2026, 1, 15)


def test_ipp_example_says_its_figures_are_examples_not_published_hours() -> None:
    text = shipped("ipp-example").read_text(encoding="utf-8")
    spec = parse(text, categories=CATEGORIES, source="ipp-example")
    assert "every figure below is an example" in text
    assert "Public sources give no CPD hours" in spec.description


def test_ipp_analyst_at_0_6_fte_owes_12_of_the_20_hours() -> None:
    part_time = Circumstances(held_from=date(2020, 1, 1), fte=Fraction(3, 5))
    judgement = judge(ANALYST, IPP_YEAR, part_time, [Tally(minutes=0)], {}, as_of=IPP_AS_OF)
    assert result(judgement, "hours").summary == "0 h of 12 h"
    assert result(judgement, "hours-formal").summary == "0 h of 3 h 36 m"  # 6 h x 0.6


def test_ipp_part_time_analyst_still_owes_both_reflections() -> None:
    part_time = Circumstances(held_from=date(2020, 1, 1), fte=Fraction(3, 5))
    judgement = judge(ANALYST, IPP_YEAR, part_time, [Tally(minutes=0)], {}, as_of=IPP_AS_OF)
    assert result(judgement, "count-reflection").summary == "0 of 2 written reflections"


def test_ipp_analyst_joining_on_6_november_owes_8_hours() -> None:
    # 6 Nov 2025 - 31 Mar 2026 is 25 + 31 + 31 + 28 + 31 = 146 days of the 365:
    # 20 h x 146/365 = 8 h.
    joiner = Circumstances(held_from=date(2025, 11, 6))
    judgement = judge(ANALYST, IPP_YEAR, joiner, [Tally(minutes=0)], {}, as_of=IPP_AS_OF)
    assert result(judgement, "hours").summary == "0 h of 8 h"
    assert judgement.adjustments == ("In the role for 146 of the cycle's 365 days.",)


# --- College of Policing CPD model (outputs-based, no hours) ------------------------------------

COLLEGE = requirements("college-cpd", "police-officer-or-staff")
PDR_YEAR = Cycle(date(2025, 4, 1), date(2026, 3, 31))


def college_judged(*records: Tally, held_from: date = date(2020, 1, 1),
                   discussed: date | None = date(2025, 11, 3),
                   as_of: date = date(2026, 3, 31)) -> Judgement:
    items = {("pdr-cpd-discussion", False): discussed} if discussed else {}
    return judge(COLLEGE, PDR_YEAR, Circumstances(held_from=held_from), records, items,
                 as_of=as_of)


def test_the_college_model_asks_for_no_hours_only_outputs() -> None:
    assert [rule.measure for rule in COLLEGE.rules] == ["count", "count", "item", "count"]


def test_reflections_impact_and_the_pdr_discussion_meet_the_year_without_any_hours() -> None:
    """Two reflective accounts logged with no duration, one of them with its impact, and the
    PDR discussion: compliant; the recommended learning activities show, never failing."""
    judgement = college_judged(
        Tally(minutes=0, count=1, kind="reflective-account", reflection=True, impact=True),
        Tally(minutes=0, count=1, kind="reflective-account", reflection=True))

    assert judgement.status is Status.COMPLIANT
    assert [found.summary for found in judgement.rules] == [
        "2 of 2 written reflections", "1 of 1 impact statement",
        "CPD discussion in the PDR: done 3 Nov 2025", "0 of 4 learning activities recommended"]


def test_a_joiner_in_the_last_quarter_owes_one_reflection_not_two() -> None:
    """Joined 1 Jan 2026: 90 of the year's 365 days, so ceil(2 * 90 / 365) = 1 reflection; the
    impact statement is not pro-rated (1)."""
    judgement = college_judged(held_from=date(2026, 1, 1), discussed=None,
                               as_of=date(2026, 2, 1))

    assert [(found.rule.label, found.target) for found in judgement.rules[:2]] == [
        ("Written reflections on learning", 1), ("Impact on practice", 1)]


def test_without_the_pdr_discussion_the_year_is_not_met_when_it_ends() -> None:
    judgement = college_judged(
        Tally(minutes=0, count=2, kind="reflective-account", reflection=True, impact=True),
        discussed=None, as_of=date(2026, 4, 1))

    assert judgement.status is Status.NON_COMPLIANT
    assert unmet_codes(judgement) == ["item-pdr-cpd-discussion"]
