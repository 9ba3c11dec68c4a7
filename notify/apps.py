from django.apps import AppConfig


class NotifyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notify"
    verbose_name = "Notifications"

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers the check, connects receivers)
