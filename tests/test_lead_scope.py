"""The one scope rule (:meth:`LeadScope.covers`) and its SQL rendering give the same answer.

Single records (``allows``) ask the rule in Python; lists (``visible``, the people list) ask the
same rule as SQL. If the two ever disagreed, a lead would see someone in a list whose record
they could not open, or the other way round.
"""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from cpd_tracker.permissions import Access, LeadScope

UNITS = ("Force Intelligence Bureau", "SOCU", None)
ROLES = ("intelligence-officer", "intelligence-analyst", "researcher")

scopes = st.one_of(
    st.just(LeadScope("force")),
    st.builds(LeadScope, st.just("unit"), st.sampled_from(UNITS[:2])),
    st.builds(LeadScope, st.just("role"), st.sampled_from(ROLES)))
accesses = st.builds(Access, st.just("lead"), st.booleans(),
                     st.lists(scopes, max_size=3).map(tuple))
people = st.tuples(st.sampled_from(UNITS), st.frozensets(st.sampled_from(ROLES), max_size=3))

_engine = sa.create_engine("sqlite://")
_metadata = sa.MetaData()
_person = sa.Table("person", _metadata, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("unit", sa.String))
_holds = sa.Table("holds", _metadata, sa.Column("person_id", sa.Integer),
                  sa.Column("role", sa.String))
_metadata.create_all(_engine)


@given(accesses, people)
def test_the_sql_condition_says_what_the_rule_says(access: Access, person: tuple) -> None:
    unit, roles = person
    with _engine.begin() as connection:
        connection.execute(_holds.delete())
        connection.execute(_person.delete())
        connection.execute(_person.insert().values(id=1, unit=unit))
        for role in roles:
            connection.execute(_holds.insert().values(person_id=1, role=role))
        condition = access.leads_condition(_person.c.unit, lambda code: sa.exists().where(
            _holds.c.person_id == _person.c.id, _holds.c.role == code))
        found = connection.scalar(sa.select(sa.func.count()).select_from(_person)
                                  .where(condition))
    assert bool(found) is access.leads(unit, roles)


def test_a_role_lead_covers_the_holders_of_that_role_only() -> None:
    lead = Access("lead", lead_scopes=(LeadScope("role", "researcher"),))
    assert lead.leads("SOCU", {"researcher", "intelligence-officer"})
    assert not lead.leads("SOCU", {"intelligence-officer"})


def test_a_unit_lead_covers_that_unit_and_no_one_without_a_unit() -> None:
    lead = Access("lead", lead_scopes=(LeadScope("unit", "SOCU"),))
    assert lead.leads("SOCU", set())
    assert not lead.leads(None, set())
    assert not lead.leads("Force Intelligence Bureau", {"researcher"})


def test_an_admin_leads_everyone_and_a_plain_user_no_one() -> None:
    assert Access("a", admin=True).leads(None, set())
    assert not Access("a").leads("SOCU", set(ROLES))
