from django.contrib import admin

from core.admin import RecordAdminMixin

from .models import Rating, RatingChange, SkillScan


class RatingInline(admin.TabularInline):
    model = Rating
    fields = ["ksb", "score", "comment", "employer_score", "employer_comment"]
    readonly_fields = ["ksb"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ksb")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)


@admin.register(SkillScan)
class SkillScanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "stage", "status", "created_at", "submitted_at", "validated_at"]
    list_filter = ["stage", "status", "apprenticeship__standard", "apprenticeship__organisation"]
    search_fields = ["apprenticeship__apprentice__full_name", "apprenticeship__apprentice__email"]
    list_select_related = [
        "apprenticeship__apprentice",
        "apprenticeship__standard",
        "apprenticeship__organisation",
    ]
    raw_id_fields = ["apprenticeship"]
    readonly_fields = ["created_at", "updated_at", "submitted_at", "validated_at", "validated_by"]
    inlines = [RatingInline]

    def has_change_permission(self, request, obj=None):
        """A submitted scan is locked: it changes only through the employer's validation, which
        records every change."""
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)


@admin.register(RatingChange)
class RatingChangeAdmin(RecordAdminMixin, admin.ModelAdmin):
    """The history of changes after submission: read only."""

    list_display = ["rating", "field", "old_value", "new_value", "changed_by", "changed_at"]
    list_filter = ["field"]
    search_fields = ["rating__ksb__description", "changed_by__email"]
    list_select_related = ["rating__ksb", "changed_by"]
