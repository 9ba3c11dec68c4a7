"""Timesheet lines, time off and changes of the working week: the services (good and bad
input, who may), the hours page and its forms (errors shown with what was typed), 404 for
someone else's records and 403 for a role that may not act."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.permissions import NotAllowed
from tests.factories import KSBFactory, make_standard
from tracker.models import TimeOff, TimesheetDecision, TimesheetEntry, WorkingHoursChange
from tracker.services import TrackerError
from tracker.services.hours import (
    time_off_record,
    time_off_withdraw,
    timesheet_decide,
    timesheet_log,
    timesheet_withdraw,
    working_hours_change,
)

pytestmark = pytest.mark.django_db

TODAY = date.today()


def _log(apprenticeship, user, **changes):
    fields = {
        "on": TODAY - timedelta(days=1),
        "hours": Decimal("3.5"),
        "activity": "Workshop on pipelines",
        "ksbs": [],
    } | changes
    return timesheet_log(user=user, apprenticeship=apprenticeship, **fields)


# --- services ---------------------------------------------------------------------------------


def test_the_apprentice_logs_a_line_that_waits(apprenticeship, apprentice, standard):
    ksb = standard.ksbs.first()
    entry = _log(apprenticeship, apprentice, ksbs=[ksb])
    assert entry.status == TimesheetEntry.Status.SUBMITTED
    assert entry.by == apprentice
    assert list(entry.ksbs.all()) == [ksb]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"on": TODAY + timedelta(days=1)}, "on", "future"),
        ({"on": TODAY - timedelta(days=400)}, "on", "before_start"),
        ({"hours": Decimal(0)}, "hours", "hours_range"),
        ({"hours": Decimal("-1")}, "hours", "hours_range"),
        ({"hours": Decimal("24.01")}, "hours", "hours_range"),
        ({"activity": "   "}, "activity", "required"),
    ],
)
def test_bad_lines_are_refused(apprenticeship, apprentice, changes, field, code):
    with pytest.raises(ValidationError) as caught:
        _log(apprenticeship, apprentice, **changes)
    assert caught.value.error_dict[field][0].code == code
    assert not TimesheetEntry.objects.exists()


def test_a_line_takes_exactly_24_hours(apprenticeship, apprentice):
    assert _log(apprenticeship, apprentice, hours=Decimal(24)).hours == 24


def test_a_ksb_of_another_standard_is_refused(apprenticeship, apprentice):
    other = make_standard(reference="ST9999").ksbs.first()
    with pytest.raises(ValidationError) as caught:
        _log(apprenticeship, apprentice, ksbs=[other])
    assert "ksbs" in caught.value.error_dict


def test_only_the_apprentice_logs(apprenticeship, mentor):
    with pytest.raises(NotAllowed):
        _log(apprenticeship, mentor)


def test_accept_and_return_are_recorded_with_the_party(apprenticeship, apprentice, mentor):
    first, second = _log(apprenticeship, apprentice), _log(apprenticeship, apprentice)
    timesheet_decide(user=mentor, entry=first, decision="accepted")
    with pytest.raises(ValidationError):
        timesheet_decide(user=mentor, entry=second, decision="returned", comment=" ")
    timesheet_decide(user=mentor, entry=second, decision="returned", comment="Which course?")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("accepted", "returned")
    decision = second.decisions.get()
    assert (decision.by, decision.party, decision.comment) == (mentor, "employer", "Which course?")
    with pytest.raises(TrackerError):
        timesheet_decide(user=mentor, entry=first, decision="returned", comment="Again")
    with pytest.raises(TrackerError):
        timesheet_decide(user=mentor, entry=first, decision="withdrawn")


def test_the_apprentice_may_not_decide_their_own_hours(apprenticeship, apprentice):
    entry = _log(apprenticeship, apprentice)
    with pytest.raises(NotAllowed):
        timesheet_decide(user=apprentice, entry=entry, decision="accepted")


def test_withdrawing_a_waiting_line(apprenticeship, apprentice, mentor):
    entry = _log(apprenticeship, apprentice)
    timesheet_withdraw(user=apprentice, entry=entry)
    entry.refresh_from_db()
    assert entry.status == "withdrawn"
    assert entry.decisions.get().decision == TimesheetDecision.Decision.WITHDRAWN
    with pytest.raises(TrackerError):
        timesheet_withdraw(user=apprentice, entry=entry)
    with pytest.raises(TrackerError):
        timesheet_decide(user=mentor, entry=entry, decision="accepted")


def _time_off(apprenticeship, user, first, last, kind="holiday"):
    return time_off_record(
        user=user, apprenticeship=apprenticeship, kind=kind, starts_on=first, ends_on=last
    )


def test_time_off_is_recorded_and_may_not_overlap(apprenticeship, mentor):
    start = apprenticeship.start_date
    first = _time_off(
        apprenticeship, mentor, start + timedelta(days=10), start + timedelta(days=14)
    )
    assert (first.by, first.party) == (mentor, "employer")
    with pytest.raises(ValidationError) as caught:
        _time_off(apprenticeship, mentor, start + timedelta(days=14), start + timedelta(days=20))
    assert caught.value.error_dict["starts_on"][0].code == "overlap"
    time_off_withdraw(user=mentor, time_off=first)
    # Withdrawn time off no longer stands in the way.
    _time_off(apprenticeship, mentor, start + timedelta(days=14), start + timedelta(days=20))
    first.refresh_from_db()
    assert first.withdrawn_by == mentor and first.withdrawn_at is not None
    with pytest.raises(TrackerError):
        time_off_withdraw(user=mentor, time_off=first)


@pytest.mark.parametrize(
    ("first", "last", "field", "code"),
    [
        (-1, 3, "starts_on", "before_start"),
        (10, 800, "ends_on", "after_end"),
        (10, 9, "ends_on", "end_before_start"),
    ],
)
def test_bad_time_off_is_refused(apprenticeship, mentor, first, last, field, code):
    start = apprenticeship.start_date
    with pytest.raises(ValidationError) as caught:
        _time_off(apprenticeship, mentor, start + timedelta(days=first), start + timedelta(last))
    assert caught.value.error_dict[field][0].code == code
    assert not TimeOff.objects.exists()


def test_the_apprentice_does_not_record_time_off(apprenticeship, apprentice):
    with pytest.raises(NotAllowed):
        _time_off(apprenticeship, apprentice, TODAY, TODAY)


def test_a_change_of_hours_keeps_the_hours_it_replaces(apprenticeship, mentor):
    start = apprenticeship.start_date
    change = working_hours_change(
        user=mentor,
        apprenticeship=apprenticeship,
        from_date=start + timedelta(days=50),
        weekly_hours=Decimal(20),
    )
    assert (change.previous_weekly_hours, change.weekly_hours) == (30, 20)
    apprenticeship.refresh_from_db()
    assert apprenticeship.weekly_hours == 20
    with pytest.raises(ValidationError) as caught:
        working_hours_change(
            user=mentor,
            apprenticeship=apprenticeship,
            from_date=start + timedelta(days=40),
            weekly_hours=Decimal(25),
        )
    assert caught.value.error_dict["from_date"][0].code == "before_latest"
    with pytest.raises(ValidationError) as caught:
        working_hours_change(
            user=mentor,
            apprenticeship=apprenticeship,
            from_date=start + timedelta(days=60),
            weekly_hours=Decimal(20),
        )
    assert caught.value.error_dict["weekly_hours"][0].code == "unchanged"
    assert WorkingHoursChange.objects.count() == 1


# --- pages ------------------------------------------------------------------------------------


def _hours_url(apprenticeship):
    return reverse("tracker:hours", kwargs={"pk": apprenticeship.pk})


def test_the_hours_page_shows_the_forecast_chart_and_forms(client, apprenticeship, apprentice):
    _log(apprenticeship, apprentice)
    client.force_login(apprentice)
    page = client.get(_hours_url(apprenticeship)).content.decode()
    assert "At this rate you finish" in page
    assert "<polyline" in page and "Planned by the training plan" in page
    assert "Workshop on pipelines" in page and "Waiting for a decision" in page
    assert "Log the hours" in page
    assert "Record the time off" not in page  # not the apprentice's to record
    assert ">Accept<" not in page


def test_deciders_see_the_buttons_and_forms(client, apprenticeship, apprentice, mentor):
    _log(apprenticeship, apprentice)
    client.force_login(mentor)
    page = client.get(_hours_url(apprenticeship)).content.decode()
    assert ">Accept<" in page and ">Return<" in page
    assert "Record the time off" in page and "Record the change" in page
    assert "Log the hours" not in page


def test_logging_through_the_page(client, apprenticeship, apprentice):
    client.force_login(apprentice)
    url = reverse("tracker:timesheet-add", kwargs={"pk": apprenticeship.pk})
    response = client.post(
        url, {"on": TODAY.isoformat(), "hours": "2.25", "activity": "Reading"}, follow=True
    )
    assert "Hours logged" in response.content.decode()
    assert TimesheetEntry.objects.get().hours == Decimal("2.25")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"on": "", "hours": "2", "activity": "Kept text"}, "This field is required"),
        ({"on": str(TODAY + timedelta(days=1)), "hours": "2", "activity": "Kept text"}, "future"),
        ({"on": TODAY.isoformat(), "hours": "25", "activity": "Kept text"}, "less than or equal"),
        ({"on": TODAY.isoformat(), "hours": "abc", "activity": "Kept text"}, "Enter a number"),
        ({"on": "1999-01-01", "hours": "2", "activity": "Kept text"}, "before the apprentice"),
    ],
)
def test_bad_input_shows_the_page_again_with_what_was_typed(
    client, apprenticeship, apprentice, data, message
):
    client.force_login(apprentice)
    url = reverse("tracker:timesheet-add", kwargs={"pk": apprenticeship.pk})
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'value="Kept text"' in page
    assert not TimesheetEntry.objects.exists()


def test_the_chosen_ksbs_stay_chosen_and_another_standards_are_refused(
    client, apprenticeship, apprentice
):
    client.force_login(apprentice)
    url = reverse("tracker:timesheet-add", kwargs={"pk": apprenticeship.pk})
    k1, s2 = (
        apprenticeship.standard.ksbs.get(kind=kind, number=n) for kind, n in (("K", 1), ("S", 2))
    )
    data = {"on": TODAY.isoformat(), "hours": "25", "activity": "Kept", "ksbs": [k1.pk, s2.pk]}
    page = client.post(url, data).content.decode()
    assert f'<option value="{k1.pk}" selected>K1: ' in page
    assert f'<option value="{s2.pk}" selected>S2: ' in page
    assert page.count(" selected>") == 2
    foreign = KSBFactory()
    page = client.post(url, {**data, "hours": "2", "ksbs": [foreign.pk]}).content.decode()
    assert "Choose KSBs of your own standard only." in page
    assert not TimesheetEntry.objects.exists()
    client.post(url, {**data, "hours": "2"})
    assert set(TimesheetEntry.objects.get().ksbs.all()) == {k1, s2}


def test_returning_without_a_comment_says_why(client, apprenticeship, apprentice, mentor):
    entry = _log(apprenticeship, apprentice)
    client.force_login(mentor)
    url = reverse("tracker:timesheet-decide", kwargs={"pk": entry.pk})
    response = client.post(url, {"decision": "returned", "comment": ""})
    assert response.status_code == 200
    assert "Say why the hours are returned." in response.content.decode()
    response = client.post(url, {"decision": "accepted"}, follow=True)
    assert "Hours accepted." in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "accepted"


def test_time_off_and_hours_through_the_page(client, apprenticeship, mentor):
    client.force_login(mentor)
    start = apprenticeship.start_date
    url = reverse("tracker:time-off-add", kwargs={"pk": apprenticeship.pk})
    bad = client.post(
        url,
        {
            "kind": "holiday",
            "starts_on": (start - timedelta(days=1)).isoformat(),
            "ends_on": start.isoformat(),
            "note": "Kept note",
        },
    )
    assert bad.status_code == 200
    assert "cannot be before the apprenticeship" in bad.content.decode()
    assert 'value="Kept note"' in bad.content.decode()
    good = client.post(
        url,
        {"kind": "holiday", "starts_on": start.isoformat(), "ends_on": start.isoformat()},
        follow=True,
    )
    assert "Time off recorded." in good.content.decode()
    time_off = TimeOff.objects.get()
    withdraw = reverse("tracker:time-off-withdraw", kwargs={"pk": time_off.pk})
    assert "Withdraw this time off?" in client.get(withdraw).content.decode()
    client.post(withdraw)
    time_off.refresh_from_db()
    assert time_off.withdrawn_at is not None
    change = reverse("tracker:working-hours-change", kwargs={"pk": apprenticeship.pk})
    bad = client.post(change, {"from_date": start.isoformat(), "weekly_hours": "30"})
    assert "The working week is 30" in bad.content.decode()
    client.post(change, {"from_date": start.isoformat(), "weekly_hours": "16"})
    apprenticeship.refresh_from_db()
    assert apprenticeship.weekly_hours == 16


def test_someone_elses_records_are_404(client, apprenticeship, apprentice, other_manager):
    entry = _log(apprenticeship, apprentice)
    client.force_login(other_manager)
    assert client.get(_hours_url(apprenticeship)).status_code == 404
    decide = reverse("tracker:timesheet-decide", kwargs={"pk": entry.pk})
    assert client.post(decide, {"decision": "accepted"}).status_code == 404
    withdraw = reverse("tracker:timesheet-withdraw", kwargs={"pk": entry.pk})
    assert client.get(withdraw).status_code == 404


def test_a_role_without_the_action_is_403(client, apprenticeship, apprentice, mentor):
    entry = _log(apprenticeship, apprentice)
    client.force_login(apprentice)
    decide = reverse("tracker:timesheet-decide", kwargs={"pk": entry.pk})
    assert client.post(decide, {"decision": "accepted"}).status_code == 403
    add = reverse("tracker:time-off-add", kwargs={"pk": apprenticeship.pk})
    assert client.post(add, {}).status_code == 403
    client.force_login(mentor)
    withdraw = reverse("tracker:timesheet-withdraw", kwargs={"pk": entry.pk})
    assert client.get(withdraw).status_code == 403


# The apprentice's page lists the standard's KSBs for the form: one query more.
HOURS_PAGE_QUERIES = {"mentor": 15, "apprentice": 15}


def _fill(apprenticeship, apprentice, mentor, size):
    """``size`` accepted lines with two KSBs each, and as many days of time off."""
    ksbs = list(apprenticeship.standard.ksbs.all()[:2])
    while TimesheetEntry.objects.count() < size:
        number = TimesheetEntry.objects.count()
        entry = _log(apprenticeship, apprentice, ksbs=ksbs)
        timesheet_decide(user=mentor, entry=entry, decision="accepted")
        day = apprenticeship.start_date + timedelta(days=number + 1)
        _time_off(apprenticeship, mentor, day, day)
    working_hours_change(
        user=mentor,
        apprenticeship=apprenticeship,
        from_date=apprenticeship.start_date + timedelta(days=size * 7),
        weekly_hours=Decimal(20 + size),
    )


@pytest.mark.parametrize("who", ["mentor", "apprentice"])
def test_the_hours_page_queries_are_pinned(
    client, apprenticeship, apprentice, mentor, django_assert_num_queries, who
):
    client.force_login(mentor if who == "mentor" else apprentice)
    url = _hours_url(apprenticeship)
    client.get(url)  # the first page builds the standard's structure, kept by the process
    for size in (1, 6):
        _fill(apprenticeship, apprentice, mentor, size)
        with django_assert_num_queries(HOURS_PAGE_QUERIES[who]):
            assert client.get(url).status_code == 200


def test_the_demo_hours(apprenticeship, apprentice, mentor):
    from demo.hours import seed_hours
    from progress.tally import tally_check

    lines = seed_hours(apprenticeship, apprentice=apprentice, decider=mentor)
    assert [line.status for line in TimesheetEntry.objects.order_by("on")] == [
        "accepted",
        "accepted",
        "accepted",
        "submitted",
    ]
    assert len(lines) == 4
    apprenticeship.refresh_from_db()
    assert apprenticeship.weekly_hours == 26
    assert TimeOff.objects.get().kind == "holiday"
    assert tally_check() == []
