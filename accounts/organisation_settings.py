"""The organisation's settings: the intervals its reminders and its rule book run on. The form
sits on the organisation's page; a mistake shows that page again with the error beside its
field and everything typed kept."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .forms import OrganisationSettingsForm
from .permissions import Action, get_organisation_for
from .services import REMINDER_SETTINGS, organisation_settings_save
from .views import organisation_page


@login_required
@require_POST
def organisation_settings_view(request, pk):
    organisation, role = get_organisation_for(request.user, pk, action=Action.MANAGE_PEOPLE)
    # The form works on a copy, so the page shown again keeps the organisation as saved.
    form = OrganisationSettingsForm(request.POST, instance=copy.copy(organisation))
    if not form.is_valid():
        return organisation_page(request, organisation, role, settings_form=form)
    organisation_settings_save(
        organisation=organisation,
        **{name: form.cleaned_data[name] for name in REMINDER_SETTINGS if name in form.fields},
    )
    messages.success(request, f"The settings of {organisation} have been saved.")
    return redirect(organisation)
