from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import Count

from core.admin import RecordAdminMixin
from standards.models import Standard

from .models import (
    Apprenticeship,
    Invitation,
    Membership,
    Organisation,
    OutgoingEmail,
    StatusChange,
    User,
)


class InvitationStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Invitation.State.choices

    def queryset(self, request, queryset):
        if self.value() in Invitation.State.values:
            return queryset.in_state(self.value())
        return queryset


class UserCreateForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal details", {"fields": ["full_name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count", "apprenticeship_count", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", distinct=True),
                apprenticeship_count=Count("apprenticeships", distinct=True),
            )
        )

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    @admin.display(description="apprenticeships", ordering="apprenticeship_count")
    def apprenticeship_count(self, obj):
        return obj.apprenticeship_count


class StatusChangeInline(admin.TabularInline):
    """The status history: records of what someone did, never edited here. The status itself
    changes on the apprenticeship's status page, through the status service."""

    model = StatusChange
    fields = ["at", "old_status", "new_status", "by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "status history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Apprenticeship)
class ApprenticeshipAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "apprentice_email",
        "standard",
        "organisation",
        "mentor",
        "start_date",
        "status",
    ]
    list_filter = ["standard", "organisation", "status"]
    search_fields = ["apprentice__full_name", "apprentice__email", "organisation__name"]
    list_select_related = ["apprentice", "standard", "organisation", "mentor"]
    autocomplete_fields = ["apprentice", "mentor"]
    date_hierarchy = "start_date"
    readonly_fields = ["status"]
    inlines = [StatusChangeInline]

    def get_readonly_fields(self, request, obj=None):
        # An apprenticeship changes version only by a move (the "Move to a newer version"
        # action), which carries its records over and keeps a record of itself.
        return [*super().get_readonly_fields(request, obj), *(["standard"] if obj else [])]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "standard":
            # New apprenticeships start only on versions approved for delivery.
            kwargs["queryset"] = Standard.objects.approved()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="e-mail", ordering="apprentice__email")
    def apprentice_email(self, obj):
        return obj.apprentice.email if obj.apprentice else "-"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "kind", "organisation", "state_display", "sent_at"]
    list_filter = ["kind", "organisation", InvitationStateFilter]
    search_fields = ["full_name", "email", "organisation__name"]
    list_select_related = ["organisation", "apprenticeship"]
    readonly_fields = [
        "token_hash",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
        "invited_by",
    ]

    @admin.display(description="state")
    def state_display(self, obj):
        return obj.get_state_display()


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(RecordAdminMixin, admin.ModelAdmin):
    """The outbox, to read: what went to whom and what is still waiting. The body is never
    shown (until sent it holds live links), and nothing is changed here."""

    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to"]
    list_select_related = ["sender"]
    date_hierarchy = "created_at"
    fields = [
        "kind",
        "to",
        "from_email",
        "subject",
        "sender",
        "content_type",
        "object_id",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_try_at",
        "sent_at",
        "message_id",
        "request_id",
    ]
    readonly_fields = fields
