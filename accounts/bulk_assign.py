"""Bulk actions of the dashboard and the caseload: give the selected apprenticeships a mentor
(EDIT_APPRENTICESHIP) or a tutor (ASSIGN_TUTOR). The rows the user may not change are left
alone and counted in the message; a tutor change is recorded as the single tutor page records
it (accounts.partnerships.apprenticeship_tutor_change)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Apprenticeship, User
from .partnerships import apprenticeship_tutor_change, tutors_of
from .permissions import Action, check, may, role_of

ACTIONS = {"mentor": Action.EDIT_APPRENTICESHIP, "tutor": Action.ASSIGN_TUTOR}
# At most one page of the dashboard at a time.
MAX_SELECTED = 100


def apprenticeship_mentor_change(*, user, apprenticeship, mentor):
    """Name ``mentor`` (an active member of the apprenticeship's organisation, never its
    apprentice) as the apprenticeship's mentor, as the edit page does."""
    with transaction.atomic():
        locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        check(user, locked, Action.EDIT_APPRENTICESHIP)
        if locked.mentor_id == mentor.pk:
            return locked
        if mentor.pk == locked.apprentice_id:
            raise ValidationError("An apprentice cannot be their own mentor.")
        if not mentor.memberships.filter(organisation_id=locked.organisation_id).exists():
            raise ValidationError(f"{mentor} is not a member of {locked.organisation}.")
        locked.mentor = mentor
        locked.save(update_fields=["mentor", "updated_at"])
    return locked


def _selected(request):
    pks = []
    for value in request.POST.getlist("apprenticeships")[:MAX_SELECTED]:
        if value.isdigit():
            pks.append(int(value))
    return pks


def _next(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("progress:dashboard")


def _split(user, pks, action):
    """(the selected apprenticeships ``user`` may take ``action`` on, how many others)."""
    visible = list(
        Apprenticeship.objects.visible_to(user).for_list().filter(pk__in=pks).order_by("pk")
    )
    allowed = [a for a in visible if may(role_of(user, a), action)]
    return allowed, len(set(pks)) - len(allowed)


def _people(what, apprenticeships):
    """Whom the selected apprenticeships may be given."""
    if what == "mentor":
        organisations = {a.organisation_id for a in apprenticeships}
        return (
            User.objects.filter(is_active=True, memberships__organisation_id__in=organisations)
            .distinct()
            .order_by("full_name", "email")
        )
    providers = {a.provider_id for a in apprenticeships if a.provider_id}
    people = User.objects.none()
    for provider in providers:
        people = people | tutors_of(provider)
    return people.distinct().order_by("full_name", "email")


class PersonForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=User.objects.none(), error_messages={"required": "Choose someone."}
    )

    def __init__(self, *args, what, people, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.queryset = people
        field.label = "Mentor" if what == "mentor" else "Tutor"
        field.empty_label = f"Choose the {field.label.lower()}"


def _apply(user, what, apprenticeships, person):
    """(how many changed, [reasons others were not])."""
    changed, problems = 0, []
    for apprenticeship in apprenticeships:
        try:
            if what == "mentor":
                apprenticeship_mentor_change(
                    user=user, apprenticeship=apprenticeship, mentor=person
                )
            else:
                apprenticeship_tutor_change(user=user, apprenticeship=apprenticeship, tutor=person)
        except ValidationError as exc:
            problems.append(f"{apprenticeship.person}: {' '.join(exc.messages)}")
        else:
            changed += 1
    return changed, problems


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


@login_required
@require_POST
def bulk_assign(request):
    """First POST (from the dashboard's selection): choose the person; second POST (with
    ``person``): assign them, then back to the list with a message."""
    what = request.POST.get("assign", "")
    back = _next(request)
    if what not in ACTIONS:
        messages.error(request, "Choose whether to assign a mentor or a tutor.")
        return redirect(back)
    pks = _selected(request)
    apprenticeships, ignored = _split(request.user, pks, ACTIONS[what])
    if not pks or not apprenticeships:
        messages.error(
            request,
            "Select the apprenticeships first."
            if not pks
            else f"You may not choose the {what} of any of the selected apprenticeships.",
        )
        return redirect(back)
    people = _people(what, apprenticeships)
    form = PersonForm(request.POST if "person" in request.POST else None, what=what, people=people)
    if form.is_bound and form.is_valid():
        changed, problems = _apply(request.user, what, apprenticeships, form.cleaned_data["person"])
        person = form.cleaned_data["person"]
        words = f"{person} is now the {what} of {_plural(changed, 'apprenticeship')}."
        if ignored:
            words += (
                f" {_plural(ignored, 'selected apprenticeship')} left alone: you may not "
                f"change their {what}."
            )
        if problems:
            words += " Not changed: " + "; ".join(problems)
        (messages.success if changed else messages.warning)(request, words)
        return redirect(back)
    return render(
        request,
        "accounts/bulk_assign.html",
        {
            "what": what,
            "form": form,
            "apprenticeships": apprenticeships,
            "ignored": ignored,
            "next": back,
        },
    )
