"""The admin's side of the frozen structure of a version in use (standards/rules.py decides):
the forms and inline formsets refuse structural changes, deletes are refused with a message,
and the history pages show whole texts."""

from django.contrib import messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import rules
from .models import KSB, Duty, Standard


def stored_structure(model, pk):
    """The structural values of the stored row ``pk`` of ``model`` (KSB or Duty), read from
    the database rather than the form's instance, which may be an old version being
    reverted to on a history page."""
    if model is KSB:
        row = KSB.objects.filter(pk=pk).values("standard_id", "kind", "number").first()
    else:
        row = Duty.objects.filter(pk=pk).values("standard_id", "number").first()
        if row is not None:
            row["ksbs"] = set(
                Duty.ksbs.through.objects.filter(duty_id=pk).values_list("ksb_id", flat=True)
            )
    return row


def structure_changes(model, pk, cleaned_data):
    """The stored row of ``pk`` and whether ``cleaned_data`` changes its structure."""
    row = stored_structure(model, pk)
    if row is None:
        return None, False
    changed = False
    for name, value in cleaned_data.items():
        if name == "standard":
            changed |= value is not None and value.pk != row["standard_id"]
        elif name == "ksbs":
            changed |= {ksb.pk for ksb in value} != row["ksbs"]
        elif name in row:
            changed |= value != row[name]
    return row, changed


class FrozenStructureFormMixin:
    """For the KSB and duty admin forms: adding to, moving or renumbering (or, for a duty,
    remapping) in a version in use is refused with the rule's message; wording is not."""

    structure_fields = frozenset()
    # Off in a standard's inlines, whose formset checks the rows together.
    check_structure = True

    def clean(self):
        cleaned_data = super().clean()
        if not self.check_structure or self.errors:
            return cleaned_data
        structural = {
            name: cleaned_data[name] for name in self.structure_fields if name in cleaned_data
        }
        affected = []
        if self.instance.pk is None:
            affected.append(cleaned_data.get("standard"))
        else:
            row, changed = structure_changes(self._meta.model, self.instance.pk, structural)
            if changed:
                affected.append(Standard.objects.filter(pk=row["standard_id"]).first())
                affected.append(cleaned_data.get("standard"))
        for standard in dict.fromkeys(s for s in affected if s is not None):
            error = rules.frozen_error(standard)
            if error is not None:
                raise error
        return cleaned_data


class FrozenStructureInlineFormSet(BaseInlineFormSet):
    """The KSB and duty inlines of a standard's page: on a version in use, no row may be added
    or deleted and no row's structural fields changed."""

    structure_fields = frozenset()

    def clean(self):
        super().clean()
        if self.instance.pk is None or any(self.errors):
            return
        if any(self._changes_structure(index, form) for index, form in enumerate(self.forms)):
            error = rules.frozen_error(self.instance)
            if error is not None:
                raise error

    def _changes_structure(self, index, form):
        deleted = self._should_delete_form(form)
        if index >= self.initial_form_count():  # a new row
            return form.has_changed() and not deleted
        return deleted or bool(self.structure_fields & set(form.changed_data))


def frozen_inline_formset(structure_fields):
    return type(
        "FrozenInlineFormSet",
        (FrozenStructureInlineFormSet,),
        {"structure_fields": frozenset(structure_fields) - {"standard"}},
    )


def _refuse_or_delete_selected(modeladmin, request, queryset):
    message = modeladmin.deletion_refusal(queryset)
    if message:
        modeladmin.message_user(request, message, messages.ERROR)
        return None
    return delete_selected(modeladmin, request, queryset)


class WholeTextHistoryHelper(HistoricalRecordContextHelper):
    """KSB and duty texts run to a few hundred characters: the history page shows them whole,
    old and new, rather than cut to 100."""

    def __init__(self, model, historical_record):
        super().__init__(model, historical_record, max_displayed_delta_change_chars=2000)


class VersionedAdmin(SimpleHistoryAdmin):
    """An admin of a standard's structure: each object's History page lists who changed what
    and when, with the old and new text; deletes in a version in use are refused."""

    object_history_list_template = "admin/standards/object_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return WholeTextHistoryHelper(self.model, historical_record)

    def standards_of(self, queryset):
        """The standards the objects of ``queryset`` belong to."""
        return Standard.objects.filter(pk__in=queryset.values("standard_id"))

    def deletion_refusal(self, queryset):
        """The message refusing to delete ``queryset``, or "" when it may go."""
        for standard in self.standards_of(queryset).with_use().filter(apprenticeship_count__gt=0):
            return rules.frozen_message(standard, standard.apprenticeship_count)
        return ""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_refuse_or_delete_selected, name, description)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            message = self.deletion_refusal(self.model._default_manager.filter(pk=obj.pk))
            if message:
                self.message_user(request, message, messages.ERROR)
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(
                        f"admin:{opts.app_label}_{opts.model_name}_change",
                        args=[obj.pk],
                        current_app=self.admin_site.name,
                    )
                )
        return super().delete_view(request, object_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            standard = obj if isinstance(obj, Standard) else getattr(obj, "standard", None)
            if standard is not None and rules.structure_frozen(standard):
                count = rules.apprenticeship_count(standard)
                self.message_user(
                    request,
                    rules.frozen_message(standard, count) + " Wording can still be corrected.",
                    messages.WARNING,
                )
        return super().change_view(request, object_id, form_url, extra_context)


def identity_error(form):
    """For the standard's own form: a version in use keeps its reference and version."""
    instance = form.instance
    if instance.pk is None or not rules.STANDARD_IDENTITY_FIELDS & set(form.changed_data):
        return None
    count = rules.apprenticeship_count(instance)
    if not count:
        return None
    stored = Standard.objects.get(pk=instance.pk)
    return ValidationError(rules.identity_frozen_message(stored, count), code="identity_frozen")
