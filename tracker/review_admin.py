"""The records of a progress review in the admin: read-only, as they were made."""

from django.contrib import admin

from .review_models import (
    ReviewAction,
    ReviewChange,
    ReviewConcern,
    ReviewDocument,
    ReviewReschedule,
    ReviewSignature,
)

RELATED = ["review__apprenticeship__apprentice"]


class RecordAdmin(admin.ModelAdmin):
    list_select_related = RELATED
    search_fields = ["review__apprenticeship__apprentice__full_name"]
    raw_id_fields = ["review"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReviewSignature)
class ReviewSignatureAdmin(RecordAdmin):
    list_display = ["name", "party", "review", "content_version", "signed_at"]
    list_filter = ["party"]


@admin.register(ReviewChange)
class ReviewChangeAdmin(RecordAdmin):
    list_display = ["review", "user", "at", "from_version", "to_version"]
    list_select_related = [*RELATED, "user"]


@admin.register(ReviewReschedule)
class ReviewRescheduleAdmin(RecordAdmin):
    list_display = ["review", "old_scheduled_for", "new_scheduled_for", "changed_at"]


@admin.register(ReviewAction)
class ReviewActionAdmin(RecordAdmin):
    list_display = ["text", "owner", "due_on", "state", "review"]
    list_filter = ["owner", "state"]
    raw_id_fields = ["review", "carried_from"]


@admin.register(ReviewConcern)
class ReviewConcernAdmin(RecordAdmin):
    list_display = ["review", "raised_by", "raised_at"]
    list_select_related = [*RELATED, "raised_by"]


@admin.register(ReviewDocument)
class ReviewDocumentAdmin(RecordAdmin):
    list_display = ["review", "sha256", "size", "created_at"]
