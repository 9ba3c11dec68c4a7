"""What the project's admins share."""


class RecordAdminMixin:
    """An admin for a record kept as it was made (an event, a sign-off, a sent e-mail): it can be
    listed and read, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
