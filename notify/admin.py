from django.contrib import admin

from core.admin import RecordAdminMixin

from .models import DigestChoice, Notification, Preference, Sent


@admin.register(Notification)
class NotificationAdmin(RecordAdminMixin, admin.ModelAdmin):
    """Inbox items, to read: what reached whom and when they read it."""

    list_display = ["created_at", "recipient", "kind", "title", "read_at", "for_digest"]
    list_filter = ["kind", "for_digest", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__email", "recipient__full_name", "title"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    raw_id_fields = ["recipient", "actor", "apprenticeship", "email"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "channel", "updated_at"]
    list_filter = ["kind", "channel"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(DigestChoice)
class DigestChoiceAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency"]
    list_filter = ["frequency"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Sent)
class SentAdmin(RecordAdminMixin, admin.ModelAdmin):
    """Reminders and digests sent, each once per period: to read, never to edit (a row removed
    by hand would send its reminder again)."""

    list_display = ["sent_at", "recipient", "kind", "subject", "period"]
    list_filter = ["kind"]
    search_fields = ["recipient__email", "subject", "period"]
    list_select_related = ["recipient"]
    date_hierarchy = "sent_at"
    raw_id_fields = ["recipient"]
