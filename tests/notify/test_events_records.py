"""Immediate notifications of duties, reviews, invitations and status changes, set off through
the real services (the helpers are test_events')."""

import pytest
from django.urls import reverse

from accounts.models import Apprenticeship
from accounts.services import invitation_accept
from accounts.status import apprenticeship_status_change
from notify.models import Notification
from tests.conftest import verified_user
from tests.factories import MembershipFactory, ProgressReviewFactory, invitation_with_token
from tests.notify.test_events import assert_mailed, told
from tracker.services import duty_sign_off, progress_review_sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsiders(globex_apprenticeship, other_manager, other_apprentice):
    """People of another organisation and an apprentice of another apprenticeship: never told
    (``told`` would list them)."""


# --- duties and reviews -----------------------------------------------------------------------


def test_a_duty_signed_off_tells_the_apprentice(
    apprenticeship, standard, apprentice, mentor, outsiders, mailoutbox
):
    duty = standard.duties.get(number=2)
    sign_off = duty_sign_off(
        apprenticeship=apprenticeship,
        duty=duty,
        user=mentor,
        note="Seen it on the rota.",
        unevidenced=[ksb.pk for ksb in duty.ksbs.all()],
        reason="Seen at work.",
    )
    items = told("duty_signed_off")
    assert set(items) == {apprentice.email}
    item = items[apprentice.email]
    assert item.title == "Duty 2 of your apprenticeship is signed off"
    assert item.body.startswith("Mina Mentor signed off duty 2, “")
    assert item.body.endswith("Their comment: Seen it on the rota.")
    path = reverse("tracker:duty-detail", kwargs={"pk": apprenticeship.pk, "number": 2})
    assert_mailed(mailoutbox, item, path)
    assert item.email.about == sign_off


def test_a_review_signed_by_the_employer_waits_for_the_apprentice_then_tells_all_signed(
    apprenticeship, apprentice, mentor, manager, outsiders, mailoutbox
):
    review = ProgressReviewFactory(apprenticeship=apprenticeship, recorded_by=mentor)
    progress_review_sign(review=review, user=mentor)
    items = told("review_to_sign")
    assert set(items) == {apprentice.email}
    item = items[apprentice.email]
    held = f"{review.held_on:%-d %B %Y}"
    assert item.title == f"Your progress review of {held} is ready for you to sign"
    assert "Mina Mentor signed the progress review" in item.body
    assert_mailed(mailoutbox, item, review.get_absolute_url())
    assert not told("review_signed")

    progress_review_sign(review=review, user=apprentice, comment="Agreed.")
    items = told("review_signed")
    assert set(items) == {mentor.email}
    item = items[mentor.email]
    assert item.title == f"Alex Apprentice's progress review of {held} is signed by all"
    assert f"{review.next_due_on:%-d %B %Y}" in item.body
    assert_mailed(mailoutbox, item, review.get_absolute_url())


def test_a_review_signed_by_all_without_a_mentor_tells_the_managers(
    apprenticeship, apprentice, manager, mentor
):
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(mentor=None)
    review = ProgressReviewFactory(apprenticeship=apprenticeship, recorded_by=manager)
    progress_review_sign(review=review, user=manager)
    progress_review_sign(review=review, user=apprentice, comment="")
    assert set(told("review_signed")) == {manager.email}


# --- invitations and status -------------------------------------------------------------------


def test_an_accepted_invitation_onto_an_apprenticeship_tells_the_inviter(
    acme, standard, manager, mentor, mailoutbox
):
    invitation, _ = invitation_with_token(
        organisation=acme,
        invited_by=manager,
        email="nia@example.com",
        apprenticeship__standard=standard,
        apprenticeship__mentor=mentor,
    )
    nia = verified_user("nia@example.com", "Nia New")
    invitation_accept(invitation=invitation, user=nia)
    items = told("invitation_accepted")
    assert set(items) == {manager.email}
    item = items[manager.email]
    assert item.title == "Nia New accepted your invitation onto their apprenticeship"
    assert "now active" in item.body
    assert_mailed(mailoutbox, item, invitation.apprenticeship.get_absolute_url())
    assert item.email.about == invitation
    # Joining is told as the invitation accepted, not as a change of status.
    assert not told("status_changed")


def test_an_accepted_invitation_to_join_tells_the_inviter(acme, manager, mailoutbox):
    invitation, _ = invitation_with_token(
        organisation=acme,
        kind="member",
        role="mentor",
        apprenticeship=None,
        invited_by=manager,
        email="max@example.com",
    )
    invitation_accept(invitation=invitation, user=verified_user("max@example.com", "Max Mentor"))
    (item,) = told("invitation_accepted").values()
    assert item.title == "Max Mentor accepted your invitation to join Acme Digital"
    assert item.body == "Max Mentor is now a mentor at Acme Digital."
    assert item.apprenticeship is None
    assert_mailed(mailoutbox, item, acme.get_absolute_url())


@pytest.mark.parametrize("inviter_state", ["deleted", "inactive"])
def test_an_invitation_whose_inviter_is_gone_tells_nobody(acme, manager, inviter_state):
    invitation, _ = invitation_with_token(
        organisation=acme,
        kind="member",
        role="mentor",
        apprenticeship=None,
        invited_by=None if inviter_state == "deleted" else manager,
        email="max@example.com",
    )
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    invitation_accept(invitation=invitation, user=verified_user("max@example.com", "Max"))
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("before", "to", "title"),
    [
        ("active", "paused", "Alex Apprentice's apprenticeship is paused"),
        ("paused", "active", "Alex Apprentice's apprenticeship has resumed"),
        ("active", "withdrawn", "Alex Apprentice's apprenticeship is withdrawn"),
        ("gateway", "completed", "Alex Apprentice's apprenticeship is completed"),
        ("gateway", "active", "Alex Apprentice's apprenticeship has resumed"),
    ],
)
def test_a_status_change_tells_everyone_on_it_but_who_made_it(
    apprenticeship, apprentice, mentor, manager, outsiders, mailoutbox, before, to, title
):
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(status=before)
    apprenticeship.refresh_from_db()
    apprenticeship_status_change(apprenticeship=apprenticeship, to=to, by=manager, reason="Why")
    items = told("status_changed")
    assert set(items) == {apprentice.email, mentor.email}
    # The apprentice reads of their own apprenticeship; the mentor, of whose it is.
    assert items[mentor.email].title == title
    assert items[apprentice.email].title == title.replace(
        "Alex Apprentice's apprenticeship", "Your apprenticeship"
    )
    for item in items.values():
        assert item.body.endswith("The reason given: Why")
        assert_mailed(mailoutbox, item, apprenticeship.get_absolute_url())


def test_a_status_change_to_gateway_links_to_the_gateway_page(
    apprenticeship, apprentice, mentor, manager, mailoutbox
):
    from notify.events import messages_for

    change = apprenticeship.status_changes.create(
        old_status="active", new_status="gateway", by=mentor
    )
    (message,) = [
        m
        for m in messages_for(
            "status_changed",
            apprenticeship=apprenticeship,
            about=change,
            actor=mentor,
            before="active",
            to="gateway",
        )
        if m.recipient == apprentice
    ]
    assert message.title == "Your apprenticeship is at gateway"
    assert message.url == reverse("progress:gateway", kwargs={"pk": apprenticeship.pk})


def test_a_pending_apprenticeship_withdrawn_names_the_invited_person(acme, standard, manager):
    """Withdrawn before anyone joined: the managers but the one who withdrew it are told."""
    invitation, _ = invitation_with_token(
        organisation=acme, apprenticeship__standard=standard, invited_by=manager
    )
    pending = Apprenticeship.objects.get(pk=invitation.apprenticeship_id)
    apprenticeship_status_change(apprenticeship=pending, to="withdrawn", by=manager, reason="No")
    # The manager who withdrew it is the only one on it: nobody else to tell.
    assert not Notification.objects.exists()
    second = verified_user("second@example.com", "Sid Second")
    MembershipFactory(user=second, organisation=acme, role="manager")
    other, _ = invitation_with_token(
        organisation=acme, apprenticeship__standard=standard, full_name="Nia New"
    )
    pending = Apprenticeship.objects.get(pk=other.apprenticeship_id)
    apprenticeship_status_change(apprenticeship=pending, to="withdrawn", by=manager, reason="No")
    (item,) = told("status_changed").values()
    assert item.recipient == second
    assert item.title == "Nia New's apprenticeship is withdrawn"


def test_a_manager_who_signed_for_the_employer_hears_the_review_is_signed_by_all(
    apprenticeship, apprentice, mentor, manager
):
    """The mentor is told as always; the manager who signed in their place is told too."""
    review = ProgressReviewFactory(apprenticeship=apprenticeship, recorded_by=manager)
    progress_review_sign(review=review, user=manager)
    progress_review_sign(review=review, user=apprentice, comment="")
    items = told("review_signed")
    assert set(items) == {mentor.email, manager.email}
    held = f"{review.held_on:%-d %B %Y}"
    assert (
        items[manager.email].title
        == f"Alex Apprentice's progress review of {held} is signed by all"
    )
