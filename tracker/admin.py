from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from core.admin import RecordAdminMixin

from .models import DutySignOff, Evidence, EvidenceFeedback, EvidenceKSB, ProgressReview


class EvidenceFeedbackInline(admin.TabularInline):
    model = EvidenceFeedback
    fields = ["created_at", "author", "decision", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EvidenceKSBInline(admin.TabularInline):
    """The KSBs the evidence claims and whether the latest decision accepted each: set by the
    apprentice's form and the employer's decision (tracker.services), never here."""

    model = EvidenceKSB
    fields = ["ksb", "accepted"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "KSBs"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["title", "apprentice", "occurred_on", "off_the_job_hours", "status"]
    list_filter = ["status", "activity_type", "apprenticeship__organisation"]
    search_fields = [
        "title",
        "apprenticeship__apprentice__full_name",
        "apprenticeship__apprentice__email",
    ]
    list_select_related = ["apprenticeship__apprentice"]
    raw_id_fields = ["apprenticeship"]
    # The file is the apprentice's, checked as they attached it (tracker.files): never replaced
    # here, where no check runs.
    # Its status moves only through the apprentice's and the employer's actions, each recorded.
    exclude = ["attachment"]
    readonly_fields = [
        "status",
        "file",
        "attachment_name",
        "attachment_type",
        "submitted_at",
        "created_at",
        "updated_at",
    ]
    inlines = [EvidenceKSBInline, EvidenceFeedbackInline]

    def has_change_permission(self, request, obj=None):
        """Accepted evidence is a record: it stays as it was accepted."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status != Evidence.Status.ACCEPTED)

    date_hierarchy = "occurred_on"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="apprentice", ordering="apprenticeship__apprentice__full_name")
    def apprentice(self, obj):
        return obj.apprenticeship.apprentice

    @admin.display(description="attachment")
    def file(self, obj):
        """A link to the download view, which checks who may see the file: the storage's own
        URL is a bare path on the local disk, and on an object store a signed link that would
        skip that check."""
        if not obj.attachment:
            return "-"
        url = reverse("tracker:evidence-file", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, obj.attachment_name or "file")


@admin.register(DutySignOff)
class DutySignOffAdmin(RecordAdminMixin, admin.ModelAdmin):
    """Sign-offs and their undoing are records of what someone did: read only."""

    list_display = ["__str__", "apprenticeship", "by", "at"]
    list_filter = ["action", "apprenticeship__organisation"]
    search_fields = ["apprenticeship__apprentice__full_name", "apprenticeship__apprentice__email"]
    list_select_related = [
        "duty",
        "apprenticeship__apprentice",
        "apprenticeship__standard",
        "apprenticeship__organisation",
        "by",
    ]
    date_hierarchy = "at"


@admin.register(ProgressReview)
class ProgressReviewAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "apprenticeship",
        "next_due_on",
        "employer_signed_at",
        "apprentice_signed_at",
        "provider_signed_at",
    ]
    list_filter = ["apprenticeship__organisation"]
    search_fields = ["apprenticeship__apprentice__full_name", "apprenticeship__apprentice__email"]
    list_select_related = [
        "apprenticeship__apprentice",
        "apprenticeship__standard",
        "apprenticeship__organisation",
    ]
    raw_id_fields = [
        "apprenticeship",
        "recorded_by",
        "scheduled_by",
        "employer_signed_by",
        "provider_signed_by",
        "proposed_after",
        "ksb_targets",
    ]
    date_hierarchy = "held_on"

    def has_change_permission(self, request, obj=None):
        """A review with a signature is a record: it changes only through the service, which
        records the change and voids the signatures."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or not obj.content_locked)


# The records of reviews and of training plans, registered by their own modules.
from . import (  # noqa: E402, F401
    plan_admin,
    review_admin,
)
