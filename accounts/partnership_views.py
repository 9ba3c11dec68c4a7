"""Pages for partnerships (propose, accept, end) and for an apprenticeship's training provider
and tutor. Each starts from the permission layer; a mistake shows the form again with what was
chosen kept."""

import contextlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import Apprenticeship, Membership, Organisation, Partnership, User
from .partnerships import (
    PartnershipError,
    active_providers_of,
    apprenticeship_provider_change,
    apprenticeship_tutor_change,
    partnership_accept,
    partnership_end,
    partnership_propose,
    tutors_of,
)
from .permissions import (
    Action,
    NotAllowed,
    get_apprenticeship_for,
    get_organisation_for,
    role_on_organisation,
)


class ProviderChoiceForm(forms.Form):
    """An employer proposes to a training provider, chosen from the service's providers."""

    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Training provider",
        empty_label="Choose a provider",
        error_messages={"required": "Choose the training provider to propose to."},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        taken = Partnership.objects.open().filter(employer=organisation).values("provider")
        self.fields["provider"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.PROVIDER
        ).exclude(pk__in=taken)


class EmployerEmailForm(forms.Form):
    """A provider proposes to an employer by the e-mail address of one of its managers: the
    service does not list its employers to anyone."""

    email = forms.EmailField(
        label="E-mail address of a manager at the employer",
        error_messages={"required": "Enter the e-mail address of a manager at the employer."},
    )


def _employers_managed_by(email):
    return Organisation.objects.filter(
        kind=Organisation.Kind.EMPLOYER,
        memberships__user__email__iexact=email,
        memberships__role=Membership.Role.MANAGER,
    )


@login_required
def partnership_propose_view(request, pk):
    organisation, _ = get_organisation_for(request.user, pk, action=Action.MANAGE_PARTNERSHIPS)
    if organisation.is_provider:
        form = EmployerEmailForm(request.POST or None)
    else:
        form = ProviderChoiceForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        if organisation.is_provider:
            email = form.cleaned_data["email"]
            for employer in _employers_managed_by(email):
                # Already partnered or proposed: nothing new to say to a stranger.
                with contextlib.suppress(PartnershipError):
                    partnership_propose(
                        user=request.user, organisation=organisation, other=employer
                    )
            # The same words whatever the address: the page tells nobody who uses the service.
            messages.success(
                request,
                f"If {email} is a manager at an employer, that employer now sees your proposal "
                "and can accept it.",
            )
            return redirect(organisation)
        other = form.cleaned_data["provider"]
        try:
            partnership_propose(user=request.user, organisation=organisation, other=other)
        except PartnershipError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{other} has been asked to accept the partnership.")
            return redirect(organisation)
    return render(
        request,
        "accounts/partnership_propose.html",
        {"organisation": organisation, "form": form},
        status=400 if form.errors else 200,
    )


def _partnership_for(user, pk):
    """(the partnership, the organisation of it where ``user`` may manage partnerships): 404
    for someone with no role at either organisation, 403 for a role that may not."""
    partnership = get_object_or_404(
        Partnership.objects.select_related("employer", "provider", "proposed_by"), pk=pk
    )
    roles = {
        organisation: role_on_organisation(user, organisation)
        for organisation in (partnership.employer, partnership.provider)
    }
    if not any(roles.values()):
        raise Http404
    for organisation, role in roles.items():
        if role is not None and role.can[Action.MANAGE_PARTNERSHIPS.value]:
            return partnership, organisation
    raise NotAllowed(Action.MANAGE_PARTNERSHIPS)


@login_required
@require_POST
def partnership_accept_view(request, pk):
    partnership, organisation = _partnership_for(request.user, pk)
    try:
        partnership = partnership_accept(user=request.user, partnership=partnership)
    except PartnershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"The partnership with {partnership.other(organisation)} is active: "
            f"{partnership.provider} now sees the apprenticeships it delivers for "
            f"{partnership.employer}.",
        )
    return redirect(organisation)


@login_required
def partnership_end_view(request, pk):
    partnership, organisation = _partnership_for(request.user, pk)
    other = partnership.other(organisation)
    if request.method == "POST":
        try:
            partnership_end(user=request.user, partnership=partnership, organisation=organisation)
        except PartnershipError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"The partnership with {other} has ended.")
        return redirect(organisation)
    return render(
        request,
        "accounts/partnership_end.html",
        {
            "partnership": partnership,
            "organisation": organisation,
            "other": other,
            "ours": partnership.proposed_by_id == organisation.pk,
        },
    )


class ProviderForm(forms.Form):
    field_name = "provider"
    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Training provider",
        required=False,
        empty_label="None: the employer delivers the training itself",
    )

    def __init__(self, *args, apprenticeship, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = active_providers_of(apprenticeship.organisation_id)


class TutorForm(forms.Form):
    field_name = "tutor"
    tutor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Tutor",
        required=False,
        empty_label="No tutor yet",
    )

    def __init__(self, *args, apprenticeship, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tutor"].queryset = tutors_of(apprenticeship.provider_id).exclude(
            pk=apprenticeship.apprentice_id or 0
        )


def _save_or_show(form, save):
    try:
        save()
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


def _people_page(request, pk, action, form_class, save, done):
    """The page of the apprenticeship's provider or tutor: ``form_class`` for the user with
    ``action``, saved with ``save(user, apprenticeship, value)``, ``done`` the message."""
    apprenticeship, _ = get_apprenticeship_for(
        request.user,
        pk,
        action=action,
        queryset=Apprenticeship.objects.for_list().select_related("provider", "tutor"),
    )
    name = form_class.field_name
    form = form_class(
        request.POST or None,
        apprenticeship=apprenticeship,
        initial={name: getattr(apprenticeship, f"{name}_id")},
    )
    if request.method == "POST" and form.is_valid():
        value = form.cleaned_data[name]
        if _save_or_show(form, lambda: save(request.user, apprenticeship, value)):
            messages.success(request, done)
            return redirect(apprenticeship)
    changes = apprenticeship.tutor_changes.select_related(
        "old_provider", "new_provider", "old_tutor", "new_tutor", "by"
    ).order_by("-at", "-pk")[:20]
    return render(
        request,
        "accounts/apprenticeship_provider.html",
        {"apprenticeship": apprenticeship, "form": form, "name": name, "changes": changes},
        status=400 if form.errors else 200,
    )


@login_required
def apprenticeship_provider_view(request, pk):
    """A manager of the employer chooses the training provider that delivers it."""
    return _people_page(
        request,
        pk,
        Action.EDIT_APPRENTICESHIP,
        ProviderForm,
        lambda user, apprenticeship, provider: apprenticeship_provider_change(
            user=user, apprenticeship=apprenticeship, provider=provider
        ),
        "The training provider has been saved.",
    )


@login_required
def apprenticeship_tutor_view(request, pk):
    """A manager of the provider puts the apprenticeship on a tutor's caseload."""
    return _people_page(
        request,
        pk,
        Action.ASSIGN_TUTOR,
        TutorForm,
        lambda user, apprenticeship, tutor: apprenticeship_tutor_change(
            user=user, apprenticeship=apprenticeship, tutor=tutor
        ),
        "The tutor has been saved.",
    )
