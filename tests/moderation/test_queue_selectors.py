"""The substitute chain and the effective handlers (moderation.selectors).

Absences are written directly here: the selectors are the contract the
reminders build on, tested apart from the absence services (test_queue_absences).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation import selectors
from moderation.models import Absence
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def away(user, substitute=None, *, start=-1, end=1):
    return Absence.objects.create(
        user=user,
        substitute=substitute,
        starts_at=NOW + timedelta(days=start),
        ends_at=NOW + timedelta(days=end),
        created_by=user,
    )


@pytest.fixture
def people(db):
    return [UserFactory(username=name) for name in ("a", "b", "c", "d")]


def test_a_present_user_is_not_absent_and_needs_no_substitute(people):
    a, *_ = people
    assert not selectors.is_absent(a, NOW)
    assert selectors.substitute_for(a, NOW) is None


def test_the_substitute_covers_during_the_absence_only(people):
    a, b, *_ = people
    away(a, b, start=0, end=2)
    assert selectors.is_absent(a, NOW + timedelta(hours=1))
    assert selectors.substitute_for(a, NOW + timedelta(hours=1)) == b
    # Before and after the half-open period [start, end).
    assert not selectors.is_absent(a, NOW - timedelta(seconds=1))
    assert selectors.substitute_for(a, NOW + timedelta(days=2)) is None
    assert not selectors.is_absent(a, NOW + timedelta(days=2))


def test_the_chain_reaches_the_first_present_person(people):
    a, b, c, _ = people
    away(a, b)
    away(b, c)
    assert selectors.substitute_for(a, NOW) == c
    assert selectors.substitute_for(b, NOW) == c


def test_a_cycle_covers_nobody(people):
    a, b, c, _ = people
    away(a, b)
    away(b, c)
    away(c, a)
    assert selectors.substitute_for(a, NOW) is None


def test_a_chain_ending_in_an_absent_person_without_substitute_covers_nobody(people):
    a, b, *_ = people
    away(a, b)
    away(b, None)
    assert selectors.substitute_for(a, NOW) is None
    assert selectors.substitute_for(b, NOW) is None


def test_a_cancelled_absence_covers_nothing(people):
    a, b, *_ = people
    absence = away(a, b)
    Absence.objects.filter(pk=absence.pk).update(cancelled_at=NOW, cancelled_by=a)
    assert not selectors.is_absent(a, NOW)


def test_effective_handlers_replace_and_deduplicate(page_channel, employee, other_employee):
    c = UserFactory(username="cesar")
    page_channel.handlers.add(other_employee)
    assert selectors.effective_handlers(page_channel, NOW) == sorted(
        [employee, other_employee], key=lambda u: u.pk
    )
    away(employee, other_employee)
    assert selectors.effective_handlers(page_channel, NOW) == [other_employee]
    away(other_employee, c)
    assert selectors.effective_handlers(page_channel, NOW) == [c]


def test_effective_handlers_empty_when_all_away_without_substitute(page_channel, employee):
    away(employee, None)
    assert selectors.effective_handlers(page_channel, NOW) == []
    assert selectors.effective_handlers(page_channel, NOW + timedelta(days=3)) == [employee]


def test_selectors_cost_a_fixed_number_of_queries(
    people, page_channel, django_assert_max_num_queries
):
    a, b, c, d = people
    away(a, b)
    away(b, c)
    away(c, d)
    # One query for the absences covering the moment and one for the user.
    with django_assert_max_num_queries(2):
        assert selectors.substitute_for(a, NOW) == d
    # Absences, the channel's handler ids, the users.
    with django_assert_max_num_queries(3):
        selectors.effective_handlers(page_channel, NOW)
