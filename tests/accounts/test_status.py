"""The one writer of an apprenticeship's status: transitions, who may make them, guards,
reasons, the history, and nothing else writing the field."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Apprenticeship, Membership, StatusChange, StatusWriteError
from accounts.permissions import Action, NotAllowed, Role
from accounts.status import (
    TRANSITIONS,
    StatusError,
    allowed_transitions,
    apprenticeship_status_change,
    register_guard,
)
from tests.factories import ApprenticeshipFactory, InvitationFactory

pytestmark = pytest.mark.django_db

S = Apprenticeship.Status


def test_the_transitions_are_these():
    assert TRANSITIONS == {
        (S.PENDING, S.ACTIVE): Action.JOIN,
        (S.PENDING, S.WITHDRAWN): Action.CHANGE_STATUS,
        (S.ACTIVE, S.PAUSED): Action.CHANGE_STATUS,
        (S.ACTIVE, S.GATEWAY): Action.MARK_GATEWAY,
        (S.ACTIVE, S.WITHDRAWN): Action.CHANGE_STATUS,
        (S.PAUSED, S.ACTIVE): Action.CHANGE_STATUS,
        (S.PAUSED, S.WITHDRAWN): Action.CHANGE_STATUS,
        (S.GATEWAY, S.ACTIVE): Action.CHANGE_STATUS,
        (S.GATEWAY, S.COMPLETED): Action.RECORD_EPA,
        (S.GATEWAY, S.WITHDRAWN): Action.CHANGE_STATUS,
    }


def _at(apprenticeship, status):
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(status=status)
    apprenticeship.refresh_from_db()
    return apprenticeship


def test_a_change_is_recorded_with_who_when_from_to_and_why(apprenticeship, manager):
    apprenticeship_status_change(
        apprenticeship=apprenticeship, to=S.PAUSED, by=manager, reason="  Parental leave  "
    )
    assert apprenticeship.status == S.PAUSED
    assert Apprenticeship.objects.get(pk=apprenticeship.pk).status == S.PAUSED
    change = StatusChange.objects.get()
    assert (change.old_status, change.new_status, change.by, change.note) == (
        S.ACTIVE,
        S.PAUSED,
        manager,
        "Parental leave",
    )
    assert change.at
    assert str(change) == "Active -> On a break"


@pytest.mark.parametrize(
    ("before", "to"),
    [
        (S.ACTIVE, S.COMPLETED),  # completed only from gateway
        (S.ACTIVE, S.ACTIVE),
        (S.ACTIVE, S.PENDING),
        (S.PAUSED, S.GATEWAY),
        (S.PAUSED, S.COMPLETED),
        (S.COMPLETED, S.ACTIVE),  # completed and withdrawn are for good
        (S.COMPLETED, S.WITHDRAWN),
        (S.WITHDRAWN, S.ACTIVE),
        (S.GATEWAY, S.PAUSED),
    ],
)
def test_changes_the_table_does_not_allow_are_refused(apprenticeship, superuser, before, to):
    _at(apprenticeship, before)
    with pytest.raises(StatusError) as refused:
        apprenticeship_status_change(
            apprenticeship=apprenticeship, to=to, by=superuser, reason="Because"
        )
    assert str(refused.value) == (
        f"An apprenticeship that is “{S(before).label.lower()}” cannot become "
        f"“{S(to).label.lower()}”."
    )
    assert Apprenticeship.objects.get(pk=apprenticeship.pk).status == before
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize("who", ["mentor", "apprentice", "other_manager"])
def test_only_a_manager_or_admin_pauses_resumes_withdraws_or_completes(
    request, apprenticeship, who
):
    with pytest.raises(NotAllowed):
        apprenticeship_status_change(
            apprenticeship=apprenticeship,
            to=S.WITHDRAWN,
            by=request.getfixturevalue(who),
            reason="Because",
        )
    assert not StatusChange.objects.exists()


def test_an_apprentice_who_manages_their_organisation_cannot_change_their_own_status(
    apprenticeship, apprentice, acme
):
    Membership.objects.create(user=apprentice, organisation=acme, role="manager")
    with pytest.raises(NotAllowed):
        apprenticeship_status_change(
            apprenticeship=apprenticeship, to=S.PAUSED, by=apprentice, reason="Holiday"
        )


def test_a_reason_is_needed_for_a_managers_change(apprenticeship, manager):
    with pytest.raises(ValidationError) as refused:
        apprenticeship_status_change(apprenticeship=apprenticeship, to=S.PAUSED, by=manager)
    assert refused.value.message_dict == {"reason": ["Say why the status changes."]}
    assert refused.value.error_dict["reason"][0].code == "required"
    assert not StatusChange.objects.exists()


def test_gateway_needs_its_checklist_checked_again_at_the_moment_of_change(apprenticeship, mentor):
    from accounts.models import GatewayAgreement

    # The declaration signed (as if the checklist had held then): the change checks it again.
    GatewayAgreement.objects.create(apprenticeship=apprenticeship, by=mentor, party="employer")
    with pytest.raises(StatusError) as refused:
        apprenticeship_status_change(apprenticeship=apprenticeship, to=S.GATEWAY, by=mentor)
    message = str(refused.value)
    assert message.startswith("It cannot become “at gateway” yet: ")
    assert "“Every KSB has accepted evidence” does not hold" in message
    assert Apprenticeship.objects.get(pk=apprenticeship.pk).status == S.ACTIVE


def test_every_guard_of_a_status_is_heard(apprenticeship, manager):
    from accounts.status import _GUARDS

    first, second = (lambda locked: ["the moon is full"]), (lambda locked: ["it is Sunday"])
    _at(apprenticeship, S.GATEWAY)
    assert S.COMPLETED not in _GUARDS
    register_guard(S.COMPLETED, first)
    register_guard(S.COMPLETED, second)
    try:
        with pytest.raises(StatusError) as refused:
            apprenticeship_status_change(
                apprenticeship=apprenticeship, to=S.COMPLETED, by=manager, reason="EPA passed"
            )
        assert str(refused.value) == (
            "It cannot become “completed” yet: the moon is full; it is Sunday."
        )
    finally:
        del _GUARDS[S.COMPLETED]


def test_a_registered_guard_runs_in_the_change(apprenticeship, manager):
    calls = []

    def guard(locked):
        calls.append(locked.pk)
        return ["the moon is full"]

    register_guard(S.PAUSED, guard)
    register_guard(S.PAUSED, guard)  # registering twice runs it once
    try:
        with pytest.raises(StatusError) as refused:
            apprenticeship_status_change(
                apprenticeship=apprenticeship, to=S.PAUSED, by=manager, reason="x"
            )
        assert str(refused.value) == "It cannot become “on a break” yet: the moon is full."
        assert calls == [apprenticeship.pk]
    finally:
        from accounts.status import _GUARDS

        _GUARDS[S.PAUSED].remove(guard)


def test_an_apprenticeship_without_an_apprentice_cannot_become_active(acme, standard, manager):
    invitation = InvitationFactory(organisation=acme, apprenticeship__standard=standard)
    pending = invitation.apprenticeship
    with pytest.raises(NotAllowed):
        apprenticeship_status_change(apprenticeship=pending, to=S.ACTIVE, by=manager)
    assert Apprenticeship.objects.get(pk=pending.pk).status == S.PENDING


def test_allowed_transitions_follow_the_role(apprenticeship):
    assert allowed_transitions(apprenticeship, Role.MANAGER) == [
        (S.PAUSED, Action.CHANGE_STATUS),
        (S.GATEWAY, Action.MARK_GATEWAY),
        (S.WITHDRAWN, Action.CHANGE_STATUS),
    ]
    assert allowed_transitions(apprenticeship, Role.MENTOR) == [(S.GATEWAY, Action.MARK_GATEWAY)]
    assert allowed_transitions(apprenticeship, Role.APPRENTICE) == []
    assert allowed_transitions(_at(apprenticeship, S.COMPLETED), Role.ADMIN) == []


def test_saving_an_apprenticeship_never_writes_its_status(apprenticeship):
    apprenticeship.status = S.GATEWAY
    with pytest.raises(StatusWriteError):
        apprenticeship.save()
    apprenticeship.refresh_from_db()
    with pytest.raises(StatusWriteError):
        apprenticeship.save(update_fields=["status"])
    stale = Apprenticeship.objects.get(pk=apprenticeship.pk)
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(status=S.PAUSED)
    stale.weekly_hours = 20
    stale.save()  # an edit made on a copy loaded before the change keeps the new status
    assert Apprenticeship.objects.get(pk=apprenticeship.pk).status == S.PAUSED
    assert Apprenticeship.objects.get(pk=apprenticeship.pk).weekly_hours == 20


# --- the page -------------------------------------------------------------------------------------


def status_url(apprenticeship):
    return reverse("accounts:apprenticeship-status", kwargs={"pk": apprenticeship.pk})


def test_the_manager_pauses_and_resumes_with_reasons_and_sees_the_history(
    client, manager, apprenticeship
):
    client.force_login(manager)
    page = client.get(status_url(apprenticeship))
    assert [value for value, _ in page.context["form"].choices] == [S.PAUSED, S.WITHDRAWN]
    html = page.content.decode()
    assert "No change recorded yet." in html and "gateway readiness" in html
    response = client.post(status_url(apprenticeship), {"status": "paused", "reason": ""})
    assert response.status_code == 200
    assert "Say why the status changes." in response.content.decode()
    response = client.post(
        status_url(apprenticeship), {"status": "paused", "reason": "Long illness"}, follow=True
    )
    assert "The apprenticeship is now on a break." in response.content.decode()
    client.post(status_url(apprenticeship), {"status": "active", "reason": "Back at work"})
    history = client.get(status_url(apprenticeship)).content.decode()
    assert "Active → On a break" in history and "Long illness" in history
    assert "On a break → Active" in history and "Back at work" in history
    assert "Morgan Manager" in history
    assert list(StatusChange.objects.values_list("new_status", flat=True)) == ["paused", "active"]


@pytest.mark.parametrize("status", ["gateway", "completed", "pending", "nonsense"])
def test_the_page_offers_only_what_the_table_allows(client, manager, apprenticeship, status):
    client.force_login(manager)
    response = client.post(status_url(apprenticeship), {"status": status, "reason": "Try"})
    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert Apprenticeship.objects.get(pk=apprenticeship.pk).status == S.ACTIVE


def test_a_completed_apprenticeship_has_nowhere_to_go(client, manager, apprenticeship):
    _at(apprenticeship, S.COMPLETED)
    client.force_login(manager)
    response = client.get(status_url(apprenticeship))
    assert "has no other status to move to" in response.content.decode()


def test_revoking_and_accepting_invitations_are_recorded(client, acme, standard, manager):
    from accounts.services import invitation_revoke

    invitation = InvitationFactory(
        organisation=acme, apprenticeship__standard=standard, email="gone@example.com"
    )
    invitation_revoke(invitation=invitation, by=manager)
    change = StatusChange.objects.get()
    assert (change.old_status, change.new_status, change.by) == ("pending", "withdrawn", manager)
    assert change.note == "The invitation to gone@example.com was revoked."


def test_the_admin_shows_the_status_and_its_history_read_only(
    admin_client, apprenticeship, manager
):
    apprenticeship_status_change(
        apprenticeship=apprenticeship, to=S.PAUSED, by=manager, reason="Leave"
    )
    url = reverse("admin:accounts_apprenticeship_change", args=[apprenticeship.pk])
    html = admin_client.get(url).content.decode()
    assert "On a break" in html and "Leave" in html
    assert 'name="status"' not in html


def test_an_invitation_starts_the_history_and_accepting_it_continues_it(
    client, acme, standard, manager, mailoutbox
):
    from accounts.services import apprentice_invite, invitation_accept
    from tests.conftest import verified_user

    invitation = apprentice_invite(
        organisation=acme,
        invited_by=manager,
        email="new@example.com",
        full_name="Nia New",
        standard=standard,
        start_date=date(2026, 1, 5),
        planned_end_date=date(2027, 7, 5),
        build_url=lambda path: f"https://skills.example.org{path}",
    )
    created = StatusChange.objects.get()
    assert (created.old_status, created.new_status, created.by, created.note) == (
        "",
        "pending",
        manager,
        "Nia New invited at new@example.com",
    )
    assert str(created) == "Created -> Invitation pending"
    apprentice = verified_user("new@example.com", "Nia New")
    invitation_accept(invitation=invitation, user=apprentice)
    joined = StatusChange.objects.order_by("pk").last()
    assert (joined.old_status, joined.new_status, joined.by, joined.note) == (
        "pending",
        "active",
        apprentice,
        "Accepted the invitation.",
    )


def test_gateway_needs_no_reason_once_its_checklist_holds(apprenticeship, mentor):
    from accounts.status import _GUARDS, gateway_declare

    held = []
    _GUARDS[S.GATEWAY], saved = [lambda locked: held.append(locked.pk) or []], _GUARDS[S.GATEWAY]
    try:
        before = Apprenticeship.objects.get(pk=apprenticeship.pk).updated_at
        # No provider: the employer's signature alone takes it to gateway.
        gateway_declare(apprenticeship=apprenticeship, by=mentor)
    finally:
        _GUARDS[S.GATEWAY] = saved
    # Checked when the declaration is signed and again in the change.
    assert held == [apprenticeship.pk, apprenticeship.pk]
    assert apprenticeship.status == S.GATEWAY and apprenticeship.updated_at > before
    change = StatusChange.objects.get()
    assert (change.by, change.note) == (mentor, "")


def test_active_and_on_a_break_need_an_apprentice(acme, standard):
    from accounts.status import _GUARDS, _needs_apprentice

    pending = InvitationFactory(organisation=acme, apprenticeship__standard=standard).apprenticeship
    assert _needs_apprentice(pending) == ["it has no apprentice yet"]
    assert _needs_apprentice(ApprenticeshipFactory(organisation=acme, standard=standard)) == []
    assert _needs_apprentice in _GUARDS[S.ACTIVE] and _needs_apprentice in _GUARDS[S.PAUSED]
    from progress.selectors import gateway_guard

    assert gateway_guard in _GUARDS[S.GATEWAY]
