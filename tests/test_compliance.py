"""The compliance engine, as a specification: what each rule asks, how targets are pro-rated,
which status a person gets and what they are told to do next. Pure values: no Flask, no database.

Unless a test says otherwise, the cycle is the policing year 1 April 2026 - 31 March 2027
(365 days) and the officer has held the role since 2020.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpd_tracker.engine.compliance import Judgement, Status, Tally, judge, matches
from cpd_tracker.engine.cycles import Cycle, cycle_for
from cpd_tracker.engine.pro_rata import Absence, Circumstances, pro_rata_factor
from cpd_tracker.engine.requirements import (
    ActivityFilter,
    CyclePolicy,
    ProRataBasis,
    RequirementSet,
    Rule,
)
from cpd_tracker.engine.words import format_date, format_minutes

YEAR = Cycle(date(2026, 4, 1), date(2027, 3, 31))
YEARLY = CyclePolicy("fixed", start=date(2026, 4, 1))
IN_ROLE_SINCE = date(2020, 1, 1)
MID_CYCLE = date(2026, 9, 1)
ALL_BASES: frozenset[ProRataBasis] = frozenset({"fte", "days-in-role", "absence"})


# --- builders -------------------------------------------------------------------------------


def hours_rule(hours: int, *, code: str = "cpd", label: str = "CPD hours", noun: str = "CPD",
               pro_rata: bool = True, **matching: Any) -> Rule:
    return Rule(code, label, "minutes", hours * 60, ActivityFilter(**matching),
                noun=noun, pro_rata=pro_rata)


def count_rule(target: int, noun: str, noun_one: str, *, label: str,
               pro_rata: bool = True, **matching: Any) -> Rule:
    return Rule(noun_one.replace(" ", "-"), label, "count", target,
                ActivityFilter(**matching), noun=noun, noun_one=noun_one,
                pro_rata=pro_rata)


def item_rule(label: str, item: str, every_months: int | None = None,
              verified_only: bool = False) -> Rule:
    return Rule(item, label, "item", item=item, every_months=every_months,
                matches=ActivityFilter(verified_only=verified_only))


def data_protection() -> Rule:
    return item_rule("Data protection refresher", "data-protection", every_months=12)


def role(*rules: Rule, name: str = "Intelligence Officer", cycle: CyclePolicy = YEARLY,
         pro_rata: frozenset[ProRataBasis] = frozenset(), at_risk_days: int = 90) -> RequirementSet:
    return RequirementSet("College of Policing", "2026", name.lower().replace(" ", "-"), name,
                          cycle, rules, pro_rata=pro_rata, at_risk_days=at_risk_days)


def officer(held_from: date = IN_ROLE_SINCE, **changes: Any) -> Circumstances:
    return Circumstances(held_from=held_from, **changes)


def logged(hours: int = 0, minutes: int = 0, **fields: Any) -> Tally:
    return Tally(minutes=hours * 60 + minutes, **fields)


def judged(requirements: RequirementSet, *activities: Tally, as_of: date = MID_CYCLE,
           person: Circumstances | None = None,
           items: Mapping[tuple[str, bool], date] | None = None,
           cycle: Cycle = YEAR) -> Judgement:
    return judge(requirements, cycle, person or officer(), activities, items or {}, as_of=as_of)


# --- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "text"), [
    (870, "14 h 30 m"), (1200, "20 h"), (45, "45 m"), (60, "1 h"), (0, "0 h"), (-30, "0 h")])
def test_minutes_read_as_hours_and_minutes(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text


@pytest.mark.parametrize(("day", "text"), [
    (date(2027, 3, 31), "31 Mar 2027"), (date(2026, 4, 1), "1 Apr 2026")])
def test_dates_read_day_month_year_without_leading_zero(day: date, text: str) -> None:
    assert format_date(day) == text


# --- statuses -------------------------------------------------------------------------------


def test_statuses_rank_from_exempt_best_to_non_compliant_worst() -> None:
    ranked = sorted(Status, key=lambda status: status.rank)
    assert ranked == [Status.EXEMPT, Status.COMPLIANT, Status.ON_TRACK, Status.AT_RISK,
                      Status.NON_COMPLIANT]


@pytest.mark.parametrize(("status", "label"), [
    (Status.EXEMPT, "Exempt"), (Status.COMPLIANT, "Compliant"), (Status.ON_TRACK, "On track"),
    (Status.AT_RISK, "At risk")])
def test_status_label_reads_as_words(status: Status, label: str) -> None:
    assert status.label == label


def test_non_compliant_label_keeps_its_hyphen() -> None:
    assert Status.NON_COMPLIANT.label == "Non-compliant"


# --- which activities a rule counts ---------------------------------------------------------


def test_filter_with_nothing_set_counts_any_activity() -> None:
    assert matches(ActivityFilter(), logged(1, category="firearms", kind="course"))


def test_category_filter_counts_only_its_categories() -> None:
    legal = ActivityFilter(categories=frozenset({"legal-update", "policy"}))
    assert matches(legal, logged(1, category="policy"))
    assert not matches(legal, logged(1, category="firearms"))


def test_kind_filter_does_not_count_activities_without_a_kind() -> None:
    accounts = ActivityFilter(kinds=frozenset({"reflective-account"}))
    assert matches(accounts, logged(kind="reflective-account"))
    assert not matches(accounts, logged(kind=None))


def test_participatory_filter_counts_only_participatory_activities() -> None:
    assert matches(ActivityFilter(participatory=True), logged(1, participatory=True))
    assert not matches(ActivityFilter(participatory=True), logged(1, participatory=False))


def test_non_participatory_filter_counts_only_individual_study() -> None:
    assert matches(ActivityFilter(participatory=False), logged(1, participatory=False))
    assert not matches(ActivityFilter(participatory=False), logged(1, participatory=True))


def test_verified_only_filter_skips_unverified_activities() -> None:
    assert matches(ActivityFilter(verified_only=True), logged(1, verified=True))
    assert not matches(ActivityFilter(verified_only=True), logged(1, verified=False))


def test_output_filter_asks_for_the_written_output() -> None:
    assert matches(ActivityFilter(output="reflection"), logged(reflection=True))
    assert not matches(ActivityFilter(output="reflection"), logged(impact=True))
    assert matches(ActivityFilter(output="impact"), logged(impact=True))
    assert not matches(ActivityFilter(output="impact"), logged(reflection=True))


# --- minimum hours --------------------------------------------------------------------------


def test_hours_summary_reads_done_of_target() -> None:
    [result] = judged(role(hours_rule(20)), logged(14, 30)).rules
    assert result.summary == "14 h 30 m of 20 h"


def test_hours_short_of_target_say_what_is_missing_and_by_when() -> None:
    [result] = judged(role(hours_rule(20)), logged(14, 30)).rules
    # 20 h - 14 h 30 m = 5 h 30 m = 330 minutes; 870 / 1200 = 72.5% -> 72.
    assert (result.met, result.shortfall, result.percent) == (False, 330, 72)
    assert result.sentence == "CPD hours: 5 h 30 m to go by 31 Mar 2027."


def test_hours_add_up_across_activities() -> None:
    [result] = judged(role(hours_rule(20)), logged(8), logged(7, 15), logged(4, 45)).rules
    assert result.done == 20 * 60
    assert result.met


def test_hours_rule_met_says_done() -> None:
    [result] = judged(role(hours_rule(20)), logged(20)).rules
    assert (result.met, result.shortfall, result.sentence) == (True, 0, "CPD hours: done.")


def test_hours_beyond_the_target_cap_progress_at_100_percent() -> None:
    [result] = judged(role(hours_rule(20)), logged(31)).rules
    assert (result.summary, result.percent) == ("31 h of 20 h", 100)


def test_category_hours_count_only_activities_in_that_category() -> None:
    legal = hours_rule(6, code="legal", label="Legal updates", noun="legal update learning",
                       categories=frozenset({"legal-update"}))
    [result] = judged(role(legal), logged(2, category="legal-update"),
                      logged(10, category="firearms")).rules
    assert result.summary == "2 h of 6 h"
    assert result.sentence == "Legal updates: 4 h to go by 31 Mar 2027."


def test_each_category_rule_is_counted_separately() -> None:
    legal = hours_rule(6, code="legal", label="Legal updates",
                       categories=frozenset({"legal-update"}))
    firearms = hours_rule(4, code="firearms", label="Firearms tactics",
                          categories=frozenset({"firearms"}))
    results = judged(role(legal, firearms), logged(2, category="legal-update"),
                     logged(5, category="firearms")).rules
    assert [(result.done, result.met) for result in results] == [(120, False), (300, True)]


def test_participatory_hours_count_only_learning_with_others() -> None:
    participatory = hours_rule(10, code="participatory", label="Participatory CPD",
                               participatory=True)
    [result] = judged(role(participatory), logged(3, participatory=True),
                      logged(12, participatory=False)).rules
    assert result.summary == "3 h of 10 h"


def test_verified_only_rule_ignores_unverified_hours() -> None:
    verified = hours_rule(20, verified_only=True)
    [result] = judged(role(verified), logged(15, verified=False), logged(2, verified=True)).rules
    assert result.summary == "2 h of 20 h verified"


def test_a_verified_only_count_says_how_many_wait_and_what_to_do_about_them() -> None:
    """"1 of 2 live deployments" told the officer to add another when what was missing was
    the verification of the one they had logged."""
    deployments = count_rule(2, "live deployments", "live deployment", label="Live deployments",
                             kinds=frozenset({"deployment"}), verified_only=True)
    judgement = judged(role(deployments), logged(count=1, kind="deployment", verified=True),
                       logged(count=1, kind="deployment", awaiting=True))
    [result] = judgement.rules

    assert result.summary == "1 of 2 live deployments verified; 1 waiting for verification"
    assert result.waiting == 1
    assert judgement.next_step.endswith(
        "have the 1 live deployment waiting verified by an accreditation lead.")


def test_a_verified_only_rule_needs_more_when_what_waits_is_not_enough() -> None:
    deployments = count_rule(3, "live deployments", "live deployment", label="Live deployments",
                             kinds=frozenset({"deployment"}), verified_only=True)
    judgement = judged(role(deployments), logged(count=1, kind="deployment", awaiting=True),
                       logged(count=1, kind="deployment"))  # self-declared: nothing sent
    [result] = judgement.rules

    assert result.summary == "0 of 3 live deployments verified; 1 waiting for verification"
    assert judgement.next_step.endswith(
        "have the 1 live deployment waiting verified by an accreditation lead and add "
        "2 more live deployments with evidence for verification.")


def test_verified_only_hours_waiting_are_in_hours() -> None:
    verified = hours_rule(20, verified_only=True)
    [result] = judged(role(verified), logged(15, awaiting=True), logged(2, verified=True)).rules
    assert result.summary == "2 h of 20 h verified; 15 h waiting for verification"


# --- counts of an activity kind -------------------------------------------------------------


def reflective_accounts(target: int = 2) -> Rule:
    return count_rule(target, "reflective accounts", "reflective account",
                      label="Reflective accounts", kinds=frozenset({"reflective-account"}))


def test_count_summary_uses_the_plural_noun() -> None:
    [result] = judged(role(reflective_accounts()), logged(kind="reflective-account")).rules
    assert result.summary == "1 of 2 reflective accounts"


def test_one_more_to_go_uses_the_singular_noun() -> None:
    [result] = judged(role(reflective_accounts()), logged(kind="reflective-account")).rules
    assert result.sentence == "Reflective accounts: 1 more reflective account to go by 31 Mar 2027."


def test_target_of_one_uses_the_singular_noun() -> None:
    peer = count_rule(1, "peer discussions", "peer discussion", label="Peer discussion",
                      kinds=frozenset({"peer-discussion"}))
    [result] = judged(role(peer)).rules
    assert result.summary == "0 of 1 peer discussion"


def test_count_adds_up_tally_counts_not_hours() -> None:
    planned = count_rule(2, "planned records", "planned record", label="Planned learning",
                         kinds=frozenset({"planned-record"}))
    [result] = judged(role(planned), logged(count=3, kind="planned-record")).rules
    assert (result.summary, result.met) == ("3 of 2 planned records", True)


def test_count_ignores_other_kinds() -> None:
    [result] = judged(role(reflective_accounts()), logged(5, count=4, kind="course")).rules
    assert result.summary == "0 of 2 reflective accounts"


def test_reflections_count_without_any_hours() -> None:
    reflections = count_rule(5, "written reflections", "written reflection",
                             label="Written reflections", output="reflection")
    [result] = judged(role(reflections), logged(0, count=5, reflection=True)).rules
    assert (result.summary, result.met) == ("5 of 5 written reflections", True)


def test_activities_without_a_reflection_do_not_count_for_reflections() -> None:
    reflections = count_rule(5, "written reflections", "written reflection",
                             label="Written reflections", output="reflection")
    [result] = judged(role(reflections), logged(40, count=5, reflection=False)).rules
    assert result.summary == "0 of 5 written reflections"


def test_impact_statements_count_only_activities_with_an_impact_statement() -> None:
    impact = count_rule(2, "impact statements", "impact statement", label="Impact",
                        output="impact")
    [result] = judged(role(impact), logged(impact=True), logged(reflection=True)).rules
    assert result.summary == "1 of 2 impact statements"


# --- named items ----------------------------------------------------------------------------


def test_recurring_item_done_within_its_period_is_current() -> None:
    done = {("data-protection", True): date(2026, 1, 10)}
    [result] = judged(role(data_protection()), items=done).rules
    assert result.met
    assert result.last_done == date(2026, 1, 10)
    assert result.summary == ("Data protection refresher: done 10 Jan 2026, "
                              "next due by 10 Jan 2027")
    assert result.sentence == ("Data protection refresher: done 10 Jan 2026, "
                               "next due by 10 Jan 2027.")


def test_recurring_item_falls_due_on_its_expiry_before_the_cycle_ends() -> None:
    done = {("data-protection", True): date(2025, 7, 15)}
    [result] = judged(role(data_protection()), items=done).rules
    assert result.due == date(2026, 7, 15)


def test_recurring_item_is_no_longer_current_on_the_day_it_expires() -> None:
    done = {("data-protection", True): date(2025, 7, 15)}
    judgement = judged(role(data_protection()), items=done, as_of=date(2026, 7, 15))
    [result] = judgement.rules
    assert not result.met
    assert result.summary == "Data protection refresher: due by 15 Jul 2026"
    assert result.sentence == "Data protection refresher: complete it by 15 Jul 2026."
    assert judgement.status is Status.AT_RISK


def test_expired_item_is_overdue_from_the_day_after() -> None:
    done = {("data-protection", True): date(2025, 7, 15)}
    judgement = judged(role(data_protection()), items=done, as_of=date(2026, 7, 16))
    [result] = judgement.rules
    assert result.summary == "Data protection refresher: overdue since 15 Jul 2026"
    assert result.sentence == ("Data protection refresher: overdue since 15 Jul 2026; "
                               "complete it now.")


def test_overdue_item_makes_the_officer_non_compliant_mid_cycle() -> None:
    done = {("data-protection", True): date(2025, 7, 15)}
    judgement = judged(role(hours_rule(20), data_protection()), logged(20), items=done,
                       as_of=date(2026, 8, 1))
    assert judgement.status is Status.NON_COMPLIANT


def test_item_never_done_is_overdue_a_period_after_joining_the_role() -> None:
    # In the role since 1 Jan 2020, so the first refresher was due by 1 Jan 2021.
    [result] = judged(role(data_protection())).rules
    assert result.summary == "Data protection refresher: overdue since 1 Jan 2021"


def test_new_starter_has_the_recurrence_period_from_their_start() -> None:
    # Started 1 Feb 2026: twelve months to do it, so by 1 Feb 2027.
    [result] = judged(role(data_protection()), person=officer(date(2026, 2, 1))).rules
    assert result.summary == "Data protection refresher: due by 1 Feb 2027"


def test_new_starters_first_item_is_due_by_the_cycle_end_at_the_latest() -> None:
    # Started 1 May 2026: twelve months would run to 1 May 2027, past the cycle end.
    judgement = judged(role(data_protection()), person=officer(date(2026, 5, 1)))
    [result] = judgement.rules
    assert result.summary == "Data protection refresher: due by 31 Mar 2027"
    assert judgement.status is Status.ON_TRACK


def test_old_completion_does_not_bring_a_new_starters_item_due_sooner() -> None:
    # Done in a previous post on 1 Jun 2024 (expired 1 Jun 2025); joined 1 May 2026.
    done = {("data-protection", True): date(2024, 6, 1)}
    [result] = judged(role(data_protection()), person=officer(date(2026, 5, 1)),
                      items=done).rules
    assert (result.met, result.due) == (False, date(2027, 3, 31))


def test_item_without_recurrence_done_in_the_cycle_is_met() -> None:
    taser = item_rule("Taser update", "taser")
    [result] = judged(role(taser), items={("taser", False): date(2026, 5, 3)}).rules
    assert result.met
    assert result.summary == "Taser update: done 3 May 2026"


def test_item_without_recurrence_done_last_cycle_must_be_done_again() -> None:
    taser = item_rule("Taser update", "taser")
    [result] = judged(role(taser), items={("taser", False): date(2026, 3, 31)}).rules
    assert not result.met
    assert result.summary == "Taser update: due by 31 Mar 2027"
    assert result.sentence == "Taser update: complete it by 31 Mar 2027."


def test_completion_dated_after_the_day_judged_does_not_count_yet() -> None:
    taser = item_rule("Taser update", "taser")
    [result] = judged(role(taser), items={("taser", True): date(2026, 9, 2)},
                      as_of=date(2026, 9, 1)).rules
    assert not result.met


def test_verified_only_item_ignores_an_unverified_completion() -> None:
    first_aid = item_rule("First aid", "first-aid", every_months=12, verified_only=True)
    done = {("first-aid", False): date(2026, 6, 1)}
    [result] = judged(role(first_aid), items=done).rules
    assert not result.met


def test_verified_only_item_accepts_a_verified_completion() -> None:
    first_aid = item_rule("First aid", "first-aid", every_months=12, verified_only=True)
    done = {("first-aid", False): date(2026, 6, 1), ("first-aid", True): date(2026, 4, 20)}
    [result] = judged(role(first_aid), items=done).rules
    assert (result.met, result.last_done) == (True, date(2026, 4, 20))


# --- statuses -------------------------------------------------------------------------------


def test_every_rule_met_is_compliant() -> None:
    judgement = judged(role(hours_rule(20), reflective_accounts()), logged(21),
                       logged(count=2, kind="reflective-account"))
    assert judgement.status is Status.COMPLIANT
    assert judgement.unmet == ()


def test_keeping_pace_is_on_track() -> None:
    # By 30 Sep 2026, 183 of 365 days have gone: the pace is about 10 h of 20 h and half of it
    # about 5 h 1 m. 6 h is more than half the pace, and the due date is 182 days away.
    judgement = judged(role(hours_rule(20)), logged(6), as_of=date(2026, 9, 30))
    assert judgement.status is Status.ON_TRACK


def test_less_than_half_the_pace_is_at_risk() -> None:
    # Same day as above: 5 h is less than half of the ~10 h pace.
    judgement = judged(role(hours_rule(20)), logged(5), as_of=date(2026, 9, 30))
    assert judgement.status is Status.AT_RISK


def test_unmet_rule_within_the_at_risk_days_of_the_due_date_is_at_risk() -> None:
    # 31 Dec 2026 is 31 + 28 + 31 = 90 days before 31 Mar 2027.
    judgement = judged(role(hours_rule(20)), logged(19), as_of=date(2026, 12, 31))
    assert judgement.status is Status.AT_RISK


def test_unmet_rule_just_outside_the_at_risk_days_is_on_track() -> None:
    # 30 Dec 2026 is 91 days before 31 Mar 2027; 19 h is well ahead of the pace.
    judgement = judged(role(hours_rule(20)), logged(19), as_of=date(2026, 12, 30))
    assert judgement.status is Status.ON_TRACK


def test_at_risk_days_are_set_by_the_framework() -> None:
    # 15 Jan 2027 is 75 days before the end: at risk with 90 days' warning, not with 30.
    judgement = judged(role(hours_rule(20), at_risk_days=30), logged(19),
                       as_of=date(2027, 1, 15))
    assert judgement.status is Status.ON_TRACK


def test_unmet_rule_past_the_due_date_is_non_compliant() -> None:
    judgement = judged(role(hours_rule(20)), logged(19), as_of=date(2027, 4, 10))
    assert judgement.status is Status.NON_COMPLIANT


def test_shortfall_after_the_cycle_says_when_it_ended() -> None:
    [result] = judged(role(hours_rule(20)), logged(19), as_of=date(2027, 4, 10)).rules
    assert result.sentence == "CPD hours: 1 h short when the cycle ended on 31 Mar 2027."


def test_rolling_window_role_is_non_compliant_with_any_rule_unmet() -> None:
    rolling = CyclePolicy("rolling", months=12)
    as_of = date(2026, 6, 15)
    judgement = judged(role(hours_rule(20), cycle=rolling), logged(19, 59), as_of=as_of,
                       cycle=cycle_for(rolling, as_of))
    assert judgement.status is Status.NON_COMPLIANT


def test_rolling_window_role_with_every_rule_met_is_compliant() -> None:
    rolling = CyclePolicy("rolling", months=12)
    as_of = date(2026, 6, 15)
    judgement = judged(role(hours_rule(20), cycle=rolling), logged(20), as_of=as_of,
                       cycle=cycle_for(rolling, as_of))
    assert judgement.status is Status.COMPLIANT


def test_exempt_officer_is_exempt_whatever_they_have_done() -> None:
    person = officer(exemption="Seconded to the National Crime Agency.")
    judgement = judged(role(hours_rule(20), data_protection()), person=person,
                       as_of=date(2027, 4, 10))
    assert judgement.status is Status.EXEMPT
    assert judgement.exemption == "Seconded to the National Crime Agency."


def test_extension_moves_the_due_date() -> None:
    person = officer(extended_to=date(2027, 6, 30))
    judgement = judged(role(hours_rule(20)), logged(19), person=person, as_of=date(2027, 4, 10))
    assert judgement.due == date(2027, 6, 30)
    assert judgement.rules[0].sentence == "CPD hours: 1 h to go by 30 Jun 2027."


def test_officer_past_the_cycle_end_but_within_an_extension_is_not_non_compliant() -> None:
    # 10 Apr to 30 Jun 2027 is 81 days: inside the 90 days' warning, so at risk.
    person = officer(extended_to=date(2027, 6, 30))
    judgement = judged(role(hours_rule(20)), logged(19), person=person, as_of=date(2027, 4, 10))
    assert judgement.status is Status.AT_RISK


def test_officer_past_their_extension_is_non_compliant() -> None:
    person = officer(extended_to=date(2027, 6, 30))
    judgement = judged(role(hours_rule(20)), logged(19), person=person, as_of=date(2027, 7, 1))
    assert judgement.status is Status.NON_COMPLIANT


def test_extension_is_explained_among_the_adjustments() -> None:
    person = officer(extended_to=date(2027, 6, 30))
    judgement = judged(role(hours_rule(20)), person=person)
    assert judgement.adjustments == ("Extended by an accreditation lead to 30 Jun 2027.",)


def test_joiner_is_not_behind_the_pace_on_their_first_day() -> None:
    person = officer(date(2026, 10, 1))
    judgement = judged(role(hours_rule(20), pro_rata=frozenset({"days-in-role"})),
                       person=person, as_of=date(2026, 10, 1))
    assert judgement.status is Status.ON_TRACK


# --- what to do next ------------------------------------------------------------------------


def test_next_step_when_compliant() -> None:
    judgement = judged(role(hours_rule(20)), logged(20))
    assert judgement.next_step == "You have met every Intelligence Officer requirement this cycle."


def test_next_step_when_on_track_lists_what_is_missing_and_the_due_date() -> None:
    judgement = judged(role(hours_rule(20), reflective_accounts()), logged(14, 30),
                       logged(kind="reflective-account"))
    assert judgement.status is Status.ON_TRACK
    assert judgement.next_step == ("To meet the Intelligence Officer requirements by "
                                   "31 Mar 2027: log 5 h 30 m more CPD and add 1 more "
                                   "reflective account.")


def test_next_step_when_at_risk_lists_what_is_missing_and_the_due_date() -> None:
    judgement = judged(role(hours_rule(20)), logged(19), as_of=date(2027, 1, 15))
    assert judgement.status is Status.AT_RISK
    assert judgement.next_step == ("To meet the Intelligence Officer requirements by "
                                   "31 Mar 2027: log 1 h more CPD.")


def test_next_step_joins_three_needs_with_commas_and_and() -> None:
    judgement = judged(role(hours_rule(20), reflective_accounts(), data_protection()),
                       person=officer(date(2026, 5, 1)))
    assert judgement.next_step.endswith(": log 20 h more CPD, add 2 more reflective accounts "
                                        "and complete Data protection refresher.")


def test_next_step_when_non_compliant_asks_to_speak_to_a_manager() -> None:
    judgement = judged(role(hours_rule(20), data_protection()), logged(20))
    assert judgement.status is Status.NON_COMPLIANT
    assert judgement.next_step == ("You are behind on the Intelligence Officer requirements: "
                                   "complete Data protection refresher. Do it as soon as you "
                                   "can and speak to your line manager or accreditation lead.")


def test_next_step_when_exempt_gives_the_reason() -> None:
    person = officer(exemption="Seconded to the National Crime Agency.")
    judgement = judged(role(hours_rule(20)), person=person)
    assert judgement.next_step == ("You are exempt from the Intelligence Officer requirements "
                                   "this cycle: Seconded to the National Crime Agency.")


# --- pro-rata -------------------------------------------------------------------------------


def test_part_time_officer_needs_pro_rata_hours() -> None:
    # 0.6 FTE x 20 h = 12 h.
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES), logged(10),
                       person=officer(fte=Fraction("0.6")))
    [result] = judgement.rules
    assert (result.summary, result.full_target) == ("10 h of 12 h", 20 * 60)
    assert judgement.factor == Fraction(3, 5)


def test_part_time_adjustment_is_explained() -> None:
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(fte=Fraction("0.6")))
    assert judgement.adjustments == (
        "Part-time (0.6 FTE): targets are 60% of the full figures.",)


def test_full_time_officer_has_no_adjustment() -> None:
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES))
    assert (judgement.factor, judgement.adjustments) == (1, ())
    assert judgement.rules[0].target == 20 * 60


def test_joiner_needs_hours_for_their_days_in_role() -> None:
    # Joined 1 Oct 2026: 182 of 365 days. 1200 m x 182 / 365 = 598.4 m, rounded up to 599 m.
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(date(2026, 10, 1)), as_of=date(2026, 12, 1))
    assert judgement.rules[0].summary == "0 h of 9 h 59 m"
    assert judgement.adjustments == ("In the role for 182 of the cycle's 365 days.",)


def test_leaver_needs_hours_for_their_days_in_role() -> None:
    # Left on 30 Sep 2026: 1 Apr - 30 Sep is 183 days.
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(held_until=date(2026, 9, 30)))
    assert judgement.factor == Fraction(183, 365)


def test_parental_leave_reduces_the_target() -> None:
    # 1 Jun - 12 Aug 2026 is 30 + 31 + 12 = 73 days; 292 of 365 days is 4/5 of 20 h = 16 h.
    leave = Absence(date(2026, 6, 1), date(2026, 8, 12), "parental leave")
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(absences=(leave,)))
    assert judgement.rules[0].target == 16 * 60
    assert judgement.adjustments == ("Approved absence (parental leave): 73 days.",)


def test_overlapping_absences_count_each_day_once() -> None:
    # 1 Jun - 31 Jul and 1 Jul - 12 Aug overlap in July; together they still cover 73 days.
    absences = (Absence(date(2026, 6, 1), date(2026, 7, 31), "parental leave"),
                Absence(date(2026, 7, 1), date(2026, 8, 12), "long-term sickness"))
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(absences=absences))
    assert judgement.rules[0].target == 16 * 60
    assert judgement.adjustments == (
        "Approved absence (long-term sickness, parental leave): 73 days.",)


def test_absence_inside_another_absence_adds_nothing() -> None:
    absences = (Absence(date(2026, 6, 1), date(2026, 8, 12), "parental leave"),
                Absence(date(2026, 6, 10), date(2026, 6, 20), "parental leave"))
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(absences=absences))
    assert judgement.factor == Fraction(4, 5)


def test_only_the_part_of_an_absence_inside_the_cycle_counts() -> None:
    # 1 Jan - 14 Apr 2026: only 1 - 14 Apr falls in the cycle.
    leave = Absence(date(2026, 1, 1), date(2026, 4, 14), "long-term sickness")
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(absences=(leave,)))
    assert judgement.factor == Fraction(365 - 14, 365)


def test_absence_before_joining_the_role_does_not_count_twice() -> None:
    # Joined 1 Oct 2026 (182 days in role); a June absence is already outside the time in role.
    leave = Absence(date(2026, 6, 1), date(2026, 8, 12), "parental leave")
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(date(2026, 10, 1), absences=(leave,)))
    assert judgement.factor == Fraction(182, 365)
    assert judgement.adjustments == ("In the role for 182 of the cycle's 365 days.",)


def test_part_time_and_absence_combine() -> None:
    # 0.5 FTE x 4/5 of the year (73 days' leave) = 0.4 x 20 h = 8 h.
    leave = Absence(date(2026, 6, 1), date(2026, 8, 12), "parental leave")
    judgement = judged(role(hours_rule(20), pro_rata=ALL_BASES),
                       person=officer(fte=Fraction(1, 2), absences=(leave,)))
    assert judgement.rules[0].target == 8 * 60
    assert judgement.adjustments == (
        "Part-time (0.5 FTE): targets are 50% of the full figures.",
        "Approved absence (parental leave): 73 days.")


def test_rule_not_pro_rated_keeps_the_full_target() -> None:
    participatory = hours_rule(10, code="participatory", label="Participatory CPD",
                               pro_rata=False, participatory=True)
    judgement = judged(role(hours_rule(20), participatory, pro_rata=ALL_BASES),
                       person=officer(fte=Fraction(1, 2)))
    assert [result.target for result in judgement.rules] == [10 * 60, 10 * 60]


def test_pro_rata_counts_are_rounded_up() -> None:
    # 0.6 FTE x 2 reflective accounts = 1.2, so 2.
    judgement = judged(role(reflective_accounts(2), pro_rata=ALL_BASES),
                       person=officer(fte=Fraction("0.6")))
    assert judgement.rules[0].summary == "0 of 2 reflective accounts"


def test_framework_without_pro_rata_does_not_scale() -> None:
    leave = Absence(date(2026, 6, 1), date(2026, 8, 12), "parental leave")
    person = officer(date(2026, 10, 1), fte=Fraction("0.6"), absences=(leave,))
    judgement = judged(role(hours_rule(20)), person=person)
    assert (judgement.factor, judgement.adjustments) == (1, ())
    assert judgement.rules[0].target == 20 * 60


def test_framework_scales_only_on_the_bases_it_names() -> None:
    leave = Absence(date(2026, 6, 1), date(2026, 8, 12), "parental leave")
    person = officer(fte=Fraction("0.6"), absences=(leave,))
    judgement = judged(role(hours_rule(20), pro_rata=frozenset({"fte"})), person=person)
    assert judgement.rules[0].target == 12 * 60


def test_pro_rata_factor_gives_the_share_and_the_reasons() -> None:
    factor, reasons = pro_rata_factor(role(hours_rule(20), pro_rata=ALL_BASES), YEAR,
                                      officer(fte=Fraction(3, 4)))
    assert factor == Fraction(3, 4)
    assert reasons == ("Part-time (0.75 FTE): targets are 75% of the full figures.",)


# --- several roles --------------------------------------------------------------------------


def test_same_activities_are_judged_independently_for_each_role() -> None:
    intelligence = role(hours_rule(20))
    firearms = role(hours_rule(10, code="firearms", label="Firearms CPD", noun="firearms CPD",
                               categories=frozenset({"firearms"})),
                    data_protection(), name="Authorised Firearms Officer")
    activities = (logged(15, category="intelligence"), logged(10, category="firearms"))
    done = {("data-protection", True): date(2026, 1, 10)}
    as_intelligence = judged(intelligence, *activities, items=done)
    as_firearms = judged(firearms, *activities, items=done)
    assert (as_intelligence.status, as_intelligence.rules[0].summary) == (Status.COMPLIANT,
                                                                         "25 h of 20 h")
    assert (as_firearms.status, as_firearms.rules[0].summary) == (Status.COMPLIANT,
                                                                  "10 h of 10 h")


def test_one_role_unmet_leaves_the_other_role_compliant() -> None:
    intelligence = role(hours_rule(20))
    firearms = role(hours_rule(10, categories=frozenset({"firearms"})), data_protection(),
                    name="Authorised Firearms Officer")
    activities = (logged(25, category="intelligence"),)
    assert judged(intelligence, *activities).status is Status.COMPLIANT
    assert judged(firearms, *activities).status is Status.NON_COMPLIANT


# --- properties -----------------------------------------------------------------------------

CATEGORIES = ("legal-update", "firearms", "intelligence", "other")
KINDS = ("reflective-account", "peer-discussion", "planned-record", "course")
ITEMS = ("data-protection", "first-aid", "taser")
BASES = ("fte", "days-in-role", "absence")

filters = st.builds(
    ActivityFilter,
    categories=st.none() | st.frozensets(st.sampled_from(CATEGORIES), min_size=1),
    kinds=st.none() | st.frozensets(st.sampled_from(KINDS), min_size=1),
    participatory=st.none() | st.booleans(),
    verified_only=st.booleans(),
    output=st.none() | st.sampled_from(["reflection", "impact"]),
)

policies = st.one_of(
    st.builds(CyclePolicy, kind=st.just("fixed"), years=st.integers(1, 5),
              start=st.dates(date(2018, 1, 1), date(2026, 12, 31))),
    st.builds(CyclePolicy, kind=st.just("anniversary"), years=st.integers(1, 5),
              anchor=st.sampled_from(["appointment", "accreditation"])),
    st.builds(CyclePolicy, kind=st.just("rolling"), months=st.integers(1, 60)),
)

tallies = st.builds(
    Tally,
    minutes=st.integers(0, 900),
    count=st.integers(1, 4),
    category=st.sampled_from(CATEGORIES),
    kind=st.none() | st.sampled_from(KINDS),
    participatory=st.booleans(),
    verified=st.booleans(),
    reflection=st.booleans(),
    impact=st.booleans(),
)

fractions_of_a_post = st.sampled_from([Fraction(1), Fraction(4, 5), Fraction(3, 5),
                                       Fraction(1, 2), Fraction(0)]) | st.fractions(
    min_value=0, max_value=Fraction(6, 5), max_denominator=100)

item_rules = st.builds(
    lambda item, every_months, verified_only: Rule(
        item, f"Item {item}", "item", item=item, every_months=every_months,
        matches=ActivityFilter(verified_only=verified_only)),
    st.sampled_from(ITEMS), st.none() | st.integers(1, 36), st.booleans())
minutes_rules = st.builds(Rule, code=st.just("minutes"), label=st.just("Hours"),
                          measure=st.just("minutes"), target=st.integers(0, 3000),
                          matches=filters, pro_rata=st.booleans())
count_rules = st.builds(Rule, code=st.just("count"), label=st.just("Count"),
                        measure=st.just("count"), target=st.integers(0, 8), matches=filters,
                        pro_rata=st.booleans())


@st.composite
def requirement_sets(draw: st.DrawFn) -> RequirementSet:
    drawn = draw(st.lists(item_rules | minutes_rules | count_rules, min_size=1, max_size=5))
    return RequirementSet(
        "Generated framework", "1", "generated", "Generated Role", draw(policies),
        tuple(replace(rule, code=f"r{index}") for index, rule in enumerate(drawn)),
        pro_rata=draw(st.frozensets(st.sampled_from(BASES))),
        at_risk_days=draw(st.integers(0, 200)),
    )


@dataclass(frozen=True)
class Case:
    """Everything one judgement takes."""

    requirements: RequirementSet
    cycle: Cycle
    person: Circumstances
    activities: tuple[Tally, ...]
    items: dict[tuple[str, bool], date]
    as_of: date

    def judge(self, activities: tuple[Tally, ...] | None = None,
              items: Mapping[tuple[str, bool], date] | None = None,
              person: Circumstances | None = None) -> Judgement:
        return judge(self.requirements, self.cycle, person or self.person,
                     self.activities if activities is None else activities,
                     self.items if items is None else items, as_of=self.as_of)


def days(first: date, offset: int) -> date:
    return first + timedelta(days=offset)


NO_EXEMPTION: st.SearchStrategy[str | None] = st.none()
#: Absences as (days from 200 days before the cycle start, length in days, reason).
absence_spans = st.lists(st.tuples(st.integers(0, 2100), st.integers(0, 400),
                                   st.sampled_from(["parental leave", "long-term sickness"])),
                         max_size=4)
completions = st.dictionaries(st.tuples(st.sampled_from(ITEMS), st.booleans()),
                              st.integers(0, 2500), max_size=4)


@st.composite
def cases(draw: st.DrawFn, exemption: st.SearchStrategy[str | None] = NO_EXEMPTION) -> Case:
    requirements = draw(requirement_sets())
    as_of = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    held_from = draw(st.dates(date(2015, 1, 1), date(2030, 12, 31)))
    # Mostly the cycle running on the day judged; sometimes an earlier, closed one.
    looking_back = draw(st.just(0) | st.integers(0, 800))
    cycle = cycle_for(requirements.cycle, days(as_of, -looking_back), anchor=held_from)
    absences = tuple(Absence(days(cycle.start, offset - 200), days(cycle.start,
                                                                   offset - 200 + length),
                             reason)
                     for offset, length, reason in draw(absence_spans))
    held_for = draw(st.none() | st.integers(0, 3000))
    extended_by = draw(st.none() | st.integers(1, 365))
    person = Circumstances(
        held_from=held_from,
        held_until=None if held_for is None else days(held_from, held_for),
        fte=draw(fractions_of_a_post),
        absences=absences,
        exemption=draw(exemption),
        extended_to=None if extended_by is None else days(cycle.end, extended_by),
    )
    items = {key: days(as_of, -ago) for key, ago in draw(completions).items()}
    activities = tuple(draw(st.lists(tallies, max_size=8)))
    return Case(requirements, cycle, person, activities, items, as_of)


PROPERTY = settings(max_examples=200, deadline=None)
EXTRA = settings(max_examples=100, deadline=None)


@PROPERTY
@given(case=cases(), extra=tallies)
def test_adding_an_activity_never_makes_the_status_worse(case: Case, extra: Tally) -> None:
    before = case.judge()
    after = case.judge(activities=(*case.activities, extra))
    assert after.status.rank <= before.status.rank
    assert all(new.done >= old.done for old, new in zip(before.rules, after.rules, strict=True))


@PROPERTY
@given(case=cases(), item=st.sampled_from(ITEMS), verified=st.booleans(),
       days_ago=st.integers(0, 2500))
def test_completing_an_item_never_makes_the_status_worse(case: Case, item: str,
                                                         verified: bool, days_ago: int) -> None:
    completed = case.as_of - timedelta(days=days_ago)
    latest = max(case.items.get((item, verified), completed), completed)
    before = case.judge()
    after = case.judge(items={**case.items, (item, verified): latest})
    assert after.status.rank <= before.status.rank
    assert all(new.met >= old.met for old, new in zip(before.rules, after.rules, strict=True))


@EXTRA
@given(case=cases())
def test_an_old_completion_never_brings_an_item_due_sooner_than_none(case: Case) -> None:
    with_history = case.judge()
    without = case.judge(items={})
    for had, had_not in zip(with_history.rules, without.rules, strict=True):
        if had.rule.measure == "item" and not had.met:
            assert had.due >= had_not.due


@PROPERTY
@given(case=cases())
def test_pro_rata_targets_never_exceed_the_full_target(case: Case) -> None:
    judgement = case.judge()
    assert 0 <= judgement.factor <= 1
    for result in judgement.rules:
        assert 0 <= result.target <= result.full_target
        if not result.rule.pro_rata:
            assert result.target == result.full_target


def days_owed(requirements: RequirementSet, cycle: Cycle, person: Circumstances) -> int:
    """Reference count, day by day: the cycle's days the person owes CPD for."""
    owed = 0
    for offset in range(cycle.days):
        day = cycle.start + timedelta(days=offset)
        in_role = person.held_from <= day and (person.held_until is None
                                               or day <= person.held_until)
        away = in_role and any(a.starts_on <= day <= a.ends_on for a in person.absences)
        if "days-in-role" in requirements.pro_rata and not in_role:
            continue
        if "absence" in requirements.pro_rata and away:
            continue
        owed += 1
    return owed


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_pro_rata_share_is_the_share_of_days_owed_times_the_fte(case: Case) -> None:
    expected = Fraction(days_owed(case.requirements, case.cycle, case.person), case.cycle.days)
    if "fte" in case.requirements.pro_rata:
        expected *= min(case.person.fte, 1)
    factor, _ = pro_rata_factor(case.requirements, case.cycle, case.person)
    assert factor == expected


@PROPERTY
@given(case=cases(exemption=st.sampled_from(["Seconded to the NCA.", "Career break."])))
def test_exempt_person_is_never_non_compliant(case: Case) -> None:
    judgement = case.judge()
    assert judgement.status is Status.EXEMPT
    assert judgement.exemption is not None
    assert judgement.next_step.endswith(judgement.exemption)


@EXTRA
@given(case=cases())
def test_not_exempt_person_is_compliant_exactly_when_every_rule_is_met(case: Case) -> None:
    judgement = case.judge()
    assert (judgement.status is Status.COMPLIANT) == (judgement.unmet == ())


@PROPERTY
@given(case=cases(), data=st.data())
def test_results_do_not_depend_on_the_order_of_activities(case: Case,
                                                          data: st.DataObject) -> None:
    shuffled = tuple(data.draw(st.permutations(case.activities)))
    assert case.judge(activities=shuffled) == case.judge()


@EXTRA
@given(case=cases(), data=st.data())
def test_results_do_not_depend_on_the_order_of_absences(case: Case,
                                                        data: st.DataObject) -> None:
    shuffled = tuple(data.draw(st.permutations(case.person.absences)))
    assert case.judge(person=replace(case.person, absences=shuffled)) == case.judge()


@EXTRA
@given(case=cases(), data=st.data())
def test_a_tally_split_in_two_is_judged_like_the_whole(case: Case,
                                                        data: st.DataObject) -> None:
    # Tallies are activities added up: counting them one group or two must not matter.
    whole = data.draw(tallies.filter(lambda tally: tally.count > 1))
    minutes = data.draw(st.integers(0, whole.minutes))
    count = data.draw(st.integers(1, whole.count - 1))
    parts = (whole._replace(minutes=minutes, count=count),
             whole._replace(minutes=whole.minutes - minutes, count=whole.count - count))
    assert (case.judge(activities=(*case.activities, *parts))
            == case.judge(activities=(*case.activities, whole)))


# --- recommended (advisory) targets ---------------------------------------------------------


def planned_learning_recommended(hours: int = 30) -> Rule:
    return dataclasses.replace(hours_rule(hours, code="planned", label="Planned learning",
                                          noun="planned learning"), advisory=True)


def test_a_recommended_target_shows_its_progress_but_never_fails_the_cycle() -> None:
    requirements = role(hours_rule(10), planned_learning_recommended())
    judgement = judged(requirements, logged(10), as_of=YEAR.end + timedelta(days=1))

    planned = judgement.rules[1]
    assert (planned.met, planned.summary) == (False, "10 h of 30 h recommended")
    assert judgement.status is Status.COMPLIANT
    assert judgement.unmet == ()  # so it is never reminded, nor recorded as not met
    assert "planned learning" not in judgement.next_step


def test_a_recommended_target_is_left_out_of_what_is_still_needed() -> None:
    requirements = role(hours_rule(20), planned_learning_recommended())
    judgement = judged(requirements, logged(5))

    assert [result.rule.code for result in judgement.unmet] == ["cpd"]
    assert judgement.next_step.endswith("log 15 h more CPD.")


# --- a deadline before the cycle ends, a grace period after it --------------------------------


def test_a_grace_period_keeps_an_ended_cycle_due_until_it_passes() -> None:
    """RICS: the calendar year's CPD may be recorded until 31 January."""
    requirements = dataclasses.replace(role(hours_rule(20)), due_offset_days=31)
    in_grace = judged(requirements, logged(5), as_of=YEAR.end + timedelta(days=10))
    after = judged(requirements, logged(5), as_of=YEAR.end + timedelta(days=32))

    assert in_grace.due == YEAR.end + timedelta(days=31)
    assert in_grace.status is Status.AT_RISK
    assert after.status is Status.NON_COMPLIANT


def test_a_submission_deadline_makes_the_cycle_due_before_it_ends() -> None:
    """NMC: the application comes before the three years end."""
    requirements = dataclasses.replace(role(hours_rule(20)), due_offset_days=-30)
    judgement = judged(requirements, logged(5), as_of=YEAR.end - timedelta(days=10))

    assert judgement.due == YEAR.end - timedelta(days=30)
    assert judgement.status is Status.NON_COMPLIANT
    assert judgement.rules[0].sentence.endswith(
        f"short when it was due on {YEAR.end - timedelta(days=30):%-d %b %Y}.")


def test_an_exemption_for_a_period_reduces_targets_even_without_a_pro_rata_policy() -> None:
    """92 of the cycle's 365 days exempt: 20 h becomes ceil(1200 * 273 / 365) = 898 minutes,
    though the role pro-rates nothing (an approved absence would change nothing here)."""
    period = Absence(date(2026, 10, 1), date(2026, 12, 31), "Long-term sickness")
    exempt = judged(role(hours_rule(20)), logged(5), person=officer(exempt_periods=(period,)))
    absent = judged(role(hours_rule(20)), logged(5), person=officer(absences=(period,)))

    assert exempt.rules[0].target == 898
    assert absent.rules[0].target == 1200
    assert exempt.status is not Status.EXEMPT


def test_exemptions_for_periods_covering_every_day_held_make_the_cycle_exempt() -> None:
    halves = (Absence(YEAR.start, date(2026, 9, 30), "Seconded"),
              Absence(date(2026, 10, 1), YEAR.end, "Sick leave"))
    judgement = judged(role(hours_rule(20)), person=officer(exempt_periods=halves))
    assert judgement.status is Status.EXEMPT
    assert judgement.exemption == "Seconded; Sick leave"


def test_an_exemption_for_a_period_reduces_count_targets_too() -> None:
    """Counts are not pro-rated by default, but nothing is owed for exempt days: half the
    cycle exempt (the trial's HCPC case) halves 2 reflections to 1 and 6 activities to 3."""
    period = Absence(YEAR.start, date(2026, 9, 30), "Long-term sickness")  # 183 of 365 days
    reflections = count_rule(2, "reflections", "reflection", label="Reflections",
                             pro_rata=False, output="reflection")
    activities = count_rule(6, "activities", "activity", label="Activities", pro_rata=False)
    judgement = judged(role(reflections, activities), person=officer(exempt_periods=(period,)))
    # ceil(2 * 182 / 365) = 1, ceil(6 * 182 / 365) = 3
    assert [result.target for result in judgement.rules] == [1, 3]


def test_the_pace_of_a_cycle_counting_from_after_an_extension_runs_from_then() -> None:
    """The trial's Gareth: at risk eight months in, though nothing he logged in the extension
    of his last cycle could count for this one. The pace now runs from the first day that
    counts (1 Dec): on 1 Jan, 32 of 121 days (past the first quarter), 0 h is behind; on
    15 Dec, 15 days, it is not."""
    requirements = role(hours_rule(20), at_risk_days=0)  # only the pace can make it at risk
    late = officer(counts_from=date(2026, 12, 1))
    assert judged(requirements, person=late, as_of=date(2026, 12, 15)).status is Status.ON_TRACK
    assert judged(requirements, person=late, as_of=date(2027, 1, 1)).status is Status.AT_RISK
    assert judged(requirements, as_of=date(2026, 12, 15)).status is Status.AT_RISK
