"""The end-point assessment hand-off's pages: inviting an assessor, their accepting and landing
page, the provider's list of accesses with what each assessor viewed, revoking, and the
assessment's record. Each starts from the permission layer."""

from datetime import date

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from core.tables import paginate

from .epa import (
    AccessState,
    EpaError,
    access_by_token,
    access_matches,
    access_state,
    assessor_accept,
    assessor_invite,
    assessor_revoke,
    epa_record,
    epa_state,
)
from .epa_forms import AssessorInviteForm, EpaEventForm
from .models import Apprenticeship, AssessorAccess, AssessorView, User
from .outbox import not_sent_warning
from .permissions import Action, get_apprenticeship_for, get_record_for, require

S = Apprenticeship.Status
LOG_PAGE_SIZE = 50


def _apprenticeship(request, pk, action):
    return get_apprenticeship_for(
        request.user, pk, action=action, queryset=Apprenticeship.objects.for_list()
    )


@login_required
def assessor_invite_view(request, pk):
    """The training provider invites an end-point assessor onto an apprenticeship at gateway."""
    apprenticeship, role = _apprenticeship(request, pk, Action.INVITE_ASSESSOR)
    form = AssessorInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access, _ = assessor_invite(
                apprenticeship=apprenticeship,
                by=request.user,
                build_url=request.build_absolute_uri,
                **form.cleaned_data,
            )
        except EpaError as exc:
            messages.error(request, str(exc))
            return redirect("accounts:assessor-access", pk=pk)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if warning := not_sent_warning(access, access.email):
                messages.warning(request, warning)
            messages.success(
                request,
                f"{access.email} is invited until {access.expires_on:%d %B %Y}: they see the "
                "portfolio once they accept.",
            )
            return redirect("accounts:assessor-access", pk=pk)
    return render(
        request,
        "accounts/assessor_invite.html",
        {"apprenticeship": apprenticeship, "role": role, "form": form},
    )


@login_required
def assessor_access_view(request, pk):
    """The accesses of an apprenticeship's assessors, each with its state, and the log of what
    they viewed and downloaded, newest first, a page at a time."""
    apprenticeship, role = _apprenticeship(request, pk, Action.INVITE_ASSESSOR)
    today = date.today()
    accesses = list(
        AssessorAccess.objects.filter(apprenticeship=apprenticeship).select_related(
            "assessor", "invited_by", "revoked_by"
        )
    )
    for access in accesses:
        access.state = access_state(access, today)
        access.state_label = AccessState.LABELS[access.state]
    log = AssessorView.objects.filter(access__apprenticeship=apprenticeship).select_related(
        "access__assessor"
    )
    page = paginate(request, log, LOG_PAGE_SIZE)
    return render(
        request,
        "accounts/assessor_access.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "accesses": accesses,
            "page_obj": page,
            "may_invite": apprenticeship.status == S.GATEWAY,
        },
    )


@login_required
def assessor_revoke_view(request, pk):
    """Confirm, then (POST) end an assessor's access now."""
    access, _ = get_record_for(
        request.user,
        AssessorAccess.objects.select_related("apprenticeship__apprentice"),
        action=Action.INVITE_ASSESSOR,
        pk=pk,
    )
    back = reverse("accounts:assessor-access", kwargs={"pk": access.apprenticeship_id})
    if request.method == "POST":
        try:
            assessor_revoke(access=access, by=request.user)
        except EpaError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"The access of {access.email} is revoked.")
        return redirect(back)
    return render(request, "accounts/assessor_revoke.html", {"access": access, "back": back})


PROBLEMS = {
    AccessState.OPEN: "This invitation has already been accepted.",
    AccessState.REVOKED: "The training provider has withdrawn this access.",
    AccessState.EXPIRED: "This access has ended.",
}


def assessor_accept_view(request, token):
    """The link from the assessor's e-mail: anyone with it sees what it is for; the invited
    address, logged in, accepts it (POST). A link that does not work says why."""
    access = access_by_token(token)
    user = request.user
    if access is None:
        return render(request, "accounts/assessor_problem.html", {"problem": "unknown"}, status=404)
    state = access_state(access)
    if state != AccessState.PENDING:
        if state == AccessState.OPEN and user.is_authenticated and access.assessor_id == user.pk:
            return redirect("accounts:assessor-home")
        context = {"access": access, "problem": state, "message": PROBLEMS[state]}
        return render(request, "accounts/assessor_problem.html", context, status=410)
    if user.is_authenticated and not access_matches(access, user):
        context = {"access": access, "problem": "wrong_user"}
        return render(request, "accounts/assessor_problem.html", context, status=403)
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            assessor_accept(access=access, user=user)
        except EpaError:
            messages.error(request, "This link no longer works.")
            return redirect(request.path)
        messages.success(request, "Access accepted: the portfolio is open to you.")
        return redirect("progress:portfolio", pk=access.apprenticeship_id)
    has_account = False
    if not user.is_authenticated:
        # Opening the link proves the address: signing up with it needs no second e-mail.
        get_adapter(request).stash_verified_email(request, access.email)
        has_account = User.objects.filter(email__iexact=access.email).exists()
    return render(
        request, "accounts/assessor_accept.html", {"access": access, "has_account": has_account}
    )


@login_required
def assessor_home(request):
    """An end-point assessor's landing page: their open accesses, each linking to its
    portfolio."""
    today = date.today()
    accesses = (
        AssessorAccess.objects.filter(
            assessor=request.user,
            accepted_at__isnull=False,
            revoked_at__isnull=True,
            expires_on__gte=today,
        )
        .select_related("apprenticeship__apprentice", "apprenticeship__standard")
        .order_by("expires_on", "pk")
    )
    return render(request, "accounts/assessor_home.html", {"accesses": accesses})


@login_required
def epa_view(request, pk):
    """The end-point assessment's record: everyone with a part sees it; the training provider,
    a manager of the employer or an admin records its steps (POST)."""
    apprenticeship, role = _apprenticeship(request, pk, Action.VIEW)
    form = EpaEventForm(request.POST or None)
    if request.method == "POST":
        require(role, Action.RECORD_EPA, apprenticeship)
        if form.is_valid():
            try:
                event = epa_record(
                    apprenticeship=apprenticeship, by=request.user, **form.cleaned_data
                )
            except EpaError as exc:
                messages.error(request, str(exc))
                return redirect("accounts:epa", pk=pk)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"{event.get_kind_display()}: recorded.")
                if apprenticeship.status == S.COMPLETED:
                    messages.success(request, f"{apprenticeship.person} has completed.")
                return redirect("accounts:epa", pk=pk)
    events = list(apprenticeship.epa_events.select_related("by").order_by("at", "pk"))
    return render(
        request,
        "accounts/epa.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "form": form,
            "events": events,
            "state": epa_state(events),
            "may_record": role.can["record_epa"] and apprenticeship.status == S.GATEWAY,
        },
    )
