"""The admin's side of moving apprenticeships to a newer version of their standard: an action
on the apprenticeship list (registered here, above accounts, since it uses progress's move
service) and the read-only record of every move."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from accounts.admin import ApprenticeshipAdmin
from accounts.models import Apprenticeship
from accounts.permissions import Action, may, role_of
from core.admin import RecordAdminMixin
from standards.models import Standard

from .forms import MoveForm
from .models import StandardMove
from .move_views import move_confirmed
from .moves import move_report, newer_approved


def _targets(apprenticeships):
    """The approved versions newer than the version of at least one of ``apprenticeships``."""
    newer = newer_approved({a.standard for a in apprenticeships})
    return sorted({s for versions in newer.values() for s in versions}, key=lambda s: s.pk)


class MovingApprenticeshipAdmin(ApprenticeshipAdmin):
    actions = [*(ApprenticeshipAdmin.actions or []), "move_to_newer_version"]

    @admin.action(description="Move to a newer version", permissions=["change"])
    def move_to_newer_version(self, request, queryset):
        """An intermediate page: the version, the dry-run report, then the move on confirm."""
        chosen = list(queryset.for_list().order_by("pk"))
        if not all(may(role_of(request.user, a), Action.MOVE_STANDARD) for a in chosen):
            self.message_user(request, "Only a service admin may move these.", messages.ERROR)
            return None
        targets = _targets(chosen)
        confirming = "confirm_move" in request.POST
        form = MoveForm(
            request.POST if "target" in request.POST else None,
            targets=Standard.objects.filter(pk__in=[s.pk for s in targets]),
            confirming=confirming,
        )
        report = None
        if form.is_valid():
            target = form.cleaned_data["target"]
            if confirming and move_confirmed(request, form, chosen) is not None:
                return None
            report = move_report(apprenticeships=chosen, target=target)
        context = {
            **self.admin_site.each_context(request),
            "title": "Move to a newer version",
            "opts": self.model._meta,
            "apprenticeships": chosen,
            "targets": targets,
            "form": form,
            "report": report,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/progress/move_apprenticeships.html", context)


admin.site.unregister(Apprenticeship)
admin.site.register(Apprenticeship, MovingApprenticeshipAdmin)


@admin.register(StandardMove)
class StandardMoveAdmin(RecordAdminMixin, admin.ModelAdmin):
    """The record of moves: read only, never deleted."""

    list_display = ["apprenticeship", "from_standard", "to_standard", "moved_by", "moved_at"]
    list_filter = ["to_standard", "from_standard"]
    search_fields = ["apprenticeship__apprentice__full_name", "apprenticeship__apprentice__email"]
    list_select_related = [
        "apprenticeship__apprentice",
        "apprenticeship__organisation",
        "apprenticeship__standard",
        "from_standard",
        "to_standard",
        "moved_by",
    ]
    readonly_fields = [
        "apprenticeship",
        "from_standard",
        "to_standard",
        "moved_by",
        "moved_at",
        "details",
    ]
