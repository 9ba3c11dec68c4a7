import re
from functools import reduce
from operator import or_

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import Truncator, smart_split

from . import rules
from .admin_frozen import (
    FrozenStructureFormMixin,
    VersionedAdmin,
    frozen_inline_formset,
    identity_error,
)
from .models import KSB, Duty, Standard
from .versions import next_free_version, standard_copy


class KSBChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code}: {Truncator(obj.description).chars(90)}"


class AnyStandardKSBChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.standard.reference} v{obj.standard.version} {obj.code}: " + Truncator(
            obj.description
        ).chars(70)


# A KSB's code as an admin types it: "K3", "k3", "S12", "B1" (kind and number).
KSB_CODE = re.compile(r"([KSB])(\d{1,4})", re.IGNORECASE)


def ksb_picker():
    return FilteredSelectMultiple("KSBs", is_stacked=False)


class DutyForm(FrozenStructureFormMixin, forms.ModelForm):
    """A duty links only KSBs of its own standard: the picker offers only those, and clean()
    refuses any other (a tampered post, or a duty moved to another standard)."""

    structure_fields = rules.DUTY_STRUCTURE_FIELDS

    class Meta:
        model = Duty
        fields = ["standard", "number", "description", "ksbs"]

    def __init__(self, *args, standard=None, **kwargs):
        super().__init__(*args, **kwargs)
        standard = standard or (self.instance.standard if self.instance.standard_id else None)
        if standard is not None:
            self.fields["ksbs"] = KSBChoiceField(
                queryset=KSB.objects.filter(standard=standard),
                required=False,
                label="KSBs",
                widget=ksb_picker(),
            )
        else:
            # A new duty whose standard is not chosen yet: every KSB, labelled with its standard.
            self.fields["ksbs"] = AnyStandardKSBChoiceField(
                queryset=KSB.objects.select_related("standard"),
                required=False,
                label="KSBs",
                widget=ksb_picker(),
                help_text="Only KSBs of the duty's own standard are accepted.",
            )

    def clean(self):
        cleaned_data = super().clean()
        standard = cleaned_data.get("standard") or (
            self.instance.standard if self.instance.standard_id else None
        )
        ksbs = cleaned_data.get("ksbs")
        if standard is not None and ksbs:
            try:
                Duty(standard=standard).validate_ksbs(ksbs)
            except ValidationError as exc:
                self.add_error("ksbs", exc.message_dict["ksbs"])
        return cleaned_data


class DutyInlineForm(DutyForm):
    check_structure = False

    class Meta(DutyForm.Meta):
        fields = ["number", "description", "ksbs"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 80})}


class KSBForm(FrozenStructureFormMixin, forms.ModelForm):
    structure_fields = rules.KSB_STRUCTURE_FIELDS

    class Meta:
        model = KSB
        fields = ["standard", "kind", "number", "description"]


def _https_by_default(db_field, **kwargs):
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class StandardForm(forms.ModelForm):
    class Meta:
        model = Standard
        formfield_callback = _https_by_default
        fields = [
            "reference",
            "title",
            "version",
            "level",
            "typical_duration_months",
            "status",
            "route",
            "overview",
            "url",
        ]

    def clean(self):
        cleaned_data = super().clean()
        error = identity_error(self)
        if error is not None:
            raise error
        return cleaned_data


class KSBInline(admin.TabularInline):
    model = KSB
    formset = frozen_inline_formset(rules.KSB_STRUCTURE_FIELDS)
    fields = ["kind", "number", "description"]
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "description":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class DutyInline(admin.StackedInline):
    model = Duty
    form = DutyInlineForm
    formset = frozen_inline_formset(rules.DUTY_STRUCTURE_FIELDS)
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        form_class = formset.form

        class BoundDutyForm(form_class):
            """Every duty form of this standard picks from the standard's own KSBs; on a new
            standard there are none yet."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, standard=obj, **kwargs)
                if obj is None:
                    self.fields["ksbs"].queryset = KSB.objects.none()
                    self.fields[
                        "ksbs"
                    ].help_text = (
                        "Save the standard with its KSBs first, then pick each duty's KSBs."
                    )

        formset.form = BoundDutyForm
        return formset


class CopyVersionForm(forms.Form):
    version = forms.CharField(
        label="New version number",
        max_length=20,
        required=False,
        help_text="Major.minor, newer than the copied version, e.g. 1.1.",
    )


@admin.register(Standard)
class StandardAdmin(VersionedAdmin):
    form = StandardForm
    list_display = [
        "reference",
        "title",
        "version",
        "level",
        "status",
        "ksb_count",
        "duty_count",
        "apprenticeship_count",
    ]
    list_filter = ["status", "level", "route"]
    search_fields = ["reference", "title"]
    inlines = [DutyInline, KSBInline]
    actions = ["copy_as_new_draft_version"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).with_counts().with_use()

    def standards_of(self, queryset):
        return queryset

    def deletion_refusal(self, queryset):
        for standard in queryset.with_use().filter(apprenticeship_count__gt=0):
            return rules.deletion_refused_message(standard, standard.apprenticeship_count)
        return ""

    @admin.display(description="KSBs", ordering="ksb_count")
    def ksb_count(self, obj):
        return obj.ksb_count

    @admin.display(description="duties", ordering="duty_count")
    def duty_count(self, obj):
        return obj.duty_count

    @admin.display(description="apprenticeships", ordering="apprenticeship_count")
    def apprenticeship_count(self, obj):
        return obj.apprenticeship_count

    @admin.action(description="Copy as a new draft version", permissions=["add"])
    def copy_as_new_draft_version(self, request, queryset):
        """Ask for the new version number (an intermediate page, like the delete
        confirmation), then copy the one selected version as a draft and open it."""
        standards = list(queryset[:2])
        if len(standards) != 1:
            self.message_user(
                request, "Select exactly one version to copy as a new draft.", messages.ERROR
            )
            return None
        (standard,) = standards
        form = CopyVersionForm(initial={"version": next_free_version(standard)})
        if request.POST.get("post") == "yes":
            form = CopyVersionForm(request.POST)
            if form.is_valid():
                try:
                    copy = standard_copy(
                        standard=standard, version=form.cleaned_data["version"], by=request.user
                    )
                except ValidationError as exc:
                    form.add_error("version", exc)
                else:
                    self.message_user(
                        request,
                        f"Created {copy.reference} v{copy.version} as a draft copy of "
                        f"v{standard.version}. Change its KSBs and duties here, then set its "
                        'version status to "Approved for delivery".',
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:standards_standard_change", args=[copy.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": "Copy as a new draft version",
            "subtitle": str(standard),
            "opts": self.model._meta,
            "standard": standard,
            "form": form,
            "action_name": "copy_as_new_draft_version",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/standards/copy_as_new_version.html", context)


class VersionStatusFilter(admin.SimpleListFilter):
    title = "version status"
    parameter_name = "version_status"

    def lookups(self, request, model_admin):
        return Standard.Status.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(standard__status=self.value())
        return queryset


def wording_changed_at():
    """When a KSB's row was last changed after it was created (a wording correction, as its
    structure cannot change once in use), from its history, as a subquery."""
    return Subquery(
        KSB.history.filter(id=OuterRef("pk"), history_type="~")
        .order_by("-history_date")
        .values("history_date")[:1]
    )


@admin.register(KSB)
class KSBAdmin(VersionedAdmin):
    form = KSBForm
    list_display = ["code", "short_description", "standard", "duty_count", "wording_changed"]
    list_filter = [
        "standard__reference",
        "standard__version",
        VersionStatusFilter,
        "kind",
        "standard",
    ]
    search_fields = ["description", "standard__reference"]
    list_select_related = ["standard"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(duty_count=Count("duties"), wording_changed_at=wording_changed_at())
        )

    def get_search_results(self, request, queryset, search_term):
        """A word that is a KSB code ("K3", "k3", "S12") finds that KSB exactly (not K30-K39);
        several codes find each of them; the other words search descriptions and references as
        usual, so "ST0825 K3" is K3 of ST0825."""
        codes, words = [], []
        for word in smart_split(search_term):
            match = KSB_CODE.fullmatch(word)
            if match:
                codes.append(Q(kind=match[1].upper(), number=int(match[2])))
            else:
                words.append(word)
        if codes:
            queryset = queryset.filter(reduce(or_, codes))
        return super().get_search_results(request, queryset, " ".join(words))

    @admin.display(description="code", ordering="number")
    def code(self, obj):
        return obj.code

    @admin.display(description="description")
    def short_description(self, obj):
        return Truncator(obj.description).chars(100)

    @admin.display(description="duties", ordering="duty_count")
    def duty_count(self, obj):
        return obj.duty_count

    @admin.display(description="wording last changed", ordering="wording_changed_at")
    def wording_changed(self, obj):
        return obj.wording_changed_at


@admin.register(Duty)
class DutyAdmin(VersionedAdmin):
    form = DutyForm
    list_display = ["__str__", "standard", "ksb_count"]
    list_filter = ["standard"]
    search_fields = ["description", "standard__reference"]
    list_select_related = ["standard"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ksb_count=Count("ksbs"))

    @admin.display(description="KSBs", ordering="ksb_count")
    def ksb_count(self, obj):
        return obj.ksb_count
