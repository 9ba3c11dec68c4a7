"""The training plan's records in the admin: read-only, as they were made (the plan's page
changes them, with its history)."""

from django.contrib import admin

from .plan_models import PlanActivity, PlanChange, PlanSignature, TrainingPlan

RELATED = ["plan__apprenticeship__apprentice"]


class ReadOnlyAdmin(admin.ModelAdmin):
    search_fields = ["plan__apprenticeship__apprentice__full_name"]
    raw_id_fields = ["plan"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TrainingPlan)
class TrainingPlanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "apprenticeship", "created_by", "created_at"]
    list_select_related = ["apprenticeship__apprentice", "created_by"]
    search_fields = ["apprenticeship__apprentice__full_name"]
    raw_id_fields = ["apprenticeship", "scan"]


@admin.register(PlanActivity)
class PlanActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "starts_on", "ends_on", "planned_hours", "removed_at"]
    list_filter = ["kind"]
    list_select_related = RELATED


@admin.register(PlanChange)
class PlanChangeAdmin(ReadOnlyAdmin):
    list_display = ["what", "by", "party", "at"]
    list_filter = ["party"]
    list_select_related = [*RELATED, "by"]


@admin.register(PlanSignature)
class PlanSignatureAdmin(ReadOnlyAdmin):
    list_display = ["plan", "party", "by", "at", "voided_at"]
    list_filter = ["party"]
    list_select_related = [*RELATED, "by", "plan"]
