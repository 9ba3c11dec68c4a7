from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from allauth.core.exceptions import RateLimited
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.once import AlreadySubmitted, already_submitted

from .forms import (
    ApprenticeInviteForm,
    ApprenticeshipForm,
    DeleteAccountForm,
    MemberInviteForm,
    OrganisationForm,
    OrganisationSettingsForm,
    ProfileForm,
    StatusChangeForm,
)
from .models import Apprenticeship, Invitation, Organisation, OutgoingEmail, User
from .outbox import not_sent_warning, not_sent_words
from .partnerships import partnership_rows
from .permissions import Action, get_apprenticeship_for, get_organisation_for, may
from .services import (
    InvitationError,
    apprentice_invite,
    invitation_accept,
    invitation_resend,
    invitation_revoke,
    member_invite,
    organisation_create,
    sole_managed_organisations,
    user_delete_account,
)
from .status import StatusError, apprenticeship_status_change

NOT_SENT_YET = " " + not_sent_words()
TOO_MANY_INVITATIONS = (
    "You have sent a lot of invitations in a short time, so this one was not sent. Please try "
    "again in a few minutes."
)


def _count_invitation(request):
    """Count an invitation e-mail against the user's limit (ACCOUNT_RATE_LIMITS["invitation"]);
    raise RateLimited when it is used up. Each one goes to an address typed in: without a
    limit, any account that can invite could mail the world from our address."""
    ratelimit.consume(request, action="invitation", user=request.user, raise_exception=True)


def _invitation(request, pk):
    """An invitation of an organisation whose people the user may manage: 403 for its other
    members, 404 for everyone else."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation", "apprenticeship__standard"), pk=pk
    )
    get_organisation_for(request.user, invitation.organisation_id, action=Action.MANAGE_PEOPLE)
    return invitation


def _made_before(request, obj, message):
    """The answer to a form sent again: what the first sending made, and no error."""
    messages.info(request, message)
    return redirect(obj)


def _invited_before(request, invitation):
    return _made_before(
        request,
        invitation.organisation,
        f"{invitation.full_name} was already invited at {invitation.email} "
        f"({invitation.get_state_display().lower()}); no second invitation was sent.",
    )


@login_required
def get_started(request):
    return render(request, "accounts/get_started.html")


@login_required
def apprenticeship_edit(request, pk):
    apprenticeship, _ = get_apprenticeship_for(
        request.user,
        pk,
        action=Action.EDIT_APPRENTICESHIP,
        queryset=Apprenticeship.objects.for_list(),
    )
    form = ApprenticeshipForm(request.POST or None, instance=apprenticeship)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The apprenticeship's details have been saved.")
        return redirect(apprenticeship)
    return render(
        request,
        "accounts/apprenticeship_form.html",
        {"apprenticeship": apprenticeship, "form": form},
    )


@login_required
def apprenticeship_status(request, pk):
    """The apprenticeship's status, its history, and a form to move it on (pause, resume,
    withdraw, complete) through the status service; gateway has its own page."""
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, action=Action.CHANGE_STATUS, queryset=Apprenticeship.objects.for_list()
    )
    form = StatusChangeForm(request.POST or None, apprenticeship=apprenticeship, role=role)
    if request.method == "POST" and form.is_valid():
        try:
            apprenticeship_status_change(
                apprenticeship=apprenticeship, by=request.user, **form.change()
            )
        except StatusError as exc:
            form.add_error(None, str(exc))
        else:
            now = apprenticeship.get_status_display().lower()
            messages.success(request, f"The apprenticeship is now {now}.")
            return redirect(apprenticeship)
    history = apprenticeship.status_changes.select_related("by").order_by("-at", "-pk")
    return render(
        request,
        "accounts/apprenticeship_status.html",
        {"apprenticeship": apprenticeship, "form": form, "history": history},
    )


@login_required
def organisation_create_view(request):
    form = OrganisationForm(request.POST or None)
    mine = Organisation.objects.filter(memberships__user=request.user)
    if request.method == "POST" and (done := already_submitted(request, mine)):
        return _made_before(request, done, f"{done} was set up already; here it is.")
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(user=request.user, **form.cleaned_data)
        except AlreadySubmitted as exc:
            return _made_before(request, exc.obj, f"{exc.obj} was set up already; here it is.")
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{organisation} is set up, with you as its manager.")
            return redirect(organisation)
    return render(request, "accounts/organisation_form.html", {"form": form})


@login_required
def organisation_detail(request, pk):
    organisation, role = get_organisation_for(request.user, pk)
    return organisation_page(request, organisation, role)


def organisation_page(request, organisation, role, *, settings_form=None):
    """The organisation's page; ``settings_form`` bound when its settings were sent wrong."""
    if settings_form is None and may(role, Action.MANAGE_PEOPLE):
        settings_form = OrganisationSettingsForm(instance=organisation)
    memberships = organisation.memberships.select_related("user").order_by("role", "user__email")
    invitations = (
        organisation.invitations.select_related("apprenticeship__standard", "invited_by")
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .annotate(email_status=OutgoingEmail.objects.latest_status_for(Invitation))
        .order_by("-sent_at")
    )
    # A provider's own: the apprenticeships it delivers.
    apprenticeships = (
        organisation.delivered_apprenticeships
        if organisation.is_provider
        else organisation.apprenticeships
    )
    counts = apprenticeships.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status=Apprenticeship.Status.ACTIVE)),
    )
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "role": role,
            "memberships": memberships,
            "invitations": invitations,
            "counts": counts,
            "settings_form": settings_form,
            "partnerships": partnership_rows(request.user, organisation, role),
        },
    )


def _with_mail_state(message, invitation):
    warning = not_sent_warning(invitation)
    return f"{message} {warning}" if warning else message


def _invite_view(request, pk, form_class, invite, template, sent):
    """An invitation form: sent once (a repeat answers with the invitation it made), within the
    invitation rate limit. ``sent(invitation)`` is the message once it is saved; a mail server
    that is down delays the e-mail, and the message says so."""
    organisation, _ = get_organisation_for(request.user, pk, action=Action.MANAGE_PEOPLE)
    form = form_class(request.POST or None, organisation=organisation)
    status = 200
    if request.method == "POST" and (done := already_submitted(request, organisation.invitations)):
        return _invited_before(request, done)
    if request.method == "POST" and form.is_valid():
        try:
            _count_invitation(request)
            invitation = invite(
                organisation=organisation,
                invited_by=request.user,
                build_url=request.build_absolute_uri,
                **form.cleaned_data,
            )
        except RateLimited:
            form.add_error(None, TOO_MANY_INVITATIONS)
            status = 429
        except AlreadySubmitted as exc:
            return _invited_before(request, exc.obj)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _with_mail_state(sent(invitation), invitation))
            return redirect(organisation)
    return render(request, template, {"organisation": organisation, "form": form}, status=status)


@login_required
def apprentice_invite_view(request, pk):
    return _invite_view(
        request,
        pk,
        ApprenticeInviteForm,
        apprentice_invite,
        "accounts/apprentice_invite.html",
        lambda invitation: (
            f"Invited {invitation.full_name} at {invitation.email}. "
            "The apprenticeship starts once they accept it."
        ),
    )


@login_required
def member_invite_view(request, pk):
    return _invite_view(
        request,
        pk,
        MemberInviteForm,
        member_invite,
        "accounts/member_invite.html",
        lambda invitation: (
            f"Invited {invitation.full_name} at {invitation.email} to "
            f"join as {invitation.get_role_display().lower()}."
        ),
    )


@login_required
@require_POST
def invitation_resend_view(request, pk):
    invitation = _invitation(request, pk)
    try:
        _count_invitation(request)
        invitation_resend(
            invitation=invitation, build_url=request.build_absolute_uri, by=request.user
        )
    except RateLimited:
        messages.error(request, TOO_MANY_INVITATIONS)
    except InvitationError:
        messages.error(request, "That invitation can no longer be sent again.")
    else:
        messages.success(
            request,
            _with_mail_state(
                f"New invitation link for {invitation.email}; the earlier link no longer works.",
                invitation,
            ),
        )
    return redirect(invitation.organisation)


@login_required
def invitation_revoke_view(request, pk):
    invitation = _invitation(request, pk)
    if request.method == "POST":
        try:
            invitation_revoke(invitation=invitation, by=request.user)
        except InvitationError:
            messages.error(request, "That invitation can no longer be revoked.")
        else:
            messages.success(request, f"Invitation for {invitation.email} revoked.")
        return redirect(invitation.organisation)
    return render(request, "accounts/invitation_revoke.html", {"invitation": invitation})


INVITATION_PROBLEMS = {
    Invitation.State.ACCEPTED: "This invitation has already been used.",
    Invitation.State.REVOKED: "This invitation has been withdrawn by the organisation.",
    Invitation.State.EXPIRED: "This invitation has expired.",
    Invitation.State.VOID: "The apprenticeship this invitation was for no longer exists or "
    "has been withdrawn.",
    "own_mentor": "You are named as this apprenticeship's mentor, so you cannot also be its "
    "apprentice. Ask the organisation's manager to choose another mentor first.",
}


def _invitation_problem(request, invitation):
    """The page for a link that cannot be used by this visitor, or None when it can."""
    if invitation is None:
        context, status = {"problem": "unknown"}, 404
    elif invitation.state != Invitation.State.PENDING:
        state = invitation.state
        context = {
            "invitation": invitation,
            "problem": state,
            "message": INVITATION_PROBLEMS[state],
        }
        status = 410
    elif request.user.is_authenticated and not invitation.matches(request.user):
        context, status = {"invitation": invitation, "problem": "wrong_user"}, 403
    else:
        return None
    return render(request, "accounts/invitation_problem.html", context, status=status)


def _accept(request, invitation):
    try:
        invitation_accept(invitation=invitation, user=request.user)
    except InvitationError as exc:
        messages.error(request, INVITATION_PROBLEMS.get(exc.reason, "This link does not work."))
        return redirect(request.path)
    if invitation.kind == Invitation.Kind.APPRENTICE:
        messages.success(request, "Welcome! This apprenticeship is now yours.")
        return redirect(invitation.apprenticeship)
    messages.success(request, f"You have joined {invitation.organisation}.")
    return redirect(invitation.organisation)


def invitation_accept_view(request, token):
    """The link from the invitation e-mail. Anyone with the link sees what it is for; only the
    invited address, logged in, can accept it (POST)."""
    invitation = (
        Invitation.objects.by_token(token)
        .select_related("organisation", "apprenticeship__standard", "invited_by")
        .first()
    )
    problem = _invitation_problem(request, invitation)
    if problem:
        return problem
    user = request.user
    if request.method == "POST" and not user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    if request.method == "POST":
        return _accept(request, invitation)
    if not user.is_authenticated:
        # Having opened the link proves the address: signing up with it needs no second e-mail.
        get_adapter(request).stash_verified_email(request, invitation.email)
    has_account = (
        not user.is_authenticated and User.objects.filter(email__iexact=invitation.email).exists()
    )
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "has_account": has_account},
    )


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your name has been saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def account_delete(request):
    user = request.user
    form = DeleteAccountForm(request.POST or None, user=user)
    blockers = sole_managed_organisations(user)
    if request.method == "POST" and form.is_valid() and not blockers:
        user_delete_account(user=user)
        logout(request)
        messages.success(request, "Your account has been deleted.")
        return redirect("progress:welcome")
    return render(
        request,
        "accounts/account_delete.html",
        {
            "form": form,
            "blockers": blockers,
            "own_apprenticeships": user.apprenticeships.select_related("standard", "organisation"),
            "mentored_count": user.mentored_apprenticeships.count(),
            "memberships": user.memberships.select_related("organisation"),
        },
    )
