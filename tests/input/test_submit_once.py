"""Double submits never make duplicates: the database holds the rule (a unique key per form
sent; one open invitation per person), and a form sent again answers with what the first one
made, with a message, not an error page."""

import uuid
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Apprenticeship, Invitation, Organisation
from accounts.rules import add_months
from accounts.services import apprentice_invite, member_invite
from core.once import AlreadySubmitted
from tests.factories import InvitationFactory
from tracker.models import Evidence, ProgressReview

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def build_url(path):
    return f"http://testserver{path}"


@pytest.fixture
def key():
    return str(uuid.uuid4())


def test_each_form_that_creates_carries_a_fresh_key(client, manager, acme):
    client.force_login(manager)
    url = reverse("accounts:organisation-create")
    first, second = (client.get(url).context["form"] for _ in range(2))
    assert first["submission_key"].value() != second["submission_key"].value()
    assert 'type="hidden" name="submission_key"' in client.get(url).content.decode()


def test_an_organisation_form_sent_twice_makes_one(client, user, key):
    client.force_login(user)
    url = reverse("accounts:organisation-create")
    first = client.post(url, {"name": "Initech", "submission_key": key})
    second = client.post(url, {"name": "Initech", "submission_key": key}, follow=True)
    organisation = Organisation.objects.get()
    assert first.url == second.redirect_chain[-1][0] == organisation.get_absolute_url()
    assert "Initech was set up already; here it is." in messages_of(second)


def test_someone_elses_key_finds_nothing_of_theirs(client, user, other_manager, globex, key):
    """The key is looked up among the sender's own organisations only."""
    Organisation.objects.filter(pk=globex.pk).update(submission_key=key)
    client.force_login(user)
    response = client.post(
        reverse("accounts:organisation-create"), {"name": "Initech", "submission_key": key}
    )
    assert response.status_code == 200
    assert "This form has expired" in str(response.context["form"].non_field_errors())
    assert Organisation.objects.filter(name="Initech").count() == 0  # refused by the database...
    assert Organisation.objects.get(pk=globex.pk).name == "Globex"  # ...and Globex untouched


def evidence_data(apprenticeship, key, **changes):
    return {
        "title": "Pipeline",
        "occurred_on": date.today().isoformat(),
        "activity_type": "project_work",
        "off_the_job_hours": "1.5",
        "submission_key": key,
        "action": "save",
        **changes,
    }


def test_evidence_sent_twice_is_logged_once(client, apprentice, apprenticeship, key):
    client.force_login(apprentice)
    url = reverse("tracker:evidence-create", kwargs={"pk": apprenticeship.pk})
    client.post(url, evidence_data(apprenticeship, key))
    again = client.post(url, evidence_data(apprenticeship, key), follow=True)
    evidence = Evidence.objects.get()
    assert again.redirect_chain[-1][0] == evidence.get_absolute_url()
    assert "This evidence was saved already; here it is." in messages_of(again)
    client.post(url, evidence_data(apprenticeship, str(uuid.uuid4())))
    assert Evidence.objects.count() == 2  # a new form is new evidence


def test_a_form_with_errors_keeps_its_key_and_saves_once_fixed(
    client, apprentice, apprenticeship, key
):
    client.force_login(apprentice)
    url = reverse("tracker:evidence-create", kwargs={"pk": apprenticeship.pk})
    response = client.post(url, evidence_data(apprenticeship, key, title=""))
    assert response.context["form"]["submission_key"].value() == key
    client.post(url, evidence_data(apprenticeship, key))
    assert Evidence.objects.get().submission_key == uuid.UUID(key)


def test_a_review_sent_twice_is_recorded_once(client, mentor, apprenticeship, key):
    client.force_login(mentor)
    url = reverse("tracker:progress-review-create", kwargs={"pk": apprenticeship.pk})
    data = {
        "held_on": date.today().isoformat(),
        "next_due_on": "",
        "progress": "Good",
        "actions": "More",
        "submission_key": key,
    }
    client.post(url, data)
    again = client.post(url, data, follow=True)
    assert ProgressReview.objects.count() == 1
    assert "This review was recorded already; here it is." in messages_of(again)


def test_the_database_refuses_a_second_row_with_one_key(apprenticeship, key):
    Evidence.objects.create(
        apprenticeship=apprenticeship, title="a", occurred_on=date.today(), submission_key=key
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            apprenticeship=apprenticeship, title="b", occurred_on=date.today(), submission_key=key
        )


# --- invitations: one open invitation per person, held by the database -------------------------


@pytest.fixture
def invite_data(standard, mentor, key):
    return {
        "email": "ann@example.com",
        "full_name": "Ann Learner",
        "standard": standard.pk,
        "start_date": date.today().isoformat(),
        "planned_end_date": add_months(date.today(), 24).isoformat(),
        "mentor": mentor.pk,
        "weekly_hours": "30",
        "submission_key": key,
    }


def test_an_invitation_sent_twice_is_sent_once(client, manager, acme, invite_data, mailoutbox):
    client.force_login(manager)
    url = reverse("accounts:apprentice-invite", kwargs={"pk": acme.pk})
    client.post(url, invite_data)
    again = client.post(url, invite_data, follow=True)
    assert Invitation.objects.count() == Apprenticeship.objects.count() == 1
    assert len(mailoutbox) == 1
    assert again.redirect_chain[-1][0] == acme.get_absolute_url()
    assert (
        "Ann Learner was already invited at ann@example.com (pending); no second invitation "
        "was sent." in messages_of(again)
    )


def test_a_member_invitation_sent_twice_is_sent_once(client, manager, acme, key, mailoutbox):
    client.force_login(manager)
    url = reverse("accounts:member-invite", kwargs={"pk": acme.pk})
    data = {"email": "max@example.com", "full_name": "Max", "role": "mentor", "submission_key": key}
    client.post(url, data)
    client.post(url, data)
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1


def test_two_invitations_racing_past_the_form_meet_the_constraint(
    acme, manager, standard, mailoutbox
):
    """What two simultaneous requests do: both pass the form's check, the second insert is
    refused by the database, and the service answers with the first invitation."""
    details = {
        "organisation": acme,
        "invited_by": manager,
        "email": "ann@example.com",
        "full_name": "Ann Learner",
        "standard": standard,
        "start_date": date.today(),
        "planned_end_date": add_months(date.today(), 24),
        "build_url": build_url,
    }
    first = apprentice_invite(**details, submission_key=uuid.uuid4())
    with pytest.raises(AlreadySubmitted) as caught:
        # full_clean would see the first one; skip it as a request racing past it does
        from accounts import services

        original = Invitation.full_clean
        try:
            Invitation.full_clean = lambda self, **kwargs: None
            apprentice_invite(**details, submission_key=uuid.uuid4())
        finally:
            Invitation.full_clean = original
    assert caught.value.obj == first
    assert services and Invitation.objects.count() == Apprenticeship.objects.count() == 1
    assert len(mailoutbox) == 1


def test_the_database_holds_one_open_invitation_per_person(acme, manager):
    member_invite(
        organisation=acme,
        invited_by=manager,
        email="Max@Example.com",
        full_name="Max",
        role="mentor",
        build_url=build_url,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(organisation=acme, kind="member", role="mentor", email="max@example.COM")


def test_an_expired_invitation_is_resent_not_doubled(client, manager, acme, invite_data):
    client.force_login(manager)
    url = reverse("accounts:apprentice-invite", kwargs={"pk": acme.pk})
    client.post(url, invite_data)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    response = client.post(url, {**invite_data, "submission_key": str(uuid.uuid4())})
    assert response.status_code == 200
    assert "already has an expired invitation onto this standard: resend it" in " ".join(
        response.context["form"].errors["email"]
    )
    assert Invitation.objects.count() == 1


def test_once_revoked_the_person_can_be_invited_again(client, manager, acme, invite_data):
    client.force_login(manager)
    url = reverse("accounts:apprentice-invite", kwargs={"pk": acme.pk})
    client.post(url, invite_data)
    invitation = Invitation.objects.get()
    client.post(reverse("accounts:invitation-revoke", kwargs={"pk": invitation.pk}))
    client.post(url, {**invite_data, "submission_key": str(uuid.uuid4())})
    assert Invitation.objects.count() == 2
    assert Invitation.objects.pending().count() == 1
