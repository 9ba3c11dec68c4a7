"""Duties: progress per duty, a duty's page, and the employer's sign-off and its undoing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from accounts.models import Apprenticeship
from accounts.permissions import Action, can_on, get_apprenticeship_for
from core.tables import url_for_each
from standards.selectors import standard_structure

from ..forms import SignOffForm, UndoSignOffForm
from ..selectors import duty_page, duty_rows_of
from ..services import TrackerError, duty_sign_off, duty_sign_off_undo


@login_required
def duty_list(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, queryset=Apprenticeship.objects.for_list()
    )
    rows = duty_rows_of(apprenticeship)
    return render(
        request,
        "tracker/duty_list.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "rows": rows,
            "duty_url": url_for_each("tracker:duty-detail", kwarg="number", pk=apprenticeship.pk),
            "signed_off": sum(row.is_signed_off for row in rows),
        },
    )


def _duty(request, pk, number, action=Action.VIEW):
    """(the apprenticeship, the user's role, its standard's duty ``number``, as the standard's
    shared structure holds it: read it, never change it)."""
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, action=action, queryset=Apprenticeship.objects.for_list()
    )
    structure = standard_structure(apprenticeship.standard)
    duty = next((duty for duty in structure.duties if duty.number == number), None)
    if duty is None:
        raise Http404("This standard has no such duty.")
    return apprenticeship, role, duty


@login_required
def duty_detail(request, pk, number):
    apprenticeship, role, duty = _duty(request, pk, number)
    page = duty_page(apprenticeship, duty)
    return render(
        request,
        "tracker/duty_detail.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "can": can_on(role, apprenticeship),
            "duty": duty,
            "page": page,
        },
    )


def unevidenced_phrase(count):
    return f"{count} KSB{'s' if count != 1 else ''} unevidenced"


def _duty_action(request, pk, number, form_class, service, texts, template):
    """The confirm-and-post page of a sign-off or of its undoing; ``texts`` is (the message
    when it is done, the message when the duty is not in a state for it). The page lists the
    duty's KSBs without accepted evidence, as the duty's page does."""
    apprenticeship, _, duty = _duty(request, pk, number, Action.SIGN_OFF_DUTY)
    detail = redirect("tracker:duty-detail", pk=pk, number=number)
    page = duty_page(apprenticeship, duty)
    sign_off = page.row.sign_off
    done, not_now = texts
    if (sign_off is None) == (service is duty_sign_off_undo):
        messages.info(request, not_now)
        return detail
    form = form_class(request.POST or None, duty=duty, unevidenced=page.missing)
    if request.method == "POST" and form.is_valid():
        try:
            service(
                apprenticeship=apprenticeship,
                duty=duty,
                user=request.user,
                **form.service_arguments(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return detail
        else:
            if service is duty_sign_off and page.missing:
                done = f"{done[:-1]} with {unevidenced_phrase(len(page.missing))}."
            messages.success(request, done)
            return detail
    context = {
        "apprenticeship": apprenticeship,
        "duty": duty,
        "sign_off": sign_off,
        "form": form,
        "unevidenced": page.missing,
    }
    return render(request, template, context)


@login_required
def duty_sign_off_view(request, pk, number):
    return _duty_action(
        request,
        pk,
        number,
        SignOffForm,
        duty_sign_off,
        (f"Duty {number} signed off.", f"Duty {number} is already signed off."),
        "tracker/duty_sign_off.html",
    )


@login_required
def duty_undo_view(request, pk, number):
    return _duty_action(
        request,
        pk,
        number,
        UndoSignOffForm,
        duty_sign_off_undo,
        (f"The sign-off of duty {number} is undone.", f"Duty {number} is not signed off."),
        "tracker/duty_undo.html",
    )
