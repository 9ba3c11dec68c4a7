import re
from functools import reduce
from operator import or_

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils.text import Truncator, smart_split

from .models import KSB, Duty, Standard


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


class DutyForm(forms.ModelForm):
    """A duty links only KSBs of its own standard: the picker offers only those, and clean()
    refuses any other (a tampered post, or a duty moved to another standard)."""

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
    class Meta(DutyForm.Meta):
        fields = ["number", "description", "ksbs"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 80})}


class KSBInline(admin.TabularInline):
    model = KSB
    fields = ["kind", "number", "description"]
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "description":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class DutyInline(admin.StackedInline):
    model = Duty
    form = DutyInlineForm
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


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "version", "level", "status", "ksb_count", "duty_count"]
    list_filter = ["level", "status", "route"]
    search_fields = ["reference", "title"]
    inlines = [DutyInline, KSBInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).with_counts()

    @admin.display(description="KSBs", ordering="ksb_count")
    def ksb_count(self, obj):
        return obj.ksb_count

    @admin.display(description="duties", ordering="duty_count")
    def duty_count(self, obj):
        return obj.duty_count


@admin.register(KSB)
class KSBAdmin(admin.ModelAdmin):
    list_display = ["code", "short_description", "standard", "duty_count"]
    list_filter = ["standard", "kind"]
    search_fields = ["description", "standard__reference"]
    list_select_related = ["standard"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(duty_count=Count("duties"))

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


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
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
